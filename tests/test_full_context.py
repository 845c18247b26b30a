"""Full context: a series checked against its base tree (--source, or the
working tree its index lines match), pre-existing findings and --all,
fall-backs when the base differs, and C files checked as they are."""

from __future__ import annotations

import json
import shutil

from conftest import SERIES, run_cli
from gitrepo import MIGRATION_C, TREE, commit, edit, format_patch, make_repo

V1 = str(SERIES / "cpr-stop-v1.mbox")
V2 = str(SERIES / "cpr-stop-v2.mbox")


def _check(*args, cwd=None):
    proc = run_cli("check", "--format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def _rules(doc):
    return sorted((f["rule"], f["function"]) for f in doc["findings"])


# -- the fixture series on its base -------------------------------------------

def test_v1_with_source_sees_whole_functions():
    rc, doc = _check(V1, "--source", str(TREE))
    assert rc == 1
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert [(f["line"], f["function"], f["severity"]) for f in mig] == [
        (52, "migration_cleanup", "error")]
    assert "hunk-local" not in mig[0]["message"]
    assert mig[0]["input"]["line"] == 60 and mig[0]["patch"]["index"] == 1
    assert ("CPR001", "qmp_migrate") in _rules(doc)
    assert doc["summary"]["notes"] == []


def test_v1_without_source_hedges():
    _, doc = _check(V1)
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert mig[0]["severity"] == "warning" and "hunk-local" in mig[0]["message"]


def test_v2_with_source_is_clean():
    rc, doc = _check(V2, "--source", str(TREE))
    assert rc == 0 and doc["findings"] == []


def test_index_lines_matching_the_working_tree_use_it(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    _, doc = _check(V1, cwd=repo)              # no --source: the checkout matches
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert mig[0]["severity"] == "error" and "hunk-local" not in mig[0]["message"]
    edit(repo, MIGRATION_C, "static MigrationState", "/* local change */\nstatic MigrationState")
    _, doc = _check(V1, cwd=repo)              # working tree differs: hunk mode
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert "hunk-local" in mig[0]["message"]


# -- a gate above the hunk ----------------------------------------------------

GATED_OLD = """        } else if (runstate_check(RUN_STATE_FINISH_MIGRATE)) {
            runstate_set(s->vm_old_state);
        }"""
GATED_NEW = """        } else if (migration_has_failed(s)) {
            vm_resume(s->vm_old_state);
        }"""


def test_early_exit_above_the_hunk_is_seen_with_the_base(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    edit(repo, MIGRATION_C, GATED_OLD, GATED_NEW)
    commit(repo, "migration: resume a failed migration")
    mbox = format_patch(repo, "base..HEAD", tmp_path / "gated.mbox")
    text = mbox.read_text()
    assert "migration_block_activate" not in text   # the gate is not in the patch

    rc, doc = _check(str(mbox))
    assert rc == 1
    [f] = doc["findings"]
    assert (f["rule"], f["severity"], f["function"]) == (
        "MIG001", "warning", "migration_iteration_finish")
    assert "hunk-local" in f["message"]

    rc, doc = _check(str(mbox), "--source", str(TREE))
    assert rc == 0 and doc["findings"] == []


def test_removing_the_gate_is_reported_on_the_changed_lines(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    edit(repo, MIGRATION_C, """        if (!migration_block_activate(NULL)) {
            break;
        }
""", "")
    commit(repo, "migration: do not re-activate block devices")
    mbox = format_patch(repo, "base..HEAD", tmp_path / "ungate.mbox")
    _, doc = _check(str(mbox), "--source", str(TREE))
    found = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert found, doc
    # the resume (line 101 of the post-image, unchanged) is caused by the
    # removal: the finding sits on a line the hunk shows and names the code
    for f in found:
        assert f["function"] == "migration_iteration_finish"
        assert f["input"]["line"] is not None
        assert "which this patch leaves unchanged" in f["message"]
    assert any("vm_start()" in f["message"] for f in found)


# -- differential: pre-existing and moved code --------------------------------

UNGATED_BASE = """    yank_unregister_instance(MIGRATION_YANK_INSTANCE);
}"""
UNGATED_BASE_NEW = """    if (migration_has_failed(s)) {
        vm_resume(s->vm_old_state);
    }

    yank_unregister_instance(MIGRATION_YANK_INSTANCE);
}"""


def _ungated_repo(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    edit(repo, MIGRATION_C, UNGATED_BASE, UNGATED_BASE_NEW)
    commit(repo, "an old ungated resume")
    git_tag(repo, "base2")
    return repo


def git_tag(repo, name):
    from gitrepo import git

    git(repo, "tag", name)


def test_preexisting_problem_only_with_all(tmp_path):
    repo = _ungated_repo(tmp_path)
    edit(repo, MIGRATION_C, "    trace_migration_cleanup();\n",
         "    trace_migration_cleanup();\n    trace_migration_cleanup_done();\n")
    commit(repo, "migration: trace the end of cleanup")
    mbox = format_patch(repo, "base2..HEAD", tmp_path / "s.mbox")

    rc, doc = _check(str(mbox), "--source", str(repo), "--select", "MIG", cwd=tmp_path)
    # the repo's working tree is the post-image; the base is its parent commit
    assert doc["summary"]["notes"], "the working tree is not the base: expected a note"

    base = tmp_path / "base"
    shutil.copytree(repo, base, ignore=shutil.ignore_patterns(".git"))
    edit(base, MIGRATION_C, "    trace_migration_cleanup_done();\n", "")
    rc, doc = _check(str(mbox), "--source", str(base), "--select", "MIG")
    assert rc == 0 and doc["findings"] == [] and doc["summary"]["notes"] == []

    rc, doc = _check(str(mbox), "--source", str(base), "--all", "--select", "MIG")
    assert rc == 1
    [f] = doc["findings"]
    assert (f["rule"], f["function"], f["preexisting"]) == ("MIG001", "migration_cleanup", True)
    text = run_cli("check", str(mbox), "--source", str(base), "--all",
                   "--select", "MIG").stdout.decode()
    assert "error MIG001: (pre-existing)" in text


def test_moved_function_is_not_reported(tmp_path):
    repo = _ungated_repo(tmp_path)
    base = tmp_path / "base"
    shutil.copytree(repo, base, ignore=shutil.ignore_patterns(".git"))
    src = (repo / MIGRATION_C).read_text()
    start = src.index("static void migration_cleanup(")
    end = src.index("void qmp_migrate(")
    func = src[start:end]
    src = src[:start] + src[end:]
    src = src.replace("void migration_connect(", func + "void migration_connect(")
    (repo / MIGRATION_C).write_text(src)
    commit(repo, "migration: move migration_cleanup() down")
    mbox = format_patch(repo, "base2..HEAD", tmp_path / "move.mbox")
    assert "+    if (migration_has_failed(s)) {" in mbox.read_text()

    rc, doc = _check(str(mbox), "--source", str(base), "--select", "MIG")
    assert rc == 0 and doc["findings"] == []
    _, doc = _check(str(mbox), "--source", str(base), "--all", "--select", "MIG")
    assert [f["preexisting"] for f in doc["findings"]] == [True]


# -- a base that differs ------------------------------------------------------

def test_base_with_shifted_lines_applies_with_offsets(tmp_path):
    base = tmp_path / "tree"
    shutil.copytree(TREE, base)
    edit(base, MIGRATION_C, '#include "trace.h"\n',
         '#include "trace.h"\n#include "a.h"\n#include "b.h"\n')
    rc, doc = _check(V1, "--source", str(base))
    notes = doc["summary"]["notes"]
    assert any("migration/migration.c" in n and "offsets" in n and "+2" in n for n in notes)
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert [(f["line"], f["severity"]) for f in mig] == [(54, "error")]
    assert mig[0]["input"]["line"] == 60          # still the right line of the mail
    text = run_cli("check", V1, "--source", str(base)).stdout.decode()
    assert "cprlint: note: patch 1/3: migration/migration.c: the base" in text


def test_base_where_a_hunk_does_not_apply_falls_back_to_hunks(tmp_path):
    base = tmp_path / "tree"
    shutil.copytree(TREE, base)
    edit(base, MIGRATION_C, "        migration_call_notifiers(MIG_EVENT_DONE, NULL);",
         "        migration_call_notifiers(MIG_EVENT_DONE, &local_err);")
    proc = run_cli("check", V1, "--source", str(base))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr.decode()
    rc, doc = _check(V1, "--source", str(base))
    notes = doc["summary"]["notes"]
    assert any("hunk 1" in n and "does not apply" in n and "hunk-only" in n for n in notes)
    mig = [f for f in doc["findings"] if f["rule"] == "MIG001"]
    assert mig[0]["severity"] == "warning" and "hunk-local" in mig[0]["message"]
    # the other files of the series still apply
    assert not any("cpr.c" in n for n in notes)


def test_source_that_is_not_a_directory(tmp_path):
    proc = run_cli("check", V1, "--source", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "--source" in proc.stderr.decode()


# -- C files as they are ------------------------------------------------------

def _post_v1_tree(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    from gitrepo import git

    git(repo, "am", "-q", "--empty=drop", V1)
    return repo


def test_files_mode_finds_what_the_series_introduced(tmp_path):
    repo = _post_v1_tree(tmp_path)
    rc, files_doc = _check(MIGRATION_C, cwd=repo)
    assert rc == 1
    _, series_doc = _check(V1, "--source", str(TREE))
    as_file = {(f["rule"], f["function"]) for f in files_doc["findings"]}
    via_patch = {(f["rule"], f["function"]) for f in series_doc["findings"]}
    # SER001 is about the series' order; everything else is the same code
    assert as_file == via_patch - {("SER001", "qmp_migrate")}
    by_rule = {f["rule"]: f for f in files_doc["findings"]}
    assert by_rule["MIG001"]["line"] == 52 and by_rule["MIG001"]["severity"] == "error"
    assert by_rule["CMT001"]["severity"] == "info"      # whole files: comments at info
    for f in files_doc["findings"]:
        assert f["patch"] is None and not f["preexisting"]
        assert f["input"] == {"path": MIGRATION_C, "line": f["line"]}


def test_directory_input(tmp_path):
    repo = _post_v1_tree(tmp_path)
    (repo / ".hidden").mkdir()
    shutil.copy(repo / MIGRATION_C, repo / ".hidden" / "copy.c")
    (repo / "build").mkdir()
    shutil.copy(repo / MIGRATION_C, repo / "build" / "copy.c")
    rc, doc = _check(".", cwd=repo)
    assert rc == 1
    assert {f["file"] for f in doc["findings"]} == {MIGRATION_C}
    rc, doc = _check(str(TREE), "--select", "MIG001")    # the base has no MIG001
    assert rc == 0 and doc["findings"] == []


def test_directory_without_c_files_and_mixed_inputs(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing\n")
    proc = run_cli("check", str(tmp_path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "no C files" in err and len(err.splitlines()) == 1
    proc = run_cli("check", str(TREE / MIGRATION_C), V1)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "patches and C files" in err and len(err.splitlines()) == 1


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path):
    proc = run_cli("check", str(TREE))
    assert proc.stderr == b""
    proc = run_cli("check", "--progress", str(TREE))
    n = sum(1 for p in TREE.rglob("*") if p.suffix in (".c", ".h"))
    assert f"{n}/{n}".encode() in proc.stderr and proc.returncode in (0, 1)
    assert proc.stderr.endswith(b"\r")        # erased: the report stays clean
