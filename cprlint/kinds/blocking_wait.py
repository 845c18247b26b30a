"""Kind ``blocking_wait``: a sleeping call inside a loop, in a function that
runs in a context that must not block (the main loop: QMP and HMP handlers,
bottom halves, named main-loop entry points).

The context is the function's own name (``contexts``: regexes, each with a
description), or a visible caller chain from such a function (the view's
call graph: a whole file with --source, or whole functions in a hunk).  A
loop that sleeps in a function whose context cannot be seen is not judged;
``hunk_note`` says so in the summary.
"""

from __future__ import annotations

import re

from ..findings import Candidate
from . import Kind, KindError, py_regex
from .support.callgraph import CallGraph
from .support.calls import patterns


class BlockingWait(Kind):
    name = "blocking_wait"
    scope = "image"
    params_spec = {
        "waits": (list, True),       # call patterns that sleep
        "polls": (list, False),      # calls that make the loop a poll (stat, access)
        "contexts": (list, True),    # [{function = "regex", what = "a QMP command handler"}]
        "hunk_note": (str, False),
        "note_paths": (list, False), # regexes: files where hunk_note is said
    }

    def __init__(self, params):
        super().__init__(params)
        self.waits = patterns(params["waits"])
        self.polls = patterns(params.get("polls", []))
        self.note_paths = [py_regex(r) for r in params.get("note_paths", [])]
        self.contexts = []
        for spec in params["contexts"]:
            if not isinstance(spec, dict) or set(spec) != {"function", "what"}:
                raise KindError("blocking_wait: each context needs function and what")
            try:
                self.contexts.append((py_regex(spec["function"]), spec["what"]))
            except re.error as exc:
                raise KindError(f"blocking_wait: context {spec['function']!r}: {exc}") from None

    def _context(self, name: str) -> str:
        for rx, what in self.contexts:
            if rx.search(name):
                return what
        return ""

    def _reached_from(self, graph: CallGraph, fn: str) -> tuple[str, list[str]]:
        """(context, chain of callers) for the nearest visible caller chain
        from a function with a context to ``fn``."""
        seen, frontier = {fn}, [(fn, [])]
        while frontier:
            nxt = []
            for name, chain in frontier:
                for site in graph.callers.get(name, ()):
                    caller = site.function
                    if caller in seen:
                        continue
                    seen.add(caller)
                    what = self._context(caller)
                    if what:
                        return what, [caller] + chain
                    nxt.append((caller, [caller] + chain))
            frontier = nxt
        return "", []

    def _looping_waits(self, view):
        """(call, its function) for each wait inside a loop; a hunk that
        starts inside a function names it in its header."""
        for c in view.facts.calls:
            fn = c.function or view.section
            if c.in_error or not fn or not any(p.matches(c) for p in self.waits):
                continue
            if any(g.kind == "loop" for g in c.guards):
                yield c, fn

    def scan(self, view):
        waits = list(self._looping_waits(view))
        if not waits:
            return
        graph = CallGraph(view)
        for call, fn in waits:
            what, chain = self._context(fn), []
            if not what:
                what, chain = self._reached_from(graph, fn)
            if not what:
                continue
            loop = next(g for g in reversed(call.guards) if g.kind == "loop")
            polls = [c for c in view.facts.calls if (c.function or view.section) == fn
                     and any(p.matches(c) for p in self.polls)
                     and (c.line == loop.line or any(g.kind == "loop" and g.line == loop.line
                                                     for g in c.guards))]
            via = ""
            if chain:
                via = " (" + " -> ".join(f"{n}()" for n in chain + [fn]) + ")"
            yield Candidate(
                path=view.path, line=call.line, function=fn,
                key=(fn, call.name, call.text),
                fields={"call": call.text, "context": what, "via": via,
                        "loop_line": str(loop.line),
                        "poll": f", polling {polls[0].text}" if polls else ""},
                guards=frozenset(f"{g.kind}:{g.text}" for g in call.guards),
                end_line=call.end_line, view=view)

    def trigger_words(self):
        # candidates and notes are calls to a wait (by name) inside a loop;
        # a name that holds another one is found by that one's search
        names = {n for p in self.waits for n in p.names}
        return tuple(sorted(n for n in names if not any(m != n and m in n for m in names))) \
            or None

    def hunk_notes(self, view):
        template = self.params.get("hunk_note")
        if not template or (self.note_paths and
                            not any(r.search(view.path) for r in self.note_paths)):
            return
        graph = None
        for call, fn in self._looping_waits(view):
            if call.line not in view.changed or self._context(fn):
                continue
            graph = graph or CallGraph(view)
            if self._reached_from(graph, fn)[0]:
                continue
            yield template.format_map({"path": view.path, "line": call.line,
                                       "function": fn, "call": call.text})
