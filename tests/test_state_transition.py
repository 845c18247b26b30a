"""MIG004 (state_transition kind): a source migration state moved to FAILED
without a compare-and-set from the state the path expects."""

from __future__ import annotations

from conftest import check_text, make_hunk


def _mig004(diff: str):
    return [(f.line, f.function, f.severity) for f in check_text(diff, select=["MIG004"])]


def test_a_hunk_inside_a_function_reports_hunk_local_at_info():
    diff = make_hunk("migration/foo.c", 140, "static void foo_connect_done(MigrationState *s)", """
     if (foo_open_channels(s, &err)) {
         return;
     }
+    migrate_set_error(s, err);
+    migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
 }
""")
    found = check_text(diff, select=["MIG004"])
    assert [(f.line, f.function, f.severity) for f in found] == [
        (144, "foo_connect_done", "info")]
    assert "hunk-local" in found[0].message
    assert "MIGRATION_STATUS_CANCELLING" in found[0].message


def test_a_state_test_above_the_call_in_the_same_function_keeps_it_quiet():
    # the early exit on a copy of the state, then a compare-and-set from that copy
    diff = make_hunk("migration/foo.c", 30, "", """
 static void foo_detect(MigrationState *s)
 {
     MigrationStatus state = s->state;
 
     if (state == MIGRATION_STATUS_CANCELLING) {
         return;
     }
+    if (foo_error(s)) {
+        migrate_set_state(&s->state, state, MIGRATION_STATUS_FAILED);
+    }
 }
""")
    assert _mig004(diff) == []


def test_a_list_of_running_states_around_the_call_keeps_it_quiet():
    diff = make_hunk("migration/foo.c", 30, "", """
 static void foo_channel_error(MigrationState *s)
 {
+    if (s->state == MIGRATION_STATUS_SETUP ||
+        s->state == MIGRATION_STATUS_ACTIVE) {
+        migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
+    }
 }
""")
    assert _mig004(diff) == []


def test_an_atomic_read_of_the_state_is_the_state_itself():
    diff = make_hunk("migration/foo.c", 30, "", """
 static void foo_channel_error(MigrationState *s)
 {
+    migrate_set_state(&s->state, qatomic_read(&s->state), MIGRATION_STATUS_FAILED);
 }
""")
    assert _mig004(diff) == [(32, "foo_channel_error", "warning")]


def test_a_call_the_patch_only_moves_is_not_new():
    diff = make_hunk("migration/foo.c", 30, "", """
 static void foo_channel_error(MigrationState *s)
 {
-    migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
     foo_close(s);
+    migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
 }
""")
    assert _mig004(diff) == []


def test_other_final_states_and_the_incoming_object_by_type_are_not_judged():
    diff = make_hunk("migration/foo.c", 30, "", """
 static void foo_done(MigrationState *s, MigrationIncomingState *in)
 {
+    migrate_set_state(&s->state, s->state, MIGRATION_STATUS_COMPLETED);
+    migrate_set_state(&in->state, in->state, MIGRATION_STATUS_FAILED);
 }
""")
    assert _mig004(diff) == []


def test_renaming_the_function_does_not_make_its_old_call_new():
    diff = make_hunk("migration/foo.c", 30, "", """
-static void foo_fd_connect_fail(MigrationState *s)
+static void foo_connect_fail(MigrationState *s)
 {
     migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
 }
""")
    assert _mig004(diff) == []


def test_a_function_of_the_incoming_side_is_not_judged():
    # a destination is never cancelled, whichever state object it touches
    diff = make_hunk("migration/foo.c", 30, "", """
 void foo_process_incoming_channel(QIOChannel *ioc)
 {
     MigrationState *s = migrate_get_current();
 
+    migrate_set_state(&s->state, s->state, MIGRATION_STATUS_FAILED);
 }
""")
    assert _mig004(diff) == []
