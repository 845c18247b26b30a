from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SERIES = FIXTURES / "series"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_3079a1e009a6164a.txt"

# the rule cache (cprlint/rulecache.py) of this test session, in and out of
# process, not the user's
if "CPRLINT_TEST_CACHE" not in os.environ:
    import tempfile

    os.environ["CPRLINT_TEST_CACHE"] = os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(
        prefix="cprlint-test-cache-")


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not available in this clone")
    return SEED


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    """Run the installed cprlint as a user would: a separate process."""
    exe = Path(sys.executable).with_name("cprlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]
    env = dict(os.environ, TYPER_USE_RICH="0", NO_COLOR="1")
    env.pop("CPRLINT_DEBUG", None)
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True,
                          cwd=cwd, env=env, timeout=60)



_NO_TREE: list[str] = []


def check_text(text: str, select=None, rules=None):
    """``text`` (a patch or mbox) through the same pipeline as `cprlint check -`
    (run_check: load_job, rules, configuration filter and suppressions), with
    no configuration and no base tree (cwd: an empty directory outside any git
    work tree).  Returns the findings."""
    import io
    import tempfile

    from cprlint.check import run_check
    from cprlint.options import CheckOptions

    if not _NO_TREE:
        _NO_TREE.append(tempfile.mkdtemp(prefix="cprlint-no-tree-"))
    opts = CheckOptions(paths=["-"], isolated=True, select=select, cwd=_NO_TREE[0])
    return run_check(opts, stdin=io.BytesIO(text.encode()), rules=rules)[0]


def make_mail(n: int, total: int, subject: str, diff: str, trailers: str = "",
              author: str = "Ada Lovelace <ada@example.org>", body_from: str = "",
              body: str = "Text.") -> str:
    """One patch mail of a series as git format-patch writes it."""
    trailers = trailers or f"Signed-off-by: {author}"
    head = f"From: {body_from}\n\n" if body_from else ""
    return (f"From {n:040d} Mon Sep 17 00:00:00 2001\nFrom: {author}\n"
            f"Date: Mon, 1 Jun 2026 10:00:0{n} +0200\n"
            f"Subject: [PATCH {n}/{total}] {subject}\n\n{head}{body}\n\n{trailers}\n---\n"
            f"{diff}-- \n2.47.0\n\n")


def make_hunk(path: str, start: int, section: str, body: str) -> str:
    """A one-hunk diff of ``path``; ``body`` holds the hunk's lines with their
    ' ', '-', '+' marks, and the header's line counts are computed from it."""
    lines = body.strip("\n").split("\n")
    old = sum(1 for ln in lines if ln[0] in " -")
    new = sum(1 for ln in lines if ln[0] in " +")
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -{start},{old} +{start},{new} @@ {section}\n" + "\n".join(lines) + "\n")
