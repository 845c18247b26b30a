"""Expression nodes found from their operator's bytes.

An assignment (``a = b``, ``a |= b``) or a ``|`` chain has an operator
token whose last byte is a ``=`` or a ``|`` of the parsed text.  The
token at each such byte, through ``descendant_for_byte_range`` (in C), and
its parent give every such node with one lookup per byte, where a walk
visited every node of the tree in Python (4.6 ms against 0.9 ms for the
assignments of ``migration.c``) and a tree-sitter query costs 1.5-4 ms to
compile however small its pattern.  The nodes are those of the queries
``(assignment_expression) @a`` and ``(binary_expression operator: "|")
@or`` (tests compare them).  A zero-width MISSING operator that error
recovery made up has no byte and is not found: in ~12,000 damaged
expressions tree-sitter only ever made up ``)`` and ``;``.
"""

from __future__ import annotations

ASSIGNMENT_OPERATORS = frozenset(("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
                                  ">>="))


def by_operator(pf, root, last_byte: bytes, operators: frozenset, parent_type: str,
                depth: int | None = None) -> list:
    """The ``parent_type`` nodes under ``root`` (``root`` itself included,
    down to ``depth`` levels below it; None: every level) whose
    ``operator`` field is a token of ``operators`` ending with the byte
    ``last_byte``, in the order of their operators.  ``pf``: the
    ParsedFragment ``root`` belongs to (its ``masked`` bytes are the text
    the tree was parsed from)."""
    data = pf.masked
    lo, hi = root.start_byte, root.end_byte
    out = []
    i = data.find(last_byte, lo, hi)
    while i >= 0:
        tok = root.descendant_for_byte_range(i, i + 1)
        if tok is not None and tok.end_byte == i + 1 and tok.type in operators:
            up = tok.parent
            if up is not None and up.type == parent_type:
                op = up.child_by_field_name("operator")
                if op is not None and op.start_byte == tok.start_byte \
                        and (depth is None or _within(up, root, depth)):
                    out.append(up)
        i = data.find(last_byte, i + 1, hi)
    return out


def _within(node, root, depth: int) -> bool:
    """``node`` is at most ``depth`` levels below ``root`` (a descendant)."""
    levels = 0
    while node is not None and node.id != root.id:
        node = node.parent
        levels += 1
        if levels > depth:
            return False
    return True
