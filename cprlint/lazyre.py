"""Module-level regular expressions, compiled when first used.

cprlint's modules hold ~90 ``re`` patterns at module level; compiling them
all at import (``re`` parses and compiles in Python) was ~15 ms of every
run, and a one-patch check uses a third of them.  ``lazyre.compile(p,
flags)`` is a stand-in that compiles on its first use; after that, its
methods are the compiled pattern's own (looked up on the object, no extra
call).  tests/test_linear.py audits these patterns as it does
``re.compile``'s.

Only patterns of cprlint's code and of rule files are made here, never
text from the input: what re compiles of them is kept between runs (see
below).
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
    return LazyPattern(partial(_compiled, pattern, int(flags)))


# -- what re.compile makes of a pattern, kept between runs -----------------
#
# re parses and compiles a pattern in Python: 40-200 us each, ~90 patterns
# (~6 ms) on an 8-patch series, an eighth of what checkpatch.pl takes in
# all.  Its last step, _sre.compile(), takes the pattern's internal code
# (a list of ints) and makes the pattern object in microseconds.  The
# arguments re gives it for each of cprlint's own patterns (the ones of
# this module: constants of cprlint's code, never text from the input)
# are kept in the user's cache, per Python build, and given to it again
# on the next run.  The pattern object is the same (re.Pattern equality
# compares the code; tests/test_lazyre.py checks every pattern); anything
# unexpected (another Python, a damaged file) compiles with re as usual.

_KEPT: dict | None = None       # (pattern, flags) -> _sre.compile's other arguments
_NEW: dict = {}                 # compiled by re in this run
_KEPT_FORMAT = 1
_KEPT_MAX = 2048                # patterns kept (cprlint has ~150; older versions' go)


def _compiled(pattern, flags: int):
    kept = _kept()
    args = kept.get((pattern, flags))
    if args is not None:
        import _sre

        try:
            return _sre.compile(pattern, *args)
        except Exception:           # noqa: BLE001 - not this Python's: compile it
            pass
    compiled, args = _compile_keeping(pattern, flags)
    if args is not None:
        _NEW[(pattern, flags)] = args
    return compiled


def _compile_keeping(pattern, flags: int):
    """``re.compile(pattern, flags)`` and the arguments re gave
    _sre.compile() for it (None when re's internals are not as expected),
    made the way re._compiler.compile() makes them."""
    import _sre

    try:
        try:
            from re import _compiler, _parser           # Python 3.11+
        except ImportError:                             # pragma: no cover - 3.10
            import sre_compile as _compiler             # type: ignore[no-redef]
            import sre_parse as _parser                 # type: ignore[no-redef]
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        # plain ints: re's own are enums and named constants, which marshal
        # does not keep (and _sre reads as the ints they are)
        args = (int(flags | parsed.state.flags), [int(op) for op in code],
                parsed.state.groups - 1, groupindex, tuple(indexgroup))
        compiled = _sre.compile(pattern, *args)
    except re.error:
        raise
    except Exception:                                   # noqa: BLE001
        return re.compile(pattern, flags), None
    return compiled, args


def _kept() -> dict:
    global _KEPT
    if _KEPT is None:
        _KEPT = {}
        where = _kept_file()
        if where is not None:
            import marshal

            try:
                with open(where, "rb") as f:
                    head, table = marshal.loads(f.read())
                if head == _kept_head() and isinstance(table, dict):
                    _KEPT = table
            except (OSError, EOFError, ValueError, TypeError):
                pass
    return _KEPT


def _kept_head() -> tuple:
    import sys

    import _sre

    return (_KEPT_FORMAT, sys.version, _sre.MAGIC)


def _kept_file() -> str | None:
    from .rulecache import cache_file

    return cache_file("regex")


def keep_compiled() -> None:
    """Keep what re compiled in this run for the next (once, at the end of
    a run; nothing when nothing new was compiled or the cache is off)."""
    if not _NEW or _KEPT is None:
        return
    table = dict(_KEPT) if len(_KEPT) + len(_NEW) <= _KEPT_MAX else {}
    table.update(_NEW)
    _NEW.clear()
    where = _kept_file()
    if where is not None:
        from .rulecache import write_file

        write_file(where, (_kept_head(), table))
