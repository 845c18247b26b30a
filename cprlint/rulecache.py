"""The parsed rule files (and rules/data tables), kept between runs.

Parsing the ~25 TOML rule files with tomllib (pure Python) is ~15 ms of
every run, about a quarter of what checkpatch.pl takes in all on one patch,
and importing tomllib a few more.  The parsed tables are kept in
``$XDG_CACHE_HOME/cprlint/NAME-HASH.marshal`` (``~/.cache`` by default; NAME
``rules`` for the rule files, ``data-FILE`` for a rules/data table; HASH
names the rules directory and the Python version)
together with what they were parsed from: each file's path, size,
modification and change times and inode, cprlint's and Python's versions,
and the size and time of each of cprlint's modules.  A run whose rule
files all match uses the tables; any difference (a rule edited, added or
removed, another rules directory, an upgrade) parses the files again and
rewrites the cache once the rule engine has accepted them: rules from the
cache were checked by the run that kept them, so their regexes are
compiled when first used (``linear.checked_rules``), not all at start.

Only rule data is kept (strings, numbers, booleans, lists and tables, as
tomllib gives them), and beside it what the engine derived from the rules
when it checked them (each rule's scope and trigger words); the checks of
the rule engine run on the data as on a fresh parse, except that regexes
are compiled, and kinds made, at first use.  The cache is
the user's own file; a missing, unreadable or broken one is ignored, one
that cannot be written is not written, and ``CPRLINT_NO_CACHE=1`` turns
it off.
"""

from __future__ import annotations

import marshal
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_FORMAT = 3                        # 2: what check() derived is kept too; 3: and
                                   # whether a series kind is silent on one patch
_MAX_BYTES = 8 * 1024 * 1024      # the rule tables are ~200 kB


def tables(paths: list[Path], parse, name: str = "rules", check=None) \
        -> tuple[list[dict], bool, object]:
    """``parse(path)`` of each of ``paths``, in order, whether they came
    from the cache, which holds them for these very files only, and what
    ``check`` derived from them; a fresh parse is kept once ``check(tables)``
    (if given) has accepted it, so that a kept table is one an earlier run
    checked.  What ``check`` returns (None, or data marshal keeps: e.g.
    each rule's trigger words) is kept alongside and given back with the
    tables, so that a run that uses the cache need not derive it again."""
    kept = read(paths, name)
    if kept is not None:
        return kept[0], True, kept[1]
    stamp = _stamp(paths)              # before parsing: a file saved meanwhile
    out = [parse(p) for p in paths]    # then makes the kept stamp stale, not the rules
    derived = check(out) if check is not None else None
    if _stamp(paths) == stamp:
        write(paths, out, name, derived)
    return out, False, derived


def toml_table(path: Path, name: str) -> dict:
    """The TOML file ``path`` (a rules/data table), parsed or from the cache."""
    def parse(p: Path) -> dict:
        try:  # Python 3.11+
            import tomllib
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        with open(p, "rb") as fh:
            return tomllib.load(fh)

    return tables([path], parse, name)[0][0]


def data_table(name: str) -> dict:
    """The bundled table ``rules/data/NAME.toml``, parsed or from the cache."""
    from .paths import rules_path

    return toml_table(os.path.join(rules_path(), "data", f"{name}.toml"), f"data-{name}")


def cache_file(name: str) -> str | None:
    """The cache file ``name`` for this Python (None: no cache)."""
    return _cache_file(name, [])


def _cache_file(name: str, paths: list[Path]) -> str | None:
    if os.environ.get("CPRLINT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    # one file per rules directory and Python: two installs used in turn (a
    # pre-commit environment and a development venv) would otherwise each
    # find the other's cache stale, and parse and compile at every run
    where = os.path.dirname(str(paths[0])) if paths else ""
    return os.path.join(base, "cprlint", f"{name}-{_fnv32(where + chr(0) + sys.version):08x}.marshal")


def _fnv32(text: str) -> int:
    """FNV-1a of ``text`` (a name for a file, not a digest: hashlib costs
    milliseconds of start-up)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8", "surrogateescape"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def _code_stamp() -> tuple:
    """Size and modification time of every module of cprlint: a kept table
    was checked by that code (a kind that now reads a parameter otherwise
    must check it again), and the version number does not change with
    every edit of a development install.  Taken once per process."""
    global _CODE
    if _CODE is not None:
        return _CODE
    out = []
    stack = [os.path.dirname(os.path.abspath(__file__))]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for e in entries:
                if e.name.endswith(".py"):
                    st = e.stat()
                    out.append((e.path, st.st_size, st.st_mtime_ns))
                elif e.is_dir() and not e.name.startswith((".", "__")):
                    stack.append(e.path)
    _CODE = tuple(sorted(out))
    return _CODE


_CODE: tuple | None = None


def _stamp(paths: list[Path]) -> tuple | None:
    from . import __version__

    out = [_FORMAT, __version__, sys.version, _code_stamp()]
    try:
        for p in paths:
            st = os.stat(p)
            out.append((str(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    except OSError:
        return None
    return tuple(out)


def read(paths: list[Path], name: str = "rules") -> tuple[list[dict], object] | None:
    """The tables of ``paths`` (in order) from the cache and what was kept
    alongside them, or None."""
    where = _cache_file(name, paths)
    stamp = _stamp(paths) if where else None
    if stamp is None:
        return None
    try:
        kept_stamp, tables, derived = read_file(where)
    except (TypeError, ValueError):     # none, or not three values
        return None
    if kept_stamp != stamp or not isinstance(tables, list) or len(tables) != len(paths) \
            or not all(isinstance(t, dict) for t in tables):
        return None
    return tables, derived


def write(paths: list[Path], tables: list[dict], name: str = "rules", derived=None) -> None:
    """Keep ``tables`` (parsed from ``paths``) for the next run; silently
    not when the cache cannot be written or the tables hold a type marshal
    does not keep (a TOML date)."""
    where = _cache_file(name, paths)
    stamp = _stamp(paths) if where else None
    if stamp is None:
        return
    write_file(where, (stamp, tables, derived))


def read_file(where: str, max_bytes: int = _MAX_BYTES):
    """The value marshalled in the cache file ``where``; None when it is
    missing, unreadable, over ``max_bytes`` (not ours) or not marshal data."""
    try:
        with open(where, "rb") as f:
            if os.fstat(f.fileno()).st_size > max_bytes:
                return None
            # (marshal.load(f) reads object by object from the file: ~2 ms
            # for the rules, against ~0.6 ms for loads() of its bytes)
            return marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_file(where: str, value) -> None:
    """``value`` marshalled into the cache file ``where``, replacing it
    whole; silently nothing when it cannot be written or marshalled."""
    try:
        data = marshal.dumps(value)
    except ValueError:
        return
    tmp = f"{where}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(where), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, where)           # readers see the old file or the new one
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
