"""Kind ``bisect_order``: every commit of a series must build.

Two findings:

* ``use``: patch k adds code that uses a function, macro, enum constant or
  struct field that only a later patch j defines.  Uses are the identifiers
  on the code (not comment, not string) lines patch k adds; definitions are
  function definitions and prototypes, ``#define``s, enum constants and
  struct/union fields on lines each patch adds (from the post-image facts; in
  hunk views a line inside an ``enum``/``struct`` body, told by git's hunk
  header, counts too).  A field counts as used only after ``->`` or ``.``.
* ``unused``: patch k adds a non-inline ``static`` function in a ``.c`` file
  that nothing uses until a later patch j: ``-Wunused-function`` fails the
  ``-Werror`` build at commit k.

A name is never reported when anything shows it existing before the
defining patch j: the base tree (``series.base_defines(name)`` when the
series carries a base tree), the pre-image side of patch k or an earlier
one, the pre-image side of any patch up to j on a line that no earlier
patch of the series added (context or removed lines, git's hunk-header
section text: no patch before j defines the name, so it existed before the
series), or the C that QAPI generates from the
``qapi/*.json`` hunks of patches 1..k (struct members, ``has_`` flags,
enum constants; see code/qapi.py).
"""

from __future__ import annotations

import re

from .. import lazyre
from ..code.facts import identifiers_in
from ..code.masking import blanked
from ..findings import Candidate
from . import Kind, KindError, fill_case, load_cases

_MEMBER = lazyre.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)")
_ENUM = lazyre.compile(r"\benum\b")
_STRUCT = lazyre.compile(r"\b(struct|union)\b")

# what may start a comment or literal that reads past the end of its line
_MAY_SPAN = lazyre.compile(r"/\*|[\"'\\]")
_CODE_NOISE = lazyre.compile(
    r"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)
# (\s*=value | \s*) then (,\s*): never two \s* in a row (quadratic on blanks)
_ENUM_LINE = lazyre.compile(r"^\s*([A-Z_][A-Z0-9_]*)(?:\s*=[^,;{}]*|\s*)(?:,\s*)?(?:/\*.*)?$")
# a field declaration line: a type, then one or more declarators ("uint16_t cols, rows;")
_FIELD_LINE = lazyre.compile(
    r"^\s*(?!return\b|goto\b|case\b|else\b)(?:(?:const|volatile|unsigned|signed|struct|union|"
    r"enum)\s+)*[A-Za-z_]\w*([\s*][^;{}()=]*);\s*(?:/\*.*|//.*)?$")
_DECLARATOR = lazyre.compile(
    r"^[\s*]*(?:(?:const|volatile|restrict)\b[\s*]*)*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?::\s*\w+\s*)?$")
_INLINE_OR_UNUSED = lazyre.compile(r"\binline\b|G_GNUC_UNUSED|__attribute__\s*\(\(\s*unused|"
                               r"\bQEMU_UNUSED\b|__maybe_unused")

_WHAT = {"function": "function", "prototype": "function", "macro": "macro",
         "enum": "enum constant", "field": "struct field"}

_DEFAULT_CASES = {
    "use": {
        "problem": "uses {what} `{name}` at line {line} of {path}, but only patch {later} "
                   "(\"{later_subject}\") defines it ({def_path}:{def_line}).",
        "fix": "Move the definition of `{name}` into this patch or an earlier one, or "
               "move this use into patch {later}.",
    },
    "unused": {
        "problem": "adds static function {name}() at line {line} of {path}, but nothing "
                   "calls it until patch {later} (\"{later_subject}\"), so "
                   "-Wunused-function fails the -Werror build at this commit.",
        "fix": "Add {name}() in the patch that first uses it (patch {later}), or add its "
               "first user in this patch.",
    },
}


class BisectOrder(Kind):
    name = "bisect_order"
    scope = "series"
    silent_on_one_patch = True     # every case names a later patch
    params_spec = {
        "definitions": (list, False),   # subset of function, prototype, macro, enum, field
        "unused_static": (bool, False),  # report static functions first used later
        "ignore_names": (list, False),
        "cases": (dict, False),          # {use|unused = {problem, fix}}
    }

    def __init__(self, params):
        super().__init__(params)
        self.kinds = set(params.get("definitions", list(_WHAT)))
        unknown = self.kinds - set(_WHAT)
        if unknown:
            raise KindError(f"bisect_order: unknown definition kind(s) {', '.join(sorted(unknown))}")
        self.unused_static = params.get("unused_static", True)
        self.ignore = set(params.get("ignore_names", []))
        self.cases = load_cases("bisect_order", _DEFAULT_CASES, params)

    # --- per view ---------------------------------------------------------
    def _definitions(self, view, section_text: str, lines: frozenset[int] | None):
        """(name, kind, line) defined in ``view`` (on ``lines`` when given)."""
        f = view.facts
        out = []

        def keep(line):
            return lines is None or line in lines

        for fn in f.functions:
            if not fn.from_section and keep(fn.line):
                out.append((fn.name, "function", fn.line))
        for attr, kind in (("prototypes", "prototype"), ("macros_defined", "macro"),
                           ("enum_constants", "enum"), ("fields_defined", "field")):
            for name, line in getattr(f, attr, ()):
                if keep(line):
                    out.append((name, kind, line))
        if not view.whole_file and lines is not None and section_text:
            known = {(n, ln) for n, _, ln in out}
            body = _body_kind(section_text)
            if body:
                for line in sorted(lines):
                    text = view.source_line(line)
                    if body == "enum":
                        m = _ENUM_LINE.match(text)
                        names = [m.group(1)] if m else []
                    else:
                        names = field_names(text)
                    out.extend((n, body, line) for n in names if (n, line) not in known)
        return [d for d in out if d[1] in self.kinds or (d[1] == "prototype" and "function" in self.kinds)]

    def check_series(self, series, views):
        if len(series.patches) < 2:
            return          # both cases name a later patch: one patch has none
        base_defines = getattr(series, "base_defines", None)
        inf = len(series.patches) + 1
        introduced: dict[str, tuple] = {}      # name -> (patch, kind, path, line)
        kinds_of: dict[str, set] = {}
        pre_defined: dict[str, int] = {}        # name -> first patch whose pre-image defines it
        pre_seen: dict[str, int] = {}           # name -> first patch whose pre-image shows it
        code_lines: dict[int, dict] = {}        # id(view) -> {line: code text}
        new_type: dict[str, set] = {}           # field -> names of the new struct it is in
        patch_idents: dict[int, set] = {}       # patch -> identifiers its views show
        base_seen: dict[str, int] = {}          # name -> first patch whose pre-image shows
                                                # it on a line the series did not add
        line_seen: dict[str, int] = {}          # pre-image line -> first patch it counted for
                                                # (whole files repeat most lines)
        first_added: dict[str, int] = {}        # '+' line text -> first patch adding it
        for k, p in enumerate(series.patches):
            for fd in p.files:
                for h in fd.hunks:
                    for hl in h.lines:
                        if hl.kind == "+":
                            first_added.setdefault(hl.text.strip(), k)

        def added_before(text: str, k: int) -> bool:
            """Some patch before patch ``k`` added a line reading ``text``."""
            return first_added.get(text, inf) < k
        # views in patch order (as every job makes them already): a name's
        # first patch is the first one seen, and a line seen once needs no
        # second look (sets instead of a dict lookup per line of every whole file)
        views = sorted(views, key=lambda hv: hv.patch_index)
        skipped: set[str] = set()               # lines an earlier patch added
        for hv in views:
            k = hv.patch_index
            section = _section_text(series, hv)
            for name, kind, line in self._definitions(hv.post, section, hv.post.changed):
                kinds_of.setdefault(name, set()).add(kind)
                if name not in introduced or k < introduced[name][0]:
                    introduced[name] = (k, kind, hv.post.path, line)
                    if kind == "field":
                        new_type[name] = _new_struct_names(hv.post, line)
            for name, _kind, _line in self._definitions(hv.pre, "", None):
                pre_defined[name] = min(pre_defined.get(name, inf), k)
            pre_seen.update(dict.fromkeys(hv.pre.facts.identifiers - pre_seen.keys(), k))
            # what this pre-image shows on lines no earlier patch added:
            # there before the series (checked up to the defining patch).
            # A line seen before has its identifiers in base_seen at <= k
            # already (set.difference with a dict looks each line up in it;
            # difference_update would walk every line seen so far)
            texts = set(_pre_image_lines(hv.pre, section)).difference(line_seen)
            texts.difference_update(skipped)
            plain = []      # lines without a comment or literal start: read together
            for text in texts:
                if added_before(text.strip(), k):
                    skipped.add(text)       # added before every later patch too
                    continue
                line_seen[text] = k
                if _MAY_SPAN.search(text) is None:
                    plain.append(text)
                    continue
                for ident in identifiers_in(text.encode()):
                    base_seen[ident] = min(base_seen.get(ident, inf), k)
            # (words cannot reach across a newline outside comments and
            # literals: the words of the lines joined are those of each line)
            for ident in identifiers_in("\n".join(plain).encode()) if plain else ():
                base_seen[ident] = min(base_seen.get(ident, inf), k)
            code_lines[id(hv.post)] = _code_lines(hv.post, hv.post.changed)
            seen = patch_idents.setdefault(k, set())
            seen |= hv.pre.facts.identifiers
            seen |= hv.post.facts.identifiers | identifiers_in(section.encode())
        qapi = _qapi_names(series)

        def known_in_series(name, k, d):
            """What the series itself shows about ``name`` existing (no base tree)."""
            if pre_seen.get(name, inf) <= k or base_seen.get(name, inf) <= d \
                    or pre_defined.get(name, inf) <= d:
                return True
            return any(q.defines(name) for q in qapi[:k + 1])

        def existed(name, k, d):
            if known_in_series(name, k, d):
                return True
            if base_defines is not None:
                try:
                    if base_defines(name):
                        return True
                except Exception:       # a base tree that cannot tell: fall back
                    pass
            return False

        # --- uses before the definition -----------------------------------
        reported = set()
        pending = []                     # uses that only the base tree may still explain
        uses_at: dict[str, list] = {}    # name -> [(patch, view, line)] (added code lines)
        for hv in views:
            k = hv.patch_index
            post = hv.post
            code = code_lines[id(post)]
            for line in sorted(post.changed):
                text = code.get(line, "")
                if not text.strip():
                    continue
                members = {m.group(1) for m in _MEMBER.finditer(text)}
                for name in sorted(identifiers_in(text.encode())):
                    uses_at.setdefault(name, []).append((k, post, line))
                    if name in self.ignore or (k, name) in reported:
                        continue
                    intro = introduced.get(name)
                    if intro is None or intro[0] <= k:
                        continue
                    d, kind, dpath, dline = intro
                    if kinds_of.get(name) == {"field"} and name not in members:
                        continue          # a local or parameter of the same name
                    if kind == "field" and new_type.get(name) and \
                            not new_type[name] & patch_idents.get(k, set()):
                        continue          # a field of a struct patch d adds, which
                                          # this patch never names: another struct's field
                    if _defines_on_line(post, name, line):
                        continue
                    # the same (patch, name) gets the same answer from existed():
                    # its first line decides, once the base tree was asked
                    reported.add((k, name))
                    pending.append((name, k, post, line, intro))
        prefetch = getattr(series, "base_prefetch", None)
        if prefetch is not None:
            # one question to the base tree for every name (a git grep over a
            # QEMU tree takes seconds: never one per name)
            asked = {name for name, k, _post, _line, (d, *_rest) in pending
                     if not known_in_series(name, k, d)}
            if self.unused_static:
                asked |= {fn.name for hv in views if hv.post.path.endswith(".c")
                          for fn in hv.post.facts.functions
                          if fn.is_static and fn.line in hv.post.changed}
            try:
                prefetch(asked)
            except Exception:           # a base tree that cannot tell: asked one by one
                pass
        for name, k, post, line, (d, kind, dpath, dline) in pending:
            if existed(name, k, d):
                continue
            later = series.patches[d]
            fn = post.function_at(line)
            yield self._cand(series, "use", k, post, line,
                             fn.name if fn else post.section, (k, "use", name), {
                                 "name": name, "what": _WHAT[kind], "later": later.label(),
                                 "later_subject": later.subject, "def_path": dpath,
                                 "def_line": str(dline)})

        # --- static functions first used by a later patch ---------------
        if not self.unused_static:
            return
        for hv in views:
            k = hv.patch_index
            post = hv.post
            if not post.path.endswith(".c"):
                continue
            for fn in post.facts.functions:
                if fn.from_section or not fn.is_static or fn.line not in post.changed:
                    continue
                if fn.name in self.ignore or _INLINE_OR_UNUSED.search(_header(post, fn)):
                    continue
                if existed(fn.name, k, k):
                    continue
                first_use = None
                for m, v, line in uses_at.get(fn.name, ()):
                    if v is post and fn.line <= line <= fn.end_line:
                        continue          # its own definition (or a recursive call)
                    if _declares_only(v, fn.name, line):
                        continue          # a forward prototype is not a use
                    if first_use is None or m < first_use:
                        first_use = m
                if first_use is None or first_use <= k:
                    continue
                later = series.patches[first_use]
                yield self._cand(series, "unused", k, post, fn.line, fn.name,
                                 (k, "unused", fn.name), {
                                     "name": fn.name, "what": "static function",
                                     "later": later.label(), "later_subject": later.subject})

    def _cand(self, series, case, k, view, line, function, key, fields):
        patch = series.patches[k]
        fields = dict(fields, patch=patch.label(), subject=patch.subject, path=view.path)
        fields.update(fill_case(self.cases, case,
                                dict(fields, line=str(line), function=function or "")),
                      case=case)
        return Candidate(path=view.path, line=line, function=function or "",
                         key=key, view=view, patch_index=k, fields=fields)


_STRUCT_HEAD = lazyre.compile(r"^\s*(?:typedef\s+)?(?:struct|union)\b\s*(\w*)[^;()]*\{\s*$")
_STRUCT_TAIL = lazyre.compile(r"^\s*\}\s*(\w*)\s*;")


def _new_struct_names(view, line) -> set:
    """The tag and typedef names of the struct around field ``line`` when the
    same patch adds that struct's head too (a new type); empty otherwise."""
    depth = 0
    for n in range(line - 1, view.first_line - 1, -1):
        text = view.source_line(n)
        depth += text.count("}") - text.count("{")
        if depth >= 0:
            continue
        m = _STRUCT_HEAD.match(text)
        if not m or n not in view.changed:
            return set()
        names = {m.group(1)} if m.group(1) else set()
        depth = 0
        last = view.first_line + view.text.count("\n")
        for e in range(n, last + 1):
            t = view.source_line(e)
            depth += t.count("{") - t.count("}")
            if depth <= 0:
                tail = _STRUCT_TAIL.match(t)
                if tail and tail.group(1):
                    names.add(tail.group(1))
                break
        return names
    return set()


def _pre_image_lines(view, section: str):
    """The pre-image's lines (context and removed) and git's section text."""
    if section:
        yield section
    if len(view.text) < 200000:
        yield from view.text.split("\n")


def _qapi_names(series) -> list:
    """Per patch, the C names QAPI generates from its qapi/*.json hunks (every
    side: added lines define, context and removed lines existed already)."""
    from ..code.qapi import QapiNames, is_schema

    out = []
    for patch in series.patches:
        names = QapiNames()
        for fd in patch.files:
            if is_schema(fd.path):
                for hunk in fd.hunks:
                    names.add_lines(hl.text for hl in hunk.lines)
        out.append(names)
    return out


def field_names(text: str) -> list[str]:
    """The fields a struct-body line declares: every declarator of
    ``uint16_t cols, rows;``, ``char *a, b[4];``, ``unsigned x:1, y:1;``."""
    if len(text) > 500:
        return []
    m = _FIELD_LINE.match(text)
    if not m:
        return []
    names = []
    for part in m.group(1).split(","):
        d = _DECLARATOR.match(part)
        if not d:
            return []
        names.append(d.group(1))
    return names


def _section_text(series, hv) -> str:
    """git's raw hunk header text for this hunk ('' when unknown)."""
    try:
        patch = series.patches[hv.patch_index]
        fd = next(f for f in patch.files if f.path == hv.file_path)
        return fd.hunks[hv.hunk_index].section
    except (IndexError, StopIteration, AttributeError):
        return ""


def _body_kind(section: str) -> str:
    """'enum' or 'field' when the hunk sits in an enum or struct body."""
    s = section.strip()
    if not s or "(" in s or "=" in s:
        return ""
    if _ENUM.search(s):
        return "enum"
    if _STRUCT.search(s):
        return "field"
    return ""


def _code_lines(view, lines) -> dict[int, str]:
    """file line -> the line's code with comments and literals blanked, for
    the file lines ``lines`` of the view (a whole file is blanked to know
    where its comments are; only the patch's lines are asked)."""
    if not lines:
        return {}
    text = view.text
    # a hunk that starts inside a comment: blank up to its end
    for c in view.facts.comments:
        if c.line == view.first_line and not c.text.lstrip().startswith(("/*", "//")):
            end = text.find("*/")
            if end >= 0:
                text = blanked(text[:end + 2]) + text[end + 2:]
            break
    first = view.first_line
    # blank what lies before the end of the last line asked: a comment or
    # literal starting after it cannot reach back (the same matches as
    # blanking the whole text, whose every line but these is thrown away)
    end = _row_end(text, max(lines) - first)
    parts, at = [], 0
    for m in _CODE_NOISE.finditer(text):
        if m.start() >= end:
            break
        parts += (text[at:m.start()], blanked(m.group(0)))
        at = m.end()
    parts.append(text[at:])
    rows = "".join(parts).split("\n")
    return {n: rows[n - first] for n in lines if 0 <= n - first < len(rows)}


def _row_end(text: str, row: int) -> int:
    """The offset of the end of row ``row`` (0-based) of ``text``."""
    at = -1
    for _ in range(row + 1):
        at = text.find("\n", at + 1)
        if at < 0:
            return len(text)
    return at


def _header(view, fn) -> str:
    lines = [view.source_line(n) for n in range(max(view.first_line, fn.line - 2), fn.line + 1)]
    return " ".join(lines)


def _defines_on_line(view, name, line) -> bool:
    f = view.facts
    if any(fn.name == name and fn.line == line for fn in f.functions):
        return True
    for attr in ("prototypes", "macros_defined", "enum_constants", "fields_defined"):
        if any(n == name and ln == line for n, ln in getattr(f, attr, ())):
            return True
    return False


def _declares_only(view, name, line) -> bool:
    return any(n == name and ln == line for n, ln in getattr(view.facts, "prototypes", ()))
