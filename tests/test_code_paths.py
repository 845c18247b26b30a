"""Paths within a function (code/paths.py) and declarations
(code/declarations.py), on our own QEMU-style code."""

from __future__ import annotations

from cprlint.code.declarations import declarations
from cprlint.code.paths import flows
from cprlint.code.whole import whole_view

SRC = """\
static bool foo_connect(FooState *s, Error **errp)
{
    g_autoptr(Error) local_err = NULL;
    g_autofree char *name = g_strdup(s->name);
    char **argv = NULL;
    int ret;

    if (!foo_ready(s)) {
        error_setg(errp, "not ready");
        goto out;
    }
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        argv = foo_argv(s);
    }
    for (int i = 0; argv[i]; i++) {
        if (foo_skip(argv[i])) {
            break;
        }
        foo_use(argv[i]);
    }
    ret = foo_run(s, argv);
    return ret == 0;

out:
    g_strfreev(argv);
    return false;
}

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .post_load = foo_post_load,
};
"""


def _view():
    return whole_view("hw/misc/foo.c", SRC)


def _texts(fl, idxs):
    return [fl.stmts[i].text for i in idxs]


def test_declarations_of_a_function():
    d = declarations(_view())
    fd = d.function("foo_connect")
    assert fd.return_type == "bool" and fd.head_visible and fd.end_visible
    assert [(p.name, p.type) for p in fd.params] == [("s", "FooState *"), ("errp", "Error **")]
    assert fd.locals["local_err"].attributes == ("g_autoptr(Error)",)
    assert fd.locals["local_err"].type == "Error *"
    assert fd.locals["name"].attributes == ("g_autofree",)
    assert fd.locals["name"].type == "char *"
    assert fd.locals["argv"].type == "char **" and not fd.locals["argv"].attributes
    assert fd.locals["ret"].type == "int"
    assert [r.expr for r in fd.returns] == ["ret == 0", "false"]
    assert ("post_load", "foo_post_load", 31) in d.initializer_refs


def test_a_goto_continues_at_its_cleanup_label_and_return_ends_the_path():
    fl = flows(_view())[0]
    (i,) = [k for k, s in enumerate(fl.stmts) if s.text.startswith("error_setg")]
    after = _texts(fl, fl.following(i))
    # goto out: the path goes on at the label, not below the if
    assert after == ["goto out;", "", "g_strfreev(argv);", "return false;"]
    assert fl.complete and not fl.lost


def test_a_with_block_runs_once_and_break_leaves_the_loop():
    fl = flows(_view())[0]
    (i,) = [k for k, s in enumerate(fl.stmts) if s.text == "argv = foo_argv(s);"]
    after = _texts(fl, fl.following(i))
    assert after[0].startswith("int i = 0; argv[i]")        # the for header
    assert "foo_use(argv[i]);" in after and "ret = foo_run(s, argv);" in after
    # a later label is not reached by falling through a return
    assert "g_strfreev(argv);" not in after


def test_visit_cuts_the_path():
    fl = flows(_view())[0]
    (i,) = [k for k, s in enumerate(fl.stmts) if s.text.startswith("error_setg")]
    seen = []

    def visit(j):
        seen.append(fl.stmts[j].text)
        return fl.stmts[j].kind == "label"
    fl.forward(i, visit)
    assert seen == ["goto out;", ""]


def test_a_hunk_inside_a_function_takes_its_head_from_the_section():
    from conftest import check_text  # noqa: F401  (the pipeline builds hunk views)
    from cprlint.inputs.load import load_series
    from cprlint.code.views import build_views
    import io

    patch = """\
diff --git a/migration/foo.c b/migration/foo.c
index 1a2b3c4..5d6e7f8 100644
--- a/migration/foo.c
+++ b/migration/foo.c
@@ -20,2 +20,3 @@ static bool foo_check(FooState *s, Error **errp)
     if (!s->ok) {
+        return -EINVAL;
     }
"""
    series = load_series(["-"], stdin=io.BytesIO(patch.encode()))
    hv = build_views(series)[0]
    fd = declarations(hv.post).functions[0]
    assert (fd.name, fd.return_type, fd.head_visible) == ("foo_check", "bool", False)
    assert [p.name for p in fd.params] == ["s", "errp"]
    assert [(r.line, r.expr) for r in fd.returns] == [(21, "-EINVAL")]


def test_branches_the_error_path_cannot_take_are_not_followed():
    src = """\
int foo_load(FooState *s, Error **errp)
{
    int ret = foo_read(s);

    if (ret < 0) {
        error_setg(errp, "read failed");
    }
    if (ret == 0) {
        foo_step(s, errp);
    }
    if (ret) {
        return ret;
    }
    foo_last(s, errp);
    return 0;
}
"""
    fl = flows(whole_view("migration/foo.c", src))[0]
    (i,) = [k for k, s in enumerate(fl.stmts) if s.text.startswith("error_setg")]
    seen = []
    fl.forward(i, lambda j: seen.append(fl.stmts[j].text) and False, assume=["errp"])
    # ret < 0 holds: `ret == 0` is not entered, `if (ret)` is taken and returns
    assert "foo_step(s, errp);" not in seen and "foo_last(s, errp);" not in seen
    assert "return ret;" in seen
    everything = _texts(fl, fl.following(i))          # without assumptions: all of it
    assert "foo_step(s, errp);" in everything and "foo_last(s, errp);" in everything


# -- what sits inside expressions ----------------------------------------------------
# (the walks skip expressions that cannot hold what they look for: a
# declaration or return needs a block, "{"; a call needs a "(")

NESTED = """\
static int foo_load(FooState *s, Error **errp)
{
    int ret = ({ int first = foo_first(s); first < 0 ? first : 0; });
    foo_note(s, ({ Error *hint = NULL; foo_hint(&hint); hint; }));
    if (ret)
        return ret;
    s->cb(s, foo_arg(s->name, bar_len(s)));
    foo_set(s, s->a + s->b, "no (call) here");
    return foo_finish(s, errp) ? 0 : -EIO;
}
"""


def test_locals_and_returns_inside_statement_expressions_are_found():
    fd = declarations(whole_view("hw/misc/foo.c", NESTED)).function("foo_load")
    assert set(fd.locals) == {"ret", "first", "hint"}
    assert fd.locals["hint"].type == "Error *" and fd.locals["hint"].init == "NULL"
    assert [(r.line, r.expr) for r in fd.returns] == [(6, "ret"), (9, "foo_finish(s, errp) ? 0 : -EIO")]


def test_calls_nested_in_arguments_and_statement_expressions_are_found():
    fl = flows(whole_view("hw/misc/foo.c", NESTED))[0]
    calls = {s.line: sorted(c.name for c in s.calls) for s in fl.stmts if s.calls}
    assert 3 not in calls and calls[4] == ["foo_note"]   # a block's statements are its own
    assert calls[7] == ["bar_len", "foo_arg"]  # s->cb is no named call; its arguments are
    assert calls[8] == ["foo_set"]             # a "(" in a string is no call
    assert calls[9] == ["foo_finish"]


def _every_local_and_return(p, node):
    """What an exhaustive walk below ``node`` finds: the reference."""
    from cprlint.code.declarations import FunctionDecl, Return, _local
    from cprlint.code.facts import collapse

    fd = FunctionDecl("f", 0, 0, "")
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "declaration" and p.visible(n):
            _local(p, n, fd)
        elif n.type == "return_statement" and p.visible(n) and not p.synthetic(n):
            expr = next((c for c in n.named_children if c.type != "comment"), None)
            fd.returns.append(Return(p.line(n), collapse(p.text(expr)) if expr else ""))
        if n.type != "function_definition":
            stack.extend(reversed(n.named_children))
    fd.returns.sort(key=lambda r: r.line)
    return sorted(fd.locals), [(r.line, r.expr) for r in fd.returns]


def test_the_walk_below_damaged_code_finds_what_an_exhaustive_walk_finds():
    # error recovery can put a declaration inside an expression node whose
    # bytes hold no "{": a node with a syntax error is always entered
    from cprlint.code.declarations import FunctionDecl, _body
    from cprlint.code.fragments import parse_whole
    from cprlint.code.parsed import Parsed

    damaged = [b"case L: y x int return /* 1:",
               b"int f(void) { a = b x int z = 3; return z }",
               b"x = ({ int y = h(1) ; y; ",
               NESTED.encode()]
    for src in damaged:
        p = Parsed(parse_whole(src), 1)
        stack = [p.pf.tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            fd = FunctionDecl("f", 0, 0, "")
            _body(p, node, fd)
            assert (sorted(fd.locals), [(r.line, r.expr) for r in fd.returns]) == \
                _every_local_and_return(p, node), (src, node.type)
