"""Fill :class:`Facts` from one parse of a view, in one top-down walk.

The walk carries the guard stack, the early exits seen so far in each
enclosing block, the labels seen so far in the function and the enclosing
function name, so every call gets its context without walking up parents.
All texts come from the ORIGINAL (unmasked) bytes, whitespace collapsed.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left

from .. import lazyre
from .conditions import negate
from .fragments import SYN, ParsedFragment, language
from .masking import is_masked_while, macro_name_at, match_paren
from ..limits import MAX_NODE_TEXT, MAX_TREE_DEPTH
from .model import CallFact, CommentFact, EarlyExit, Facts, FunctionFact, Guard

_EXIT_KINDS = {"return_statement": "return", "goto_statement": "goto",
               "break_statement": "break", "continue_statement": "continue"}
_SYN_B = SYN.encode()

# One query pass finds the nodes the walk needs.  A generic subtree with no
# structural node inside is not walked: its calls and comments are taken
# from the query results by byte range (bisect), in the context at hand.
_QUERY_SRC = """
(call_expression) @call
(comment) @comment
(ERROR) @error
(enumerator name: (identifier) @enumerator)
(field_declaration) @field
(declaration) @declaration
[(function_definition) (labeled_statement) (preproc_def) (preproc_function_def)
 (compound_statement) (if_statement) (switch_statement) (case_statement)
 (while_statement) (for_statement) (do_statement)] @struct
"""
_QUERY = None


_STRUCT_TYPES = frozenset((
    "function_definition", "labeled_statement", "preproc_def", "preproc_function_def",
    "compound_statement", "if_statement", "switch_statement", "case_statement",
    "while_statement", "for_statement", "do_statement"))
# below this size a Python walk beats compiling the query (~7 ms once per process)
_WALK_LIMIT = 24_000


class _Index:
    """Sorted query captures of one tree.

    Small trees (hunk fragments) are indexed by one cursor walk; large ones
    (whole files) by the tree-sitter query, whose one-off compile cost pays
    for itself there.  Both give the same captures (tests check this).
    """

    def __init__(self, tree, use_query: bool | None = None):
        if use_query is None:
            use_query = tree.root_node.end_byte > _WALK_LIMIT
        caps = _query_captures(tree) if use_query else _walk_captures(tree)
        key = _start
        self.calls = sorted(caps.get("call", ()), key=key)
        self.call_starts = [n.start_byte for n in self.calls]
        self.comments = sorted(caps.get("comment", ()), key=key)
        self.comment_starts = [n.start_byte for n in self.comments]
        self.errors = [(n.start_byte, n.end_byte) for n in caps.get("error", ())]
        self.structs = sorted(n.start_byte for n in caps.get("struct", ()))
        self.enumerators = caps.get("enumerator", [])
        self.field_decls = caps.get("field", [])
        self.protos = caps.get("proto", [])


def _query_captures(tree) -> dict:
    global _QUERY
    from tree_sitter import Query, QueryCursor

    if _QUERY is None:
        _QUERY = Query(language(), _QUERY_SRC)
    cursor = QueryCursor(_QUERY)
    # deeper nodes are not indexed (the walk stops there with a note); an
    # unbounded query runs in time superlinear in the depth (100,000 nested
    # braces: minutes)
    cursor.set_max_start_depth(MAX_TREE_DEPTH)
    caps = cursor.captures(tree.root_node)
    # the prototypes' names are read here, not matched by the query: three
    # nested patterns with fields made compiling it ~7 ms, against ~1 ms
    caps["proto"] = [n for d in caps.pop("declaration", ()) for n in _proto_names(d)]
    return caps


def _proto_names(decl) -> list:
    """The identifiers a declaration declares as functions, one per
    declarator that declares one (the query path reads every declarator)."""
    return [n for n in map(_function_named, decl.children_by_field_name("declarator"))
            if n is not None]


def _proto_name(decl):
    """The identifier the first declarator of a declaration declares as a
    function, or None (the walk reads the first declarator only)."""
    return _function_named(decl.child_by_field_name("declarator"))


def _function_named(node):
    """The identifier of a declarator: (pointer_declarator ->){0,2}
    function_declarator -> identifier, or None."""
    depth = 0
    while node is not None and node.type == "pointer_declarator" and depth < 2:
        node = node.child_by_field_name("declarator")
        depth += 1
    if node is None or node.type != "function_declarator":
        return None
    name = node.child_by_field_name("declarator")
    return name if name is not None and name.type == "identifier" else None


def _walk_captures(tree) -> dict:
    caps: dict[str, list] = {"call": [], "comment": [], "error": [], "struct": [],
                             "enumerator": [], "field": [], "proto": []}
    cursor = tree.walk()
    depth = 0                  # as the query's max start depth: the root is 0
    while True:
        node = cursor.node
        t = node.type
        if t == "call_expression":
            caps["call"].append(node)
        elif t == "comment":
            caps["comment"].append(node)
        elif t == "ERROR":
            caps["error"].append(node)
        elif t == "enumerator":
            name = node.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                caps["enumerator"].append(name)
        elif t == "field_declaration":
            caps["field"].append(node)
        elif t == "declaration":
            name = _proto_name(node)
            if name is not None:
                caps["proto"].append(name)
        if t in _STRUCT_TYPES:
            caps["struct"].append(node)
        if depth < MAX_TREE_DEPTH and cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return caps
            depth -= 1


def _starting_in(nodes, starts, a: int, b: int):
    """The nodes (sorted by start byte, ``starts`` their starts) that start
    in [a, b)."""
    i = bisect_left(starts, a)
    while i < len(starts) and starts[i] < b:
        yield nodes[i]
        i += 1


def _start(n) -> int:
    return n.start_byte


# identifiers: every word outside comments and string/char literals ...
_WORDS = lazyre.compile(
    rb"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|([A-Za-z_][A-Za-z0-9_]*)",
    re.S)
# ... except C keywords and preprocessor directive words
_NOT_IDENTS = frozenset(b"""
auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct
switch typedef union unsigned void volatile while _Bool _Static_assert __attribute__
typeof __typeof__ asm __asm__ alignof _Alignof offsetof bool true false NULL
include define undef ifdef ifndef elif endif pragma error warning defined
""".split()) | {b""}


def identifiers_in(src: bytes) -> set[str]:
    """Identifiers used in ``src``: words outside comments and literals,
    minus C keywords and ``__cprlint_*`` names.  Masked macro names
    (``coroutine_fn``, ``QTAILQ_FOREACH``) count: pass the original bytes."""
    words = set(_WORDS.findall(src))
    words -= _NOT_IDENTS
    return {w.decode("ascii", "replace") for w in words if not w.startswith(_SYN_B)}


def collapse(s: str) -> str:
    """Runs of blanks made one space, ends stripped: ``re.sub(r"\\s+", " ",
    s).strip()``, as str.split() reads blanks (the same characters, every
    code point compared; ~4x faster, and this runs for every call text)."""
    return " ".join(s.split())


class _TooDeep(Exception):
    """The walk went past MAX_TREE_DEPTH levels: the function is skipped."""


class _Walker:
    def __init__(self, pf: ParsedFragment, first_line: int, section: str,
                 changed: frozenset[int], sec_end: int | None):
        self.pf = pf
        self.orig = pf.orig
        self.lo = pf.prefix_len
        self.hi = pf.frag_end
        self.first_line = first_line
        self.row_base = first_line - pf.row_offset
        self.section = section
        self.changed = changed
        self.sec_end = sec_end            # last line of the section function, None if none
        self.facts = Facts()
        self.func: str | None = None      # innermost real function, None outside
        self.guards: list[Guard] = []
        self.exits: list[EarlyExit] = []
        self.labels: list[str] = []
        self.in_cond = 0
        self.in_error = 0
        self.depth = 0
        self.ix = _Index(pf.tree)

    # --- helpers --------------------------------------------------------
    def text(self, node) -> str:
        a = node.start_byte
        b = node.end_byte
        if a < self.lo:
            a = self.lo
        if b > self.hi:
            b = self.hi
        if b <= a:
            return ""
        if b - a > MAX_NODE_TEXT:          # a fact, not the code: keep it short
            b = a + MAX_NODE_TEXT
        t = self.orig[a:b].decode("utf-8", "replace")
        if "\n" in t or "  " in t or "\t" in t:
            return collapse(t)
        return t.strip()

    def raw(self, node) -> str:
        a = max(node.start_byte, self.lo)
        b = min(node.end_byte, self.hi)
        return self.orig[a:b].decode("utf-8", "replace") if b > a else ""

    def line(self, node) -> int:
        return node.start_point[0] + self.row_base

    def end_line(self, node) -> int:
        r, c = node.end_point
        if c == 0 and r > node.start_point[0]:
            r -= 1
        return r + self.row_base

    def cond_text(self, node) -> str:
        """Condition text without outer parentheses; '?' when synthetic."""
        if node is None:
            return ""
        if node.end_byte <= self.lo:
            return "?"
        if node.start_byte < self.lo:
            # partly above the hunk: only the visible tail is known
            a, b = self.lo, min(node.end_byte, self.hi, self.lo + MAX_NODE_TEXT)
            t = self.orig[a:b].decode("utf-8", "replace")
            if node.type == "parenthesized_expression" and t.rstrip().endswith(")"):
                t = t.rstrip()[:-1]
            t = collapse(t)
            return "... " + t if t else "?"
        t = self.text(node)
        if node.type == "parenthesized_expression" and t.startswith("(") and t.endswith(")"):
            t = t[1:-1].strip()
        return t

    def current_function(self, line: int) -> str:
        if self.func is not None:
            return self.func
        if self.sec_end is not None and line <= self.sec_end:
            return self.section
        return ""

    # --- walk -----------------------------------------------------------
    def visit(self, node) -> None:
        if self.depth >= MAX_TREE_DEPTH:
            raise _TooDeep()
        self.depth += 1
        try:
            self._visit(node)
        finally:
            self.depth -= 1

    def _visit(self, node) -> None:
        t = node.type
        h = _HANDLERS.get(t)
        if h is not None:
            h(self, node)
            return
        if node.named_child_count:
            ix = self.ix
            a, b = node.start_byte, node.end_byte
            marks = ix.structs
            i = bisect_left(marks, a)
            if i < len(marks) and marks[i] < b:
                for c in node.named_children:
                    self.visit(c)
                return
            # no structure below: take calls and comments by byte range
            for call in _starting_in(ix.calls, ix.call_starts, a, b):
                self.call(call)
            for comment in _starting_in(ix.comments, ix.comment_starts, a, b):
                self.v_comment(comment)

    def children(self, node) -> None:
        for c in node.named_children:
            self.visit(c)

    def visit_cond(self, node) -> None:
        if node is not None:
            self.in_cond += 1
            self.visit(node)
            self.in_cond -= 1

    def v_error(self, node) -> None:
        self.in_error += 1
        self.children(node)
        self.in_error -= 1

    def v_comment(self, node) -> None:
        if node.end_byte <= self.lo or node.start_byte >= self.hi:
            return
        line, end = self.line(node), self.end_line(node)
        if node.end_byte > self.hi:                  # closed by the suffix
            end = self.first_line + self.orig[self.lo:self.hi].rstrip(b"\n").count(b"\n")
        text = self.raw(node)
        if node.end_byte > self.hi:
            text = text.rstrip()
        self.facts.comments.append(CommentFact(
            text=text, line=line, end_line=end,
            function=self.current_function(line),
            changed_lines=frozenset(n for n in range(line, end + 1) if n in self.changed)))

    def v_function(self, node) -> None:
        name_node = _function_name_node(node)
        name = self.orig[name_node.start_byte:name_node.end_byte].decode() if name_node else ""
        body = node.child_by_field_name("body")
        if name.startswith(SYN):
            self.children(node)
            return
        if name:
            is_static = any(
                c.type == "storage_class_specifier" and self.orig[c.start_byte:c.end_byte] == b"static"
                for c in node.children)
            end_visible = False
            if body is not None and body.child_count:
                last = body.children[-1]
                end_visible = (last.type == "}" and not last.is_missing
                               and last.start_byte < self.hi)
            self.facts.functions.append(FunctionFact(
                name=name, line=self.line(name_node), end_line=self.end_line(node),
                body_line=self.line(body) if body is not None else self.line(name_node),
                start_visible=node.start_byte >= self.lo, end_visible=end_visible,
                is_static=is_static))
        saved = (self.func, self.guards, self.exits, self.labels)
        self.func, self.guards, self.exits, self.labels = name, [], [], []
        try:
            self.guarded_walk(node, name, self.line(name_node or node),
                              keep_function=len(self.facts.functions))
        finally:
            self.func, self.guards, self.exits, self.labels = saved

    def guarded_walk(self, node, name: str, line: int, keep_function: int,
                     itself: bool = False) -> None:
        """Walk ``node``'s children (``itself``: the node); past MAX_TREE_DEPTH
        drop what was found below it (and its FunctionFact) and note it as
        skipped."""
        f = self.facts
        marks = (len(f.calls), len(f.comments), len(f.macros_defined))
        state = (self.depth, self.in_cond, self.in_error)
        try:
            if itself:
                self.visit(node)
            else:
                self.children(node)
        except _TooDeep:
            self.depth, self.in_cond, self.in_error = state
            del f.calls[marks[0]:], f.comments[marks[1]:], f.macros_defined[marks[2]:]
            del f.functions[keep_function - (1 if name else 0):]
            f.too_deep.append((name, line))

    def v_call(self, node) -> None:
        self.call(node)
        self.children(node)

    def call(self, node) -> None:
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            name = self.orig[fn.start_byte:fn.end_byte].decode("utf-8", "replace")
            if not name.startswith(SYN) and fn.start_byte >= self.lo:
                args_node = node.child_by_field_name("arguments")
                args = []
                if args_node is not None:
                    args = [self.text(a) for a in args_node.named_children if a.type != "comment"]
                line = self.line(node)
                self.facts.calls.append(CallFact(
                    name=name, args=args, text=self.text(node), line=line,
                    end_line=self.end_line(node), byte=node.start_byte - self.lo,
                    function=self.current_function(line), guards=list(self.guards),
                    early_exits=list(self.exits), labels=list(self.labels),
                    in_condition=self.in_cond > 0,
                    in_error=self.in_error > 0 or self._in_error_range(node.start_byte)))

    def _in_error_range(self, byte: int) -> bool:
        for a, b in self.ix.errors:
            if a <= byte < b:
                return True
        return False

    def v_block(self, node) -> None:
        kids = node.named_children
        for c in kids:
            if c.type == "case_statement":
                self.switch_body(node, "?")
                return
        mark = len(self.exits)
        for c in kids:
            self.visit(c)
            self.note_exit(c)
        del self.exits[mark:]

    def switch_body(self, body, switch_text: str) -> None:
        pending: list[str] = []
        pending_line = 0
        mark = len(self.exits)
        for c in body.named_children:
            if c.type != "case_statement":
                self.visit(c)
                continue
            value = c.child_by_field_name("value")
            label = self.text(value) if value is not None else "default"
            if not pending:
                pending_line = self.line(c)
            pending.append(label)
            stmts = c.named_children
            if value is not None:
                self.visit(value)
                stmts = [ch for ch in stmts if ch != value]
            if not any(s.type != "comment" for s in stmts):
                for s in stmts:
                    self.visit(s)
                continue
            self.guards.append(Guard("case", " | ".join(pending), pending_line, switch_text))
            pending = []
            for s in stmts:
                self.visit(s)
                self.note_exit(s)
            del self.exits[mark:]
            self.guards.pop()

    def v_switch(self, node) -> None:
        cond = node.child_by_field_name("condition")
        self.visit_cond(cond)
        stext = self.cond_text(cond)
        body = node.child_by_field_name("body")
        for c in node.named_children:
            if c.type == "compound_statement" and c == body:
                self.switch_body(c, stext)
            elif cond is None or c != cond:
                self.visit(c)

    def v_if(self, node) -> None:
        cond = node.child_by_field_name("condition")
        ctext = self.cond_text(cond)
        line = self.line(cond) if cond is not None else self.line(node)
        self.visit_cond(cond)
        cons = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if cons is not None:
            self.guards.append(Guard("if", ctext, line))
            self.visit(cons)
            self.guards.pop()
        if alt is not None:
            self.guards.append(Guard("else", ctext, line))
            self.children(alt)
            self.guards.pop()
        for c in node.named_children:     # comments between the parts
            if c.type == "comment":
                self.visit(c)

    def v_loop(self, node) -> None:
        t = node.type
        cond = node.child_by_field_name("condition")
        detail = ""
        if t == "while_statement" and is_masked_while(self.orig, node.start_byte) \
                and node.start_byte >= self.lo:
            ctext = macro_name_at(self.orig, node.start_byte)
            self.facts.identifiers.add(ctext)
            detail = _macro_args(self.orig, node.start_byte + len(ctext))
        else:
            ctext = self.cond_text(cond)
        body = node.child_by_field_name("body")
        for c in node.named_children:
            if body is not None and c == body:
                self.guards.append(Guard("loop", ctext, self.line(node), detail=detail))
                self.visit(c)
                self.guards.pop()
            elif cond is not None and c == cond:
                self.visit_cond(c)
            else:
                self.visit(c)

    def v_label(self, node) -> None:
        lab = node.child_by_field_name("label")
        if lab is not None:
            self.labels.append(self.text(lab))
            self.facts.identifiers.add(self.text(lab))
        for c in node.named_children:
            if c != lab:
                self.visit(c)

    def v_define(self, node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.facts.macros_defined.append((self.text(name), self.line(name)))
        self.children(node)

    # --- early exits ----------------------------------------------------
    def note_exit(self, stmt) -> None:
        t = stmt.type
        if t in _EXIT_KINDS:
            self.exits.append(EarlyExit("", _EXIT_KINDS[t], self.line(stmt), _goto_target(self, stmt)))
            return
        cur = stmt
        while cur is not None and cur.type == "if_statement":
            cond = cur.child_by_field_name("condition")
            ctext = self.cond_text(cond)
            ex = _exits(cur.child_by_field_name("consequence"))
            if ex is not None:
                self.exits.append(EarlyExit(ctext, _EXIT_KINDS[ex.type], self.line(cur),
                                            _goto_target(self, ex)))
            alt = cur.child_by_field_name("alternative")
            if alt is None:
                break
            inner = [c for c in alt.named_children if c.type != "comment"]
            if not inner:
                break
            if inner[0].type == "if_statement":
                cur = inner[0]
                continue
            ex = _exits(inner[0])
            if ex is not None:
                self.exits.append(EarlyExit(negate(ctext), _EXIT_KINDS[ex.type], self.line(alt),
                                            _goto_target(self, ex)))
            break


def _macro_args(orig: bytes, i: int) -> str:
    """Text inside the balanced argument list starting at or after ``i``."""
    j = orig.find(b"(", i, i + 200)
    if j < 0:
        return ""
    k = match_paren(orig, j)
    return collapse(orig[j + 1:k].decode("utf-8", "replace")) if k > 0 else ""


def _goto_target(w: _Walker, stmt) -> str:
    if stmt.type != "goto_statement":
        return ""
    lab = stmt.child_by_field_name("label")
    return w.text(lab) if lab is not None else ""


def _exits(stmt):
    """The exit statement ending ``stmt`` (a statement or block), or None."""
    while stmt is not None:
        t = stmt.type
        if t in _EXIT_KINDS:
            return stmt
        if t != "compound_statement":
            return None
        last = None
        for c in stmt.named_children:
            if c.type != "comment":
                last = c
        stmt = last
    return None


def _function_name_node(node):
    d = node.child_by_field_name("declarator")
    while d is not None:
        if d.type == "function_declarator":
            inner = d.child_by_field_name("declarator")
            while inner is not None and inner.type not in ("identifier", "field_identifier"):
                inner = inner.child_by_field_name("declarator") or (
                    inner.named_children[0] if inner.named_children else None)
            return inner
        if d.type == "identifier":
            return None
        d = d.child_by_field_name("declarator")
    return None


_HANDLERS = {
    "ERROR": _Walker.v_error,
    "comment": _Walker.v_comment,
    "function_definition": _Walker.v_function,
    "call_expression": _Walker.v_call,
    "compound_statement": _Walker.v_block,
    "switch_statement": _Walker.v_switch,
    "if_statement": _Walker.v_if,
    "while_statement": _Walker.v_loop,
    "for_statement": _Walker.v_loop,
    "do_statement": _Walker.v_loop,
    "labeled_statement": _Walker.v_label,
    "preproc_def": _Walker.v_define,
    "preproc_function_def": _Walker.v_define,
}


def build_facts(pf: ParsedFragment, first_line: int = 1, section: str = "",
                changed: frozenset[int] = frozenset()) -> Facts:
    """Facts of one parsed view; lines are file lines (``first_line`` = row 0)."""
    nlines = pf.orig[pf.prefix_len:pf.frag_end].rstrip(b"\n").count(b"\n") + 1
    last_line = first_line + nlines - 1
    sec_fact = None
    sec_end = None
    if section and pf.in_function:
        if pf.function_end >= 0:
            sec_end = first_line + pf.orig[pf.prefix_len:pf.prefix_len + pf.function_end].count(b"\n")
        else:
            sec_end = last_line
        sec_fact = FunctionFact(name=section, line=first_line - 1, end_line=sec_end,
                                body_line=first_line - 1, start_visible=False,
                                end_visible=pf.function_end >= 0, from_section=True)
    # many small objects, no cycles: keep the cyclic GC out of the walk
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        w = _Walker(pf, first_line, section, changed, sec_end)
        _walk(w, pf, first_line, changed)
    finally:
        if gc_was_enabled:
            gc.enable()
    f = w.facts
    _declarations(w, f)
    if sec_fact is not None:
        f.functions.insert(0, sec_fact)
    f.error_count = pf.error_count
    f.missing_count = pf.missing_count
    return f


def _declarations(w: _Walker, f: Facts) -> None:
    """Prototypes, enum constants and struct/union fields inside the view."""
    def add(out, node):
        if node.start_byte < w.lo or node.start_byte >= w.hi:
            return
        name = w.orig[node.start_byte:node.end_byte].decode("utf-8", "replace")
        if name and not name.startswith(SYN):
            out.append((name, w.line(node)))

    for n in sorted(w.ix.protos, key=_start):
        add(f.prototypes, n)
    for n in sorted(w.ix.enumerators, key=_start):
        add(f.enum_constants, n)
    for decl in sorted(w.ix.field_decls, key=_start):
        for d in decl.children_by_field_name("declarator"):
            while d is not None and d.type != "field_identifier":
                d = d.child_by_field_name("declarator") or next(
                    (c for c in d.named_children if c.type != "parameter_list"), None)
            if d is not None:
                add(f.fields_defined, d)


def _walk(w: _Walker, pf: ParsedFragment, first_line: int, changed: frozenset[int]) -> None:
    if pf.comment_tail_end > 0:
        tail = pf.orig[pf.prefix_len:pf.prefix_len + pf.comment_tail_end]
        end = first_line + tail.count(b"\n")
        w.facts.comments.append(CommentFact(
            text=tail.decode("utf-8", "replace"), line=first_line, end_line=end,
            function=w.current_function(first_line),
            changed_lines=frozenset(n for n in range(first_line, end + 1) if n in changed)))
    root = pf.tree.root_node
    # the root is a translation unit, or (incremental facts) one top-level
    # node such as a function definition: visited itself
    w.guarded_walk(root, "", first_line, keep_function=len(w.facts.functions), itself=True)
    w.facts.identifiers_from(pf.orig[pf.prefix_len:pf.frag_end])
