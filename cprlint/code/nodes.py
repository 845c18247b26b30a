"""Every node of one kind under a root: walked in Python until a process
has walked enough code, then found by a tree-sitter query.

Compiling a query against the C grammar costs 1.5-4 ms however small the
pattern (the grammar's states are analysed): a few of them were a tenth
of a one-patch check, whose hunks a cursor walk reads in microseconds.  A
query runs only ~1.4 times as fast as the walk (~20 against ~30 us per kB
of C), so it pays for its compile only after ~200 kB; a finder walks until
then and compiles its query once past it, whatever the input.  Both give
the same nodes; callers order them (a query's captures are not in source
order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Callable

# bytes a finder walks before it compiles its query
WALK_BUDGET = 200_000


class NodeFinder:
    """``find(root, depth)``: the nodes under ``root`` (``root`` included,
    down to ``depth`` levels below it; None: every level) that the query
    ``source`` captures, which ``match(node)`` tells for the walk."""

    def __init__(self, source: str, match: Callable[[object], bool]) -> None:
        self.source = source
        self.match = match
        self.walked = 0
        self._query = None

    def find(self, root, depth: int | None = None, use_query: bool | None = None) -> list:
        size = root.end_byte - root.start_byte
        if use_query is None:
            use_query = self._query is not None or self.walked + size > WALK_BUDGET
        if not use_query:
            self.walked += size
            return _walk(root, self.match, depth)
        from tree_sitter import Query, QueryCursor

        from .fragments import language

        if self._query is None:
            self._query = Query(language(), self.source)
        cursor = QueryCursor(self._query)
        if depth is not None:
            cursor.set_max_start_depth(depth)
        return [n for nodes in cursor.captures(root).values() for n in nodes]


def _walk(root, match, depth: int | None) -> list:
    out = []
    cursor = root.walk()
    level = 0                          # as the query's max start depth: the root is 0
    while True:
        node = cursor.node
        if match(node):
            out.append(node)
        if (depth is None or level < depth) and cursor.goto_first_child():
            level += 1
            continue
        while True:
            if level == 0:             # (a cursor made at root does not leave it)
                return out
            if cursor.goto_next_sibling():
                break
            cursor.goto_parent()
            level -= 1
