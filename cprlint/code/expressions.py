"""Expression facts: bit sets written as ``A | B | C`` chains.

Each maximal chain of ``|`` (a ``|`` whose parent is not itself a ``|``)
is one :class:`BitUnion` with its operands' texts in order, e.g.
``BIT(MIG_MODE_CPR_TRANSFER) | BIT(MIG_MODE_CPR_EXEC)``.
"""

from __future__ import annotations

from ..records import Record
from .facts import collapse
from .nodes import by_operator
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
    """Every ``a | b`` node of a parse, in the order of their operators
    (code.nodes: from the ``|`` bytes of the parsed text; a ``|`` in a
    comment, a string, ``||`` or ``|=`` is no such operator)."""
    return by_operator(pf, pf.tree.root_node, b"|", _OR, "binary_expression")


_OR = frozenset(("|",))


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
