"""code.nodes: a node finder walks small amounts of code and queries past
its budget, with the same nodes either way."""

from conftest import FIXTURES, SERIES, make_hunk

from cprlint.code import assignments, expressions
from cprlint.code.fragments import parse_whole
from cprlint.code.nodes import WALK_BUDGET, NodeFinder

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


def test_walk_and_query_find_the_same_nodes():
    root = parse_whole(_SRC).tree.root_node
    finder = assignments._FINDER
    walked = finder.find(root, None, use_query=False)
    queried = finder.find(root, None, use_query=True)
    assert len(walked) == 5
    assert _ids(walked) == _ids(queried)
    big = parse_whole((FIXTURES / "code" / "migration_sample.c").read_text())
    for depth in (None, 4, 12):
        a = finder.find(big.tree.root_node, depth, use_query=False)
        b = finder.find(big.tree.root_node, depth, use_query=True)
        assert _ids(a) == _ids(b), depth


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


def test_depth_limits_the_walk_as_the_query():
    root = parse_whole(_SRC).tree.root_node
    deep = assignments._FINDER.find(root, None, use_query=False)
    shallow = assignments._FINDER.find(root, 5, use_query=False)
    assert len(shallow) < len(deep)
    assert _ids(shallow) == _ids(assignments._FINDER.find(root, 5, use_query=True))


def test_a_finder_walks_until_its_budget_then_queries():
    root = parse_whole(_SRC).tree.root_node
    finder = NodeFinder("(assignment_expression) @a",
                        lambda n: n.type == "assignment_expression")
    finder.find(root)
    assert finder._query is None and finder.walked == root.end_byte - root.start_byte
    finder.walked = WALK_BUDGET - 1
    found = finder.find(root)           # past the budget: compiled, and kept
    assert finder._query is not None and len(found) == 5
    assert finder.walked == WALK_BUDGET - 1


def test_a_small_check_compiles_no_tree_sitter_query(monkeypatch):
    # a query costs 1.5-4 ms to compile: more than a small patch's analysis
    import tree_sitter

    from conftest import check_text

    monkeypatch.setattr(assignments, "_FINDER", NodeFinder(
        assignments._FINDER.source, assignments._FINDER.match))
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
    assert assignments._FINDER.walked > 0
    assert made == []
