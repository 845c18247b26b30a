"""Kind ``vmstate_change``: what a patch does to an existing
VMStateDescription, compared between its pre- and post-image (matched by
variable, then by ``.name``), and across the patches of the series.

It reads the initializer facts of ``cprlint.code.initializers`` only.  A
rule picks the checks it reports with ``checks``:

  inserted         a field added before fields that were already there
  removed          a field removed and not replaced by VMSTATE_UNUSED of its size
  reordered        fields that stay but change places
  resized          a field replaced by one of another known wire size
  minimum_raised   ``.minimum_version_id`` raised (older streams refused);
                   not reported when the subject or commit message matches
                   ``intent`` (the kind judges code: without a message, as in
                   ``cprlint hook``, it reports)
  appended         a field added at the end with no version bump and
                   ``_V(..., new version)``
  version_above    a field ``_V(..., n)`` with n above ``.version_id``
  bumped_again     ``.version_id`` changed by a second patch of the series
  subsection_unneeded  a subsection added to a description whose own
                   description has no ``.needed`` (check name for a
                   description the series creates: ``subsection_unneeded_new``)
  subsection_always    a subsection added to an existing description whose
                   ``.needed`` returns true on every path (seen whole, from
                   the gate facts), while no patch of the series adds a
                   machine compat entry
  subsection_default_on  the same, with a ``.needed`` that only returns a
                   field behind a property whose default is plainly on,
                   and no compat entry for that property in the series

A VMStateDescription that a patch of the same series creates is not
"existing": only ``version_above`` applies to it.  What a hunk does not show
(the end of the field list after an addition, a description the hunk header
does not name) is not judged; ``hunk_note`` says so in the summary.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..code.gates import gate_bodies
from ..code.initializers import Vmsd, VmsdField, vmsds_of
from ..code.properties import compat_entries_of, properties_of
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases, py_regex

CHECKS = ("inserted", "removed", "reordered", "resized", "minimum_raised", "appended",
          "version_above", "bumped_again", "subsection_unneeded", "subsection_always",
          "subsection_default_on")

_DEFAULT_CASES = {c: {"problem": c, "fix": ""} for c in CHECKS + (
    "appended_no_bump", "appended_old_version", "subsection_unneeded_new")}


class VmstateChange(Kind):
    name = "vmstate_change"
    scope = "series"
    params_spec = {
        "checks": (list, True),
        "intent": (str, False),
        "hunk_note": (str, False),
        "subsection_note": (str, False),   # hunk mode: a subsection whose description is not seen
        "needed_note": (str, False),       # hunk mode: a new subsection's .needed body not seen
        "severity": (dict, False),   # check -> severity, overriding the rule's
        "cases": (dict, False),
    }

    def __init__(self, params: dict):
        super().__init__(params)
        bad = [c for c in params["checks"] if c not in CHECKS]
        if bad or not params["checks"]:
            raise KindError(f"vmstate_change: checks must be among {', '.join(CHECKS)}")
        self.checks = frozenset(params["checks"])
        try:
            self.intent = py_regex(params["intent"]) if params.get("intent") else None
        except re.error as exc:
            raise KindError(f"vmstate_change: intent: {exc}") from None
        self.cases = load_cases("vmstate_change", _DEFAULT_CASES, params)
        self.severity = dict(params.get("severity", {}))
        self._notes: dict[int, list[str]] = {}   # id(post view) -> what it could not check

    # -- the series ---------------------------------------------------------

    def trigger_words(self):
        # every candidate and note comes from a VMState description or field
        # list of a view, which needs one of these in its text
        from ..code.initializers import VMSTATE_MARKERS

        return VMSTATE_MARKERS

    def check_series(self, series, views):
        groups: dict[tuple, list] = defaultdict(list)
        for hv in views:
            groups[(hv.patch_index, hv.file_path)].append(hv)
        created: set[tuple[str, str]] = set()   # (file, var) a patch of the series adds
        self._notes = {}
        self._gating = {}
        if self.checks & {"subsection_always", "subsection_default_on"}:
            self._gating = _gating_facts(views)
        bumps: dict[tuple[str, str], list] = defaultdict(list)
        for (k, path), hvs in sorted(groups.items(), key=lambda kv: kv[0]):
            patch = series.patches[k]
            pre_all = [v for hv in hvs for v in vmsds_of(hv.pre)]
            post_all = [v for hv in hvs for v in vmsds_of(hv.post)]
            if not post_all and not pre_all:
                continue
            pre_vars = {v.var for v in pre_all if v.var}
            for v in post_all:
                if v.var and v.start_visible and v.header_changed and v.var not in pre_vars:
                    created.add((path, v.var))
            state = _Versions(pre_all, post_all)
            for hv in hvs:
                post_list, pre_list = vmsds_of(hv.post), vmsds_of(hv.pre)
                for post in post_list:
                    pre = _match(post, pre_list)
                    new = (path, post.var) in created or pre is None
                    yield from self._version_above(hv, post, state, new)
                    yield from self._subsections(hv, pre, post, post_all, new)
                    if new:
                        continue
                    owner = post.var or pre.var
                    if post.kind == "fields":
                        owner = _owner(post_all, owner)
                        if not owner:
                            continue    # its description (and versions) not in view
                    yield from self._compare(hv, pre, post, state, patch, owner)
            for var in state.vars():
                if (path, var) in created:
                    continue
                if state.changed(var, "minimum_version_id") and "minimum_raised" in self.checks:
                    yield from self._minimum(groups[(k, path)], var, state, patch)
                if state.changed(var, "version_id"):
                    site = _attr_site(hvs, var, "version_id")
                    if site is not None:
                        bumps[(path, var)].append((k, site))
        if "bumped_again" in self.checks:
            yield from self._bumped_again(bumps, created)

    # -- checks -------------------------------------------------------------

    def _candidate(self, case, hv, vmsd: Vmsd, line: int, key, fields: dict,
                   check: str | None = None) -> Candidate:
        f = dict(fields)
        label = vmsd.var or "this VMStateDescription"
        f.setdefault("vmsd", f'{label} ("{vmsd.name}")' if vmsd.name else label)
        f["line"] = str(line)
        f.update(fill_case(self.cases, case, f))
        return Candidate(path=hv.file_path, line=line, function=vmsd.var, key=key,
                         fields=f, view=hv.post, patch_index=hv.patch_index,
                         severity=self.severity.get(check or case))

    def _compare(self, hv, pre: Vmsd, post: Vmsd, state, patch, var: str):
        """Field layout: entries matched by the field they migrate (by what
        they put on the wire when they name none); a field renamed in place
        with the same wire size keeps its value."""
        if state.raised(var, "minimum_version_id"):
            return      # the old format is dropped: only minimum_raised speaks
        a, b = pre.fields, post.fields
        from difflib import SequenceMatcher   # only when a VMStateDescription changes

        ops = SequenceMatcher(None, [_ident(f) for f in a], [_ident(f) for f in b],
                              autojunk=False).get_opcodes()
        pre_names = {f.name for f in a if f.name}
        post_names = {f.name for f in b if f.name}
        appended: list[VmsdField] = []
        for tag, i1, i2, j1, j2 in ops:
            old, new = a[i1:i2], b[j1:j2]
            if tag == "equal":
                for o, n in zip(old, new):
                    if o.wire != n.wire:
                        yield from self._replaced(hv, post, o, n)
                continue
            later_old = any(not f.is_end for f in b[j2:] if not f.changed) or \
                any(not f.is_end for f in a[i2:])
            at_end = not later_old and (post.fields_end_visible or any(f.is_end for f in b[j2:]))
            # entries of this block that take an old entry's place: a rename
            # or a VMSTATE_UNUSED of the same wire size (paired in order)
            fresh = [n for n in new if not n.is_end and not (n.name and n.name in pre_names)]
            for o in old:
                if o.is_end or (o.name and o.name in post_names):
                    continue            # still there: moved (reported where it lands)
                twin = next((n for n in fresh if n.wire == o.wire or
                             (tag == "replace" and len(old) == len(new))), None)
                if twin is not None:
                    fresh.remove(twin)
                    if twin.wire != o.wire:
                        yield from self._replaced(hv, post, o, twin)
                    continue
                if o.tested:
                    continue            # a _TEST field leaves with its compat property
                yield from self._removed(hv, post, o, b, j1)
            for n in new:
                if n.is_end or n.is_unused:
                    continue
                if n.name and n.name in pre_names:
                    if "reordered" in self.checks:
                        yield self._candidate("reordered", hv, post, n.line,
                                              (var, "reordered", n.name), {"field": n.text})
                    continue
                if n not in fresh:
                    continue            # took an old entry's place
                if later_old:
                    if n.tested or self._versioned_in(n, var, state):
                        continue
                    if "inserted" in self.checks:
                        after = next((f for f in b[j2:] if not f.changed and not f.is_end), None)
                        yield self._candidate("inserted", hv, post, n.line,
                                              (var, "inserted", n.name or n.text),
                                              {"field": n.text,
                                               "before": after.text if after else "an older field"})
                elif at_end:
                    appended.append(n)
        if appended and "appended" in self.checks:
            yield from self._appended(hv, post, var, appended, state)

    def _versioned_in(self, f: VmsdField, var: str, state) -> bool:
        """A field loaded only from the new version on: the patch raised
        .version_id and the field's _V is above the old one."""
        if not state.changed(var, "version_id") or not f.version:
            return False
        old = state.number(var, "version_id", "pre")
        return old is not None and f.version > old

    def _replaced(self, hv, post, o: VmsdField, n: VmsdField):
        if "resized" not in self.checks and "removed" not in self.checks:
            return
        if o.size is not None and n.size is not None and o.size != n.size:
            if "resized" in self.checks:
                yield self._candidate("resized", hv, post, n.line,
                                      (post.var, "resized", o.text, n.text),
                                      {"field": n.text, "old": o.text,
                                       "old_size": str(o.size), "new_size": str(n.size)})

    def _removed(self, hv, post, o: VmsdField, b, j):
        if "removed" not in self.checks:
            return
        anchor = next((f.line for f in b[j:]), None) or (b[j - 1].line if j and b else post.line)
        yield self._candidate("removed", hv, post, anchor, (post.var, "removed", o.text),
                              {"field": o.text, "old_line": str(o.line),
                               "size": o.size_text or f"sizeof the old {o.macro} field"})

    def _appended(self, hv, post, var, fields, state):
        bumped = state.changed(var, "version_id")
        old_v = state.number(var, "version_id", "pre")
        new_v = state.number(var, "version_id", "post")
        for n in fields:
            if n.tested or n.version is None:
                continue
            key = (var, "appended", n.name or n.text)
            base = {"field": n.text, "version": str(n.version),
                    "old_version": str(old_v) if old_v is not None else "?",
                    "new_version": str(new_v) if new_v is not None else "?"}
            if not bumped:
                if n.version and new_v is not None and n.version > new_v:
                    continue            # version_above says it
                yield self._candidate("appended_no_bump", hv, post, n.line, key, base,
                                      check="appended")
            elif old_v is None or new_v is None:
                continue                # a symbol: cannot tell
            elif n.version == 0 or n.version <= old_v:
                yield self._candidate("appended_old_version" if n.version else "appended",
                                      hv, post, n.line, key, base, check="appended")

    def _version_above(self, hv, post: Vmsd, state, new: bool):
        if "version_above" not in self.checks or post.kind != "vmsd":
            return
        top = state.number(post.var, "version_id", "post") if post.var else \
            (post.attr("version_id").number if post.attr("version_id") else None)
        if top is None:
            return
        for f in post.fields:
            if f.changed and f.version and f.version > top:
                yield self._candidate("version_above", hv, post, f.line,
                                      (post.var, "version_above", f.text),
                                      {"field": f.text, "version": str(f.version),
                                       "new_version": str(top)})

    def _subsections(self, hv, pre: Vmsd | None, post: Vmsd, post_all, new: bool):
        if post.kind != "vmsd" or not self.checks & {
                "subsection_unneeded", "subsection_always", "subsection_default_on"}:
            return
        had = {name for name, _, _ in pre.subsections} if pre is not None else set()
        for name, line, changed in post.subsections:
            if not changed or name in had:
                continue
            sub = next((v for v in post_all if v.var == name and v.kind == "vmsd"), None)
            if sub is None or not sub.whole:
                template = self.params.get("subsection_note")
                if template and not hv.post.whole_file:
                    self._notes.setdefault(id(hv.post), []).append(template.format_map({
                        "path": hv.file_path, "line": line, "vmsd": post.var or "a description",
                        "subsection": name}))
                continue
            if "needed" in sub.attrs:
                if not new:
                    yield from self._always_needed(hv, post, sub, name, line)
                continue
            if "subsection_unneeded" not in self.checks:
                continue
            case = "subsection_unneeded_new" if new else "subsection_unneeded"
            yield self._candidate(case, hv, post, line, (post.var, case, name),
                                  {"subsection": name,
                                   "subsection_name": sub.name or name}, check=case)

    def _always_needed(self, hv, post: Vmsd, sub: Vmsd, name: str, line: int):
        """A new subsection of an existing description whose .needed is
        true on old machine types too."""
        bodies, props, compat = self._gating.get(hv.file_path, ({}, {}, set()))
        gate = bodies.get(sub.attr("needed").value.strip())
        if gate is None:            # its body not in view: not judged
            template = self.params.get("needed_note")
            if template and not hv.post.whole_file:
                self._notes.setdefault(id(hv.post), []).append(template.format_map({
                    "path": hv.file_path, "line": line, "vmsd": post.var or "a description",
                    "subsection": name, "needed": sub.attr("needed").value.strip()}))
            return
        fields = {"subsection": name, "subsection_name": sub.name or name,
                  "needed": gate.function, "needed_line": str(gate.line)}
        if gate.always_true and "subsection_always" in self.checks and not compat:
            yield self._candidate("subsection_always", hv, post, line,
                                  (post.var, "subsection_always", name), fields)
        elif gate.returns_member and "subsection_default_on" in self.checks:
            prop = props.get(gate.returns_member)
            if prop is None or prop.name in compat or prop.bit:
                return
            fields.update(property=prop.name, field=gate.returns_member, default=prop.default)
            yield self._candidate("subsection_default_on", hv, post, line,
                                  (post.var, "subsection_default_on", name), fields)

    def _minimum(self, hvs, var, state, patch):
        if not state.raised(var, "minimum_version_id"):
            return
        if self.intent and self.intent.search(f"{patch.subject}\n{patch.commit_message or ''}"):
            return
        for hv in hvs:
            for post in vmsds_of(hv.post):
                a = post.attr("minimum_version_id")
                if post.var == var and a is not None and a.changed:
                    yield self._candidate(
                        "minimum_raised", hv, post, a.line, (var, "minimum_raised", a.value),
                        {"old": str(state.number(var, "minimum_version_id", "pre") or 0),
                         "new": a.value,
                         "new_version": str(state.number(var, "version_id", "post") or "?")})
                    return

    def _bumped_again(self, bumps, created):
        for (path, var), hits in bumps.items():
            if (path, var) in created or len({k for k, _ in hits}) < 2:
                continue
            first = hits[0]
            for k, (hv, post, line) in hits[1:]:
                if k == first[0]:
                    continue
                yield self._candidate("bumped_again", hv, post, line,
                                      (var, "bumped_again"),
                                      {"first_patch": str(first[0] + 1)})

    # -- hunk mode: what was not checked -------------------------------------

    def hunk_notes(self, view):
        yield from self._notes.get(id(view), ())
        template = self.params.get("hunk_note")
        if not template:
            return
        for v in vmsds_of(view):
            added = [f for f in v.fields if f.changed and not f.is_end]
            if not added:
                continue
            last = max(added, key=lambda f: f.line)
            after = [f for f in v.fields if f.line > last.line]
            if after or v.fields_end_visible:
                if v.var:
                    continue
                what = "the hunk header does not name the VMStateDescription"
            else:
                what = "the end of its field list is not in the hunk"
            yield template.format_map({
                "path": view.path, "line": last.line, "field": last.text,
                "vmsd": v.var or "a VMStateDescription", "what": what})


def _ident(f: VmsdField) -> str:
    return f.name if f.name else "\0" + repr(f.wire)


def _owner(descriptions: list[Vmsd], fields_var: str) -> str:
    """The description whose ``.fields`` is the separate list ``fields_var``."""
    for v in descriptions:
        a = v.attr("fields")
        if v.kind == "vmsd" and v.var and a is not None and a.value == fields_var:
            return v.var
    return ""


def _attr_site(hvs, var: str, key: str):
    """(hunk views, post description, line) of the changed ``key`` of ``var``."""
    for hv in hvs:
        for post in vmsds_of(hv.post):
            a = post.attr(key)
            if post.var == var and a is not None and a.changed:
                return hv, post, a.line
    return None


def _gating_facts(views) -> dict:
    """file -> (gate bodies by name, properties on by default by field,
    property names the series gives a compat entry)."""
    compat = {c.name for hv in views for c in compat_entries_of(hv.post) if c.changed}
    out: dict[str, tuple] = {}
    by_file = defaultdict(list)
    for hv in views:
        by_file[hv.file_path].append(hv)
    for path, mine in by_file.items():
        names = {a.value.strip() for hv in mine for v in vmsds_of(hv.post)
                 for a in [v.attr("needed")] if a is not None}
        bodies: dict = {}
        props: dict = {}
        for hv in mine:
            for n, b in gate_bodies(hv.post, names).items():
                bodies.setdefault(n, b)
            for p in properties_of(hv.post):
                if p.default_on and p.field:
                    props.setdefault(p.field, p)
        out[path] = (bodies, props, compat)
    return out


def _match(post: Vmsd, pre_list: list[Vmsd]) -> Vmsd | None:
    for p in pre_list:
        if p.kind == post.kind and p.var and p.var == post.var:
            return p
    if post.name:
        for p in pre_list:
            if p.kind == post.kind and p.name == post.name:
                return p
    if not post.var:
        for p in pre_list:
            if p.kind == post.kind and not p.var and not p.start_visible:
                return p
    return None


class _Versions:
    """``.version_id`` / ``.minimum_version_id`` of each description in one
    patch of one file, merged over its hunks: a line the patch changes is in
    some hunk, so "not seen changed" means "not changed"."""

    def __init__(self, pre: list[Vmsd], post: list[Vmsd]):
        self.sides = {"pre": defaultdict(dict), "post": defaultdict(dict)}
        for side, lst in (("pre", pre), ("post", post)):
            for v in lst:
                if not v.var or v.kind != "vmsd":
                    continue
                for key in ("version_id", "minimum_version_id"):
                    a = v.attr(key)
                    if a is not None and (key not in self.sides[side][v.var] or a.changed):
                        self.sides[side][v.var][key] = a

    def vars(self):
        return sorted(set(self.sides["post"]) | set(self.sides["pre"]))

    def changed(self, var, key) -> bool:
        pre = self.sides["pre"][var].get(key)
        post = self.sides["post"][var].get(key)
        if not ((pre and pre.changed) or (post and post.changed)):
            return False
        return (pre.value if pre else None) != (post.value if post else None)

    def number(self, var, key, side) -> int | None:
        a = self.sides[side][var].get(key)
        if a is None:
            # a designator the patch adds or removes was absent (0) on the other side
            other = self.sides["post" if side == "pre" else "pre"][var].get(key)
            return 0 if other is not None and other.changed else None
        return a.number

    def raised(self, var, key) -> bool:
        if not self.changed(var, key):
            return False
        old, new = self.number(var, key, "pre"), self.number(var, key, "post")
        return old is not None and new is not None and new > old

