"""Full mode shows function-local rules only the functions a patch changed
(code/thin.py): what they report is what a scan of the whole files gives."""

from __future__ import annotations

import json

from conftest import run_cli
from gitrepo import commit, format_patch, git

from cprlint.code.model import HunkViews
from cprlint.code.thin import thinned
from cprlint.code.whole import forget_versions, whole_view

# our own C: one function frees and then reads a buffer (a use after free
# already in the base), one is the function the patches edit
BASE = """\
#include "qemu/osdep.h"

static int cpr_table_size = 4;

static void cpr_drop_names(CprNames *n)
{
    g_free(n->buf);
    trace_cpr_drop_names(n->buf);
}

static int cpr_count_fds(CprState *s)
{
    int count = 0;

    count += s->nfds;
    return count;
}

static void cpr_reset(CprState *s)
{
    s->nfds = 0;
}
"""


def _repo(tmp_path):
    repo = tmp_path / "qemu"
    (repo / "migration").mkdir(parents=True)
    (repo / "migration" / "cpr-names.c").write_text(BASE)
    git(repo, "init", "-q", "-b", "master")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def _check(repo, mbox, *extra):
    proc = run_cli("check", "--format", "json", "--isolated", "--select", "MEM001",
                   "--source", str(repo), str(mbox), *extra, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)["findings"]


def test_an_edit_elsewhere_reports_no_finding_of_an_unchanged_function(tmp_path):
    repo = _repo(tmp_path)
    git(repo, "checkout", "-q", "-b", "work")
    p = repo / "migration" / "cpr-names.c"
    p.write_text(p.read_text().replace("    count += s->nfds;\n",
                                       "    count += s->nfds;\n    count += 1;\n"))
    commit(repo, "migration: count one more")
    mbox = format_patch(repo, "master..work", tmp_path / "s.mbox")
    git(repo, "checkout", "-q", "master")
    assert _check(repo, mbox) == []
    # --all shows what the unchanged function holds, as before the patch
    shown = _check(repo, mbox, "--all")
    assert [(f["rule"], f["function"], f["line"], f["preexisting"]) for f in shown] == [
        ("MEM001", "cpr_drop_names", 8, True)]


def test_a_use_after_free_the_patch_adds_is_found_and_anchored(tmp_path):
    repo = _repo(tmp_path)
    git(repo, "checkout", "-q", "-b", "work")
    p = repo / "migration" / "cpr-names.c"
    p.write_text(p.read_text().replace(
        "    s->nfds = 0;\n", "    g_free(s->fds);\n    s->nfds = s->fds[0];\n"))
    commit(repo, "migration: free the fds on reset")
    mbox = format_patch(repo, "master..work", tmp_path / "s.mbox")
    git(repo, "checkout", "-q", "master")
    found = _check(repo, mbox)
    assert [(f["rule"], f["function"], f["line"]) for f in found] == [
        ("MEM001", "cpr_reset", 22)]
    assert found[0]["source"].strip() == "s->nfds = s->fds[0];"


def _pair(path, pre, post, k=0):
    changed = frozenset(i + 1 for i, (a, b) in enumerate(zip(post.split("\n"),
                                                          pre.split("\n") + [""] * 99))
                        if a != b)
    lines = {i: i for i in range(1, post.count("\n") + 2)}
    return HunkViews(patch_index=k, file_path=path, hunk_index=-1,
                     pre=whole_view(path, pre, "pre", frozenset(), lines, k),
                     post=whole_view(path, post, "post", changed, lines, k))


def test_unchanged_functions_are_blanked_and_lines_kept():
    post = BASE.replace("    s->nfds = 0;\n", "    s->nfds = 1;\n")
    try:
        hv = _pair("migration/cpr-names.c", BASE, post)
        (pre_t, post_t), = thinned([hv])
    finally:
        forget_versions()
    rows = post_t.text.split("\n")
    assert len(rows) == len(hv.post.text.split("\n"))
    assert "cpr_drop_names" not in post_t.text and "cpr_count_fds" not in post_t.text
    assert rows[20] == "    s->nfds = 1;" and "cpr_table_size" in rows[2]
    assert [fn.name for fn in post_t.facts.functions] == ["cpr_reset"]
    assert [fn.name for fn in pre_t.facts.functions] == ["cpr_reset"]


def test_a_namesake_of_a_changed_function_stays_in_view():
    # another file of the same patch changes a function of the same name:
    # a finding there could be matched by one here, so this one stays
    other = BASE.replace("cpr_reset", "cpr_clear")
    try:
        a = _pair("migration/cpr-names.c", BASE, BASE.replace("= 0;\n}", "= 2;\n}"))
        b = _pair("migration/cpr-other.c", other,
                  other.replace("count += s->nfds;", "count += s->nfds + 1;"))
        (_, post_a), (_, post_b) = thinned([a, b])
    finally:
        forget_versions()
    assert "cpr_count_fds" in post_a.text        # changed in cpr-other.c
    assert "cpr_drop_names" not in post_a.text and "cpr_drop_names" not in post_b.text
