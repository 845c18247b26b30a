"""Which names exist in the base tree, asked once per series.

The series kinds ask ``series.base_defines(name)`` one name at a time.
Answering each with its own ``git grep`` over the tree costs a process
and a pass over the tree per name (half a second on QEMU).  A
:class:`NameLookup` answers the first question by collecting every name
the series could ask about (the names its patches define and the
``name(`` words of the comments they add) and querying the tree for all
of them in one pass; later questions are answered from that set.  A name
outside it (rare) costs one more query, cached too.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


class NameLookup:
    """``lookup(name)`` -> True when ``name`` occurs in the tree's C sources
    (or when the tree cannot tell: unknown counts as present)."""

    def __init__(self, tree, candidates: Callable[[], Iterable[str]]):
        self.tree = tree
        self._candidates = candidates
        self._known: dict[str, bool] = {}
        self.queries = 0                 # tree passes made (for tests and notes)

    def __call__(self, name: str) -> bool:
        hit = self._known.get(name)
        if hit is not None:
            return hit
        names = {name}
        if self._candidates is not None:
            names |= set(self._candidates())
            self._candidates = None      # one batch; a later miss asks for itself
        self._ask(names - self._known.keys())
        return self._known[name]

    def prefetch(self, names) -> None:
        """Answer every one of ``names`` with one pass (a kind that knows
        what it will ask)."""
        todo = set(names) - self._known.keys()
        if todo:
            self._ask(todo)

    def _ask(self, names: set[str]) -> None:
        self.queries += 1
        found = self.tree.names_present(names)
        for n in names:
            self._known[n] = True if found is None else n in found


def series_names(views) -> set[str]:
    """Every name a series kind may look up in the base tree: what the
    patches define on the lines they add (functions, prototypes, macros,
    enum constants, fields), and the ``name(`` words on the comment lines
    they add."""
    names: set[str] = set()
    for hv in views:
        if hv.patch_index is None:
            continue
        post = hv.post
        changed = post.changed
        if not changed:
            continue
        f = post.facts
        names.update(fn.name for fn in f.functions if fn.line in changed)
        for attr in ("prototypes", "macros_defined", "enum_constants", "fields_defined"):
            names.update(n for n, line in getattr(f, attr, ()) if line in changed)
        for c in f.comments:
            if c.changed_lines:
                for line, text in c.lines():
                    if line in c.changed_lines:
                        names.update(_CALLED.findall(text))
    return names
