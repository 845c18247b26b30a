"""Inline suppressions: forms, placement, where they must be, unknown ids
(CPL002) and suppressions that suppress nothing (CPL001)."""

from __future__ import annotations

import io

import pytest

from cprlint.check import run_check
from cprlint.options import CheckOptions
from cprlint.suppressions import parse_directive

HEAD = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -1380,10 +1380,{n} @@ void migration_bh_schedule(QEMUBHFunc *cb, void *opaque)
 static void migration_cleanup(MigrationState *s)
 {
     trace_migration_cleanup();
 
     if (!migration_has_failed(s)) {
         migration_call_notifiers(MIG_EVENT_DONE, NULL);
+    } else if (migrate_mode_is_cpr()) {
"""
TAIL = """\
     }
 
     yank_unregister_instance(MIGRATION_YANK_INSTANCE);
 }
"""
RESUME = "+        vm_resume(s->vm_old_state);\n"


def patch(*added: str) -> str:
    body = "".join(added)
    return HEAD.replace("{n}", str(10 + 1 + body.count("\n"))) + body + TAIL


def run(text: str, **opts):
    opts.setdefault("select", ["MIG", "CPR", "CMT", "CPL"])   # the rules about code
    o = CheckOptions(paths=["-"], isolated=True, **opts)
    findings, _, _ = run_check(o, stdin=io.BytesIO(text.encode()))
    return sorted((f.rule, f.line) for f in findings)


def test_unsuppressed_baseline():
    assert run(patch(RESUME)) == [("MIG001", 1387)]


@pytest.mark.parametrize("added", [
    ["+        /* cprlint: disable=MIG001 */\n", RESUME],
    ["+        // cprlint: disable=MIG001\n", RESUME],
    ["+        /* cprlint: disable=MIG001 -- resume is gated by the caller */\n", RESUME],
    ["+        /* cprlint: disable=CPR001,MIG001 */\n", RESUME],
    ["+        /* cprlint: disable = mig001, CPR001 because the caller re-activates */\n",
     RESUME],
    ["+        /*\n", "+         * cprlint: disable=MIG001 -- the caller re-activated the\n",
     "+         * block devices before the cleanup BH was scheduled\n", "+         */\n",
     RESUME],
    ["+        vm_resume(s->vm_old_state);   /* cprlint: disable=MIG001 */\n"],
    ["+        vm_resume(s->vm_old_state);   // cprlint: disable=MIG001 -- gated above\n"],
])
def test_suppression_forms(added):
    assert run(patch(*added)) == []


def test_a_trailing_comment_does_not_cover_the_next_line():
    got = run(patch("+        trace_x(); /* cprlint: disable=MIG001 */\n", RESUME))
    assert ("MIG001", 1388) in got and ("CPL001", 1387) in got


def test_a_suppression_two_lines_above_does_not_count():
    got = run(patch("+        /* cprlint: disable=MIG001 */\n", "+        trace_x();\n", RESUME))
    assert got == [("CPL001", 1387), ("MIG001", 1389)]


def test_the_wrong_rule_suppresses_nothing_and_is_reported():
    got = run(patch("+        /* cprlint: disable=CPR001 */\n", RESUME))
    assert got == [("CPL001", 1387), ("MIG001", 1388)]


def test_unknown_rule_id_is_an_error_finding_on_its_line():
    got = run(patch("+        /* cprlint: disable=MIG01 -- typo */\n", RESUME))
    assert ("CPL002", 1387) in got and ("MIG001", 1388) in got
    text = patch("+        /* cprlint: disable=MIG01 -- typo */\n", RESUME)
    o = CheckOptions(paths=["-"], isolated=True)
    findings, _, settings = run_check(o, stdin=io.BytesIO(text.encode()))
    cpl = next(f for f in findings if f.rule == "CPL002")
    assert cpl.severity == "error" and "MIG01" in cpl.message and "MIG001" in cpl.message


def test_a_suppression_in_the_removed_code_does_not_count():
    text = patch(RESUME).replace(
        "     trace_migration_cleanup();\n",
        "-    /* cprlint: disable=MIG001 */\n     trace_migration_cleanup();\n").replace(
        "@@ -1380,10 ", "@@ -1380,11 ")
    assert run(text) == [("MIG001", 1387)]


def test_an_existing_suppression_in_the_context_is_never_reported_as_unused():
    # it was not added by this patch: CPL001 is about what the patch adds
    ctx = patch(RESUME).replace(
        "+    } else if (migrate_mode_is_cpr()) {\n",
        "+    } else if (migrate_mode_is_cpr()) {\n").replace(
        "     trace_migration_cleanup();\n",
        "     /* cprlint: disable=MIG001 */\n     trace_migration_cleanup();\n").replace(
        "@@ -1380,10 +1380,12", "@@ -1380,11 +1380,13")
    assert run(ctx) == [("MIG001", 1388)]     # not adjacent: nothing suppressed, no CPL001


def test_unused_is_judged_even_when_the_named_rule_is_not_selected():
    used = patch("+        /* cprlint: disable=MIG001 */\n", RESUME)
    assert run(used, ignore=["MIG001"]) == []
    unused = patch("+        /* cprlint: disable=MIG001 */\n", "+        trace_x();\n")
    assert run(unused, ignore=["MIG001"]) == [("CPL001", 1387)]
    assert run(unused, ignore=["CPL001"]) == []


def test_suppressions_in_checked_files(tmp_path):
    src = tmp_path / "migration.c"
    src.write_text(
        "static void migration_cleanup(MigrationState *s)\n{\n"
        "    if (!migration_has_failed(s)) {\n"
        "        migration_call_notifiers(MIG_EVENT_DONE, NULL);\n"
        "    } else {\n"
        "        /* cprlint: disable=MIG001 */\n"
        "        vm_resume(s->vm_old_state);\n"
        "    }\n}\n")
    o = CheckOptions(paths=[str(src)], isolated=True, select=["MIG", "CPL"])
    findings, _, _ = run_check(o)
    assert findings == []
    src.write_text(src.read_text().replace("        /* cprlint: disable=MIG001 */\n", ""))
    findings, _, _ = run_check(o)
    assert [(f.rule, f.line) for f in findings] == [("MIG001", 6)]


def test_parse_directive():
    assert parse_directive("/* cprlint: disable=MIG001 */") == (("MIG001",), "disable=MIG001")
    assert parse_directive("// CPRLINT:disable=mig001,cpr001 -- x")[0] == ("MIG001", "CPR001")
    assert parse_directive("/* cprlint is nice */") is None
    assert parse_directive("/* cprlint: disable= */") is None
    assert parse_directive("/* CprLint :  disable = vms001 */")[0] == ("VMS001",)
    assert parse_directive("/* cpr lint: disable=MIG001 */") is None


# -- with a base tree: whole files, the tree's own suppressions in view ----------

_TREE_FILE = """\
static void helper(void)
{
    /* cprlint: disable=MIG001 -- an old, stale suppression */
    foo();
    bar(); /* cprlint: disable=MIG01 */
}

static void other(void)
{
    a();
    b();
}
"""


def _tree_patch(tmp_path, added: str) -> str:
    """A tree holding _TREE_FILE and a patch adding ``added`` to other()."""
    import difflib
    import subprocess

    tree = tmp_path / "src"
    (tree / "migration").mkdir(parents=True)
    path = tree / "migration" / "m.c"
    path.write_text(_TREE_FILE)
    post = _TREE_FILE.replace("    b();\n}\n", "    b();\n" + added + "}\n")
    blob = subprocess.run(["git", "hash-object", str(path)], capture_output=True,
                          text=True, check=True).stdout.strip()
    diff = "".join(difflib.unified_diff(_TREE_FILE.splitlines(True), post.splitlines(True),
                                        "a/migration/m.c", "b/migration/m.c", n=3))
    return (f"diff --git a/migration/m.c b/migration/m.c\nindex {blob[:7]}..1234567 100644\n"
            + diff)


def test_a_base_trees_own_suppressions_are_not_the_patchs(tmp_path):
    # the tree's stale and mistyped suppressions are in the whole-file view,
    # but the patch only adds c(): nothing to report
    text = _tree_patch(tmp_path, "    c();\n")
    assert run(text, source=str(tmp_path / "src"), cwd=str(tmp_path)) == []
    assert run(text, cwd=str(tmp_path)) == []          # hunk mode agrees
    # a suppression the patch adds is still judged, on its line
    text = _tree_patch(tmp_path / "2", "    /* cprlint: disable=MIG01 */\n    c();\n")
    assert run(text, source=str(tmp_path / "2" / "src"), cwd=str(tmp_path)) == \
        [("CPL002", 12)]


def test_the_post_pass_judges_with_the_rules_of_the_run():
    # the suppression kinds get the run's findings and rules (run_check's
    # rules=), they load and run nothing themselves
    from cprlint.engine import load_rules

    rules = {r.id: r for r in load_rules()}
    text = patch("+        /* cprlint: disable=MIG001 */\n", "+        trace_x();\n")
    o = CheckOptions(paths=["-"], isolated=True)

    def got(*ids):
        findings, summary, _ = run_check(o, stdin=io.BytesIO(text.encode()),
                                         rules=[rules[i] for i in ids])
        assert sorted(summary.rules) == sorted(ids)
        return sorted((f.rule, f.line) for f in findings)

    assert got("CPL001", "CPL002", "MIG001") == [("CPL001", 1387)]
    # a run that does not know MIG001: an unknown id, and nothing to judge
    assert got("CPL001", "CPL002") == [("CPL002", 1387)]
