"""Kind ``registration_pairing``: a registration on a per-instance object
(a notifier, a blocker) with no matching removal in the file that tears the
object down, or the same registration made twice on one path.

``pairs``: each ``{add = [...], remove = [...], arg = 0, remove_arg = 0,
what = "..."}``: calls that register argument ``arg`` and calls that undo it.
A registration is per instance when its argument matches ``per_instance``
(``&s->notifier``: a field of an object reached through a pointer; a static
notifier registered once is not).  Registration and removal are matched by
the field path after the object (``&vdev->cpr.notifier`` and
``&dev->cpr.notifier`` are the same field).

Judged only with the whole file in view (``--source``, files mode, or a
patch that adds the whole file), and only in a file that has a teardown for
its objects (a function named in a ``.unrealize``/``.instance_finalize``/...
initializer or assignment, ``teardown_fields``, or one whose name matches
``teardown_names``): a file with no teardown holds objects that are never
destroyed.  In hunk mode ``hunk_note`` says what was not checked.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..code.assignments import assignments
from ..code.declarations import declarations
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases, param_regex, param_regexes
from .support.calls import on_exclusive_branches

_DEFAULT_CASES = {
    "unpaired": {"problem": "registers {arg} with {call} at line {line}, and nothing "
                            "in the file undoes it with {remove}().",
                 "fix": "Undo it in {teardown}."},
    "twice": {"problem": "registers {arg} with {call} at line {line}, after "
                         "registering it already at line {first_line} on the same path.",
              "fix": "Register it once."},
}

_SPACE = lazyre.compile(r"\s+")
# applied with re.fullmatch to one call argument, blanks removed
_FIELD = r"&?\(?[A-Za-z_]\w*(?:->|\.)([^()]+)\)?"


def _field(arg: str) -> str:
    """``&s->cpr.notifier`` -> ``cpr.notifier`` (the field path after the
    object); '' when the argument is not a field of an object."""
    m = re.fullmatch(_FIELD, _SPACE.sub("", arg))
    return m.group(1) if m else ""


class RegistrationPairing(Kind):
    name = "registration_pairing"
    scope = "image"
    params_spec = {
        "pairs": (list, True),            # [{add, remove, arg, remove_arg, what, why}]
        "per_instance": (str, True),      # regex (search) over the registered argument
        "teardown_fields": (list, True),  # initializer / assignment fields naming a teardown
        "teardown_names": (list, False),  # regexes (search) over function names
        "hunk_note": (str, False),
        "cases": (dict, False),
    }

    def __init__(self, params):
        super().__init__(params)
        self.adds: dict[str, tuple[int, int]] = {}     # add call -> (pair, arg)
        self.removes: dict[str, tuple[int, int]] = {}  # remove call -> (pair, arg)
        self.pairs = []
        for i, spec in enumerate(params["pairs"]):
            if not isinstance(spec, dict) or not {"add", "remove", "what"} <= set(spec):
                raise KindError("registration_pairing: each pair needs add, remove and what")
            for n in spec["add"]:
                self.adds[n] = (i, int(spec.get("arg", 0)))
            for n in spec["remove"]:
                self.removes[n] = (i, int(spec.get("remove_arg", 0)))
            self.pairs.append(spec)
        k = "registration_pairing"
        self.per_instance = param_regex(k, "per_instance", params["per_instance"])
        self.teardown_names = param_regexes(k, "teardown_names", params.get("teardown_names", []))
        self.teardown_fields = set(params["teardown_fields"])
        self.cases = load_cases("registration_pairing", _DEFAULT_CASES, params)

    # -- facts ---------------------------------------------------------------
    def _registrations(self, view):
        """(call, pair index, field) of every per-instance registration."""
        for c in view.facts.calls:
            spec = self.adds.get(c.name)
            if spec is None or c.in_error or spec[1] >= len(c.args):
                continue
            arg = c.args[spec[1]]
            fld = _field(arg)
            if fld and self.per_instance.search(arg):
                yield c, spec[0], fld

    def _removals(self, view) -> list[tuple]:
        out = []
        for c in view.facts.calls:
            spec = self.removes.get(c.name)
            if spec is not None and spec[1] < len(c.args):
                out.append((c, spec[0], _field(c.args[spec[1]])))
        return out

    def _teardowns(self, view) -> list[str]:
        names = {f.name for f in view.facts.functions}
        out = []
        for fld, fn, _line in declarations(view).initializer_refs:
            if fld in self.teardown_fields and fn in names:
                out.append(fn)
        for a in assignments(view):
            tail = re.split(r"->|\.", a.lhs)[-1].strip()
            if a.op == "=" and tail in self.teardown_fields and a.rhs in names:
                out.append(a.rhs)
        for n in sorted(names):
            if any(r.search(n) for r in self.teardown_names):
                out.append(n)
        return list(dict.fromkeys(out))

    @staticmethod
    def _handed_over(view, fld: str) -> bool:
        """The registered field lies in a sub-object (``vhost_dev.blocker``)
        that some call of the file is handed whole (``&s->vhost_dev``): that
        object's own cleanup, in its own file, may do the removal."""
        if "." not in fld and "->" not in fld:
            return False
        sub = re.split(r"\.|->", fld, maxsplit=1)[0]
        tail = re.compile(r"(->|\.)\s*" + re.escape(sub) + r"\s*\)?$")
        return any(tail.search(a) for c in view.facts.calls for a in c.args)

    @staticmethod
    def _whole(view) -> bool:
        """The view shows the whole file: a file view, or a hunk that adds
        every line of a new file."""
        if view.whole_file:
            return True
        n = view.text.count("\n") + 1 if view.text else 0
        return view.side == "post" and view.first_line == 1 and len(view.changed) == n > 0

    # -- scan ----------------------------------------------------------------
    def scan(self, view):
        if not self._whole(view):
            return
        regs = list(self._registrations(view))
        if not regs:
            return
        removals = self._removals(view)
        teardowns = None
        for k, (call, pi, fld) in enumerate(regs):
            pair = self.pairs[pi]
            fields = {"call": call.text, "arg": call.args[self.adds[call.name][1]],
                      "what": pair["what"], "remove": pair["remove"][0],
                      "line": str(call.line), "function": call.function}
            removed = any(rp == pi and rf == fld for _c, rp, rf in removals)
            case = None
            if not removed and self._handed_over(view, fld):
                continue        # the sub-object's own cleanup (elsewhere) may remove it
            if not removed:
                teardowns = self._teardowns(view) if teardowns is None else teardowns
                if teardowns:
                    case = "unpaired"
                    fields["teardown"] = " or ".join(f"{t}()" for t in teardowns[:3])
            else:
                first = next((c for c, p2, f2 in regs[:k]
                              if p2 == pi and f2 == fld and c.function == call.function
                              and not on_exclusive_branches(c.guards, call.guards)
                              and not any(r.function == call.function and
                                          c.byte < r.byte < call.byte and rp == pi and rf == fld
                                          for r, rp, rf in removals)), None)
                if first is not None:
                    case, fields["first_line"] = "twice", str(first.line)
            if case is None:
                continue
            fields["case"] = case
            fields["why"] = pair.get("why", "") if case == "unpaired" else ""
            fields.update(fill_case(self.cases, case, fields))
            yield Candidate(
                path=view.path, line=call.line, end_line=call.end_line,
                function=call.function, key=(call.function, call.text, case),
                guards=frozenset(f"{g.kind}:{g.text}" for g in call.guards),
                fields=fields, view=view)

    def trigger_words(self):
        # candidates and notes are calls to an add function (by name)
        return tuple(sorted(self.adds)) or None

    def hunk_notes(self, view):
        template = self.params.get("hunk_note")
        if not template or self._whole(view):
            return
        removals = self._removals(view)
        for call, pi, fld in self._registrations(view):
            if call.line not in view.changed:
                continue
            if any(rp == pi and rf == fld for _c, rp, rf in removals):
                continue
            pair = self.pairs[pi]
            yield template.format_map({
                "path": view.path, "line": call.line, "function": call.function or "?",
                "call": call.text, "what": pair["what"], "remove": pair["remove"][0]})
