"""``--format json``: one object, versioned, stable field names."""

from __future__ import annotations

import json

from ..findings import Finding

JSON_VERSION = 1


def finding_dict(f: Finding) -> dict:
    patch = None
    if f.patch is not None:
        patch = {
            "index": f.patch.index,
            "total": f.patch.total,
            "subject": f.patch.subject,
            "message_id": f.patch.message_id,
        }
    return {
        "rule": f.rule,
        "severity": f.severity,
        "title": f.title,
        "file": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "function": f.function,
        "message": f.message,
        "source": f.source,
        "patch": patch,
        "input": {"path": f.input_path, "line": f.input_line},
        "preexisting": f.preexisting,
        # --git: the commit a message finding is about ("file" is then "")
        "commit": ({"id": f.patch.commit, "subject": f.patch.subject}
                   if f.commit and f.patch is not None else None),
    }


def render_json(findings: list[Finding], summary, opts=None) -> str:
    doc = {
        "version": JSON_VERSION,
        "findings": [finding_dict(f) for f in findings],
        "summary": summary.as_dict(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
