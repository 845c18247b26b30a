"""pre-commit: `cprlint hook` on the staged change, `cprlint commit-msg`, and
the hooks of .pre-commit-hooks.yaml driven by `pre-commit try-repo` in a
scratch git repository (the project is copied and committed there first, so
the test sees the working tree, uncommitted changes included)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

BASE = """\
#include "qemu/osdep.h"

static void migration_cleanup(MigrationState *s)
{
    MigrationEventType type;

    trace_migration_cleanup();

    /* Notify DONE if the migration completed successfully. */
    if (!migration_has_failed(s)) {
        migration_call_notifiers(MIG_EVENT_DONE, NULL);
    }

    yank_unregister_instance(MIGRATION_YANK_INSTANCE);
}
"""

UNGATED = BASE.replace(
    "        migration_call_notifiers(MIG_EVENT_DONE, NULL);\n    }\n",
    "        migration_call_notifiers(MIG_EVENT_DONE, NULL);\n"
    "    } else if (migrate_mode_is_cpr()) {\n"
    "        vm_resume(s->vm_old_state);\n    }\n")
GATED = UNGATED.replace("migrate_mode_is_cpr()) {",
                        "migrate_mode_is_cpr() && migration_block_activate(NULL)) {")
SUPPRESSED = UNGATED.replace(
    "        vm_resume(s->vm_old_state);\n",
    "        /* cprlint: disable=MIG001 -- the caller re-activated the disks */\n"
    "        vm_resume(s->vm_old_state);\n")


def git_env(home: Path) -> dict:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.org",
               HOME=str(home), TYPER_USE_RICH="0", NO_COLOR="1")
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "CPRLINT_DEBUG"):
        env.pop(k, None)
    return env


def git(repo: Path, *args: str, env: dict):
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    r = tmp_path / "qemu"
    (r / "migration").mkdir(parents=True)
    env = git_env(tmp_path)
    git(r, "init", "-q", "-b", "master", env=env)
    (r / "migration" / "migration.c").write_text(BASE)
    (r / "README").write_text("scratch\n")
    git(r, "add", ".", env=env)
    git(r, "commit", "-q", "-m", "base", env=env)
    return r, env


def hook(repo_env, *args):
    r, env = repo_env
    exe = Path(sys.executable).with_name("cprlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]
    return subprocess.run(cmd + ["hook", *args], cwd=r, env=env, capture_output=True,
                          timeout=60)


def stage(repo_env, text: str, name: str = "migration/migration.c"):
    r, env = repo_env
    (r / name).write_text(text)
    git(r, "add", name, env=env)


# -- cprlint hook, directly ------------------------------------------------------

def test_hook_reports_what_the_staged_change_introduces(repo):
    stage(repo, UNGATED)
    proc = hook(repo, "migration/migration.c")
    out = proc.stdout.decode()
    assert proc.returncode == 1, (out, proc.stderr)
    assert "migration/migration.c:13: error MIG001: migration_cleanup()" in out
    # --function-context shows git the whole function: not hunk-local
    assert "hunk-local" not in out
    assert '#' in out and 'in git diff --cached, patch 1/1 "staged change"' in out


def test_hook_ignores_unstaged_edits_and_clean_changes(repo):
    r, env = repo
    stage(repo, GATED)
    (r / "migration" / "migration.c").write_text(UNGATED)    # not staged
    proc = hook(repo, "migration/migration.c")
    assert proc.returncode == 0, proc.stdout.decode()
    assert b"0 findings" in proc.stdout


def test_hook_only_reports_the_new_code_not_the_file(repo):
    r, env = repo
    stage(repo, UNGATED)
    git(r, "commit", "-q", "-m", "the bad resume is already there", env=env)
    stage(repo, UNGATED.replace("trace_migration_cleanup();",
                                "trace_migration_cleanup();\n    type = 0;"))
    proc = hook(repo, "migration/migration.c")
    assert proc.returncode == 0 and b"MIG001" not in proc.stdout, proc.stdout.decode()


def test_hook_nothing_staged_and_not_a_repository(repo, tmp_path):
    proc = hook(repo, "migration/migration.c")
    assert proc.returncode == 0 and proc.stdout == b""
    outside = tmp_path / "plain"
    outside.mkdir()
    proc = hook((outside, repo[1]), "x.c")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("cprlint: git diff --cached: ") and "Traceback" not in err
    # the reason, not the tail of git's usage text
    assert "not inside a git repository" in err and "--output" not in err


def test_hook_reports_gits_own_reason():
    from types import SimpleNamespace

    from cprlint.hook import _git_error

    proc = SimpleNamespace(returncode=128, stderr=b"usage: git diff\n    --output <file>\n"
                           b"warning: x\nfatal: bad revision 'HEAD'\nerror: later\n")
    assert _git_error(proc) == "fatal: bad revision 'HEAD'"
    assert _git_error(SimpleNamespace(returncode=1, stderr=b"a\nlast\n\n")) == "last"
    assert _git_error(SimpleNamespace(returncode=3, stderr=b"")) == "failed with exit code 3"


def test_hook_honours_suppressions_and_config(repo):
    r, env = repo
    stage(repo, SUPPRESSED)
    assert hook(repo, "migration/migration.c").returncode == 0
    stage(repo, UNGATED)
    (r / ".cprlint.toml").write_text('per-file-ignores = {"migration/*.c" = ["MIG"]}\n')
    assert hook(repo, "migration/migration.c").returncode == 0
    assert hook(repo, "--isolated", "migration/migration.c").returncode == 1


# -- cprlint commit-msg ----------------------------------------------------------

def commit_msg(tmp_path, *args):
    env = git_env(tmp_path)          # the author of the commit: Ada <ada@example.org>
    exe = Path(sys.executable).with_name("cprlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]
    return subprocess.run(cmd + ["commit-msg", "--isolated", *args], cwd=tmp_path, env=env,
                          capture_output=True, timeout=60)


def test_commit_msg_sign_off(tmp_path):
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text("migration: resume on CPR failure\n\nBody.\n\n"
                   "Signed-off-by: Ada <ada@example.org>\n"
                   "# Please enter the commit message\n")
    proc = commit_msg(tmp_path, str(msg))
    assert proc.returncode == 0, proc.stdout.decode()
    # a sign-off only in a comment or below the scissors line does not count
    msg.write_text("migration: resume on CPR failure\n\nBody.\n"
                   "# Signed-off-by: Ada <ada@example.org>\n"
                   "# ------------------------ >8 ------------------------\n"
                   "Signed-off-by: Ada <ada@example.org>\n")
    proc = commit_msg(tmp_path, str(msg))
    out = proc.stdout.decode()
    assert proc.returncode == 1 and "Signed-off-by" in out and str(msg) in out
    assert "SER003" in out
    assert msg.read_text().startswith("migration: resume")     # not modified


def test_commit_msg_someone_elses_sign_off(tmp_path):
    msg = tmp_path / "MSG"
    msg.write_text("migration: x\n\nSigned-off-by: Bob <bob@example.org>\n")
    proc = commit_msg(tmp_path, str(msg))
    out = proc.stdout.decode()
    assert proc.returncode == 1 and "SER003" in out and "Ada <ada@example.org>" in out


def test_commit_msg_without_a_git_identity(tmp_path):
    # no author known: the sign-off rule judges the message alone, even a
    # subject line alone; any Signed-off-by will do
    env = git_env(tmp_path)
    for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "EMAIL"):
        env.pop(k, None)
    env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="user.useConfigOnly",
               GIT_CONFIG_VALUE_0="true")
    exe = Path(sys.executable).with_name("cprlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]
    msg = tmp_path / "MSG"
    for text, code in (("migration: x\n", 1), ("migration: x\n\nBody.\n", 1),
                       ("migration: x\n\nSigned-off-by: Bob <bob@example.org>\n", 0)):
        msg.write_text(text)
        proc = subprocess.run(cmd + ["commit-msg", "--isolated", str(msg)], cwd=tmp_path,
                              env=env, capture_output=True, timeout=60)
        out = proc.stdout.decode()
        assert proc.returncode == code, (text, out, proc.stderr)
        if code:
            assert "SER003" in out and "no Signed-off-by at all" in out
            assert len(out.strip().splitlines()) == 1


def test_commit_msg_missing_file(tmp_path):
    proc = commit_msg(tmp_path, str(tmp_path / "nope"))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and str(tmp_path / "nope") in err
    assert len(err.strip().splitlines()) == 1


# -- pre-commit try-repo ----------------------------------------------------------

PROJECT_FILES = ("cprlint", "rules", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """The project as a committed git repository, as `pre-commit try-repo` needs."""
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("precommit")
    proj = base / "proj"
    proj.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_rules")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, proj / name, ignore=ignore)
        else:
            shutil.copy2(src, proj / name)
    env = git_env(base)
    env["PRE_COMMIT_HOME"] = str(base / "cache")     # never the user's cache
    git(proj, "init", "-q", "-b", "main", env=env)
    git(proj, "add", ".", env=env)
    git(proj, "commit", "-q", "-m", "cprlint", env=env)
    return proj, env


def pre_commit(cwd, env, *args):
    cmd = [sys.executable, "-m", "pre_commit", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def hook_config(hook_repo):
    """A .pre-commit-config.yaml using both hooks of the committed project.

    ``pre-commit try-repo`` builds the hook environment afresh on every call;
    ``pre-commit run`` with this file builds it once (PRE_COMMIT_HOME) for
    the tests after the first."""
    proj, env = hook_repo
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=proj, env=env, check=True,
                         capture_output=True).stdout.decode().strip()
    cfg = proj.parent / "pre-commit-config.yaml"
    cfg.write_text(f"repos:\n- repo: {proj}\n  rev: {rev}\n  hooks:\n"
                   "  - id: cprlint\n  - id: cprlint-commit-msg\n")
    return str(cfg), env


def test_pre_commit_try_repo_blocks_an_ungated_resume(hook_repo, repo):
    proj, env = hook_repo
    r, _ = repo
    stage((r, env), UNGATED)
    proc = pre_commit(r, env, "try-repo", str(proj), "cprlint",
                      "--files", "migration/migration.c")
    out = proc.stdout.decode()
    assert proc.returncode == 1, (out, proc.stderr.decode())
    assert "MIG001" in out and "migration_cleanup()" in out and "Failed" in out


def test_pre_commit_passes_a_clean_change(hook_config, repo):
    cfg, env = hook_config
    r, _ = repo
    stage((r, env), GATED)
    proc = pre_commit(r, env, "run", "-c", cfg, "cprlint", "--files", "migration/migration.c")
    out = proc.stdout.decode()
    assert proc.returncode == 0, (out, proc.stderr.decode())
    assert "Passed" in out and "MIG001" not in out
    stage((r, env), UNGATED)        # the same installed hook blocks the bad change
    proc = pre_commit(r, env, "run", "-c", cfg, "cprlint", "--files", "migration/migration.c")
    assert proc.returncode == 1 and b"MIG001" in proc.stdout


def test_pre_commit_commit_msg_hook(hook_config, repo):
    cfg, env = hook_config
    r, _ = repo
    msg = r.parent / "MSG"
    msg.write_text("migration: resume on CPR failure\n\nNo sign-off here.\n")
    args = ("run", "-c", cfg, "cprlint-commit-msg", "--hook-stage", "commit-msg",
            "--commit-msg-filename", str(msg))
    proc = pre_commit(r, env, *args)
    out = proc.stdout.decode()
    assert proc.returncode == 1 and "Signed-off-by" in out, (out, proc.stderr.decode())
    msg.write_text("migration: resume on CPR failure\n\nSigned-off-by: Ada <ada@example.org>\n")
    proc = pre_commit(r, env, *args)
    assert proc.returncode == 0, (proc.stdout.decode(), proc.stderr.decode())
