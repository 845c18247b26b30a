"""Kind ``forward_reference``: a comment added by patch k names a function
or macro that only a later patch of the same series introduces (reported at
the rule's severity), or whose body only a later patch changes (at info: the
comment may describe behaviour that patch k does not have yet).

Commit messages may say "in a later patch"; code comments must be true at
every commit, because bisection, partial merges and backports stop there.

A comment line the patch only moves is not the patch's writing: when its
words appear, in order, in the comment text of lines the same patch removes
(any file, reflowed or not), it is not reported.  With a base tree, a
``foo()`` found nowhere is reported as absent, unless a later patch adds code
naming it (a function, a struct member, an ops callback ``.foo = bar``):
then the finding names that patch.  A name that is the tail of an
identifier the series' code shows (``sem_wait()`` for ``qemu_sem_wait()``)
is a shorthand, not an absent function.
"""

from __future__ import annotations

import re

from ..code.facts import identifiers_in
from ..code.model import any_between
from ..findings import Candidate
from . import Kind, alone_without_base, param_regex, param_regexes


class ForwardReference(Kind):
    name = "forward_reference"
    scope = "series"
    silent_on_one_patch = True     # but "absent", which needs the base tree
    params_spec = {
        "name_patterns": (list, True),   # regexes with one group: a name in comment text
        "ignore_names": (list, False),
        "introduced": (str, True),      # {detail} text: a later patch adds the name
        "changed": (str, False),        # {detail} text: a later patch changes its body
        "absent": (str, False),         # {detail} text: named as a call, found nowhere
        "absent_pattern": (str, False), # regex, one group: the names checked for "absent"
    }

    def __init__(self, params):
        super().__init__(params)
        self.name_res = param_regexes("forward_reference", "name_patterns",
                                      params["name_patterns"])
        absent = params.get("absent_pattern")
        self.absent_re = param_regex("forward_reference", "absent_pattern", absent) \
            if absent else None
        self.ignore = set(params.get("ignore_names", []))

    def _absent_names(self, text: str) -> set[str]:
        pat = self.absent_re
        return set(pat.findall(text)) - self.ignore if pat else set()

    def _names(self, text: str) -> set[str]:
        out = set()
        for r in self.name_res:
            out.update(m.group(1) for m in r.finditer(text))
        return out - self.ignore

    def check_series(self, series, views):
        if alone_without_base(series):
            return      # every case but "absent" (which needs the base tree) names a later patch
        introduced: dict[str, int] = {}   # name -> first patch index that defines it
        existed: dict[str, int] = {}      # name -> first patch index whose pre-image has it
        changed_by: dict[str, set[int]] = {}   # function -> patches that change its body
        for hv in views:
            k = hv.patch_index
            for view in (hv.post, hv.pre):
                changed = sorted(view.changed)
                for fn in view.facts.functions:
                    if any_between(changed, fn.line, fn.end_line):
                        changed_by.setdefault(fn.name, set()).add(k)
            for fn in hv.post.facts.functions:
                if not fn.from_section and fn.line in hv.post.changed:
                    introduced.setdefault(fn.name, k)
                    introduced[fn.name] = min(introduced[fn.name], k)
            for name, line in hv.post.facts.macros_defined:
                if line in hv.post.changed:
                    introduced[name] = min(introduced.get(name, k), k)
            for ident in hv.pre.facts.identifiers:
                existed[ident] = min(existed.get(ident, k), k)
        seen_by: dict[str, int] = {}     # identifier -> first patch whose code shows it
        for hv in views:
            for view in (hv.pre, hv.post):
                for ident in view.facts.identifiers:
                    seen_by[ident] = min(seen_by.get(ident, hv.patch_index), hv.patch_index)
        base_has = getattr(series, "base_defines", None)
        removed = [_removed_comment_words(p) for p in series.patches]
        added: list[set[str] | None] = [None] * len(series.patches)

        def added_later(name, k):
            for j in range(k + 1, len(series.patches)):
                if added[j] is None:
                    added[j] = _added_identifiers(series.patches[j])
                if name in added[j]:
                    return j
            return None

        for hv in views:
            k = hv.patch_index
            for comment in hv.post.facts.comments:
                if not comment.changed_lines:
                    continue
                reported = set()
                for line, text in comment.lines():
                    if line not in comment.changed_lines:
                        continue
                    words = _comment_words(text).split()
                    for name in sorted(self._names(text)):
                        if name in reported:
                            continue
                        frag = _sentence_with(words, name)
                        if frag and f" {frag} " in removed[k]:
                            continue      # moved, not written, by this patch
                        case, j = self._case(name, k, introduced, existed, changed_by)
                        if case is None and base_has is not None and "absent" in self.params \
                                and name in self._absent_names(text) \
                                and seen_by.get(name, k + 1) > k and not base_has(name) \
                                and not _shorthand(name, seen_by):
                            later = added_later(name, k)
                            case, j = ("introduced", later) if later is not None else ("absent", k)
                        if case is None:
                            continue
                        reported.add(name)
                        later = series.patches[j]
                        fields = {"name": name, "later": later.label(),
                                  "later_subject": later.subject}
                        fields["detail"] = self.params[case].format_map(fields)
                        yield Candidate(
                            path=hv.post.path, line=line,
                            function=comment.function or hv.post.section,
                            key=(k, name), view=hv.post, patch_index=k, fields=fields,
                            severity="info" if case == "changed" else None,
                        )

    def _case(self, name, k, introduced, existed, changed_by):
        """("introduced", j), ("changed", j) or (None, None) for a name that a
        comment added by patch k mentions."""
        j = introduced.get(name)
        if j is not None:
            if j > k and existed.get(name, j + 1) > j:   # not moved: really new in j
                return "introduced", j
            return None, None
        if "changed" not in self.params:
            return None, None
        patches = changed_by.get(name, set())
        later = [p for p in patches if p > k]
        if later and not any(p <= k for p in patches):
            return "changed", min(later)
        return None, None


def _shorthand(name: str, identifiers) -> bool:
    """``name`` is a known identifier without its prefix: comments say
    ``sem_wait()`` for ``qemu_sem_wait()``, ``abort_save_threads()`` for
    ``multifd_abort_save_threads()``."""
    tail = "_" + name
    return any(i.endswith(tail) for i in identifiers)


def _sentence_with(words: list[str], name: str) -> str:
    """The part of a comment line's words around ``name`` up to the sentence
    ends on either side ("... in foo().  It's" -> "... in foo()."), so a
    moved sentence still matches when the new line goes on with new text."""
    at = next((i for i, w in enumerate(words) if name in w), None)
    if at is None:
        return ""
    start = at
    while start > 0 and not words[start - 1].endswith((".", "!", "?", ":")):
        start -= 1
    end = at
    while end < len(words) - 1 and not words[end].endswith((".", "!", "?", ":")):
        end += 1
    return " ".join(words[start:end + 1])


def _comment_words(text: str) -> str:
    """A comment line's words, without comment marks and spacing."""
    for mark in ("/*", "*/", "//"):
        text = text.replace(mark, " ")
    words = [w for w in text.split() if w.strip("*/")]
    if words:
        words[0] = words[0].lstrip("*")
    return " ".join(words)


def _removed_comment_words(patch) -> str:
    """The words of the comment text on the lines ``patch`` removes, in every
    file, joined in order (so a comment reflowed by the move still matches)."""
    parts = []
    for fd in patch.files:
        for hunk in fd.hunks:
            for hl in hunk.lines:
                if hl.kind != "-" or len(hl.text) > 2000:
                    continue
                text = hl.text
                stripped = text.lstrip()
                if not stripped.startswith(("/*", "*", "//")):
                    cut = min((i for i in (text.find("/*"), text.find("//")) if i >= 0),
                              default=-1)
                    if cut < 0:
                        continue
                    text = text[cut:]
                words = _comment_words(text)
                if words:
                    parts.append(words)
    return " " + " ".join(parts) + " "


def _added_identifiers(patch) -> set[str]:
    """Identifiers on the code lines ``patch`` adds (any file)."""
    added = "\n".join(hl.text for fd in patch.files for hunk in fd.hunks
                      for hl in hunk.lines if hl.kind == "+")
    return identifiers_in(added.encode("utf-8", "replace"))
