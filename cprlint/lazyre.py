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
from functools import partial

_FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn",
              "split", "pattern", "flags", "groups", "groupindex",
              "_regexp")    # an RE2 pattern's own, for linear.found()


class LazyPattern:
    """A compiled pattern, made by ``make()`` on first attribute access
    (``re.compile`` here; RE2 for the rule patterns of linear.py)."""

    def __init__(self, make) -> None:
        self._make = make

    def __getattr__(self, name: str):
        # reached only while nothing is compiled yet (or for a name the
        # compiled pattern does not forward, e.g. scanner)
        compiled = self._make()
        for attr in _FORWARDED:
            if hasattr(compiled, attr):
                setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"<lazy pattern: {self._make!r}>"


def compile(pattern, flags: int = 0) -> LazyPattern:  # noqa: A001 - mirrors re.compile
    return LazyPattern(partial(re.compile, pattern, flags))
