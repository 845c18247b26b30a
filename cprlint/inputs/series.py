"""Series, Patch and diff model: what the rest of cprlint reads.

Every diff line keeps the 1-based line of the input file it came from
(``input_line``), like checkpatch's ``#N``, so findings can point back into
the mbox even after a quoted reply was unwrapped.
"""

from __future__ import annotations

from typing import Callable

from ..records import Record, field_names


class HunkLine(Record):
    """One line of a hunk: its mark, its text and where it is in both images and the input."""

    kind: str                 # ' ' context, '+' added, '-' removed
    text: str                 # without the diff prefix char and without newline
    old_no: int | None        # line in the pre-image file (None for '+')
    new_no: int | None        # line in the post-image file (None for '-')
    input_line: int | None    # 1-based line in the input file; None if unknown (base64 body)
    no_eol: bool              # followed by '\\ No newline at end of file'

    def __init__(self, kind, text, old_no, new_no, input_line, no_eol=False) -> None:
        self.kind = kind
        self.text = text
        self.old_no = old_no
        self.new_no = new_no
        self.input_line = input_line
        self.no_eol = no_eol


class Hunk(Record):
    """One ``@@`` hunk of a file diff."""

    source_start: int
    source_length: int
    target_start: int
    target_length: int
    section: str              # text after the second '@@' (git's function-name guess), stripped
    lines: list[HunkLine]
    header_input_line: int | None

    def __init__(self, source_start, source_length, target_start, target_length, section, lines,
                 header_input_line=None) -> None:
        self.source_start = source_start
        self.source_length = source_length
        self.target_start = target_start
        self.target_length = target_length
        self.section = section
        self.lines = lines
        self.header_input_line = header_input_line

    @property
    def function_hint(self) -> str:
        """The function name from the section header, '' if none found."""
        from .sections import function_name_from_section

        return function_name_from_section(self.section)


class FileDiff(Record):
    """What one patch changes in one file."""

    old_path: str | None           # None for an added file (/dev/null)
    new_path: str | None           # None for a removed file (/dev/null)
    hunks: list[Hunk]
    old_blob: str | None           # abbreviated blob ids from the 'index' line
    new_blob: str | None
    is_binary: bool
    is_rename: bool
    header_input_line: int | None  # the 'diff --git' line

    def __init__(self, old_path, new_path, hunks=None, old_blob=None, new_blob=None,
                 is_binary=False, is_rename=False, header_input_line=None) -> None:
        self.old_path = old_path
        self.new_path = new_path
        self.hunks = [] if hunks is None else hunks
        self.old_blob = old_blob
        self.new_blob = new_blob
        self.is_binary = is_binary
        self.is_rename = is_rename
        self.header_input_line = header_input_line

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def is_c(self) -> bool:
        return self.path.endswith((".c", ".h", ".c.inc", ".h.inc"))


class Repair(Record):
    """A mail-client line wrap undone: ``input_line`` was joined onto ``joined_to``."""

    input_line: int
    joined_to: int

    def __init__(self, input_line, joined_to) -> None:
        self.input_line = input_line
        self.joined_to = joined_to


class Patch(Record):
    """One patch mail (or cover letter, or commit) of a series: header, message, diff."""

    subject: str                     # subject without Re:/[PATCH ...] prefixes
    raw_subject: str
    version: int
    index: int                       # k of k/n; 0 for a cover letter
    total: int                       # n of k/n
    tags: list[str]                  # PATCH, RFC, RESEND, for-10.1 ...
    author: str                      # "Name <email>", in-body From: wins over the mail's
    date: str
    message_id: str                  # without <>; synthesised when the mail has none
    in_reply_to: str
    references: list[str]
    to: str
    cc: str
    commit_message: str              # body up to the '---' line, trailers included
    trailers: list[tuple[str, str]]  # ("Signed-off-by", "A <a@b>")
    trailer_lines: list[int | None]  # input line of each trailer
    author_line: int | None          # input line of the in-body From: (None: the mail's)
    # input line of each line of commit_message (None where unknown: QP, base64)
    message_lines: list[int | None]
    # the mail's Reply-To: and X-Original-From: when the author is the mail's From:
    # (a list's DMARC rewrite "X via <list>" keeps the real author there)
    reply_to: str
    original_from: str
    files: list[FileDiff]
    repairs: list[Repair]
    quoted: bool                  # reconstructed from a reply that quotes it
    input_path: str               # the file the user gave ('-' for stdin)
    input_line: int               # first line of this message in that file
    crlf_repaired: bool           # CRLF line ends were normalised to LF
    message_id_synthesised: bool  # the mail had no Message-ID; ours is a stable hash
    lines_exact: bool             # body lines map to input lines (False for QP/base64)
    quote_depth: int              # '>' depth the patch was taken from (quoted only)
    base_commit: str              # 'base-commit: <sha>' below the diff (b4, --base)
    commit: str                   # the commit id, for --git A..B

    def __init__(self, subject, raw_subject="", version=1, index=1, total=1, tags=None,
                 author="", date="", message_id="", in_reply_to="", references=None, to="",
                 cc="", commit_message="", trailers=None, trailer_lines=None, author_line=None,
                 message_lines=None, reply_to="", original_from="", files=None, repairs=None,
                 quoted=False, input_path="", input_line=1, crlf_repaired=False,
                 message_id_synthesised=False, lines_exact=True, quote_depth=0, base_commit="",
                 commit="") -> None:
        self.subject = subject
        self.raw_subject = raw_subject
        self.version = version
        self.index = index
        self.total = total
        self.tags = [] if tags is None else tags
        self.author = author
        self.date = date
        self.message_id = message_id
        self.in_reply_to = in_reply_to
        self.references = [] if references is None else references
        self.to = to
        self.cc = cc
        self.commit_message = commit_message
        self.trailers = [] if trailers is None else trailers
        self.trailer_lines = [] if trailer_lines is None else trailer_lines
        self.author_line = author_line
        self.message_lines = [] if message_lines is None else message_lines
        self.reply_to = reply_to
        self.original_from = original_from
        self.files = [] if files is None else files
        self.repairs = [] if repairs is None else repairs
        self.quoted = quoted
        self.input_path = input_path
        self.input_line = input_line
        self.crlf_repaired = crlf_repaired
        self.message_id_synthesised = message_id_synthesised
        self.lines_exact = lines_exact
        self.quote_depth = quote_depth
        self.base_commit = base_commit
        self.commit = commit

    def commit_label(self) -> str:
        """``0123456789ab ("subject")``, as git and checkpatch name a commit."""
        return f'{self.commit[:12]} ("{self.subject}")' if self.commit else ""

    @property
    def is_cover(self) -> bool:
        return self.index == 0

    def label(self) -> str:
        return f"{self.index}/{self.total}"


# what a PatchStub lets go of a Patch (the diff is kept only if asked)
_LET_GO = ("commit_message", "trailers", "trailer_lines", "message_lines", "repairs")
_KEPT = tuple(name for name in field_names(Patch) if name not in _LET_GO + ("files",))


class PatchStub:
    """What a report says of a patch once the patch itself is let go (a
    long series checked a window at a time): its mail headers, subject and
    numbers, no message body, and the diff only if asked."""

    __slots__ = _KEPT + ("files",)

    @classmethod
    def of(cls, p: Patch, files: bool = False) -> "PatchStub":
        """``files``: keep the diff (as it is: a patch with findings keeps
        what a reply quotes)."""
        stub = cls()
        for name in _KEPT:
            setattr(stub, name, getattr(p, name))
        stub.files = p.files if files else []
        return stub

    def __getattr__(self, name: str):
        # what was let go reads as a patch without it (no message, no repairs)
        if name not in _LET_GO:
            raise AttributeError(name)
        return getattr(Patch(self.subject), name)

    commit_label = Patch.commit_label
    is_cover = Patch.is_cover
    label = Patch.label


class SkippedFile(Record):
    """A file of a patch that no rule reads, and why."""

    patch: Patch
    path: str
    reason: str               # "binary", "not C", "rename only", "removed"

    def __init__(self, patch, path, reason) -> None:
        self.patch = patch
        self.path = path
        self.reason = reason


class Series(Record):
    """The patches to check, in order, with what was left out of them."""

    patches: list[Patch]         # in series order, no cover letter
    cover: Patch | None
    replies_skipped: int
    skipped_files: list[SkippedFile]
    inputs: list[str]
    versions_skipped: list[int]  # older versions seen and dropped
    messages_skipped: int        # mails that are neither patch, cover nor reply
    # set when the series has a base tree: name -> "occurs in its C sources"
    base_defines: Callable[[str], bool] | None
    # and answers it for many names at once (one search of the tree)
    base_prefetch: Callable[[set], None] | None

    def __init__(self, patches=None, cover=None, replies_skipped=0, skipped_files=None,
                 inputs=None, versions_skipped=None, messages_skipped=0, base_defines=None,
                 base_prefetch=None) -> None:
        self.patches = [] if patches is None else patches
        self.cover = cover
        self.replies_skipped = replies_skipped
        self.skipped_files = [] if skipped_files is None else skipped_files
        self.inputs = [] if inputs is None else inputs
        self.versions_skipped = [] if versions_skipped is None else versions_skipped
        self.messages_skipped = messages_skipped
        self.base_defines = base_defines
        self.base_prefetch = base_prefetch
