"""Kind ``guarded_call``: a call that, on a failure path, must sit behind a
successful gate call (an enclosing condition on the gate's result, or an
earlier early exit taken when the gate fails).

For example, rules/MIG001.toml uses it for "resume the source only after
migration_block_activate() succeeded".  Everything rule-specific is a
parameter.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..findings import Candidate
from . import Kind, KindError, param_regexes, py_regex
from .support.callgraph import CallGraph
from .support.calls import patterns
from ..code.conditions import holds_on_path, negate, split_top, strip_parens

_CALLED = lazyre.compile(r"(?<!\w)(\w+)\s*\(")
_CALL_FIRST = lazyre.compile(r"^(\w+)\s*\(")


class GuardedCall(Kind):
    name = "guarded_call"
    scope = "image"
    params_spec = {
        "targets": (list, True),            # call patterns that need the gate
        "gate_calls": (list, True),         # e.g. ["migration_block_activate"]
        "failure_conditions": (list, True), # regexes over conjuncts holding on the path
        "failure_cases": (list, False),     # regexes over case labels
        "failure_labels": (list, False),    # regexes over goto labels above the call
        "failure_markers": (list, False),   # call patterns seen earlier on the same path
        "hunk_local_severity": (str, False),
        "not_a_resume_when": (list, False), # regexes over conjuncts holding on the path:
                                            # there the target does not restart the guest
        "known_not_gates": (list, False),   # regexes: functions called in conditions that
                                            # never re-activate (predicates); any other call
                                            # whose body is not in view might be a gate
        # Scope: the gate matters only on paths that can run once what it undoes
        # happened (MIG001: after switchover).  A failure path is judged when its
        # function matches scope_functions, or a scope condition / marker holds on
        # it, or (whole file) a scope function calls its function; never when an
        # exempt condition holds or its function matches exempt_functions.
        # Without scope_functions every failure path is judged.
        "scope_functions": (list, False),   # regexes over function names
        "exempt_functions": (list, False),  # regexes over function names
        "scope_conditions": (list, False),  # regexes over conjuncts holding on the path
        "exempt_conditions": (list, False), # regexes over conjuncts holding on the path
        "scope_markers": (list, False),     # call patterns earlier on the same path
        "scope_text": (str, False),         # what "in scope" means, for the message
    }

    def __init__(self, params):
        super().__init__(params)
        self.targets = patterns(params["targets"])
        self.target_names = frozenset(n for p in self.targets for n in p.names)
        self.gates = [py_regex(rf"^{re.escape(g)}\s*\(") for g in params["gate_calls"]]
        self.gate_names = list(params["gate_calls"])
        k = "guarded_call"
        self.fail_conds = param_regexes(k, "failure_conditions", params["failure_conditions"])
        self.fail_cases = param_regexes(k, "failure_cases", params.get("failure_cases", []))
        self.fail_labels = param_regexes(k, "failure_labels", params.get("failure_labels", []))
        self.markers = patterns(params.get("failure_markers", []))
        self.local_severity = params.get("hunk_local_severity")
        self.not_resume = param_regexes(k, "not_a_resume_when",
                                        params.get("not_a_resume_when", []))
        self.not_gates = param_regexes(k, "known_not_gates", params.get("known_not_gates", []))
        self.scope_fns = param_regexes(k, "scope_functions", params.get("scope_functions", []))
        self.exempt_fns = param_regexes(k, "exempt_functions",
                                        params.get("exempt_functions", []))
        self.scope_conds = param_regexes(k, "scope_conditions",
                                         params.get("scope_conditions", []))
        self.exempt_conds = param_regexes(k, "exempt_conditions",
                                          params.get("exempt_conditions", []))
        self.scope_markers = patterns(params.get("scope_markers", []))
        self.scope_text = params.get("scope_text", "in scope")

    # -- which failure paths the gate matters on ----------------------------
    def _exempt_fn(self, fn: str) -> bool:
        return any(r.search(fn) for r in self.exempt_fns)

    def _scope_fn(self, fn: str) -> bool:
        return any(r.search(fn) for r in self.scope_fns) and not self._exempt_fn(fn)

    def _scope(self, call, calls_before, graph_of) -> str | None:
        """Why ``call``'s path is in scope (a phrase), or None when it is not."""
        conjs = list(holds_on_path(call.guards))
        for ex in call.early_exits:
            if ex.cond and ex.exit in ("return", "goto"):
                conjs.extend(split_top(strip_parens(negate(ex.cond)), "&&"))
        if any(r.search(c) for c in conjs for r in self.exempt_conds):
            return None
        if not self.scope_fns:
            return ""
        fn = call.function
        if fn and self._exempt_fn(fn):
            return None
        if fn and self._scope_fn(fn):
            return f"{fn}() {self.scope_text}"
        for c in conjs:
            if any(r.search(c) for r in self.scope_conds):
                return f"`{c}` holds there, so it {self.scope_text}"
        if self.scope_markers:
            for other in calls_before():
                if any(p.matches(other) for p in self.scope_markers) \
                        and _same_path_prefix(other, call):
                    return f"it follows `{other.text}`, so it {self.scope_text}"
        graph = graph_of()
        if fn and graph is not None:
            via = self._scope_caller(graph, fn)
            if via:
                return f"{fn}() is called from {via}(), which {self.scope_text}"
        return None

    def _scope_caller(self, graph, fn: str) -> str | None:
        """A scope function that calls ``fn`` (through callers of this view)."""
        seen, todo = {fn}, [fn]
        while todo:
            cur = todo.pop()
            for site in graph.callers.get(cur, ()):
                g = site.function
                if not g or g in seen or self._exempt_fn(g):
                    continue
                if self._scope_fn(g):
                    return g
                seen.add(g)
                todo.append(g)
        return None

    # -- what makes a path a failure path ---------------------------------
    def _failure_context(self, call, calls_before) -> str:
        """Why ``call`` runs on a failure path ('' if it does not).
        ``calls_before`` is a callable giving the earlier calls of its function."""
        for g in call.guards:
            if g.kind == "case" and any(r.search(g.text) for r in self.fail_cases):
                return f"under `case {g.text}`"
        for g in call.guards:
            if g.text == "?" or g.kind not in ("if", "else"):
                continue
            cond = g.text if g.kind == "if" else negate(g.text)
            for conj in split_top(strip_parens(cond), "&&"):
                if any(r.search(conj) for r in self.fail_conds):
                    where = "the else-branch of" if g.kind == "else" else "the branch taken when"
                    return f"{where} `{g.text}`"
        for label in call.labels:
            if any(r.search(label) for r in self.fail_labels):
                return f"after the `{label}:` label"
        for other in calls_before() if self.markers else ():
            if any(p.matches(other) for p in self.markers) and _same_path_prefix(other, call):
                return f"after `{other.text}` at line {other.line}"
        return ""

    # -- what makes it gated ----------------------------------------------
    def _gate_vars(self, calls, view):
        """Variables that hold a gate call's result in these calls' function."""
        out = set()
        for c in calls:
            if c.name in self.gate_names:
                m = re.search(rf"(?<!\w)(\w+)\s*=\s*{re.escape(c.name)}\s*\(",
                              view.source_line(c.line))
                if m:
                    out.add(m.group(1))
        return out

    def _wrappers(self, by_function) -> set[str]:
        """Functions of this view that call a gate, directly or through
        another such function: ``if (!can_resume(s))`` gates like the gate."""
        wrappers: set[str] = set()
        gate_like = set(self.gate_names)
        changed = True
        while changed:
            changed = False
            for fn, calls in by_function.items():
                if fn and fn not in wrappers and any(c.name in gate_like for c in calls):
                    wrappers.add(fn)
                    gate_like.add(fn)
                    changed = True
        return wrappers

    def _unseen_helper(self, call, by_function) -> str | None:
        """A function called in a condition on the path, defined nowhere in
        this view and not a known predicate: it might re-activate the disks."""
        for conj in holds_on_path(call.guards):
            for name in _CALLED.findall(conj):
                if name in by_function or any(r.search(name) for r in self.not_gates):
                    continue
                return name
        return None

    def _gated(self, call, gate_vars, wrappers=frozenset()) -> bool:
        def is_gate(conj):
            conj = strip_parens(conj)
            if any(r.match(conj) for r in self.gates) or conj in gate_vars:
                return True
            m = _CALL_FIRST.match(conj)
            return bool(m and m.group(1) in wrappers)

        if any(is_gate(c) for c in holds_on_path(call.guards)):
            return True
        for ex in call.early_exits:
            if ex.cond and any(is_gate(c) for c in split_top(negate(ex.cond), "&&")):
                return True
        return False

    def trigger_words(self):
        # a candidate is a call to a target (by name, from the view's text)
        return tuple(sorted(self.target_names)) or None

    def scan(self, view):
        calls = view.facts.calls
        names = self.target_names
        by_function: dict[str, list] = {}
        for c in calls:
            by_function.setdefault(c.function, []).append(c)
        gate_vars: dict[str, set] = {}
        wrappers = self._wrappers(by_function)
        graph = CallGraph(view) if view.whole_file and self.scope_fns else None
        for call in calls:
            if call.name not in names or call.in_error or \
                    not any(p.matches(call) for p in self.targets):
                continue
            if self.not_resume and any(r.search(c) for c in holds_on_path(call.guards)
                                       for r in self.not_resume):
                continue      # e.g. restores a state that is not running
            same_fn = by_function[call.function]
            # The pre-image says what was there before the patch: every ungated
            # call counts, on any path.  A post-image call with the same text and
            # the same guards is then not new, even when a statement the patch
            # inserted above it (a FAILED notification, a label) made its path a
            # failure path only now.  A gate the patch removes still shows.
            before = view.side == "pre"
            context = self._failure_context(
                call, lambda: [c for c in same_fn if c.byte < call.byte])
            if not context and not before:
                continue
            phase = self._scope(call, lambda: [c for c in same_fn if c.byte < call.byte],
                                lambda: graph)
            if phase is None and not before:
                continue          # e.g. a set-up failure: nothing to re-activate yet
            guards = frozenset(f"{g.kind}:{g.text}" for g in call.guards)
            # a token that only a call under exactly these guards carries: a pre-image
            # call that was no finding explains only a post call whose guards are the
            # same (not one the patch moved under a failure condition)
            exact = "exact:" + "\n".join(sorted(guards))
            explained_only_if_same = before and (not context or phase is None)
            if call.function not in gate_vars:
                gate_vars[call.function] = self._gate_vars(same_fn, view)
            if self._gated(call, gate_vars[call.function], wrappers):
                continue
            fn = view.function_at(call.line)
            complete = view.whole_file or (
                fn is not None and fn.start_visible and not fn.from_section
                and all(g.text != "?" for g in call.guards)
            )
            ignored = [c for c in same_fn if c.name in self.gate_names and c.byte < call.byte
                       and not c.in_condition
                       and not re.search(rf"=\s*{re.escape(c.name)}\s*\(",
                                         view.source_line(c.line))]
            scope = ""
            unseen = None if self.not_gates == [] else self._unseen_helper(call, by_function)
            if unseen and not ignored:
                # a helper we cannot read sits in the condition: it may be the gate
                complete = True
                scope = (f" (unless {unseen}(), called in the condition and not visible "
                         f"here, re-activates the disks: check it does)")
                severity_override = "info"
            else:
                severity_override = None
            if ignored:
                complete = True       # the gate is there, and its answer is dropped
                scope = (f" (the call to {ignored[-1].name}() at line {ignored[-1].line} "
                         f"ignores its result)")
            fields = {
                "call": call.text,
                "context": context,
                "phase": f"; {phase}" if phase else "",
                "gate": f"{self.gate_names[0]}()",
                "scope": scope if complete else (
                    f" (hunk-local: the hunk does not show the start of "
                    f"{call.function or 'the function'}(); check that no "
                    f"`if (!{self.gate_names[0]}(...))` exit or enclosing condition above "
                    f"line {view.first_line} already covers this path)"
                ),
            }
            severity = severity_override
            if severity is None and not complete and self.local_severity:
                severity = self.local_severity
            yield Candidate(
                path=view.path, line=call.line, end_line=call.end_line,
                function=call.function, key=(call.function, call.text),
                guards=guards | {exact} if explained_only_if_same or not before else guards,
                fields=fields, view=view, severity=severity,
            )


def _same_path_prefix(earlier, later) -> bool:
    """``earlier`` runs before ``later`` on every pass that reaches ``later``:
    its guards are a prefix of ``later``'s guards."""
    n = len(earlier.guards)
    return later.guards[:n] == earlier.guards

