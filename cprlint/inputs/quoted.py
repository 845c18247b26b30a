"""A patch quoted in a review reply: take the quote level that holds the diff.

``>> +foo`` is depth 2 with content ``+foo``; ``>>  ctx`` is depth 2 with
content `` ctx``; a bare ``>>`` is an empty line.  Only lines at the depth of
the first quoted ``diff --git`` are kept; shallower lines (the reviewer's
comments, the answer) are dropped.  Line wraps are undone later, hunk by
hunk, by the same code as for plain patches (unwrap.py).
"""

from __future__ import annotations


from .. import lazyre
from ..records import Record
from .lines import SrcLine

QUOTE_PREFIX = lazyre.compile(r"^(?:> ?)+")
# "... wrote:" is split off first (_ATTRIBUTION_TAIL), so that the patterns for
# the head have one free split point each and stay linear on hostile lines.
_ATTRIBUTION_TAIL = lazyre.compile(r"(?<!\s)\s+(wrote|writes|said):\s*$")
_ATTRIBUTION = [
    (("wrote",), lazyre.compile(r"^On (?P<date>.+?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
                                r"(?:\s*(?:[+-]\d{4}|[A-Z]{2,5}))?),?\s+(?P<who>.+)$")),
    (("wrote",), lazyre.compile(r"^On (?P<date>.+),\s*(?P<who>[^,]+)$")),
    (("wrote", "writes", "said"), lazyre.compile(r"^(?P<who>.+)$")),
]
MAX_ATTRIBUTION = 2000   # a longer line is no attribution


class QuotedPatch(Record):
    """A patch quoted in a reply, with its quote depth and attribution."""

    depth: int
    lines: list[SrcLine]
    author: str
    date: str
    attribution_line: int | None

    def __init__(self, depth, lines=None, author="", date="", attribution_line=None) -> None:
        self.depth = depth
        self.lines = [] if lines is None else lines
        self.author = author
        self.date = date
        self.attribution_line = attribution_line


def split_quote(text: str) -> tuple[int, str]:
    m = QUOTE_PREFIX.match(text)
    if not m:
        return 0, text
    return m.group(0).count(">"), text[m.end():]


def has_unquoted_diff(lines: list[SrcLine]) -> bool:
    return any(ln.text.startswith("diff --git ") for ln in lines)


def find_quoted_patch(lines: list[SrcLine]) -> QuotedPatch | None:
    """The quoted patch in a reply, or None if there is none (or an original diff)."""
    if has_unquoted_diff(lines):
        return None
    split = [split_quote(ln.text) for ln in lines]
    d = next((dep for dep, c in split if dep > 0 and c.startswith("diff --git ")), None)
    if d is None:
        return None
    qp = QuotedPatch(depth=d)
    first = None
    for k, (ln, (dep, content)) in enumerate(zip(lines, split)):
        if dep == d:
            if first is None:
                first = k
            qp.lines.append(SrcLine(content, ln.input_line, len(ln.text)))
    _attribution(qp, lines, split, first or 0, d)
    return qp


def _attribution(qp: QuotedPatch, lines, split, first: int, d: int) -> None:
    """Author and date from "On <date>, <who> wrote:" one quote level up."""
    k = first - 1
    while k >= 0 and (split[k][0] != d - 1 or not split[k][1].strip()):
        if split[k][0] < d - 1:
            return
        k -= 1
    if k < 0:
        return
    text = split[k][1].strip()
    cands = [text]
    if k > 0 and split[k - 1][0] == d - 1 and split[k - 1][1].strip():
        cands.append(split[k - 1][1].rstrip() + " " + text)   # a wrapped attribution
    for cand in cands:
        if len(cand) > MAX_ATTRIBUTION:
            continue
        tail = _ATTRIBUTION_TAIL.search(cand)
        if tail is None:
            continue
        head = cand[:tail.start()]
        for verbs, rx in _ATTRIBUTION:
            m = rx.match(head) if tail.group(1) in verbs else None
            if m:
                qp.author = m.group("who").strip()
                qp.date = m.groupdict().get("date") or ""
                qp.date = qp.date.strip()
                qp.attribution_line = lines[k].input_line
                return
