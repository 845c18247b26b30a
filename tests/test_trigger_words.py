"""Trigger words (Kind.trigger_words): a rule does not run, and a rule from
the cache does not import its kind, on views that hold none of its words;
which is right only if its kind finds nothing in such views."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import SERIES, check_text, make_hunk
from cprlint.engine import load_rules, triggered
from cprlint.records import replace

RULES = load_rules()
WORDED = [r for r in RULES if r.words is not None]


def _without(text: str, words) -> str:
    """``text`` with every occurrence of every word broken (its first
    character replaced), until none is left."""
    for _ in range(10):
        hit = [w for w in words if w in text]
        if not hit:
            return text
        for w in hit:
            text = text.replace(w, "Q" + w[1:])
    raise AssertionError(f"could not remove {words}")


@pytest.mark.parametrize("rule", WORDED, ids=[r.id for r in WORDED])
def test_a_kind_finds_nothing_where_its_trigger_words_are_missing(rule):
    # the kind itself, run without the filter: each bad example fires, and
    # the same example with the words broken does not
    unfiltered = replace(rule, kind=rule.kind)     # (a copy has no words: it always runs)
    assert unfiltered.words is None
    bad = [ex for ex in rule.examples if ex.expect == "bad"]
    assert bad
    for ex in bad:
        text = ex.input.lstrip("\n")
        assert any(w in text for w in rule.words), f"{rule.id}: no trigger word in {ex.description}"
        assert check_text(text, select=[rule.id], rules=[unfiltered])
        assert check_text(_without(text, rule.words), select=[rule.id], rules=[unfiltered]) == []


def test_words_are_derived_from_the_parameters():
    words = {r.id: r.words for r in RULES}
    assert words["MIG001"] == ("runstate_set", "vm_prepare_start", "vm_resume", "vm_start")
    assert "cpr_state_save" in words["CPR001"] and "/*" in words["CMT001"]
    assert words["VMS005"] == ("DEFINE_PROP_",) and words["MIG005"] == ("sleep",)
    # a parameter that is a regex gives no words: such a rule always runs
    assert words["ERR006"] is None and words["SER003"] is None


def test_triggered_keeps_rules_whose_words_a_view_holds():
    from types import SimpleNamespace

    def hv(pre, post):
        return SimpleNamespace(pre=SimpleNamespace(text=pre), post=SimpleNamespace(text=post))

    by_id = {r.id: r for r in RULES}
    chosen = [by_id[i] for i in ("MIG001", "VMS001", "SER003")]
    kept = triggered(chosen, [hv("    vm_start();", "    foo();")])
    assert [r.id for r in kept] == ["MIG001", "SER003"]          # a removed call counts
    assert [r.id for r in triggered(chosen, [])] == ["SER003"]


def test_triggered_reads_each_text_for_each_word_once_per_run():
    # a job asks three times (its kinds, the post pass, the hunk notes); in
    # full mode every patch shows the same whole-file texts again
    from types import SimpleNamespace

    looked: list = []

    class Text(str):
        def __contains__(self, word):
            looked.append(word)
            return str.__contains__(self, word)

    shared = Text("    vm_start();")
    views = [SimpleNamespace(pre=SimpleNamespace(text=shared), post=SimpleNamespace(text=t))
             for t in (shared, Text("    foo();"))]
    by_id = {r.id: r for r in RULES}
    chosen = [by_id["MIG001"], by_id["VMS001"]]
    first = [r.id for r in triggered(chosen, views)]
    after_first = len(looked)
    assert first == ["MIG001"] and [r.id for r in triggered(chosen, views)] == first
    assert len(looked) == after_first                # the second call reads no text
    assert max(looked.count(w) for w in set(looked)) <= 2    # two distinct texts
    assert looked.count("vm_start") == 1             # found: not looked for again


def test_a_suppression_of_a_rule_that_cannot_fire_is_still_unused():
    diff = make_hunk("migration/foo.c", 10, "static void foo(void)", """
     int x = 0;
+    /* cprlint: disable=VMS001 */
+    x = 1;
     return;
""")
    found = check_text(diff)
    assert [f.rule for f in found if f.rule.startswith("CPL")] == ["CPL001"]


_PROBE = """
import sys
from cprlint.check import run_check
from cprlint.options import CheckOptions
findings = run_check(CheckOptions(paths=[sys.argv[1]], isolated=True, cwd=sys.argv[2]))[0]
print(sorted({f.rule for f in findings}))
print(sorted(m for m in sys.modules if m.startswith("cprlint.kinds.")))
"""


def _probe(path, tmp_path, env):
    p = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(tmp_path)],
                       capture_output=True, text=True, env=env, check=True)
    rules, modules = p.stdout.strip().split("\n")
    return rules, modules


def test_a_check_from_the_cache_imports_only_the_kinds_it_may_need(tmp_path):
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("CPRLINT_NO_CACHE", None)
    series = SERIES / "cpr-stop-v1.mbox"
    first = _probe(series, tmp_path, env)              # parses the rules, keeps them
    rules, modules = _probe(series, tmp_path, env)     # from the cache
    assert rules == first[0] and "MIG001" in rules
    assert "cprlint.kinds.guarded_call" in modules      # vm_resume() is in the series
    assert "cprlint.kinds.vmstate_change" not in modules and \
        "cprlint.kinds.property_default" not in modules
    assert "cprlint.kinds.vmstate_change" in first[1]  # a fresh parse checks every kind


def _check_all(text: str):
    """Findings and summary notes of a check of ``text`` with every rule
    (the default ones and the others)."""
    import io
    import tempfile

    from cprlint.check import run_check
    from cprlint.options import CheckOptions

    opts = CheckOptions(paths=["-"], isolated=True, select=[r.id for r in RULES],
                        cwd=tempfile.gettempdir())
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(text.encode()), rules=RULES)
    return [(f.rule, f.path, f.line, f.severity, f.message) for f in findings], summary.notes


def test_the_filter_changes_no_finding_and_no_note(monkeypatch):
    # every rule's examples and the fixture series, with all rules on:
    # the same findings and notes with and without the trigger-word filter
    import cprlint.engine as engine

    inputs = [ex.input.lstrip("\n") for r in RULES for ex in r.examples]
    inputs += [p.read_text() for p in sorted(SERIES.glob("*.mbox"))]
    filtered = [_check_all(t) for t in inputs]
    monkeypatch.setattr(engine, "triggered", lambda rules, views, series=None: list(rules))
    unfiltered = [_check_all(t) for t in inputs]
    assert sum(len(f) for f, _ in filtered) > 50 and any(n for _, n in filtered)
    assert filtered == unfiltered


def test_a_rule_whose_kind_is_replaced_loses_its_words():
    rule = replace(next(r for r in RULES if r.id == "MIG001"))
    rule.words = ("vm_start",)
    rule.kind = RULES[0].kind
    assert rule.words is None


SILENT = [r for r in RULES if r.silent_on_one_patch]


def test_the_series_rules_that_need_a_later_patch_say_so():
    assert sorted(r.id for r in SILENT) == ["SER001", "SER002"]


@pytest.mark.parametrize("rule", SILENT, ids=[r.id for r in SILENT])
def test_a_kind_silent_on_one_patch_finds_nothing_in_one_patch(rule):
    # each patch of every bad example and fixture series, checked alone by
    # the kind itself (a copy the filter does not know), gives nothing;
    # the series as a whole does
    from cprlint.inputs.load import load_series

    unfiltered = replace(rule, kind=rule.kind)
    assert not unfiltered.silent_on_one_patch
    texts = [ex.input.lstrip("\n") for ex in rule.examples if ex.expect == "bad"]
    texts += [p.read_text() for p in sorted(SERIES.glob("*.mbox"))]
    singles = 0
    for text in texts:
        for part in ("\n" + text).split("\nFrom ")[1:]:
            single = "From " + part
            assert check_text(single, select=[rule.id], rules=[unfiltered]) == []
            singles += 1
    assert singles > len(texts)
    bad = [ex.input.lstrip("\n") for ex in rule.examples if ex.expect == "bad"]
    assert all(check_text(t, select=[rule.id], rules=[unfiltered]) for t in bad)


def test_a_one_patch_check_does_not_make_the_kinds_silent_there(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_rules()                                  # parses, writes the cache
    ids = ("SER001", "SER002")
    one = [r for r in load_rules() if r.id in ids]
    assert all(r.silent_on_one_patch and r.__dict__.get("_kind") is None for r in one)
    text = (SERIES / "one-patch.patch").read_text()
    assert check_text(text, select=list(ids), rules=one) == []
    assert all(r.__dict__.get("_kind") is None for r in one)       # never made
    two = [r for r in load_rules() if r.id in ids]
    check_text((SERIES / "cpr-stop-v2.mbox").read_text(), select=list(ids), rules=two)
    assert all(r.__dict__.get("_kind") is not None for r in two)
