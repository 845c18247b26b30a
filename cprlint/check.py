"""The `check` job end to end, in-process: inputs -> series -> views ->
rules -> findings.  The CLI and the tests both call ``run_check``."""

from __future__ import annotations

from collections import Counter

from .options import CheckOptions
from .report import Summary


def run_check(opts: CheckOptions, stdin=None, rules=None):
    """Returns (findings, summary, settings)."""
    from .config import resolve
    from .engine import blind_spots, load_rules, run_rules, select_rules
    from .sources import load_job

    from .limits import take_notes

    take_notes()                    # a previous run's (tests run in-process)
    every = rules or load_rules()
    settings = resolve(opts, known=sorted(r.id for r in every),
                       off=[r.id for r in every if not r.default])
    job = load_job(opts, stdin=stdin)
    _note_too_deep(job)
    chosen = select_rules(every, settings.select, settings.ignore)
    findings = run_rules(chosen, job.series, job.views, show_all=opts.show_all,
                         available=every)
    if job.mode == "files":
        for f in findings:          # no patch: the input is the file itself
            f.input_path = f.input_path or f.path
    findings = settings.filter(findings, job)
    for f in findings:
        # --git: a finding on the message (its trailers), not on a file of the
        # diff, is located by the commit; the range's mbox is ours, not the user's
        if f.patch is not None and f.patch.commit and f.path == f.input_path:
            f.path, f.commit = "", f.patch.commit
    if job.mode != "files":
        job.notes.extend(blind_spots(chosen, job.series, job.views))
    job.notes.extend(n for n in take_notes() if n not in job.notes)
    return findings, _summary(job, findings, every), settings


def _note_too_deep(job) -> None:
    from .limits import MAX_TREE_DEPTH, note

    for hv in job.views:
        for view in (hv.pre, hv.post):
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

