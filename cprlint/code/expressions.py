"""Expression facts: bit sets written as ``A | B | C`` chains.

Each maximal chain of ``|`` (a ``|`` whose parent is not itself a ``|``)
is one :class:`BitUnion` with its operands' texts in order, e.g.
``BIT(MIG_MODE_CPR_TRANSFER) | BIT(MIG_MODE_CPR_EXEC)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .facts import collapse
from .parsed import parsed


@dataclass
class BitUnion:
    operands: list[str]
    operand_lines: list[int]
    line: int
    text: str


def bit_unions(view) -> list[BitUnion]:
    cached = view.__dict__.get("_bit_unions")
    if cached is not None:
        return cached
    out: list[BitUnion] = []
    p = parsed(view)
    if p is not None:
        stack = [p.pf.tree.root_node]
        while stack:
            node = stack.pop()
            if _is_or(node) and p.visible(node) and not p.synthetic(node):
                ops: list = []
                _flatten(node, ops)
                out.append(BitUnion([collapse(p.text(o)) for o in ops],
                                    [p.line(o) for o in ops], p.line(node),
                                    collapse(p.text(node))))
                stack.extend(reversed([o for o in ops if o.named_child_count]))
                continue
            stack.extend(reversed(node.named_children))
    out.sort(key=lambda u: u.line)
    view.__dict__["_bit_unions"] = out
    return out


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
