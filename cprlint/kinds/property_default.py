"""Kind ``property_default``: a qdev property whose default value a patch
changes, while no patch of the series adds a machine compat entry
(``GlobalProperty`` ``{ driver, "name", value }``) for that property.

Reads the property and compat facts of ``cprlint.code.properties``.  A
property that an earlier patch of the same series added is new, not
changed.
"""

from __future__ import annotations

from collections import defaultdict

from ..code.properties import compat_entries_of, properties_of
from ..findings import Candidate
from . import Kind


class PropertyDefault(Kind):
    name = "property_default"
    scope = "series"
    params_spec = {}

    def check_series(self, series, views):
        compat = {c.name for hv in views for c in compat_entries_of(hv.post) if c.changed}
        added_before: dict[tuple[str, str], int] = {}   # (file, property) -> patch adding it
        by_patch = defaultdict(list)
        for hv in views:
            by_patch[hv.patch_index].append(hv)
        for k in sorted(by_patch):
            for hv in by_patch[k]:
                pre = {p.name: p for p in properties_of(hv.pre)}
                for p in properties_of(hv.post):
                    if not p.changed:
                        continue
                    old = pre.get(p.name)
                    if old is None:
                        added_before.setdefault((hv.file_path, p.name), k)
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
                        fields={"property": p.name, "macro": p.macro, "old": old.default,
                                "new": p.default},
                        view=hv.post, patch_index=hv.patch_index)
