"""A per-view call graph: which visible function calls which.

Built from a view's FunctionFacts and CallFacts.  Only functions whose whole
body is in the view take part as callees (every function of a whole-file
view; in a hunk view, a definition whose header and closing brace are both
inside the hunk), so a summary never claims what an unseen body does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable


def complete_functions(view) -> dict[str, object]:
    """name -> FunctionFact for every function whose whole body is visible."""
    out = {}
    for f in view.facts.functions:
        if f.from_section:
            continue
        if getattr(view, "whole_file", False) or (f.start_visible and f.end_visible):
            out.setdefault(f.name, f)
    return out


class CallGraph:
    def __init__(self, view):
        self.view = view
        self.functions = complete_functions(view)
        self.calls: dict[str, list] = defaultdict(list)      # caller -> its calls, in order
        self.callers: dict[str, list] = defaultdict(list)    # callee -> call sites elsewhere
        for c in view.facts.calls:
            if c.in_error or not c.function:
                continue
            self.calls[c.function].append(c)
            if c.name in self.functions and c.name != c.function:
                self.callers[c.name].append(c)
        for lst in self.calls.values():
            lst.sort(key=lambda c: c.byte)
        self._memo: dict[tuple, dict] = {}

    def is_function(self, name: str) -> bool:
        return name in self.functions

    def reach(self, fn: str, tag: Callable, key: str = "") -> dict[int, list]:
        """Steps that ``fn`` reaches, directly or through visible callees.

        ``tag(call)`` returns a step index or None.  The result maps each
        step to its witness chain: the calls from ``fn`` down to the call
        that performs the step (the last element).
        """
        return self._reach(fn, tag, key, frozenset())

    def _reach(self, fn, tag, key, visiting) -> dict[int, list]:
        memo_key = (fn, key)
        if memo_key in self._memo:
            return self._memo[memo_key]
        if fn in visiting:
            return {}
        visiting = visiting | {fn}
        out: dict[int, list] = {}
        for c in self.calls.get(fn, ()):
            step = tag(c)
            if step is not None:
                out.setdefault(step, [c])
                continue
            if c.name in self.functions and c.name != fn:
                for s, chain in self._reach(c.name, tag, key, visiting).items():
                    out.setdefault(s, [c] + chain)
        self._memo[memo_key] = out
        return out
