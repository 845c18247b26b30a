"""Which names exist in the base tree, asked once per series.

The series kinds ask ``series.base_defines(name)`` one name at a time.
Answering each with its own ``git grep`` over the tree costs a process
and a pass over the tree per name (half a second on QEMU).  A
:class:`NameLookup` answers the first question by collecting the names
the series can ask about (``series_names``) and querying the tree for all
of them in one pass; later questions are answered from that set.  A name
outside it (rare) costs one more query, cached too.
"""

from __future__ import annotations

from typing import Callable, Iterable

from .. import lazyre

_REFERENCED = lazyre.compile(r"\b([A-Za-z_]\w*)\s*\(\)")   # foo() in a comment


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
    """The names a series kind may look up in the base tree: a name a patch
    defines on a line it adds that an earlier patch's added lines use, a
    static function a patch adds, and a ``name()`` on a comment line a
    patch adds.  Kept tight on purpose: a common word (``len``, ``here``)
    matches on most lines of a tree and makes the one query slow."""
    from ..code.facts import identifiers_in

    defined: dict[str, int] = {}          # name -> first patch defining it on an added line
    used: dict[str, int] = {}             # name -> first patch using it on an added line
    names: set[str] = set()
    for hv in views:
        k = hv.patch_index
        post = hv.post
        if k is None or not post.changed:
            continue
        f = post.facts
        changed = post.changed
        for fn in f.functions:
            if fn.line in changed:
                defined[fn.name] = min(defined.get(fn.name, k), k)
                if fn.is_static:
                    names.add(fn.name)
        for attr in ("prototypes", "macros_defined", "enum_constants", "fields_defined"):
            for n, line in getattr(f, attr, ()):
                if line in changed:
                    defined[n] = min(defined.get(n, k), k)
        text = "\n".join(post.source_line(n) for n in sorted(changed))
        for n in identifiers_in(text.encode("utf-8", "surrogateescape")):
            used[n] = min(used.get(n, k), k)
        for c in f.comments:
            if c.changed_lines:
                for line, ctext in c.lines():
                    if line in c.changed_lines:
                        names.update(_REFERENCED.findall(ctext))
    names.update(n for n, d in defined.items() if used.get(n, d) < d)
    return names
