"""A dependency-free progress bar on stderr: one line redrawn with '\\r'.

Shown when stderr is a terminal (or with --progress) and there is enough
to do; erased when done, so it never mixes with the report on stdout.
"""

from __future__ import annotations

import sys

AUTO_MIN_ITEMS = 8      # below this, a terminal gets no bar unless --progress


class Progress:
    def __init__(self, total: int, label: str, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        if enabled is None:
            try:
                enabled = self.stream.isatty() and total >= AUTO_MIN_ITEMS
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = bool(enabled) and total > 0
        self.total, self.label, self.done_n, self.width = total, label, 0, 0

    def step(self, what: str = "") -> None:
        self.done_n += 1
        if not self.enabled:
            return
        n, t = self.done_n, self.total
        bar = "#" * (20 * n // t) + "-" * (20 - 20 * n // t)
        from .untrusted import escaped

        line = f"cprlint: {self.label} [{bar}] {n}/{t} {escaped(what, one_line=True)}"[:79]
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
