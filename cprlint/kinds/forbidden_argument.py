"""Kind ``forbidden_argument``: an argument that must not be passed to
some calls, or anywhere inside some callbacks.

``calls``: regexes over callee names; an argument matching ``args`` passed
to one of them is reported wherever it is.  Inside a *callback* (a
function of the view named in a designated initializer ``.FIELD = fn``
with FIELD in ``callback_fields``, or passed as argument ``arg`` of a call
in ``callback_registrations``), any call passing an argument matching
``callback_args`` is reported.
"""

from __future__ import annotations

import re

from ..code.declarations import declarations
from ..findings import Candidate
from . import Kind, py_regex


class ForbiddenArgument(Kind):
    name = "forbidden_argument"
    scope = "image"
    params_spec = {
        "args": (str, True),                    # regex (fullmatch) over one argument
        "calls": (list, True),                  # regexes (fullmatch) over callee names
        "callback_args": (str, False),          # regex over one argument, inside callbacks
        "callback_fields": (list, False),       # designated-initializer fields naming callbacks
        "callback_registrations": (list, False),  # [{name, arg}] calls registering a callback
        "not_in_callback_calls": (list, False),   # callee regexes where callback_args is fine
    }

    def __init__(self, params):
        super().__init__(params)
        self.args = py_regex(params["args"])
        self.calls = [py_regex(c) for c in params["calls"]]
        self.cb_args = py_regex(params.get("callback_args", r"(?!)"))
        self.cb_fields = set(params.get("callback_fields", []))
        self.cb_regs = {r["name"]: int(r["arg"]) for r in params.get("callback_registrations", [])}
        self.cb_ok = [py_regex(c) for c in params.get("not_in_callback_calls", [])]

    def _callbacks(self, view) -> dict[str, str]:
        """function name -> how it is registered."""
        out: dict[str, str] = {}
        for fld, fn, line in declarations(view).initializer_refs:
            if fld in self.cb_fields:
                out.setdefault(fn, f"the .{fld} callback (line {line})")
        for c in view.facts.calls:
            k = self.cb_regs.get(c.name)
            if k is not None and k < len(c.args) and re.fullmatch(r"\w+", c.args[k]):
                out.setdefault(c.args[k], f"a callback registered with {c.name}() (line {c.line})")
        return out

    def scan(self, view):
        callbacks = self._callbacks(view) if (self.cb_fields or self.cb_regs) else {}
        for call in view.facts.calls:
            if call.in_error:
                continue
            bad = next((a for a in call.args if self.args.fullmatch(a)), None)
            direct = bad is not None and any(r.fullmatch(call.name) for r in self.calls)
            role = callbacks.get(call.function)
            if not direct:
                bad = next((a for a in call.args if self.cb_args.fullmatch(a)), None)
                if bad is None or role is None or any(r.fullmatch(call.name) for r in self.cb_ok):
                    continue
            where = (f"{call.function}() is {role}" if role else
                     f"{call.name}() runs on the migration stream")
            yield Candidate(
                path=view.path, line=call.line, end_line=call.end_line,
                function=call.function, key=(call.function, call.text),
                guards=frozenset(f"{g.kind}:{g.text}" for g in call.guards),
                fields={"call": call.text, "arg": bad, "callee": call.name, "where": where},
                view=view)
