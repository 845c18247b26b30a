"""With the tree a series applies to, a comment that names a function
nobody defines -- not the tree, not this or an earlier patch -- is a stale
or mistyped reference (SER001).  Names the tree has stay quiet."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, run_cli

PATCH = """\
diff --git a/migration/migration.c b/migration/migration.c
index a0c4a33..cf0e015 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -63,6 +63,8 @@ void qmp_migrate(const char *uri, bool has_channels,
         return;
     }
 
+    /* The FDs stay open until cpr_state_close() runs. */
+    /* Devices are quiesced by cpr_quiesce_devices() first. */
     if (migration_call_notifiers(MIG_EVENT_SETUP, &local_err)) {
         goto out;
     }
"""


@pytest.fixture
def patch_file(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to search the base tree")
    p = tmp_path / "absent.diff"
    p.write_text(PATCH)
    return p


def _ser001(*args):
    proc = run_cli("check", "--format", "json", "--select", "SER001", *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)["findings"]


def test_name_found_nowhere_is_reported_with_the_tree(patch_file):
    found = _ser001("--source", str(FIXTURES / "tree"), str(patch_file))
    assert [(f["line"], f["function"]) for f in found] == [(67, "qmp_migrate")]
    msg = found[0]["message"]
    assert "`cpr_quiesce_devices`" in msg and "exists neither in the tree" in msg
    # cpr_state_close() lives in migration/cpr.c, a file the patch does not touch
    assert "cpr_state_close" not in msg


def test_without_the_tree_nothing_is_guessed(patch_file):
    assert _ser001(str(patch_file)) == []


def test_one_tree_query_answers_every_name_the_series_asks(patch_file):
    """Both names in the comments are looked up in one pass over the tree
    (a git grep per name costs half a second on QEMU)."""
    from cprlint.base.tree import DirTree
    from cprlint.check import run_check
    from cprlint.options import CheckOptions

    passes = []

    class CountingTree(DirTree):
        def names_present(self, names):
            passes.append(set(names))
            return super().names_present(names)

    import cprlint.sources as sources

    real = sources._base_for
    sources._base_for = lambda series, opts, cwd: CountingTree(str(FIXTURES / "tree"))
    try:
        findings, _, _ = run_check(CheckOptions(paths=[str(patch_file)], isolated=True,
                                                select=["SER001"]))
    finally:
        sources._base_for = real
    assert [f.line for f in findings] == [67]
    assert len(passes) == 1
    assert {"cpr_state_close", "cpr_quiesce_devices"} <= passes[0]


def test_many_names_in_one_query_are_whole_words(tmp_path):
    """One query for several names answers as a query per name would: a
    name that is a prefix of another (``block``/``block_size``) is found
    only where it stands as a word."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to search the base tree")
    from cprlint.base.tree import DirTree

    (tmp_path / "m.c").write_text("static int block_size;\nint blocks = f(block_size);\n"
                                  "/* subblock */\n")
    tree = DirTree(str(tmp_path))
    names = {"block", "block_size", "blocks", "blk", "subblock", "not-a-name"}
    assert tree.names_present(names) == {"block_size", "blocks", "subblock"}
    assert {n for n in names if tree.names_present({n})} == {"block_size", "blocks", "subblock"}
