"""The few git commands cprlint runs: fixed argv lists, never a shell.

Everything that comes from the user (a revision) or from a mail (a path) is
checked before it reaches an argv; failures become InputError.
"""

from __future__ import annotations

import os
import re

from .. import lazyre
from ..errors import InputError

_REV = lazyre.compile(r"^[A-Za-z0-9_./@{}~^+-]+$")


def run_git(args: list[str], cwd: str, what: str, stdin: bytes | None = None) -> bytes:
    """Run ``git args`` in ``cwd``; stdout bytes, or InputError naming ``what``."""
    import subprocess            # here: a run that needs no git process does not pay its import

    cmd = ["git", "-c", "core.quotePath=false", *args]
    try:
        proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, timeout=120,
                              env=dict(os.environ, GIT_PAGER="cat", LC_ALL="C"))
    except FileNotFoundError:
        raise InputError(what, "git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(what, "git took too long") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(what, err[-1] if err else f"git {args[0]} failed")
    return proc.stdout


def repo_root(cwd: str, what: str) -> str:
    out = run_git(["rev-parse", "--show-toplevel"], cwd, what)
    return out.decode("utf-8", "surrogateescape").strip()


def check_rev(rev: str, what: str) -> str:
    if not rev or rev.startswith("-") or not _REV.match(rev) or ".." in rev:
        raise InputError(what, f"not a revision: '{rev}'")
    return rev


def split_range(spec: str) -> tuple[str, str]:
    """'A..B' -> (A, B); 'A..' means A..HEAD."""
    what = f"git:{spec}"
    if "..." in spec or spec.count("..") != 1:
        raise InputError(what, "expected a range A..B (two dots)")
    a, b = spec.split("..")
    return check_rev(a, what), check_rev(b or "HEAD", what)


def resolve_commit(repo: str, rev: str, what: str) -> str:
    try:
        out = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                       rev + "^{commit}"], repo, what)
    except InputError:      # --quiet: git says nothing, so say what went wrong
        raise InputError(what, f"'{rev}' is not a commit in {repo}") from None
    return out.decode().strip()


def format_patch(repo: str, base: str, tip: str, what: str) -> bytes:
    """The commits base..tip as one mbox, in one git process (git
    format-patch --stdout; merges are left out, as checkpatch's range mode
    does).  Each hunk carries its whole function (``--function-context``),
    so the rules see every touched function whole without reading a tree."""
    return run_git(["-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
                    "-c", "diff.renames=true", "-c", "diff.algorithm=myers",
                    "format-patch", "--stdout", "--numbered", "--no-color", "--no-ext-diff",
                    "--no-signature", "--function-context", f"{base}..{tip}"], repo, what)


_FROM_SHA = lazyre.compile(rb"^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001$", re.M)


def commits_of(mbox: bytes) -> list[str]:
    """The commit ids of a format-patch mbox, in order (its ``From <sha>`` lines)."""
    return [m.group(1).decode() for m in _FROM_SHA.finditer(mbox)]


def find_worktree(start: str) -> str | None:
    """The top of the git checkout that holds ``start`` (no git process), or None."""
    d = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
