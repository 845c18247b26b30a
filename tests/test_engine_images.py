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
