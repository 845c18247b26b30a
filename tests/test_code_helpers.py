"""Build Hunk/FileDiff/Patch/Series objects by hand for the code tests."""

from __future__ import annotations

from pathlib import Path

from cprlint.inputs.series import FileDiff, Hunk, HunkLine, Patch, Series

FIXTURES = Path(__file__).parent / "fixtures" / "code"


def make_hunk(body: str, source_start: int, target_start: int, section: str = "",
              input_start: int | None = 1000) -> Hunk:
    """``body``: diff lines with their ' ', '+', '-' prefix."""
    lines = []
    old, new = source_start, target_start
    inp = input_start
    for raw in body.split("\n"):
        if raw == "":
            continue
        kind, text = raw[0], raw[1:]
        if kind == "|":            # a context line that is blank in the source
            kind, text = " ", ""
        o = n = None
        if kind in (" ", "-"):
            o = old
            old += 1
        if kind in (" ", "+"):
            n = new
            new += 1
        lines.append(HunkLine(kind, text, o, n, inp))
        if inp is not None:
            inp += 1
    return Hunk(source_start, old - source_start, target_start, new - target_start,
                section, lines)


def make_series(*files: tuple[str, list[Hunk]]) -> Series:
    fds = [FileDiff(old_path=p, new_path=p, hunks=hs) for p, hs in files]
    return Series(patches=[Patch(subject="migration: test", files=fds)])


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()
