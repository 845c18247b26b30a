"""MIG001 (kind guarded_call) beyond its rule examples: what a reviewer
would say when the gate may hide in code the hunk does not show."""

from __future__ import annotations

from conftest import check_text
from cprlint.engine import load_rules

MIG001 = [r for r in load_rules() if r.id == "MIG001"]

HELPER_IN_CONDITION = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -1388,5 +1388,7 @@ static void migration_cleanup(MigrationState *s)
     if (!migration_has_failed(s)) {
         migration_call_notifiers(MIG_EVENT_DONE, NULL);
+    } else if (migrate_mode_is_cpr() && migration_source_can_resume(s)) {
+        vm_resume(s->vm_old_state);
     }
 
     yank_unregister_instance(MIGRATION_YANK_INSTANCE);
"""


def _check(text: str):
    return check_text(text, rules=MIG001)


def test_unseen_helper_in_the_condition_is_a_note_not_a_warning():
    [f] = _check(HELPER_IN_CONDITION)
    assert f.severity == "info" and f.line == 1391
    assert "unless migration_source_can_resume()" in f.message


def test_known_predicates_in_the_condition_do_not_excuse_the_resume():
    text = HELPER_IN_CONDITION.replace(" && migration_source_can_resume(s)", "")
    [f] = _check(text)
    assert f.severity == "warning" and "hunk-local" in f.message


def test_function_head_split_by_ifdef_is_named_by_its_line(tmp_path):
    from conftest import run_cli

    src = tmp_path / "migration.c"
    src.write_text(
        "#ifdef CONFIG_FOO\nstatic void migration_cleanup(MigrationState *s, int a)\n#else\n"
        "static void migration_cleanup(MigrationState *s)\n#endif\n{\n"
        "    if (!migration_has_failed(s)) {\n"
        "        migration_call_notifiers(MIG_EVENT_DONE, NULL);\n"
        "    } else {\n        vm_resume(s->vm_old_state);\n    }\n}\n")
    out = run_cli("check", "--select", "MIG001", str(src)).stdout.decode()
    assert "MIG001: The function around line 10 calls vm_resume" in out
    assert "unknown" not in out
