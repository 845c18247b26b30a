"""Kind ``guard_macro``: a parameter used in a way that is allowed only
after a guard macro at the top of the function.

For every function with a parameter of type ``param_type`` (``Error **``):
when no call to one of ``guard_calls`` (``ERRP_GUARD``) is in the
function, a statement whose text matches ``uses`` (a regex with ``{p}``
for the parameter's name, e.g. a dereference ``*errp``) or a call to one
of ``restricted_calls`` with the parameter as first argument is reported,
unless the statement matches ``allowed`` (e.g. ``errp && *errp``).

The guard sits at the top of the function: a hunk that does not show the
function's head cannot tell, and the summary says so (``hunk_note``).
"""

from __future__ import annotations

import re

from .. import lazyre
from ..code.declarations import declarations
from ..code.paths import flows
from ..findings import Candidate
from . import Kind, py_regex

_STRINGS = lazyre.compile(r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'")


class GuardMacro(Kind):
    name = "guard_macro"
    scope = "image"
    function_local = True       # candidates keyed (function, ...)
    params_spec = {
        "param_type": (str, True),
        "param_names": (str, False),       # regex (fullmatch) over the parameter's name
        "guarding_conditions": (str, False),  # regex, {p}: an enclosing if that makes it fine
        "guard_calls": (list, True),
        "uses": (str, True),               # regex, {p} = the parameter name
        "restricted_calls": (list, False),
        "allowed": (str, False),           # regex, {p} = the parameter name
        "hunk_note": (str, False),
    }

    def __init__(self, params):
        super().__init__(params)
        self.ptype = params["param_type"]
        self.guards = set(params["guard_calls"])
        self.uses = params["uses"]
        self.restricted = set(params.get("restricted_calls", []))
        self.allowed = params.get("allowed", "")
        self.names = py_regex(params.get("param_names", r".*"))
        self.guarding = params.get("guarding_conditions", "")

    def _hits(self, fl, p):
        uses = re.compile(self.uses.replace("{p}", re.escape(p)))
        allowed = re.compile(self.allowed.replace("{p}", re.escape(p))) if self.allowed else None
        guarding = re.compile(self.guarding.replace("{p}", re.escape(p))) if self.guarding else None
        for s in fl.stmts:
            if guarding and self._guarded(fl, s, guarding):
                continue
            text = _STRINGS.sub('""', s.text)
            call = next((c for c in s.calls if c.name in self.restricted
                         and c.args and c.args[0] == p), None)
            if call is not None:
                yield s, f"passes {p} to {call.name}()"
            elif uses.search(text) and not (allowed and allowed.search(text)):
                yield s, f"dereferences {p} (`{_short(s.text)}`)"

    @staticmethod
    def _guarded(fl, s, guarding) -> bool:
        p = s.parent
        while p >= 0:
            anc = fl.stmts[p]
            if anc.kind == "if" and guarding.search(anc.text):
                return True
            p = anc.parent
        return False

    def _pairs(self, view):
        decls = declarations(view)
        taking = {fd.name for fd in decls.functions
                  if any(prm.type == self.ptype and self.names.fullmatch(prm.name)
                         for prm in fd.params)}
        for fl in flows(view, functions=taking):
            fd = decls.function(fl.function) if fl.function else None
            if fd is None:
                continue
            for prm in fd.params:
                if prm.type == self.ptype and self.names.fullmatch(prm.name):
                    yield fl, fd, prm.name

    def scan(self, view):
        for fl, fd, p in self._pairs(view):
            if not fd.head_visible:
                continue
            if any(c.name in self.guards for s in fl.stmts for c in s.calls):
                continue
            for s, what in self._hits(fl, p):
                yield Candidate(
                    path=view.path, line=s.line, function=fl.function,
                    key=(fl.function, p, s.text),
                    fields={"what": what, "param": p, "guard": sorted(self.guards)[0]},
                    view=view)

    def hunk_notes(self, view):
        template = self.params.get("hunk_note")
        if not template:
            return
        for fl, fd, p in self._pairs(view):
            if fd.head_visible or any(c.name in self.guards for s in fl.stmts for c in s.calls):
                continue
            for s, what in self._hits(fl, p):
                if s.line in view.changed:
                    yield template.format_map({"function": fl.function, "line": s.line,
                                               "what": what, "path": view.path})
                    break


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
