from __future__ import annotations

import pytest

from cprlint.code.fragments import parse_whole
from cprlint.code.masking import (is_masked_while, load_macro_config, macro_name_at,
                                  mask, mask_text)
from cprlint.code.whole import whole_view


def _same_shape(a: bytes, b: bytes) -> None:
    assert len(a) == len(b)
    assert [i for i, c in enumerate(a) if c == 10] == [i for i, c in enumerate(b) if c == 10]


def test_config_loaded_once():
    assert load_macro_config() is load_macro_config()
    cfg = load_macro_config()
    assert "coroutine_fn" in cfg.words and "g_autofree" in cfg.words
    assert "G_GNUC_PRINTF" in cfg.call_names


def test_foreach_becomes_while_with_body():
    src = (b"static void f(MigrationState *s)\n{\n"
           b"    QTAILQ_FOREACH(dev, &s->devices, next) {\n"
           b"        migration_cleanup(dev);\n    }\n}\n")
    m = mask(src)
    _same_shape(src, m)
    assert b"    while         (dev, &s->devices, next) {" in m
    v = whole_view("migration/x.c", src.decode())
    assert v.facts.error_count == 0 and v.facts.missing_count == 0
    (call,) = v.facts.calls
    assert call.name == "migration_cleanup" and call.function == "f"
    assert call.guards[0].kind == "loop"
    assert call.guards[0].text == "QTAILQ_FOREACH"
    assert call.guards[0].detail == "dev, &s->devices, next"


def test_original_macro_name_recoverable():
    src = b"void f(void)\n{\n    WITH_QEMU_LOCK_GUARD(&s->lock) {\n        g();\n    }\n}\n"
    pf = parse_whole(src)
    node = pf.tree.root_node.named_children[0].child_by_field_name("body").named_children[0]
    assert node.type == "while_statement"
    assert is_masked_while(pf.orig, node.start_byte)
    assert macro_name_at(pf.orig, node.start_byte) == "WITH_QEMU_LOCK_GUARD"


def test_with_lock_guard_and_empty_args():
    src = ("void f(MigrationState *s)\n{\n"
           "    WITH_QEMU_LOCK_GUARD(&s->qemu_file_lock) {\n        qemu_file_shutdown(s->to_dst_file);\n    }\n"
           "    WITH_RCU_READ_LOCK_GUARD() {\n        ram_bytes_total();\n    }\n}\n")
    m = mask_text(src)
    assert len(m) == len(src) and m.count("\n") == src.count("\n")
    name = "WITH_RCU_READ_LOCK_GUARD()"
    assert "    while" + " " * (len(name) - 8) + "(1) {" in m
    v = whole_view("x.c", src)
    assert v.facts.error_count == 0 and v.facts.missing_count == 0
    g1 = v.facts.calls[0].guards
    g2 = v.facts.calls[1].guards
    assert (g1[0].kind, g1[0].text, g1[0].detail) == ("loop", "WITH_QEMU_LOCK_GUARD", "&s->qemu_file_lock")
    assert (g2[0].kind, g2[0].text, g2[0].detail) == ("loop", "WITH_RCU_READ_LOCK_GUARD", "")


@pytest.mark.parametrize("src", [
    "static void coroutine_fn\nmigration_co_run(void *opaque)\n{\n    vm_resume(RUN_STATE_RUNNING);\n}\n",
    "static int coroutine_fn GRAPH_RDLOCK migration_co_x(void)\n{\n    return migration_block_activate(NULL);\n}\n",
    "void f(void)\n{\n    g_autofree char *name = g_strdup(\"x\");\n    use(name);\n}\n",
    "void G_GNUC_PRINTF(1, 2) migration_trace(const char *fmt, ...);\nvoid f(void)\n{\n    g();\n}\n",
    "static inline void QEMU_ALWAYS_INLINE helper_g(void)\n{\n    g();\n}\n",
])
def test_attribute_words_parse_clean(src):
    m = mask_text(src)
    assert len(m) == len(src) and m.count("\n") == src.count("\n")
    v = whole_view("x.c", src)
    assert v.facts.error_count == 0 and v.facts.missing_count == 0
    names = [f.name for f in v.facts.functions]
    assert names and all(n in ("migration_co_run", "migration_co_x", "f", "helper_g") for n in names)


def test_gnuc_printf_blanked_with_args():
    src = b"void G_GNUC_PRINTF(1,\n 2) t(const char *fmt, ...);\n"
    m = mask(src)
    _same_shape(src, m)
    assert b"G_GNUC" not in m and b"1," not in m
    assert m.startswith(b"void ")


def test_coroutine_fn_blanked_static_kept():
    v = whole_view("x.c", "static void coroutine_fn co_f(void)\n{\n    g();\n}\n")
    (fn,) = v.facts.functions
    assert fn.name == "co_f" and fn.is_static


def test_no_rewrite_of_statement_macros_or_defines():
    src = (b"#define QTAILQ_FOREACH(var, head, field) for (;;)\n"
           b"void f(void)\n{\n    QLIST_FOREACH_FUNC(a, b);\n    x = WITH_FOO(a, b), y;\n}\n")
    assert mask(src) == src


def test_unicode_offsets_kept():
    src = "/* Jos\u00e9 */\nvoid coroutine_fn f(void)\n{\n    g();\n}\n"
    m = mask_text(src)
    assert len(m.encode()) == len(src.encode())
    v = whole_view("x.c", src)
    assert v.facts.comments[0].text == "/* Jos\u00e9 */"
    assert v.facts.calls[0].line == 4


def test_if0_blocks_are_blanked_and_directives_kept():
    from cprlint.code.masking import mask

    src = (b"void f(void)\n{\n#if 0\n    vm_start();\n#ifdef X\n    g();\n#endif\n"
           b"#else\n    h();\n#endif\n    k();\n}\n")
    out = mask(src)
    assert len(out) == len(src) and out.count(b"\n") == src.count(b"\n")
    assert b"vm_start" not in out and b"g();" not in out
    # the nested #ifdef is dead code too; the block's own #else and #endif stay
    assert b"h();" in out and b"k();" in out and out.count(b"#endif") == 1
    assert b"#else" in out and b"#ifdef" not in out


def test_calls_under_if0_are_not_facts():
    from cprlint.code.views import facts_for_fragment

    text = ("    if (migration_has_failed(s)) {\n#if 0\n        vm_start();\n#endif\n"
            "        trace_failed();\n    }\n")
    names = [c.name for c in facts_for_fragment(text, 10, "f").calls]
    assert "vm_start" not in names and "trace_failed" in names


def test_the_re2_macro_patterns_mask_as_python_re_would():
    # the word and call alternations run on RE2 (a DFA); Python's re reads
    # them leftmost-first too: every fixture and a text dense with the
    # macros must mask the same either way
    import re
    from pathlib import Path

    from cprlint.records import replace

    cfg = load_macro_config()
    as_re = replace(cfg, words_re=re.compile(cfg.words_re.pattern),
                    calls_re=re.compile(cfg.calls_re.pattern))
    dense = "\n".join(
        f"static int coroutine_fn {w}_x(void) G_GNUC_PRINTF(1, 2) {{ {w}; TSA_NO_TSA {w}2; }}"
        for w in cfg.words).encode()
    fixtures = Path(__file__).parent / "fixtures"
    texts = [dense] + [p.read_bytes() for p in sorted(fixtures.rglob("*.[ch]"))]
    assert len(texts) > 10
    for text in texts:
        assert mask(text) == mask(text, as_re)
    assert mask(dense) != dense


def test_the_re2_if0_scan_finds_the_directives_python_re_would(monkeypatch):
    # #if 0 blocks are found by an RE2 multi-line pattern; Python's re with
    # re.M must blank the same lines (CR, vertical tab, nested #if, a comment)
    import re

    from cprlint.code import masking

    text = (b"int a;\n#if 0 /* off */\nint b;\n#  ifdef X\nint c;\n#endif\n"
            b"int d;\r\n# else\nint e;\n#endif\nint f;\n#if 0\x0b\nint g;\n#elif 1\n"
            b"int h;\n#endif\n#if 0\nint tail;\n")
    as_re = re.compile(masking._PP_LINE.pattern.replace(b"(?m)", b""), re.M)
    got = masking._blank_if0(text, None)
    monkeypatch.setattr(masking, "_PP_LINE", as_re)
    assert got is not None and got == masking._blank_if0(text, None)
    assert b"int b" not in got and b"int e" in got and b"int tail" not in got
