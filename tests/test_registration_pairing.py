"""MIG002 (registration_pairing kind): a per-object migration notifier or
blocker with no removal in the file that tears the object down, or added
twice; and what hunk mode says when the removal is not in view."""

from __future__ import annotations

import io
import tempfile

from conftest import check_text, make_hunk
from cprlint.check import run_check
from cprlint.options import CheckOptions


def _new_file(path: str, body: str) -> str:
    lines = body.strip("\n").split("\n")
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..5d6e7f8\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n"
            + "".join(f"+{ln}\n" for ln in lines))


def _mig002(diff: str):
    return [(f.line, f.function) for f in check_text(diff, select=["MIG002"])]


CONTAINER = """
static void foo_container_attach(FooContainer *c, Error **errp)
{
    migration_add_notifier(&c->cpr_notifier, foo_cpr_notify);
    foo_attach(c);
    migration_add_notifier(&c->cpr_notifier, foo_cpr_notify);
}

static void foo_container_finalize(Object *obj)
{
    FooContainer *container = FOO_CONTAINER(obj);

    migration_remove_notifier(&container->cpr_notifier);
}
"""


def test_the_same_notifier_added_twice_on_one_path_is_reported_once():
    # added through `c`, removed through `container`: the same field, so the
    # first registration is paired; the second one is the finding
    found = check_text(_new_file("hw/foo/container.c", CONTAINER), select=["MIG002"])
    assert [(f.line, f.function) for f in found] == [(5, "foo_container_attach")]
    assert "already at line 3" in found[0].message


def test_a_blocker_of_a_block_driver_closed_without_removal():
    body = """
static int foo_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    BDRVFooState *s = bs->opaque;

    error_setg(&s->migration_blocker, "foo images cannot be migrated");
    return migrate_add_blocker_normal(&s->migration_blocker, errp);
}

static void foo_close(BlockDriverState *bs)
{
    BDRVFooState *s = bs->opaque;

    g_free(s->table);
}

static BlockDriver bdrv_foo = {
    .format_name = "foo",
    .bdrv_open   = foo_open,
    .bdrv_close  = foo_close,
};
"""
    found = check_text(_new_file("block/foo.c", body), select=["MIG002"])
    assert [(f.line, f.function) for f in found] == [(6, "foo_open")]
    assert "foo_close()" in found[0].message and "migrate_del_blocker(" in found[0].message


def test_hunk_mode_says_what_it_did_not_see():
    diff = make_hunk("hw/foo/dev.c", 40, "static void foo_realize(DeviceState *dev, Error **errp)", """
     FooDev *s = FOO_DEV(dev);
 
+    migration_add_notifier(&s->notifier, foo_notify);
     foo_init_regs(s);
""")
    opts = CheckOptions(paths=["-"], isolated=True, select=["MIG002"],
                        cwd=tempfile.mkdtemp(prefix="cprlint-no-tree-"))
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(diff.encode()))
    assert findings == []
    assert [n for n in summary.notes if n.startswith("MIG002")] == [
        "MIG002, patch 1/1: hw/foo/dev.c:42: foo_realize() registers a per-object "
        "notifier with migration_add_notifier(&s->notifier, foo_notify); no "
        "migration_remove_notifier() of it is in view, so whether its teardown "
        "removes it was not checked (give --source DIR)"]


def test_a_device_without_any_teardown_is_not_judged():
    body = """
static void foo_gic_realize(DeviceState *dev, Error **errp)
{
    FooGIC *s = FOO_GIC(dev);

    migration_add_notifier_mode(&s->cpr_notifier, foo_gic_cpr, MIG_MODE_CPR_TRANSFER);
}
"""
    assert _mig002(_new_file("hw/intc/foo_gic.c", body)) == []


def test_a_blocker_of_a_sub_object_handed_to_its_own_cleanup_is_not_judged():
    # vhost_dev_cleanup() (another file) owns the removal of its blocker
    body = """
static void foo_vhost_realize(DeviceState *dev, Error **errp)
{
    FooVhost *s = FOO_VHOST(dev);

    migrate_add_blocker_normal(&s->vhost_dev.migration_blocker, errp);
}

static void foo_vhost_unrealize(DeviceState *dev)
{
    FooVhost *s = FOO_VHOST(dev);

    vhost_dev_cleanup(&s->vhost_dev);
}

static void foo_vhost_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->unrealize = foo_vhost_unrealize;
}
"""
    assert _mig002(_new_file("hw/virtio/foo-vhost.c", body)) == []
    unhanded = body.replace("vhost_dev_cleanup(&s->vhost_dev);", "foo_release(s);")
    assert _mig002(_new_file("hw/virtio/foo-vhost.c", unhanded)) == [(5, "foo_vhost_realize")]
