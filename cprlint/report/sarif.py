"""``--format sarif``: SARIF 2.1.0 for GitHub and GitLab code scanning.

One run; ``tool.driver`` carries every bundled rule with its title, invariant,
rationale and references (from rules/*.toml) as help text; each result has a
level mapped from severity, a physical location, and ``partialFingerprints``
that do not depend on line numbers, so a finding keeps its identity when the
code around it moves.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from ..findings import Finding
from ._meta import TOOL, project_url, version

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "cprlint/v1"


def fingerprint(f: Finding) -> str:
    """rule + file + function + the flagged source line, whitespace-normalised."""
    source = " ".join(f.source.split())
    key = "\0".join((f.rule, f.path or f.commit, f.function or "", source or f.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _rule_descriptor(rule_id: str, rule, fallback_title: str, url: str | None) -> dict:
    if rule is None:
        desc = {"id": rule_id, "name": rule_id,
                "shortDescription": {"text": fallback_title or rule_id}}
        return desc
    help_lines = [rule.title, "", "Invariant: " + " ".join(rule.invariant.split()), "",
                  "Why: " + " ".join(rule.rationale.split())]
    md = [f"**{rule.title}**", "", "**Invariant.** " + " ".join(rule.invariant.split()), "",
          "**Why it matters.** " + " ".join(rule.rationale.split())]
    if rule.references:
        help_lines += ["", "References:"] + [f"- {r}" for r in rule.references]
        md += ["", "**References**", ""] + [f"- {r}" for r in rule.references]
    help_lines += ["", f"Run `cprlint explain {rule.id}` for a bad and a good example."]
    md += ["", f"Run `cprlint explain {rule.id}` for a bad and a good example."]
    desc = {
        "id": rule.id,
        "name": _camel(rule.title) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.invariant.split())},
        "help": {"text": "\n".join(help_lines), "markdown": "\n".join(md)},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"kind": rule.kind_name, "tags": ["qemu", "migration"]},
    }
    if url:
        desc["helpUri"] = url
    return desc


def _camel(title: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in title).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def _result(f: Finding, rule_index: int | None, seen: Counter) -> dict:
    region = {"startLine": max(1, f.line)}
    if f.end_line and f.end_line > f.line:
        region["endLine"] = f.end_line
    if f.source.strip():
        region["snippet"] = {"text": f.source}
    if f.commit and f.patch is not None:
        # about a commit's message: a logical location naming the commit
        location = {"logicalLocations": [{
            "name": f.patch.commit, "fullyQualifiedName": f.commit_label(),
            "kind": "commit"}]}
    else:
        location = {"physicalLocation": {
            "artifactLocation": {"uri": f.path},
            "region": region,
        }}
    result = {
        "ruleId": f.rule,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [location],
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    fp = fingerprint(f)
    seen[fp] += 1   # the same line twice in one function: keep both apart, stably
    result["partialFingerprints"] = {FINGERPRINT_KEY: f"{fp}:{seen[fp]}"}
    props: dict = {"severity": f.severity}
    if f.function:
        props["function"] = f.function
    if f.patch is not None:
        props["patch"] = {"index": f.patch.index, "total": f.patch.total,
                          "subject": f.patch.subject, "messageId": f.patch.message_id}
    if f.input_path:
        props["input"] = {"path": f.input_path, "line": f.input_line}
    if f.preexisting:
        props["preexisting"] = True
    result["properties"] = props
    return result


def render_sarif(findings: list[Finding], summary, opts=None) -> str:
    url = project_url()
    rules = getattr(summary, "rules", None) or {}
    descriptors, index = [], {}
    for rid, rule in rules.items():
        index[rid] = len(descriptors)
        descriptors.append(_rule_descriptor(rid, rule, "", url))
    for f in findings:   # a rule from elsewhere (a config's rule dir): describe it too
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append(_rule_descriptor(f.rule, None, f.title, url))
    driver = {"name": TOOL, "version": version(), "semanticVersion": version(),
              "rules": descriptors}
    if url:
        driver["informationUri"] = url
    seen: Counter = Counter()
    results = [_result(f, index.get(f.rule), seen) for f in findings]
    run = {
        "tool": {"driver": driver},
        "results": results,
        "properties": {"summary": summary.as_dict()} if summary is not None else {},
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
