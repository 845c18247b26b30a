"""How the engine runs an image kind on one patch: post images first, and
the pre images only when a post candidate needs explaining (moved or
pre-existing code)."""

from __future__ import annotations

from cprlint import engine
from cprlint.code.model import CodeView, HunkViews
from cprlint.findings import Candidate


class _Counting:
    """A stand-in kind: a candidate on every view whose text holds ``hit``."""

    function_local = False

    def __init__(self, hit: str):
        self.hit = hit
        self.scanned: list[str] = []

    def scan(self, view):
        self.scanned.append(view.side)
        if self.hit in view.text:
            yield Candidate(path=view.path, line=view.first_line, function="f",
                            key=("f", self.hit), view=view)


class _Rule:
    id = "TST001"
    title = "a stand-in rule"
    severity = "warning"
    message = "{function}() has the stand-in problem at line {line}."

    def __init__(self, kind):
        self.kind = kind


class _Series:
    class patches:              # series.patches[0]: the patch the candidates are in
        input_path = "series.mbox"

    patches = [patches]


def _hunk(pre_text: str, post_text: str, index: int = 0) -> HunkViews:
    def view(side, text):
        return CodeView(path="migration/migration.c", side=side, text=text, first_line=10,
                        changed=frozenset({10}), input_lines={10: 1})
    return HunkViews(patch_index=0, file_path="migration/migration.c", hunk_index=index,
                     post=view("post", post_text), pre=view("pre", pre_text))


def _scan(kind, hunks):
    return engine._scan_patch(_Rule(kind), _Series, 0, hunks, False, set(), {})


def test_a_clean_post_image_leaves_the_pre_image_unscanned():
    kind = _Counting("vm_resume")
    assert _scan(kind, [_hunk("a = 1;", "a = 2;"), _hunk("b = 1;", "b = 2;")]) == []
    assert kind.scanned == ["post", "post"]


def test_a_candidate_the_pre_image_explains_is_dropped_after_scanning_it():
    # the same key before and after: the patch moved the code, it did not add it
    kind = _Counting("vm_resume")
    assert _scan(kind, [_hunk("vm_resume(s);", "x = 1;\nvm_resume(s);")]) == []
    assert kind.scanned == ["post", "pre"]


def test_code_moved_between_hunks_is_explained_by_the_other_hunks_pre_image():
    # hunk 1 removes the call, hunk 2 adds it back lower down: moved, not new
    kind = _Counting("vm_resume")
    moved = [_hunk("vm_resume(s);\nx = 1;", "x = 1;"), _hunk("y = 2;", "y = 2;\nvm_resume(s);", 1)]
    assert _scan(kind, moved) == []
    assert sorted(kind.scanned) == ["post", "post", "pre", "pre"]


def test_a_candidate_no_pre_image_explains_is_reported():
    kind = _Counting("vm_resume")
    found = _scan(kind, [_hunk("x = 1;", "x = 1;"), _hunk("y = 2;", "y = 2;\nvm_resume(s);", 1)])
    assert [(f.rule, f.function, f.line) for f in found] == [("TST001", "f", 10)]
    assert "f() has the stand-in problem at line 10" in found[0].message


def _pre_images_parsed(monkeypatch) -> list:
    from cprlint.code import views

    parsed: list = []
    real = views.derive_facts

    def counting(view):
        if view.side == "pre":
            parsed.append(view.first_line)
        return real(view)

    monkeypatch.setattr(views, "derive_facts", counting)
    return parsed


def test_a_pre_image_is_parsed_only_when_a_rule_reads_it(monkeypatch):
    # a hunk's pre-image is read to explain a post candidate (and by the
    # series rules): a one-patch check with none parses no pre-image
    from conftest import check_text, make_hunk

    parsed = _pre_images_parsed(monkeypatch)
    quiet = make_hunk("migration/foo.c", 10, "static void foo(MigrationState *s)", """
     int x = 0;
-    x = 2;
+    x = 1;
     return;
""")
    assert check_text(quiet) == [] and parsed == []
    # a post-image candidate (a rule's bad example) is explained against
    # the pre-image: now it is parsed
    from test_trigger_words import RULES

    mig001 = next(r for r in RULES if r.id == "MIG001")
    bad = next(ex.input.lstrip("\n") for ex in mig001.examples if ex.expect == "bad")
    assert check_text(bad, select=["MIG001"])
    assert parsed


def test_pre_images_parsed_when_asked_give_the_findings_and_notes_of_eager_ones(monkeypatch):
    # every rule's examples and the fixture series: the same findings and
    # notes as when every pre-image is parsed with its post-image
    from conftest import SERIES
    from test_trigger_words import RULES, _check_all

    from cprlint.code import views

    inputs = [ex.input.lstrip("\n") for r in RULES for ex in r.examples]
    inputs += [p.read_text() for p in sorted(SERIES.glob("*.mbox"))]
    inputs += [(SERIES / "one-patch.patch").read_text()]
    lazy = [_check_all(t) for t in inputs]
    real_view = views._view

    def eager(path, side, hunk):
        view = real_view(path, side, hunk)
        view.facts          # parsed now, as every image used to be
        return view

    monkeypatch.setattr(views, "_view", eager)
    assert [_check_all(t) for t in inputs] == lazy
    assert sum(len(f) for f, _ in lazy) > 50


def test_parsing_a_pre_image_for_a_rule_is_not_counted_to_the_patch_budget(monkeypatch):
    # the views used to be parsed before any rule ran: a pre-image parsed
    # when a rule first reads it must not use up the patch's budget (a
    # parse of garbage may take its full parse limit)
    import time

    from test_trigger_words import RULES, _check_all

    from cprlint.code import views

    clock = [0.0]
    real_clock = time.process_time
    monkeypatch.setattr(time, "process_time", lambda: real_clock() + clock[0])
    real_derive = views.derive_facts

    def slow(view):
        clock[0] += 10.0            # as if the parse took 10 s of CPU (budget: 5 s)
        return real_derive(view)

    monkeypatch.setattr(views, "derive_facts", slow)
    mig001 = next(r for r in RULES if r.id == "MIG001")
    bad = next(ex.input.lstrip("\n") for ex in mig001.examples if ex.expect == "bad")
    findings, notes = _check_all(bad)
    assert clock[0] >= 10.0                                  # a pre-image was parsed
    assert "MIG001" in {f[0] for f in findings}
    assert not [n for n in notes if "time budget" in n], notes
