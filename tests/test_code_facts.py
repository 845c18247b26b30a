"""Facts of a whole-file view of a QEMU-style fixture, and speed."""

from __future__ import annotations

import re

import pytest

from cprlint.code.views import facts_for_fragment
from cprlint.code.whole import whole_view

from test_code_helpers import fixture


@pytest.fixture(scope="module")
def view():
    return whole_view("migration/sample.c", fixture("migration_sample.c"))


def _calls(v, name):
    return [c for c in v.facts.calls if c.name == name]


def _g(call):
    return [(g.kind, g.text) for g in call.guards]


def test_whole_file_view_shape(view):
    text = fixture("migration_sample.c")
    assert view.whole_file and view.side == "post" and view.first_line == 1
    assert view.changed == frozenset()
    n = text.count("\n")
    assert view.input_line(1) == 1 and view.input_line(n) == n
    assert view.facts.error_count == 0 and view.facts.missing_count == 0
    assert [(f.name, f.line, f.is_static) for f in view.facts.functions] == [
        ("sample_co_poll", 13, True), ("sample_iteration_finish", 23, True),
        ("sample_connect", 49, True), ("sample_count", 80, False)]
    assert all(f.start_visible and f.end_visible and not f.from_section
               for f in view.facts.functions)
    fin = view.facts.functions[1]
    assert (fin.body_line, fin.end_line) == (24, 47)
    assert view.function_at(38).name == "sample_iteration_finish"


def test_switch_case_groups_and_early_exit(view):
    (vr,) = _calls(view, "vm_resume")
    assert vr.function == "sample_iteration_finish" and vr.line == 38
    case, cond = vr.guards
    assert (case.kind, case.switch, case.line) == ("case", "s->state", 30)
    assert case.text == ("MIGRATION_STATUS_FAILED | MIGRATION_STATUS_CANCELLED | "
                         "MIGRATION_STATUS_CANCELLING")
    assert (cond.kind, cond.text) == ("if", "runstate_is_live(s->vm_old_state)")
    assert [(e.cond, e.exit, e.line) for e in vr.early_exits] == [
        ("!migration_block_activate(NULL)", "break", 34)]
    (act,) = _calls(view, "migration_block_activate")
    assert act.in_condition and act.args == ["NULL"]
    assert [g.kind for g in act.guards] == ["case"]
    (rs,) = _calls(view, "runstate_set")
    assert _g(rs) == [("case", "MIGRATION_STATUS_COMPLETED")]
    (er,) = _calls(view, "error_report")
    assert _g(er) == [("case", "default")]
    assert er.args == ['"%s: unknown state %d"', "__func__", "s->state"]


def test_else_if_chain_and_gotos(view):
    (stop,) = _calls(view, "migration_stop_vm")
    assert stop.in_condition and _g(stop) == [("if", "migrate_mode_is_cpr(s)")]
    (notify,) = _calls(view, "migration_call_notifiers")
    assert _g(notify) == [("else", "migrate_mode_is_cpr(s)"), ("else", "migration_has_failed(s)")]
    assert notify.args == ["MIG_EVENT_SETUP", "errp"]
    assert notify.text == "migration_call_notifiers(MIG_EVENT_SETUP, errp)"
    (save,) = _calls(view, "cpr_state_save")
    assert save.in_condition and save.line == 64
    assert [(e.cond, e.exit, e.target) for e in save.early_exits] == [
        ("migration_has_failed(s)", "goto", "out")]
    (cleanup,) = _calls(view, "migration_cleanup")
    assert _g(cleanup) == [("if", "ret < 0")]
    assert cleanup.labels == ["out"]
    assert ("!cpr_state_save(s->cpr_channel, errp)", "goto", "out") in [
        (e.cond, e.exit, e.target) for e in cleanup.early_exits]
    (prep,) = _calls(view, "sample_device_prepare")
    assert prep.guards[0].text == "QTAILQ_FOREACH" and prep.labels == []


def test_loops(view):
    (probe,) = _calls(view, "sample_probe")
    assert _g(probe) == [("loop", "i < SAMPLE_RETRIES")]
    (busy,) = _calls(view, "sample_busy")
    assert busy.in_condition and busy.guards == []
    (drain,) = _calls(view, "sample_drain")
    assert _g(drain) == [("loop", "n > 0 && !migration_has_failed(s)")]
    (rcu,) = _calls(view, "sample_rcu_count")
    assert _g(rcu) == [("loop", "WITH_RCU_READ_LOCK_GUARD")]
    (flush,) = _calls(view, "sample_flush")
    assert flush.function == "sample_co_poll"
    assert (flush.guards[0].text, flush.guards[0].detail) == (
        "WITH_QEMU_LOCK_GUARD", "&s->qemu_file_lock")


def test_comments_identifiers_defines(view):
    head, inner = view.facts.comments
    assert head.line == 1 and head.end_line == 3 and head.function == ""
    assert head.text.startswith("/*\n * Sample migration")
    assert head.lines()[1] == (2, " * Sample migration code for cprlint tests (written for the tests).")
    assert inner.line == 33 and inner.function == "sample_iteration_finish"
    assert inner.changed_lines == frozenset()
    assert view.facts.macros_defined == [("SAMPLE_RETRIES", 8), ("SAMPLE_FAILED", 9)]
    ids = view.facts.identifiers
    for name in ("MigrationState", "vm_old_state", "MIG_EVENT_SETUP", "sample_connect",
                 "QTAILQ_FOREACH", "errp"):
        assert name in ids
    for word in ("if", "return", "static", "void", "Sample"):
        assert word not in ids
    assert not any(i.startswith("__cprlint") for i in ids)


def test_identifiers_are_read_when_first_asked_and_equal_an_eager_read():
    from cprlint.code import facts as facts_mod
    from cprlint.code.fragments import parse_whole
    from cprlint.code.model import Facts

    text = fixture("migration_sample.c").encode()
    f = facts_mod.build_facts(parse_whole(text))
    assert f._words_of is not None                  # not read yet
    walked = set(f._identifiers)                    # what the walk itself added (labels ...)
    assert f.identifiers == walked | facts_mod.identifiers_in(text)
    assert f._words_of is None
    g = Facts(identifiers={"kept"})
    g.identifiers_from(b"int a = b; /* c */")
    g.identifiers_from(b"x(\"y\")")                   # two sources: each read on its own
    assert g.identifiers == {"kept", "a", "b", "x"}
    g.identifiers_from(b"late")
    g.identifiers = {"replaced"}                     # an assignment drops what is pending
    assert g.identifiers == {"replaced"}


def test_no_calls_in_error(view):
    assert not any(c.in_error for c in view.facts.calls)


def test_call_in_error_flagged():
    f = facts_for_fragment("int f(void)\n{\n    int a[] = { [vm_resume(s)] };\n}\n", 1)
    assert f.error_count >= 1
    assert [c.in_error for c in f.calls if c.name == "vm_resume"] == [True]


def test_else_branch_exit_and_bare_return():
    src = ("int f(MigrationState *s)\n{\n"
           "    if (migration_block_activate(NULL)) {\n        trace_ok();\n    } else {\n        return -1;\n    }\n"
           "    vm_resume(s->vm_old_state);\n"
           "    return 0;\n"
           "    dead_code();\n}\n")
    v = whole_view("x.c", src)
    (vr,) = _calls(v, "vm_resume")
    assert [(e.cond, e.exit) for e in vr.early_exits] == [("!migration_block_activate(NULL)", "return")]
    (dead,) = _calls(v, "dead_code")
    assert [(e.cond, e.exit) for e in dead.early_exits][-1] == ("", "return")


def _big_file() -> str:
    src = fixture("migration_sample.c")
    start = src.index("static void coroutine_fn")
    parts = [src[:start]]
    i = 0
    while sum(p.count("\n") for p in parts) < 3900:
        parts.append(re.sub(r"\bsample_", f"sample{i}_", src[start:]) + "\n")
        i += 1
    return "".join(parts)


def test_whole_file_of_3900_lines_parses_cleanly():
    # speed is measured by bench/bench.py, not here; this checks the structure
    big = _big_file()
    v = whole_view("big.c", big)
    assert len(v.facts.functions) >= 160 and v.facts.error_count == 0
    names = [f.name for f in v.facts.functions]
    assert len(names) == len(set(names))


def test_walk_and_query_index_agree():
    """Small trees are indexed by a cursor walk, large ones by the query:
    both must capture the same nodes."""
    from cprlint.code.facts import _Index
    from cprlint.code.fragments import parse_whole

    for name in ("migration_sample.c",):
        pf = parse_whole(fixture(name))
        a, b = _Index(pf.tree, use_query=False), _Index(pf.tree, use_query=True)
        for field in ("call_starts", "comment_starts", "errors", "structs"):
            assert getattr(a, field) == getattr(b, field), field
        for field in ("enumerators", "field_decls", "protos"):
            assert sorted(n.start_byte for n in getattr(a, field)) == \
                sorted(n.start_byte for n in getattr(b, field)), field
    big = parse_whole(_big_file())
    a, b = _Index(big.tree, use_query=False), _Index(big.tree, use_query=True)
    assert a.call_starts == b.call_starts and a.structs == b.structs


def test_walk_and_query_index_agree_on_declarations():
    from cprlint.code.facts import _Index
    from cprlint.code.fragments import parse_whole

    src = (
        "typedef enum { CPR_A, CPR_B = 2 } CprKind;\n"
        "struct CprState { int fd; char *name; };\n"
        "bool cpr_state_save(MigrationChannel *c, Error **errp);\n"
        "char *cpr_name(int id);\n"
        "char **cpr_names(void);\n"
        "static int helper(void) { return cpr_state_save(NULL, NULL); }\n"
    )
    pf = parse_whole(src)
    a, b = _Index(pf.tree, use_query=False), _Index(pf.tree, use_query=True)
    for field in ("enumerators", "field_decls", "protos"):
        got = sorted(n.text for n in getattr(a, field))
        assert got and got == sorted(n.text for n in getattr(b, field)), field
    assert a.call_starts == b.call_starts and a.structs == b.structs


def test_assignments_and_local_initializers():
    from cprlint.code.assignments import assignments
    from cprlint.code.declarations import declarations

    v = whole_view("migration/a.c", "static void f(MigrationState *s)\n{\n"
                   "    int old = s->state;\n    int n;\n\n"
                   "    if (old) {\n        s->state = MIGRATION_STATUS_FAILED;\n    }\n"
                   "    n = 2;\n    n |= 4;\n}\n")
    assert [(a.function, a.lhs, a.op, a.rhs, a.line) for a in assignments(v)] == [
        ("f", "s->state", "=", "MIGRATION_STATUS_FAILED", 7),
        ("f", "n", "=", "2", 9),
        ("f", "n", "|=", "4", 10)]
    fd = declarations(v).function("f")
    assert fd.variable("old").init == "s->state"
    assert fd.variable("n").init == ""


def test_assignments_order_and_what_is_outside_function_bodies():
    from cprlint.code.assignments import assignments

    v = whole_view("migration/b.c",
                   "static int g = 1;\n"
                   "static void f(int *p)\n{\n"
                   "    a = b = 3;\n"
                   "    for (i = 0; i < 2; i++) {\n        *p = i;\n    }\n}\n"
                   "static void h(void)\n{\n    x = 1;\n}\n")
    assert [(a.function, a.text, a.line) for a in assignments(v)] == [
        ("f", "a = b = 3", 4), ("f", "b = 3", 4),       # the outer one first
        ("f", "i = 0", 5), ("f", "*p = i", 6),
        ("h", "x = 1", 11)]                              # not the file-scope initializer


def test_collapse_reads_blanks_as_the_regex_it_replaced():
    # collapse() was re.sub(r"\s+", " ", s).strip(); str.split() must agree
    # on every blank, Unicode ones included, and on no other character
    import re
    import sys

    from cprlint.code.facts import collapse

    spaces = re.compile(r"\s+")
    chars = [chr(c) for c in range(sys.maxunicode + 1)
             if chr(c).isspace() or spaces.fullmatch(chr(c))] + list("a_(*,;\\")
    for ch in chars:
        text = f" {ch}ret{ch}{ch}=  f(a,\t{ch}b) {ch}"
        assert collapse(text) == spaces.sub(" ", text).strip(), repr(ch)
    assert collapse("  qemu_savevm_state_setup(f,\n      errp)  ") == \
        "qemu_savevm_state_setup(f, errp)"


def test_the_whole_file_query_names_every_prototype_of_a_declaration():
    # a declaration may declare several functions (and pointers to them
    # through up to two pointer levels): the query path reads every declarator
    from cprlint.code.facts import _Index
    from cprlint.code.fragments import parse_whole

    src = ("int cpr_count, cpr_save(int fd), *cpr_name(int id);\n"
           "char **cpr_names(void), ***cpr_deep(void);\n"
           "static int (*cpr_hook)(int);\n")
    ix = _Index(parse_whole(src).tree, use_query=True)
    assert sorted(n.text.decode() for n in ix.protos) == ["cpr_name", "cpr_names", "cpr_save"]
