"""Scratch git repositories for the full-context tests: the fixture tree
committed as a base, edits committed on top, patches made by git itself."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURES

TREE = FIXTURES / "tree"
MIGRATION_C = "migration/migration.c"

_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.org",
    "GIT_AUTHOR_DATE": "2026-06-12T09:50:00+02:00",
    "GIT_COMMITTER_DATE": "2026-06-12T09:50:00+02:00",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          env=dict(os.environ, **_ENV), check=True)
    return proc.stdout


def make_repo(path: Path, tree: Path = TREE) -> Path:
    """A repository whose first commit (tag ``base``) is ``tree``."""
    shutil.copytree(tree, path)
    git(path, "init", "-q", "-b", "master")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "base")
    git(path, "tag", "base")
    return path


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    p = repo / rel
    text = p.read_text()
    assert old in text, f"{old!r} not in {rel}"
    p.write_text(text.replace(old, new, 1))


def commit(repo: Path, subject: str) -> None:
    git(repo, "commit", "-q", "-a", "-m", f"{subject}\n\nSigned-off-by: Ada Lovelace <ada@example.org>")


def format_patch(repo: Path, rev_range: str, out: Path) -> Path:
    out.write_text(git(repo, "format-patch", "--stdout", "--numbered", rev_range))
    return out
