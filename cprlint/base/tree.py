"""Where base files come from: a directory (``--source``, the working tree)
or a git revision (``--git A..B``).  Files are read, never written.

Paths come from mails: absolute paths and '..' components are refused.
"""

from __future__ import annotations

import os
import subprocess

from .. import lazyre
from .git import run_git

MAX_FILE_BYTES = 16 * 1024 * 1024


def blob_id(data: bytes) -> str:
    """git hash-object: SHA-1 over ``blob <len>\\0`` + bytes."""
    import hashlib    # only when a base tree is compared: ~3 ms of start-up otherwise

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def blob_matches(data: bytes, abbrev: str | None) -> bool:
    return bool(abbrev) and blob_id(data).startswith(abbrev.lower())


def safe_path(path: str) -> str | None:
    """``path`` as a relative POSIX path inside a tree, or None if it may escape."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    return path


_NAME = lazyre.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_C_GLOBS = ["*.c", "*.h", "*.c.inc", "*.h.inc"]


def _grep_words(args: list[str], cwd: str, names: set[str],
                rev: str | None = None) -> set[str] | None:
    """The ``names`` that occur as whole words in the tree's C sources, with
    one ``git grep`` (names come from mails: each must be an identifier).
    None when git cannot answer.

    One name is a fixed string.  Several are one alternation (longest
    first, so a name that is a prefix of another cannot hide it): git
    tries each ``-e`` pattern on every line, which with a few hundred
    names, common words among them, takes minutes instead of a second.
    PCRE when git has it, else an extended regex."""
    names = {n for n in names if _NAME.match(n)}
    if not names:
        return set()
    if len(names) == 1:
        modes = [["-F", "-e", next(iter(names))]]
    else:
        alt = "|".join(sorted(names, key=lambda n: (-len(n), n)))
        modes = [["-P", "-e", rf"\b(?:{alt})\b"], ["-E", "-e", rf"({alt})"]]
    for pattern in modes:
        cmd = ["git", "grep", "-h", "-o", "-w", "-I", *args, *pattern,
               *([rev] if rev else []), "--", *_C_GLOBS]
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120,
                                  env=dict(os.environ, GIT_PAGER="cat", LC_ALL="C"))
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode in (0, 1):
            break
    else:
        return None          # (a git without PCRE fails -P and gets -E)
    found = {ln.rsplit(":", 1)[-1] for ln in proc.stdout.decode("ascii", "replace").split()}
    return found & names


class BaseTree:
    label = ""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when the tree has no such (safe) path."""
        raise NotImplementedError

    def names_present(self, names: set[str]) -> set[str] | None:
        """Which of ``names`` appear anywhere in the tree's C sources (None:
        cannot tell, so callers must assume they all do)."""
        return None

    def has_name(self, name: str) -> bool:
        """One name at a time, cached; unknown counts as present."""
        cache = self.__dict__.setdefault("_names_cache", {})
        if name not in cache:
            found = self.names_present({name})
            cache[name] = True if found is None else name in found
        return cache[name]

    def prefetch(self, names: set[str]) -> None:
        """Answer ``has_name`` for all of ``names`` with one search of the tree."""
        cache = self.__dict__.setdefault("_names_cache", {})
        todo = {n for n in names if n not in cache}
        if not todo:
            return
        found = self.names_present(todo)
        for n in todo:
            cache[n] = True if found is None else n in found


class DirTree(BaseTree):
    def __init__(self, root: str, label: str | None = None):
        self.root = os.path.realpath(root)
        self.label = label or root

    def read(self, path: str) -> bytes | None:
        rel = safe_path(path)
        if rel is None:
            return None
        full = os.path.realpath(os.path.join(self.root, rel))
        if not full.startswith(self.root + os.sep):   # a symlink out of the tree
            return None
        try:
            with open(full, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        return data if len(data) <= MAX_FILE_BYTES else None

    def names_present(self, names: set[str]) -> set[str] | None:
        return _grep_words(["--no-index"], self.root, names)


class GitTree(BaseTree):
    """Files at one commit of a repository, read with ``git cat-file``."""

    def __init__(self, repo: str, commit: str, label: str):
        self.repo, self.commit, self.label = repo, commit, label

    def read(self, path: str) -> bytes | None:
        rel = safe_path(path)
        if rel is None:
            return None
        try:
            return run_git(["cat-file", "blob", f"{self.commit}:{rel}"], self.repo, self.label)
        except Exception:
            return None

    def names_present(self, names: set[str]) -> set[str] | None:
        return _grep_words([], self.repo, names, rev=self.commit)

