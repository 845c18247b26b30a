#!/usr/bin/env python3
"""cprlint against QEMU's checkpatch.pl on real QEMU inputs, paired runs.

    python bench/qemu.py --qemu /path/to/qemu/.git [--runs 7] [--work DIR]

Everything is taken from the QEMU git directory given (bare or not; nothing
is copied into this repository): one upstream commit, two posted series
(branches of a qemu-devel mirror, named after the cover Message-ID), the
last N upstream commits that touch migration code, and migration/migration.c
at the reference revision.  The paired peer is scripts/checkpatch.pl from
that same revision (``--no-tree -q``; ``-f`` for a file).

Each row runs its two commands alternately (A B, B A, ...) after one warm-up
each, and prints the median wall time of ``--runs`` runs of each, their
ratio (below 1: cprlint is faster) and cprlint's peak RSS.  Full context
rows compare ``--source`` (the series' base tree, from ``git archive``)
with hunk mode; the last lines give the per-patch slope of both modes.
The default inputs are all posted or committed up to 2025-09-30.

``--only srcwide`` adds (and runs only) a row the default leaves out for its
cost: upstream commit 12d1a768bdfe, a tree-wide change of 1,121 files,
with ``--source`` against hunk mode.

``--findings DIR`` also writes cprlint's JSON findings of every input
(those of ``--only`` when given) there, to compare findings before and
after a change.  Nothing here
asserts: figures are read by people.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

# reference revision: the last upstream (first-parent) commit up to this date
REF_DATE = "2025-09-30T23:59:59"
ONE_PATCH = "d657a14de5"        # migration: Fix UAF for incoming migration on MigrationState
SERIES_8 = "20250207195359.17443-1-farosas@suse.de"      # 8 patches, Feb 2025
SERIES_25 = "20250110121413.12336-1-farosas@suse.de"     # 25 patches, Jan 2025
COMMIT_PATHS = ["migration/", "include/migration/", "hw/vfio/"]
# one upstream commit touching 1,121 files (a tree-wide change of a callback
# signature), 2025-02: the full-context worst case of the development slice
WIDE = "12d1a768bdfe"
FILE = "migration/migration.c"

BARE_PARSE = """
import sys
from tree_sitter import Language, Parser
import tree_sitter_c
data = open(sys.argv[1], 'rb').read()
Parser(Language(tree_sitter_c.language())).parse(data)
"""


def git(gitdir: str, *args: str, out: Path | None = None) -> str:
    cmd = ["git", "--git-dir", gitdir, *args]
    if out is not None:
        with open(out, "wb") as f:
            subprocess.run(cmd, check=True, stdout=f)
        return ""
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def archive(gitdir: str, rev: str, dest: Path, paths: list[str] | None = None) -> Path:
    """The tree of ``rev`` under ``dest`` (made once, reused)."""
    if (dest / ".done").exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    tar = dest.with_suffix(".tar")
    git(gitdir, "archive", "--format=tar", rev, *(paths or []), out=tar)
    with tarfile.open(tar) as t:
        t.extractall(dest, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(dest)
    tar.unlink()
    (dest / ".done").write_text(rev)
    return dest


def format_patch(gitdir: str, args: list[str], out: Path) -> int:
    if not out.exists():
        git(gitdir, "-c", "diff.noprefix=false", "format-patch", "--stdout", "--numbered",
            "--no-signature", *args, out=out)
    return out.read_bytes().count(b"\nSubject: [PATCH")


class Inputs:
    def __init__(self, gitdir: str, work: Path, n_commits: int):
        self.gitdir, self.work = gitdir, work
        work.mkdir(parents=True, exist_ok=True)
        g = lambda *a: git(gitdir, *a)       # noqa: E731
        self.ref = g("rev-list", "-1", "--first-parent", f"--before={REF_DATE}", "master^")
        self.ref_tree = archive(gitdir, self.ref, work / f"tree-{self.ref[:12]}")
        self.checkpatch = self.ref_tree / "scripts" / "checkpatch.pl"
        self.file = self.ref_tree / FILE
        self.one = work / "one.patch"
        format_patch(gitdir, ["-1", ONE_PATCH], self.one)
        self.series = {}
        for label, br in (("8", SERIES_8), ("25", SERIES_25)):
            base = g("merge-base", br, "master")
            mbox = work / f"series{label}.mbox"
            n = format_patch(gitdir, [f"{base}..{br}"], mbox)
            self.series[label] = (mbox, n, archive(gitdir, base, work / f"tree-{base[:12]}"))
        revs = g("rev-list", "--no-merges", f"-{n_commits}", self.ref, "--",
                 *COMMIT_PATHS).split()
        oldest = revs[-1]
        base = g("rev-parse", oldest + "^")
        mbox = work / f"commits{n_commits}.mbox"
        if not mbox.exists():
            # oldest first, each diff limited to the paths (format-patch -N takes the last N)
            format_patch(gitdir, [f"-{n_commits}", self.ref, "--", *COMMIT_PATHS], mbox)
        n = mbox.read_bytes().count(b"\nSubject: [PATCH")
        self.commits = (mbox, n, archive(gitdir, base, work / f"tree-{base[:12]}"))

    def wide(self):
        """(mbox, files it touches, base tree) of the tree-wide commit (made
        only when its row is asked for: the tree is 160 MB)."""
        mbox = self.work / f"wide-{WIDE}.mbox"
        format_patch(self.gitdir, ["-1", WIDE], mbox)
        base = git(self.gitdir, "rev-parse", WIDE + "^")
        files = mbox.read_bytes().count(b"\ndiff --git ")
        return mbox, files, archive(self.gitdir, base, self.work / f"tree-{base[:12]}")


def ensure_bytecode(cprlint: str) -> str:
    """Compile cprlint and its venv's packages to bytecode, as ``pip
    install`` does: an editable install under PYTHONDONTWRITEBYTECODE=1
    would otherwise compile typer and cprlint from source on every run
    (~0.2 s), which no user of a normal install pays."""
    python = Path(cprlint).with_name("python")
    code = ("import compileall, importlib.util, sysconfig\n"
            "compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=1)\n"
            "spec = importlib.util.find_spec('cprlint')\n"
            "compileall.compile_dir(list(spec.submodule_search_locations)[0], quiet=1)\n")
    p = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return "bytecode ready" if p.returncode == 0 else f"bytecode NOT compiled: {p.stderr[-200:]}"


def run_once(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of one whole process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read()
    p.stderr.close()
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} exited {p.returncode}: "
                 f"{err.decode(errors='replace').strip()[-300:]}")
    return dt, ru.ru_maxrss, p.returncode


def paired(a: list[str], b: list[str], runs: int, cwd: Path):
    """Median seconds of a and b (alternating), and a's max peak RSS (KiB)."""
    ta, tb, rss = [], [], 0
    run_once(a, cwd)
    run_once(b, cwd)
    for i in range(runs):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for cmd, acc in order:
            dt, peak, _ = run_once(cmd, cwd)
            acc.append(dt)
            if cmd is a:
                rss = max(rss, peak)
    return statistics.median(ta), statistics.median(tb), rss


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares seconds per patch."""
    n = len(points)
    mx = sum(p for p, _ in points) / n
    my = sum(t for _, t in points) / n
    num = sum((p - mx) * (t - my) for p, t in points)
    den = sum((p - mx) ** 2 for p, _ in points)
    return num / den if den else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qemu", required=True, help="QEMU git directory (bare mirror or .git)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--work", default="/tmp/cprlint-qemu-bench",
                    help="where inputs and trees are prepared (reused between runs)")
    ap.add_argument("--cprlint", default=str(Path(sys.executable).with_name("cprlint")))
    ap.add_argument("--only", default="", help="comma-separated row keys: "
                    "one,s8,s25,commits,file,parse,src25,src8,srccommits; and srcwide "
                    f"(the {WIDE} tree-wide commit, --source vs hunk mode: minutes, "
                    "so only when asked for)")
    ap.add_argument("--findings", help="write cprlint's JSON findings of each input here")
    opts = ap.parse_args()

    print(ensure_bytecode(opts.cprlint), flush=True)
    work = Path(opts.work).resolve()
    inp = Inputs(os.path.abspath(opts.qemu), work, opts.commits)
    cwd = work                                   # outside any git checkout
    cl = [opts.cprlint, "check", "--isolated"]
    cp = ["perl", str(inp.checkpatch), "--no-tree", "-q"]
    m8, n8, t8 = inp.series["8"]
    m25, n25, t25 = inp.series["25"]
    mc, nc, tc = inp.commits

    only = set(filter(None, opts.only.split(",")))
    wide = inp.wide() if "srcwide" in only else None
    if opts.findings:
        out = Path(opts.findings)
        out.mkdir(parents=True, exist_ok=True)
        inputs = [("one", [str(inp.one)]), ("s8", [str(m8)]), ("s25", [str(m25)]),
                  ("commits", [str(mc)]), ("file", [str(inp.file)]),
                  ("src8", ["--source", str(t8), str(m8)]),
                  ("src25", ["--source", str(t25), str(m25)]),
                  ("srccommits", ["--source", str(tc), str(mc)])]
        if wide:
            inputs.append(("srcwide", ["--source", str(wide[2]), str(wide[0])]))
        for key, args in inputs:
            if only and key not in only:
                continue
            p = subprocess.run(cl + ["--format", "json", *args], cwd=cwd, capture_output=True)
            data = json.loads(p.stdout)
            (out / f"{key}.json").write_text(json.dumps(data, indent=1, sort_keys=True))
            print(f"{key}: {len(data['findings'])} findings", flush=True)
        return

    rows = [
        ("one", f"one upstream patch ({ONE_PATCH})", cl + [str(inp.one)], cp + [str(inp.one)],
         "checkpatch"),
        ("s8", f"{n8}-patch series (Feb 2025)", cl + [str(m8)], cp + [str(m8)], "checkpatch"),
        ("s25", f"{n25}-patch series (Jan 2025)", cl + [str(m25)], cp + [str(m25)], "checkpatch"),
        ("commits", f"{nc} upstream migration commits", cl + [str(mc)], cp + [str(mc)],
         "checkpatch"),
        ("file", f"{FILE}, files mode vs checkpatch -f", cl + [str(inp.file)],
         cp + ["-f", str(inp.file)], "checkpatch"),
        ("parse", f"{FILE} vs a bare tree-sitter parse", cl + [str(inp.file)],
         [sys.executable, "-c", BARE_PARSE, str(inp.file)], "bare parse"),
        ("src8", f"{n8}-patch series, --source vs hunk mode", cl + ["--source", str(t8), str(m8)],
         cl + [str(m8)], "hunk mode"),
        ("src25", f"{n25}-patch series, --source vs hunk mode",
         cl + ["--source", str(t25), str(m25)], cl + [str(m25)], "hunk mode"),
        ("srccommits", f"{nc} commits, --source vs hunk mode",
         cl + ["--source", str(tc), str(mc)], cl + [str(mc)], "hunk mode"),
    ]
    if wide:
        rows.append(("srcwide", f"{WIDE} ({wide[1]} files), --source vs hunk mode",
                     cl + ["--source", str(wide[2]), str(wide[0])], cl + [str(wide[0])],
                     "hunk mode"))
    print(f"reference {inp.ref[:12]} (checkpatch.pl, {FILE}); {os.cpu_count()} cores; "
          f"median of {opts.runs} alternating runs, whole processes")
    print(f"| input | cprlint | peer | peer time | ratio | cprlint peak RSS |")
    print(f"|---|---|---|---|---|---|")
    got = {}
    for key, label, a, b, peer in rows:
        if only and key not in only:
            continue
        ta, tb, rss = paired(a, b, opts.runs, cwd)
        got[key] = (ta, tb)
        print(f"| {label} | {ta * 1000:.0f} ms | {peer} | {tb * 1000:.0f} ms | "
              f"{ta / tb:.2f} | {rss / 1024:.0f} MiB |", flush=True)
    src = [(n, got[k][0]) for n, k in ((n8, "src8"), (n25, "src25"), (nc, "srccommits"))
           if k in got]
    hunk = [(n, got[k][1]) for n, k in ((n8, "src8"), (n25, "src25"), (nc, "srccommits"))
            if k in got]
    if len(src) >= 2:
        print(f"\nper-patch slope: --source {slope(src) * 1000:.1f} ms/patch, "
              f"hunk mode {slope(hunk) * 1000:.1f} ms/patch "
              f"(least squares over {', '.join(str(n) for n, _ in src)} patches)")


if __name__ == "__main__":
    main()
