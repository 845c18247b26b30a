"""Same-length masking of QEMU macros before tree-sitter parsing.

Every replacement has exactly the byte length of what it replaces and keeps
every newline, so node byte offsets and rows of the masked parse refer to the
original source unchanged (design/inputs-and-parsing.md section 3.2).

- attribute words (``coroutine_fn``, ``g_autofree`` ...) become spaces;
- attribute macros with arguments (``G_GNUC_PRINTF(1, 2)``) are blanked with
  their balanced argument list;
- block macros (``QTAILQ_FOREACH(x, &h, next) {``, ``WITH_QEMU_LOCK_GUARD(&m) {``)
  get their name rewritten to ``while`` padded with spaces; an empty argument
  list becomes a constant condition ``(1)``.  A ``while_statement`` whose
  original bytes at ``start_byte`` are not ``while`` is such a macro; use
  :func:`macro_name_at` to recover the name.

The word lists and the block-macro pattern live in
``rules/data/qemu_macros.toml``.
"""

from __future__ import annotations

import re
import os
from functools import lru_cache, partial

from .. import lazyre
from ..linear import compile as _linear_compile
from ..records import FrozenRecord


_DATA_NAME = "qemu_macros"      # rules/data/qemu_macros.toml
_IDENT = lazyre.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_WS = lazyre.compile(rb"[ \t\r\n\f\v]*")
# whitespace and comments after a block macro's argument list
_GAP = lazyre.compile(rb"(?:[ \t\r\n\f\v]+|/\*.*?\*/|//[^\n]*)*", re.S)
_MAX_ARGS = 4000          # bytes scanned for a balanced argument list


class MacroConfig(FrozenRecord):
    """The QEMU macro lists (rules/data/qemu_macros.toml), compiled."""

    words: tuple[str, ...]
    call_names: tuple[str, ...]
    call_prefixes: tuple[str, ...]
    block_pattern: str
    block_exclude: frozenset[str]
    # compiled (bytes) regexes, RE2 (linear.compile)
    words_re: object | None
    calls_re: object | None
    block_re: object

    def __init__(self, words, call_names, call_prefixes, block_pattern, block_exclude, words_re,
                 calls_re, block_re) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "words", words)
        _set(self, "call_names", call_names)
        _set(self, "call_prefixes", call_prefixes)
        _set(self, "block_pattern", block_pattern)
        _set(self, "block_exclude", block_exclude)
        _set(self, "words_re", words_re)
        _set(self, "calls_re", calls_re)
        _set(self, "block_re", block_re)


@lru_cache(maxsize=None)
def load_macro_config(path: str | None = None) -> MacroConfig:
    """Load (once) the macro lists; ``path`` overrides the packaged file."""
    from ..paths import stem
    from ..rulecache import data_table, toml_table

    data = toml_table(os.fspath(path), "data-" + stem(path)) if path else data_table(_DATA_NAME)
    words = tuple(data.get("attributes", {}).get("words", []))
    calls = data.get("attribute_calls", {})
    names = tuple(calls.get("names", []))
    prefixes = tuple(calls.get("prefixes", []))
    blocks = data.get("block_macros", {})
    pattern = blocks.get("pattern", r"\b(?:[A-Z][A-Z0-9_]*FOREACH[A-Z0-9_]*|WITH_[A-Z0-9_]+)\b")
    exclude = frozenset(blocks.get("exclude", []))

    # RE2, all three: rule data, and an alternation of ~40 words is a DFA
    # there, where re tries each word at each word boundary (a mask of
    # migration.c took 3.6 ms with re, 1.4 ms with RE2; same output on
    # 6,682 QEMU files)
    words_re = None
    if words:
        alt = b"|".join(re.escape(w.encode()) for w in sorted(words, key=len, reverse=True))
        words_re = _linear_compile(rb"\b(?:" + alt + rb")\b")
    calls_re = None
    alts = [re.escape(n.encode()) for n in sorted(names, key=len, reverse=True)]
    alts += [re.escape(pfx.encode()) + rb"[A-Za-z0-9_]*" for pfx in prefixes]
    if alts:
        calls_re = _linear_compile(rb"\b(?:" + b"|".join(alts) + rb")\b")
    block_re = _linear_compile(pattern.encode())
    return MacroConfig(words, names, prefixes, pattern, exclude, words_re, calls_re, block_re)


def _blank(buf: bytearray, a: int, b: int) -> None:
    """Replace buf[a:b] by spaces, keeping newlines."""
    seg = buf[a:b]
    buf[a:b] = bytes(c if c == 10 else 32 for c in seg)


def match_paren(src: bytes, i: int, limit: int = _MAX_ARGS) -> int:
    """Index of the ')' matching the '(' at ``src[i]``, or -1.

    Skips string and character literals and comments.
    """
    depth = 0
    n = min(len(src), i + limit)
    j = i
    while j < n:
        c = src[j]
        if c == 40:          # (
            depth += 1
        elif c == 41:        # )
            depth -= 1
            if depth == 0:
                return j
        elif c == 34 or c == 39:   # " '
            q = c
            j += 1
            while j < n and src[j] != q:
                if src[j] == 92:   # backslash
                    j += 1
                elif src[j] == 10:
                    break
                j += 1
        elif c == 47 and j + 1 < n:   # /
            d = src[j + 1]
            if d == 42:
                e = src.find(b"*/", j + 2, n)
                if e < 0:
                    return -1
                j = e + 1
            elif d == 47:
                e = src.find(b"\n", j + 2, n)
                if e < 0:
                    return -1
                j = e
        j += 1
    return -1


def _in_define_name(src: bytes, start: int) -> bool:
    """True when the word at ``start`` is the name of a ``#define``."""
    ls = src.rfind(b"\n", 0, start) + 1
    head = src[ls:start].strip()
    return head.startswith(b"#") and head[1:].strip() == b"define"


# RE2 (half the time of re over a whole file; the same matches on 6,682 QEMU files)
_PP_LINE = lazyre.LazyPattern(partial(
    _linear_compile, rb"(?m)^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$"))


def _blank_if0(src: bytes, buf: bytearray | None) -> bytearray | None:
    """Blank the lines of ``#if 0`` blocks (up to the matching #else, #elif or
    #endif): code that is never compiled is no finding.  Directives stay."""
    if b"#" not in src:
        return buf
    depth, start = 0, None
    for m in _PP_LINE.finditer(src):
        kind, rest = m.group(1), m.group(2).strip()
        if start is None:
            if kind == b"if" and re.match(rb"0\s*(?:/[*/].*)?$", rest):
                start, depth = m.end(), 0
            continue
        if kind in (b"if", b"ifdef", b"ifndef"):
            depth += 1
        elif kind == b"endif" and depth:
            depth -= 1
        elif depth == 0 and kind in (b"else", b"elif", b"endif"):
            buf = buf if buf is not None else bytearray(src)
            _blank(buf, start, m.start())
            start = None
    if start is not None:          # the block runs past the end of the fragment
        buf = buf if buf is not None else bytearray(src)
        _blank(buf, start, len(src))
    return buf


def mask(src: bytes, config: MacroConfig | None = None) -> bytes:
    """Return ``src`` with QEMU macros masked; same length, same newlines."""
    cfg = config or load_macro_config()
    buf: bytearray | None = _blank_if0(src, None)
    if buf is not None:
        src = bytes(buf)          # later passes must not rewrite dead code

    if cfg.words_re is not None:
        for m in cfg.words_re.finditer(src):
            if buf is None:
                buf = bytearray(src)
            a, b = m.span()
            buf[a:b] = b" " * (b - a)

    if cfg.calls_re is not None:
        for m in cfg.calls_re.finditer(src):
            a, b = m.span()
            if _in_define_name(src, a):
                continue
            if buf is None:
                buf = bytearray(src)
            j = _WS.match(src, b).end()
            if j < len(src) and src[j] == 40:
                k = match_paren(src, j)
                if k > 0:
                    _blank(buf, a, k + 1)
                    continue
            buf[a:b] = b" " * (b - a)

    for m in cfg.block_re.finditer(src):
        a, b = m.span()
        name = src[a:b]
        if len(name) < 6 or name.decode() in cfg.block_exclude:
            continue
        j = _WS.match(src, b).end()
        if j >= len(src) or src[j] != 40:
            continue
        k = match_paren(src, j)
        if k < 0:
            continue
        nxt = _GAP.match(src, k + 1).end()
        if nxt >= len(src) or src[nxt] in b";),\\":
            continue
        if _in_define_name(src, a):
            continue
        if buf is None:
            buf = bytearray(src)
        if not src[j + 1:k].strip():
            # empty argument list: "while   (1)" over NAME(...)
            if k - 2 < a + 5 or b"\n" in src[k - 2:k + 1]:
                continue
            _blank(buf, a, k + 1)
            buf[a:a + 5] = b"while"
            buf[k - 2:k + 1] = b"(1)"
        else:
            buf[a:b] = b"while" + b" " * (len(name) - 5)
    return bytes(buf) if buf is not None else src


def mask_text(text: str, config: MacroConfig | None = None) -> str:
    """:func:`mask` for ``str`` input (UTF-8 byte offsets are preserved)."""
    return mask(text.encode("utf-8"), config).decode("utf-8")


def blanked(text: str) -> str:
    """``text`` with every character but newlines made a space (as
    ``re.sub(r"[^\n]", " ", text)``, ~10x faster: the text-level scanners
    blank every comment of a file with it)."""
    if "\n" not in text:
        return " " * len(text)
    return "\n".join(" " * len(part) for part in text.split("\n"))


def blanked_match(m) -> str:
    """``blanked`` of a match (a ``re.sub`` replacement)."""
    return blanked(m.group(0))


def macro_name_at(orig: bytes, byte: int) -> str:
    """The identifier in the original source at ``byte`` ('' if none)."""
    m = _IDENT.match(orig, byte)
    return m.group().decode("ascii", "replace") if m else ""


def is_masked_while(orig: bytes, byte: int) -> bool:
    """True when a while_statement at ``byte`` was a block macro."""
    return not orig.startswith(b"while", byte)
