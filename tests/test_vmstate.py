"""VMState initializer facts (code/initializers.py) and the VMS rules built on
them: what a reviewer checks by eye in a VMStateDescription change."""

from __future__ import annotations

import io

from conftest import check_text
from cprlint.check import run_check
from cprlint.code.initializers import scan_initializers
from cprlint.options import CheckOptions

DEVICE = """\
static const VMStateDescription vmstate_bar_regs = {
    .name = "bar/regs",
    .version_id = 3,
    .minimum_version_id = 2,
    .needed = bar_regs_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, BarState),   /* control */
        VMSTATE_UINT64_V(base, BarState, 3),
        VMSTATE_STRUCT_ARRAY(queues, BarState, BAR_NQ, 1,
                             vmstate_bar_queue, BarQueue),
        VMSTATE_UNUSED(2 * 4),
        VMSTATE_UINT16_ARRAY(buf, BarState, 8),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_bar_dma,
        NULL
    }
};
"""


def test_whole_initializer_facts():
    [v] = scan_initializers(DEVICE)
    assert (v.var, v.name, v.kind, v.line, v.end_line) == \
        ("vmstate_bar_regs", "bar/regs", "vmsd", 1, 19)
    assert v.whole and v.fields_start_visible and v.fields_end_visible
    assert {k: (a.value, a.line) for k, a in v.attrs.items()
            if k != "fields" and k != "subsections"} == {
        "name": ('"bar/regs"', 2), "version_id": ("3", 3),
        "minimum_version_id": ("2", 4), "needed": ("bar_regs_needed", 5)}
    got = [(f.line, f.macro, f.name, f.version, f.size) for f in v.fields]
    assert got == [
        (7, "VMSTATE_UINT32", "ctrl", 0, 4),
        (8, "VMSTATE_UINT64_V", "base", 3, 8),
        (9, "VMSTATE_STRUCT_ARRAY", "queues", 1, None),   # a struct's size is not told
        (11, "VMSTATE_UNUSED", "", 0, 8),
        (12, "VMSTATE_UINT16_ARRAY", "buf", 0, 16),
        (13, "VMSTATE_END_OF_LIST", "", 0, None),
    ]
    assert v.fields[2].end_line == 10
    assert v.subsections == [("vmstate_bar_dma", 16, False)]


def test_initializers_between_and_inside_functions_are_all_found(monkeypatch):
    # a file is mostly function bodies: their braces are told apart from
    # initializers without the header patterns, but an initializer in a
    # function body, or after braces in strings, is still found
    from cprlint.code import initializers

    text = ("static void bar_reset(BarState *s)\n{\n    if (s->on) {\n"
            "        printf(\"{ not a block\\n\");\n    }\n"
            "    static const VMStateDescription vmstate_local = {\n"
            "        .name = \"bar/local\",\n"
            "        .fields = (const VMStateField[]) {\n"
            "            VMSTATE_UINT8(on, BarState),\n            VMSTATE_END_OF_LIST()\n"
            "        },\n    };\n    s->vmsd = &vmstate_local;\n}\n\n") + DEVICE
    opened = []
    real_open = initializers._Scan.open
    monkeypatch.setattr(initializers._Scan, "open",
                        lambda self, stack, raw, *a: opened.append(raw.strip())
                        or real_open(self, stack, raw, *a))
    local, regs = scan_initializers(text)
    assert (local.var, local.name, local.line, local.end_line) == \
        ("vmstate_local", "bar/local", 6, 12)
    assert [(f.macro, f.name, f.line) for f in local.fields] == [
        ("VMSTATE_UINT8", "on", 9), ("VMSTATE_END_OF_LIST", "", 10)]
    assert (regs.var, regs.line, len(regs.fields)) == ("vmstate_bar_regs", 16, 6)
    # the function's own braces (its body, the if) were not handed to open()
    assert not any(raw.startswith(("static void", "if")) for raw in opened)


def test_each_set_of_changed_lines_gets_its_own_flags_from_one_scan():
    # a file version is a patch's post-image and the next patch's
    # pre-image, with other changed lines: scanned once, flagged per set
    from cprlint.code import initializers

    initializers._SCANNED.clear()
    header = scan_initializers(DEVICE, 1, frozenset({1}))
    fields = scan_initializers(DEVICE, 1, frozenset({10, 16}))
    nothing = scan_initializers(DEVICE)
    assert len(initializers._SCANNED) == 1
    for got, head, field, attr, sub in ((header, True, [], [], False),
                                        (fields, False, [9], [], True),
                                        (nothing, False, [], [], False)):
        [v] = got
        assert v.header_changed is head
        assert [f.line for f in v.fields if f.changed] == field   # the entry of lines 9-10
        assert [a.line for a in v.attrs.values() if a.changed] == attr
        assert v.subsections == [("vmstate_bar_dma", 16, sub)]
    attrs = scan_initializers(DEVICE, 1, frozenset({3}))[0].attrs
    assert [k for k, a in attrs.items() if a.changed] == ["version_id"]
    assert header[0] is not fields[0] and header[0].fields[0] is not fields[0].fields[0]


def test_fragment_inside_the_field_list_takes_its_name_from_the_hunk_header():
    # a hunk that starts in the middle of a multi-line macro and ends after the list
    text = """\
                             vmstate_bar_queue, BarQueue),
        VMSTATE_UINT32(extra, BarState),
        VMSTATE_END_OF_LIST()
    },
};"""
    [v] = scan_initializers(text, 40, frozenset({41}),
                            "static const VMStateDescription vmstate_bar_regs = {")
    assert v.var == "vmstate_bar_regs" and not v.start_visible and v.end_visible
    assert v.fields_end_visible and not v.fields_start_visible
    assert [(f.line, f.name, f.changed) for f in v.fields] == [
        (41, "extra", True), (42, "", False)]


def test_fragment_that_stops_inside_the_list_says_so():
    text = """\
    .version_id = 3,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, BarState),"""
    [v] = scan_initializers(text, 3, frozenset(),
                            "static const VMStateDescription vmstate_bar_regs = {")
    assert v.attrs["version_id"].number == 3
    assert v.fields_start_visible and not v.fields_end_visible and not v.end_visible


def test_functions_and_unrelated_initializers_give_no_description():
    text = """\
static void bar_reset(DeviceState *dev)
{
    BarState *s = BAR(dev);
    VMStateField f = { .name = "x" };
    s->ctrl = 0;
}
static const Property bar_props[] = {
    DEFINE_PROP_UINT32("n", BarState, n, 1),
};
"""
    assert scan_initializers(text) == []


def test_wire_size_of_unused_is_evaluated_without_eval():
    text = """\
static const VMStateField bar_fields[] = {
    VMSTATE_UNUSED(sizeof(uint32_t) * (2 + 1)),
    VMSTATE_UNUSED(__import__("os")),
    VMSTATE_END_OF_LIST()
};
"""
    [v] = scan_initializers(text)
    assert v.kind == "fields" and v.var == "bar_fields"
    assert [f.size for f in v.fields[:2]] == [12, None]


# -- the rules on whole patches ------------------------------------------------

def _patch(body: str, message: str = "Migrate more of the bar device.") -> str:
    return f"""From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Subject: [PATCH] hw/misc/bar: migrate more state

{message}

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/hw/misc/bar.c b/hw/misc/bar.c
index 1a2b3c4..5d6e7f8 100644
--- a/hw/misc/bar.c
+++ b/hw/misc/bar.c
{body}"""


def test_a_moved_field_is_one_reorder_finding_not_a_removal():
    found = check_text(_patch("""\
@@ -50,7 +50,7 @@ static const VMStateDescription vmstate_bar = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
-        VMSTATE_UINT32(ctrl, BarState),
         VMSTATE_UINT32(status, BarState),
+        VMSTATE_UINT32(ctrl, BarState),
         VMSTATE_END_OF_LIST()
     }
 };
"""), select=["VMS"])
    # two fields swap: one of them is reported as moved, once
    assert [f.rule for f in found] == ["VMS001"] and found[0].line in (52, 53)
    assert "moves" in found[0].message and "vmstate_bar" in found[0].message


def test_a_versioned_field_inserted_mid_list_with_a_bump_is_loaded_correctly():
    # the loader skips a _V(..., 2) field for version 1 streams wherever it is
    found = check_text(_patch("""\
@@ -48,8 +48,9 @@ static void bar_reset(DeviceState *dev)
 static const VMStateDescription vmstate_bar = {
     .name = "bar",
-    .version_id = 1,
+    .version_id = 2,
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
+        VMSTATE_UINT32_V(mode, BarState, 2),
         VMSTATE_UINT32(status, BarState),
         VMSTATE_END_OF_LIST()
     }
"""), select=["VMS"])
    assert found == []


def test_a_test_field_inserted_mid_list_is_the_compat_mechanism():
    found = check_text(_patch("""\
@@ -50,5 +50,6 @@ static const VMStateDescription vmstate_bar = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
+        VMSTATE_UINT32_TEST(mode, BarState, bar_mode_needed),
         VMSTATE_UINT32(status, BarState),
         VMSTATE_END_OF_LIST()
     }
"""), select=["VMS"])
    assert found == []


def test_a_description_created_earlier_in_the_series_may_change_freely():
    first = """From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Subject: [PATCH 1/2] hw/misc/bar: add migration

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/hw/misc/bar.c b/hw/misc/bar.c
index 1a2b3c4..5d6e7f8 100644
--- a/hw/misc/bar.c
+++ b/hw/misc/bar.c
@@ -47,2 +47,11 @@ static void bar_reset(DeviceState *dev)
 }
 
+static const VMStateDescription vmstate_bar = {
+    .name = "bar",
+    .version_id = 1,
+    .minimum_version_id = 1,
+    .fields = (const VMStateField[]) {
+        VMSTATE_UINT32(status, BarState),
+        VMSTATE_END_OF_LIST()
+    }
+};

"""
    second = """From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Subject: [PATCH 2/2] hw/misc/bar: migrate the mode

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/hw/misc/bar.c b/hw/misc/bar.c
index 5d6e7f8..9a8b7c6 100644
--- a/hw/misc/bar.c
+++ b/hw/misc/bar.c
@@ -49,8 +49,9 @@ static void bar_reset(DeviceState *dev)
 static const VMStateDescription vmstate_bar = {
     .name = "bar",
     .version_id = 1,
-    .minimum_version_id = 1,
+    .minimum_version_id = 0,
     .fields = (const VMStateField[]) {
+        VMSTATE_UINT32(mode, BarState),
         VMSTATE_UINT32(status, BarState),
         VMSTATE_END_OF_LIST()
     }
"""
    assert check_text(first + second, select=["VMS"]) == []
    # the same second patch alone changes a description that exists upstream
    assert [f.rule for f in check_text(second, select=["VMS"])] == ["VMS001"]


def test_hunk_mode_says_what_it_could_not_check():
    text = _patch("""\
@@ -60,3 +60,4 @@ static const VMStateDescription vmstate_bar = {
         VMSTATE_UINT32(status, BarState),
         VMSTATE_UINT32(mode, BarState),
         VMSTATE_UINT32(level, BarState),
+        VMSTATE_UINT32(count, BarState),
""")
    opts = CheckOptions(paths=["-"], isolated=True, select=["VMS001", "VMS003"],
                        cwd=_empty_dir())
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(text.encode()))
    assert findings == []
    notes = [n for n in summary.notes if "VMSTATE_UINT32(count, BarState)" in n]
    assert len(notes) == 2        # one per rule, each naming what it did not check
    assert any(n.startswith("VMS001") and "inserted before older fields" in n for n in notes)
    assert any(n.startswith("VMS003") and "appended" in n for n in notes)
    assert all("end of its field list is not in the hunk" in n for n in notes)


def test_minimum_raised_by_adding_the_designator():
    found = check_text(_patch("""\
@@ -48,6 +48,7 @@ static void bar_reset(DeviceState *dev)
 static const VMStateDescription vmstate_bar = {
     .name = "bar",
     .version_id = 2,
+    .minimum_version_id = 2,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(status, BarState),
         VMSTATE_END_OF_LIST()
"""), select=["VMS"])
    assert [(f.rule, f.line) for f in found] == [("VMS002", 51)]
    assert "from 0 to 2" in found[0].message


def _empty_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="cprlint-no-tree-")


def test_subsection_defined_out_of_view_is_a_note_not_a_finding():
    text = _patch("""\
@@ -113,6 +113,10 @@ static const VMStateDescription vmstate_bar = {
         VMSTATE_UINT16(irq_mask, BarState),
         VMSTATE_END_OF_LIST()
     },
+    .subsections = (const VMStateDescription * const []) {
+        &vmstate_bar_dma,
+        NULL
+    }
 };
 
 static void bar_realize(DeviceState *dev, Error **errp)
""")
    opts = CheckOptions(paths=["-"], isolated=True, select=["VMS004"], cwd=_empty_dir())
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(text.encode()))
    assert findings == []
    assert any(n.startswith("VMS004") and "vmstate_bar_dma" in n and "not checked" in n
               for n in summary.notes)


def test_subsection_without_needed_on_a_new_device_is_info():
    found = check_text(_patch("""\
@@ -47,2 +47,16 @@ static void bar_reset(DeviceState *dev)
 }
 
+static const VMStateDescription vmstate_bar_dma = {
+    .name = "bar/dma",
+    .fields = (const VMStateField[]) {
+        VMSTATE_UINT64(dma_addr, BarState),
+        VMSTATE_END_OF_LIST()
+    }
+};
+static const VMStateDescription vmstate_bar = {
+    .name = "bar",
+    .subsections = (const VMStateDescription * const []) {
+        &vmstate_bar_dma,
+        NULL
+    }
+};
"""), select=["VMS004"])
    assert [(f.rule, f.severity, f.line) for f in found] == [("VMS004", "info", 59)]


def test_a_field_renamed_in_place_and_a_versioned_one_inserted_after_it():
    # the member changes name, not size; the new _V field comes with the bump
    found = check_text(_patch("""\
@@ -48,9 +48,10 @@ static void bar_reset(DeviceState *dev)
 static const VMStateDescription vmstate_bar = {
     .name = "bar",
-    .version_id = 1,
+    .version_id = 2,
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
-        VMSTATE_UINT32(hash_types, BarState),
+        VMSTATE_UINT32(runtime_hash_types, BarState),
+        VMSTATE_UINT32_V(supported_hash_types, BarState, 2),
         VMSTATE_UINT16(queue, BarState),
         VMSTATE_END_OF_LIST()
     }
"""), select=["VMS"])
    assert found == []


def test_removing_a_test_field_ends_its_compat_life_quietly():
    found = check_text(_patch("""\
@@ -50,7 +50,6 @@ static const VMStateDescription vmstate_bar = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(status, BarState),
-        VMSTATE_UINT8_TEST(msi_used, BarState, bar_old_machine),
         VMSTATE_UINT16(queue, BarState),
         VMSTATE_END_OF_LIST()
     }
"""), select=["VMS"])
    assert found == []


def test_a_separate_field_list_whose_description_is_not_in_view_is_not_judged():
    found = check_text(_patch("""\
@@ -60,5 +60,6 @@ static const VMStateField vmstate_bar_fields[] = {
     VMSTATE_UINT32(status, BarState),
     VMSTATE_UINT16(queue, BarState),
+    VMSTATE_UINT64(extra, BarState),
     VMSTATE_END_OF_LIST()
 };
 
"""), select=["VMS"])
    assert found == []


def test_versioning_rule_is_off_by_default_and_runs_when_selected():
    # VMS003 ships off by default (README: its precision on real series)
    appended = _patch("""\
@@ -84,10 +84,11 @@ static bool bar_post_load(void *opaque, int version_id, Error **errp)
 static const VMStateDescription vmstate_bar = {
     .name = "bar",
     .version_id = 2,
     .minimum_version_id = 2,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(status, BarState),
         VMSTATE_UINT16(irq_mask, BarState),
+        VMSTATE_BOOL(irq_level, BarState),
         VMSTATE_END_OF_LIST()
     },
 };
""")
    assert [f.rule for f in check_text(appended)] == []
    assert [f.rule for f in check_text(appended, select=["VMS003"])] == ["VMS003"]


def test_removal_message_names_the_unused_size_to_keep():
    found = check_text(_patch("""\
@@ -50,7 +50,6 @@ static const VMStateDescription vmstate_bar = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(status, BarState),
-        VMSTATE_UINT32_ARRAY(regs, BarState, BAR_NR_REGS),
         VMSTATE_UINT16(queue, BarState),
         VMSTATE_END_OF_LIST()
     }
"""), select=["VMS001"])
    assert [f.line for f in found] == [53]
    assert "VMSTATE_UNUSED(4 * BAR_NR_REGS)" in found[0].message


def _vms004_example(i: int) -> str:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from cprlint.paths import rules_dir

    with open(rules_dir() / "VMS004.toml", "rb") as fh:
        return tomllib.load(fh)["examples"][i]["input"]


def test_always_needed_subsection_is_info_naming_the_needed_function():
    got = check_text(_vms004_example(2), select=["VMS004"])
    assert [(f.rule, f.line, f.severity) for f in got] == [("VMS004", 133, "info")]
    assert "foo_ctrl_dma_needed()" in got[0].message and "every path" in got[0].message


def test_needed_returning_a_property_on_by_default_without_compat_entry():
    ok = _vms004_example(3)
    bad = ok.replace('{ "foo-ctrl", "dma-save", "off" }', '{ "foo-ctrl", "other", "off" }')
    assert check_text(ok, select=["VMS004"]) == []
    got = check_text(bad, select=["VMS004"])
    assert [(f.rule, f.severity) for f in got] == [("VMS004", "info")]
    assert '"dma-save"' in got[0].message and "hw_compat" in got[0].message
    # default off: older machine types do not send it either
    off = bad.replace("dma_save, true)", "dma_save, false)")
    assert check_text(off, select=["VMS004"]) == []


def test_needed_that_returns_anything_else_is_not_judged():
    text = _vms004_example(2).replace("+    return true;\n", "+    return foo_dma_on(opaque);\n")
    assert check_text(text, select=["VMS004"]) == []


def test_needed_body_out_of_view_is_a_note_in_hunk_mode():
    # the subsection and its .needed reference are new, the function is not shown
    text = _vms004_example(2).replace(
        "@@ -104,6 +104,22 @@", "@@ -104,6 +104,17 @@").replace(
        "+static bool foo_ctrl_dma_needed(void *opaque)\n+{\n+    return true;\n+}\n+\n", "").replace(
        "@@ -113,6 +129,10 @@", "@@ -113,6 +124,10 @@")
    opts = CheckOptions(paths=["-"], isolated=True, select=["VMS004"], cwd=_empty_dir())
    findings, summary, _ = run_check(opts, stdin=io.BytesIO(text.encode()))
    assert findings == []
    assert any(n.startswith("VMS004") and "foo_ctrl_dma_needed" in n and "not checked" in n
               for n in summary.notes)
