"""Paths within a function: its statements, and which can follow which.

Each function of a view becomes a :class:`Flow`, a list of :class:`Stmt`
in source order (nested statements have a ``parent``).  A statement's own
text is what it evaluates itself: the whole of an expression statement,
declaration or return; only the condition of an ``if``/``while``/
``switch``, the header of a ``for``.  ``Flow.forward(i, visit)`` calls
``visit`` on every statement that may run after statement ``i`` on some
path, in path order: later statements of the block, then of the enclosing
blocks; both branches of a later ``if``; a ``goto L`` continues at the
``L:`` label (cleanup labels), ``return`` ends the path, ``break`` and
``continue`` leave the loop.  Loops are followed forward only (no second
iteration).  ``visit`` returns True to cut the path at that statement (a
statement that makes the rest of the path irrelevant, e.g. a reassignment).

With ``assume`` (a list of conditions, e.g. "err" for "the error is set"),
``forward`` follows only the branches that agree with what holds on the
path: the conditions of the ``if``s around statement ``i`` (``holding``)
and ``assume``.  A later ``if (ret < 0) { return ret; }`` ends the path
that set the error under ``if (ret < 0)``, and ``if (ret >= 0)`` is not
entered there -- unless a statement between the two assigns a variable of
the condition.

A hunk shows part of a function: ``Flow.complete`` says whether its head
and end are in view, and ``forward`` sets ``Flow.lost`` when a path went
out of view (a goto to a label the hunk does not show).
"""

from __future__ import annotations

import re

from .. import lazyre
from ..records import Record
from .conditions import negate, split_top, strip_parens
from .facts import collapse
from .parsed import Parsed, function_nodes, parsed, per_content
from ..limits import MAX_TREE_DEPTH, note

_IDENT = lazyre.compile(r"[A-Za-z_]\w*")

_KINDS = {
    "expression_statement": "expr", "declaration": "decl", "return_statement": "return",
    "goto_statement": "goto", "break_statement": "break", "continue_statement": "continue",
    "if_statement": "if", "while_statement": "loop", "for_statement": "loop",
    "do_statement": "loop", "switch_statement": "switch", "case_statement": "case",
    "labeled_statement": "label", "compound_statement": "block",
}
_SEQUENTIAL = ("block", "case", "label", "with")
# calls that do not return: the path ends there, and the function is not left
NORETURN = frozenset(("exit", "_exit", "abort", "g_assert_not_reached", "hw_error",
                      "qemu_abort"))


class StmtCall(Record):
    """A call in a statement's own text."""

    name: str
    args: list[str]
    text: str

    def __init__(self, name, args, text) -> None:
        self.name = name
        self.args = args
        self.text = text


class Stmt(Record):
    """One statement of a function's flow."""

    kind: str                  # expr decl return goto break continue if loop switch case
                               # label block with (a WITH_* block macro: its body runs once)
    line: int
    end_line: int
    text: str                  # own text, whitespace collapsed ('' for blocks and labels)
    parent: int                # index of the enclosing statement, -1 at function level
    children: list[int]
    label: str                 # the label of a labeled statement
    target: str                # the label a goto jumps to
    calls: list[StmtCall]      # calls in the own text

    def __init__(self, kind, line, end_line, text, parent=-1, children=None, label="",
                 target="", calls=None) -> None:
        self.kind = kind
        self.line = line
        self.end_line = end_line
        self.text = text
        self.parent = parent
        self.children = [] if children is None else children
        self.label = label
        self.target = target
        self.calls = [] if calls is None else calls


class Flow(Record):
    """The statements of one function, as a tree of indices."""

    function: str
    line: int
    end_line: int
    stmts: list[Stmt]
    top: list[int]  # statements of the body
    labels: dict[str, int]
    complete: bool  # head and closing brace in view
    lost: bool      # set by forward(): a path left the view
    ended: bool     # set by forward(): a path returned or fell off the end
                               # (not one that ended in exit()/abort())
    _held: list | None

    def __init__(self, function, line, end_line, stmts=None, top=None, labels=None,
                 complete=True, lost=False, ended=False, _held=None) -> None:
        self.function = function
        self.line = line
        self.end_line = end_line
        self.stmts = [] if stmts is None else stmts
        self.top = [] if top is None else top
        self.labels = {} if labels is None else labels
        self.complete = complete
        self.lost = lost
        self.ended = ended
        self._held = _held

    # -- following statements ---------------------------------------------
    def forward(self, i: int, visit, assume: list[str] | None = None) -> None:
        self._held = None
        self.lost = self.ended = False
        if assume is not None:
            self._held = [_norm(c) for c in self.holding(i) + list(assume)]
        try:
            self._proceed(i, visit, set())
        finally:
            self._held = None

    def holding(self, i: int) -> list[str]:
        """Conjuncts known to hold when statement ``i`` runs: the enclosing
        ``if`` conditions (their negation in an else branch)."""
        out: list[str] = []
        c, p = i, self.stmts[i].parent
        while p >= 0:
            s = self.stmts[p]
            if s.kind == "if" and s.text:
                cond = strip_parens(s.text)
                if s.children and s.children[0] == c:
                    out.extend(split_top(cond, "&&"))
                else:
                    out.append(negate(cond))
            c, p = p, s.parent
        return out

    def _decided(self, j: int) -> str:
        """'then' / 'else' when the assumed conditions decide ``if`` j, else ''."""
        s = self.stmts[j]
        cond = strip_parens(s.text)
        if not cond:
            return ""
        held = self._held
        conj = split_top(cond, "&&")
        if held and all(_norm(c) in held or _implied(held, c) for c in conj):
            return "then"
        if _norm(negate(cond)) in held or any(_norm(negate(c)) in held
                                              for c in split_top(cond, "||")):
            return "else"
        if any(_contradicts(held, c) for c in conj):
            return "else"
        return ""

    def _note_assignments(self, j: int) -> None:
        """Conditions whose variables statement ``j`` assigns no longer hold
        after it (for the rest of the walk: conservative across branches)."""
        text = self.stmts[j].text
        if self.stmts[j].kind in ("if", "block", "label", "case", "switch") or "=" not in text \
                and "&" not in text and "++" not in text and "--" not in text:
            return
        keep = []
        for h in self._held:
            names = set(_IDENT.findall(h))
            # (a name's pattern, compiled per name, is tried only on a text
            # that holds the name, as every match of it does)
            if any(n in text and re.search(rf"(?<![\w.>]){re.escape(n)}\s*([-+*/|&]?=(?!=)|\+\+|--)"
                                           rf"|&\s*{re.escape(n)}\b", text) for n in names):
                continue
            keep.append(h)
        self._held = keep

    def following(self, i: int) -> list[int]:
        """Every statement that may run after ``i`` (no cuts), in path order."""
        out: list[int] = []
        seen: set[int] = set()

        def add(j):
            if j not in seen:
                seen.add(j)
                out.append(j)
            return False
        self.forward(i, add)
        return out

    def _siblings(self, j: int) -> list[int] | None:
        p = self.stmts[j].parent
        if p < 0:
            return self.top
        if self.stmts[p].kind in _SEQUENTIAL:
            return self.stmts[p].children
        return None

    def _proceed(self, j: int, visit, seen: set) -> None:
        while True:
            sibs = self._siblings(j)
            if sibs is not None:
                k = sibs.index(j)
                r = self._run_seq(sibs[k + 1:], visit, seen)
                if r == "cut":
                    return
                if r in ("break", "continue"):
                    a = self._loop_ancestor(j, r)
                    if a is None:
                        return
                    j = a
                    continue
            p = self.stmts[j].parent
            if p < 0:
                self.ended = True       # fell off the end of the function
                return
            j = p

    def _loop_ancestor(self, j: int, how: str) -> int | None:
        p = self.stmts[j].parent
        while p >= 0:
            k = self.stmts[p].kind
            if k == "loop" or (k == "switch" and how == "break"):
                return p
            p = self.stmts[p].parent
        return None

    def _run_seq(self, seq, visit, seen):
        for j in seq:
            r = self._run_stmt(j, visit, seen)
            if r != "next":
                return r
        return "next"

    def _run_stmt(self, j: int, visit, seen):
        s = self.stmts[j]
        if visit(j):
            return "cut"
        if self._held:
            self._note_assignments(j)
        k = s.kind
        if k == "return":
            self.ended = True
            return "cut"
        if any(c.name in NORETURN for c in s.calls):
            return "cut"
        if k == "goto":
            self._jump(s.target, visit, seen)
            return "cut"
        if k in ("break", "continue"):
            return k
        if not s.children:
            return "next"
        if k in _SEQUENTIAL:
            return self._run_seq(s.children, visit, seen)
        if k == "if":
            decided = self._decided(j) if self._held is not None else ""
            if decided == "then":
                return self._run_seq(s.children[:1], visit, seen)
            if decided == "else":
                return self._run_seq(s.children[1:2], visit, seen)
            results = [self._run_seq([c], visit, seen) for c in s.children]
            if len(results) < 2 or "next" in results:
                return "next"
            for how in ("break", "continue"):
                if how in results:
                    return how
            return "cut"
        if k == "switch":
            self._run_seq(s.children, visit, seen)
            return "next"
        # loop: the body may run (once, as far as we follow) or not at all
        self._run_seq(s.children, visit, seen)
        return "next"

    def _jump(self, label: str, visit, seen: set) -> None:
        j = self.labels.get(label)
        if j is None:
            self.lost = True
            return
        if j in seen:
            return
        seen.add(j)
        r = self._run_stmt(j, visit, seen)
        if r == "next":
            self._proceed(j, visit, seen)
        elif r in ("break", "continue"):
            a = self._loop_ancestor(j, r)
            if a is not None:
                self._proceed(a, visit, seen)

    # -- lookups -----------------------------------------------------------
    def at_line(self, line: int) -> list[int]:
        return [i for i, s in enumerate(self.stmts) if s.line == line]

    def enclosing(self, i: int, kinds: tuple[str, ...]) -> int | None:
        p = self.stmts[i].parent
        while p >= 0:
            if self.stmts[p].kind in kinds:
                return p
            p = self.stmts[p].parent
        return None


def flows(view, functions=None, mentioning=None) -> list[Flow]:
    """The Flows of the view's functions, in order, each built when first
    asked (once per view, and once per content for whole files).
    ``functions``: only the functions of these names; ``mentioning``: only
    those whose text holds one of these names (a kind that follows what
    happens after a call to X needs no flow of a function that never says
    X: on a whole file, most functions)."""
    index = per_content(view, "flows", _FlowIndex)
    wanted = [n.encode() for n in mentioning] if mentioning is not None else None
    out = []
    for i, (name, _node, _head) in enumerate(index.functions):
        if functions is not None and name not in functions:
            continue
        if wanted is not None and not index.mentions(i, wanted):
            continue
        fl = index.flow(i)
        if fl is not None:
            out.append(fl)
    return out


class _FlowIndex:
    """The functions of a view (from its parse) and the Flows built so far."""

    def __init__(self, view) -> None:
        self.p = parsed(view)
        self.path = view.path
        self.functions = function_nodes(self.p, view.section) if self.p is not None else []
        self._built: dict[int, Flow | None] = {}

    def mentions(self, i: int, names: list[bytes]) -> bool:
        node = self.functions[i][1]
        text = self.p.pf.orig[node.start_byte:node.end_byte]
        return any(n in text for n in names)

    def covers(self, i: int, line: int) -> bool:
        node = self.functions[i][1]
        return self.p.line(node) <= line <= self.p.end_line(node)

    def flow(self, i: int) -> Flow | None:
        if i not in self._built:
            self._built[i] = self._build(*self.functions[i])
        return self._built[i]

    def _build(self, name: str, node, head_visible: bool) -> Flow | None:
        p = self.p
        body = node.child_by_field_name("body")
        if body is None:
            return None
        end_visible = bool(body.child_count and body.children[-1].type == "}"
                           and not body.children[-1].is_missing
                           and body.children[-1].start_byte < p.hi)
        fl = Flow(function=name, line=p.line(node), end_line=p.end_line(node),
                  complete=head_visible and end_visible)
        try:
            _Builder(p, fl).block(body, -1)
        except _TooDeep:
            note(f"{self.path}: {name or 'a function'}() at line {fl.line} is nested more "
                 f"than {MAX_TREE_DEPTH} statements deep: too deeply nested, its paths "
                 "were not followed")
            return None
        return fl


class _TooDeep(Exception):
    """Statements nested past MAX_TREE_DEPTH: the function's flow is skipped."""


def flow_at(view, line: int) -> Flow | None:
    """The flow of the innermost function around ``line``."""
    index = per_content(view, "flows", _FlowIndex)
    best = None
    for i in range(len(index.functions)):
        if not index.covers(i, line):
            continue
        fl = index.flow(i)
        if fl is not None and fl.line <= line <= fl.end_line and (
                best is None or fl.line >= best.line):
            best = fl
    return best


class _Builder:
    def __init__(self, p: Parsed, fl: Flow):
        self.p = p
        self.fl = fl
        self.depth = 0

    def block(self, node, parent: int) -> None:
        """The statements directly inside ``node`` (a compound statement or
        a case), children of ``parent``."""
        for c in node.named_children:
            self.stmt(c, parent)

    def _add(self, node, kind: str, parent: int, own: list) -> int:
        p = self.p
        text = collapse(" ".join(p.text(n) for n in own)) if own else ""
        s = Stmt(kind=kind, line=p.line(node), end_line=p.end_line(node), text=text,
                 parent=parent)
        for n in own:
            s.calls.extend(self._calls(n))
        idx = len(self.fl.stmts)
        self.fl.stmts.append(s)
        if parent < 0:
            self.fl.top.append(idx)
        else:
            self.fl.stmts[parent].children.append(idx)
        return idx

    def stmt(self, node, parent: int) -> None:
        self.depth += 1
        if self.depth > MAX_TREE_DEPTH:
            raise _TooDeep
        try:
            self._stmt(node, parent)
        finally:
            self.depth -= 1

    def _stmt(self, node, parent: int) -> None:
        t = node.type
        if t == "comment" or not self.p.visible(node):
            return
        if t == "attributed_statement":
            inner = next((c for c in node.named_children if c.type != "attribute_declaration"), None)
            if inner is not None:
                self.stmt(inner, parent)
            return
        kind = _KINDS.get(t)
        if kind is None:
            if t == "ERROR":
                for c in node.named_children:
                    self.stmt(c, parent)
                return
            kind = "expr"
        if kind in ("expr", "decl", "return", "break", "continue"):
            self._add(node, kind, parent, [node])
            return
        if kind == "goto":
            i = self._add(node, kind, parent, [node])
            lab = node.child_by_field_name("label")
            self.fl.stmts[i].target = self.p.text(lab) if lab is not None else ""
            return
        if kind == "block":
            i = self._add(node, kind, parent, [])
            self.block(node, i)
            return
        if kind == "label":
            i = self._add(node, kind, parent, [])
            lab = node.child_by_field_name("label")
            name = self.p.text(lab) if lab is not None else ""
            self.fl.stmts[i].label = name
            if name:
                self.fl.labels.setdefault(name, i)
            for c in node.named_children:
                if c != lab:
                    self.stmt(c, i)
            return
        if kind == "if":
            cond = node.child_by_field_name("condition")
            i = self._add(node, kind, parent, [cond] if cond is not None else [])
            cons = node.child_by_field_name("consequence")
            if cons is not None:
                self.stmt(cons, i)
            alt = node.child_by_field_name("alternative")
            if alt is not None:
                for c in alt.named_children:    # else_clause -> its statement
                    self.stmt(c, i)
            return
        if kind == "loop" and t == "while_statement" \
                and self.p.pf.orig.startswith(b"WITH_", node.start_byte):
            kind = "with"     # WITH_QEMU_LOCK_GUARD(...) { }: the body runs once
        if kind in ("loop", "with"):
            body = node.child_by_field_name("body")
            own = [c for c in node.named_children if c != body and c.type != "comment"]
            i = self._add(node, kind, parent, own)
            if body is not None:
                self.stmt(body, i)
            return
        if kind == "switch":
            cond = node.child_by_field_name("condition")
            i = self._add(node, kind, parent, [cond] if cond is not None else [])
            body = node.child_by_field_name("body")
            if body is not None:
                self.block(body, i)
            return
        if kind == "case":
            value = node.child_by_field_name("value")
            i = self._add(node, kind, parent, [])
            for c in node.named_children:
                if c != value:
                    self.stmt(c, i)
            return

    def _calls(self, node) -> list[StmtCall]:
        out = []
        stack = [node]
        masked = self.p.pf.masked
        while stack:
            n = stack.pop()
            if n.type == "call_expression":
                fn = n.child_by_field_name("function")
                if fn is not None and fn.type == "identifier" and not self.p.synthetic(fn):
                    args_node = n.child_by_field_name("arguments")
                    args = [collapse(self.p.text(a)) for a in args_node.named_children
                            if a.type != "comment"] if args_node is not None else []
                    out.append(StmtCall(self.p.text(fn), args, collapse(self.p.text(n))))
            if n.type in _KINDS and n is not node and n.type != "declaration":
                continue      # a statement expression's statements are their own
            # a call has a "(" (one the parser made up is a syntax error)
            stack.extend(c for c in reversed(n.named_children)
                         if c.has_error or masked.find(b"(", c.start_byte, c.end_byte) >= 0)
        return out


def _norm(cond: str) -> str:
    return re.sub(r"\s+", "", strip_parens(cond))


_REL = lazyre.compile(r"^(!?)([A-Za-z_]\w*)(?:(<=|>=|==|!=|<|>)(-?\d+))?$")
_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _relation(cond: str):
    """``ret < 0``, ``!ret``, ``ret`` as (name, op, constant); None otherwise."""
    m = _REL.match(_norm(cond))
    if not m:
        return None
    neg, name, op, k = m.groups()
    if op is None:
        return (name, "==" if neg else "!=", 0)
    if neg:
        return None
    return (name, op, int(k))


def _agree(held: list[str], cond: str):
    """(samples where the held relations on cond's variable hold, cond's
    relation) or None when nothing is known about that variable."""
    rel = _relation(cond)
    if rel is None:
        return None
    rels = [r for r in (_relation(h) for h in held) if r is not None and r[0] == rel[0]]
    if not rels:
        return None
    ks = {k for _, _, k in rels} | {rel[2]}
    samples = sorted({v for k in ks for v in (k - 1, k, k + 1)} | {-10**6, 10**6})
    ok = [v for v in samples if all(_OPS[op](v, k) for _, op, k in rels)]
    return ok, rel


def _implied(held: list[str], cond: str) -> bool:
    """Integer reasoning: the held relations (``ret < 0``) make ``cond``
    (``ret != 0``, ``ret``) true."""
    got = _agree(held, cond)
    return bool(got and got[0] and all(_OPS[got[1][1]](v, got[1][2]) for v in got[0]))


def _contradicts(held: list[str], cond: str) -> bool:
    """... or false (``ret == 0``, ``!ret``, ``ret > 0`` under ``ret < 0``)."""
    got = _agree(held, cond)
    return bool(got and not any(_OPS[got[1][1]](v, got[1][2]) for v in got[0]))
