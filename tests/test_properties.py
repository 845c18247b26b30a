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
