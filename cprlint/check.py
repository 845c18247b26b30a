"""The `check` job end to end, in-process: inputs -> series -> views ->
rules -> findings.  The CLI and the tests both call ``run_check``."""

from __future__ import annotations

from collections import Counter

from .options import CheckOptions
from .report import Summary


def run_check(opts: CheckOptions, stdin=None, rules=None):
    """Returns (findings, summary, settings)."""
    from .config import resolve
    from .engine import load_rules, run_rules, select_rules
    from .sources import load_job

    settings = resolve(opts)
    job = load_job(opts, stdin=stdin)
    chosen = select_rules(rules or load_rules(), settings.select, settings.ignore)
    findings = run_rules(chosen, job.series, job.views, show_all=opts.show_all)
    if job.mode == "files":
        for f in findings:          # no patch: the input is the file itself
            f.input_path = f.input_path or f.path
    findings = settings.filter(findings, job)
    return findings, _summary(job, findings), settings


def _summary(job, findings) -> Summary:
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
    )


def check_series(series, select=None, ignore=None, rules=None):
    """Run rules on an already loaded Series (hunk mode); (findings, summary)."""
    from .code.views import build_views
    from .engine import load_rules, run_rules, select_rules
    from .sources import Job

    chosen = select_rules(rules or load_rules(), select, ignore)
    views = build_views(series)
    findings = run_rules(chosen, series, views)
    return findings, _summary(Job(series, views), findings)
