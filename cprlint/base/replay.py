"""Apply a whole series, in order, to a base tree, in memory.

For every patch and C file it touches: the file before and after the patch
(a FileStep).  Where a file cannot be followed (not in the base, a hunk that
does not apply) that file falls back to hunk-only analysis from then on, and
a note says so.  Nothing here raises on a bad base: it degrades.
"""

from __future__ import annotations

from ..records import Record
from .apply import Applied, ApplyError, FileText, apply_hunks
from .tree import BaseTree, blob_matches


class FileStep(Record):
    patch_index: int
    fd: object                 # inputs.series.FileDiff
    pre: FileText
    applied: Applied

    def __init__(self, patch_index, fd, pre, applied) -> None:
        self.patch_index = patch_index
        self.fd = fd
        self.pre = pre
        self.applied = applied


class Replay(Record):
    steps: list[FileStep]
    hunk_only: list[tuple[int, object]]  # (patch index, FileDiff)
    notes: list[str]

    def __init__(self, steps=None, hunk_only=None, notes=None) -> None:
        self.steps = [] if steps is None else steps
        self.hunk_only = [] if hunk_only is None else hunk_only
        self.notes = [] if notes is None else notes


def replay_series(series, base: BaseTree) -> Replay:
    out = Replay()
    state: dict[str, FileText | None] = {}    # path -> current text (None: removed)
    lost: set[str] = set()                    # paths followed hunk-only from now on

    def current(path: str) -> FileText | None:
        if path not in state:
            data = base.read(path)
            state[path] = None if data is None else FileText.from_bytes(data)
        return state[path]

    for k, patch in enumerate(series.patches):
        where = f"patch {patch.label()}"
        for fd in patch.files:
            if not fd.is_c or fd.is_binary:
                continue
            old, new = fd.old_path, fd.new_path
            if (old and old in lost) or (new and new in lost):
                lost.update(p for p in (old, new) if p)
                out.hunk_only.append((k, fd))
                continue
            pre = FileText([]) if old is None else current(old)
            if pre is None:
                out.notes.append(f"{where}: {old} is not in the base tree {base.label}; "
                                 "hunk-only analysis for this file")
                lost.update(p for p in (old, new) if p)
                out.hunk_only.append((k, fd))
                continue
            differs = old is not None and fd.old_blob and not blob_matches(
                pre.to_bytes(), fd.old_blob)
            try:
                applied = apply_hunks(pre, fd.hunks)
            except ApplyError as exc:
                at = f" (#{exc.input_line} in {patch.input_path})" if exc.input_line else ""
                out.notes.append(f"{where}: {fd.path}: hunk {exc.hunk_no}{at} does not apply to "
                                 f"the base {base.label}; hunk-only analysis for this file")
                lost.update(p for p in (old, new) if p)
                out.hunk_only.append((k, fd))
                continue
            if applied.offsets:
                shifts = ", ".join(f"hunk {n} at {d:+d}" for n, d in applied.offsets)
                out.notes.append(f"{where}: {fd.path}: the base {base.label} differs from the "
                                 f"patch's (index {fd.old_blob or '?'}); applied with offsets "
                                 f"({shifts} lines)")
            elif differs:
                out.notes.append(f"{where}: {fd.path}: the base {base.label} differs from the "
                                 f"patch's (index {fd.old_blob}); every hunk still applies "
                                 "where its header says")
            if old and old != new:
                state[old] = None
            if new is None:
                continue                      # removed: nothing to parse
            state[new] = applied.post
            out.steps.append(FileStep(k, fd, pre, applied))
    return out


def worktree_matches(series, tree: BaseTree) -> bool:
    """True when every C file the series modifies is in ``tree`` with the
    pre-image blob id of the first patch that touches it."""
    seen: set[str] = set()
    checked = 0
    for patch in series.patches:
        for fd in patch.files:
            if not fd.is_c or fd.old_path is None or fd.old_path in seen:
                continue
            seen.add(fd.old_path)
            if not fd.old_blob:
                return False
            data = tree.read(fd.old_path)
            if data is None or not blob_matches(data, fd.old_blob):
                return False
            checked += 1
        seen.update(fd.new_path for fd in patch.files if fd.new_path)
    return checked > 0
