"""The `check` job end to end, in-process: inputs -> series -> views ->
rules -> findings.  The CLI and the tests both call ``run_check``."""

from __future__ import annotations

from collections import Counter

from .options import CheckOptions
from .report import Summary


def run_check(opts: CheckOptions, stdin=None, rules=None):
    """Returns (findings, summary, settings)."""
    from .config import resolve
    from .engine import blind_spots, dedupe, load_rules, select_rules
    from .findings import Finding
    from .sources import load_jobs

    from .limits import take_notes

    take_notes()                    # a previous run's (tests run in-process)
    every = rules or load_rules()
    settings = resolve(opts, known=sorted(r.id for r in every),
                       off=[r.id for r in every if not r.default])
    chosen = select_rules(every, settings.select, settings.ignore)
    findings: list = []
    notes: dict[str, None] = {}     # in the order said, each once
    whole = None                    # the Job the summary describes
    for job in load_jobs(opts, stdin=stdin):
        found = _check_job(job, chosen, every, settings, opts)
        notes.update(dict.fromkeys(job.notes))
        if job.mode != "files":
            notes.update(dict.fromkeys(blind_spots(chosen, job.series, job.views)))
        findings.extend(found)
        if job.windowed:            # one window of a long series: keep its summary only
            whole = _merge(whole, job, found)
            job = found = None      # let it go before the next window is read
        else:
            whole = job
    notes.update(dict.fromkeys(take_notes()))
    whole.notes = list(notes)
    if whole.windowed:
        findings.sort(key=Finding.sort_key)
        findings = dedupe(findings)
    return findings, _summary(whole, findings, every), settings


def _check_job(job, chosen, every, settings, opts) -> list:
    from .engine import run_rules

    findings = run_rules(chosen, job.series, job.views, show_all=opts.show_all,
                         available=every)
    _note_too_deep(job)
    if job.mode == "files":
        for f in findings:          # no patch: the input is the file itself
            f.input_path = f.input_path or f.path
    findings = settings.filter(findings, job)
    for f in findings:
        # --git: a finding on the message (its trailers), not on a file of the
        # diff, is located by the commit; the range's mbox is ours, not the user's
        if f.patch is not None and f.patch.commit and f.path == f.input_path:
            f.path, f.commit = "", f.patch.commit
    return findings


def _merge(whole, job, found):
    """The summary's Job after one more window of a long series: each of
    its patches kept as its mail headers (a PatchStub), with the hunks a
    reply quotes when it has findings."""
    from .inputs.series import PatchStub, Series, SkippedFile
    from .sources import Job

    if whole is None:
        s = job.series
        whole = Job(series=Series(inputs=list(s.inputs), cover=s.cover,
                                  replies_skipped=s.replies_skipped,
                                  versions_skipped=list(s.versions_skipped),
                                  messages_skipped=s.messages_skipped),
                    views=[], mode=job.mode, windowed=True)
    by_patch: dict[int, list] = {}
    for f in found:
        if f.patch is not None:
            by_patch.setdefault(id(f.patch), []).append(f)
    for p in job.series.patches:
        if id(p) in by_patch:
            _keep_quoted(p, by_patch[id(p)])
    stubs = {id(p): PatchStub.of(p, files=id(p) in by_patch) for p in job.series.patches}
    for f in found:
        if f.patch is not None and id(f.patch) in stubs:
            f.patch = stubs[id(f.patch)]
    whole.series.patches.extend(stubs[id(p)] for p in job.series.patches)
    whole.series.skipped_files.extend(SkippedFile(stubs[id(s.patch)], s.path, s.reason)
                                      for s in job.series.skipped_files)
    return whole


def _keep_quoted(patch, found) -> None:
    """Let go of what no report of these findings reads: the lines of the
    hunks other than those a reply mail quotes under a finding."""
    from .report.email_format import locate

    keep = set()
    for f in found:
        spot = locate(patch, f)
        if spot is not None:
            keep.add(id(spot[1]))
    if not keep:                    # a reply quotes nothing of it
        patch.files = []
    for fd in patch.files:
        for h in fd.hunks:
            if id(h) not in keep:
                h.lines = []        # the hunk stays: a reply marks where it cut


def _note_too_deep(job) -> None:
    """Say what the rules could not walk: too deeply nested code of the
    images they read (a hunk's pre-image no rule asked for is not parsed,
    and nothing of it was skipped)."""
    from .limits import MAX_TREE_DEPTH, note

    for hv in job.views:
        for view in (hv.pre, hv.post):
            if view.facts_deferred:
                continue
            for name, line in view.facts.too_deep:
                what = f"{name}() at line {line}" if name else f"the code at line {line}"
                note(f"{hv.file_path}: {what} is nested more than {MAX_TREE_DEPTH} "
                     "syntax levels deep: too deeply nested, skipped")


def _summary(job, findings, rules) -> Summary:
    series = job.series
    reasons = Counter(s.reason for s in series.skipped_files)
    return Summary(
        inputs=list(series.inputs),
        patches=len(series.patches),
        findings=findings,
        replies_skipped=series.replies_skipped,
        files_skipped=sum(reasons.values()),
        skipped_detail=dict(reasons),
        notes=list(job.notes),
        series=series,
        mode=job.mode,
        files_checked=len({hv.file_path for hv in job.views}) if job.mode == "files" else 0,
        rules={r.id: r for r in rules},
    )

