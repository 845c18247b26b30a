"""The one exception type that means "bad input": exit code 2, one line."""

from __future__ import annotations


class InputError(Exception):
    """Input that cprlint cannot read.

    Rendered as ``cprlint: PATH[:LINE]: MESSAGE`` on one line of stderr,
    exit code 2.  ``line`` is 1-based in the file the user gave.
    """

    def __init__(self, path: str, message: str, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def one_line(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"cprlint: {where}: {self.message}"
