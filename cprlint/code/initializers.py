"""C initializer facts: the ``VMStateDescription`` initializers of a view.

For every ``VMStateDescription NAME = { ... }`` (and every separate
``VMStateField NAME[] = { ... }`` list) in one image of a hunk or of a
whole file: its variable, ``.name``, ``.version_id``,
``.minimum_version_id``, ``.needed``, the fields in order (macro, field
name, version argument, wire size where it can be told) and the
subsections.  What a hunk does not show is said, never guessed: a view may
start inside an initializer (its variable then comes from the hunk header,
git's function context, when that names it) and may stop before its end.

This is a light scanner over the text, not the tree-sitter parse: QEMU's
initializers are regular (one designator or one field macro per entry), the
scanner works on fragments that start or stop mid-initializer, and the
kinds get plain facts.  Comments and preprocessor lines are blanked first
(same length); strings are kept (``.name`` is one).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from .. import lazyre
from ..records import FrozenRecord, Record
from .masking import blanked, blanked_match


_HEADER = lazyre.compile(
    r"(?:\bstatic\s+)?(?:\bconst\s+)?\bVMStateDescription\s+(\w+)\s*=\s*$")
_FIELDS_ARRAY = lazyre.compile(
    r"(?:\bconst\s+)?\bVMStateField\s+(\w+)\s*\[\s*(?:\w+\s*)?\]\s*=\s*$")
_SECTION_VMSD = lazyre.compile(r"\bVMStateDescription\s+(\w+)\s*=")
_SECTION_FIELDS = lazyre.compile(r"\bVMStateField\s+(\w+)\s*\[")
_DESIGNATOR = lazyre.compile(r"^\.(\w+)\s*=\s*(.*)$", re.S)
_MACRO = lazyre.compile(r"^(VMSTATE_\w+)\s*\((.*)\)$", re.S)
_SPACES = lazyre.compile(r"\s+")
_INT = lazyre.compile(r"^[0-9]+$")

# element sizes (bytes on the wire) by the type word of a VMSTATE_<TYPE>... macro
_TYPE_SIZES = {
    "BOOL": 1, "INT8": 1, "UINT8": 1, "U8": 1,
    "INT16": 2, "UINT16": 2, "U16": 2, "BE16": 2,
    "INT32": 4, "UINT32": 4, "U32": 4, "BE32": 4,
    "INT64": 8, "UINT64": 8, "U64": 8, "BE64": 8,
    "TIMER": 8, "TIMER_PTR": 8, "FLOAT64": 8, "CPUDOUBLE": 8,
}
_SCALAR = lazyre.compile(
    r"^VMSTATE_(BOOL|U?INT(?:8|16|32|64)|U(?:8|16|32|64)|TIMER_PTR|TIMER|FLOAT64|CPUDOUBLE)"
    r"(_ARRAY|_2DARRAY)?(?:_EQUAL)?(?:_V)?(?:_TEST)?$")
_SIZEOF = {"uint8_t": 1, "int8_t": 1, "bool": 1, "char": 1, "uint16_t": 2, "int16_t": 2,
           "uint32_t": 4, "int32_t": 4, "uint64_t": 8, "int64_t": 8}


class VmsdField(FrozenRecord):
    """One entry of a ``.fields`` list."""

    macro: str                  # "VMSTATE_UINT32_V"; "{...}" for a struct literal entry
    args: tuple[str, ...]       # argument texts, whitespace collapsed
    line: int                   # file lines of the entry
    end_line: int
    changed: bool               # a line of it was added (post) / removed (pre)
    version: int | None         # the field version: 0 when the macro takes none,
                                # None when it cannot be told (a symbol, an unknown _V macro)
    version_text: str           # the version argument as written ('' when none)
    tested: bool                # loaded only when a _test predicate says so
    size: int | None            # bytes on the wire, when it can be told

    def __init__(self, macro, args, line, end_line, changed, version, version_text, tested,
                 size) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "macro", macro)
        _set(self, "args", args)
        _set(self, "line", line)
        _set(self, "end_line", end_line)
        _set(self, "changed", changed)
        _set(self, "version", version)
        _set(self, "version_text", version_text)
        _set(self, "tested", tested)
        _set(self, "size", size)

    @property
    def name(self) -> str:
        """The state field the entry migrates ('' when its arguments name none)."""
        if not self.args or self.macro in _macro_table()[2]:
            return ""
        return self.args[0]

    @property
    def is_unused(self) -> bool:
        return self.macro.startswith("VMSTATE_UNUSED")

    @property
    def is_end(self) -> bool:
        return self.macro == "VMSTATE_END_OF_LIST"

    @property
    def text(self) -> str:
        return f"{self.macro}({', '.join(self.args)})" if self.macro != "{...}" else "{...}"

    @property
    def size_text(self) -> str:
        """The wire size as C would write it ("16", "4 * FOO_NREGS"), or ''."""
        if self.size is not None:
            return str(self.size)
        m = _SCALAR.match(self.macro)
        if m and m.group(2) == "_ARRAY" and len(self.args) > 2:
            return f"{_TYPE_SIZES[m.group(1)]} * {self.args[2]}"
        return ""

    @property
    def wire(self) -> tuple:
        """What the entry puts on the wire, as far as the text tells: its
        size, else its macro and the arguments after field and state."""
        if self.size is not None:
            return ("bytes", self.size)
        base = re.sub(r"_V$", "", self.macro)
        return (base,) + tuple(a for i, a in enumerate(self.args[2:], 2)
                               if a != self.version_text)

    @property
    def key(self) -> str:
        """What identifies the entry when two images are compared."""
        return self.text


class Attr(Record):
    """A designated initializer's value in a VMStateDescription."""

    value: str                  # the designator's value, whitespace collapsed
    line: int
    changed: bool

    def __init__(self, value, line, changed) -> None:
        self.value = value
        self.line = line
        self.changed = changed

    @property
    def number(self) -> int | None:
        return int(self.value) if _INT.match(self.value) else None


class Vmsd(Record):
    """One VMStateDescription initializer (``kind`` "vmsd") or one separate
    VMStateField list (``kind`` "fields"), as far as the view shows it."""

    var: str                                  # the C variable; '' when the view does not tell
    kind: str                                 # "vmsd" or "fields"
    line: int                                 # header line, or first line seen
    end_line: int
    start_visible: bool                       # the header is in the view
    end_visible: bool                         # the closing '};' is in the view
    header_changed: bool
    attrs: dict[str, Attr]
    fields: list[VmsdField]
    fields_start_visible: bool                # '.fields = ... {' (or the array's '{') seen
    fields_end_visible: bool                  # the list's closing brace seen
    fields_conditional: bool                  # #if/#ifdef lines inside the list
    subsections: list[tuple[str, int, bool]]  # (&name, line, changed)

    def __init__(self, var, kind, line, end_line, start_visible, end_visible,
                 header_changed=False, attrs=None, fields=None, fields_start_visible=False,
                 fields_end_visible=False, fields_conditional=False, subsections=None) -> None:
        self.var = var
        self.kind = kind
        self.line = line
        self.end_line = end_line
        self.start_visible = start_visible
        self.end_visible = end_visible
        self.header_changed = header_changed
        self.attrs = {} if attrs is None else attrs
        self.fields = [] if fields is None else fields
        self.fields_start_visible = fields_start_visible
        self.fields_end_visible = fields_end_visible
        self.fields_conditional = fields_conditional
        self.subsections = [] if subsections is None else subsections

    @property
    def name(self) -> str | None:
        a = self.attrs.get("name")
        return a.value.strip('"') if a else None

    @property
    def whole(self) -> bool:
        return self.start_visible and self.end_visible

    def attr(self, key: str) -> Attr | None:
        return self.attrs.get(key)


# -- masking -------------------------------------------------------------------

_COMMENT_OR_STRING = lazyre.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
# what the scanner stops at: a string or character literal (skipped whole),
# or a bracket or separator
_PUNCT = lazyre.compile(r'"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?|[()\[\],;{}]')
_PREPROC = lazyre.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def _mask(text: str) -> tuple[str, list[int]]:
    """Comments and preprocessor lines blanked (same length; strings kept);
    also the offsets of the #if/#else/#endif lines."""
    # a view that starts inside a comment: blank up to its end
    close = text.find("*/")
    opening = text.find("/*")
    if close != -1 and (opening == -1 or close < opening):
        text = blanked(text[:close + 2]) + text[close + 2:]

    def repl(m):
        s = m.group(0)
        return blanked_match(m) if s[0] == "/" else s

    text = _COMMENT_OR_STRING.sub(repl, text)
    conds = [m.start() for m in _PREPROC.finditer(text)
             if re.match(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b", m.group(0))]
    text = _PREPROC.sub(blanked_match, text)
    return text, conds


# -- scanner -------------------------------------------------------------------

class _Ctx(Record):
    """What the initializer scanner is inside of."""

    what: str                   # "vmsd", "fields", "subs", "field", "other", "top"
    vmsd: Vmsd | None
    implicit: bool              # opened before the view started

    def __init__(self, what, vmsd=None, implicit=False) -> None:
        self.what = what
        self.vmsd = vmsd
        self.implicit = implicit


_OTHER = _Ctx("other")          # contexts are never changed: one serves every brace
_QUIET = ("other", "field")     # where item() records nothing


_NEWLINE = lazyre.compile("\n")


def line_of(text: str, first_line: int):
    """A function from an offset in ``text`` to its file line (``text``
    starts at ``first_line``)."""
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    return lambda off: first_line + bisect_right(starts, off) - 1


class _Span(tuple):
    """(first line, last line) of an item, where the scan's records will
    say whether a changed line is among them (see _flagged)."""


class _Scan:
    """The initializers of a text, whatever lines changed: each record's
    ``changed`` (``header_changed``) holds the _Span of lines that decides
    it, and _flagged() makes the records for one set of changed lines (a
    file version is a patch's post-image and the next one's pre-image,
    with other changed lines: it is scanned once)."""

    def __init__(self, text: str, first_line: int, section: str):
        self.text = text
        self.masked, self.conds = _mask(text)
        self.first = first_line
        self.line = line_of(text, first_line)
        self.out: list[Vmsd] = []
        self.section = section

    def span_changed(self, a: int, b: int) -> _Span:
        return _Span((self.line(a), self.line(max(a, b - 1))))

    def implicit_vmsd(self, kind: str) -> Vmsd:
        var = ""
        m = _SECTION_VMSD.search(self.section) if kind == "vmsd" else \
            _SECTION_FIELDS.search(self.section)
        if m:
            var = m.group(1)
        v = Vmsd(var=var, kind=kind, line=self.first, end_line=self.first,
                 start_visible=False, end_visible=False)
        self.out.append(v)
        return v

    def run(self) -> list[Vmsd]:
        s = self.masked
        stack = [_Ctx("top")]
        first_item = True
        start, paren, n = 0, 0, len(s)
        section = self.section
        for m in _PUNCT.finditer(s):
            i = m.start()
            c = s[i]
            if c == '"' or c == "'":
                continue
            if c in "([":
                paren += 1
            elif c in ")]":
                paren -= 1
                if paren < 0:       # the view starts inside an argument list
                    paren, start = 0, i + 1
            elif paren == 0:        # one of , ; { }
                # most braces and separators of a file are in code that is
                # no initializer: what open() and item() would make of them
                # is told here, without their regexes (see open())
                what = stack[-1].what
                quiet = what in _QUIET or what == "top" and not (first_item and section)
                if c == "{":
                    if (quiet or what == "subs") and s.find("VMState", start, i) < 0:
                        stack.append(_OTHER)
                    else:
                        stack.append(self.open(stack, s[start:i], start, i, first_item))
                elif c == "}":
                    if not quiet:
                        self.item(stack, s[start:i], start, i, first_item)
                    self.close(stack, i, first_item)
                else:
                    if not quiet:
                        self.item(stack, s[start:i], start, i, first_item)
                    # a view may start in the tail of an argument list
                    # ("vmstate_q, Queue),"): the level is inferred from
                    # the first entry recognised before any brace or ';'
                    if stack[-1].what != "top" or c == ";":
                        first_item = False
                    if c == ";" and len(stack) == 1:
                        stack[0] = _Ctx("top")
                if c in "{}":
                    first_item = False
                start = i + 1
        if paren == 0:
            self.item(stack, s[start:], start, n, first_item, final=True)
        for ctx in stack:
            if ctx.vmsd is not None:
                ctx.vmsd.end_line = max(ctx.vmsd.end_line, self.line(max(0, n - 1)))
        for v in self.out:
            v.fields_conditional = any(
                v.line <= self.line(p) <= v.end_line for p in self.conds) and bool(v.fields)
        return self.out

    # a '{' opens a context named by the chunk before it.  In a context of
    # _QUIET, at the top level outside a view's first entry, and in a
    # subsections list, that is "other" unless the chunk names a
    # VMStateDescription or a VMStateField list (run() asks for "VMState"
    # before calling this); item() records nothing there
    def open(self, stack, raw: str, a: int, b: int, first_item: bool) -> _Ctx:
        top = stack[-1]
        chunk = _SPACES.sub(" ", raw).strip()
        m = _HEADER.search(raw)
        if m:
            v = Vmsd(var=m.group(1), kind="vmsd", line=self.line(a + m.start()),
                     end_line=self.line(b), start_visible=True, end_visible=False,
                     header_changed=self.span_changed(a + m.start(), b + 1))
            self.out.append(v)
            return _Ctx("vmsd", v)
        m = _FIELDS_ARRAY.search(chunk)
        if m:
            v = Vmsd(var=m.group(1), kind="fields", line=self.line(b), end_line=self.line(b),
                     start_visible=True, end_visible=False, fields_start_visible=True,
                     header_changed=self.span_changed(a, b + 1))
            self.out.append(v)
            return _Ctx("fields", v)
        if top.what == "top" and first_item and not chunk:
            return _Ctx("other")
        if top.what == "top" and first_item and self.section:
            top = self.infer(stack, chunk)
        if top.what == "vmsd":
            d = _DESIGNATOR.match(chunk)
            if d and d.group(1) == "fields":
                top.vmsd.fields_start_visible = True
                return _Ctx("fields", top.vmsd)
            if d and d.group(1) == "subsections":
                return _Ctx("subs", top.vmsd)
        if top.what == "fields":
            if not chunk:                  # a { .name = ..., } struct literal entry
                top.vmsd.fields.append(VmsdField(
                    "{...}", (), self.line(b), self.line(b), self.span_changed(b, b + 1),
                    None, "", False, None))
            return _Ctx("field", top.vmsd)
        return _Ctx("other")

    def infer(self, stack, chunk: str) -> _Ctx:
        """The view starts inside an initializer: guess nothing but the
        level, from what the first entry looks like."""
        if _DESIGNATOR.match(chunk):
            ctx = _Ctx("vmsd", self.implicit_vmsd("vmsd"), implicit=True)
        elif chunk.startswith("VMSTATE_") or not chunk:
            kind = "fields" if _SECTION_FIELDS.search(self.section) else "vmsd"
            ctx = _Ctx("fields", self.implicit_vmsd(kind), implicit=True)
        elif chunk.startswith("&") or chunk == "NULL":
            ctx = _Ctx("subs", self.implicit_vmsd("vmsd"), implicit=True)
        else:
            return stack[-1]
        stack[0] = ctx
        stack.insert(0, _Ctx("top"))
        return ctx

    def close(self, stack, at: int, first_item: bool) -> None:
        if len(stack) == 1:
            if first_item and self.section and stack[0].what == "top":
                return              # a lone '}' first: nothing known to close
            if stack[0].vmsd is not None:
                self._ended(stack[0], at)
            stack[0] = _Ctx("top")
            return
        ctx = stack.pop()
        self._ended(ctx, at)
        if ctx.implicit and ctx.what in ("fields", "subs") and ctx.vmsd.kind == "vmsd":
            # the list closed; the initializer around it continues
            stack.insert(len(stack), _Ctx("vmsd", ctx.vmsd, implicit=True))

    def _ended(self, ctx: _Ctx, at: int) -> None:
        v = ctx.vmsd
        if v is None:
            return
        if ctx.what == "fields":
            v.fields_end_visible = True
            if v.kind == "fields":
                v.end_visible = True
                v.end_line = self.line(at)
        elif ctx.what == "vmsd":
            v.end_visible = True
            v.end_line = self.line(at)

    def item(self, stack, raw: str, a: int, b: int, first_item: bool, final: bool = False) -> bool:
        if stack[-1].what in ("other", "field") or (
                stack[-1].what == "top" and not (first_item and self.section)):
            return bool(raw.strip())
        chunk = _SPACES.sub(" ", raw).strip()
        if not chunk:
            return False
        top = stack[-1]
        if top.what == "top" and first_item and self.section:
            top = self.infer(stack, chunk)
        off = a + len(raw) - len(raw.lstrip())
        b = a + len(raw.rstrip())
        line, end = self.line(off), self.line(max(off, b - 1))
        if top.what == "vmsd":
            d = _DESIGNATOR.match(chunk)
            if d and not final:
                top.vmsd.attrs[d.group(1)] = Attr(d.group(2), line, self.span_changed(off, b))
        elif top.what == "fields":
            m = _MACRO.match(chunk)
            if m and not final:
                top.vmsd.fields.append(_field(m.group(1), m.group(2), line, end,
                                              self.span_changed(off, b)))
        elif top.what == "subs":
            m = re.match(r"^&\s*(\w+)$", chunk)
            if m and not final:
                top.vmsd.subsections.append((m.group(1), line, self.span_changed(off, b)))
        return True


def _split_args(text: str) -> tuple[str, ...]:
    out, depth, cur = [], 0, []
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    last = "".join(cur).strip()
    if last or out:
        out.append(last)
    return tuple(out)


@lru_cache(maxsize=1)
def _macro_table() -> tuple[dict, dict, frozenset]:
    from ..rulecache import data_table

    data = data_table("vmstate_macros")
    return (dict(data.get("version_arg", {})), dict(data.get("test_arg", {})),
            frozenset(data.get("no_field_arg", {}).get("names", ())))


def _field(macro: str, argtext: str, line: int, end: int, changed: bool) -> VmsdField:
    args = _split_args(argtext)
    versions, tests, _ = _macro_table()
    vtext, version = "", 0
    if macro in versions:
        k = versions[macro]
        vtext = args[k] if k < len(args) else ""
        version = int(vtext) if _INT.match(vtext) else None
    elif macro.endswith("_V"):
        version = None
    tested = macro in tests or macro.endswith("_TEST")
    return VmsdField(macro, args, line, end, changed, version, vtext, tested,
                     _size(macro, args))


def _size(macro: str, args: tuple[str, ...]) -> int | None:
    if macro.startswith("VMSTATE_UNUSED"):
        return _const(args[-1]) if args else None
    m = _SCALAR.match(macro)
    if not m:
        return None
    elem = _TYPE_SIZES[m.group(1)]
    if m.group(2) == "_ARRAY":
        n = _const(args[2]) if len(args) > 2 else None
        return elem * n if n is not None else None
    if m.group(2) == "_2DARRAY":
        a = _const(args[2]) if len(args) > 3 else None
        b = _const(args[3]) if len(args) > 3 else None
        return elem * a * b if a is not None and b is not None else None
    return elem


_CONST_TOKEN = lazyre.compile(r"\s*(?:(\d+)|sizeof\s*\(\s*(\w+)\s*\)|([-+*()]))")


def _const(text: str) -> int | None:
    """A small constant expression (digits, sizeof(<fixed type>), + - * and
    parentheses) evaluated without eval; None for anything else."""
    toks, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _CONST_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        if m.group(1):
            toks.append(int(m.group(1)))
        elif m.group(2):
            if m.group(2) not in _SIZEOF:
                return None
            toks.append(_SIZEOF[m.group(2)])
        else:
            toks.append(m.group(3))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    val, rest = _expr(toks)
    return val if not rest else None


def _expr(toks):
    val, toks = _term(toks)
    while val is not None and toks and toks[0] in ("+", "-"):
        op = toks[0]
        rhs, toks = _term(toks[1:])
        if rhs is None:
            return None, toks
        val = val + rhs if op == "+" else val - rhs
    return val, toks


def _term(toks):
    val, toks = _atom(toks)
    while val is not None and toks and toks[0] == "*":
        rhs, toks = _atom(toks[1:])
        if rhs is None:
            return None, toks
        val *= rhs
    return val, toks


def _atom(toks):
    if not toks:
        return None, toks
    t = toks[0]
    if isinstance(t, int):
        return t, toks[1:]
    if t == "(":
        val, rest = _expr(toks[1:])
        if val is None or not rest or rest[0] != ")":
            return None, rest
        return val, rest[1:]
    return None, toks


# -- entry points ----------------------------------------------------------------

VMSTATE_MARKERS = ("VMStateDescription", "VMStateField", "VMSTATE_")
_CACHE: dict[tuple, list[Vmsd]] = {}


def vmsds_of(view) -> list[Vmsd]:
    """The VMState initializers a CodeView shows (computed once per view
    text, first line, changed lines and section)."""
    text = view.text
    if not any(m in text for m in VMSTATE_MARKERS) or (
            view.whole_file and "VMStateDescription" not in text and "VMStateField" not in text):
        return []
    key = (text, view.first_line, view.changed, view.section_text)
    got = _CACHE.get(key)
    if got is None:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        got = _CACHE[key] = scan_initializers(text, view.first_line, view.changed,
                                              view.section_text)
    return got


def scan_initializers(text: str, first_line: int = 1, changed: frozenset[int] = frozenset(),
                      section: str = "") -> list[Vmsd]:
    """The VMState initializers in ``text`` (see the module doc)."""
    from .parsed import keep_newest

    key = (text, first_line, section)
    scanned = _SCANNED.get(key)
    if scanned is None:
        scanned = _Scan(text, first_line, section).run()
    keep_newest(_SCANNED, key, scanned, _SCANNED_LIMIT)
    return [_flagged(v, changed) for v in scanned]


_SCANNED: dict[tuple, list[Vmsd]] = {}
_SCANNED_LIMIT = 64


def _changed(flag, changed) -> bool:
    if type(flag) is _Span:
        return any(n in changed for n in range(flag[0], flag[1] + 1))
    return flag


def _flagged(v: Vmsd, changed) -> Vmsd:
    """A scanned record with its changed flags for ``changed`` (new objects:
    the scan is shared by every set of changed lines)."""
    return Vmsd(
        var=v.var, kind=v.kind, line=v.line, end_line=v.end_line,
        start_visible=v.start_visible, end_visible=v.end_visible,
        header_changed=_changed(v.header_changed, changed),
        attrs={k: Attr(a.value, a.line, _changed(a.changed, changed)) for k, a in v.attrs.items()},
        fields=[VmsdField(f.macro, f.args, f.line, f.end_line, _changed(f.changed, changed),
                          f.version, f.version_text, f.tested, f.size) for f in v.fields],
        fields_start_visible=v.fields_start_visible, fields_end_visible=v.fields_end_visible,
        fields_conditional=v.fields_conditional,
        subsections=[(n, line, _changed(c, changed)) for n, line, c in v.subsections])
