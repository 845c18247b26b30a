"""Every regex that sees input text runs in linear time (issue #12).

* Rule-file regexes ([params], rules/data) are RE2 (cprlint/linear.py):
  linear whatever the pattern; a look-around is a rule error.
* cprlint's own patterns (every string literal given to re.compile or lazyre.compile,
  re.search, ... in cprlint/) are audited here: no unbounded quantifier
  nested in another, and no two unbounded quantifiers over overlapping
  characters in a row (the shapes that backtrack polynomially or
  exponentially).  Then every pattern, theirs and ours, is fed 200 kB
  hostile strings; a regression shows as a hung test, not a timed assert.
"""

from __future__ import annotations

import ast
import glob
import re
from pathlib import Path

import pytest

try:  # Python 3.11+
    from re import _constants as C, _parser as P
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
UNBOUNDED = C.MAXREPEAT
ALPHABET = [chr(i) for i in range(128)] + ["\xa0", "é", "\u2028", "\x85"]
_CATS = {}


def _category(cat) -> set[str]:
    if cat not in _CATS:
        probe = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D",
                 C.CATEGORY_SPACE: r"\s", C.CATEGORY_NOT_SPACE: r"\S",
                 C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}.get(cat, r"[\s\S]")
        rx = re.compile(probe)
        _CATS[cat] = {c for c in ALPHABET if rx.fullmatch(c)}
    return _CATS[cat]


def _atom_set(op, av, flags) -> set[str] | None:
    """Characters one atom matches; None if the node is not a single-character atom."""
    fold = (lambda s: s | {c.swapcase() for c in s}) if flags & re.I else (lambda s: s)
    if op is C.LITERAL:
        return fold({chr(av)})
    if op is C.NOT_LITERAL:
        return set(ALPHABET) - fold({chr(av)})
    if op is C.ANY:
        return set(ALPHABET) if flags & re.S else set(ALPHABET) - {"\n"}
    if op is C.IN:
        out, neg = set(), False
        for o, a in av:
            if o is C.NEGATE:
                neg = True
            elif o is C.LITERAL:
                out |= {chr(a)}
            elif o is C.RANGE:
                out |= {c for c in ALPHABET if a[0] <= ord(c) <= a[1]}
            elif o is C.CATEGORY:
                out |= _category(a)
            elif o is C.CHARSET or o is C.BIGCHARSET:
                out |= set(ALPHABET)      # compiled form: assume anything
        out = fold(out)
        return set(ALPHABET) - out if neg else out
    return None


def _chars(items, flags) -> set[str]:
    """Every character some path through ``items`` may consume."""
    out: set[str] = set()
    for op, av in items:
        s = _atom_set(op, av, flags)
        if s is not None:
            out |= s
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            out |= _chars(av[2], flags)
        elif op is C.SUBPATTERN:
            out |= _chars(av[-1], flags)
        elif op is C.BRANCH:
            for b in av[1]:
                out |= _chars(b, flags)
        elif op is getattr(C, "ATOMIC_GROUP", None):
            out |= _chars(av, flags)
    return out


def _has_unbounded(items) -> bool:
    for op, av in items:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and (av[1] == UNBOUNDED or av[1] > 50):
            return True
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and _has_unbounded(av[2]):
            return True
        if op is C.SUBPATTERN and _has_unbounded(av[-1]):
            return True
        if op is C.BRANCH and any(_has_unbounded(b) for b in av[1]):
            return True
    return False


def _zero_width(op) -> bool:
    return op in (C.AT, C.ASSERT, C.ASSERT_NOT)


def hazards(pattern, flags: int = 0) -> list[str]:
    """Shapes that backtrack more than linearly at one start position."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode("latin-1")
    tree = P.parse(pattern, flags)
    flags |= tree.state.flags
    found: list[str] = []

    def walk(items):
        pending: list[set[str]] = []    # unbounded repeats since the last required item
        for op, av in items:
            if op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, hi, body = av
                if hi == UNBOUNDED:
                    if _has_unbounded(body):
                        found.append(f"nested unbounded quantifier in {pattern!r}")
                    chars = _chars(body, flags)
                    if any(p & chars for p in pending):
                        found.append(f"adjacent unbounded quantifiers over overlapping "
                                     f"characters in {pattern!r}")
                    pending = pending + [chars] if lo == 0 else [chars]
                elif lo > 0:
                    pending = []
                walk(body)
                continue
            if op is C.SUBPATTERN:
                walk(av[-1])
            elif op is C.BRANCH:
                for b in av[1]:
                    walk(b)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                walk(av[1])
            if not _zero_width(op):
                pending = []

    walk(tree)
    return found


# -- the patterns ----------------------------------------------------------------------

_RE_FUNCS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub",
             "subn", "split"}


def own_patterns() -> list[tuple[str, str | bytes, int]]:
    """(where, pattern, flags) of every literal pattern handed to re.* in cprlint/."""
    out = []
    for path in sorted((ROOT / "cprlint").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _RE_FUNCS and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("re", "lazyre") and node.args):
                continue
            pat = _literal(node.args[0])
            if pat is None:
                continue
            flags = 0
            for a in node.args[1:] + [k.value for k in node.keywords if k.arg == "flags"]:
                if isinstance(a, ast.Attribute) and a.attr in ("I", "IGNORECASE", "S", "M"):
                    flags |= getattr(re, a.attr)
            out.append((f"{path.relative_to(ROOT)}:{node.lineno}", pat, flags))
            _HOW[pat] = "match" if node.func.attr in ("match", "fullmatch") else "search"
    return out


# how a pattern is applied: re.match / re.fullmatch try one start position
# (as do compiled patterns listed in ANCHORED_USE); the rest try every one
_HOW: dict = {}


def _literal(node):
    """A constant pattern, or one built of constants with + (bytes or str)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _literal(node.left), _literal(node.right)
        if a is not None and b is not None and type(a) is type(b):
            return a + b
    if isinstance(node, ast.Name):
        return _CONSTS.get(node.id)
    return None


_CONSTS: dict[str, str | bytes] = {}


def _collect_consts():
    for path in (ROOT / "cprlint").rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, (str, bytes))):
                _CONSTS.setdefault(node.targets[0].id, node.value.value)


_collect_consts()
OWN = own_patterns()

# Patterns the audit flags that are bounded by what they are applied to, with why.
AUDITED = {
    # applied to a condition text, at most limits.MAX_NODE_TEXT (512) bytes
    r"(.+?)\s*<\s*(.+)", r"(.+?)\s*>\s*(.+)",
    # a lexer token for comments: /\*.*?\*/ may rescan to the end once per
    # unterminated comment; each match consumes what it scanned
    rb"(?:[ \t\r\n\f\v]+|/\*.*?\*/|//[^\n]*)*",
    # one call argument (facts keep at most limits.MAX_NODE_TEXT bytes of it)
    r"^(?:\(\s*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*\s*\**\s*\)\s*)*&?\s*([A-Za-z_]\w*)$",
    # each repetition needs a ',': one way to split the list
    r"cprlint\s*:\s*disable\s*=\s*([A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)",
    # one trailer line (at most limits.MAX_LINE_CHARS): quadratic at worst in
    # the blanks before '<' or the leading 'unsigned' words, never exponential
    r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<addr>[^<>\s]*)>\s*$',
    r"^\s*(?!return\b|goto\b|case\b|else\b)(?:const\s+|unsigned\s+|signed\s+|struct\s+|"
    r"union\s+|enum\s+)*[A-Za-z_]\w*[\s*]+([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*"
    r"(?::\s*\d+)?\s*;\s*(?:/\*.*)?$",
    # a preprocessor line and its continuations: each repetition ends at a
    # backslash-newline, so there is one way to split the lines
    r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*",
    # a C expression: each repetition needs a '->' or '.', one way to split
    r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*",
    # a struct-body line and its declarators (bisect_order.field_names): lines
    # over 500 characters are not looked at; quadratic at worst in leading
    # 'const'/'unsigned' words, never exponential
    r"^\s*(?!return\b|goto\b|case\b|else\b)(?:(?:const|volatile|unsigned|signed|struct|union|"
    r"enum)\s+)*[A-Za-z_]\w*([\s*][^;{}()=]*);\s*(?:/\*.*|//.*)?$",
    r"^[\s*]*(?:(?:const|volatile|restrict)\b[\s*]*)*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*"
    r"(?::\s*\w+\s*)?$",
}


# Compiled patterns that are only ever applied with .match at a position
# (one start position each, and each match consumes what it scanned)
ANCHORED_USE = {
    r"\s*(?:(\d+)|sizeof\s*\(\s*(\w+)\s*\)|([-+*()]))",   # initializers: constant tokens
}


def test_the_audit_sees_the_patterns():
    assert len(OWN) > 60
    assert hazards(r"(a+)+b") and hazards(r"\s*\w*\s*x") and hazards(r"(?:\s*\[[^\]]*\]\s*)+")
    assert not hazards(r"\b([A-Za-z_]\w*)\s*\(") and not hazards(r"^(\d+)/(\d+)$")


@pytest.mark.parametrize("where,pattern,flags", OWN, ids=[w for w, _, _ in OWN])
def test_own_pattern_has_no_backtracking_shape(where, pattern, flags):
    if pattern in AUDITED:
        return
    assert hazards(pattern, flags) == [], where


def _rule_patterns():
    try:  # Python 3.11+
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    out = []

    def walk(o, where):
        if isinstance(o, str):
            out.append((where, o))
        elif isinstance(o, list):
            for i, x in enumerate(o):
                walk(x, f"{where}[{i}]")
        elif isinstance(o, dict):
            for k, x in o.items():
                walk(x, f"{where}.{k}")

    for f in sorted(glob.glob(str(ROOT / "rules" / "*.toml"))):
        with open(f, "rb") as fh:
            walk(tomllib.load(fh).get("params", {}), Path(f).name)
    return out


def _hostile(n: int = 200_000) -> list[str]:
    atoms = ["a", " ", "\t", "\n", "a ", "a(", "(", ")", "{", "}", "-", "=", "<", ">", "|",
             "@", "a@b.", "e.g.", "1. ", "we ", "we early ", "this ", "in production ",
             "originally ", "[a] ", "> ", "/*", "*/", "\"", "'", "\\", "_a", "A_", "x = ",
             "On 1:11 ", "a-", ":", "|x"]
    return [(a * (n // len(a) + 1))[:n] for a in atoms]


def test_every_pattern_survives_200kb_hostile_strings():
    from cprlint.linear import compile as linear_compile

    texts = _hostile()
    btexts = [t.encode() for t in texts]
    n = 0
    for where, pattern, flags in OWN:
        rx = re.compile(pattern, flags)
        anchored = pattern in ANCHORED_USE or _HOW.get(pattern) == "match"
        apply = rx.match if anchored else rx.search
        for t in (btexts if isinstance(pattern, bytes) else texts):
            if pattern in AUDITED:
                t = t[:512]
            apply(t)
            n += 1
    for where, text in _rule_patterns():
        try:
            rx = linear_compile(text, True)
        except Exception:
            continue                  # a message template, not a regex
        for t in texts:
            rx.search(t)
            n += 1
    assert n > 1000


# -- found(): a search in one call into RE2 -----------------------------------------

_FOUND_PATTERNS = [r"race", r"^we\b", r"later patch$", r"(?i)previously", r"\bé+\b",
                   r"a|b\s{3,}c", r"", r"x*"]
_FOUND_TEXTS = ["", "race", "a race here", "we fixed it", "so we", "in a later patch",
                "a later patch.", "PREVIOUSLY this", "café", "é é", "a", "b    c", "\u2192 x"]


@pytest.mark.parametrize("lazy", [False, True])
def test_found_answers_as_search_and_fullmatch_do(lazy):
    from cprlint import linear

    for pattern in _FOUND_PATTERNS:
        if lazy:
            with linear.checked_rules():
                rx = linear.compile(pattern)
        else:
            rx = linear.compile(pattern)
        for text in _FOUND_TEXTS:
            assert linear.found(rx, text) == (rx.search(text) is not None), (pattern, text)
            assert linear.found(rx, text, whole=True) == (rx.fullmatch(text) is not None), \
                (pattern, text)


def test_found_on_bytes_patterns_and_on_python_patterns():
    from cprlint import linear

    rx = linear.compile(rb"\xe9t\xe9")
    assert linear.found(rx, b"l'\xe9t\xe9") and not linear.found(rx, b"ete")
    assert linear.found(rx, b"\xe9t\xe9", whole=True) and not linear.found(rx, b"x\xe9t\xe9", whole=True)
    py = re.compile(r"(?<!x)race")              # not RE2: asked the usual way
    assert linear.found(py, "a race") and not linear.found(py, "xrace")


def test_found_on_a_lazy_python_pattern_makes_it_once():
    from cprlint import lazyre, linear

    made = []

    def make():
        made.append(1)
        return re.compile(r"(?<!x)race")

    lazy = lazyre.LazyPattern(make)
    assert [linear.found(lazy, t) for t in ("a race", "xrace", "race", "")] == \
        [True, False, True, False]
    assert len(made) == 1
