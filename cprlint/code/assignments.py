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
from .facts import collapse
from .parsed import function_nodes, parsed, per_content


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
    out: list[tuple[int, Assignment]] = []
    for name, fnode, _head in function_nodes(p, view.section):
        body = fnode.child_by_field_name("body")
        if body is None:
            continue
        stack = [body]
        while stack:
            node = stack.pop()
            if node.type == "function_definition":
                continue
            if node.type == "assignment_expression" and p.visible(node) \
                    and not p.synthetic(node):
                lhs = node.child_by_field_name("left")
                rhs = node.child_by_field_name("right")
                op = node.child_by_field_name("operator")
                if lhs is not None and rhs is not None:
                    out.append((node.start_byte, Assignment(
                        function=name, lhs=collapse(p.text(lhs)),
                        op=p.text(op) if op is not None else "=",
                        rhs=collapse(p.text(rhs)), text=collapse(p.text(node)),
                        line=p.line(node), end_line=p.end_line(node))))
            stack.extend(node.named_children)
    out.sort(key=lambda t: t[0])
    return [a for _, a in out]
