"""Kind ``call_order``: calls that must happen in a fixed order on one path.

``sequence`` lists the steps in their required order, each a set of call
patterns.  Three findings:

* ``order``: a call of an earlier step placed *after* a call of a later step,
  in the same function and on a path that can run both;
* ``cross``: the same, where one of the two calls is a call of another
  function of the same view that performs the step (transitively): the
  caller of ``cpr_state_save()`` calls, after the save, a function that
  stops the VM.  Callees take part only when their whole body is visible
  (every function of a whole-file view; a definition entirely inside a hunk);
* ``missing`` (whole-file views only, when ``mode_conditions`` is given): a
  function calls the last step, in the mode the sequence is about, with an
  earlier step done neither before it in the function (directly or through a
  callee called before it) nor by every caller in the same file before the
  call (and not after it either: that is an ``order``/``cross`` finding).

For example, rules/CPR001.toml uses it for: stop the VM -> SETUP notifiers ->
cpr_state_save().

Each finding fills ``problem`` and ``fix`` from ``cases.<case>`` templates
(rule parameters), so the rule's message reads ``{function}() {problem} ...
{fix}``.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases, param_regexes
from .support.callgraph import CallGraph
from .support.calls import on_exclusive_branches, patterns
from ..code.conditions import holds_on_path, negate, split_top, strip_parens

_IF_OR_WHILE = lazyre.compile(r"\b(?:if|while)\s*\(")

_DEFAULT_CASES = {
    "order": {
        "problem": "calls {late_call} (the {late_step} step) at line {line} after "
                   "{early_call} at line {early_line} on the same path{scope}.",
        "fix": "Move the {late_step} step before {early_call}, and fail if it fails.",
    },
    "cross": {
        "problem": "calls {late_call} at line {line}{late_via} after {early_call} at "
                   "line {early_line}{early_via}: the {late_step} step runs after the "
                   "{early_step} step.",
        "fix": "Do the {late_step} step in {function}() before {early_call}.",
    },
    "missing": {
        "problem": "calls {save_call} at line {line} ({mode}) with no {missing_desc} "
                   "before it on that path{callers}.",
        "fix": "Do the {missing_steps} before {save_call}.",
    },
}


class CallOrder(Kind):
    name = "call_order"
    scope = "image"
    params_spec = {
        "sequence": (list, True),        # [{step = "stop", calls = [...]}, ...] in order
        "mode_conditions": (list, False),  # regexes: a condition conjunct meaning "in the mode"
        "mode_functions": (list, False),   # regexes: functions that only run in the mode
        "entry_points": (list, False),     # regexes: functions called from outside the file
        "cases": (dict, False),            # {order|cross|missing = {problem, fix}} templates
        "hunk_note": (str, False),         # summary note: a step added where the last
                                           # step is not visible (hunk mode)
        "after_steps": (list, False),      # report only calls placed after these steps
                                           # (default: after any later step)
        "mode_calls": (list, False),       # names: calls that themselves act only in the
                                           # mode (no condition around them needed)
        "other_mode_conditions": (list, False),  # regexes: a conjunct meaning "in a mode
                                           # where the sequence does not matter"
        "mode_call_text": (str, False),    # how a mode call says so ({call}: its name)
        "callback_registrars": (list, False),  # names: calls that run a function passed
                                           # to them later (watch, BH, thread, notifier)
    }

    def __init__(self, params):
        super().__init__(params)
        self.steps = []
        for i, step in enumerate(params["sequence"]):
            if not isinstance(step, dict) or "step" not in step or "calls" not in step:
                raise KindError("call_order: each sequence entry needs 'step' and 'calls'")
            self.steps.append((i, step["step"], patterns(step["calls"])))
        self.order_text = " -> ".join(s["step"] for s in params["sequence"])
        self._step_names = {n for _, _, pats in self.steps for p in pats for n in p.names}
        names = [name for _, name, _ in self.steps]
        unknown = set(params.get("after_steps", [])) - set(names)
        if unknown:
            raise KindError(f"call_order: after_steps names unknown step(s) {sorted(unknown)}")
        self.after_idx = {i for i, name, _ in self.steps
                          if name in params.get("after_steps", names)}
        k = "call_order"
        self.mode_res = param_regexes(k, "mode_conditions", params.get("mode_conditions", []))
        self.mode_fn_res = param_regexes(k, "mode_functions", params.get("mode_functions", []))
        self.entry_res = param_regexes(k, "entry_points", params.get("entry_points", []))
        self.other_mode_res = param_regexes(k, "other_mode_conditions",
                                            params.get("other_mode_conditions", []))
        self.cases = load_cases("call_order", _DEFAULT_CASES, params)
        self.mode_calls = frozenset(params.get("mode_calls", []))
        self.registrars = frozenset(params.get("callback_registrars", []))

    # --- steps ------------------------------------------------------------
    def _step_of(self, call):
        if call.name not in self._step_names:
            return None
        for i, name, pats in self.steps:
            if any(p.matches(call) for p in pats):
                return i, name
        return None

    def _direct(self, call):
        s = self._step_of(call)
        return s[0] if s else None

    def _in_callee(self, call):
        """A step performed inside a callee, unless the mode is excluded there."""
        if call.in_error:
            return None
        s = self._step_of(call)
        if s is None:
            return None
        if self.mode_res and any(self._negates_mode(c) for c in holds_on_path(call.guards)):
            return None          # e.g. a stop under `if (!migrate_mode_is_cpr())`
        return s[0]

    def _items(self, graph, fn):
        """(call, {step: chain}) for every call of ``fn`` that does a step."""
        out = []
        for c in graph.calls.get(fn, ()):
            i = self._direct(c)
            if i is not None:
                out.append((c, {i: [c]}))
            else:
                reached: dict = {}
                for callee in graph.targets(c):
                    if callee == fn:
                        continue
                    for s, ch in graph.reach(callee, self._in_callee, "steps").items():
                        reached.setdefault(s, [c] + ch)
                if reached:
                    out.append((c, reached))
        return out

    # --- scan -------------------------------------------------------------
    def trigger_words(self):
        # every order or missing-step candidate, and every note, is about a
        # call of a step (by name, from the view's text)
        return tuple(sorted(self._step_names)) or None

    def hunk_notes(self, view):
        """A step the patch adds in a hunk that does not show the last step:
        its order could not be checked, and the summary says so."""
        template = self.params.get("hunk_note")
        if not template:
            return
        last = len(self.steps) - 1
        steps = [(c, self._step_of(c)) for c in view.facts.calls]
        if any(st and st[0] == last for _, st in steps):
            return                      # the last step is in view: scan() judged it
        for call, st in steps:
            if st and call.line in view.changed:
                yield template.format_map({
                    "call": call.text, "step": st[1], "path": view.path, "line": call.line,
                    "function": call.function or view.section or "this function",
                    "last": self.steps[last][1],
                })

    def scan(self, view):
        graph = CallGraph(view, self.registrars)
        for fn in list(graph.calls):
            items = self._items(graph, fn)
            if not items:
                continue
            yield from self._order(view, fn, items)
            if self.mode_res and getattr(view, "whole_file", False):
                yield from self._missing(view, graph, fn, items)

    def _order(self, view, fn, items):
        last = len(self.steps) - 1
        saves = [c for c, st in items if last in st]
        for late, late_steps in items:
            if any(_on_failure_of(late, sv) for sv in saves if sv.byte < late.byte):
                continue          # runs only when the save failed: nothing was handed over
            worst = None            # (early_step, late_step, early_call, early_chain, late_chain)
            for early, early_steps in items:
                if early is late or early.byte >= late.byte:
                    continue
                if on_exclusive_branches(late.guards, early.guards):
                    continue
                if _on_failure_of(late, early):
                    continue
                for j, ech in early_steps.items():
                    if j not in self.after_idx:
                        continue
                    for i, lch in late_steps.items():
                        if i >= j:
                            continue
                        if worst is None or (j, -i) > (worst[0], -worst[1]):
                            worst = (j, i, early, ech, lch)
            if worst is None:
                continue
            j, i, early, ech, lch = worst
            cross = len(ech) > 1 or len(lch) > 1
            also = [(k, ch) for k, ch in sorted(late_steps.items())
                    if k != i and k < j and len(ch) > 1]
            scope = ""
            if not view.whole_file and any(
                    g.text == "?" or g.text.startswith("... ")
                    for g in list(late.guards) + list(early.guards)):
                scope = (f" (hunk-local: a condition above line {view.first_line} may keep "
                         f"the two calls apart; check that both run on one pass)")
            fields = {
                "late_call": late.text,
                "late_step": self.steps[i][1],
                "early_call": early.text,
                "early_step": self.steps[j][1],
                "early_line": str(early.line),
                "late_via": _via(lch),
                "early_via": _via(ech),
                "also": "".join(f", and the {self.steps[k][1]} step ({ch[-1].text} at line "
                                f"{ch[-1].line}) runs later too" for k, ch in also),
                "line": str(late.line),
                "order": self.order_text,
                "scope": scope,
            }
            if cross:
                fields["callee"] = lch[0].name if len(lch) > 1 else ech[0].name
            yield self._cand(view, "cross" if cross else "order", late, fn,
                             (fn, late.name, early.name), frozenset(
                                 f"{g.kind}:{g.text}" for g in late.guards), fields)

    def _missing(self, view, graph, fn, items):
        last = len(self.steps) - 1
        for save, steps in items:
            if last not in steps or len(steps[last]) != 1:
                continue          # only a direct call of the last step
            mode = self._mode_context(view, fn, save)
            if not mode:
                continue
            before, after = set(), set()
            for other, osteps in items:
                if other is save or on_exclusive_branches(other.guards, save.guards):
                    continue
                (before if other.byte < save.byte else after).update(osteps)
            missing = [i for i in range(last) if i not in before]
            if not missing or any(i in after for i in missing):
                continue          # complete, or an order/cross finding says it better
            verdict, via, rest = self._callers_cover(graph, fn, set(missing), frozenset())
            if verdict is True:
                continue
            fact = graph.functions.get(fn)
            if verdict is None:   # no caller in this file
                static = bool(fact and fact.is_static)
                entry = any(r.search(fn) for r in self.entry_res)
                if static or not (entry or mode[1]):
                    continue      # a callback or a helper whose callers we cannot see
                callers = (f"; {fn}() has no caller in this file that does "
                           f"{'it' if len(missing) == 1 else 'them'} first")
            else:
                left = " and the ".join(self.steps[i][1] for i in sorted(rest))
                callers = (f"; its caller {via}() does not do the {left} step before "
                           f"calling it either" if via else "")
            names = [self.steps[i][1] for i in missing]
            descs = [self._step_desc(i) for i in missing]
            present = frozenset(f"has:{self.steps[i][1]}" for i in before if i < last)
            fields = {
                "save_call": save.text,
                "save_step": self.steps[last][1],
                "mode": mode[0],
                "missing_desc": " and no ".join(descs),
                "missing_steps": " and ".join(names) + (" steps" if len(names) > 1 else " step"),
                "callers": callers,
                "line": str(save.line),
                "order": self.order_text,
            }
            yield self._cand(view, "missing", save, fn, ("missing", fn, save.name),
                             present | frozenset(f"{g.kind}:{g.text}" for g in save.guards),
                             fields)

    def _cand(self, view, case, call, fn, key, guards, fields):
        fields.update(fill_case(self.cases, case, dict(fields, function=fn, case=case)),
                      case=case)
        return Candidate(path=view.path, line=call.line, end_line=call.end_line,
                         function=fn, key=key, guards=guards, fields=fields, view=view)

    # --- callers ----------------------------------------------------------
    def _callers_cover(self, graph, fn, need, visiting):
        """(True, '', set()) when every in-file call site of ``fn`` is
        preceded by the ``need`` steps (in its caller, or further up);
        (None, '', need) when ``fn`` has no caller in the view;
        (False, caller, steps still missing there) otherwise."""
        sites = graph.callers.get(fn, [])
        if not sites:
            return None, "", need
        visiting = visiting | {fn}
        for site in sites:
            g = site.function
            done = set()
            for other, osteps in self._items(graph, g):
                if other.byte < site.byte and not on_exclusive_branches(other.guards, site.guards):
                    done.update(osteps)
            rest = need - done
            if not rest:
                continue
            if g in visiting:
                return False, g, rest
            verdict, via, left = self._callers_cover(graph, g, rest, visiting)
            if verdict is True:
                continue
            if verdict is None:
                fact = graph.functions.get(g)
                if fact is not None and fact.is_static:
                    continue      # a static root: run from a callback we cannot follow
                return False, g, rest
            return False, via or g, left
        return True, "", set()

    def _step_desc(self, i: int) -> str:
        names = sorted({n for p in self.steps[i][2] for n in p.names})
        return f"{self.steps[i][1]} ({', '.join(n + '()' for n in names)})"

    # --- mode -------------------------------------------------------------
    def _negates_mode(self, conj: str) -> bool:
        conj = strip_parens(conj)
        if not (conj.startswith("!") or "!=" in conj):
            return False
        if len(split_top(conj, "||")) > 1:
            return False          # `mode != X || other`: the mode may still hold
        if conj.startswith("!") and len(split_top(strip_parens(conj[1:].strip()), "&&")) > 1:
            return False          # `!(mode == X && other)`: likewise
        return any(r.search(conj) for r in self.mode_res)

    def _is_mode(self, conj: str) -> bool:
        conj = strip_parens(conj)
        if conj.startswith("!") or "!=" in conj:
            return False
        return any(r.search(conj) for r in self.mode_res)

    def _mode_context(self, view, fn, call):
        """(text, from_a_condition) when ``call`` only runs in the mode, else None."""
        conjs = list(holds_on_path(call.guards))
        for g in call.guards:
            if g.kind == "case" and g.switch:
                labels = g.text.split(" | ")
                if len(labels) == 1:
                    conjs.append(f"{g.switch} == {labels[0]}")
        for ex in call.early_exits:
            if ex.cond and ex.exit in ("return", "goto"):
                conjs.extend(split_top(strip_parens(negate(ex.cond)), "&&"))
        if call.in_condition:
            conjs.extend(_condition_prefix(view, call))
        for c in conjs:
            if self._is_mode(c):
                return f"only reached when {c}", True
        if any(r.search(fn) for r in self.mode_fn_res):
            return f"{fn}() only runs in that mode", False
        if call.name in self.mode_calls and not any(
                self._negates_mode(c) or any(r.search(c) for r in self.other_mode_res)
                for c in conjs):
            text = self.params.get("mode_call_text", "{call}() itself acts only in the mode")
            return text.format_map({"call": call.name}), False
        return None


def _via(chain) -> str:
    """'' for a direct call, else `` (which reaches g(y) at line N through
    h())``; a callback the first call registers is named as such."""
    if len(chain) == 1:
        return ""
    last = chain[-1]
    fns = [c.function for c in chain[1:]]
    if fns and fns[0] == chain[0].name:
        fns = fns[1:]                 # the first call's own callee: already named
        through = f" through {' -> '.join(f + '()' for f in fns)}" if fns else ""
        return f" (which reaches {last.text} at line {last.line}{through})"
    path = " -> ".join(f + "()" for f in fns)
    return (f" (which registers {fns[0]}() to run later; it reaches {last.text} at line "
            f"{last.line} through {path})")


def _on_failure_of(late, early) -> bool:
    """``late`` sits in the branch taken when ``early`` (a call in an ``if``
    condition) failed: ``if (... !early(...)) { late(); }``."""
    if not early.in_condition:
        return False
    for g in late.guards:
        if g.line > early.line or early.text not in g.text:
            continue
        pos = g.text.find(early.text)
        before = g.text[:pos].rstrip()
        after = g.text[pos + len(early.text):].lstrip()
        failed = before.endswith("!") or re.match(r"(<\s*0|==\s*(false|NULL|0)\b)", after)
        if g.kind == "if" and failed:
            return True
        if g.kind == "else" and not failed:
            return True
    return False


def _condition_prefix(view, call) -> list[str]:
    """Conjuncts ``A && B && `` written before ``call`` in the ``if`` whose
    condition holds it, e.g. ``migrate_mode_is_cpr()`` for
    ``if (migrate_mode_is_cpr() && !cpr_state_save(...))``."""
    rows = view.text.split("\n")
    i = call.line - view.first_line
    if not 0 <= i < len(rows):
        return []
    row = rows[i]
    at = row.find(call.name + "(")
    if at < 0:
        at = row.find(call.name)
    text = row[:at] if at >= 0 else row
    k = i
    while "if (" not in text and "while (" not in text and k > 0 and i - k < 3:
        k -= 1
        text = rows[k] + " " + text
    m = list(_IF_OR_WHILE.finditer(text))
    if not m:
        return []
    prefix = text[m[-1].end():].rstrip()
    prefix = prefix.rstrip("!( ").rstrip()
    if not prefix.endswith("&&"):
        return []
    return split_top(strip_parens(prefix[:-2]), "&&")
