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


def compile(pattern, flags: int = 0, keep: bool = True) -> LazyPattern:  # noqa: A001
    """``re.compile(pattern, flags)`` at first use.  ``keep``: a pattern of
    cprlint's code, made when its module is imported, whose compiled code
    may be kept between runs (see below); False for anything else (a rule
    file's pattern)."""
    if not keep:
        return LazyPattern(partial(re.compile, pattern, flags))
    flags = int(flags)
    _REGISTERED.append((pattern, flags))
    return LazyPattern(partial(_compiled, pattern, flags))


# -- what re.compile makes of cprlint's patterns, kept between runs -------
#
# re parses and compiles a pattern in Python: 40-200 us each, ~25 of
# cprlint's patterns (~2.5 ms) on one patch, where checkpatch.pl takes
# ~47 ms in all, and ~50 on an 8-patch series.  Its last step,
# _sre.compile(), takes the pattern's internal code (a list of ints) and
# makes the pattern object in microseconds.  The arguments re gives it are kept in the user's cache
# for every pattern compile() registered (all made at import: constants
# of cprlint's code, never text from the input, nor a rule file's), one
# file per Python build, and given to _sre.compile() on the next run.
# The pattern object is the same (re.Pattern equality compares the code;
# tests/test_lazyre.py checks every pattern).  The file is written whole,
# for every module's patterns, when a run met one it did not hold: what
# it holds depends on cprlint's code and the Python, not on what was
# checked.  Anything unexpected (another Python, a damaged file, code
# _sre refuses) compiles with re as usual.

_REGISTERED: list = []          # (pattern, flags) of every compile(keep=True)
_KEPT: dict | None = None       # (pattern, flags) -> _sre.compile's other arguments
_MISSED = [False]               # a registered pattern was compiled by re in this run
_KEPT_FORMAT = 2
_KEPT_MAX_BYTES = 4 * 1024 * 1024   # the table is ~60 kB


def _compiled(pattern, flags: int):
    if not flags & re.DEBUG:        # (DEBUG prints as it compiles)
        args = _kept().get((pattern, flags))
        if args is not None:
            import _sre

            try:
                return _sre.compile(pattern, *args)
            except Exception:       # noqa: BLE001 - not this Python's: compile it
                pass
        _MISSED[0] = True
    return re.compile(pattern, flags)


def _compile_keeping(pattern, flags: int):
    """``re.compile(pattern, flags)`` and the arguments re gave
    _sre.compile() for it (None when re's internals are not as expected),
    made the way re._compiler.compile() makes them."""
    import _sre

    try:
        _compiler, _parser = _re_internals()
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


def _re_internals():
    """re's compiler and parser modules (``sre_*`` before Python 3.11)."""
    try:
        from re import _compiler, _parser               # Python 3.11+
    except ImportError:                                 # pragma: no cover - 3.10
        import sre_compile as _compiler                 # type: ignore[no-redef]
        import sre_parse as _parser                     # type: ignore[no-redef]
    return _compiler, _parser


def _kept() -> dict:
    global _KEPT
    if _KEPT is None:
        _KEPT = {}
        where = _kept_file()
        if where is not None:
            import marshal
            import zlib

            from .rulecache import read_file

            try:
                head, crc, blob = read_file(where, _KEPT_MAX_BYTES)
                if head == _kept_head() and zlib.crc32(blob) == crc:
                    table = marshal.loads(blob)
                    if isinstance(table, dict):
                        _KEPT = table
            except (EOFError, ValueError, TypeError):   # none, or not what this module wrote
                pass
    return _KEPT


def _kept_head() -> tuple:
    """What the kept code depends on: this file's format, the Python build,
    and its regex engine (its code version and word size, and re's
    compiler modules as installed)."""
    import os
    import sys

    import _sre

    stamps = []
    for module in _re_internals():
        try:
            st = os.stat(module.__file__)
            stamps.append((st.st_size, st.st_mtime_ns))
        except (OSError, TypeError, AttributeError):
            stamps.append(None)
    return (_KEPT_FORMAT, sys.version, _sre.MAGIC, _sre.CODESIZE, tuple(stamps))


def _kept_file() -> str | None:
    from .rulecache import cache_file

    return cache_file("regex")


def registered() -> list:
    """(pattern, flags) of every pattern of cprlint's modules, all imported."""
    import importlib
    import pkgutil

    from . import __path__ as package_path

    for info in pkgutil.walk_packages(package_path, __name__.rsplit(".", 1)[0] + "."):
        if not info.name.endswith("__main__"):      # (that one runs the command line)
            importlib.import_module(info.name)
    return list(dict.fromkeys(_REGISTERED))


def keep_compiled() -> None:
    """At the end of a run that compiled one of cprlint's patterns with re
    (the first run, or one after an upgrade), keep the code of all of them
    for the next.  Never raises: the run's output is out already."""
    if not _MISSED[0]:
        return
    _MISSED[0] = False
    try:
        where = _kept_file()
        if where is None:
            return
        import marshal
        import os
        import zlib

        folder = os.path.dirname(where)
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return                  # (not every run importing every module for nothing)

        from .rulecache import write_file

        table = {}
        for pattern, flags in registered():
            if flags & re.DEBUG:
                continue
            try:
                _compiled_now, args = _compile_keeping(pattern, flags)
            except re.error:
                continue
            if args is not None:
                table[(pattern, flags)] = args
        blob = marshal.dumps(table)
        write_file(where, (_kept_head(), zlib.crc32(blob), blob))
    except Exception:               # noqa: BLE001 - a cache that cannot be made is not made
        pass
