"""b4 on the other end: the mails `b4 prep` sends, and `b4 prep --check` itself.

b4 puts a footer below the diff of every patch it prepares (``---``,
``base-commit:``, ``change-id:``, a blank line, ``Best regards,``, a ``-- ``
signature line -- b4 writes it with a second space -- and the sender).  The
per-patch check command gets exactly that mail on stdin.

The last two tests run the real b4 (the ``test`` extra installs it from
PyPI) in a scratch repository with cprlint as its per-patch check command;
they skip only where b4 is not installed.  b4 runs with --offline-mode: b4
0.15's `am` otherwise asks lore.kernel.org for review trailers.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import check_text, run_cli
from gitrepo import MIGRATION_C, TREE, commit, git, make_repo

# a patch as b4 prep sends it (our own change to our own fixture tree); the
# index line is the fixture's migration/migration.c blob
FAILURE_RESUME = """\
    yank_unregister_instance(MIGRATION_YANK_INSTANCE);

    if (migration_has_failed(s)) {
        vm_start();
    }
}"""


def _b4_mail(repo: Path, base: str) -> str:
    diff = git(repo, "diff", f"{base}..HEAD")
    return f"""\
From: Ada Lovelace <ada@example.org>
Date: Fri, 12 Jun 2026 09:53:00 +0200
Subject: [PATCH] migration: restart the guest in migration_cleanup() on
 failure
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit
Message-Id: <20260612-cpr-test-v1-1-0123456789ab@example.org>
X-Change-ID: 20260612-cpr-test-0123456789ab

Signed-off-by: Ada Lovelace <ada@example.org>
---
 migration/migration.c | 4 ++++
 1 file changed, 4 insertions(+)

{diff}
---
base-commit: {base}
change-id: 20260612-cpr-test-0123456789ab

Best regards,
--  
Ada Lovelace <ada@example.org>

"""


@pytest.fixture
def failure_resume_repo(tmp_path):
    repo = make_repo(tmp_path / "qemu")
    base = git(repo, "rev-parse", "HEAD").strip()
    text = (repo / MIGRATION_C).read_text()
    (repo / MIGRATION_C).write_text(text.replace(
        "    yank_unregister_instance(MIGRATION_YANK_INSTANCE);\n}", FAILURE_RESUME, 1))
    commit(repo, "migration: restart the guest in migration_cleanup() on failure")
    return repo, base


def test_b4_footer_below_the_diff_is_not_part_of_the_hunk(failure_resume_repo):
    repo, base = failure_resume_repo
    findings = check_text(_b4_mail(repo, base))
    assert [(f.rule, f.path, f.source.strip()) for f in findings] == [
        ("MIG001", MIGRATION_C, "vm_start();")]


def test_b4_base_commit_names_the_base_tree_in_a_git_checkout(failure_resume_repo):
    repo, base = failure_resume_repo
    # the working tree holds the patch already (as in `b4 prep --check`):
    # the base-commit line gives the tree, so the whole function is seen
    proc = run_cli("check", "--isolated", "-", stdin=_b4_mail(repo, base).encode(), cwd=repo)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode()
    assert "error MIG001" in out and "hunk-local" not in out
    assert "hunk mode" not in out


def test_b4_base_commit_not_in_the_checkout_falls_back_to_hunk_mode(failure_resume_repo, tmp_path):
    repo, base = failure_resume_repo
    other = make_repo(tmp_path / "other", tree=TREE / "include")
    proc = run_cli("check", "--isolated", "-", stdin=_b4_mail(repo, base).encode(), cwd=other)
    assert proc.returncode == 1, proc.stderr
    assert "warning MIG001" in proc.stdout.decode()      # hunk-local: one level lower


def test_git_format_patch_base_footer(failure_resume_repo):
    repo, base = failure_resume_repo
    mail = git(repo, "format-patch", "--stdout", f"--base={base}", f"{base}..HEAD")
    assert f"base-commit: {base}" in mail
    findings = check_text(mail)
    assert [f.rule for f in findings] == ["MIG001"]


# -- the real b4 ---------------------------------------------------------------

def _b4() -> str:
    exe = Path(sys.executable).with_name("b4")
    found = str(exe) if exe.exists() else shutil.which("b4")
    if not found:
        pytest.skip("b4 is not installed (pip install '.[test]' installs it from PyPI)")
    return found


def _cprlint_cmd() -> str:
    exe = Path(sys.executable).with_name("cprlint")
    if exe.exists():
        return shlex.quote(str(exe))
    return f"{shlex.quote(sys.executable)} -m cprlint"


def _b4_prep(tmp_path: Path, new_text: str):
    """A scratch repository with a b4 prep branch of one patch; returns
    (b4, repo, run) where run(*argv) runs a command there as the user would."""
    b4 = _b4()
    home = tmp_path / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n")
    env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".data"),
               GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               NO_COLOR="1", PATH=os.environ.get("PATH", ""))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "CPRLINT_DEBUG"):
        env.pop(var, None)
    repo = make_repo(tmp_path / "qemu")

    def run(*args, check=True):
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True,
                              timeout=120, check=check)

    run(b4, "--offline-mode", "prep", "-n", "cpr-test")
    (repo / MIGRATION_C).write_text(new_text)
    run("git", "commit", "-q", "-a", "-m",
        "migration: change migration_cleanup()\n\nSigned-off-by: Ada Lovelace <ada@example.org>")
    return b4, repo, run


def _b4_prep_check(tmp_path: Path, new_text: str) -> str:
    b4, _repo, run = _b4_prep(tmp_path, new_text)
    run("git", "config", "b4.prep-perpatch-check-cmd", f"{_cprlint_cmd()} check --format b4 -")
    proc = run(b4, "--offline-mode", "prep", "--check", "--no-cache", check=False)
    return proc.stdout + proc.stderr


def test_real_b4_prep_check_passes_a_clean_patch(tmp_path):
    text = (TREE / MIGRATION_C).read_text().replace(
        "    trace_migration_cleanup();\n",
        "    trace_migration_cleanup();\n    migration_cleanup_count++;\n", 1)
    out = _b4_prep_check(tmp_path, text)
    assert "Success: 1, Warning: 0, Error: 0" in out, out
    assert "migration: change migration_cleanup()" in out and "cprlint:" not in out, out


def test_real_b4_prep_check_reports_mig001_in_a_failure_path(tmp_path):
    text = (TREE / MIGRATION_C).read_text().replace(
        "    yank_unregister_instance(MIGRATION_YANK_INSTANCE);\n}", FAILURE_RESUME, 1)
    out = _b4_prep_check(tmp_path, text)
    assert "migration/migration.c:53: ERROR: MIG001: migration_cleanup() calls vm_start()" \
        in out, out
    assert "Success: 0, Warning: 0, Error: 1" in out, out


def test_real_b4_send_and_am_output_is_checked_against_its_base_commit(tmp_path):
    """The mail b4 would send (b4 send -o, nothing sent), then what b4 am makes
    of it (an .mbx for git am): both keep the footer; in the checkout the
    base-commit line gives the whole function, so MIG001 is an error."""
    text = (TREE / MIGRATION_C).read_text().replace(
        "    yank_unregister_instance(MIGRATION_YANK_INSTANCE);\n}", FAILURE_RESUME, 1)
    b4, repo, run = _b4_prep(tmp_path, text)
    sent = tmp_path / "sent"
    run(b4, "--offline-mode", "send", "--no-sign", "-o", str(sent), "--to", "qemu-devel@nongnu.org")
    [mail] = sorted(sent.iterdir())
    assert "\nbase-commit: " in mail.read_text()
    mbox = tmp_path / "local.mbox"
    mbox.write_text("From nobody Mon Sep 17 00:00:00 2001\n" + mail.read_text())
    msgid = next(line.split("<", 1)[1].split(">", 1)[0]
                 for line in mail.read_text().splitlines()
                 if line.lower().startswith("message-id:"))
    run(b4, "--offline-mode", "am", "-n", "series", "-m", str(mbox), "-o", str(tmp_path / "am"), msgid)
    mbx = tmp_path / "am" / "series.mbx"
    for path in (mail, mbx):
        proc = run_cli("check", "--isolated", str(path), cwd=repo)
        out = proc.stdout.decode()
        assert proc.returncode == 1, (path, proc.stderr)
        assert "migration/migration.c:53: error MIG001: migration_cleanup() calls vm_start()" \
            in out, out
        assert "hunk mode" not in out, out
