"""`cprlint check --git A..B`: the commits of a range in the git checkout
here are the series, and A is the base tree."""

from __future__ import annotations

import json

from conftest import run_cli
from gitrepo import MIGRATION_C, commit, edit, git, make_repo

UNGATED = ("    yank_unregister_instance(MIGRATION_YANK_INSTANCE);\n",
           "    if (migration_has_failed(s)) {\n        vm_resume(s->vm_old_state);\n    }\n\n"
           "    yank_unregister_instance(MIGRATION_YANK_INSTANCE);\n")
GATED = ("        } else if (runstate_check(RUN_STATE_FINISH_MIGRATE)) {\n"
         "            runstate_set(s->vm_old_state);\n",
         "        } else if (migration_has_failed(s)) {\n"
         "            vm_resume(s->vm_old_state);\n")


def _scratch(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    edit(repo, MIGRATION_C, *GATED)
    commit(repo, "migration: resume a failed migration after re-activation")
    edit(repo, MIGRATION_C, *UNGATED)
    commit(repo, "migration: resume the VM in cleanup")
    return repo


def _check(repo, *args):
    proc = run_cli("check", "--format", "json", "--select", "MIG001", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def test_range_is_the_series_and_a_is_the_base(tmp_path):
    repo = _scratch(tmp_path)
    rc, doc = _check(repo, "--git", "base..HEAD")
    assert rc == 1
    assert doc["summary"]["patches"] == 2 and doc["summary"]["inputs"] == ["git:base..HEAD"]
    # patch 1's resume is gated above its hunk (seen in the base at A): quiet;
    # patch 2's is not: an error, with the whole function seen
    [f] = doc["findings"]
    assert (f["rule"], f["function"], f["severity"]) == ("MIG001", "migration_cleanup", "error")
    assert f["patch"]["index"] == 2
    assert f["patch"]["subject"] == "migration: resume the VM in cleanup"
    assert f["input"]["path"] == "git:base..HEAD" and f["input"]["line"]
    assert "hunk-local" not in f["message"]
    assert doc["summary"]["notes"] == []
    # nothing in the checkout was touched
    assert git(repo, "status", "--porcelain") == ""


def test_range_of_one_commit_and_open_end(tmp_path):
    repo = _scratch(tmp_path)
    rc, doc = _check(repo, "--git", "base..HEAD~1")
    assert rc == 0 and doc["findings"] == [] and doc["summary"]["patches"] == 1
    rc, doc = _check(repo, "--git", "HEAD~1..")
    assert rc == 1 and doc["summary"]["patches"] == 1


def test_text_output_names_the_range(tmp_path):
    repo = _scratch(tmp_path)
    out = run_cli("check", "--git", "base..HEAD", cwd=repo).stdout.decode()
    sha = git(repo, "rev-parse", "HEAD").strip()
    # located by commit (as git and checkpatch name one), not by a line of
    # the mbox cprlint made from the range
    assert f'commit {sha[:12]} ("migration: resume the VM in cleanup"), patch 2/2 of ' \
           'git:base..HEAD' in out
    assert "#" not in out


def _error(cwd, *args):
    proc = run_cli("check", *args, cwd=cwd)
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.stdout, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def test_errors_are_one_line(tmp_path):
    not_repo = tmp_path / "plain"
    not_repo.mkdir()
    assert "git:a..b" in _error(not_repo, "--git", "a..b")
    repo = _scratch(tmp_path)
    err = _error(repo, "--git", "nope..HEAD")
    assert "git:nope..HEAD" in err and "'nope' is not a commit" in err
    assert "A..B" in _error(repo, "--git", "HEAD")
    assert "A..B" in _error(repo, "--git", "base...HEAD")
    assert "not a revision" in _error(repo, "--git", "--output=x..HEAD")
    assert "no commits" in _error(repo, "--git", "HEAD..HEAD")
    assert "not both" in _error(repo, "--git", "base..HEAD", "x.mbox")


def _unsigned(tmp_path):
    """A range whose second commit has no Signed-off-by (a true SER003)."""
    repo = _scratch(tmp_path)
    edit(repo, MIGRATION_C, "    trace_migration_cleanup();\n",
         "    trace_migration_cleanup();\n    migration_cleanup_count++;\n")
    git(repo, "commit", "-q", "-a", "-m", "migration: count the cleanups")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def test_message_finding_is_located_by_the_commit(tmp_path):
    repo, sha = _unsigned(tmp_path)
    label = f'{sha[:12]} ("migration: count the cleanups")'
    out = run_cli("check", "--select", "SER003", "--git", "base..HEAD", cwd=repo).stdout.decode()
    assert out.startswith(f"{label}: error SER003: ")
    assert "git:base..HEAD:" not in out           # no made-up file:line
    doc = json.loads(run_cli("check", "--select", "SER003", "--format", "json",
                             "--git", "base..HEAD", cwd=repo).stdout)
    [f] = doc["findings"]
    assert f["file"] == "" and f["commit"] == {"id": sha,
                                                "subject": "migration: count the cleanups"}


def test_message_finding_in_sarif_and_github_has_no_file(tmp_path):
    repo, sha = _unsigned(tmp_path)
    sarif = json.loads(run_cli("check", "--select", "SER003", "--format", "sarif",
                               "--git", "base..HEAD", cwd=repo).stdout)
    [result] = sarif["runs"][0]["results"]
    [loc] = result["locations"]
    assert "physicalLocation" not in loc
    assert loc["logicalLocations"] == [{
        "name": sha, "fullyQualifiedName": f'{sha[:12]} ("migration: count the cleanups")',
        "kind": "commit"}]
    gh = run_cli("check", "--select", "SER003", "--format", "github",
                 "--git", "base..HEAD", cwd=repo).stdout.decode()
    assert gh.startswith("::error title=SER003") and "file=" not in gh
    assert f'::{sha[:12]} ("migration: count the cleanups"): ' in gh


def test_merges_are_left_out_as_checkpatch_does(tmp_path):
    repo = _scratch(tmp_path)
    git(repo, "checkout", "-q", "-b", "side", "base")
    edit(repo, "migration/cpr.c", "\n", "\n\n")
    commit(repo, "migration/cpr: a blank line")
    git(repo, "checkout", "-q", "master")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
    rc, doc = _check(repo, "--git", "base..HEAD")
    # the two commits of master and the one of the side branch; not the merge
    assert doc["summary"]["patches"] == 3
