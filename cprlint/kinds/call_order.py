"""Kind ``call_order``: calls that must happen in a fixed order on one path.

``sequence`` lists the steps in their required order, each a set of call
patterns.  A call of an earlier step placed *after* a call of a later step,
in the same function and on a path that can run both, is reported.

CPR001 uses it for: stop the VM -> SETUP notifiers -> cpr_state_save().
"""

from __future__ import annotations

from ..findings import Candidate
from . import Kind
from .calls import on_exclusive_branches, patterns


class CallOrder(Kind):
    name = "call_order"
    scope = "image"
    params_spec = {
        "sequence": (list, True),   # [{step = "stop", calls = [...]}, ...] in order
    }

    def __init__(self, params):
        super().__init__(params)
        self.steps = []
        for i, step in enumerate(params["sequence"]):
            if not isinstance(step, dict) or "step" not in step or "calls" not in step:
                from . import KindError

                raise KindError("call_order: each sequence entry needs 'step' and 'calls'")
            self.steps.append((i, step["step"], patterns(step["calls"])))
        self.order_text = " -> ".join(s["step"] for s in params["sequence"])

    def _step_of(self, call):
        for i, name, pats in self.steps:
            if any(p.matches(call) for p in pats):
                return i, name
        return None

    def scan(self, view):
        tagged = []
        for call in view.facts.calls:
            if call.in_error:
                continue
            step = self._step_of(call)
            if step:
                tagged.append((call, step))
        for late_call, (late_i, late_step) in tagged:
            # late_call belongs to an earlier step than a call it comes after;
            # name the latest step it follows (cpr_state_save over the notifiers)
            worst = None
            for early_call, (early_i, early_step) in tagged:
                if late_i >= early_i or late_call.function != early_call.function:
                    continue
                if late_call.byte <= early_call.byte:
                    continue
                if on_exclusive_branches(late_call.guards, early_call.guards):
                    continue
                if worst is None or early_i > worst[1][0]:
                    worst = (early_call, (early_i, early_step))
            if worst is None:
                continue
            early_call, (early_i, early_step) = worst
            yield Candidate(
                path=view.path, line=late_call.line, end_line=late_call.end_line,
                function=late_call.function,
                key=(late_call.function, late_call.name, early_call.name),
                fields={
                    "late_call": late_call.text,
                    "late_step": late_step,
                    "early_call": early_call.text,
                    "early_step": early_step,
                    "early_line": str(early_call.line),
                    "order": self.order_text,
                },
                view=view,
            )
