"""A per-view call graph: which visible function calls which.

Built from a view's FunctionFacts and CallFacts.  Only functions whose whole
body is in the view take part as callees (every function of a whole-file
view; in a hunk view, a definition whose header and closing brace are both
inside the hunk), so a summary never claims what an unseen body does.

With ``registrars`` (call names, rule data), a function passed by name to
such a call (a watch, a bottom half, a thread, a coroutine, a notifier:
code/callbacks.py) counts as called later by the function that registers
it, at the registering call.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Collection

from ...code.callbacks import callbacks


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
    def __init__(self, view, registrars: Collection[str] = ()):
        self.view = view
        self.functions = complete_functions(view)
        self.calls: dict[str, list] = defaultdict(list)      # caller -> its calls, in order
        self.callers: dict[str, list] = defaultdict(list)    # callee -> call sites elsewhere
        self.deferred: dict[int, list[str]] = {}             # id(call) -> callbacks it registers
        for c in view.facts.calls:
            if c.in_error or not c.function:
                continue
            self.calls[c.function].append(c)
            if c.name in self.functions and c.name != c.function:
                self.callers[c.name].append(c)
        if registrars:
            for cb in callbacks(view.facts.calls, registrars, self.functions):
                if not cb.call.function:
                    continue
                self.deferred.setdefault(id(cb.call), []).append(cb.name)
                self.callers[cb.name].append(cb.call)
        for lst in self.calls.values():
            lst.sort(key=lambda c: c.byte)
        self._memo: dict[tuple, dict] = {}

    def is_function(self, name: str) -> bool:
        return name in self.functions

    def targets(self, call) -> list[str]:
        """The visible functions ``call`` runs: its callee, and the
        callbacks it registers."""
        out = list(self.deferred.get(id(call), ()))
        if call.name in self.functions and call.name != call.function:
            out.insert(0, call.name)
        return out

    def callback_of(self, call) -> bool:
        """``call`` registers a visible function instead of calling it."""
        return id(call) in self.deferred

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
            for callee in self.targets(c):
                if callee == fn:
                    continue
                for s, chain in self._reach(callee, tag, key, visiting).items():
                    out.setdefault(s, [c] + chain)
        self._memo[memo_key] = out
        return out
