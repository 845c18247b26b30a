"""Every rule file's own examples: each `bad` example is reported by that
rule (on the stated lines), each `ok` example is not."""

from __future__ import annotations

import pytest

from conftest import check_text
from cprlint.engine import load_rules

RULES = load_rules()
CASES = [(r, i, ex) for r in RULES for i, ex in enumerate(r.examples)]


def _run(rule, text: str):
    # the whole pipeline, as `cprlint check --select ID -`: the other rules
    # are known (a suppression names them) but only this one is reported
    findings = check_text(text.lstrip("\n"), select=[rule.id], rules=RULES)
    assert {f.rule for f in findings} <= {rule.id}
    return findings


@pytest.mark.parametrize("rule,idx,example", CASES,
                         ids=[f"{r.id}-{i}-{ex.expect}" for r, i, ex in CASES])
def test_rule_example(rule, idx, example):
    found = _run(rule, example.input)
    if example.expect == "ok":
        assert found == [], f"{rule.id} fired on its ok example: {found[0].message}"
        return
    assert found, f"{rule.id} missed its bad example: {example.description}"
    if example.lines:
        assert sorted({f.line for f in found}) == sorted(example.lines)
    for f in found:
        # every message names the function (or the mail) and says what to do
        assert f.message and "{" not in f.message
        if rule.scope == "image":
            assert f.function and f.function in f.message


def test_every_rule_has_bad_and_ok_examples():
    for rule in RULES:
        assert {e.expect for e in rule.examples} == {"bad", "ok"}, rule.id
