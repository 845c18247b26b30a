"""Series, Patch and diff model: what the rest of cprlint reads.

Every diff line keeps the 1-based line of the input file it came from
(``input_line``), like checkpatch's ``#N``, so findings can point back into
the mbox even after a quoted reply was unwrapped.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Callable


@dataclass
class HunkLine:
    """One line of a hunk: its mark, its text and where it is in both images and the input."""

    kind: str                 # ' ' context, '+' added, '-' removed
    text: str                 # without the diff prefix char and without newline
    old_no: int | None        # line in the pre-image file (None for '+')
    new_no: int | None        # line in the post-image file (None for '-')
    input_line: int | None    # 1-based line in the input file; None if unknown (base64 body)
    no_eol: bool = False      # followed by '\\ No newline at end of file'


@dataclass
class Hunk:
    """One ``@@`` hunk of a file diff."""

    source_start: int
    source_length: int
    target_start: int
    target_length: int
    section: str              # text after the second '@@' (git's function-name guess), stripped
    lines: list[HunkLine]
    header_input_line: int | None = None

    @property
    def function_hint(self) -> str:
        """The function name from the section header, '' if none found."""
        from .sections import function_name_from_section

        return function_name_from_section(self.section)


@dataclass
class FileDiff:
    """What one patch changes in one file."""

    old_path: str | None      # None for an added file (/dev/null)
    new_path: str | None      # None for a removed file (/dev/null)
    hunks: list[Hunk] = field(default_factory=list)
    old_blob: str | None = None   # abbreviated blob ids from the 'index' line
    new_blob: str | None = None
    is_binary: bool = False
    is_rename: bool = False
    header_input_line: int | None = None   # the 'diff --git' line

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def is_c(self) -> bool:
        return self.path.endswith((".c", ".h", ".c.inc", ".h.inc"))


@dataclass
class Repair:
    """A mail-client line wrap undone: ``input_line`` was joined onto ``joined_to``."""

    input_line: int
    joined_to: int


@dataclass
class Patch:
    """One patch mail (or cover letter, or commit) of a series: header, message, diff."""

    subject: str              # subject without Re:/[PATCH ...] prefixes
    raw_subject: str = ""
    version: int = 1
    index: int = 1            # k of k/n; 0 for a cover letter
    total: int = 1            # n of k/n
    tags: list[str] = field(default_factory=list)   # PATCH, RFC, RESEND, for-10.1 ...
    author: str = ""          # "Name <email>", in-body From: wins over the mail's
    date: str = ""
    message_id: str = ""      # without <>; synthesised when the mail has none
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    to: str = ""
    cc: str = ""
    commit_message: str = ""  # body up to the '---' line, trailers included
    trailers: list[tuple[str, str]] = field(default_factory=list)  # ("Signed-off-by", "A <a@b>")
    trailer_lines: list[int | None] = field(default_factory=list)  # input line of each trailer
    author_line: int | None = None   # input line of the in-body From: (None: the mail's)
    # input line of each line of commit_message (None where unknown: QP, base64)
    message_lines: list[int | None] = field(default_factory=list)
    # the mail's Reply-To: and X-Original-From: when the author is the mail's From:
    # (a list's DMARC rewrite "X via <list>" keeps the real author there)
    reply_to: str = ""
    original_from: str = ""
    files: list[FileDiff] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    quoted: bool = False      # reconstructed from a reply that quotes it
    input_path: str = ""      # the file the user gave ('-' for stdin)
    input_line: int = 1       # first line of this message in that file
    crlf_repaired: bool = False           # CRLF line ends were normalised to LF
    message_id_synthesised: bool = False  # the mail had no Message-ID; ours is a stable hash
    lines_exact: bool = True              # body lines map to input lines (False for QP/base64)
    quote_depth: int = 0                  # '>' depth the patch was taken from (quoted only)
    base_commit: str = ""                 # 'base-commit: <sha>' below the diff (b4, --base)
    commit: str = ""                      # the commit id, for --git A..B

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
_KEPT = tuple(f.name for f in fields(Patch) if f.name not in _LET_GO + ("files",))


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
        f = Patch.__dataclass_fields__[name]
        return f.default_factory() if f.default_factory is not MISSING else f.default

    commit_label = Patch.commit_label
    is_cover = Patch.is_cover
    label = Patch.label


@dataclass
class SkippedFile:
    """A file of a patch that no rule reads, and why."""

    patch: Patch
    path: str
    reason: str               # "binary", "not C", "rename only", "removed"


@dataclass
class Series:
    """The patches to check, in order, with what was left out of them."""

    patches: list[Patch] = field(default_factory=list)   # in series order, no cover letter
    cover: Patch | None = None
    replies_skipped: int = 0
    skipped_files: list[SkippedFile] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    versions_skipped: list[int] = field(default_factory=list)  # older versions seen and dropped
    messages_skipped: int = 0      # mails that are neither patch, cover nor reply
    # set when the series has a base tree: name -> "occurs in its C sources"
    base_defines: Callable[[str], bool] | None = None
    # and answers it for many names at once (one search of the tree)
    base_prefetch: Callable[[set], None] | None = None
