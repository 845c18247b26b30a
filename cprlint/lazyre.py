"""Module-level regular expressions, compiled when first used.

cprlint's modules hold ~90 ``re`` patterns at module level; compiling them
all at import (``re`` parses and compiles in Python) was ~15 ms of every
run, and a one-patch check uses a third of them.  ``lazyre.compile(p,
flags)`` is a stand-in that compiles on its first use; after that, its
methods are the compiled pattern's own (looked up on the object, no extra
call).  tests/test_linear.py audits these patterns as it does
``re.compile``'s.
"""

from __future__ import annotations

import re

_FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn",
              "split", "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """A ``re.Pattern`` compiled on first attribute access."""

    def __init__(self, pattern, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        # reached only while nothing is compiled yet (or for a name the
        # compiled pattern does not forward, e.g. scanner)
        compiled = re.compile(*self._source)
        for attr in _FORWARDED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazyre.compile({self._source[0]!r}, {self._source[1]})"


def compile(pattern, flags: int = 0) -> LazyPattern:  # noqa: A001 - mirrors re.compile
    return LazyPattern(pattern, flags)
