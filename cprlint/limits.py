"""Bounds that keep hostile input from stalling or flooding a run.

cprlint reads mail from strangers (a bot on a public list, b4, CI): every
stage must take time linear in the input and memory bounded by it.  The
caps here are far above what real QEMU patches need; what goes over one is
truncated or skipped *for analysis* and said in the summary as a note, never
an error, so the rest of the series is still checked.

Notes are collected process-wide (``note``) and taken by the run
(``take_notes``), so deep helpers need not thread a list through.
"""

from __future__ import annotations

MAX_INPUT_BYTES = 256 * 1024 * 1024   # one input (file, stdin, C file), after gunzip
MAX_LINE_CHARS = 4096                 # a line longer than this is cut for analysis
MAX_HEADER_CHARS = 4096               # a header value (Subject, To, Cc, ...) likewise
MAX_HEADER_LINES = 2000               # header lines of one mail (folded lines count)
MAX_NODE_TEXT = 512                   # bytes of a call or condition text kept as a fact
MAX_TREE_DEPTH = 150                  # syntax-tree levels the walkers descend
PATCH_BUDGET_S = 5.0                  # seconds of rule analysis per patch

_notes: list[str] = []
_cuts: dict[str, list] = {}          # what -> [how many, first input line]


def note(text: str) -> None:
    """Say ``text`` once in this run's summary."""
    if text not in _notes:
        _notes.append(text)


def take_notes() -> list[str]:
    out = list(_notes)
    for what, (count, first) in _cuts.items():
        at = f" (the first at input line {first})" if first else ""
        out.append(f"{count} {what}{'s' if count != 1 else ''} cut for analysis{at}")
    _notes.clear()
    _cuts.clear()
    return out


def count_cut(what: str, line: int | None) -> None:
    """One more ``what`` (e.g. "line over 4096 characters") was cut."""
    entry = _cuts.setdefault(what, [0, line])
    entry[0] += 1


def cut_line(text: str, where: str = "") -> str:
    """``text`` cut to MAX_LINE_CHARS, with a note naming ``where``."""
    if len(text) <= MAX_LINE_CHARS:
        return text
    if where:
        note(f"{where}: a line of {len(text)} characters was cut to {MAX_LINE_CHARS} "
             "for analysis")
    return text[:MAX_LINE_CHARS]
