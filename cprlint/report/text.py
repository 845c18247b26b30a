"""Default output: one block per finding, like a compiler and checkpatch."""

from __future__ import annotations

import textwrap

from ..findings import Finding
from . import plural as _plural


def render_text(findings: list[Finding], summary, opts=None) -> str:
    out = []
    for f in findings:
        head = f"{f.path}:{f.line}: {f.severity} {f.rule}: "
        if f.preexisting:
            head += "(pre-existing) "
        out.append(head + f.message)
        if f.source.strip():
            out.append(f"    {f.line:>5} | {f.source.rstrip()}")
        where = []
        if f.input_path:
            where.append(f"#{f.input_line}" if f.input_line else "#?")
            where[-1] += f" in {f.input_path}"
        if f.patch is not None:
            where.append(f"patch {f.patch.label()} {_patch_name(f.patch)}")
        if where:
            out.append("    " + ", ".join(where))
        out.append("")
    counts = summary.counts()
    parts = [f"{_plural(len(findings), 'finding')}"]
    if findings:
        parts[0] += " (" + ", ".join(
            f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s]) + ")"
    if getattr(summary, "mode", "hunk") == "files":
        scope = _plural(summary.files_checked, "file")
    else:
        scope = _plural(summary.patches, "patch", "patches")
        if getattr(summary, "mode", "hunk") == "hunk" and summary.patches:
            scope += " (hunk mode)"
    line = f"cprlint: {parts[0]} in {scope}"
    extra = []
    if summary.replies_skipped:
        extra.append(f"{_plural(summary.replies_skipped, 'reply', 'replies')} skipped")
    if summary.files_skipped:
        detail = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped_detail.items()))
        extra.append(f"{_plural(summary.files_skipped, 'file')} skipped ({detail})")
    if extra:
        line += "; " + "; ".join(extra)
    out.extend(f"cprlint: note: {n}" for n in summary.notes)
    out.append(line)      # the summary line comes last, as a compiler's does
    return "\n".join(out) + "\n"


def _patch_name(patch) -> str:
    if patch.subject:
        return f'"{patch.subject}"'
    if getattr(patch, "quoted", False):
        who = f" from {patch.author}" if patch.author else ""
        return f"(quoted in a reply{who}; no subject)"
    return "(no subject)"


def wrap(text: str, width: int = 78) -> str:
    return "\n".join(textwrap.wrap(text, width))
