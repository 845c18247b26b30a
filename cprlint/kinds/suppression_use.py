"""Kind ``suppression_use``: inline ``cprlint: disable=`` comments that the
patch adds and that do not do what they say.

A kind of scope ``findings``: the engine calls it after every other rule has
run, with the findings of that run (before suppressions are applied) and the
suppressions the patch adds (cprlint.suppressions parses them).

``report = "unknown"``: the comment names an id that is no rule.
``report = "unused"``: the comment names rules none of which has a finding
on the lines it covers (ruff's RUF100).  The engine runs the named rules
for this even when they are not selected, so the answer does not depend on
the selection.
"""

from __future__ import annotations

from ..findings import Candidate
from . import Kind


class SuppressionUse(Kind):
    name = "suppression_use"
    scope = "findings"
    params_spec = {"report": (str, True)}    # "unused" or "unknown"

    def __init__(self, params):
        super().__init__(params)
        if params["report"] not in ("unused", "unknown"):
            from . import KindError

            raise KindError("suppression_use: report must be unused or unknown")

    def check_findings(self, series, views, findings, context):
        """``context``: a FindingsContext (engine): the added suppressions,
        the ids of every known rule, and the ids whose findings were looked for."""
        from ..suppressions import silences

        sups = context.suppressions
        if self.params["report"] == "unknown":
            for s in sups:
                bad = [c for c in s.codes if c not in context.known]
                if bad:
                    yield self._cand(s, {"codes": ", ".join(bad),
                                         "known": _close(bad[0], context.known)})
            return

        found = [f for f in findings if not f.preexisting]
        for s in sups:
            judged = [c for c in s.codes if c in context.judged]
            if not judged:
                continue     # only unknown ids, or rules this pass cannot judge
            patch = series.patches[s.patch_index] if s.patch_index is not None else None
            used = any(silences(s, f) for f in found
                       if f.path == s.path and (patch is None or f.patch is patch))
            if not used:
                lines = sorted(s.covers)
                span = f"line {lines[0]}" if len(lines) == 1 else \
                    f"lines {lines[0]}-{lines[-1]}"
                yield self._cand(s, {"codes": ", ".join(judged), "lines": span})

    def _cand(self, s, fields):
        where = f"{s.function}()" if s.function else s.path
        fields = dict(fields, where=where, directive=s.text, line=str(s.line))
        return Candidate(path=s.path, line=s.line, end_line=s.end_line, function=s.function,
                         key=("suppression", s.text), fields=fields, view=s.view,
                         patch_index=s.patch_index)


def _close(code: str, known) -> str:
    """A hint: rule ids sharing the code's letters, or all of them."""
    letters = code.rstrip("0123456789")
    near = [r for r in sorted(known) if letters and r.startswith(letters)]
    return ", ".join(near or sorted(known))
