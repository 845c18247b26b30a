"""code.nodes: assignments and | chains found from their operators' bytes
are the nodes the tree-sitter queries capture."""

from conftest import FIXTURES, SERIES, make_hunk

from cprlint.code import expressions
from cprlint.code.fragments import parse_whole
from cprlint.code.nodes import ASSIGNMENT_OPERATORS, by_operator

_SRC = """\
static int cpr_flags(MigrationState *s, int fd)
{
    int mask = BIT(MIG_MODE_CPR_TRANSFER) | BIT(MIG_MODE_CPR_EXEC);

    s->state = MIGRATION_STATUS_SETUP;
    s->fd = fd = dup(fd);
    if ((s->flags |= (mask | 4)) != 0) {
        s->mode = f(a | b, c | d);
    }
    return mask | s->mode;
}
"""


def _ids(nodes):
    return sorted((n.start_byte, n.end_byte, n.type) for n in nodes)


def _queried(source, root, depth=None):
    from tree_sitter import Query, QueryCursor

    from cprlint.code.fragments import language

    cursor = QueryCursor(Query(language(), source))
    if depth is not None:
        cursor.set_max_start_depth(depth)
    return [n for nodes in cursor.captures(root).values() for n in nodes]


def _assignments(pf, root, depth=None):
    return by_operator(pf, root, b"=", ASSIGNMENT_OPERATORS, "assignment_expression", depth)


def test_assignments_from_their_bytes_are_the_querys_at_every_depth():
    # =, a chained =, |= and a compound one; not ==, != nor an initializer
    pf = parse_whole(_SRC)
    root = pf.tree.root_node
    assert len(_assignments(pf, root)) == 5
    big = parse_whole((FIXTURES / "code" / "migration_sample.c").read_text())
    broken = parse_whole(_SRC.replace("s->fd = fd = dup(fd);", "s->fd = = dup(fd) ==;"), pf)
    for p in (pf, big, broken):
        roots = [p.tree.root_node] + [c for c in p.tree.root_node.children
                                      if c.type == "function_definition"]
        for r in roots:
            for depth in (None, 0, 3, 5, 12):
                want = _queried("(assignment_expression) @a", r, depth)
                assert _ids(_assignments(p, r, depth)) == _ids(want), depth
    shallow = _assignments(pf, root, 5)
    assert 0 < len(shallow) < 5


def test_or_chains_found_from_their_bytes_are_the_querys():
    # a | in a comment, a string, || and |= is no binary "|" (nor one in an
    # ERROR); nested chains and chains in call arguments are
    from tree_sitter import Query, QueryCursor

    from cprlint.code.fragments import language, parse_fragment

    query = Query(language(), '(binary_expression operator: "|") @or')
    broken = _SRC.replace("return mask | s->mode;", "return mask | ;  /* a | b */ x ||= \"|\";")
    whole = parse_whole(_SRC)
    for pf in (whole, parse_whole(broken), parse_fragment(_SRC.split("\n", 3)[3]),
               parse_fragment(_SRC.split("\n", 3)[3] + "\n  }  }\n x = a |"),   # a raw parse
               parse_whole(broken, whole)):                                    # incremental
        want = QueryCursor(query).captures(pf.tree.root_node).get("or", [])
        assert _ids(expressions._ors(pf)) == _ids(want)
    assert len(expressions._ors(parse_whole(_SRC))) == 5


def test_a_small_check_compiles_no_tree_sitter_query(monkeypatch):
    # a query costs 1.5-4 ms to compile: more than a small patch's analysis
    import tree_sitter

    from conftest import check_text

    made = []
    real = tree_sitter.Query

    def counting(*args):
        made.append(args[1])
        return real(*args)

    monkeypatch.setattr(tree_sitter, "Query", counting)
    findings = check_text((SERIES / "cpr-stop-v1.mbox").read_text())
    assert findings, "the series has findings: its hunks were analysed"
    # a store of a terminal state: MIG004 reads the assignments
    found = check_text(make_hunk("migration/foo.c", 140, "static void foo_done(MigrationState *s)",
                                 """
     if (foo_open_channels(s, &err)) {
         return;
     }
+    s->state = MIGRATION_STATUS_FAILED;
 }
"""))
    assert "MIG004" in {f.rule for f in found}
    assert made == []
