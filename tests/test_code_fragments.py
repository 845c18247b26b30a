"""Hunk fragments through the balanced wrapper: structure, lines, no ERRORs."""

from __future__ import annotations

from cprlint.code.fragments import parse_fragment
from cprlint.code.views import build_views, facts_for_fragment

from test_code_helpers import make_hunk, make_series


def _g(call):
    return [(g.kind, g.text) for g in call.guards]


def _call(facts, name):
    found = [c for c in facts.calls if c.name == name]
    assert found, f"{name} not found in {[c.name for c in facts.calls]}"
    return found[0]


def _clean(facts):
    assert facts.error_count == 0, facts
    assert facts.missing_count == 0, facts


def test_start_at_else_if_keeps_chain():
    frag = ("    } else if (migration_has_failed(s)) {\n"
            "        if (migration_block_activate(NULL)) {\n"
            "            vm_resume(s->vm_old_state);\n"
            "        }\n"
            "    } else {\n"
            "        migration_cleanup(s);\n"
            "    }\n")
    f = facts_for_fragment(frag, 200, "migration_iteration_finish")
    _clean(f)
    assert _g(_call(f, "vm_resume")) == [("else", "?"), ("if", "migration_has_failed(s)"),
                                         ("if", "migration_block_activate(NULL)")]
    assert _g(_call(f, "migration_cleanup")) == [("else", "?"), ("else", "migration_has_failed(s)")]
    act = _call(f, "migration_block_activate")
    assert act.in_condition and _g(act) == [("else", "?"), ("if", "migration_has_failed(s)")]
    assert _call(f, "migration_has_failed").in_condition
    assert _call(f, "vm_resume").line == 202
    assert all(c.function == "migration_iteration_finish" for c in f.calls)
    sec = f.functions[0]
    assert sec.from_section and not sec.start_visible and sec.name == "migration_iteration_finish"


def test_else_at_hunk_start_is_unknown_condition():
    f = facts_for_fragment("    } else {\n        vm_resume(s->vm_old_state);\n    }\n", 50, "f")
    _clean(f)
    assert _g(_call(f, "vm_resume")) == [("else", "?")]


def test_start_mid_condition():
    frag = ("        migration_has_failed(s)) {\n"
            "        vm_resume(s->vm_old_state);\n"
            "    }\n"
            "    migration_cleanup(s);\n"
            "}\n")
    f = facts_for_fragment(frag, 10, "migration_iteration_finish")
    _clean(f)
    assert _call(f, "migration_has_failed").in_condition
    (g,) = _call(f, "vm_resume").guards
    assert g.kind == "if" and "migration_has_failed(s)" in g.text
    assert _call(f, "migration_cleanup").guards == []
    sec = f.functions[0]
    assert sec.from_section and sec.end_visible and sec.end_line == 14


def test_start_inside_comment():
    frag = ("     * the disks may be inactive after switchover, so\n"
            "     * re-activate them first.\n"
            "     */\n"
            "    if (migration_block_activate(NULL)) {\n"
            "        vm_resume(s->vm_old_state);\n"
            "    }\n")
    f = facts_for_fragment(frag, 30, "f", frozenset({31}))
    _clean(f)
    assert _g(_call(f, "vm_resume")) == [("if", "migration_block_activate(NULL)")]
    c = f.comments[0]
    assert (c.line, c.end_line) == (30, 32)
    assert c.text.startswith("     * the disks") and c.text.endswith("*/")
    assert c.changed_lines == frozenset({31}) and c.function == "f"


def test_ends_inside_comment():
    frag = "    migration_cleanup(s);\n    /*\n     * more to come\n"
    f = facts_for_fragment(frag, 5, "f")
    _clean(f)
    c = f.comments[0]
    assert (c.line, c.end_line) == (6, 7)
    assert c.text == "/*\n     * more to come"


def test_hunk_wholly_inside_a_comment_is_not_parsed_as_code():
    # a hunk in the middle of a long comment: neither its start nor its end
    # in view; read as C, "get_status() method" would be a call
    frag = ("     * the channel is non-blocking, so this may return\n"
            "     * before the handshake is complete: call\n"
            "     * qcrypto_tls_session_get_status() method again\n"
            "     *\n")
    pf = parse_fragment(frag)
    assert (pf.error_count, pf.missing_count) == (0, 0)
    f = facts_for_fragment(frag, 40, "f")
    assert f.calls == [] and f.comments == []


def test_star_lines_of_code_are_still_code():
    frag = "    *errp = NULL;\n    *p = compute(s);\n"
    f = facts_for_fragment(frag, 10, "f")
    assert [c.name for c in f.calls] == ["compute"]


def test_bare_case_labels_with_fallthrough_group():
    frag = ("    case MIGRATION_STATUS_FAILED:\n"
            "    case MIGRATION_STATUS_CANCELLED:\n"
            "        if (!migration_block_activate(NULL)) {\n"
            "            break;\n"
            "        }\n"
            "        vm_resume(s->vm_old_state);\n"
            "        break;\n"
            "    default:\n"
            "        migration_cleanup(s);\n"
            "    }\n")
    f = facts_for_fragment(frag, 70, "migration_iteration_finish")
    _clean(f)
    vr = _call(f, "vm_resume")
    (g,) = vr.guards
    assert (g.kind, g.text, g.switch, g.line) == (
        "case", "MIGRATION_STATUS_FAILED | MIGRATION_STATUS_CANCELLED", "?", 70)
    (e,) = vr.early_exits
    assert (e.cond, e.exit, e.line) == ("!migration_block_activate(NULL)", "break", 72)
    cl = _call(f, "migration_cleanup")
    assert [(g.kind, g.text) for g in cl.guards] == [("case", "default")]
    assert cl.early_exits == []


def test_end_of_one_function_and_start_of_next():
    frag = ("    migration_cleanup(s);\n"
            "    return ret;\n"
            "}\n"
            "\n"
            "static void migration_cpr_setup(MigrationState *s, Error **errp)\n"
            "{\n"
            "    if (!migration_block_activate(NULL)) {\n"
            "        goto out;\n"
            "    }\n"
            "    vm_resume(s->vm_old_state);\n"
            "out:\n"
            "    migration_call_notifiers(MIG_EVENT_SETUP, errp);\n")
    f = facts_for_fragment(frag, 400, "migration_connect")
    _clean(f)
    assert _call(f, "migration_cleanup").function == "migration_connect"
    vr = _call(f, "vm_resume")
    assert vr.function == "migration_cpr_setup"
    assert [(e.cond, e.exit, e.target) for e in vr.early_exits] == [
        ("!migration_block_activate(NULL)", "goto", "out")]
    assert vr.labels == []
    assert _call(f, "migration_call_notifiers").labels == ["out"]
    sec, fn = f.functions
    assert sec.from_section and sec.end_line == 402 and sec.end_visible
    assert (fn.name, fn.line, fn.body_line, fn.start_visible, fn.end_visible, fn.is_static) == (
        "migration_cpr_setup", 404, 405, True, False, True)


def test_whole_new_function():
    frag = ("\n"
            "static bool migration_cpr_save(MigrationState *s, Error **errp)\n"
            "{\n"
            "    if (migrate_mode_is_cpr(s) &&\n"
            "        migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)) {\n"
            "        return false;\n"
            "    }\n"
            "    migration_call_notifiers(MIG_EVENT_SETUP, errp);\n"
            "    return cpr_state_save(s->cpr_channel, errp);\n"
            "}\n"
            "\n")
    f = facts_for_fragment(frag, 120, "migration_connect")
    _clean(f)
    (fn,) = f.functions
    assert (fn.name, fn.line, fn.end_line, fn.start_visible, fn.end_visible) == (
        "migration_cpr_save", 121, 129, True, True)
    save = _call(f, "cpr_state_save")
    assert save.function == "migration_cpr_save"
    assert [(e.cond, e.exit) for e in save.early_exits] == [
        ("migrate_mode_is_cpr(s) && migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)", "return")]
    stop = _call(f, "migration_stop_vm")
    assert stop.in_condition and stop.line == 124 and stop.args == ["s", "RUN_STATE_FINISH_MIGRATE"]


def test_lock_guard_block_in_fragment():
    frag = ("    WITH_QEMU_LOCK_GUARD(&s->qemu_file_lock) {\n"
            "        if (s->to_dst_file) {\n"
            "            qemu_file_shutdown(s->to_dst_file);\n"
            "        }\n"
            "    }\n")
    f = facts_for_fragment(frag, 1, "migration_cancel")
    _clean(f)
    assert _g(_call(f, "qemu_file_shutdown")) == [("loop", "WITH_QEMU_LOCK_GUARD"),
                                                  ("if", "s->to_dst_file")]


def test_raw_parse_not_worse():
    pf = parse_fragment("    } else if (x) {\n        g();\n    }\n")
    assert pf.wrapped and pf.error_count == 0 and pf.missing_count == 0


def test_post_and_pre_views_use_file_lines():
    hunk = make_hunk(
        " \n"
        "     if (migration_has_failed(s)) {\n"
        "-        vm_resume(s->vm_old_state);\n"
        "+        if (migration_block_activate(NULL)) {\n"
        "+            vm_resume(s->vm_old_state);\n"
        "+        }\n"
        "     }\n",
        source_start=300, target_start=310,
        section="static void migration_iteration_finish(MigrationState *s)",
        input_start=40)
    (hv,) = build_views(make_series(("migration/migration.c", [hunk])))
    assert hv.patch_index == 0 and hv.hunk_index == 0 and hv.file_path == "migration/migration.c"
    post, pre = hv.post, hv.pre
    assert post.side == "post" and pre.side == "pre"
    assert post.section == pre.section == "migration_iteration_finish"
    assert post.first_line == 310 and pre.first_line == 300
    assert post.changed == frozenset({312, 313, 314}) and pre.changed == frozenset({302})
    _clean(post.facts)
    _clean(pre.facts)
    pv = _call(post.facts, "vm_resume")
    assert pv.line == 313
    assert _g(pv) == [("if", "migration_has_failed(s)"), ("if", "migration_block_activate(NULL)")]
    qv = _call(pre.facts, "vm_resume")
    assert qv.line == 302 and _g(qv) == [("if", "migration_has_failed(s)")]
    assert post.input_line(313) == 44 and pre.input_line(302) == 42
    assert post.input_line(315) == 46 and pre.input_line(303) == 46
    assert post.source_line(313).strip() == "vm_resume(s->vm_old_state);"
    assert post.function_at(313).name == "migration_iteration_finish"


def test_non_c_and_binary_files_skipped():
    hunk = make_hunk("+vm_resume(x);\n", 1, 1)
    s = make_series(("docs/devel/migration.rst", [hunk]), ("migration/a.c", [hunk]))
    s.patches[0].files.append(type(s.patches[0].files[0])(old_path="b.c", new_path="b.c",
                                                          is_binary=True, hunks=[hunk]))
    views = build_views(s)
    assert [v.file_path for v in views] == ["migration/a.c"]


def test_new_file_hunk_has_empty_pre_view():
    hunk = make_hunk("+static int x;\n+void f(void)\n+{\n+    g();\n+}\n", 0, 1)
    (hv,) = build_views(make_series(("migration/new.c", [hunk])))
    assert hv.pre.text == "" and hv.pre.facts.calls == []
    assert hv.post.facts.functions[0].name == "f"
    assert hv.post.facts.calls[0].line == 4


# -- loading the grammar ---------------------------------------------------------------

_GRAMMAR_PROBE = """
import sys
before = "importlib.util" in sys.modules
from cprlint.code import fragments
tree = fragments.parser().parse(b"int x;")
print(tree.root_node.type, "tree_sitter_c" in sys.modules,
      "importlib.resources" in sys.modules, before or "importlib.util" not in sys.modules)
"""


def test_the_grammar_loads_without_the_packages_init_or_importlib_util():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _GRAMMAR_PROBE], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["translation_unit", "False", "False", "True"]


def test_the_grammar_falls_back_to_the_package_when_its_layout_is_unexpected(monkeypatch):
    import importlib.machinery

    from cprlint.code import fragments

    # no file of the expected name: the package's own import gives the grammar
    monkeypatch.setattr(importlib.machinery, "EXTENSION_SUFFIXES", [".no-such-suffix"])
    monkeypatch.setattr(fragments, "_PARSER", None)
    monkeypatch.setattr(fragments, "_LANG", None)
    assert fragments.parser().parse(b"int x;").root_node.type == "translation_unit"
