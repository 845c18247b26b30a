"""Inline suppressions in C: ``/* cprlint: disable=MIG001 */``.

A suppression is a comment (``/* */`` or ``//``) in the code a finding is in
(the post-image of the patch's hunk, or the file).  It names one or more rule
ids, comma-separated, and may give a reason after them::

    /* cprlint: disable=MIG001 -- resume is gated by the caller */
    vm_resume(s->vm_old_state);
    vm_resume(s->vm_old_state);   // cprlint: disable=MIG001,CPR001

It silences a finding of a named rule on the comment's own line(s), or, when
the comment stands alone on its line(s), on the line just below it.
Unknown ids and suppressions that silence nothing are reported by the
``suppression_use`` rule kind, for suppressions the patch adds, after the
other rules have run (the engine's post-pass).
"""

from __future__ import annotations

import re

from . import lazyre
from .records import Record

DIRECTIVE = lazyre.compile(
    r"cprlint\s*:\s*disable\s*=\s*([A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)", re.I)


class Suppression(Record):
    """A ``cprlint: ignore[...]`` comment and the lines it covers."""

    path: str
    line: int                 # first line of the comment
    end_line: int
    codes: tuple[str, ...]
    covers: frozenset[int]    # file lines whose findings it silences
    added: bool               # the patch adds it (or a file is checked as it is)
    function: str
    patch_index: int | None
    view: object              # the CodeView it was read from
    text: str                 # the directive as written, e.g. "disable=MIG001"

    def __init__(self, path, line, end_line, codes, covers, added, function, patch_index, view,
                 text) -> None:
        self.path = path
        self.line = line
        self.end_line = end_line
        self.codes = codes
        self.covers = covers
        self.added = added
        self.function = function
        self.patch_index = patch_index
        self.view = view
        self.text = text


def parse_directive(comment: str) -> tuple[tuple[str, ...], str] | None:
    """(codes, directive text) of a comment, or None if it is no suppression."""
    # (the regex is compiled only for a comment that can hold a directive:
    # "cprl" matches no other letters than its own under re.I)
    m = DIRECTIVE.search(comment) if "cprl" in comment.lower() else None
    if not m:
        return None
    codes = tuple(dict.fromkeys(c.strip().upper() for c in m.group(1).split(",")))
    return codes, "disable=" + ",".join(codes)


def _alone(view, comment) -> bool:
    """The comment is the only thing on its lines (a comment line)."""
    first = view.source_line(comment.line)
    last = view.source_line(comment.end_line)
    head = comment.text.split("\n", 1)[0]
    tail = comment.text.rsplit("\n", 1)[-1]
    at = first.find(head)
    before = first[:at] if at >= 0 else first
    end_at = last.rfind(tail)
    after = last[end_at + len(tail):] if end_at >= 0 else ""
    return not before.strip() and not after.strip()


def _post_views(views):
    for hv in views:
        post = getattr(hv, "post", hv)
        yield getattr(hv, "patch_index", None), post


def collect(views) -> list[Suppression]:
    """Every suppression comment in the post-image views, in order."""
    out, seen = [], set()
    for patch_index, view in _post_views(views):
        for c in view.facts.comments:
            parsed = parse_directive(c.text)
            if parsed is None:
                continue
            key = (patch_index, view.path, c.line)
            if key in seen:
                continue
            seen.add(key)
            codes, text = parsed
            covers = set(range(c.line, c.end_line + 1))
            if _alone(view, c):
                covers.add(c.end_line + 1)
            # the lines of the directive itself, not a long reason below it
            directive_line = c.line + c.text[:DIRECTIVE.search(c.text).start()].count("\n")
            # a whole file after a patch (full mode) holds the tree's own
            # suppressions too: only its changed lines are the patch's; a C
            # file checked as it is (no patch) is all "added"
            added = directive_line in view.changed or \
                (view.whole_file and view.patch_index is None)
            out.append(Suppression(view.path, c.line, c.end_line, codes, frozenset(covers),
                                   added, c.function or view.section, patch_index, view,
                                   text))
    return out


def _index(job_series, views):
    """(id(patch) or None, path) -> suppressions."""
    patches = list(getattr(job_series, "patches", []) or [])
    table: dict = {}
    for s in collect(views):
        patch = patches[s.patch_index] if s.patch_index is not None and \
            0 <= s.patch_index < len(patches) else None
        table.setdefault((id(patch) if patch is not None else None, s.path), []).append(s)
    return table


def silences(s: Suppression, f) -> bool:
    lines = set(range(f.line, (f.end_line or f.line) + 1))
    return f.rule in s.codes and bool(lines & s.covers)


def suppressed(findings, job):
    """``findings`` without those an inline suppression silences."""
    views = getattr(job, "views", None) or []
    if not findings or not views:
        return findings
    table = _index(getattr(job, "series", None), views)
    if not table:
        return findings
    out = []
    for f in findings:
        key = (id(f.patch) if f.patch is not None else None, f.path)
        if any(silences(s, f) for s in table.get(key, ())):
            continue
        out.append(f)
    return out
