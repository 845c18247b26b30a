"""Where base files come from: a directory (``--source``, the working tree)
or a git revision (``--git A..B``).  Files are read, never written.

Paths come from mails: absolute paths and '..' components are refused.
"""

from __future__ import annotations

import os

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


class BaseTree:
    label = ""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when the tree has no such (safe) path."""
        raise NotImplementedError


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

