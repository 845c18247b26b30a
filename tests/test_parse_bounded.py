"""parse_bounded: tree-sitter under a time budget, without leaking its
input, and safe when the patch budget runs out during a parse."""

from __future__ import annotations

import gc
import time

from cprlint import limits
from cprlint.code.fragments import parse_bounded, parser


def test_parsing_does_not_keep_the_text(monkeypatch):
    """py-tree-sitter 0.26 kept every chunk a read callback returned: the
    time-budgeted parse must not leak its input (it did, 250 MB over a
    64 MB mbox)."""
    import tracemalloc

    from cprlint.code.fragments import parse_bounded, parser

    def text(k: int) -> bytes:     # a new object each time, as in a real run
        return b"static int f%d(void)\n{\n    return g(1, 2);\n}\n" % k * 200

    p = parser()
    parse_bounded(p, text(0))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in range(100):
            tree = parse_bounded(p, text(k))
            assert tree.root_node.end_byte == len(text(k)) and not tree.root_node.has_error
        del tree
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # one reused buffer of the text's size may stay; 100 texts may not
    assert grown < 2 * len(text(0)), f"{grown} bytes kept after 100 parses of {len(text(0))}"


def _slow_text() -> bytes:
    # error recovery is quadratic on this garbage: seconds unbudgeted
    return b"int f(void) {\n" + b"--> " * 3000 + b"\n}\n"


def test_a_slow_parse_is_cut_and_said():
    p = parser()
    limits.take_notes()
    tree = parse_bounded(p, _slow_text())
    notes = limits.take_notes()
    assert 0 < tree.root_node.end_byte < len(_slow_text())
    assert len(notes) == 1 and "took too long to parse" in notes[0]


def test_a_slow_parse_in_a_large_file_is_cut_and_said():
    # a large text is handed over in larger chunks; the budget still holds
    from cprlint.code import fragments

    p = parser()
    limits.take_notes()
    text = b"static int a;\n" * 3000 + _slow_text()
    assert len(text) > fragments._LARGE_TEXT
    start = time.process_time()
    tree = parse_bounded(p, text)
    took = time.process_time() - start
    notes = limits.take_notes()
    assert 42000 < tree.root_node.end_byte < len(text)
    assert len(notes) == 1 and "took too long to parse" in notes[0]
    assert took < 2 * (limits.PARSE_BUDGET_S + limits.PARSE_BUDGET_PER_MB * len(text) / 2**20)


def test_a_patch_budget_running_out_mid_parse_leaves_the_parser_clean():
    """The patch budget's signal lands inside tree-sitter's read callback;
    raised there, py-tree-sitter left it pending (a SystemError) and the
    next parse resumed the old one."""
    p = parser()
    budget = limits.PatchBudget(seconds=0.01)
    got = budget.run("k", lambda: parse_bounded(p, _slow_text()))
    assert got is None and "k" in budget.spent
    limits.take_notes()
    small = b"static int x;\n" * 30
    tree = parse_bounded(p, small)
    assert tree.root_node.end_byte == len(small) and not tree.root_node.has_error
