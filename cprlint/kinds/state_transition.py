"""Kind ``state_transition``: a state word moved to a final state without a
compare-and-set from the state the path expects.

A setter such as ``migrate_set_state(&s->state, old, new)`` changes the state
only when it still equals ``old`` (an atomic compare-and-exchange).  Passing
the state itself as ``old`` (``s->state``, ``qatomic_read(&s->state)``, or a
local copied from it), with no test of the state on the path, makes the
exchange always succeed: whatever another thread set meanwhile (a cancel) is
overwritten.  A plain store (``s->state = FINAL``) does the same and skips
the setter altogether.

Everything QEMU-specific is a parameter: the setters and their argument
positions, the final states (``terminal``), the conditions that show the
path tested the state (``safe_conditions``: any enclosing condition, case
label or earlier early exit matching one), the state fields a store may
target, and the objects whose state may move on freely (``exempt_*``: the
incoming side, which may fail at any time).  Facts read: calls with their
guards and early exits, declarations (types of the object, a local's
initializer), assignments.
"""

from __future__ import annotations


from .. import lazyre
from ..code.assignments import assignments
from ..code.declarations import declarations
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases, param_regexes

_DEFAULT_CASES = {
    "reread": {"problem": "calls {call} with the state itself ({old}) as the expected "
                          "old state{scope}.",
               "fix": "Pass the state this path expects, or test the state first."},
    "snapshot": {"problem": "calls {call}, where {old} is a copy of {state} taken at "
                            "line {copy_line} and never tested{scope}.",
                 "fix": "Test the copied state first."},
    "assign": {"problem": "stores {new} into {state} directly ({call}){scope}.",
               "fix": "Use the setter with the expected old state."},
}

_SPACE = lazyre.compile(r"\s+")
_BASE = lazyre.compile(r"^\(*\s*([A-Za-z_]\w*)")


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _strip_parens(text: str) -> str:
    t = text.strip()
    for _ in range(4):          # a few levels; input nesting is not followed further
        if not (t.startswith("(") and t.endswith(")") and t.count("(") == t.count(")")):
            break
        inner = t[1:-1]
        depth = 0
        for ch in inner:
            depth += 1 if ch == "(" else -1 if ch == ")" else 0
            if depth < 0:
                return t
        t = inner.strip()
    return t


class StateTransition(Kind):
    name = "state_transition"
    scope = "image"
    params_spec = {
        "setters": (list, True),          # [{name, state = 0, old = 1, new = 2}]
        "terminal": (list, True),         # regexes (fullmatch) over the new state
        "safe_conditions": (list, True),  # regexes (search) over guards / early exits
        "state_fields": (list, False),    # regexes (fullmatch) over a store's target
        "exempt_types": (list, False),    # regexes (search) over the object's declared type
        "exempt_objects": (list, False),  # regexes (search) over the state expression
        "exempt_functions": (list, False),  # regexes (search) over the function's name
        "hunk_local_severity": (str, False),
        "cases": (dict, False),
    }

    def __init__(self, params):
        super().__init__(params)
        self.setters = {}
        for spec in params["setters"]:
            if not isinstance(spec, dict) or "name" not in spec:
                raise KindError("state_transition: each setter needs a name")
            self.setters[spec["name"]] = (int(spec.get("state", 0)), int(spec.get("old", 1)),
                                          int(spec.get("new", 2)))
        k = "state_transition"
        self.terminal = param_regexes(k, "terminal", params["terminal"])
        self.safe = param_regexes(k, "safe_conditions", params["safe_conditions"])
        self.fields = param_regexes(k, "state_fields", params.get("state_fields", []))
        self.exempt_types = param_regexes(k, "exempt_types", params.get("exempt_types", []))
        self.exempt_objects = param_regexes(k, "exempt_objects", params.get("exempt_objects", []))
        self.exempt_fns = param_regexes(k, "exempt_functions", params.get("exempt_functions", []))
        self.local_severity = params.get("hunk_local_severity")
        self.cases = load_cases("state_transition", _DEFAULT_CASES, params)

    # -- helpers -------------------------------------------------------------
    def _is_terminal(self, state: str) -> bool:
        return any(r.fullmatch(state) for r in self.terminal)

    def _exempt(self, state: str, fdecl, function: str) -> bool:
        if any(r.search(function) for r in self.exempt_fns):
            return True
        if any(r.search(state) for r in self.exempt_objects):
            return True
        m = _BASE.match(state)
        var = fdecl.variable(m.group(1)) if (m and fdecl is not None) else None
        return var is not None and any(r.search(var.type) for r in self.exempt_types)

    def _tested(self, guards, exits) -> bool:
        texts = [g.text for g in guards] + [e.cond for e in exits if e.cond]
        return any(r.search(t) for r in self.safe for t in texts)

    def _complete(self, view, line: int, guards) -> bool:
        if view.whole_file:
            return True
        fn = view.function_at(line)
        return (fn is not None and fn.start_visible and not fn.from_section
                and all(g.text != "?" for g in guards))

    def _candidate(self, view, case, line, end_line, function, text, guards, fields,
                   needs_path=True):
        complete = not needs_path or self._complete(view, line, guards)
        scope = "" if complete else (
            f" (hunk-local: the hunk does not show the start of {function or 'the function'}"
            f"(); check that no test of the state above line {view.first_line} keeps "
            f"this path from running while it is being cancelled)")
        fields = dict(fields, function=function, line=str(line), scope=scope, case=case)
        fields.update(fill_case(self.cases, case, fields))
        # the key leaves the function out: a patch that renames the function
        # (or moves the statement to another one) did not introduce it
        return Candidate(
            path=view.path, line=line, end_line=end_line, function=function,
            key=(text,), fields=fields, view=view,
            guards=frozenset(f"{g.kind}:{g.text}" for g in guards),
            severity=None if complete else self.local_severity)

    # -- scan ----------------------------------------------------------------
    def trigger_words(self):
        # both a setter call and a plain store are reported only when the
        # new state fullmatches a terminal pattern: a plain identifier
        # pattern must then be in the text (as the argument, or the value)
        terms = self.params["terminal"]
        if terms and all(isinstance(t, str) and t.isascii() and t.replace("_", "a").isalnum()
                         for t in terms):
            return tuple(terms)
        return None

    def scan(self, view):
        decls = None
        for call in view.facts.calls:
            pos = self.setters.get(call.name)
            if pos is None or call.in_error or max(pos) >= len(call.args):
                continue
            target, old, new = (call.args[i] for i in pos)
            if not self._is_terminal(new) or not target.lstrip().startswith("&"):
                continue
            state = _strip_parens(target.lstrip()[1:])
            function = call.function or view.section
            decls = decls or declarations(view)
            fdecl = decls.function(function) if function else None
            if self._exempt(state, fdecl, function):
                continue
            reads = {_squash(state), _squash(f"qatomic_read(&{state})"),
                     _squash(f"qatomic_read(&({state}))")}
            fields = {"call": call.text, "old": old, "new": new, "state": state}
            if _squash(_strip_parens(old)) in reads:
                case = "reread"
            else:
                var = fdecl.variable(old.strip()) if fdecl is not None else None
                if var is None or var.is_param or _squash(_strip_parens(var.init)) not in reads:
                    continue
                case, fields["copy_line"] = "snapshot", str(var.line)
            if self._tested(call.guards, call.early_exits):
                continue
            yield self._candidate(view, case, call.line, call.end_line, function,
                                  call.text, call.guards, fields)
        if not self.fields:
            return
        for a in assignments(view):
            if a.op != "=" or not self._is_terminal(a.rhs) \
                    or not any(r.fullmatch(a.lhs) for r in self.fields):
                continue
            function = a.function or view.section
            decls = decls or declarations(view)
            fdecl = decls.function(function) if function else None
            if self._exempt(a.lhs, fdecl, function):
                continue
            yield self._candidate(view, "assign", a.line, a.end_line, function, a.text, (),
                                  {"call": a.text, "old": "", "new": a.rhs, "state": a.lhs},
                                  needs_path=False)
