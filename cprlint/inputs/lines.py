"""A line of text that remembers where it came from in the user's input."""

from __future__ import annotations

from ..limits import MAX_LINE_CHARS, count_cut
from ..records import Record


class SrcLine(Record):
    """A line of input text with its input line number."""

    text: str                  # content (quote prefix and newline removed)
    input_line: int | None     # 1-based line in the input file; None if unknown
    width: int                 # length of the physical line as the mailer saw it

    def __init__(self, text, input_line, width=-1) -> None:
        self.text = text
        self.input_line = input_line
        self.width = width
        self.__post_init__()

    def __post_init__(self) -> None:
        if self.width < 0:
            self.width = len(self.text)


def number_lines(text: str, first_line: int | None) -> list[SrcLine]:
    """Split ``text`` (newlines already normalised) into SrcLines.

    ``first_line`` is the input line of the first line of text, or None when
    the mapping is unknown (quoted-printable/base64 bodies).
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    if first_line is None:
        out = [SrcLine(p, None) for p in parts]
    else:
        out = [SrcLine(p, first_line + i) for i, p in enumerate(parts)]
    if len(text) > MAX_LINE_CHARS:
        for ln in out:
            if len(ln.text) > MAX_LINE_CHARS:     # no pattern ever sees a longer line
                ln.text = ln.text[:MAX_LINE_CHARS]     # width keeps the mailer's length
                count_cut(f"line over {MAX_LINE_CHARS} characters", ln.input_line)
    return out
