"""The `check` job end to end, in-process: inputs -> series -> views ->
rules -> findings.  The CLI and the tests both call ``check_paths``."""

from __future__ import annotations

from collections import Counter

from .engine import load_rules, run_rules, select_rules
from .report import Summary


def check_series(series, select=None, ignore=None, rules=None):
    """Run the (selected) rules on a loaded Series; returns (findings, summary)."""
    from .code.views import build_views

    rules = select_rules(rules or load_rules(), select, ignore)
    views = build_views(series)
    findings = run_rules(rules, series, views)
    reasons = Counter(s.reason for s in series.skipped_files)
    summary = Summary(
        inputs=list(series.inputs),
        patches=len(series.patches),
        findings=findings,
        replies_skipped=series.replies_skipped,
        files_skipped=sum(reasons.values()),
        skipped_detail=dict(reasons),
    )
    return findings, summary


def check_paths(paths, select=None, ignore=None, stdin=None, rules=None):
    from .inputs.load import load_series

    series = load_series(list(paths), stdin=stdin)
    return check_series(series, select=select, ignore=ignore, rules=rules)
