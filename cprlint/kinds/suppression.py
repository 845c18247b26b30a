"""Kind ``suppression``: inline ``cprlint: disable=`` comments that the patch
adds and that do not do what they say.

``report = "unknown"``: the comment names an id that is no rule.
``report = "unused"``: the comment names rules none of which has a finding
on the lines it covers (ruff's RUF100).  To know that, the kind runs the
named rules itself on the same series, so the answer does not depend on
which rules the user selected for the run.
"""

from __future__ import annotations

from ..findings import Candidate
from . import Kind

_RULES_CACHE: dict = {}


def _all_rules():
    from ..engine import load_rules, rules_dir

    d = rules_dir()
    if d not in _RULES_CACHE:
        _RULES_CACHE[d] = {r.id: r for r in load_rules(d)}
    return _RULES_CACHE[d]


class Suppression(Kind):
    name = "suppression"
    scope = "series"
    params_spec = {"report": (str, True)}    # "unused" or "unknown"

    def check_series(self, series, views):
        from ..suppressions import collect, silences

        sups = [s for s in collect(views) if s.added]
        if not sups:
            return
        rules = _all_rules()
        if self.params["report"] == "unknown":
            for s in sups:
                bad = [c for c in s.codes if c not in rules]
                if bad:
                    yield self._cand(s, {"codes": ", ".join(bad),
                                         "known": _close(bad[0], rules)})
            return

        named = {c for s in sups for c in s.codes
                 if c in rules and rules[c].kind_name != self.name}
        if not named:
            return
        from ..engine import run_rules

        found = run_rules([rules[c] for c in sorted(named)], series, views)
        for s in sups:
            known = [c for c in s.codes if c in named]
            if not known:
                continue     # only unknown ids (CPL002) or suppression rules
            patch = series.patches[s.patch_index] if s.patch_index is not None else None
            used = any(silences(s, f) for f in found
                       if f.path == s.path and (patch is None or f.patch is patch))
            if not used:
                lines = sorted(s.covers)
                span = f"line {lines[0]}" if len(lines) == 1 else \
                    f"lines {lines[0]}-{lines[-1]}"
                yield self._cand(s, {"codes": ", ".join(known), "lines": span})

    def _cand(self, s, fields):
        where = f"{s.function}()" if s.function else s.path
        fields = dict(fields, where=where, directive=s.text, line=str(s.line))
        return Candidate(path=s.path, line=s.line, end_line=s.end_line, function=s.function,
                         key=("suppression", s.text), fields=fields, view=s.view,
                         patch_index=s.patch_index)


def _close(code: str, rules) -> str:
    """A hint: rule ids sharing the code's letters, or all of them."""
    letters = code.rstrip("0123456789")
    near = [r for r in sorted(rules) if letters and r.startswith(letters)]
    return ", ".join(near or sorted(rules))
