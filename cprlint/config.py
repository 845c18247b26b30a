"""Settings for a run: the command line over the configuration file.

Configuration is ``.cprlint.toml`` or the ``[tool.cprlint]`` table of a
``pyproject.toml``, found by walking up from the current directory to the
top of its git work tree (or to / outside one), never from an input's
directory: a downloaded folder must not switch rules off.  In each
directory ``.cprlint.toml`` wins over ``pyproject.toml``, and a
``pyproject.toml`` without ``[tool.cprlint]`` is passed over.  ``--config
FILE`` names the file, ``--isolated`` reads none.

Rule selection follows ruff: the file's ``select`` (default: every rule),
plus its ``extend-select``, minus its ``ignore``; then the command line the
same way, where ``--select`` starts again from scratch, ``--extend-select``
adds and ``--ignore`` removes.  ``per-file-ignores`` and ``exclude`` match
the finding's file path with globs (``*`` within a directory, ``**`` across
directories; a pattern without ``/`` matches the file name).  Inline
``/* cprlint: disable=ID */`` comments (cprlint.suppressions) are applied
last.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from .options import CheckOptions
from .records import Record

CONFIG_NAMES = (".cprlint.toml", "pyproject.toml")
CODE_KEYS = ("select", "extend-select", "ignore")
KEYS = CODE_KEYS + ("fail-on", "per-file-ignores", "exclude")


class ConfigError(Exception):
    """A configuration file that cannot be used: exit 2, one line."""


class Settings(Record):
    """The command line over the configuration file: what to run and report."""

    select: list[str] | None          # rule ids to run (None: every rule)
    ignore: list[str] | None
    extend_select: list[str] | None
    fail_on: str
    per_file_ignores: list[tuple[str, list[str]]]
    exclude: list[str]
    config_path: str | None           # the file that was read, if any

    def __init__(self, select, ignore, extend_select, fail_on, per_file_ignores=None,
                 exclude=None, config_path=None) -> None:
        self.select = select
        self.ignore = ignore
        self.extend_select = extend_select
        self.fail_on = fail_on
        self.per_file_ignores = [] if per_file_ignores is None else per_file_ignores
        self.exclude = [] if exclude is None else exclude
        self.config_path = config_path

    def filter(self, findings, job):
        """Drop findings the configuration or inline suppressions silence."""
        from .suppressions import suppressed

        out = []
        for f in findings:
            if any(glob_match(p, f.path) for p in self.exclude):
                continue
            if any(glob_match(p, f.path) and _matches(f.rule, codes)
                   for p, codes in self.per_file_ignores):
                continue
            out.append(f)
        return suppressed(out, job)


def _matches(rule_id: str, codes) -> bool:
    return any(rule_id.startswith(c) for c in codes)


# -- globs ---------------------------------------------------------------------

class GlobError(ValueError):
    """A configuration glob that cannot be compiled."""


@lru_cache(maxsize=256)
def _glob_re(pattern: str, directory: bool = False):
    """The glob as an RE2 pattern (linear time: a glob such as ``**/*a*a*a*b``
    backtracks polynomially in Python's re); ``directory``: it matches a
    leading part of the path that ends in '/'."""
    from .linear import PatternError, compile

    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return compile("".join(out) + ("/" if directory else "$"))
    except PatternError as exc:
        raise GlobError(f"bad glob {pattern!r} ({exc})") from None


def glob_match(pattern: str, path: str) -> bool:
    """``path`` (a/b/c.c, as in the diff) against a config glob."""
    path = path.replace(os.sep, "/")
    if path.startswith("./"):
        path = path[2:]
    pattern = pattern.rstrip("/")
    if "/" not in pattern:
        # a bare name (gitignore-like): the file name, or any directory on the path
        rx = _glob_re(pattern)
        return any(rx.match(part) for part in path.split("/"))
    if pattern.startswith("./"):
        pattern = pattern[2:]
    # a directory pattern ("hw/xen") covers everything below it
    return bool(_glob_re(pattern).match(path) or _glob_re(pattern, True).match(path))


# -- finding and reading the file ------------------------------------------------

def _start_dir(opts: CheckOptions) -> str:
    """Where the search starts: the current directory, whatever the inputs."""
    return opts.cwd or os.getcwd()


def _toml():
    """tomllib, imported when a file is read (a run without one does not pay it)."""
    try:  # Python 3.11+
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def _read_text(path) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _has_tool_table(path) -> bool:
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError):
        return False     # someone else's broken pyproject.toml is not ours to report
    if "cprlint" not in text and "\\" not in text:
        return False     # no table of ours can be in it (a quoted key may spell the
                         # name with escapes): not worth tomllib (~4 ms)
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(data.get("tool"), dict) and "cprlint" in data["tool"]


def find_config(start) -> str | None:
    """The nearest configuration file at or above ``start`` (a str or Path)."""
    try:
        d = os.path.realpath(os.fspath(start))
    except (OSError, ValueError):
        return None
    while True:
        own = os.path.join(d, ".cprlint.toml")
        if os.path.isfile(own):
            return own
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and _has_tool_table(pp):
            return pp
        if os.path.exists(os.path.join(d, ".git")):   # the top of the work tree: the project ends here
            return None
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


def config_line(settings: "Settings", opts: CheckOptions) -> str:
    """What --verbose says about configuration (one line)."""
    if opts.isolated:
        return "cprlint: configuration: none (--isolated)"
    return f"cprlint: configuration: {settings.config_path or 'none found'}"


def read_config(path) -> dict:
    """The cprlint table of ``path`` (validated for keys and types)."""
    tomllib = _toml()
    try:
        data = tomllib.loads(_read_text(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if os.path.basename(os.fspath(path)) == "pyproject.toml":
        table = data.get("tool", {}).get("cprlint")
        if table is None:
            raise ConfigError(f"{path}: no [tool.cprlint] table")
        where = "[tool.cprlint]"
    else:
        table, where = data, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where or 'the file'} must be a table")
    for key, value in table.items():
        name = f"{where}.{key}" if where else key
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key '{name}' (known: {', '.join(KEYS)})")
        if key in CODE_KEYS + ("exclude",):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: '{name}' must be a list of strings")
        elif key == "fail-on":
            from .findings import SEVERITIES

            if value not in SEVERITIES:
                raise ConfigError(f"{path}: '{name}' must be one of {', '.join(SEVERITIES)}, "
                                  f"not {value!r}")
        elif key == "per-file-ignores":
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(c, str) for c in v)
                    for v in value.values()):
                raise ConfigError(f"{path}: '{name}' must map globs to lists of rule codes")
        if key in ("exclude", "per-file-ignores"):
            for glob in value:
                try:
                    _glob_re(glob.rstrip("/").removeprefix("./"))
                    _glob_re(glob.rstrip("/").removeprefix("./"), True)
                except GlobError as exc:
                    raise ConfigError(f"{path}: {name}: {exc}") from None
    return table


# -- resolving -------------------------------------------------------------------

def known_rule_ids() -> list[str]:
    from .paths import rules_path, stem, toml_files

    try:
        return sorted(stem(p) for p in toml_files(rules_path()))
    except OSError:             # (FileNotFoundError: no rules directory)
        return []


def default_off_ids() -> list[str]:
    """Rules whose file says ``default = false``: run only when selected."""
    from .engine import RuleError, load_rules

    try:
        return [r.id for r in load_rules() if not r.default]
    except RuleError:
        return []


def _codes(raw, known, where: str) -> list[str]:
    from .engine import RuleError

    out = []
    for c in raw or ():
        code = c.strip().upper()
        if not code or not any(rid.startswith(code) for rid in known):
            raise RuleError(f"{where}: unknown rule or prefix '{c}' (see `cprlint rules`)")
        out.append(code)
    return out


def resolve(opts: CheckOptions, known: list[str] | None = None,
            off: list[str] | None = None) -> Settings:
    """Command line over configuration file.  Raises RuleError (exit 2).
    ``off``: the rules off by default (read from the rule files when None);
    a select, extend-select or a rule id names them explicitly."""
    from .engine import RuleError

    if opts.config and opts.isolated:
        raise RuleError("--config and --isolated cannot be used together")
    known = known if known is not None else known_rule_ids()
    table: dict = {}
    cfg: str | None = None
    try:
        if opts.config and not opts.isolated:
            cfg = os.fspath(opts.config)
            if not os.path.isabs(cfg) and opts.cwd:
                cfg = os.path.join(opts.cwd, cfg)
        elif not opts.isolated:
            cfg = find_config(_start_dir(opts))
        if cfg is not None:
            table = read_config(cfg)
    except ConfigError as exc:
        raise RuleError(str(exc)) from None
    prefix = f"{cfg}: [tool.cprlint]." \
        if cfg and os.path.basename(cfg) == "pyproject.toml" else f"{cfg}: "

    layers = []
    if table:
        layers.append(tuple(_codes(table.get(k), known, prefix + k) if k in table else None
                            for k in ("select", "extend-select", "ignore")))
    cli = (opts.select, opts.extend_select, opts.ignore)
    layers.append(tuple(None if v is None else _codes(v, known, f"--{k}")
                        for v, k in zip(cli, ("select", "extend-select", "ignore"))))

    off = set(default_off_ids() if off is None else off) & set(known)
    chosen = set(known) - off
    changed = bool(off)
    for sel, ext, ign in layers:
        if sel is not None:
            chosen = {r for r in known if _matches(r, sel)}
        chosen |= {r for r in known if _matches(r, ext or ())}
        chosen -= {r for r in known if _matches(r, ign or ())}
        changed = changed or any(v is not None for v in (sel, ext, ign))
    select = sorted(chosen) if changed else None
    ignore = None
    if changed and not select:        # everything deselected: run nothing
        select = ignore = list(known)

    pfi = []
    for glob, codes in (table.get("per-file-ignores") or {}).items():
        pfi.append((glob, _codes(codes, known, f"{prefix}per-file-ignores.\"{glob}\"")))
    return Settings(
        select=select,
        ignore=ignore,
        extend_select=None,
        fail_on=opts.fail_on or table.get("fail-on") or "warning",
        per_file_ignores=pfi,
        exclude=list(table.get("exclude") or ()),
        config_path=str(cfg) if cfg else None,
    )
