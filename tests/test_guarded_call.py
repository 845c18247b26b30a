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
        "    } else {\n        migration_call_notifiers(MIG_EVENT_FAILED, NULL);\n"
        "        vm_resume(s->vm_old_state);\n    }\n}\n")
    out = run_cli("check", "--select", "MIG001", str(src)).stdout.decode()
    # its name is unknown, but the FAILED notification before it puts it after switchover
    assert "MIG001: The function around line 11 calls vm_resume" in out
    assert "unknown" not in out


# --------------------------------------------------------------------------
# scope: only paths that can run after the source inactivated its disks

SETUP_FAILURE = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -2101,9 +2101,12 @@ void qmp_migrate(const char *uri, bool has_channels,
     if (!cpr_state_save(cpr_channel, &local_err)) {
         goto out;
     }
 
 out:
     if (local_err) {
+        if (migrate_mode_is_cpr() && runstate_is_live(s->vm_old_state)) {
+            vm_start();
+        }
         migration_connect_set_error(s, local_err);
         error_propagate(errp, local_err);
     }
"""


def test_resume_on_a_setup_failure_is_not_a_finding():
    # qmp_migrate() fails before the migration thread exists: no disk was
    # inactivated, so there is nothing to re-activate
    assert _check(SETUP_FAILURE) == []


def test_the_same_resume_after_switchover_is_a_finding():
    text = SETUP_FAILURE.replace("void qmp_migrate(const char *uri, bool has_channels,",
                                 "static void migration_cleanup(MigrationState *s)")
    [f] = _check(text)
    assert f.line == 2108 and f.function == "migration_cleanup"


SETUP_CANCEL = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -1460,6 +1460,9 @@ void migration_cancel(void)
      * the target has not connected yet: nobody else ends the cancel
      */
     if (in_setup && s->state == MIGRATION_STATUS_CANCELLING && !s->to_dst_file) {
+        if (runstate_is_live(s->vm_old_state)) {
+            vm_start();
+        }
         migrate_set_state(&s->state, MIGRATION_STATUS_CANCELLING,
                           MIGRATION_STATUS_CANCELLED);
     }
"""


def test_cancel_while_cpr_transfer_waits_for_the_target_is_setup():
    assert _check(SETUP_CANCEL) == []
    # the same resume in the cancel path once the channel exists is reported
    later = SETUP_CANCEL.replace("in_setup && s->state == MIGRATION_STATUS_CANCELLING && !s->to_dst_file",
                                 "s->state == MIGRATION_STATUS_CANCELLING")
    [f] = _check(later)
    assert f.function == "migration_cancel"


UNCHANGED_CONTEXT = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -3330,6 +3330,7 @@ static void migration_iteration_finish(MigrationState *s)
         migration_call_notifiers(MIG_EVENT_FAILED, NULL);
         if (runstate_is_live(s->vm_old_state)) {
             if (!runstate_check(RUN_STATE_SHUTDOWN)) {
+                trace_migration_iteration_resume(s->vm_old_state);
                 vm_start();
             }
         } else {
"""


def test_unchanged_resume_under_an_unchanged_guard_is_not_new():
    assert _check(UNCHANGED_CONTEXT) == []


def test_helper_called_only_from_a_post_switchover_function_is_in_scope(tmp_path):
    from conftest import run_cli

    src = tmp_path / "migration.c"
    src.write_text(
        "static void migration_resume_source(MigrationState *s)\n{\n"
        "    if (migration_has_failed(s)) {\n        vm_resume(s->vm_old_state);\n    }\n}\n\n"
        "static void migration_cleanup(MigrationState *s)\n{\n"
        "    migration_resume_source(s);\n}\n\n"
        "static void migrate_setup_helper(MigrationState *s)\n{\n"
        "    if (migration_has_failed(s)) {\n        vm_resume(s->vm_old_state);\n    }\n}\n\n"
        "void qmp_migrate(const char *uri, Error **errp)\n{\n"
        "    migrate_setup_helper(migrate_get_current());\n}\n")
    out = run_cli("check", "--select", "MIG001", "--format", "json", str(src)).stdout
    import json
    found = [(f["function"], f["line"]) for f in json.loads(out)["findings"]]
    assert found == [("migration_resume_source", 4)]


MARKER_BEFORE_UNCHANGED = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -3340,6 +3340,7 @@ static void migration_iteration_finish(MigrationState *s)
         break;
     default:
         trace_migration_iteration_unexpected(s->state);
+        migration_call_notifiers(MIG_EVENT_FAILED, NULL);
         if (runstate_is_live(s->vm_old_state)) {
             vm_start();
         }
"""


def test_statement_inserted_before_an_unchanged_resume_does_not_make_it_new():
    # the vm_start() line and its guard are context: the resume was there
    # before the patch, on the same path, whatever the patch inserted above it
    assert _check(MARKER_BEFORE_UNCHANGED) == []


def test_removing_the_gate_above_an_unchanged_resume_is_new():
    text = """\
diff --git a/migration/migration.c b/migration/migration.c
index 3c1a2b4..5d6e7f8 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -3326,9 +3326,6 @@ static void migration_iteration_finish(MigrationState *s)
     case MIGRATION_STATUS_FAILED:
     case MIGRATION_STATUS_CANCELLED:
         migration_call_notifiers(MIG_EVENT_FAILED, NULL);
-        if (!migration_block_activate(NULL)) {
-            break;
-        }
         if (runstate_is_live(s->vm_old_state)) {
             vm_start();
         }
"""
    [f] = _check(text)
    assert f.function == "migration_iteration_finish" and "vm_start()" in f.message
