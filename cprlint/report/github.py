"""``--format github``: GitHub Actions workflow commands, one annotation per
finding (``::error file=...,line=...,endLine=...,title=...::message``).

Escaping follows the Actions toolkit (``@actions/core`` command.ts): in the
message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in property values
``:`` and ``,`` also become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from ..findings import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(f: Finding) -> str:
    if f.commit:
        # about a commit's message: an annotation without a file, the commit in the text
        props = []
        message = f"{f.commit_label()}: {f.message}"
    else:
        props = [("file", f.path), ("line", str(f.line))]
        message = f.message
        if f.end_line and f.end_line != f.line:
            props.append(("endLine", str(f.end_line)))
    props.append(("title", f"{f.rule}: {f.title}" if f.title else f.rule))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props if v)
    return f"::{COMMANDS.get(f.severity, 'warning')} {joined}::{escape_data(message)}"


def render_github(findings: list[Finding], summary, opts=None) -> str:
    return "".join(github_line(f) + "\n" for f in findings)
