"""Assignment facts: every ``lhs = rhs`` (and compound ``lhs op= rhs``)
statement inside a function of a view, with its function and lines.

A rule that cares about *stores* rather than calls (``s->state =
MIGRATION_STATUS_FAILED`` bypassing ``migrate_set_state()``) reads these.
Declarations with an initializer are not assignments here (see
``declarations.Variable.init``).  The walk is iterative: its depth does not
follow the input's nesting.
"""

from __future__ import annotations

from ..records import FrozenRecord
from ..limits import MAX_TREE_DEPTH
from .facts import collapse
from .nodes import ASSIGNMENT_OPERATORS, by_operator
from .parsed import function_digest, function_nodes, parsed, per_content


class Assignment(FrozenRecord):
    __slots__ = ("function", "lhs", "op", "rhs", "text", "line", "end_line")

    function: str       # enclosing function ('' when unknown)
    lhs: str            # collapsed text, e.g. "s->state"
    op: str             # "=", "+=", "|=", ...
    rhs: str            # collapsed text, e.g. "MIGRATION_STATUS_FAILED"
    text: str           # the whole assignment, collapsed
    line: int
    end_line: int

    def __init__(self, function, lhs, op, rhs, text, line, end_line) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "function", function)
        _set(self, "lhs", lhs)
        _set(self, "op", op)
        _set(self, "rhs", rhs)
        _set(self, "text", text)
        _set(self, "line", line)
        _set(self, "end_line", end_line)


def assignments(view) -> list[Assignment]:
    """The view's assignments in source order (once per view; once per
    content for whole files)."""
    return per_content(view, "assignments", _assignments)


def _assignments(view) -> list[Assignment]:
    p = parsed(view)
    if p is None:
        return []
    functions = function_nodes(p, view.section)
    pf = p.pf
    if view.whole_file and not pf.wrapped and pf.prefix_len == 0 \
            and pf.frag_end == len(pf.orig):
        # whole files, function by function: a file's next version repeats
        # most of its functions, whose assignments are only moved
        # (a file checked as it is has one version: nothing to remember)
        memo = view.patch_index is not None
        out: list[Assignment] = []
        for name, node, _head in functions:
            out.extend(_remembered(p, name, node, memo))
        return out
    return _in_functions(p, functions, p.pf.tree.root_node, MAX_TREE_DEPTH)


def _in_functions(p, functions, root, depth: int) -> list[Assignment]:
    """The assignments under ``root`` (``depth`` levels down) inside the
    bodies of ``functions`` ((name, node, head visible)), in source order."""
    # the function each assignment is in: the nearest function_definition
    # around it, when that is one of the view's functions (by its start)
    by_start = {node.start_byte: (name, node) for name, node, _head in functions}
    out: list[tuple[int, int, Assignment]] = []
    for node in _assignment_nodes(p, root, depth):
        if not p.visible(node) or p.synthetic(node):
            continue
        up = node.parent
        while up is not None and up.type != "function_definition":
            up = up.parent
        if up is None or up.start_byte not in by_start:
            continue
        name, fnode = by_start[up.start_byte]
        body = fnode.child_by_field_name("body")
        if body is None or not (body.start_byte <= node.start_byte < body.end_byte):
            continue
        lhs = node.child_by_field_name("left")
        rhs = node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        if lhs is not None and rhs is not None:
            out.append((node.start_byte, -node.end_byte, Assignment(
                function=name, lhs=collapse(p.text(lhs)),
                op=p.text(op) if op is not None else "=",
                rhs=collapse(p.text(rhs)), text=collapse(p.text(node)),
                line=p.line(node), end_line=p.end_line(node))))
    out.sort(key=lambda t: t[:2])      # in source order; an outer one first
    return [a for _, _, a in out]


# whole-file views: a function definition's assignments, by a digest of its
# bytes (from the start of its first line to its end, original and masked),
# its name and its depth in the tree; kept with the line they were found at
_MEMO: dict[bytes, tuple[int, list[Assignment]]] = {}
_MEMO_LIMIT = 20000


def _remembered(p, name: str, node, memo: bool = True) -> list[Assignment]:
    depth, up = 0, node.parent
    while up is not None:
        depth += 1
        up = up.parent
    if depth > MAX_TREE_DEPTH:
        return []
    line = p.line(node)
    if node.has_error or not memo:      # (how an error parses may depend on the rest)
        return _in_functions(p, [(name, node, True)], node, MAX_TREE_DEPTH - depth)
    key = function_digest(p.pf, node, name, depth)
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        hit = _MEMO[key] = (line, _in_functions(p, [(name, node, True)], node,
                                                MAX_TREE_DEPTH - depth))
    first, found = hit
    dl = line - first
    if not dl:
        return found
    return [Assignment(a.function, a.lhs, a.op, a.rhs, a.text, a.line + dl, a.end_line + dl)
            for a in found]


def _assignment_nodes(p, root, depth: int = MAX_TREE_DEPTH) -> list:
    """Every assignment_expression under ``root``, down to ``depth`` levels
    below it (code.nodes: from the ``=`` bytes of the parsed text)."""
    return by_operator(p.pf, root, b"=", ASSIGNMENT_OPERATORS, "assignment_expression", depth)
