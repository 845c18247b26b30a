"""Property and compat facts (code/properties.py) and VMS005 across a series."""

from __future__ import annotations

from conftest import check_text
from cprlint.code.model import CodeView
from cprlint.code.properties import compat_entries_of, properties_of


def _view(text: str, changed=frozenset()) -> CodeView:
    return CodeView(path="hw/x.c", side="post", text=text, first_line=10,
                    changed=frozenset(changed), input_lines={})


def test_property_defaults_by_macro_position():
    text = """static const Property foo_props[] = {
    DEFINE_PROP_BOOL("on", FooState, on, true), /* a "quoted" comment */
    DEFINE_PROP_BIT64("feat", FooState, features, FOO_F_BAR,
                      false),
    DEFINE_PROP_STRING("name", FooState, name),
    DEFINE_PROP_UINT32("n", FooState, n, 4 * 2),
};"""
    got = [(p.name, p.macro, p.default, p.line, p.changed)
           for p in properties_of(_view(text, {13}))]
    assert got == [("on", "DEFINE_PROP_BOOL", "true", 11, False),
                   ("feat", "DEFINE_PROP_BIT64", "false", 12, True),
                   ("n", "DEFINE_PROP_UINT32", "4 * 2", 15, False)]


def test_compat_entries():
    text = """GlobalProperty hw_compat_10_1[] = {
    { TYPE_FOO_NIC, "multi-queue", "false" },
    { "foo-bar", "x-mode", "1" },
};"""
    got = [(c.driver, c.name, c.value, c.line) for c in compat_entries_of(_view(text))]
    assert got == [("TYPE_FOO_NIC", "multi-queue", "false", 11),
                   ("foo-bar", "x-mode", "1", 12)]


def test_a_default_the_series_itself_introduced_may_change_later():
    def patch(n, old_blob, new_blob, body):
        return (f"From {n * 40} Mon Sep 17 00:00:00 2001\n"
                "From: Ada Lovelace <ada@example.org>\n"
                f"Subject: [PATCH {n}/2] hw/net/foo-nic: step {n}\n\n"
                "Signed-off-by: Ada Lovelace <ada@example.org>\n---\n"
                "diff --git a/hw/net/foo-nic.c b/hw/net/foo-nic.c\n"
                f"index {old_blob}..{new_blob} 100644\n"
                "--- a/hw/net/foo-nic.c\n+++ b/hw/net/foo-nic.c\n" + body + "\n")
    first = patch(1, "1a2b3c4", "5d6e7f8", """\
@@ -1201,3 +1201,4 @@ static void foo_nic_instance_init(Object *obj)
 static const Property foo_nic_properties[] = {
     DEFINE_PROP_UINT32("rx-queues", FooNicState, rx_queues, 1),
+    DEFINE_PROP_BOOL("multi-queue", FooNicState, multi_queue, false),
 };""")
    second = patch(2, "5d6e7f8", "9a8b7c6", """\
@@ -1201,4 +1201,4 @@ static void foo_nic_instance_init(Object *obj)
 static const Property foo_nic_properties[] = {
     DEFINE_PROP_UINT32("rx-queues", FooNicState, rx_queues, 1),
-    DEFINE_PROP_BOOL("multi-queue", FooNicState, multi_queue, false),
+    DEFINE_PROP_BOOL("multi-queue", FooNicState, multi_queue, true),
 };""")
    assert check_text(first + second, select=["VMS005"]) == []
    assert [f.rule for f in check_text(second, select=["VMS005"])] == ["VMS005"]


def test_gate_facts_name_the_needed_and_test_functions_and_what_they_read():
    from cprlint.code.gates import gate_bodies, gate_names

    text = """static bool foo_dma_needed(void *opaque)
{
    FooState *s = opaque;

    return s->dma_on;
}

static bool foo_regs_test(void *opaque, int version_id)
{
    return true;
}

static const VMStateDescription vmstate_foo_dma = {
    .name = "foo/dma",
    .needed = foo_dma_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_TEST(regs, FooState, foo_regs_test),
        VMSTATE_END_OF_LIST()
    }
};"""
    view = CodeView(path="hw/x.c", side="post", text=text, first_line=1,
                    changed=frozenset(), input_lines={}, whole_file=True)
    names = gate_names(view)
    assert names == {"foo_dma_needed": 15, "foo_regs_test": 17}
    bodies = gate_bodies(view, names)
    assert bodies["foo_dma_needed"].reads == {"dma_on"}
    assert bodies["foo_dma_needed"].returns_member == "dma_on"
    assert not bodies["foo_dma_needed"].always_true
    assert bodies["foo_regs_test"].always_true


_NEW_PROP = """\
From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Subject: [PATCH] hw/misc/foo-ctrl: save the DMA state

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/hw/misc/foo-ctrl.c b/hw/misc/foo-ctrl.c
index 1a2b3c4..5d6e7f8 100644
--- a/hw/misc/foo-ctrl.c
+++ b/hw/misc/foo-ctrl.c
@@ -104,3 +104,10 @@ static int foo_ctrl_post_load(void *opaque, int version_id)
     return 0;
 }
 
+static bool foo_ctrl_dma_needed(void *opaque)
+{
+    FooCtrlState *s = opaque;
+
+    return s->dma_save;
+}
+
@@ -111,4 +118,5 @@ static const VMStateDescription vmstate_foo_ctrl_dma = {
     .minimum_version_id = 1,
+    .needed = foo_ctrl_dma_needed,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT64(dma_addr, FooCtrlState),
         VMSTATE_END_OF_LIST()
@@ -309,4 +317,5 @@ static void foo_ctrl_realize(DeviceState *dev, Error **errp)
 static const Property foo_ctrl_properties[] = {
     DEFINE_PROP_UINT32("irq-lines", FooCtrlState, irq_lines, 4),
+    DEFINE_PROP_BOOL("dma-save", FooCtrlState, dma_save, true),
 };
 
"""


def test_new_property_that_opens_a_needed_on_old_machine_types():
    got = check_text(_NEW_PROP, select=["VMS005"])
    assert [(f.rule, f.line) for f in got] == [("VMS005", 319)]
    assert "foo_ctrl_dma_needed" in got[0].message and "hw_compat" in got[0].message


def test_new_property_off_by_default_or_gate_not_in_view_is_silent():
    off = _NEW_PROP.replace("dma_save, true)", "dma_save, false)")
    assert check_text(off, select=["VMS005"]) == []
    # the .needed reference is not in the hunks: what gates what is unseen
    unseen = _NEW_PROP.replace("+    .needed = foo_ctrl_dma_needed,\n",
                               "+    .needed = foo_ctrl_other_needed,\n")
    assert check_text(unseen, select=["VMS005"]) == []


def test_new_property_of_a_new_property_array_is_silent():
    new_array = _NEW_PROP.replace(
        "@@ -309,4 +317,5 @@ static void foo_ctrl_realize(DeviceState *dev, Error **errp)\n"
        " static const Property foo_ctrl_properties[] = {\n"
        "     DEFINE_PROP_UINT32(",
        "@@ -309,1 +317,5 @@ static void foo_ctrl_realize(DeviceState *dev, Error **errp)\n"
        "+static const Property foo_ctrl_properties[] = {\n"
        "+    DEFINE_PROP_UINT32(").replace("+    DEFINE_PROP_BOOL(\"dma-save\", FooCtrlState, dma_save, true),\n };",
                                        "+    DEFINE_PROP_BOOL(\"dma-save\", FooCtrlState, dma_save, true),\n+};")
    assert "+};" in new_array and "+static const Property" in new_array
    assert check_text(new_array, select=["VMS005"]) == []


_BASE_FOO_CTRL = """\
#include "qemu/osdep.h"

typedef struct FooCtrlState {
    uint32_t irq_lines;
    bool dma_save;
    uint64_t dma_addr;
} FooCtrlState;

static bool foo_ctrl_dma_needed(void *opaque)
{
    FooCtrlState *s = opaque;

    return s->dma_save;
}

static const VMStateDescription vmstate_foo_ctrl_dma = {
    .name = "foo-ctrl/dma",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_ctrl_dma_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(dma_addr, FooCtrlState),
        VMSTATE_END_OF_LIST()
    }
};

static const Property foo_ctrl_properties[] = {
    DEFINE_PROP_UINT32("irq-lines", FooCtrlState, irq_lines, 4),
};
"""

_ADD_PROP_ONLY = """\
From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Subject: [PATCH] hw/misc/foo-ctrl: make DMA state saving a property

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/hw/misc/foo-ctrl.c b/hw/misc/foo-ctrl.c
index 1a2b3c4..5d6e7f8 100644
--- a/hw/misc/foo-ctrl.c
+++ b/hw/misc/foo-ctrl.c
@@ -27,3 +27,4 @@ static const VMStateDescription vmstate_foo_ctrl_dma = {
 static const Property foo_ctrl_properties[] = {
     DEFINE_PROP_UINT32("irq-lines", FooCtrlState, irq_lines, 4),
+    DEFINE_PROP_BOOL("dma-save", FooCtrlState, dma_save, true),
 };
"""


def test_new_property_gate_seen_only_in_the_whole_file(tmp_path):
    import io

    from cprlint.check import run_check
    from cprlint.options import CheckOptions

    # hunk mode: the .needed that reads dma_save is not in the hunk
    assert check_text(_ADD_PROP_ONLY, select=["VMS005"]) == []
    tree = tmp_path / "qemu"
    (tree / "hw" / "misc").mkdir(parents=True)
    (tree / "hw" / "misc" / "foo-ctrl.c").write_text(_BASE_FOO_CTRL)
    opts = CheckOptions(paths=["-"], isolated=True, select=["VMS005"], source=str(tree),
                        cwd=str(tmp_path))
    findings = run_check(opts, stdin=io.BytesIO(_ADD_PROP_ONLY.encode()))[0]
    assert [(f.rule, f.line) for f in findings] == [("VMS005", 29)]
    assert "foo_ctrl_dma_needed() (line 9)" in findings[0].message
