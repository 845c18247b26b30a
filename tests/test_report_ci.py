"""CI formats: SARIF 2.1.0 (checked against the SARIF object model of the
sarif-pydantic package), GitHub workflow commands and reviewdog's rdjson."""

from __future__ import annotations

from cprlint import records
import json
import re
import subprocess
import sys

import pytest

from conftest import SERIES, run_cli

FIXTURE = SERIES / "cpr-stop-v1.mbox"


def _out(fmt, *args):
    proc = run_cli("check", "--format", fmt, *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.stdout.decode("utf-8")


def _json_findings():
    return json.loads(_out("json", str(FIXTURE)))["findings"]


def _fixture_findings():
    from cprlint.check import run_check
    from cprlint.options import CheckOptions

    findings, summary, _ = run_check(CheckOptions(paths=[str(FIXTURE)]))
    return findings, summary


# -- SARIF -------------------------------------------------------------------

def _no_unknown_fields(model, where="sarif"):
    """sarif-pydantic keeps unknown keys as extras: a misspelt SARIF property
    name would pass validation silently, so walk the tree and refuse them."""
    from pydantic import BaseModel

    extra = getattr(model, "model_extra", None) or {}
    assert not extra, f"{where}: not in the SARIF 2.1.0 object model: {sorted(extra)}"
    for name in type(model).model_fields:
        if name == "properties":        # the property bag is free-form by design
            continue
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                _no_unknown_fields(item, f"{where}.{name}[{i}]")


def test_sarif_matches_the_sarif_2_1_0_object_model():
    sarif_pydantic = pytest.importorskip("sarif_pydantic")
    doc = json.loads(_out("sarif", str(FIXTURE)))
    log = sarif_pydantic.Sarif.model_validate(doc)
    _no_unknown_fields(log)
    assert log.version == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log.runs
    driver = run.tool.driver
    assert driver.name == "cprlint" and driver.version
    assert len(run.results) == 4
    for result in run.results:
        assert result.message.text
        # ruleIndex points at the rule's descriptor
        assert driver.rules[result.rule_index].id == result.rule_id


def test_sarif_rules_carry_the_rule_files_help():
    from cprlint.engine import load_rules

    doc = json.loads(_out("sarif", str(FIXTURE)))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule in load_rules():
        desc = rules[rule.id]
        assert desc["shortDescription"]["text"] == rule.title
        assert desc["fullDescription"]["text"] == " ".join(rule.invariant.split())
        assert desc["defaultConfiguration"]["level"] == levels[rule.severity]
        help_text = desc["help"]["text"]
        assert " ".join(rule.rationale.split()) in help_text
        for ref in rule.references:
            assert ref in help_text
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", desc["name"])


def test_sarif_results_levels_locations_and_patch_properties():
    doc = json.loads(_out("sarif", str(FIXTURE)))
    results = doc["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["CPR001"]["level"] == "error"
    assert by_rule["MIG001"]["level"] == "warning"
    loc = by_rule["CMT001"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "migration/migration.c"
    assert loc["region"]["startLine"] == 72 and loc["region"]["endLine"] == 83
    props = by_rule["CPR001"]["properties"]
    assert props["patch"]["index"] == 3 and props["patch"]["total"] == 3
    assert props["patch"]["subject"] == "migration: stop the VM once the CPR state is saved"
    assert props["function"] == "qmp_migrate"


def test_sarif_info_maps_to_note():
    from cprlint.report import render

    findings, summary = _fixture_findings()
    info = [records.replace(findings[0], severity="info")]
    doc = json.loads(render("sarif", info, summary))
    assert doc["runs"][0]["results"][0]["level"] == "note"


def test_sarif_fingerprints_survive_moved_lines_and_tell_findings_apart():
    from cprlint.report import render

    findings, summary = _fixture_findings()
    moved = [records.replace(f, line=f.line + 40, end_line=f.end_line + 40,
                                 input_line=(f.input_line or 0) + 7) for f in findings]

    def prints(fs):
        doc = json.loads(render("sarif", fs, summary))
        return [r["partialFingerprints"] for r in doc["runs"][0]["results"]]

    before, after = prints(findings), prints(moved)
    assert before == after
    assert len({json.dumps(p) for p in before}) == len(before)
    # a different flagged line is a different finding
    edited = [records.replace(findings[0], source=findings[0].source + " /* x */")]
    assert prints(edited)[0] != before[0]
    # re-indenting the line is not
    reindented = [records.replace(findings[0], source="\t" + findings[0].source.strip())]
    assert prints(reindented)[0] == before[0]


# -- GitHub workflow commands --------------------------------------------------

ANNOTATION = re.compile(r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*)(?:,[a-zA-Z]+=[^,:]*)*)::(.*)$")


def test_github_one_annotation_per_finding():
    lines = _out("github", str(FIXTURE)).splitlines()
    findings = _json_findings()
    assert len(lines) == len(findings)
    for line, f in zip(lines, findings):
        m = ANNOTATION.match(line)
        assert m, line
        level, props, message = m.groups()
        assert level == {"error": "error", "warning": "warning", "info": "notice"}[f["severity"]]
        fields = dict(p.split("=", 1) for p in props.split(","))
        assert fields["file"] == f["file"]
        assert fields["line"] == str(f["line"])
        if f["end_line"] != f["line"]:
            assert fields["endLine"] == str(f["end_line"])
        assert fields["title"].startswith(f["rule"] + "%3A ")
        assert message == f["message"].replace("%", "%25")


def test_github_escaping_per_the_actions_toolkit():
    from cprlint.report import render

    findings, summary = _fixture_findings()
    f = records.replace(findings[0], path="dir,with:odd%name.c", title="a, b: 100%",
                            message="50% done\r\nnext line, still: one annotation")
    (line,) = render("github", [f], summary).splitlines()
    assert "file=dir%2Cwith%3Aodd%25name.c," in line
    assert "title=MIG001%3A a%2C b%3A 100%25::" in line
    assert line.endswith("::50%25 done%0D%0Anext line, still: one annotation")


# -- reviewdog rdjson ------------------------------------------------------------

def test_rdjson_shape():
    doc = json.loads(_out("rdjson", str(FIXTURE)))
    assert doc["source"]["name"] == "cprlint"
    assert doc["severity"] == "ERROR"
    findings = _json_findings()
    assert len(doc["diagnostics"]) == len(findings)
    for d, f in zip(doc["diagnostics"], findings):
        assert set(d) <= {"message", "location", "severity", "source", "code",
                          "suggestions", "original_output", "related_locations"}
        assert d["message"] == f["message"]
        assert d["location"]["path"] == f["file"]
        start = d["location"]["range"]["start"]
        assert start["line"] == f["line"]
        # column: the flagged line's first non-blank character, 1-based
        assert start["column"] == len(f["source"]) - len(f["source"].lstrip()) + 1
        if f["end_line"] != f["line"]:
            assert d["location"]["range"]["end"]["line"] == f["end_line"]
        assert d["severity"] == {"error": "ERROR", "warning": "WARNING", "info": "INFO"}[
            f["severity"]]
        assert d["code"]["value"] == f["rule"]


def test_rdjson_without_findings_is_an_empty_list():
    doc = json.loads(_out("rdjson", str(SERIES / "one-patch.patch")))
    assert doc["diagnostics"] == []


# -- every format is registered and loaded lazily --------------------------------

def test_formats_are_offered_by_the_cli():
    proc = run_cli("check", "--format", "nope", str(FIXTURE))
    assert proc.returncode == 2
    for fmt in ("text", "json", "email", "b4", "sarif", "github", "rdjson"):
        assert fmt in proc.stderr.decode()


def test_text_output_does_not_import_the_other_formats():
    code = (
        "import sys\n"
        "from cprlint.report import Summary, render\n"
        "render('text', [], Summary(inputs=[], patches=0, findings=[]))\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('cprlint.report.'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "cprlint.report.text"
