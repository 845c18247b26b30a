"""Kind ``property_default``: a qdev property whose default value a patch
changes, while no patch of the series adds a machine compat entry
(``GlobalProperty`` ``{ driver, "name", value }``) for that property.

Reads the property and compat facts of ``cprlint.code.properties`` and
the gate facts of ``cprlint.code.gates``.  A property that an earlier
patch of the same series added is new, not changed.  A rule picks what it
reports with ``checks``:

  changed      an existing property's default changes
  new_gating   a property added to an existing Property array (one with a
               property the series did not add), default plainly on (true,
               ON_OFF_AUTO_ON, a non-zero literal), whose field a gate of
               migrated state in the same file reads (a ``.needed`` or a
               ``VMSTATE_*_TEST`` test): on older machine types the gate
               opens too.  Judged only when the gate's whole body and its
               ``.needed`` / test reference are in the views of the series
               (the whole file with --source, or the hunks); else silent.

Either is silent when any patch of the series adds a compat entry for the
property's name.
"""

from __future__ import annotations

from collections import defaultdict

from ..code.gates import gate_bodies, gate_names
from ..code.properties import compat_entries_of, properties_of
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases

CHECKS = ("changed", "new_gating")
_DEFAULT_CASES = {c: {"problem": c, "fix": ""} for c in CHECKS}


class PropertyDefault(Kind):
    name = "property_default"
    scope = "series"
    params_spec = {
        "checks": (list, False),     # default: ["changed"]
        "cases": (dict, False),
    }

    def __init__(self, params: dict):
        super().__init__(params)
        checks = params.get("checks", ["changed"])
        if not checks or any(c not in CHECKS for c in checks):
            raise KindError(f"property_default: checks must be among {', '.join(CHECKS)}")
        self.checks = frozenset(checks)
        self.cases = load_cases("property_default", _DEFAULT_CASES, params)

    def trigger_words(self):
        # every candidate is a DEFINE_PROP_* of a post image
        return ("DEFINE_PROP_",)

    def check_series(self, series, views):
        compat = {c.name for hv in views for c in compat_entries_of(hv.post) if c.changed}
        added_before: dict[tuple[str, str], int] = {}   # (file, property) -> patch adding it
        added: list[tuple] = []                          # (hv, PropFact) of added properties
        kept: dict[str, set[str]] = defaultdict(set)     # file -> properties shown unchanged
        by_patch = defaultdict(list)
        for hv in views:
            by_patch[hv.patch_index].append(hv)
        for k in sorted(by_patch):
            for hv in by_patch[k]:
                pre = {p.name: p for p in properties_of(hv.pre)}
                for p in properties_of(hv.post):
                    if not p.changed:
                        kept[hv.file_path].add(p.name)
                        continue
                    old = pre.get(p.name)
                    if old is None:
                        if (hv.file_path, p.name) not in added_before:
                            added.append((hv, p))
                        added_before.setdefault((hv.file_path, p.name), k)
                        continue
                    if "changed" not in self.checks:
                        continue
                    if old.default == p.default or old.macro != p.macro:
                        continue
                    if added_before.get((hv.file_path, p.name), k) < k:
                        continue        # the series added it: no machine has the old default
                    if p.name in compat:
                        continue
                    yield Candidate(
                        path=hv.file_path, line=p.line, function=p.name,
                        key=(p.name, old.default, p.default),
                        fields=self._fields("changed", {
                            "property": p.name, "macro": p.macro, "old": old.default,
                            "new": p.default, "line": str(p.line)}),
                        view=hv.post, patch_index=hv.patch_index)
        if "new_gating" in self.checks and added:
            yield from self._new_gating(views, added, added_before, kept, compat)

    def _fields(self, case: str, f: dict) -> dict:
        f = dict(f)
        f.update(fill_case(self.cases, case, f))
        return f

    def _new_gating(self, views, added, added_before, kept, compat):
        gates: dict[str, dict] = {}      # file -> gate name -> body
        wanted = {hv.file_path for hv, _ in added}
        by_file = defaultdict(list)
        for hv in views:
            if hv.file_path in wanted:
                by_file[hv.file_path].append(hv)
        for path, mine in by_file.items():
            names: dict[str, int] = {}
            for hv in mine:
                for n, line in gate_names(hv.post).items():
                    names.setdefault(n, line)
            bodies = {}
            for hv in mine:
                for n, b in gate_bodies(hv.post, names).items():
                    bodies.setdefault(n, b)
            gates[path] = bodies
        for hv, p in added:
            path = hv.file_path
            if p.name in compat or not p.default_on or not p.field:
                continue
            if not any((path, n) not in added_before for n in kept[path]):
                continue        # the array is new in the series: a new device
            gate = next((b for b in sorted(gates[path].values(), key=lambda b: b.line)
                         if p.field in b.reads and (not p.bit or p.bit in b.text)), None)
            if gate is None:
                continue
            yield Candidate(
                path=path, line=p.line, function=p.name,
                key=(p.name, "new_gating", p.default),
                fields=self._fields("new_gating", {
                    "property": p.name, "macro": p.macro, "new": p.default, "old": "",
                    "field": p.field, "gate": gate.function, "gate_line": str(gate.line),
                    "line": str(p.line)}),
                view=hv.post, patch_index=hv.patch_index)
