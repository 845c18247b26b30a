"""Facts of whole files that change a little at a time (full mode).

A series applied to a base tree shows the rules every touched file whole,
before and after each patch.  Re-deriving the facts of a 4,000-line file
after a patch that changes one function costs the whole file again; this
module re-derives only the top-level declarations whose text changed.

A file is cut into *chunks*: runs of whole lines holding one or more
top-level nodes of its parse (a function definition, a declaration, a
comment, an ``#ifdef`` block), the blank lines before them included.  The
facts of a chunk depend only on its text, so they are kept per chunk,
keyed by a digest of its original and masked bytes, and reused at another
position by
shifting their line numbers (and the byte offsets that order calls).

Each file path keeps only its latest version (text, parse, chunks): the
next patch's pre-image is that version, and its post-image is parsed
incrementally from it (``tree.edit`` over each run of changed lines, then
a parse that reuses the old tree).  Memory is bounded by the files touched,
not by the number of patches.

Files checked as they are (files mode) are built in one walk: nothing is
reused there.
"""

from __future__ import annotations

import gc
from bisect import bisect_right

from ..records import FrozenRecord, Record, field_names
from .digests import digest as _digest
from .facts import build_facts, identifiers_in
from .fragments import (ParsedFragment, count_errors, errors_near, parser, tell_edit,
                        whole_fragment)
from .masking import mask
from .parsed import function_name_in
from .model import CallFact, CommentFact, EarlyExit, Facts, FunctionFact, Guard

# the Facts fields this module knows how to cut, join and shift; a Facts
# with other fields is derived whole each time (correct, only slower) until
# they are taught here (tests/test_incremental.py says which)
KNOWN_FIELDS = frozenset((
    "functions", "calls", "comments", "identifiers", "macros_defined", "prototypes",
    "enum_constants", "fields_defined", "too_deep", "error_count", "missing_count"))
_SHIFTABLE = set(field_names(Facts)) <= KNOWN_FIELDS


class _Chunk(Record):
    """One run of whole lines: its bytes, where it sat, and its facts
    (lines and bytes as they were at ``line``/``byte``)."""

    line: int                 # first file line
    byte: int                 # first byte
    facts: Facts

    def __init__(self, line, byte, facts) -> None:
        self.line = line
        self.byte = byte
        self.facts = facts


class _Version(Record):
    text_key: bytes           # digest of the original bytes
    masked: bytes | None      # only on a path's newest version (the next parse's base)
    tree: object              # tree_sitter.Tree of ``masked``; None as for masked
    chunks: dict              # digest of (orig, masked) chunk bytes -> _Chunk
    facts: Facts
    outline: list | None      # [OutlineEntry] of its chunks, in order (None: not cut)
    # the tree is the one a parse from nothing gives (no syntax error next
    # to an edit: see _parse); else how errors were read may depend on the
    # previous version
    clean: bool
    # not clean: the parse of this version from nothing that code.whole
    # hands its views to the rules (made at first need, once for both)
    fresh: object | None

    def __init__(self, text_key, masked, tree, chunks, facts, outline=None,
                 clean=True) -> None:
        self.text_key = text_key
        self.masked = masked
        self.tree = tree
        self.chunks = chunks
        self.facts = facts
        self.outline = outline
        self.clean = clean
        self.fresh = None


class OutlineEntry(FrozenRecord):
    """One chunk of a file version: its lines, its digest (two versions'
    entries with the same key have the same text), the names of the
    functions defined in it (as code.parsed.function_nodes and the facts
    walk name them), and whether it holds nothing but named function
    definitions that parsed without error (``only_functions``)."""

    __slots__ = ("line", "end_line", "key", "functions", "only_functions")

    line: int                 # first file line
    end_line: int             # last file line
    key: bytes
    functions: tuple[str, ...]
    only_functions: bool

    def __init__(self, line, end_line, key, functions, only_functions) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "line", line)
        _set(self, "end_line", end_line)
        _set(self, "key", key)
        _set(self, "functions", functions)
        _set(self, "only_functions", only_functions)


class _SubTree:
    """One top-level node seen as a tree by the facts walker."""

    def __init__(self, node):
        self.root_node = node

    def walk(self):
        return self.root_node.walk()


class FileFacts:
    """The facts of successive versions of files, reusing unchanged chunks.

    Per path it keeps the last two versions (a patch's pre- and post-image)."""

    def __init__(self):
        self._latest: dict[str, list[_Version]] = {}
        self.derived = 0            # chunks whose facts were derived (not reused)

    def facts(self, path: str, text: str) -> Facts:
        return self.version(path, text).facts

    def version(self, path: str, text: str) -> _Version:
        """The facts and outline of this version of ``path``."""
        orig = text.encode("utf-8", "surrogateescape")
        digest = _digest(orig)
        kept = self._latest.setdefault(path, [])
        for v in kept:
            if v.text_key == digest:
                return v
        # many small objects, no cycles: keep the cyclic GC (which would
        # traverse every earlier view's facts) out of it, as build_facts does
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            version = self._derive(orig, digest, kept[-1] if kept else None,
                                   [v.chunks for v in kept])
        finally:
            if gc_was_enabled:
                gc.enable()
        if kept:                    # its tree was edited into the new one
            kept[-1].tree = kept[-1].masked = None
        elif version.tree is not None:
            # the base version: code/parsed.py parses the views' text from it.
            # A copy, as the next version edits this tree; it shares every
            # node that the series leaves unchanged with the newer trees.
            from .parsed import offer_base

            offer_base(path, whole_fragment(version.tree.copy(), version.masked, orig))
        kept.append(version)
        del kept[:-2]
        return version

    def _derive(self, orig: bytes, digest: bytes, prev: _Version | None,
                olds: list[dict]) -> _Version:
        masked = mask(orig)
        tree, clean = _parse(masked, prev)
        root = tree.root_node
        spans = _chunk_spans(root, masked) if root.type == "translation_unit" else None
        if spans is None or not _SHIFTABLE:   # nothing to cut: the whole file
            facts = build_facts(whole_fragment(tree, masked, orig), 1, "", frozenset())
            return _Version(digest, masked, tree, {}, facts, clean=clean)
        chunks: dict = {}
        parts: list = []
        missing = []                # (index in parts, key, span) to derive
        keys = []
        for span in spans:
            a, b, line, _nodes = span
            key = _digest(orig[a:b], masked[a:b])
            keys.append(key)
            hit = chunks.get(key) or next((o[key] for o in olds if key in o), None)
            if hit is not None:
                parts.append(_shifted(hit.facts, line - hit.line, a - hit.byte))
                chunks[key] = _Chunk(line, a, parts[-1])
            else:
                parts.append(None)
                missing.append((len(parts) - 1, key, span))
        if len(missing) * 2 > len(spans):
            # (nearly) first sight of this file: one walk over the whole tree, cut
            whole = build_facts(whole_fragment(tree, masked, orig), 1, "", frozenset())
            cut = _cut(whole, spans, orig)
            self.derived += len(missing)
            for i, key, (a, _b, line, _n) in missing:
                parts[i] = cut[i]
                chunks[key] = _Chunk(line, a, cut[i])
        else:
            self.derived += len(missing)
            for i, key, (a, b, line, nodes) in missing:
                parts[i] = _chunk_facts(tree, masked, orig, a, b, nodes)
                chunks[key] = _Chunk(line, a, parts[i])
        facts = _join(parts)
        facts.error_count, facts.missing_count = count_errors(tree)
        outline = [_entry(orig, span, key, part)
                   for span, key, part in zip(spans, keys, parts)]
        return _Version(digest, masked, tree, chunks, facts, outline, clean)


# the nodes code.parsed.function_nodes looks into for function definitions
_HOLDERS = frozenset(("compound_statement", "preproc_if", "preproc_ifdef", "preproc_else",
                      "preproc_elif", "ERROR", "linkage_specification", "declaration_list"))


def _entry(orig: bytes, span, key: bytes, facts: Facts) -> OutlineEntry:
    a, b, line, nodes = span
    end = line + orig.count(b"\n", a, b) - (1 if b > a and orig[b - 1:b] == b"\n" else 0)
    heads, named, stack = [], True, list(reversed(nodes))
    while stack:                # iterative: no recursion on input depth
        n = stack.pop()
        if n.type == "function_definition":
            name = function_name_in(orig, n)
            if name:
                heads.append(name)
                continue
            named = False
        if n.type in _HOLDERS or n.type == "function_definition":
            stack.extend(reversed(n.named_children))
    found = [fn.name for fn in facts.functions]
    only = (bool(nodes) and named and all(found) and len(heads) == len(nodes)
            and all(n.type == "function_definition" and not n.has_error for n in nodes))
    return OutlineEntry(line, max(end, line), key, tuple(dict.fromkeys(heads + found)), only)


def _parse(masked: bytes, prev: _Version | None):
    """Parse ``masked``, reusing the previous version's tree for what did
    not change (an edit per run of changed lines, fragments.tell_edit);
    returns the tree and whether it is the one a parse from nothing gives.
    Where the result holds a syntax error next to an edit, it is parsed
    again from the previous tree told of one edit spanning every change:
    how the parser recovers from an error can depend on the edits it was
    told, and these facts have always come from that one edit (such a tree
    is not "clean": code.whole does not hand it to the rules)."""
    p = parser()
    if prev is None or prev.tree is None:
        return p.parse(masked), True
    tree = prev.tree
    spare = tree.copy()             # (edits change a tree in place)
    spans = tell_edit(tree, prev.masked, masked)
    out = p.parse(masked, tree)
    if not errors_near(out, spans):
        return out, True
    if len(spans) > 1:
        tell_edit(spare, prev.masked, masked, split=False)
        out = p.parse(masked, spare)
    return out, False


def _chunk_spans(root, masked: bytes):
    """[(start byte, end byte, first line, top-level nodes)]: runs of whole
    lines covering the file, each holding whole top-level nodes (and the
    blank or masked lines before them).  None when the file has none."""
    kids = root.children
    if not kids:
        return None
    spans = []
    start, start_row, nodes, end_row = 0, 0, [], -1
    for i, node in enumerate(kids):
        nodes.append(node)
        r, c = node.end_point
        end_row = max(end_row, r if c or r == node.start_point[0] else r - 1)
        nxt = kids[i + 1] if i + 1 < len(kids) else None
        if nxt is not None and nxt.start_point[0] <= end_row:
            continue                # the next node starts on this chunk's last line
        nl = masked.find(b"\n", max(node.end_byte - 1, start))
        end = len(masked) if nl < 0 else nl + 1
        if nxt is not None and end > nxt.start_byte:
            continue
        spans.append((start, end, start_row + 1, nodes))
        start, start_row, nodes = end, end_row + 1, []
    if nodes:                       # cannot happen with whole lines; be safe
        return None
    if start < len(masked):
        spans.append((start, len(masked), start_row + 1, []))
    return spans


def _chunk_facts(tree, masked, orig, a, b, nodes) -> Facts:
    """Facts of the top-level ``nodes`` of one chunk, as in the whole walk
    (lines are file lines; call bytes are file bytes)."""
    parts = []
    for node in nodes:
        pf = ParsedFragment(_SubTree(node), masked, orig, a, 0, b - a, False, 0, 0,
                            False, -1, 0)
        f = build_facts(pf, 1, "", frozenset())
        # build_facts counts bytes from the chunk start: make them file bytes
        parts.append(_shifted(f, 0, a))
    f = _join(parts)
    f.identifiers |= identifiers_in(orig[a:b])
    return f


def _cut(whole: Facts, spans, orig: bytes) -> list[Facts]:
    """The facts of a whole-file walk, split by chunk (by line)."""
    starts = [line for _a, _b, line, _n in spans]
    out = [Facts() for _ in spans]

    def at(line):
        return out[bisect_right(starts, line) - 1]

    for fn in whole.functions:
        at(fn.line).functions.append(fn)
    for c in whole.calls:
        at(c.line).calls.append(c)
    for c in whole.comments:
        at(c.line).comments.append(c)
    for attr in ("macros_defined", "prototypes", "enum_constants", "fields_defined",
                 "too_deep"):
        for item in getattr(whole, attr):
            getattr(at(item[1]), attr).append(item)
    for f, (a, b, _l, _n) in zip(out, spans):
        f.identifiers = identifiers_in(orig[a:b])
    # the walk also records label and block-macro names: all are words of
    # the text, so each is in its chunk's set already; keep any that is not
    rest = whole.identifiers - set().union(*(f.identifiers for f in out))
    if rest and out:
        out[0].identifiers |= rest
    return out


def _join(parts: list[Facts]) -> Facts:
    f = Facts()
    for p in parts:
        f.functions.extend(p.functions)
        f.calls.extend(p.calls)
        f.comments.extend(p.comments)
        f.identifiers |= p.identifiers
        f.macros_defined.extend(p.macros_defined)
        f.prototypes.extend(p.prototypes)
        f.enum_constants.extend(p.enum_constants)
        f.fields_defined.extend(p.fields_defined)
        f.too_deep.extend(p.too_deep)
    return f


def _shifted(f: Facts, dl: int, db: int) -> Facts:
    """``f`` with every line moved by ``dl`` and call bytes by ``db``
    (the same objects when nothing moves; a guard or early exit that many
    calls share stays shared)."""
    if not dl and not db:
        return f
    if not dl:
        calls = [_call(c, 0, db, {}) for c in f.calls]
        return Facts(functions=f.functions, calls=calls, comments=f.comments,
                     identifiers=f.identifiers, macros_defined=f.macros_defined,
                     prototypes=f.prototypes, enum_constants=f.enum_constants,
                     fields_defined=f.fields_defined, too_deep=f.too_deep)
    memo: dict = {}
    return Facts(
        functions=[FunctionFact(fn.name, fn.line + dl, fn.end_line + dl, fn.body_line + dl,
                                fn.start_visible, fn.end_visible, fn.is_static,
                                fn.from_section) for fn in f.functions],
        calls=[_call(c, dl, db, memo) for c in f.calls],
        comments=[CommentFact(c.text, c.line + dl, c.end_line + dl, c.function,
                              frozenset(n + dl for n in c.changed_lines))
                  for c in f.comments],
        identifiers=f.identifiers,
        macros_defined=[(n, ln + dl) for n, ln in f.macros_defined],
        prototypes=[(n, ln + dl) for n, ln in f.prototypes],
        enum_constants=[(n, ln + dl) for n, ln in f.enum_constants],
        fields_defined=[(n, ln + dl) for n, ln in f.fields_defined],
        too_deep=[(n, ln + dl) for n, ln in f.too_deep],
    )


def _moved(x, dl: int, memo: dict):
    """A Guard or EarlyExit ``dl`` lines down, one new object per old one."""
    y = memo.get(id(x))
    if y is None:
        if isinstance(x, Guard):
            y = Guard(x.kind, x.text, x.line + dl, x.switch, x.detail)
        else:
            y = EarlyExit(x.cond, x.exit, x.line + dl, x.target)
        memo[id(x)] = y
    return y


def _call(c: CallFact, dl: int, db: int, memo: dict) -> CallFact:
    if dl:
        guards = [_moved(g, dl, memo) for g in c.guards]
        exits = [_moved(e, dl, memo) for e in c.early_exits]
    else:
        guards, exits = c.guards, c.early_exits
    return CallFact(c.name, c.args, c.text, c.line + dl, c.end_line + dl, c.byte + db,
                    c.function, guards, exits, c.labels, c.in_condition, c.in_error)
