"""`cprlint compare v1 v2`: what a new version of a series did to the findings.

Patches are matched by normalised subject, then, for those left, by the
(file, function) pairs their hunks touch (the best overlap wins).  Findings
are matched by rule + function + key text (what the finding is about: the
call, the comment's verdict, the name referred to), never by line, first
within matched patches, then anywhere in the series (a finding whose code
moved to another patch is still present).
"""

from __future__ import annotations

import re

from .findings import Finding, severity_rank
from .records import Record
from .report import plural

FIXED, STILL, NEW = "fixed", "still", "new"


class Version(Record):
    path: str
    series: object
    findings: list[Finding]

    def __init__(self, path, series, findings) -> None:
        self.path = path
        self.series = series
        self.findings = findings


class Entry(Record):
    status: str
    old: Finding | None
    new: Finding | None

    def __init__(self, status, old=None, new=None) -> None:
        self.status = status
        self.old = old
        self.new = new

    @property
    def finding(self) -> Finding:
        return self.new if self.new is not None else self.old


class Comparison(Record):
    v1: Version
    v2: Version
    pairs: list[tuple[object | None, object | None]]
    entries: list[Entry]

    def __init__(self, v1, v2, pairs=None, entries=None) -> None:
        self.v1 = v1
        self.v2 = v2
        self.pairs = [] if pairs is None else pairs
        self.entries = [] if entries is None else entries


def normalise_subject(subject: str) -> str:
    s = subject.strip().lower()
    while s.startswith("[") and "]" in s:      # leftover [...] prefixes (no regex:
        s = s[s.index("]") + 1:].lstrip()      # (\s*\[..\]\s*)+ backtracks exponentially)
    s = re.sub(r"\s+", " ", s).rstrip(" .")
    return s


def touched(patch) -> set[tuple[str, str]]:
    out = set()
    for fd in patch.files:
        for h in fd.hunks:
            out.add((fd.path, h.function_hint))
        if not fd.hunks:
            out.add((fd.path, ""))
    return out


def match_patches(old: list, new: list) -> list[tuple[object | None, object | None]]:
    """Pairs (v1 patch or None, v2 patch or None), in v2 order, then v1 leftovers."""
    left_old, left_new = list(old), list(new)
    pairs: dict[int, object] = {}          # id(new) -> old
    by_subject: dict[str, list] = {}
    for p in left_old:
        by_subject.setdefault(normalise_subject(p.subject), []).append(p)
    for p in list(left_new):
        cands = by_subject.get(normalise_subject(p.subject))
        if cands:
            q = cands.pop(0)
            pairs[id(p)] = q
            left_old.remove(q)
            left_new.remove(p)
    scored = []
    for p in left_new:
        tp = touched(p)
        for q in left_old:
            tq = touched(q)
            union = tp | tq
            if not union:
                continue
            score = len(tp & tq) / len(union)
            if score == 0:
                # same files, other functions: a weak match, below any shared function
                files = {f for f, _ in tp} & {f for f, _ in tq}
                score = 0.01 * len(files)
            if score > 0:
                scored.append((score, -new.index(p), -old.index(q), p, q))
    for score, _, _, p, q in sorted(scored, key=lambda t: t[:3], reverse=True):
        if p in left_new and q in left_old:
            pairs[id(p)] = q
            left_new.remove(p)
            left_old.remove(q)
    out = [(pairs.get(id(p)), p) for p in new]
    out += [(q, None) for q in old if q in left_old]
    return out


def _key_text(f: Finding) -> str:
    parts = [str(k) for k in f.key if not isinstance(k, int)]
    if parts:
        text = " ".join(parts)
    else:   # no key: the message without numbers (lines, counts)
        text = re.sub(r"\d+", "#", f.message)
    return re.sub(r"\s+", " ", text).strip()


def identity(f: Finding) -> tuple:
    return (f.rule, f.path, f.function, _key_text(f))


def compare_findings(v1: Version, v2: Version, pairs) -> list[Entry]:
    old_left = list(v1.findings)
    new_left = list(v2.findings)
    entries: list[Entry] = []

    def take(same_patch: bool):
        for nf in list(new_left):
            for of in old_left:
                if identity(of) != identity(nf):
                    continue
                if same_patch and not _paired(of, nf, pairs):
                    continue
                entries.append(Entry(STILL, of, nf))
                old_left.remove(of)
                new_left.remove(nf)
                break

    take(True)
    take(False)
    entries += [Entry(FIXED, old=f) for f in old_left]
    entries += [Entry(NEW, new=f) for f in new_left]
    return entries


def _paired(of: Finding, nf: Finding, pairs) -> bool:
    for q, p in pairs:
        if (q is of.patch or (q is None and of.patch is None)) and \
                (p is nf.patch or (p is None and nf.patch is None)):
            return True
    return of.patch is None and nf.patch is None


def compare(v1: Version, v2: Version) -> Comparison:
    pairs = match_patches(list(v1.series.patches), list(v2.series.patches))
    return Comparison(v1, v2, pairs, compare_findings(v1, v2, pairs))


def fails(cmp: Comparison, fail_on: str) -> bool:
    """v2 still has, or adds, a finding at or above the fail level."""
    return any(e.status != FIXED and severity_rank(e.new.severity) >= severity_rank(fail_on)
               for e in cmp.entries)


# -- output --------------------------------------------------------------------

def _label(p) -> str:
    return f'{p.label()} "{p.subject}"' if p is not None else "-"


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" + (f" {f.function}()" if f.function else "")


def _pair_of(cmp: Comparison, e: Entry):
    f = e.finding
    for q, p in cmp.pairs:
        if (e.new is not None and p is e.new.patch) or (e.new is None and q is f.patch):
            return q, p
    return None, None


def render_text(cmp: Comparison) -> str:
    v1, v2 = cmp.v1, cmp.v2
    n1, n2 = (plural(len(v.series.patches), "patch", "patches") for v in (v1, v2))
    out = [f"cprlint compare: {v1.path} ({n1}) -> {v2.path} ({n2})", ""]
    tags = {FIXED: "fixed", STILL: "still", NEW: "new"}
    for q, p in cmp.pairs:
        group = [e for e in cmp.entries if _pair_of(cmp, e) == (q, p)]
        if q is None:
            head = f"new patch {_label(p)}"
        elif p is None:
            head = f"patch {_label(q)}: dropped in v2"
        elif q.label() == p.label() and q.subject == p.subject:
            head = f"patch {_label(p)}"
        else:
            head = f"patch {_label(q)} -> {_label(p)}"
        out.append(head)
        if not group:
            out.append("    no findings in either version")
        for e in sorted(group, key=lambda e: ([FIXED, STILL, NEW].index(e.status),
                                              e.finding.path, e.finding.line)):
            f = e.finding
            moved = ""
            if e.status == STILL and e.old.line != e.new.line:
                moved = f" (was line {e.old.line})"
            if e.status == STILL and e.old.patch is not None and e.new.patch is not None \
                    and _pair_of(cmp, Entry(FIXED, old=e.old)) != (q, p):
                moved += f" (was in patch {e.old.patch.label()})"
            out.append(f"    {tags[e.status]:<6} {f.severity:<7} {f.rule}  {_where(f)}{moved}")
            out.append(f"           {_short(f.message)}")
        out.append("")
    n = {s: sum(1 for e in cmp.entries if e.status == s) for s in (FIXED, STILL, NEW)}
    out.append(f"cprlint: {n[FIXED]} fixed, {n[STILL]} still present, {n[NEW]} new in v2")
    return "\n".join(out) + "\n"


def _short(message: str, width: int = 100) -> str:
    first = re.split(r"(?<=\.)\s", message, maxsplit=1)[0]
    return first if len(first) <= width else first[:width - 3] + "..."


def _finding_json(f: Finding | None) -> dict | None:
    if f is None:
        return None
    return {"file": f.path, "line": f.line, "function": f.function,
            "severity": f.severity, "message": f.message,
            "patch": ({"index": f.patch.index, "total": f.patch.total,
                       "subject": f.patch.subject, "message_id": f.patch.message_id}
                      if f.patch is not None else None)}


def render_json(cmp: Comparison) -> str:
    import json

    def patch(p):
        return None if p is None else {"index": p.index, "total": p.total,
                                       "subject": p.subject, "message_id": p.message_id}

    doc = {
        "version": 1,
        "v1": {"input": cmp.v1.path, "patches": len(cmp.v1.series.patches)},
        "v2": {"input": cmp.v2.path, "patches": len(cmp.v2.series.patches)},
        "patches": [{"v1": patch(q), "v2": patch(p)} for q, p in cmp.pairs],
        "findings": [{"status": e.status, "rule": e.finding.rule,
                      "function": e.finding.function, "file": e.finding.path,
                      "v1": _finding_json(e.old), "v2": _finding_json(e.new)}
                     for e in cmp.entries],
        "summary": {s: sum(1 for e in cmp.entries if e.status == s)
                    for s in (FIXED, STILL, NEW)},
    }
    return json.dumps(doc, indent=2) + "\n"
