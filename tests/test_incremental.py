"""Full mode re-derives only what a patch changed: the facts of a file
version built from the previous version's chunks are the facts a fresh
walk of the whole file gives, and an edit to one function re-derives
one chunk."""

from __future__ import annotations

from cprlint.records import field_names

from cprlint.code.facts import build_facts
from cprlint.code.fragments import parse_whole
from cprlint.code.incremental import KNOWN_FIELDS, FileFacts
from cprlint.code.model import Facts

from test_code_helpers import fixture


def _fresh(text: str) -> Facts:
    return build_facts(parse_whole(text.encode()), 1, "", frozenset())


def _edit(text: str, after: str, new: str) -> str:
    i = text.index(after) + len(after)
    return text[:i] + new + text[i:]


def test_every_facts_field_is_cut_joined_and_shifted():
    # a new Facts field must be taught to code/incremental.py (else every
    # version is derived whole again: correct, but the speed-up is gone)
    assert set(field_names(Facts)) <= KNOWN_FIELDS


def test_edited_versions_have_the_facts_of_a_fresh_walk():
    base = fixture("cpr_order_whole.c") + fixture("migration_sample.c")
    ff = FileFacts()
    assert ff.facts("m.c", base) == _fresh(base)
    first = ff.derived
    # a line added in one function moves every function below it
    v2 = _edit(base, "{\n", "    trace_cpr_step(1);\n")
    assert ff.facts("m.c", v2) == _fresh(v2)
    assert ff.derived == first + 1
    # then a comment and a function added at the end, and a line removed
    v3 = v2 + "\n/* Saves the state. */\nstatic void extra_step(void)\n{\n    g(1);\n}\n"
    v3 = v3.replace("    trace_cpr_step(1);\n", "", 1)
    assert ff.facts("m.c", v3) == _fresh(v3)
    # the pre-image again (a later patch's view of it): the same facts
    assert ff.facts("m.c", v2) == _fresh(v2)


def test_identifiers_of_the_chunks_are_those_of_the_file():
    text = fixture("migration_sample.c")
    ff = FileFacts()
    ff.facts("m.c", text)
    v2 = _edit(text, "{\n", "    QTAILQ_FOREACH(x, &l, next) {\n        y(x);\n    }\n")
    assert ff.facts("m.c", v2).identifiers == _fresh(v2).identifiers


def test_a_version_parsed_from_the_previous_one_is_the_fresh_parse():
    # code.parsed parses a patch's post-image from its pre-image's parse
    base = fixture("cpr_order_whole.c") + fixture("migration_sample.c")
    v2 = _edit(base, "{\n", "    trace_cpr_step(1);\n").replace("return", "return  ", 1)
    def shape(pf):          # the node kinds and where each top-level node lies
        root = pf.tree.root_node
        return str(root), [(n.type, n.start_byte, n.end_byte) for n in root.children]

    before = parse_whole(base.encode())
    seen = shape(before)
    after = parse_whole(v2.encode(), before)
    assert shape(after) == shape(parse_whole(v2.encode()))
    assert (after.error_count, after.missing_count) == (0, 0)
    assert shape(before) == seen                     # the previous parse is left as it was
    assert shape(parse_whole(base.encode(), after)) == seen     # and the other way round


def _every_node(tree):
    out, cursor = [], tree.walk()
    while True:
        n = cursor.node
        out.append((n.type, n.start_byte, n.end_byte, n.start_point, n.end_point,
                    n.is_missing, cursor.field_name))
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def test_a_thinned_view_parsed_from_its_whole_file_is_the_fresh_parse():
    # code/thin.py empties the lines of unchanged functions; the parse of
    # what is left is made from the whole file's parse, told of the emptied
    # lines, and must be the parse of the thinned text itself
    from cprlint.code.fragments import parse_blanked

    text = fixture("cpr_order_whole.c") + fixture("migration_sample.c")
    rows = text.split("\n")
    starts = [i + 1 for i, r in enumerate(rows) if r.startswith(("static ", "void ", "int "))
              and "(" in r and not r.rstrip().endswith(";")]
    ends = [next(j + 1 for j in range(s, len(rows)) if rows[j] == "}") for s in starts]
    assert len(starts) >= 4
    cases = [list(zip(starts, ends))[::2], list(zip(starts, ends))[1::2],
             [(starts[0], ends[0]), (ends[-1] - 1, len(rows) + 5)]]   # one past the end
    full = parse_whole(text.encode())
    seen = _every_node(full.tree)
    for blanked in cases:
        thin = list(rows)
        for a, b in blanked:
            for i in range(a - 1, min(b, len(thin))):
                thin[i] = ""
        thin_text = "\n".join(thin)
        got = parse_blanked(full, thin_text.encode(), blanked)
        fresh = parse_whole(thin_text.encode())
        assert _every_node(got.tree) == _every_node(fresh.tree), blanked
        assert (got.masked, got.error_count, got.missing_count) == \
            (fresh.masked, fresh.error_count, fresh.missing_count)
    assert _every_node(full.tree) == seen            # the whole file's parse is left as it was


def test_the_first_parse_of_a_changed_file_starts_from_its_base_parse():
    # full mode: code/incremental.py parses the base version of each file a
    # series changes; code/parsed.py parses the patched versions from it,
    # and the result is node for node the fresh parse
    from cprlint.code import parsed as parsed_mod
    from cprlint.code.model import CodeView

    parsed_mod.forget_bases()
    base = fixture("cpr_order_whole.c") + fixture("migration_sample.c")
    v2 = _edit(base, "{\n", "    trace_cpr_step(1);\n")
    FileFacts().version("migration/migration.c", base)
    assert "migration/migration.c" in parsed_mod._BASES
    body = v2[:-1] if v2.endswith("\n") else v2
    view = CodeView(path="migration/migration.c", side="post", text=body, first_line=1,
                    changed=frozenset(), input_lines={}, whole_file=True, patch_index=0)
    offered = parsed_mod._BASES["migration/migration.c"]
    seen = []
    real = parsed_mod.parse_whole

    def parse_whole_seen(text, previous=None):
        seen.append(previous)
        return real(text, previous)

    parsed_mod.parse_whole = parse_whole_seen
    try:
        got = parsed_mod.parsed(view)
    finally:
        parsed_mod.parse_whole = real
    assert seen == [offered]                                        # parsed from the base
    assert "migration/migration.c" not in parsed_mod._BASES        # and let go
    assert _every_node(got.pf.tree) == _every_node(parse_whole(body.encode()).tree)


def test_base_parses_are_kept_within_their_budget(monkeypatch):
    from cprlint.code import parsed as parsed_mod

    parsed_mod.forget_bases()
    text = fixture("migration_sample.c")
    monkeypatch.setattr(parsed_mod, "_BASES_BUDGET", len(text.encode()) * 3 // 2)
    ff = FileFacts()
    ff.version("a.c", text)
    ff.version("b.c", text)             # over the budget: parsed from nothing later
    assert set(parsed_mod._BASES) == {"a.c"}
    parsed_mod.forget_bases()
    assert not parsed_mod._BASES


def test_whole_file_assignments_are_remembered_per_function_and_moved():
    # a file's next version repeats most functions: their assignments come
    # from a memo, moved to their new lines, and equal a fresh derivation
    from cprlint.code.assignments import _in_functions, assignments
    from cprlint.code.parsed import function_nodes, parsed
    from cprlint.code.whole import whole_view
    from cprlint.limits import MAX_TREE_DEPTH

    base = fixture("migration_sample.c")
    moved = "/* one */\n/* two */\n/* three */\n" + base
    edited = _edit(moved, "    int ret = 0;\n", "    ret = 2;\n")
    from cprlint.code import assignments as assignments_mod

    assignments_mod._MEMO.clear()
    seen = {}
    for text in (base, moved, edited):
        # a version of a file a series changes (patch_index): remembered
        view = whole_view("migration/migration.c", text, patch_index=0)
        got = assignments(view)
        p = parsed(view)
        assert got == _in_functions(p, function_nodes(p, ""), p.pf.tree.root_node,
                                    MAX_TREE_DEPTH)
        seen[text] = [(a.lhs, a.rhs, a.line) for a in got]
    assert ("ret", "-1", 55) in seen[base] and ("ret", "-1", 58) in seen[moved]
    assert ("ret", "2", 55) in seen[edited]
    assert assignments_mod._MEMO


def test_a_file_checked_as_it_is_is_not_remembered():
    # one version: a digest of every function would be spent for nothing
    from cprlint.code import assignments as assignments_mod
    from cprlint.code import declarations as declarations_mod
    from cprlint.code.whole import whole_view

    assignments_mod._MEMO.clear()
    declarations_mod._MEMO.clear()
    view = whole_view("migration/migration.c", fixture("migration_sample.c"))
    assert assignments_mod.assignments(view) and declarations_mod.declarations(view).functions
    assert not assignments_mod._MEMO and not declarations_mod._MEMO


def test_a_remembered_function_moved_to_new_lines_keeps_its_locals_initializers():
    # declarations of a whole file are remembered per function text and moved
    # to their new lines; a move lost each local's initializer, so a rule
    # reading it (MIG004: `int copy = s->state;`) saw the function differently
    # in a patch's two images, and which image it read first decided a finding
    from cprlint.code.declarations import declarations
    from cprlint.code.whole import whole_view

    fn = ("static void cpr_complete(MigrationState *s)\n{\n"
          "    int current_active_state = s->state;\n    int ret = 0;\n\n"
          "    migrate_set_state(&s->state, current_active_state, MIGRATION_STATUS_FAILED);\n}\n")
    inits = []
    for above in ("", "/* moved */\n/* down */\n"):
        view = whole_view("migration/migration.c", "#include \"qemu/osdep.h\"\n\n" + above + fn,
                          patch_index=0)
        fd = declarations(view).function("cpr_complete")
        v = fd.variable("current_active_state")
        inits.append((v.init, v.line, fd.variable("ret").init))
    assert inits == [("s->state", 5, "0"), ("s->state", 7, "0")]


def test_a_version_with_a_syntax_error_is_the_fresh_parse_whatever_came_before():
    # error recovery can depend on the tree the parser starts from: deleting
    # this `if (...)` line leaves its `{ ... }` and `else` dangling, and the
    # incremental parse recovered differently from a fresh one
    base = fixture("migration_sample.c")
    rows = base.split("\n")
    assert rows[53].lstrip().startswith("if (migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE))")
    broken = "\n".join(rows[:53] + rows[54:]).encode()
    got = parse_whole(broken, parse_whole(base.encode()))
    fresh = parse_whole(broken)
    assert got.error_count or got.missing_count
    assert _every_node(got.tree) == _every_node(fresh.tree)


def test_a_thinned_view_whose_masking_reaches_past_the_emptied_lines_is_parsed_afresh():
    # an attribute macro with an unclosed argument list is masked up to a
    # ')' several kB on: once the function in between is emptied, the ')'
    # is in reach and the kept lines mask differently
    from cprlint.code.fragments import parse_blanked

    body = "".join(f"    cpr_step{i}(s);\n" for i in range(400))
    text = ("int x G_GNUC_PRINTF(1, 2;\nstatic void cpr_steps(MigrationState *s)\n{\n"
            + body + "}\nint y = (1));\n")
    rows = text.split("\n")
    last = rows.index("}") + 1
    thin = "\n".join(r if not 2 <= i + 1 <= last else "" for i, r in enumerate(rows))
    full = parse_whole(text.encode())
    for blanked in ([(2, last)], [(2, 100), (50, last)], [(90, last), (2, 95)]):  # overlaps
        got = parse_blanked(full, thin.encode(), blanked)
        fresh = parse_whole(thin.encode())
        assert (got.masked, _every_node(got.tree)) == (fresh.masked, _every_node(fresh.tree))


def test_overlapping_ranges_are_joined_before_the_tree_is_told_of_them():
    from cprlint.code.fragments import parse_blanked

    text = fixture("cpr_order_whole.c") + fixture("migration_sample.c")
    rows = text.split("\n")
    full = parse_whole(text.encode())
    starts = [i + 1 for i, r in enumerate(rows) if r == "{"]
    ends = [next(j + 1 for j in range(s, len(rows)) if rows[j] == "}") for s in starts]
    a, b = starts[0] - 1, ends[0]
    blanked = [(a, b - 2), (a + 1, b)]          # one function, given as two overlapping parts
    thin = "\n".join("" if a <= i + 1 <= b else r for i, r in enumerate(rows))
    got = parse_blanked(full, thin.encode(), blanked)
    assert _every_node(got.tree) == _every_node(parse_whole(thin.encode()).tree)


def test_the_edit_told_to_the_tree_spans_exactly_the_changed_bytes():
    # tell_edit finds the first and last differing byte a block at a time;
    # edits on and next to a block boundary, at either end of the file and
    # over several lines must give the span (and rows and columns) a byte
    # by byte comparison gives, and the incremental parse the fresh one
    from cprlint.code.fragments import _BLOCK, tell_edit
    from cprlint.code.masking import mask

    base = (fixture("cpr_order_whole.c") + fixture("migration_sample.c")) * 3
    assert len(base) > 3 * _BLOCK
    cuts = [0, 1, _BLOCK - 1, _BLOCK, _BLOCK + 1, 2 * _BLOCK, len(base) - _BLOCK,
            len(base) - 1, len(base)]
    for at in cuts:
        for old_len, new in ((0, "x"), (1, ""), (3, "\n\n  y\n"), (0, "\n"), (1, "\n")):
            a = mask(base.encode())
            text = base[:at] + new + base[at + old_len:]
            b = mask(text.encode())
            start = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]),
                         min(len(a), len(b)))
            end = 0
            while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
                end += 1
            old_tree = parse_whole(base.encode()).tree.copy()
            assert tell_edit(old_tree, a, b) == [(start, len(b) - end)], at
            after = parse_whole(text.encode(), parse_whole(base.encode()))
            assert _every_node(after.tree) == _every_node(parse_whole(text.encode()).tree), at


def _base_text() -> str:
    """A file of ~30 KB in QEMU's style, most of its lines different (as in
    a real file: the edits are found by lines that occur once)."""
    parts = [fixture("cpr_order_whole.c")]
    for n in range(120):
        parts.append(f"""
static int cpr_step_{n}(MigrationState *s, Error **errp)
{{
    int ret = cpr_state_save_{n}(s->cpr_channel, errp);

    if (ret < 0) {{
        error_prepend(errp, "step {n}: ");
        return ret;
    }}
    trace_cpr_step_{n}(s->state);
    return 0;
}}
""")
    return "".join(parts) + fixture("migration_sample.c")


def _apply(old: bytes, new: bytes, runs) -> bytes:
    out, at = [], 0
    for a, old_end, b, new_end in runs:
        out += [old[at:a], new[b:new_end]]
        at = old_end
    return b"".join(out + [old[at:]])


def test_far_apart_changes_are_told_as_one_edit_each():
    # a patch changing a file's first function and its last: the parser is
    # told of two small edits, not one spanning the file, and the tree it
    # makes from them is the fresh parse
    from cprlint.code.fragments import changed_runs, tell_edit
    from cprlint.code.masking import mask

    base = _base_text()
    lines = base.split("\n")
    lines.insert(3, "static int cpr_added_early;")
    lines[-4] += "  "
    del lines[len(lines) // 2]
    text = "\n".join(lines)
    a, b = mask(base.encode()), mask(text.encode())
    runs = changed_runs(a, b)
    assert len(runs) == 3
    assert sum(old_end - start for start, old_end, _b, _e in runs) < 200
    assert _apply(a, b, runs) == b
    assert changed_runs(a, b, split=False) == [(runs[0][0], runs[-1][1], runs[0][2], runs[-1][3])]
    tree = parse_whole(base.encode()).tree.copy()
    spans = tell_edit(tree, a, b)
    assert spans == [(start, end) for _a, _oe, start, end in runs]
    from cprlint.code.fragments import parser
    assert _every_node(parser().parse(b, tree)) == _every_node(parse_whole(text.encode()).tree)


def test_changed_runs_hold_every_difference_whatever_the_change():
    # moved and repeated lines, a change at either end, a file without a
    # final newline: the runs always rebuild the new text from the old
    import random

    from cprlint.code.fragments import (_common_prefix, _common_suffix, _covers, _line_runs,
                                        changed_runs)

    rnd = random.Random(7)
    split = 0
    base = _base_text().split("\n")
    for case in range(300):
        lines = list(base)
        for _ in range(rnd.randrange(1, 5)):
            i = rnd.randrange(len(lines) + 1)
            op = rnd.randrange(4)
            if op == 0:
                lines[i:i] = ["    trace_step(%d);" % case] * rnd.randrange(1, 4)
            elif op == 1:
                del lines[i:i + rnd.randrange(1, 30)]
            elif op == 2:
                lines[i:i] = [lines[rnd.randrange(len(lines))] for _ in range(3)]
            else:
                lines[i:i] = ["}", "static void f(void) {"]
        old = "\n".join(base).encode()
        new = "\n".join(lines).encode()
        if case % 3 == 0:
            new = new.rstrip(b"\n")
        if case % 5 == 0:
            old, new = new, old
        runs = changed_runs(old, new)
        assert _apply(old, new, runs) == new, case
        assert all(r[0] <= r[1] and r[2] <= r[3] for r in runs), case
        # the runs of lines themselves, before the check that guards them
        start = _common_prefix(old, new)
        tail = _common_suffix(old, new, start)
        lines = _line_runs(old, new, start, len(old) - tail, len(new) - tail)
        if lines is not None:
            assert _covers(old, new, lines) and _apply(old, new, lines) == new, case
            split += len(lines) > 1
    assert split >= 100         # many of these changes are told as several edits


def test_a_version_with_an_error_next_to_an_edit_gets_the_facts_of_one_edit(monkeypatch):
    # where a syntax error sits next to one of several edits, the facts
    # come from the tree one spanning edit gives, as they always have
    # (the parser's error recovery can depend on the edits it is told);
    # without one, the edits alone
    from cprlint.code import incremental
    from cprlint.code.fragments import parser, tell_edit
    from cprlint.code.masking import mask

    told = []

    def spy(tree, old, new, split=True):
        told.append(split)
        return tell_edit(tree, old, new, split)

    monkeypatch.setattr(incremental, "tell_edit", spy)
    base = _base_text()
    a = mask(base.encode())
    for damage, expect in (("    cpr_reset_counters();", [True]),
                           ("}", [True, False])):
        lines = base.split("\n")
        lines[-40:-40] = [damage]
        lines[12:12] = ["    cpr_reset_counters();"]
        text = "\n".join(lines)
        b = mask(text.encode())
        prev_tree = parser().parse(a)
        one = prev_tree.copy()
        tell_edit(one, a, b, split=False)
        one = parser().parse(b, one)

        class Prev:
            masked = a
            tree = prev_tree.copy()

        told.clear()
        got, _clean = incremental._parse(b, Prev)
        assert told == expect, damage
        assert _every_node(got) == _every_node(one), damage
        if damage == "}":
            assert got.root_node.has_error


def test_runs_that_do_not_rebuild_the_new_text_are_refused():
    from cprlint.code.fragments import _covers

    old, new = b"abcdef", b"abXdef"
    assert _covers(old, new, [(2, 3, 2, 3)])
    assert not _covers(old, new, [(1, 2, 1, 2)])          # misses the change
    assert not _covers(old, b"abXXdef", [(2, 3, 2, 3)])   # misaligned after it


def test_the_point_of_an_offset_counted_from_an_earlier_one_is_its_point():
    import random

    from cprlint.code.fragments import _point, _point_from

    text = _base_text().encode()
    rnd = random.Random(3)
    for _ in range(500):
        a = rnd.randrange(len(text) + 1)
        b = rnd.randrange(a, len(text) + 1)
        assert _point_from(text, a, _point(text, a), b) == _point(text, b), (a, b)
