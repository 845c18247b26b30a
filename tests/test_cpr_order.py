"""CPR001 (kind call_order) with whole functions and whole files in view:
order across functions of one file, and the missing stop/SETUP half."""

from __future__ import annotations

import pytest

from cprlint.code.whole import whole_view
from cprlint.engine import load_rules
from cprlint.kinds import KindError
from cprlint.kinds.call_order import CallOrder

from test_code_helpers import fixture

RULE = next(r for r in load_rules() if r.id == "CPR001")


def _scan(src: str, path: str = "migration/cpr-order.c"):
    return list(RULE.kind.scan(whole_view(path, src)))


@pytest.fixture(scope="module")
def found():
    return {(c.function, c.line, c.fields["case"]): c
            for c in _scan(fixture("cpr_order_whole.c"))}


def test_whole_file_cases_exactly(found):
    assert sorted(found) == [
        ("qmp_late_migrate", 32, "cross"),
        ("qmp_nostop_migrate", 42, "missing"),
        ("save_unstopped", 152, "missing"),
    ]


def test_cross_function_stop_after_save_names_the_chain(found):
    c = found[("qmp_late_migrate", 32, "cross")]
    msg = RULE.message.format_map({**c.fields, "function": c.function})
    assert "late_finish(s) at line 32" in msg
    assert "migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE) at line 13" in msg
    assert "through late_connect()" in msg and "cpr_state_save(ch, errp)" in msg
    assert "hunk-local" not in msg          # whole file: no hedging
    assert c.key == ("qmp_late_migrate", "late_finish", "cpr_state_save")


def test_missing_stop_names_the_missing_step_and_the_mode(found):
    c = found[("qmp_nostop_migrate", 42, "missing")]
    p = c.fields["problem"]
    assert "no VM stop (migration_stop_vm(), vm_stop_force_state())" in p
    assert "SETUP" not in p                 # the SETUP notification is there
    assert "only reached when migrate_mode_is_cpr()" in p
    assert "no caller in this file" in p
    assert "has:SETUP notifier" in c.guards


def test_missing_through_a_caller_that_does_not_stop(found):
    c = found[("save_unstopped", 152, "missing")]
    assert "its caller qmp_unstopped() does not do the VM stop step" in c.fields["problem"]


@pytest.mark.parametrize("fn", [
    "qmp_good_migrate",     # a helper called first stops and notifies
    "save_after_stop",      # the only caller stops first
    "qmp_reboot_save",      # cpr-reboot: the save hands nothing over
    "plain_state_save",     # not mode-guarded, exported helper
    "qmp_failure_stop",     # the stop after the save runs only when it failed
    "qmp_noncpr_later",     # the later stop is under !migrate_mode_is_cpr()
])
def test_no_false_positive(found, fn):
    assert not [k for k in found if k[0] == fn]


def test_condition_prefix_gives_the_mode():
    src = """void qmp_m(MigrationState *s, MigrationChannel *ch, Error **errp)
{
    if (migrate_mode_is_cpr() &&
        !cpr_state_save(ch, errp)) {
        return;
    }
}
"""
    (c,) = _scan(src)
    assert c.fields["case"] == "missing" and c.line == 4
    assert "only reached when migrate_mode_is_cpr()" in c.fields["problem"]


def test_early_exit_and_switch_case_give_the_mode():
    src = """void qmp_a(MigrationChannel *ch, Error **errp)
{
    if (!migrate_mode_is_cpr()) {
        return;
    }
    cpr_state_save(ch, errp);
}

void qmp_b(MigrationChannel *ch, Error **errp)
{
    switch (migrate_mode()) {
    case MIG_MODE_CPR_TRANSFER:
        cpr_state_save(ch, errp);
        break;
    case MIG_MODE_CPR_REBOOT:
        cpr_state_save(ch, errp);
        break;
    default:
        break;
    }
}
"""
    got = sorted((c.function, c.line) for c in _scan(src))
    assert got == [("qmp_a", 6), ("qmp_b", 13)]


def test_static_function_without_callers_is_not_reported():
    src = """static void cpr_transfer_cb(void *opaque)
{
    if (migrate_mode_is_cpr()) {
        cpr_state_save(opaque, NULL);
    }
}
"""
    assert _scan(src) == []


def test_static_root_caller_is_not_assumed_to_run_unstopped():
    # a BH or notifier (static, no direct caller) may run after a stop
    src = """static void do_save(MigrationChannel *ch)
{
    if (migrate_mode_is_cpr()) {
        cpr_state_save(ch, NULL);
    }
}

static void save_bh(void *opaque)
{
    do_save(opaque);
}
"""
    assert _scan(src) == []


def test_missing_half_needs_the_whole_file():
    from cprlint.code.views import facts_for_fragment
    from cprlint.code.model import CodeView

    text = fixture("cpr_order_whole.c")
    whole = whole_view("m.c", text)
    hunk = CodeView(path="m.c", side="post", text=whole.text, first_line=1,
                    changed=frozenset(), input_lines={}, whole_file=False)
    hunk.facts = facts_for_fragment(whole.text, 1)
    cases = {(c.function, c.fields["case"]) for c in RULE.kind.scan(hunk)}
    # the order across functions needs only whole callee bodies; the missing
    # half needs the whole file (callers may lie outside a hunk)
    assert cases == {("qmp_late_migrate", "cross")}


def test_same_findings_whole_file_and_self_contained_hunk():
    src = """static void finish(MigrationState *s)
{
    migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE);
}

void qmp_x(MigrationState *s, MigrationChannel *ch, Error **errp)
{
    if (migrate_mode_is_cpr() && !cpr_state_save(ch, errp)) {
        return;
    }
    finish(s);
}
"""
    from cprlint.code.views import facts_for_fragment
    from cprlint.code.model import CodeView

    whole = _scan(src)
    v = CodeView(path="m.c", side="post", text=src.rstrip("\n"), first_line=1,
                 changed=frozenset(), input_lines={})
    v.facts = facts_for_fragment(v.text, 1)
    hunk = list(RULE.kind.scan(v))
    assert [(c.key, c.line) for c in whole] == [(c.key, c.line) for c in hunk]
    assert [c.fields["case"] for c in whole] == ["cross"]


def test_bad_cases_param_is_rejected():
    params = dict(RULE.params)
    with pytest.raises(KindError):
        CallOrder({**params, "cases": {"nope": {"problem": "x"}}})
    with pytest.raises(KindError):
        CallOrder({**params, "mode_conditions": ["("]})


# -- through the engine: whole-file pre/post images of one patch ------------

_BASE = """void qmp_m(MigrationState *s, MigrationChannel *ch, Error **errp)
{
    if (migration_call_notifiers(MIG_EVENT_SETUP, errp)) {
        return;
    }
    if (migrate_mode_is_cpr() && !cpr_state_save(ch, errp)) {
        return;
    }
    start_outgoing(s);
}
"""


def _run_engine(pre: str, post: str):
    from cprlint.code.model import HunkViews
    from cprlint.engine import run_rules
    from cprlint.inputs.series import Patch, Series

    series = Series(patches=[Patch(subject="s", input_path="x.mbox")])
    hv = HunkViews(patch_index=0, file_path="m.c", hunk_index=0,
                   post=whole_view("m.c", post), pre=whole_view("m.c", pre))
    return run_rules([RULE], series, [hv])


def test_preexisting_missing_stop_is_not_blamed_on_the_patch():
    post = _BASE.replace("start_outgoing(s);", "start_outgoing(s);\n    trace_done();")
    assert _run_engine(_BASE, post) == []


def test_adding_the_setup_only_is_not_a_new_finding():
    pre = _BASE.replace("""    if (migration_call_notifiers(MIG_EVENT_SETUP, errp)) {
        return;
    }
""", "")
    assert _run_engine(pre, _BASE) == []


def test_patch_that_moves_the_stop_after_the_save_is_reported():
    pre = _BASE.replace("    if (migration_call_notifiers", """    if (migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)) {
        return;
    }
    if (migration_call_notifiers""", 1)
    post = _BASE.replace("    start_outgoing(s);", """    migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE);
    start_outgoing(s);""")
    (f,) = _run_engine(pre, post)
    assert f.rule == "CPR001" and f.function == "qmp_m"
    assert "migration_stop_vm" in f.message and "hunk-local" not in f.message


def test_patch_that_drops_the_stop_is_reported_as_missing():
    pre = _BASE.replace("    if (migration_call_notifiers", """    if (migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)) {
        return;
    }
    if (migration_call_notifiers""", 1)
    (f,) = _run_engine(pre, _BASE)
    assert "with no VM stop" in f.message and "qmp_m()" in f.message


_TREE_BASE = """#include "qemu/osdep.h"

void migration_connect(MigrationState *s)
{
    start_outgoing_thread(s);
}

void qmp_migrate(MigrationState *s, MigrationChannel *ch, Error **errp)
{
    if (migrate_mode_is_cpr() && migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)) {
        return;
    }
    if (migration_call_notifiers(MIG_EVENT_SETUP, errp)) {
        return;
    }
    if (migrate_mode_is_cpr() && !cpr_state_save(ch, errp)) {
        return;
    }
    migration_connect(s);
}
"""

_TREE_POST = _TREE_BASE.replace("""    start_outgoing_thread(s);
""", """    if (migrate_mode_is_cpr()) {
        migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE);
    }
    start_outgoing_thread(s);
""").replace("""    if (migrate_mode_is_cpr() && migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)) {
        return;
    }
""", "")


def _mail(pre: str, post: str, path: str) -> str:
    import difflib

    diff = "".join(difflib.unified_diff(pre.splitlines(True), post.splitlines(True),
                                        f"a/{path}", f"b/{path}", n=3))
    return ("From 5555555555555555555555555555555555555555 Mon Sep 17 00:00:00 2001\n"
            "From: Ada Lovelace <ada@example.org>\n"
            "Date: Mon, 1 Jun 2026 10:00:00 +0200\n"
            "Subject: [PATCH] migration: stop the VM for CPR when the thread starts\n\n"
            "Signed-off-by: Ada Lovelace <ada@example.org>\n---\n"
            f"diff --git a/{path} b/{path}\n" + diff + "-- \n2.47.0\n")


def _source_check(tmp_path, *args):
    import json

    from conftest import run_cli

    tree = tmp_path / "tree"
    (tree / "migration").mkdir(parents=True)
    (tree / "migration" / "migration.c").write_text(_TREE_BASE)
    patch = tmp_path / "move-stop.patch"
    patch.write_text(_mail(_TREE_BASE, _TREE_POST, "migration/migration.c"))
    proc = run_cli("check", "--format", "json", "--select", "CPR001",
                   "--source", str(tree), str(patch), *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)


def test_check_with_source_moving_the_stop_into_a_later_function(tmp_path):
    """The seed bug across functions: the stop moves from qmp_migrate() into
    migration_connect(), which qmp_migrate() calls after the save."""
    doc = _source_check(tmp_path)
    got = [(f["function"], f["rule"]) for f in doc["findings"]]
    assert got == [("qmp_migrate", "CPR001")], doc
    msg = doc["findings"][0]["message"]
    assert "migration_connect(s)" in msg and "which reaches migration_stop_vm" in msg


def test_check_with_source_tree_fixture_preexisting_missing_stop(tmp_path):
    """tests/fixtures/tree's qmp_migrate() saves without a stop: pre-existing,
    so a patch that does not touch it is clean, and --all shows it."""
    from conftest import FIXTURES, run_cli

    src = (FIXTURES / "tree" / "migration" / "migration.c").read_text()
    post = src.replace("    Error *local_err = NULL;\n\n    if (!migrate_prepare",
                       "    Error *local_err = NULL;\n\n    trace_qmp_migrate();\n"
                       "    if (!migrate_prepare", 1)
    assert post != src
    patch = tmp_path / "trace.patch"
    patch.write_text(_mail(src, post, "migration/migration.c"))
    tree = str(FIXTURES / "tree")
    import json

    proc = run_cli("check", "--format", "json", "--select", "CPR001", "--source", tree, str(patch))
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == []
    proc = run_cli("check", "--format", "json", "--select", "CPR001", "--all",
                   "--source", tree, str(patch))
    found = json.loads(proc.stdout)["findings"]
    (f,) = found
    assert f["function"] == "qmp_migrate" and f.get("preexisting") is True
    assert "with no VM stop" in f["message"]


def test_stop_after_setup_with_no_save_in_sight_is_not_an_order_finding():
    # trees that stop the VM in migration_connect(): SETUP notifiers, then the
    # CPR stop, and the save happened earlier in another function. Only a stop
    # or SETUP notification after cpr_state_save() breaks CPR001's order.
    src = (
        "void migration_connect(MigrationState *s, Error *error_in)\n"
        "{\n"
        "    Error *local_err = NULL;\n"
        "    int ret;\n"
        "\n"
        "    if (migration_call_notifiers(s, MIG_EVENT_PRECOPY_SETUP, &local_err)) {\n"
        "        return;\n"
        "    }\n"
        "    if (migrate_mode_is_cpr(s)) {\n"
        "        ret = migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE);\n"
        "        if (ret < 0) {\n"
        "            return;\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    assert _scan(src, "migration/migration.c") == []
    # the same function with a save before the notifier: now the order is broken
    with_save = src.replace("    int ret;\n", "    int ret;\n\n"
                            "    if (migrate_mode_is_cpr(s) && !cpr_state_save(ch, &local_err)) {\n"
                            "        return;\n    }\n")
    found = _scan(with_save, "migration/migration.c")
    assert [c.fields["case"] for c in found] == ["order", "order"]


@pytest.mark.parametrize("cases", [
    {"sideways": {"problem": "x", "fix": "y"}},      # no such case
    {"order": {"problem": "x", "hint": "y"}},        # no such key
    {"order": "x"},                                  # not a table
])
def test_rule_file_case_templates_are_checked(cases):
    params = dict(RULE.params, cases=cases)
    with pytest.raises(KindError, match="call_order: cases"):
        CallOrder(params)


# -- callbacks and the save as a CPR-mode call --------------------------------

DEFERRED = "cpr_deferred_start.c"


def test_files_mode_follows_the_watch_callback_to_the_later_stop_and_setup():
    """qmp_migrate() saves unconditionally, then registers a watch whose
    callback starts the thread that notifies SETUP and stops the VM."""
    import json
    from conftest import run_cli
    from test_code_helpers import FIXTURES

    proc = run_cli("check", "--format", "json", "--select", "CPR001", str(FIXTURES / DEFERRED))
    (f,) = json.loads(proc.stdout)["findings"]
    assert proc.returncode == 1
    assert (f["function"], f["line"]) == ("qmp_migrate", 65)
    msg = f["message"]
    assert "after cpr_state_save(cpr_ch, &local_err) at line 59" in msg
    assert "registers outgoing_target_ready() to run later" in msg
    assert "migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE) at line 20" in msg
    assert "outgoing_target_ready() -> migration_start_outgoing() -> " \
           "outgoing_main_thread()" in msg
    assert "MIG_EVENT_PRECOPY_SETUP, &local_err) at line 15) runs later too" in msg


def test_all_shows_the_preexisting_deferred_stop_with_the_base_tree(tmp_path):
    import json
    from conftest import run_cli

    base = fixture(DEFERRED)
    post = base.replace("    object_ref(OBJECT(s));\n",
                        "    object_ref(OBJECT(s));\n    trace_migration_thread_start(s);\n")
    assert post != base
    tree = tmp_path / "tree"
    (tree / "migration").mkdir(parents=True)
    (tree / "migration" / "migration.c").write_text(base)
    patch = tmp_path / "trace.patch"
    patch.write_text(_mail(base, post, "migration/migration.c"))
    args = ("check", "--format", "json", "--select", "CPR001", "--source", str(tree), str(patch))
    assert json.loads(run_cli(*args).stdout)["findings"] == []     # not the patch's doing
    (f,) = json.loads(run_cli(*args[:-1], "--all", str(patch)).stdout)["findings"]
    assert f["function"] == "qmp_migrate" and f.get("preexisting") is True
    assert "migration_stop_vm" in f["message"] and "cpr_state_save" in f["message"]


def test_unconditional_save_is_a_cpr_mode_call_for_the_missing_half():
    src = fixture(DEFERRED).replace(
        "cpr_transfer_add_hup_watch(s, outgoing_target_ready, main_ch->addr);",
        "outgoing_connect_elsewhere(s, main_ch->addr, &local_err);")
    (c,) = [c for c in _scan(src) if c.function == "qmp_migrate"]
    assert c.fields["case"] == "missing" and c.line == 59
    assert "cpr_state_save() saves only in cpr-transfer and cpr-exec" in c.fields["problem"]
    assert "no VM stop" in c.fields["problem"] and "no SETUP notifier" in c.fields["problem"]


def test_an_unconditional_save_in_a_helper_without_callers_is_not_judged():
    # exported, not an entry point, no mode test: its callers are elsewhere
    src = "bool outgoing_save(MigrationChannel *ch, Error **errp)\n{\n" \
          "    return cpr_state_save(ch, errp);\n}\n"
    assert _scan(src) == []


def test_a_callback_registered_before_the_save_does_not_run_after_it():
    src = fixture(DEFERRED)
    # register the watch first, save afterwards: the order is not judged
    # through a callback that the registration has not handed over yet
    src = src.replace("""    if (!cpr_state_save(cpr_ch, &local_err)) {
        goto out;
    }
""", "").replace("""        outgoing_connect_elsewhere(s, main_ch->addr, &local_err);
    }
""", """        outgoing_connect_elsewhere(s, main_ch->addr, &local_err);
    }
    if (!cpr_state_save(cpr_ch, &local_err)) {
        goto out;
    }
""")
    found = [c for c in _scan(src) if c.function == "qmp_migrate"]
    assert [c.fields["case"] for c in found] != ["cross"]


def test_callback_facts_name_function_designators_only():
    from cprlint.code.callbacks import callbacks, designated_function
    from cprlint.code.whole import whole_view

    assert designated_function("outgoing_target_ready") == "outgoing_target_ready"
    assert designated_function("(GSourceFunc)qmp_finish_cb") == "qmp_finish_cb"
    assert designated_function("&outgoing_notify") == "outgoing_notify"
    assert designated_function("s->cb") is None and designated_function("cb(s)") is None
    view = whole_view("m.c", fixture(DEFERRED))
    names = {f.name for f in view.facts.functions}
    got = [(c.call.name, c.arg, c.name) for c in callbacks(
        view.facts.calls, {"cpr_transfer_add_hup_watch", "qemu_thread_create",
                           "migration_add_notifier"}, names)]
    assert got == [("qemu_thread_create", 2, "outgoing_main_thread"),
                   ("cpr_transfer_add_hup_watch", 1, "outgoing_target_ready"),
                   ("migration_add_notifier", 1, "outgoing_cpr_notifier")]


def test_an_exit_on_mode_and_something_else_does_not_leave_the_mode():
    # `if (mode == CPR_TRANSFER && !cpr_ch) return;` before the save: past it
    # the mode may still be cpr-transfer, so the save still needs the stop
    src = """void qmp_migrate(MigrationState *s, MigrationChannel *cpr_ch, Error **errp)
{
    if (migrate_mode() == MIG_MODE_CPR_TRANSFER && !cpr_ch) {
        return;
    }
    if (cpr_state_save(cpr_ch, errp) < 0) {
        return;
    }
}
"""
    (c,) = _scan(src)
    assert c.fields["case"] == "missing" and c.line == 6
