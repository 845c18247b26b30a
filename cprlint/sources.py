"""What is being checked: a series from mail or git, with or without a base
tree, or C files as they are.

``load_job`` turns the user's inputs into a Job: the Series and the code
views the rules read.

  * hunk mode   a series alone: each hunk's pre/post image (code.views)
  * full mode   a series and its base tree (--source, --git A..B, or the
                working tree when the index lines match it): every patch is
                applied in memory (base.replay) and each touched file is seen
                whole before and after the patch (code.whole)
  * function    --git A..B: each hunk holds its whole function (git's
                --function-context); the tree at A answers which names exist
  * files mode  C files or directories: each file whole, no patch
"""

from __future__ import annotations

import gc
import io
import os

from .errors import InputError
from .options import CheckOptions
from .records import Record

C_SUFFIXES = (".c", ".h", ".c.inc", ".h.inc")
SKIP_DIRS = ("build", "builddir", "node_modules", "__pycache__")


class Job(Record):
    series: object                          # inputs.series.Series
    views: list                             # code.model.HunkViews
    mode: str                               # "hunk", "full" (base tree), "files"
    notes: list[str]                        # said in the summary
    windowed: bool                          # one window of a long series (load_jobs)

    def __init__(self, series, views, mode="hunk", notes=None, windowed=False) -> None:
        self.series = series
        self.views = views
        self.mode = mode
        self.notes = [] if notes is None else notes
        self.windowed = windowed


def load_job(opts: CheckOptions, stdin=None, plan=None) -> Job:
    """The one Job of a check; ``plan``: the series already read (load_jobs)."""
    cwd = opts.cwd or os.getcwd()
    if opts.git_range:
        if opts.paths:
            raise InputError(opts.paths[0], "give either --git A..B or inputs, not both")
        series, base = _git_range(opts.git_range, cwd)
        return _range_job(series, base, opts)
    c_inputs = [p for p in opts.paths if _is_c_input(p, cwd)]
    if c_inputs:
        others = [p for p in opts.paths if p not in c_inputs]
        if others:
            raise InputError(others[0], "cannot check patches and C files in one call: "
                                        "give either mboxes/patches or C files and directories")
        if opts.source:
            raise InputError(opts.source, "--source is the base of a series; "
                                          "C files are checked as they are")
        return _files_job(c_inputs, opts, cwd)

    from .inputs.load import load_series

    series = plan.load_all() if plan is not None else load_series(list(opts.paths), stdin=stdin)
    return _series_job(series, _base_for(series, opts, cwd), opts)


def load_jobs(opts: CheckOptions, stdin=None):
    """The Jobs to check, one after the other: one Job (``load_job``), or
    for a series too long to hold (from an input too large to hold, read
    as it goes), hunk-mode Jobs over consecutive windows of its patches,
    each let go before the next is read.  Iterate it once."""
    from . import limits

    cwd = opts.cwd or os.getcwd()
    if opts.git_range or opts.source or any(_is_c_input(p, cwd) for p in opts.paths):
        yield load_job(opts, stdin)
        return
    from .inputs.load import plan_series

    plan = plan_series(list(opts.paths), stdin=stdin)
    if not plan.streamed or (plan.count <= limits.SERIES_WINDOW_PATCHES
                             and plan.size <= limits.SERIES_WINDOW_BYTES):
        yield load_job(opts, stdin, plan=plan)
        return
    from .code.views import build_views

    limits.note(f"a series of {plan.count} patches ({plan.size // 1024} kB of mail) is "
                f"checked in hunk mode, at most {limits.SERIES_WINDOW_PATCHES} patches "
                f"({limits.SERIES_WINDOW_BYTES // (1024 * 1024)} MB) at a time: rules across "
                "patches (SER001, SER002, VMS...) do not look beyond that window, and no "
                "base tree is used")
    for series in plan.windows(limits.SERIES_WINDOW_PATCHES, limits.SERIES_WINDOW_BYTES):
        yield Job(series=series, views=build_views(series), windowed=True)
        series = None
        gc.collect()        # the window's cycles, before the next is built: a steady peak


# -- series ------------------------------------------------------------------

def _base_for(series, opts: CheckOptions, cwd: str):
    from .base.git import find_worktree

    if opts.source:
        from .base.tree import DirTree

        src = os.path.join(cwd, opts.source)
        if not os.path.isdir(src):
            raise InputError(opts.source, "--source: not a directory")
        at_base = _base_commit_tree(series, src, opts.source)
        return at_base or DirTree(src, label=opts.source)
    root = find_worktree(cwd)
    if root is not None:        # (the tree modules are imported only then)
        from .base.replay import worktree_matches
        from .base.tree import DirTree

        tree = DirTree(root, label=f"{root} (working tree)")
        if worktree_matches(series, tree):
            return tree
        return _base_commit_tree(series, root, root)
    return None


def _base_commit_tree(series, checkout: str, label: str):
    """The tree the mail's ``base-commit:`` line names (b4, format-patch --base),
    read from the git checkout ``checkout`` when it has that commit and the
    patches' ``index`` lines match it; else None."""
    from .base.replay import worktree_matches

    sha = next((p.base_commit for p in ([series.cover] if series.cover else []) + series.patches
                if p.base_commit), "")
    if not sha or not os.path.exists(os.path.join(checkout, ".git")):
        return None
    from .base.git import resolve_commit
    from .base.tree import GitTree

    try:
        full = resolve_commit(checkout, sha, f"base-commit {sha}")
    except InputError:
        return None                     # not in this checkout: not our base
    tree = GitTree(checkout, full, label=f"{label} at base-commit {full[:12]}")
    return tree if worktree_matches(series, tree) else None


def _series_job(series, base, opts: CheckOptions) -> Job:
    from .code.views import build_views, views_of_file_diff

    if base is None:
        return Job(series=series, views=build_views(series))

    from .base.lookup import NameLookup, series_names
    from .base.replay import replay_series
    from .code.whole import SeriesSteps
    from .progress import Progress

    replay = replay_series(series, base)
    # series rules ask whether a name exists in the tree the series applies
    # to: one pass over the tree for the names a kind prefetches, and one
    # (at the first other question) for every name the series may ask
    views: list = []
    lookup = NameLookup(base, lambda: series_names(views))
    series.base_defines, series.base_prefetch = lookup, lookup.prefetch
    series.base_read = base.read         # a file of the tree the series applies to
    # each touched file whole before and after each patch; their facts are
    # derived when the rules first ask, patch by patch (code.whole.SeriesSteps)
    bar = Progress(len(replay.steps), "parsing", opts.progress)
    views.extend(SeriesSteps(replay.steps, bar).views)
    for k, fd in replay.hunk_only:
        views.extend(views_of_file_diff(k, fd))
    views.sort(key=lambda hv: hv.patch_index)
    return Job(series=series, views=views, mode="full", notes=replay.notes)


def _git_range(spec: str, cwd: str):
    from .base.git import commits_of, format_patch, repo_root, resolve_commit, split_range
    from .base.tree import GitTree
    from .inputs.load import load_series

    what = f"git:{spec}"
    a, b = split_range(spec)
    root = repo_root(cwd, what)
    base_commit = resolve_commit(root, a, what)
    tip = resolve_commit(root, b, what)
    data = format_patch(root, base_commit, tip, what)
    if not data.strip():
        raise InputError(what, "no commits in this range")
    try:
        series = load_series(["-"], stdin=io.BytesIO(data))
    except InputError as exc:
        raise InputError(what, exc.message) from None
    shas = commits_of(data)
    if len(shas) == len(series.patches):
        for p, sha in zip(series.patches, shas):
            p.commit = sha
    for p in ([series.cover] if series.cover else []) + series.patches:
        p.input_path = what
    series.inputs = [what]
    return series, GitTree(root, base_commit, label=a)


def _range_job(series, base, opts: CheckOptions) -> Job:
    """``--git A..B``: the commits with their whole functions as context
    (one format-patch pass, no file read per commit); the tree at A answers
    which names exist (the series rules)."""
    from .code.views import build_views

    from .base.lookup import NameLookup, series_names

    views = build_views(series)
    lookup = NameLookup(base, lambda: series_names(views))
    series.base_defines, series.base_prefetch = lookup, lookup.prefetch
    series.base_read = base.read
    return Job(series=series, views=views, mode="function")


# -- files as they are -------------------------------------------------------

def _is_c_input(path: str, cwd: str) -> bool:
    if path == "-":
        return False
    return path.endswith(C_SUFFIXES) or os.path.isdir(os.path.join(cwd, path))


def _c_files(path: str, cwd: str) -> list[str]:
    full = os.path.join(cwd, path)
    if not os.path.isdir(full):
        return [path]
    out = []
    for top, dirs, files in os.walk(full):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not d.startswith(SKIP_DIRS))
        rel = os.path.relpath(top, cwd) if not os.path.isabs(path) else top
        out.extend(os.path.normpath(os.path.join(rel, f))
                   for f in sorted(files) if f.endswith(C_SUFFIXES))
    if not out:
        raise InputError(path, "no C files (.c, .h) in this directory")
    return out


def _read_c(path: str, cwd: str) -> str:
    from . import limits
    from .inputs.reader import read_file, size_text

    data = read_file(os.path.join(cwd, path), limits.MAX_INPUT_BYTES + 1, shown=path)
    if len(data) > limits.MAX_INPUT_BYTES:
        raise InputError(path, f"C file too large (over {size_text(limits.MAX_INPUT_BYTES)})")
    if b"\0" in data[:8192]:
        raise InputError(path, "binary file, not C source")
    return data.decode("utf-8", "surrogateescape")


def _files_job(paths: list[str], opts: CheckOptions, cwd: str) -> Job:
    from .code.whole import file_views
    from .inputs.series import Series
    from .progress import Progress

    files = []
    for p in paths:
        for f in _c_files(p, cwd):
            if f not in files:
                files.append(f)
    views = []
    bar = Progress(len(files), "checking", opts.progress)
    for f in files:
        views.append(file_views(f, _read_c(f, cwd)))
        bar.step(f)
    bar.close()
    return Job(series=Series(inputs=list(paths)), views=views, mode="files")
