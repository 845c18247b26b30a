"""SER001 (forward_reference): comments a patch only moves, and names a later
patch adds as a member or an ops callback."""

from __future__ import annotations

import pytest

from conftest import check_text, make_hunk, make_mail
from cprlint.engine import load_rules

RULES = {r.id: r for r in load_rules()}


def _mail(n: int, total: int, diff: str) -> str:
    return make_mail(n, total, f"patch {n}", diff)


_hunk = make_hunk


def _ser001(*patches: str):
    text = "".join(_mail(i + 1, len(patches), d) for i, d in enumerate(patches))
    return check_text(text, rules=[RULES["SER001"]])


# patch 1 moves a helper and its comment from migration.c to cpr.c, reflowing it
_MOVE_OUT = _hunk("migration/migration.c", 300, "", """
 
-/*
- * Runs after migration_cleanup_bh() has dropped the
- * channels, so nothing can still write to them.
- */
-static void cpr_finish(void)
-{
-}
 
""")
_MOVE_IN = _hunk("migration/cpr.c", 50, "", """
 
+/*
+ * Runs after migration_cleanup_bh() has dropped the channels, so
+ * nothing can still write to them.
+ */
+void cpr_finish(void)
+{
+}
 
""")
# patch 2 changes the body of the function the comment names
_CHANGE = _hunk("migration/migration.c", 120, "static void migration_cleanup_bh(void *opaque)", """
     MigrationState *s = opaque;
+    trace_migration_cleanup_bh();
     migration_cleanup(s);
""")


def test_a_comment_the_patch_moves_to_another_file_is_not_its_writing():
    assert _ser001(_MOVE_OUT + _MOVE_IN, _CHANGE) == []


def test_a_comment_the_patch_writes_is_still_reported():
    written = _MOVE_IN.replace("has dropped the channels", "has closed the channels")
    (f,) = _ser001(written, _CHANGE)
    assert f.severity == "info" and "`migration_cleanup_bh`" in f.message


# with a base tree: a name no file has, but a later patch adds as an ops callback
_COMMENT = _hunk("hw/virtio/vhost.c", 400, "int vhost_dev_cpr_prepare(struct vhost_dev *dev)", """
     int r = 0;
+    /* The backend's vhost_cpr_release() hook drops the device ownership. */
     return r;
""")
_OPS = _hunk("hw/virtio/vhost-backend.c", 360, "const VhostOps kernel_ops = {", """
         .vhost_set_owner = vhost_kernel_set_owner,
+        .vhost_cpr_release = vhost_kernel_cpr_release,
         .vhost_get_vq_index = vhost_kernel_get_vq_index,
""")


@pytest.fixture
def empty_base(monkeypatch):
    import cprlint.sources as sources

    load_job = sources.load_job

    def with_base(opts, stdin=None, **kw):
        job = load_job(opts, stdin=stdin, **kw)
        job.series.base_defines = lambda name: False
        return job

    monkeypatch.setattr(sources, "load_job", with_base)


def test_a_name_a_later_patch_adds_as_a_callback_names_that_patch(empty_base):
    (f,) = _ser001(_COMMENT, _OPS)
    msg = " ".join(f.message.split())
    assert "`vhost_cpr_release`" in msg and "only patch 2/2" in msg
    assert "exists neither" not in msg


def test_a_name_no_patch_adds_still_exists_nowhere(empty_base):
    (f,) = _ser001(_COMMENT, _CHANGE)
    assert "exists neither" in " ".join(f.message.split())


def test_a_shorthand_for_a_prefixed_name_in_the_code_is_not_absent(empty_base):
    # the comment says sem_wait() for the qemu_sem_wait() the hunk calls
    short = _hunk("migration/migration.c", 500, "void migration_pause(MigrationState *s)", """
     bql_unlock();
+    /* The state may change while we sleep in sem_wait(). */
     qemu_sem_wait(&s->pause_sem);
""")
    assert _ser001(short) == []


def test_a_moved_sentence_that_the_new_line_continues_is_still_moved():
    out = _hunk("migration/postcopy-ram.c", 860, "", """
 /*
- *  Time is summed in migration_cleanup_bh().
+ * Time is summed in migration_cleanup_bh().  It runs once per
+ * migration, under the BQL.
  */
""")
    assert _ser001(out, _CHANGE) == []
