"""Apply one file's hunks to its text in memory, like ``patch``.

Every context and '-' line must match the base exactly.  A hunk that does
not match where its header says is searched for at the nearest position
(the offset is reported); a hunk that matches nowhere raises ApplyError.
The result also says, for the views, which lines the patch removed (pre
numbering) and added (post numbering) and which input line shows each.
"""

from __future__ import annotations

from ..records import Record


class FileText(Record):
    lines: list[str]           # without line ends
    eol: bool                  # the last line ends with '\n'

    def __init__(self, lines, eol=True) -> None:
        self.lines = lines
        self.eol = eol

    @classmethod
    def from_bytes(cls, data: bytes) -> "FileText":
        return cls.from_text(data.decode("utf-8", "surrogateescape"))

    @classmethod
    def from_text(cls, text: str) -> "FileText":
        if not text:
            return cls([], True)
        eol = text.endswith("\n")
        lines = text.split("\n")
        if eol:
            lines.pop()
        return cls(lines, eol)

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.eol and self.lines else "")

    def to_bytes(self) -> bytes:
        return self.text().encode("utf-8", "surrogateescape")


class Applied(Record):
    post: FileText
    offsets: list[tuple[int, int]]      # (hunk no. 1-based, lines)
    pre_changed: set[int]               # '-' lines, pre numbering
    post_changed: set[int]              # '+' lines, post numbering
    pre_inputs: dict[int, int | None]   # shown pre lines
    post_inputs: dict[int, int | None]  # shown post lines

    def __init__(self, post, offsets=None, pre_changed=None, post_changed=None, pre_inputs=None,
                 post_inputs=None) -> None:
        self.post = post
        self.offsets = [] if offsets is None else offsets
        self.pre_changed = set() if pre_changed is None else pre_changed
        self.post_changed = set() if post_changed is None else post_changed
        self.pre_inputs = {} if pre_inputs is None else pre_inputs
        self.post_inputs = {} if post_inputs is None else post_inputs


class ApplyError(Exception):
    def __init__(self, hunk_no: int, input_line: int | None):
        super().__init__(f"hunk {hunk_no} does not apply")
        self.hunk_no = hunk_no
        self.input_line = input_line


def _find(src: list[str], old: list[str], want: int, lo: int) -> int | None:
    """Start index of ``old`` in ``src`` at or after ``lo``, nearest to ``want``."""
    n = len(old)
    hi = len(src) - n
    if hi < lo:
        return None
    want = min(max(want, lo), hi)
    first = old[0]
    for d in range(0, max(want - lo, hi - want) + 1):
        for p in (want - d, want + d) if d else (want,):
            if lo <= p <= hi and src[p] == first and src[p:p + n] == old:
                return p
    return None


def apply_hunks(base: FileText, hunks) -> Applied:
    src = base.lines
    out: list[str] = []
    res = Applied(post=FileText(out, base.eol))
    cursor = 0      # first base line not yet copied
    delta = 0       # offset of the previous hunk, carried like patch does
    for no, h in enumerate(hunks, 1):
        old = [hl.text for hl in h.lines if hl.kind != "+"]
        expected = h.source_start - 1 if old else h.source_start
        if old:
            pos = _find(src, old, expected + delta, cursor)
        else:       # pure insertion without context (-U0, new file): trust the header
            pos = expected + delta if cursor <= expected + delta <= len(src) else None
        if pos is None:
            raise ApplyError(no, h.header_input_line)
        if pos != expected:
            res.offsets.append((no, pos - expected))
        delta = pos - expected
        out.extend(src[cursor:pos])
        old_no, new_no = pos + 1, len(out) + 1
        for hl in h.lines:
            if hl.kind == " ":
                res.pre_inputs[old_no] = res.post_inputs[new_no] = hl.input_line
                out.append(src[old_no - 1])
                old_no += 1
                new_no += 1
            elif hl.kind == "-":
                res.pre_changed.add(old_no)
                res.pre_inputs[old_no] = hl.input_line
                old_no += 1
            else:
                res.post_changed.add(new_no)
                res.post_inputs[new_no] = hl.input_line
                out.append(hl.text)
                new_no += 1
        cursor = pos + len(old)
        res.post.eol = _eol_after(h, res.post.eol)
    out.extend(src[cursor:])
    return res


def _eol_after(hunk, eol: bool) -> bool:
    """'\\ No newline at end of file' after a post-side line drops the final
    newline; after a '-' line only, the patch adds it."""
    if any(hl.no_eol for hl in hunk.lines if hl.kind in (" ", "+")):
        return False
    if any(hl.no_eol for hl in hunk.lines if hl.kind == "-"):
        return True
    return eol
