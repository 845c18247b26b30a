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

    def __init__(self, kind):
        self.kind = kind


def _hunk(pre_text: str, post_text: str) -> HunkViews:
    def view(side, text):
        return CodeView(path="migration/migration.c", side=side, text=text, first_line=10,
                        changed=frozenset({10}), input_lines={10: 1})
    return HunkViews(patch_index=0, file_path="migration/migration.c", hunk_index=0,
                     post=view("post", post_text), pre=view("pre", pre_text))


def _scan(kind, hunks):
    return engine._scan_patch(_Rule(kind), None, 0, hunks, False, set(), {})


def test_a_clean_post_image_leaves_the_pre_image_unscanned():
    kind = _Counting("vm_resume")
    assert _scan(kind, [_hunk("a = 1;", "a = 2;"), _hunk("b = 1;", "b = 2;")]) == []
    assert kind.scanned == ["post", "post"]


def test_a_candidate_the_pre_image_explains_is_dropped_after_scanning_it():
    # the same key before and after: the patch moved the code, it did not add it
    kind = _Counting("vm_resume")
    assert _scan(kind, [_hunk("vm_resume(s);", "x = 1;\nvm_resume(s);")]) == []
    assert kind.scanned == ["post", "pre"]
