"""Step 5: findings -> output formats.  Reporters never re-parse anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..findings import SEVERITIES, Finding


@dataclass
class Summary:
    inputs: list[str]
    patches: int
    findings: list[Finding]
    replies_skipped: int = 0
    files_skipped: int = 0
    skipped_detail: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # e.g. "base differs: hunk-only for x.c"

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "patches": self.patches,
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "replies_skipped": self.replies_skipped,
            "files_skipped": self.files_skipped,
            "files_skipped_by_reason": self.skipped_detail,
            "notes": self.notes,
        }


FORMATS = ("text", "json")


def render(fmt: str, findings: list[Finding], summary: Summary, opts=None) -> str:
    """``opts`` (CheckOptions) carries what a format may need, e.g. --from."""
    if fmt == "json":
        from .json_format import render_json

        return render_json(findings, summary)
    from .text import render_text

    return render_text(findings, summary)
