"""What is being checked: a series from mail, with or without a base tree.

``load_job`` turns the user's inputs into a Job: the Series and the code
views the rules read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .options import CheckOptions


@dataclass
class Job:
    series: object                          # inputs.series.Series
    views: list                             # code.model.HunkViews
    mode: str = "hunk"                      # "hunk", "full" (base tree), "files"
    notes: list[str] = field(default_factory=list)   # said in the summary


def load_job(opts: CheckOptions, stdin=None) -> Job:
    from .code.views import build_views
    from .inputs.load import load_series

    series = load_series(list(opts.paths), stdin=stdin)
    return Job(series=series, views=build_views(series))
