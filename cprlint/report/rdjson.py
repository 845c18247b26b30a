"""``--format rdjson``: reviewdog's Diagnostic Format (rdjson), one object
with every finding, for ``reviewdog -f=rdjson``."""

from __future__ import annotations

import json

from ..findings import Finding
from ._meta import TOOL, project_url

SEVERITIES = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}
ORDER = ("info", "warning", "error")


def _column(source: str) -> int:
    """1-based column of the first non-blank character of the flagged line."""
    stripped = source.lstrip()
    return len(source) - len(stripped) + 1 if stripped else 1


def diagnostic(f: Finding) -> dict:
    start = {"line": max(1, f.line), "column": _column(f.source)}
    rng = {"start": start}
    if f.end_line and f.end_line > f.line:
        rng["end"] = {"line": f.end_line}
    if f.commit:     # about a commit's message: no file to point at
        return {
            "message": f"{f.commit_label()}: {f.message}",
            "location": {"path": ""},
            "severity": SEVERITIES.get(f.severity, "WARNING"),
            "source": {"name": TOOL},
            "code": {"value": f.rule},
        }
    return {
        "message": f.message,
        "location": {"path": f.path, "range": rng},
        "severity": SEVERITIES.get(f.severity, "WARNING"),
        "source": {"name": TOOL},
        "code": {"value": f.rule},
    }


def render_rdjson(findings: list[Finding], summary, opts=None) -> str:
    source = {"name": TOOL}
    url = project_url()
    if url:
        source["url"] = url
    doc: dict = {"source": source}
    if findings:
        worst = max((f.severity for f in findings), key=lambda s: ORDER.index(s) if s in ORDER else 1)
        doc["severity"] = SEVERITIES.get(worst, "WARNING")
    doc["diagnostics"] = [diagnostic(f) for f in findings]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
