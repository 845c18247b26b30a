"""Kind ``parameter_coverage``: a new item of a table-like interface (a
migration parameter) must be handled in several functions of several files;
at the end of the series, is it?

A new item is a name captured by ``detect`` (a regex with one group, e.g.
``has_(\\w+)\\s*=\\s*true``) on a line a patch adds to ``detect_file`` that
the base tree's version of that file does not mention.  Each of
``requirements`` ({file, function, pattern, what, pointer_only}) is then
looked up in the file as the series leaves it (the last whole-file view of
it, or the base tree's file when the series does not touch it):
``pattern`` (``{name}``/``{NAME}`` filled in) must occur in ``function``'s
body.  A function whose body matches ``satisfied_by`` handles every item at
once (``QAPI_CLONE(MigrationParameters, ...)``).  ``pointer_only`` requirements apply when the schema
(``schema_file``) gives the item a type that owns memory: a list, or a type
matching ``pointer_types``.  What cannot be seen (no base tree; a file only
seen as hunks; a function that is no longer there) is not judged: the
finding lists only what was checked, and a note says what was not.
"""

from __future__ import annotations

import re

from ..findings import Candidate
from . import Kind, KindError, param_regex, param_regexes

# after a member's name: its type, plain or as { 'type': ..., 'features': ... }
# applied with re.match right after a member's name, to at most 300 characters
_TYPE = r"\s*:\s*(?:\{\s*'type'\s*:\s*)?(\[[^\]\n]{0,200}\]|'[A-Za-z0-9_]+')"


class ParameterCoverage(Kind):
    name = "parameter_coverage"
    scope = "series"
    params_spec = {
        "detect_file": (str, True),
        "detect": (str, True),            # regex, group 1: the item's C name
        "requirements": (list, True),     # [{file, function, pattern, what, pointer_only,
                                          #   satisfied_by: regex, the whole table at once}]
        "schema_file": (str, False),
        "pointer_types": (list, False),   # regexes (fullmatch) over a schema type name
        "hunk_note": (str, False),
    }

    def __init__(self, params):
        super().__init__(params)
        k = "parameter_coverage"
        self.detect = param_regex(k, "detect", params["detect"])
        self.pointer_types = param_regexes(k, "pointer_types", params.get("pointer_types", []))
        if not self.params_checked and self.detect.groups != 1:   # (compiles it)
            raise KindError("parameter_coverage: detect needs exactly one group")
        for req in params["requirements"]:
            if not isinstance(req, dict) or not {"file", "function", "pattern", "what"} <= set(req):
                raise KindError("parameter_coverage: each requirement needs file, "
                                "function, pattern and what")

    # -- the series' new items -------------------------------------------------
    def _added(self, views):
        """name -> (patch index, post view, line) of its first added mention."""
        out: dict[str, tuple] = {}
        for hv in views:
            if hv.file_path != self.params["detect_file"]:
                continue
            v = hv.post
            for line in sorted(v.changed):
                for m in self.detect.finditer(v.source_line(line)):
                    out.setdefault(m.group(1), (hv.patch_index, v, line))
        return out

    @staticmethod
    def _new_whole(view) -> bool:
        """A post view that adds every line of a new file (the whole file)."""
        n = view.text.count("\n") + 1 if view.text else 0
        return view.first_line == 1 and len(view.changed) == n > 0

    def _final_text(self, path: str, views, base_read) -> str | None:
        """The file as the series leaves it; None when that is not known."""
        mine = [hv for hv in views if hv.file_path == path]
        if mine:
            last = max(mine, key=lambda hv: hv.patch_index)
            if last.post.whole_file or (len(mine) == 1 and self._new_whole(last.post)):
                return last.post.text
            return None
        data = base_read(path) if base_read is not None else None
        return data.decode("utf-8", "replace") if data is not None else None

    def _base_text(self, path: str, views, base_read) -> str | None:
        """The file before the series ('' when the series creates it)."""
        first = min((hv for hv in views if hv.file_path == path),
                    key=lambda hv: hv.patch_index, default=None)
        if first is not None and not first.pre.text and self._new_whole(first.post):
            return ""
        data = base_read(path) if base_read is not None else None
        return data.decode("utf-8", "replace") if data is not None else None

    def _schema_text(self, series, base_read) -> str:
        """The schema lines the series adds (a schema is no C file: it has no
        views), then the base tree's schema."""
        path = self.params["schema_file"]
        added = [hl.text for p in series.patches for fd in p.files if fd.path == path
                 for h in fd.hunks for hl in h.lines if hl.kind == "+"]
        data = base_read(path) if base_read is not None else None
        return "\n".join(added) + "\n" + (data.decode("utf-8", "replace") if data else "")

    def _schema_type(self, schema: str | None, name: str) -> str | None:
        """The schema type of member ``name`` ('[...]' or a type name)."""
        if not schema:
            return None
        for spelled in dict.fromkeys((name.replace("_", "-"), name)):
            for m in re.finditer(r"'\*?" + re.escape(spelled) + r"'", schema):
                t = re.match(_TYPE, schema[m.end():m.end() + 300])
                if t:
                    return t.group(1)
        return None

    def _owns_memory(self, typ: str | None) -> bool | None:
        if typ is None:
            return None
        if typ.startswith("["):
            return True
        return any(r.fullmatch(typ.strip("'")) for r in self.pointer_types)

    # -- check ---------------------------------------------------------------
    def check_series(self, series, views):
        k = "parameter_coverage"
        base_read = getattr(series, "base_read", None)
        added = self._added(views)
        if not added:
            return
        base_text = self._base_text(self.params["detect_file"], views, base_read)
        if base_text is None:
            return          # hunk mode: hunk_notes says what was not checked
        files: dict[str, object] = {}

        def functions_of(path):
            if path not in files:
                text = self._final_text(path, views, base_read)
                if text is not None:
                    from ..code.whole import whole_view     # (a whole file: --source only)
                files[path] = None if text is None else whole_view(path, text)
            return files[path]

        schema = None
        if self.params.get("schema_file"):
            schema = self._schema_text(series, base_read)
        for name, (k, view, line) in sorted(added.items(), key=lambda t: (t[1][0], t[1][2])):
            if re.search(r"\b" + re.escape(name) + r"\b", base_text):
                continue            # an item the tree already had
            owns = self._owns_memory(self._schema_type(schema, name))
            missing, unseen = [], []
            for req in self.params["requirements"]:
                if req.get("pointer_only") and not owns:
                    continue
                v = functions_of(req["file"])
                fn = None if v is None else next(
                    (f for f in v.facts.functions if f.name == req["function"]), None)
                if fn is None:
                    unseen.append(f"{req['function']}() in {req['file']}")
                    continue
                body = "\n".join(v.source_line(n) for n in range(fn.line, fn.end_line + 1))
                # the item's name is an identifier a patch wrote: escaped, it is
                # a literal in the rule's pattern (RE2, linear)
                pattern = param_regex(k, "requirements.pattern", req["pattern"].format(
                    name=re.escape(name), NAME=re.escape(name.upper())))
                whole = req.get("satisfied_by")
                if whole and param_regex(k, "requirements.satisfied_by", whole).search(body):
                    continue        # the function copies every member at once
                if not pattern.search(body):
                    missing.append(req["what"])
            if not missing:
                continue
            fn = view.function_at(line)
            yield Candidate(
                path=view.path, line=line, function=fn.name if fn else "",
                key=(name,), view=view, patch_index=k,
                fields={"name": name, "dashed": name.replace("_", "-"),
                        "missing": ", nor ".join(missing),
                        "unseen": (" (not checked, not in view: " + ", ".join(unseen) + ")")
                        if unseen else ""})

    def hunk_notes(self, view):
        template = self.params.get("hunk_note")
        if not template or view.path != self.params["detect_file"] or self._new_whole(view):
            return
        for line in sorted(view.changed):
            for m in self.detect.finditer(view.source_line(line)):
                yield template.format_map({"path": view.path, "line": line,
                                           "name": m.group(1)})
