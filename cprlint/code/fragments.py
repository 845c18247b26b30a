"""Parse a diff-hunk fragment with the balanced synthetic wrapper.

design/inputs-and-parsing.md section 4.2: mask, blank a leading comment tail,
lex lightly, prepend exactly ONE line that opens what the fragment closes,
append a suffix that closes what is still open, parse; optionally parse the
raw fragment too and keep the parse with fewer errors.

Rows map back by arithmetic: a node on 0-based row ``r`` is on fragment row
``r - row_offset``; fragment bytes are node bytes minus ``prefix_len``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from tree_sitter import Language, Parser, Tree

from .. import lazyre
from ..records import Record
from .masking import mask

SYN = "__cprlint_"
FUNC_HEADER = b"void __cprlint_fragment__(void) {"
_OUTER_IF = b"if (__cprlint_outer__) {"
_CONT = b"__cprlint_cont__("
_INIT = b"int __cprlint_init__[] = {"

_LANG: Language | None = None
_PARSER: Parser | None = None


def parser() -> Parser:
    """The process-wide tree-sitter-c parser (created once)."""
    global _LANG, _PARSER
    if _PARSER is None:
        _LANG = Language(_c_language_capsule())
        _PARSER = Parser(_LANG)
    return _PARSER


def _c_language_capsule():
    """tree_sitter_c.language(), without importing the package's __init__.

    That __init__ imports importlib.resources (for query files cprlint does
    not use), which costs ~8 ms of start-up on every run.  The grammar is the
    package's ``_binding`` extension module: load it directly, and fall back
    to the normal import if the package layout is not what we expect.
    """
    import sys
    from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec, PathFinder

    # (importlib.machinery, not importlib.util: the import system has the
    # former loaded already; the latter costs ~0.6 ms with importlib._abc)
    try:
        spec = PathFinder.find_spec("tree_sitter_c")
        for folder in (spec.submodule_search_locations or ()) if spec else ():
            for suffix in EXTENSION_SUFFIXES:
                path = f"{folder}/_binding{suffix}"
                try:
                    loader = ExtensionFileLoader("tree_sitter_c._binding", path)
                    sub = ModuleSpec("tree_sitter_c._binding", loader, origin=path)
                    module = loader.create_module(sub)
                    # what importlib.util.module_from_spec would set
                    module.__spec__, module.__loader__, module.__file__ = sub, loader, path
                    module.__package__ = "tree_sitter_c"
                    loader.exec_module(module)
                except (ImportError, OSError):
                    continue
                sys.modules.setdefault("tree_sitter_c._binding", module)
                return module.language()
    except Exception:
        pass
    import tree_sitter_c

    return tree_sitter_c.language()


def language() -> Language:
    parser()
    assert _LANG is not None
    return _LANG


# --- light lexer -----------------------------------------------------------

_TOKENS = lazyre.compile(
    rb"/\*.*?(?:\*/|\Z)"            # block comment (maybe unterminated)
    rb"|//[^\n]*"                   # line comment
    rb"|\"(?:\\.|[^\"\\\n])*\"?"    # string
    rb"|'(?:\\.|[^'\\\n])*'?"       # char
    rb"|[(){}]",
    re.S,
)
_GAP = lazyre.compile(rb"(?:[ \t\r\n\f\v]+|/\*.*?\*/|//[^\n]*)*", re.S)
_WORD = lazyre.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_OPENER = {41: 40, 125: 123}   # ')' -> '(', '}' -> '{'


class Closer(Record):
    """A ``)`` or ``}`` of a fragment that closes something opened before it."""

    char: str        # ")" or "}"
    pos: int         # byte offset in the fragment
    column: int      # byte column of the closer
    first_on_line: bool
    next_token: bytes

    def __init__(self, char, pos, column, first_on_line, next_token) -> None:
        self.char = char
        self.pos = pos
        self.column = column
        self.first_on_line = first_on_line
        self.next_token = next_token


class LexResult(Record):
    """What the bracket lexer found in a fragment."""

    closers: list[Closer]   # unmatched, innermost first
    open_stack: list[int]   # still open at the end (bytes)
    ends_in_comment: bool
    first_code_column: int  # column of first code byte

    def __init__(self, closers=None, open_stack=None, ends_in_comment=False,
                 first_code_column=-1) -> None:
        self.closers = [] if closers is None else closers
        self.open_stack = [] if open_stack is None else open_stack
        self.ends_in_comment = ends_in_comment
        self.first_code_column = first_code_column


_SCAN = 4096      # bytes a look-around for one token may scan
_MAX_CLOSERS = 1000


def _next_token(src: bytes, i: int) -> bytes:
    j = _GAP.match(src, i, i + _SCAN).end()
    if j >= len(src):
        return b""
    m = _WORD.match(src, j)
    return m.group() if m else src[j:j + 1]


def lex(src: bytes) -> LexResult:
    res = LexResult()
    stack: list[int] = []
    for m in _TOKENS.finditer(src):
        tok = m.group()
        c = tok[0]
        if c == 47 and len(tok) > 1 and tok[1] in (42, 47):    # comment
            if tok[1] == 42 and (len(tok) < 4 or not tok.endswith(b"*/")):
                res.ends_in_comment = True
            continue
        if c in (34, 39):
            continue
        if c in (40, 123):
            stack.append(c)
            continue
        want = _OPENER[c]
        while stack and stack[-1] != want:
            stack.pop()          # mismatched: drop the unclosed opener
        if stack:
            stack.pop()
            continue
        if len(res.closers) >= _MAX_CLOSERS:
            continue             # garbage: no real hunk closes 1,000 blocks it never opened
        p = m.start()
        # look back at most _SCAN bytes for the line start (linear in the input
        # however many closers one long line holds); a farther one is no column 0
        lo = max(0, p - _SCAN)
        ls = src.rfind(b"\n", lo, p) + 1
        if ls == 0 and lo > 0:
            column, first = p - lo, False
        else:
            column, first = p - ls, not src[ls:p].strip()
        res.closers.append(Closer(chr(c), p, column, first, _next_token(src, p + 1)))
    res.open_stack = stack
    # column of the first code byte (not blank, not a comment)
    j = _GAP.match(src, 0).end()
    if j < len(src):
        res.first_code_column = j - (src.rfind(b"\n", 0, j) + 1)
    return res


def _inside_comment(src: bytes) -> bool:
    """Every line blank or a block comment's inside as QEMU writes it
    (" * text", " *"), at least one of them."""
    seen = False
    for line in src.split(b"\n"):
        text = line.lstrip(b" \t")
        if not text:
            continue
        if text[:1] != b"*" or text[1:2] not in (b"", b" ", b"\t"):
            return False
        seen = True
    return seen


def _blank_leading_comment_tail(src: bytes) -> tuple[bytes, int]:
    """If the fragment starts inside a comment, blank up to its ``*/``.

    Returns (new source, end offset of the blanked tail; 0 if none).
    """
    e = src.find(b"*/")
    if e < 0:
        if src.find(b"/*") < 0 and _inside_comment(src):
            # every line a " * ..." line and no comment mark: the hunk lies
            # inside a long comment (its start and end out of view).  Parsed
            # as C it is prose in error recovery (slow, and its "calls" are
            # words): blanked.  It is not made a comment fact, since its
            # sentences are cut off at both ends.
            return bytes(c if c == 10 else 32 for c in src), 0
        return src, 0
    s = src.find(b"/*")
    if 0 <= s < e:
        return src, 0
    end = e + 2
    head = bytes(c if c == 10 else 32 for c in src[:end])
    return head + src[end:], end


# --- the wrapper ------------------------------------------------------------

class ParsedFragment(Record):
    """A fragment parsed by tree-sitter, with the wrapper around it."""

    tree: Tree
    masked: bytes          # the bytes that were parsed (prefix + masked fragment + suffix)
    orig: bytes            # same length: prefix + ORIGINAL fragment + suffix
    prefix_len: int        # bytes before the fragment (0 for a raw parse)
    row_offset: int        # rows before the fragment (1 wrapped, 0 raw)
    frag_len: int          # fragment length in bytes
    wrapped: bool
    error_count: int
    missing_count: int
    in_function: bool      # the fragment's first lines sit in a function body
    function_end: int      # fragment byte of the '}' closing that function, -1 if not seen
    comment_tail_end: int  # >0: fragment starts inside a comment ending here

    def __init__(self, tree, masked, orig, prefix_len, row_offset, frag_len, wrapped,
                 error_count, missing_count, in_function, function_end, comment_tail_end) -> None:
        self.tree = tree
        self.masked = masked
        self.orig = orig
        self.prefix_len = prefix_len
        self.row_offset = row_offset
        self.frag_len = frag_len
        self.wrapped = wrapped
        self.error_count = error_count
        self.missing_count = missing_count
        self.in_function = in_function
        self.function_end = function_end
        self.comment_tail_end = comment_tail_end

    @property
    def frag_end(self) -> int:
        return self.prefix_len + self.frag_len


def count_errors(tree: Tree) -> tuple[int, int]:
    """(ERROR nodes, MISSING nodes) of a tree, descending only into damage."""
    root = tree.root_node
    if not root.has_error:
        return 0, 0
    errors = missing = 0
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_missing:
            missing += 1
            continue
        if n.is_error:
            errors += 1
        for ch in n.children:
            if ch.has_error:
                stack.append(ch)
    return errors, missing


def build_wrapper(frag: bytes) -> tuple[bytes, bytes, bool, int]:
    """(prefix line, suffix, in_function, function-end fragment byte or -1).

    ``frag`` is already masked and comment-tail blanked.
    """
    lx = lex(frag)
    openers: list[bytes] = []      # outermost first
    in_function = False
    func_end = -1
    closers = lx.closers
    extra_close = b""
    if closers:
        outer = closers[-1]
        inner = closers[:-1]
        if outer.char == "}" and outer.column == 0 and outer.next_token == b";":
            openers.append(_INIT)            # end of a file-scope initialiser
        elif outer.char == "}" and outer.column == 0 and outer.next_token not in (b"else", b"while"):
            in_function = True               # the enclosing function's end
            func_end = outer.pos
            openers.append(FUNC_HEADER)
        else:
            in_function = True
            openers.append(FUNC_HEADER)
            extra_close = b"}"
            inner = closers
        for c in reversed(inner):
            if c.char == ")":
                nt = c.next_token
                if nt == b"{" or (nt and _WORD.fullmatch(nt) is not None):
                    openers.append(b"if (")   # closes a control condition
                else:
                    openers.append(_CONT)     # closes a call's argument list
            elif c.next_token == b"else":
                openers.append(_OUTER_IF)
            elif c.next_token == b"while":
                openers.append(b"do {")
            else:
                openers.append(b"{")
    elif lx.first_code_column > 0:
        in_function = True
        openers.append(FUNC_HEADER)
        extra_close = b"}"
    prefix = b" ".join(openers) + b"\n"

    out = [b"\n"]                  # a list: one long line may leave 100,000 open
    if lx.ends_in_comment:
        out.append(b"*/\n")
    prev_paren = False
    for c in reversed(lx.open_stack):
        if c == 40:
            out.append(b")")
            prev_paren = True
        else:
            if prev_paren:
                out.append(b";")
                prev_paren = False
            out.append(b"}")
    if prev_paren:
        out.append(b";")
    if extra_close:
        out.append(extra_close)
    out.append(b"\n")
    return prefix, b"".join(out), in_function, func_end


def parse_bounded(p: Parser, data: bytes, old_tree: Tree | None = None) -> Tree:
    """``p.parse(data)`` within limits.PARSE_BUDGET_S (plus PARSE_BUDGET_PER_MB
    per megabyte): tree-sitter's error recovery is quadratic on some garbage
    ("--> --> ..." on a few lines took seconds).  The input is handed over in
    chunks; past the deadline the parser is told the text ends there, and the
    summary says that the rest was not parsed.

    Every chunk is the same reused buffer: py-tree-sitter 0.26 keeps a
    reference to every object a read callback returns (measured: 256-byte
    slices leaked twice the text on every parse, 250 MB over a 64 MB mbox),
    and references to the one buffer cost nothing.  ``old_tree``: an
    earlier parse told of the edits since (tree-sitter's incremental
    parse)."""
    import time

    from .. import limits

    reuse = () if old_tree is None else (old_tree,)   # (parse() takes no None for it)
    if len(data) <= _PARSE_CHUNK:
        return p.parse(data, *reuse)
    # CPU time of this process, not wall time: a busy machine must not
    # change what is analysed (and so the findings)
    deadline = time.process_time() + limits.PARSE_BUDGET_S \
        + limits.PARSE_BUDGET_PER_MB * len(data) / 2**20
    stop = [len(data)]
    chunk = _PARSE_CHUNK_LARGE if len(data) > _LARGE_TEXT else _PARSE_CHUNK

    def read(byte: int, _point) -> bytearray:
        if byte < stop[0] and time.process_time() > deadline:
            stop[0] = byte
        _BUFFER[:] = data[byte:min(byte + chunk, stop[0])]   # the parser is
        return _BUFFER                                              # done with the last

    try:
        with limits.shielded():     # the patch budget must not raise inside read()
            tree = p.parse(read, *reuse)
    except BaseException:
        p.reset()       # (e.g. Ctrl-C in read()): the next parse must not resume this one
        raise
    if stop[0] < len(data):
        limits.note(f"C text of {len(data)} bytes took too long to parse (syntax errors); "
                    f"only its first {stop[0]} bytes were analysed")
    return tree


_BUFFER = bytearray()           # what parse_bounded hands the parser, a chunk at a time
# bytes per read, and so per deadline check: 256, and 2 KB in text over
# _LARGE_TEXT (a 130 KB file is read in 64 calls, not 510: ~1 ms less; the
# 12 KB quadratic garbage of tests/test_parse_bounded.py is cut as soon)
_PARSE_CHUNK = 256
_PARSE_CHUNK_LARGE = 2048
_LARGE_TEXT = 32 * 1024


def parse_fragment(text: str | bytes, raw_parse: bool = True) -> ParsedFragment:
    """Parse one hunk image with the balanced wrapper (and maybe raw)."""
    orig = text.encode("utf-8") if isinstance(text, str) else text
    m = mask(orig)
    m, tail_end = _blank_leading_comment_tail(m)
    prefix, suffix, in_function, func_end = build_wrapper(m)
    p = parser()
    full = prefix + m + suffix
    tree = parse_bounded(p, full)
    e, mi = count_errors(tree)
    best = ParsedFragment(tree, full, prefix + orig + suffix, len(prefix), 1, len(orig),
                          True, e, mi, in_function, func_end, tail_end)
    if raw_parse and (e or mi):
        lx_suffix = b"\n*/\n" if lex(m).ends_in_comment else b"\n"
        raw = m + lx_suffix
        rtree = parse_bounded(p, raw)
        re_, rmi = count_errors(rtree)
        if (re_, rmi) < (e, mi):
            best = ParsedFragment(rtree, raw, orig + lx_suffix, 0, 0, len(orig),
                                  False, re_, rmi, in_function, func_end, tail_end)
    return best


def parse_whole(text: str | bytes, previous: ParsedFragment | None = None) -> ParsedFragment:
    """Parse a whole file (masked, no wrapper).  ``previous``: the parse of
    another version of the same file, which is left as it is: only the
    runs of lines that differ (tell_edit) are parsed again, the rest of
    its tree is reused (as code/incremental.py does for the facts).
    A result with a syntax error where the text changed (in a top-level
    node an edit touches, or the one before or after it) is parsed again
    from nothing: how the parser recovers from an error there can depend
    on the tree it started from, and a view's parse must not depend on
    which version was parsed before.  (Errors elsewhere are common: ~2 in
    3 QEMU file versions have one, mostly from macros tree-sitter cannot
    read; the parser reads those nodes as it did in ``previous``.)"""
    orig = text.encode("utf-8") if isinstance(text, str) else text
    m = mask(orig)
    tree = None
    if previous is not None and not previous.wrapped:
        old_tree = previous.tree.copy()
        spans = tell_edit(old_tree, previous.masked, m)
        tree = parse_bounded(parser(), m, old_tree)
        if errors_near(tree, spans):
            tree = None
    if tree is None:
        tree = parse_bounded(parser(), m)
    return whole_fragment(tree, m, orig)


def whole_fragment(tree: Tree, masked: bytes, orig: bytes) -> ParsedFragment:
    """The ParsedFragment of a whole file's parse (no wrapper)."""
    e, mi = count_errors(tree)
    return ParsedFragment(tree, masked, orig, 0, 0, len(orig), False, e, mi, False, -1, 0)


def parse_blanked(full: ParsedFragment, text: str | bytes,
                  blanked: list[tuple[int, int]]) -> ParsedFragment:
    """Parse ``text``: the whole-file text ``full`` was parsed from, with the
    lines of each (first, last) range of ``blanked`` emptied (code/thin.py
    blanks unchanged functions).  ``full``'s tree, told of one edit per
    range, gives the parser every other top-level node back: only the
    emptied lines are read again.  ``full`` is left as it is.

    Parsed from nothing instead when masking ``text`` did not give
    ``full``'s masked text with those lines emptied (masking looks past a
    line: an unclosed macro argument list, ``#if 0`` to its ``#endif``),
    or when a node next to an emptied range holds a syntax error and the
    nodes holding errors are not, in kind and length, those of ``full``
    (see parse_whole)."""
    orig = text.encode("utf-8") if isinstance(text, str) else text
    m = mask(orig)
    rows = full.masked.split(b"\n")
    ranges = _merged(blanked, len(rows))
    emptied = list(rows)
    for first, last in ranges:
        emptied[first - 1:last] = [b""] * (last - first + 1)
    if full.wrapped or b"\n".join(emptied) != m:
        return parse_whole(orig)
    starts = list(accumulate([len(row) + 1 for row in rows], initial=0))
    # each range's edit: (start byte, old end byte, last line's old length);
    # its new end is start + (last - first): the newlines between its lines
    edits = [(starts[first - 1], starts[last - 1] + len(rows[last - 1]), len(rows[last - 1]))
             for first, last in ranges]
    tree = full.tree.copy()
    for (first, last), (a, old_end, end_col) in reversed(list(zip(ranges, edits))):
        tree.edit(start_byte=a, old_end_byte=old_end, new_end_byte=a + (last - first),
                  start_point=(first - 1, 0), old_end_point=(last - 1, end_col),
                  new_end_point=(last - 1, 0))      # the last first: offsets hold
    tree = parse_bounded(parser(), m, tree)
    spans, shrunk = [], 0           # the emptied lines in the new text's bytes
    for (first, last), (a, old_end, _col) in zip(ranges, edits):
        spans.append((a - shrunk, a - shrunk + (last - first)))
        shrunk += old_end - a - (last - first)
    # the emptied functions parsed without error (code/thin.py): the kept
    # top-level nodes must hold the full parse's errors, no more, no fewer
    if errors_near(tree, spans) and _erring(tree) != _erring(full.tree):
        return parse_whole(orig)
    return whole_fragment(tree, m, orig)


def _erring(tree: Tree) -> list[tuple[str, int]]:
    """(type, byte length) of each top-level node holding a syntax error."""
    root = tree.root_node
    if root.type != "translation_unit":
        return [(root.type, -1)]
    if not root.has_error:
        return []
    return [(k.type, k.end_byte - k.start_byte) for k in root.children if k.has_error]


def errors_near(tree: Tree, spans: list[tuple[int, int]]) -> bool:
    """Whether the top-level nodes a (start, end) byte span of ``spans``
    touches, or the one before or after them, hold a syntax error."""
    root = tree.root_node
    if not root.has_error:
        return False
    if root.type != "translation_unit":
        return True
    kids = root.children
    starts = [k.start_byte for k in kids]
    for a, b in spans:
        lo = max(bisect_right(starts, a) - 2, 0)        # the node at a and the one before
        hi = min(bisect_right(starts, b) + 1, len(kids))   # up to the one after b
        if any(kids[i].has_error for i in range(lo, hi)):
            return True
    return False


def _merged(ranges, rows: int) -> list[tuple[int, int]]:
    """The (first, last) line ranges clipped to ``rows`` lines, sorted, the
    overlapping and adjacent ones joined (one edit each: code/thin.py
    blanks runs of functions, one range per function; a tree edit costs
    ~17 us, and the 308 thinned parses of 200 commits with --source told
    14,443 ranges, 4,169 once joined)."""
    out: list[list[int]] = []
    for first, last in sorted(ranges):
        first, last = max(first, 1), min(last, rows)
        if first > last:
            continue
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return [(a, b) for a, b in out]


def tell_edit(tree: Tree, old: bytes, new: bytes, split: bool = True) -> list[tuple[int, int]]:
    """Tell ``tree`` (the parse of ``old``) that ``old`` became ``new``: one
    edit per run of changed lines (``changed_runs``; ``split`` False: one
    edit from the first to the last difference).  Returns the edits as
    (start, end) spans in ``new``'s bytes.

    One edit from the first to the last difference would have the parser
    read again everything between: a patch that changes a file's second
    function and its last re-parsed nearly all of it (97 of the 332
    incremental parses of 200 commits with --source spanned over 30% of
    their file, and took 70% of the parse time)."""
    runs = changed_runs(old, new, split)
    for a, old_end, b, new_end in reversed(runs):     # the last first: offsets hold
        start_point = _point(old, a)
        tree.edit(start_byte=a, old_end_byte=old_end, new_end_byte=a + (new_end - b),
                  start_point=start_point,
                  old_end_point=_point_from(old, a, start_point, old_end),
                  new_end_point=_point_from(new, b, start_point, new_end))
    return [(b, new_end) for _a, _oe, b, new_end in runs]


_ONE_EDIT = 8192        # changed bytes below which one edit is told
_JOIN = 512             # edits closer than this are told as one


def changed_runs(old: bytes, new: bytes, split: bool = True) -> list[tuple[int, int, int, int]]:
    """(old start, old end, new start, new end) byte ranges, in order, such
    that ``new`` is ``old`` with each old range replaced by its new range:
    one range from the first to the last difference, or, when that is
    long, one per run of lines that differ (lines matched in order, anchored
    on lines that occur once in each text).  Checked before it is returned:
    the bytes between the ranges must be equal; else the one range."""
    start = _common_prefix(old, new)
    tail = _common_suffix(old, new, start)
    old_end, new_end = len(old) - tail, len(new) - tail
    one = [(start, old_end, start, new_end)]
    if not split or max(old_end, new_end) - start < _ONE_EDIT:
        return one
    runs = _line_runs(old, new, start, old_end, new_end)
    if not runs or not _covers(old, new, runs):
        return one
    return runs


def _line_runs(old: bytes, new: bytes, start: int, old_end: int, new_end: int):
    """``changed_runs`` by lines: the lines from the one holding ``start`` to
    the one holding ``old_end`` (and its ``new_end``), matched in order."""
    from collections import Counter

    first = old.rfind(b"\n", 0, start) + 1          # the same line start in both
    last = old.find(b"\n", old_end)
    real_old, real_new = len(old), len(new)
    if last < 0:        # the changes reach the end: a newline after both texts
        old, new = old + b"\n", new + b"\n"
        last = len(old) - 1
    # (the bytes from old_end in old are those from new_end in new)
    a_lines = old[first:last].split(b"\n")
    b_lines = new[first:new_end + (last - old_end)].split(b"\n")
    a_at = list(accumulate((len(x) + 1 for x in a_lines), initial=first))
    b_at = list(accumulate((len(x) + 1 for x in b_lines), initial=first))
    a_count, b_count = Counter(a_lines), Counter(b_lines)
    b_once = {line: j for j, line in enumerate(b_lines) if b_count[line] == 1}
    na, nb = len(a_lines), len(b_lines)
    matched = []                  # (i, j, n): a_lines[i:i+n] == b_lines[j:j+n]
    i = j = 0
    while i < na and j < nb:
        if a_lines[i] == b_lines[j]:
            i0, j0 = i, j
            while i < na and j < nb and a_lines[i] == b_lines[j]:
                i += 1
                j += 1
            matched.append((i0, j0, i - i0))
            continue
        # the next line of old that occurs once in each, later in new
        while i < na:
            k = b_once.get(a_lines[i]) if a_count[a_lines[i]] == 1 else None
            if k is not None and k >= j:
                j = k
                break
            i += 1
    runs: list[list[int]] = []
    i = j = 0
    for i0, j0, n in matched + [(na, nb, 0)]:
        if i0 > i or j0 > j:
            run = [a_at[i], a_at[i0], b_at[j], b_at[j0]]
            if runs and run[0] - runs[-1][1] < _JOIN:
                runs[-1][1], runs[-1][3] = run[1], run[3]
            else:
                runs.append(run)
        i, j = i0 + n, j0 + n
    if not runs:
        return None
    head, end = runs[0], runs[-1]
    # the lines' common start and end need not be told
    cut = min(start - head[0], head[1] - head[0], head[3] - head[2])
    if cut > 0 and head[0] == head[2]:
        head[0] += cut
        head[2] += cut
    cut = min(end[1] - old_end, end[1] - end[0], end[3] - end[2])
    if cut > 0 and end[1] - old_end == end[3] - new_end:
        end[1] -= cut
        end[3] -= cut
    if end[1] > real_old or end[3] > real_new:
        return None
    return [tuple(r) for r in runs]


def _covers(old: bytes, new: bytes, runs) -> bool:
    """Whether ``runs`` hold every difference: what lies between them is
    the same bytes in both texts, at the same distances."""
    i = j = 0
    for a, old_end, b, new_end in runs:
        if a - i != b - j or a < i or old_end < a or new_end < b or old[i:a] != new[j:b]:
            return False
        i, j = old_end, new_end
    return len(old) - i == len(new) - j and old[i:] == new[j:]


_BLOCK = 4096       # bytes compared at a time before the binary search


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix: equal blocks skipped, then a binary
    search over slice compares within the first unequal one (a file's
    versions share long runs: a search over the whole length copied
    ~17 halves of it)."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i:i + _BLOCK] == b[i:i + _BLOCK]:
        i = min(i + _BLOCK, n)
    lo, hi = i, min(i + _BLOCK, n)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i:mid] == b[i:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, prefix: int) -> int:
    """Length of the common suffix, not reaching into the first ``prefix``
    bytes of either."""
    n = min(len(a), len(b)) - prefix
    la, lb = len(a), len(b)
    i = 0
    while i < n and a[max(la - i - _BLOCK, la - n):la - i] == b[max(lb - i - _BLOCK, lb - n):lb - i]:
        i = min(i + _BLOCK, n)
    lo, hi = i, min(i + _BLOCK, n)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid:la - i] == b[lb - mid:lb - i]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _point_from(data: bytes, start: int, start_point: tuple[int, int], i: int) -> tuple[int, int]:
    """``_point(data, i)`` for ``i >= start``, from ``start``'s point (the
    lines before ``start`` are not counted again)."""
    nl = data.rfind(b"\n", start, i)
    if nl < 0:
        return start_point[0], start_point[1] + (i - start)
    return start_point[0] + data.count(b"\n", start, i), i - (nl + 1)


def _point(data: bytes, i: int) -> tuple[int, int]:
    row = data.count(b"\n", 0, i)
    return row, i - (data.rfind(b"\n", 0, i) + 1)
