"""SER002 (bisect_order) and SER003 (trailers) beyond their rule examples."""

from __future__ import annotations

from conftest import check_text, make_hunk, make_mail
from cprlint.engine import load_rules

RULES = {r.id: r for r in load_rules()}


_mail = make_mail


def _run(rule_id: str, text: str):
    return check_text(text, rules=[RULES[rule_id]])


_hunk = make_hunk


_USE_ENUM = _hunk("migration/migration.c", 40, "void qmp_migrate(void)", """
     int x = 0;
+    if (migrate_mode() == MIG_MODE_CPR_EXEC) {
+        x = 1;
+    }
     return x;
""")
_DEF_ENUM = _hunk("qapi/migration.h", 10, "typedef enum MigMode {", """
     MIG_MODE_NORMAL,
     MIG_MODE_CPR_TRANSFER,
+    MIG_MODE_CPR_EXEC,
     MIG_MODE__MAX,
""")


def test_enum_constant_added_in_an_enum_body_hunk_later():
    text = _mail(1, 2, "use", _USE_ENUM) + _mail(2, 2, "define", _DEF_ENUM)
    (f,) = _run("SER002", text)
    assert f.patch.index == 1 and f.line == 41 and f.function == "qmp_migrate"
    assert "enum constant `MIG_MODE_CPR_EXEC`" in f.message and "2/2" in f.message


def test_base_tree_knowledge_wins(monkeypatch):
    # a series that carries base-tree knowledge (series.base_defines)
    import cprlint.sources as sources

    load_job = sources.load_job

    def with_base(opts, stdin=None, **kw):
        job = load_job(opts, stdin=stdin, **kw)
        job.series.base_defines = lambda n: n == "MIG_MODE_CPR_EXEC"
        return job

    monkeypatch.setattr(sources, "load_job", with_base)
    text = _mail(1, 2, "use", _USE_ENUM) + _mail(2, 2, "define", _DEF_ENUM)
    assert _run("SER002", text) == []


def test_definition_first_is_fine():
    text = _mail(1, 2, "define", _DEF_ENUM) + _mail(2, 2, "use", _USE_ENUM)
    assert _run("SER002", text) == []


def test_a_field_name_used_as_a_local_is_not_a_field_use():
    use = _hunk("migration/migration.c", 40, "void qmp_migrate(void)", """
     int x = 0;
+    bool cpr_stopped = false;
+    x = cpr_stopped;
     return x;
""")
    field = _hunk("migration/migration.h", 300, "struct MigrationState {", """
     int state;
+    bool cpr_stopped;
     QemuMutex lock;
""")
    assert _run("SER002", _mail(1, 2, "use", use) + _mail(2, 2, "field", field)) == []


def test_names_in_comments_and_strings_are_not_uses():
    use = _hunk("migration/migration.c", 40, "void qmp_migrate(void)", """
     int x = 0;
+    /* cpr_helper() comes later */
+    error_report("cpr_helper failed");
     return x;
""")
    define = _hunk("migration/cpr.c", 10, "", """
 #include "qemu/osdep.h"
+void cpr_helper(void)
+{
+}
 
""")
    assert _run("SER002", _mail(1, 2, "use", use) + _mail(2, 2, "def", define)) == []


_STATIC = """
 #include "qemu/osdep.h"
+{head}
+{{
+    trace_cpr_quiesce();
+}}
 
"""
_CALL = _hunk("migration/cpr.c", 40, "void cpr_go(void)", """
     int x = 0;
+    cpr_quiesce();
     return x;
""")


def test_static_inline_and_unused_attribute_do_not_warn():
    for head in ("static inline void cpr_quiesce(void)",
                 "static void G_GNUC_UNUSED cpr_quiesce(void)"):
        define = _hunk("migration/cpr.c", 10, "", _STATIC.format(head=head))
        text = _mail(1, 2, "def", define) + _mail(2, 2, "use", _CALL)
        assert _run("SER002", text) == [], head


def test_static_function_first_used_later_is_reported():
    define = _hunk("migration/cpr.c", 10, "", _STATIC.format(
        head="static void cpr_quiesce(void)"))
    (f,) = _run("SER002", _mail(1, 2, "def", define) + _mail(2, 2, "use", _CALL))
    assert f.patch.index == 1 and f.function == "cpr_quiesce" and f.line == 11
    assert "-Wunused-function" in f.message and "patch 2/2" in f.message


def test_static_function_never_used_is_left_alone():
    define = _hunk("migration/cpr.c", 10, "", _STATIC.format(
        head="static void cpr_quiesce(void)"))
    assert _run("SER002", _mail(1, 1, "def", define)) == []


# -- SER003 -------------------------------------------------------------------

_DIFF = _hunk("migration/cpr.c", 40, "void cpr_go(void)", """
     int x = 0;
+    trace_cpr_go();
     return x;
""")


def test_sign_off_matches_address_case_insensitively():
    text = _mail(1, 1, "s", _DIFF, trailers="Signed-off-by: A. Lovelace <ADA@Example.ORG>")
    assert _run("SER003", text) == []


def test_someone_elses_sign_off_does_not_count_and_points_at_the_trailers():
    text = _mail(1, 1, "s", _DIFF, trailers="Reviewed-by: Ada Lovelace <ada@example.org>\n"
                                            "Signed-off-by: Bob Relay <bob@example.org>")
    (f,) = _run("SER003", text)
    lines = text.splitlines()
    assert f.severity == "error" and lines[f.input_line - 1].startswith("Reviewed-by:")
    assert "Ada Lovelace <ada@example.org>" in f.message and f.patch.index == 1


def test_in_body_from_overrides_the_mail_from():
    text = _mail(1, 1, "s", _DIFF, author="Bob Relay <bob@example.org>",
                 trailers="Signed-off-by: Bob Relay <bob@example.org>",
                 body_from="Grace Hopper <grace@example.org>")
    (f,) = _run("SER003", text)
    assert "Grace Hopper" in f.message


def test_co_developed_by_needs_that_persons_sign_off_after_it():
    bad = ("Signed-off-by: Grace Hopper <grace@example.org>\n"
           "Co-developed-by: Grace Hopper <grace@example.org>\n"
           "Signed-off-by: Ada Lovelace <ada@example.org>")
    (f,) = _run("SER003", _mail(1, 1, "s", _DIFF, trailers=bad))
    assert f.severity == "warning" and "Co-developed-by: Grace Hopper" in f.message
    ok = ("Co-developed-by: Grace Hopper <grace@example.org>\n"
          "Signed-off-by: GRACE HOPPER <g.hopper@example.com>\n"
          "Signed-off-by: Ada Lovelace <ada@example.org>")
    assert _run("SER003", _mail(1, 1, "s", _DIFF, trailers=ok)) == []


def test_bare_diff_without_message_is_not_checked():
    assert _run("SER003", _DIFF) == []


class _Untouchable:
    """A HunkViews whose images no one may read."""

    patch_index = 0

    def __getattr__(self, name):
        raise AssertionError(f"read {name} of a one-patch series")


def test_a_one_patch_series_is_not_indexed_for_later_patches():
    # every SER002 case, and every SER001 case but "absent" (base tree only),
    # names a later patch: one patch is done before its images are read
    from types import SimpleNamespace

    one = SimpleNamespace(patches=[object()])
    assert list(RULES["SER002"].kind.check_series(one, [_Untouchable()])) == []
    assert list(RULES["SER001"].kind.check_series(one, [_Untouchable()])) == []
    with_base = SimpleNamespace(patches=[object()], base_defines=lambda name: True)
    try:
        list(RULES["SER001"].kind.check_series(with_base, [_Untouchable()]))
    except AssertionError as exc:       # with a base tree, "absent" is looked for
        assert "one-patch" in str(exc)
    else:
        raise AssertionError("SER001 skipped a one-patch series with a base tree")
    # and one patch still gets what it can: its own sign-off, here missing
    text = _mail(1, 1, "use", _USE_ENUM).replace("Signed-off-by", "Reviewed-by")
    assert [f.rule for f in check_text(text)].count("SER003") == 1
