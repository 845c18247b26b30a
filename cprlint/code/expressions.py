"""Expression facts: bit sets written as ``A | B | C`` chains.

Each maximal chain of ``|`` (a ``|`` whose parent is not itself a ``|``)
is one :class:`BitUnion` with its operands' texts in order, e.g.
``BIT(MIG_MODE_CPR_TRANSFER) | BIT(MIG_MODE_CPR_EXEC)``.
"""

from __future__ import annotations

from ..records import Record
from .facts import collapse
from .parsed import parsed, per_content



class BitUnion(Record):
    """A ``|`` chain of operands."""

    operands: list[str]
    operand_lines: list[int]
    line: int
    text: str

    def __init__(self, operands, operand_lines, line, text) -> None:
        self.operands = operands
        self.operand_lines = operand_lines
        self.line = line
        self.text = text


def _ors(pf):
    """Every ``a | b`` node of a parse, in source order: the parent of each
    ``|`` token, found from the ``|`` bytes of the parsed text (a lookup per
    byte, not a visit of every node: ~0.3 ms for migration.c, against ~5 ms
    for a walk).  The same nodes as the query ``(binary_expression
    operator: "|")``; a ``|`` in a comment, a string, ``||`` or ``|=`` is
    no such token.  (A zero-width MISSING ``|`` that error recovery made up
    has no byte and would not be found: in ~12,000 damaged expressions
    tree-sitter only ever made up ``)`` and ``;``.)"""
    data, root = pf.masked, pf.tree.root_node
    out = []
    i = data.find(b"|")
    while i >= 0:
        tok = root.descendant_for_byte_range(i, i + 1)
        if tok is not None and tok.type == "|" and tok.start_byte == i:
            up = tok.parent
            if up is not None and up.type == "binary_expression":
                op = up.child_by_field_name("operator")
                if op is not None and op.start_byte == i:
                    out.append(up)
        i = data.find(b"|", i + 1)
    return out          # (in the order of their operators: callers sort)


def bit_unions(view) -> list[BitUnion]:
    return per_content(view, "bit_unions", _bit_unions)


def _bit_unions(view) -> list[BitUnion]:
    out: list[BitUnion] = []
    p = parsed(view)
    if p is not None and "|" in view.text:
        for node in sorted(_ors(p.pf), key=lambda n: (n.start_byte, -n.end_byte)):
            if _top_or(node) is not node or not p.visible(node) or p.synthetic(node):
                continue
            ops: list = []
            _flatten(node, ops)
            out.append(BitUnion([collapse(p.text(o)) for o in ops],
                                [p.line(o) for o in ops], p.line(node),
                                collapse(p.text(node))))
    out.sort(key=lambda u: u.line)
    return out


def _top_or(node):
    """The outermost ``|`` of the chain ``node`` belongs to (through parentheses)."""
    top = node
    parent = node.parent
    while parent is not None:
        if parent.type == "parenthesized_expression":
            parent = parent.parent
            continue
        if _is_or(parent):
            top = parent
            parent = parent.parent
            continue
        break
    return top


def _is_or(node) -> bool:
    if node.type != "binary_expression":
        return False
    op = node.child_by_field_name("operator")
    return op is not None and op.type == "|"


def _flatten(node, ops: list) -> None:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    if _is_or(node):
        _flatten(node.child_by_field_name("left"), ops)
        _flatten(node.child_by_field_name("right"), ops)
    else:
        ops.append(node)
