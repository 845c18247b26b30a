#!/usr/bin/env python3
"""Time `cprlint check` as a user runs it: a whole process, median of N runs.

    python bench/bench.py [--runs N] [--qemu DIR [--range A..B]]

Prints one line per case.  Targets (issue #2): a one-patch check well under
100 ms on a 2-core machine; (issue #3) a whole 3,900-line file well under
200 ms and a 30-patch series on a base tree under 1 s (both generated here,
in a temporary directory, from the fixture tree).  Nothing here asserts: the figures are read by
people and quoted in notes, never turned into a timed test.

With ``--qemu DIR`` (a QEMU checkout) one more row: ``cprlint check --git
A..B`` in DIR against ``scripts/checkpatch.pl A..B`` from that same tree
(issue #10: no slower than checkpatch on a 278-commit range), wall time and
CPU time of each whole process tree, ``--range-runs`` runs each (default 3),
interleaved so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def cprlint_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("cprlint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]


def time_case(args: list[str], runs: int) -> tuple[float, float, int]:
    cmd = cprlint_cmd() + ["check"] + args
    samples = []
    rc = None
    for _ in range(runs + 1):           # one warm-up run for the page cache
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(args)} failed ({proc.returncode}): "
                     f"{proc.stderr.decode(errors='replace').strip()}")
        rc = proc.returncode
    samples = samples[1:]
    return statistics.median(samples) * 1000, min(samples) * 1000, rc


def python_floor(runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"])
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def big_file(lines: int = 3900) -> str:
    """A migration.c-sized file: the fixture tree's functions, renamed, repeated."""
    import re

    tree = FIXTURES / "tree" / "migration"
    body = []
    for name in ("migration.c", "cpr.c"):
        text = (tree / name).read_text()
        body.append(text[text.index("\n\n", text.index("#include")):])
    unit = "".join(body)
    names = sorted(set(re.findall(r"^\w[\w *]*?\b(\w+)\(", unit, re.M)), key=len, reverse=True)
    out = ["/* generated for the cprlint benchmark */\n#include \"qemu/osdep.h\"\n"]
    k = 0
    while sum(s.count("\n") for s in out) < lines:
        part = unit
        for n in names:
            part = re.sub(rf"\b{n}\b", f"{n}_{k}", part)
        out.append(part)
        k += 1
    return "".join(out)


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@example.org",
               GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@example.org",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout


def full_context_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """(a) one big file checked as it is; (b) a 30-patch series on a base tree."""
    import re
    import shutil

    big = big_file()
    files_dir = tmp / "files" / "migration"
    files_dir.mkdir(parents=True)
    (files_dir / "migration.c").write_text(big)
    n_lines = big.count("\n")

    repo = tmp / "repo"
    shutil.copytree(FIXTURES / "tree", repo)
    (repo / "migration" / "migration.c").write_text(big)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = tmp / "base"
    shutil.copytree(repo, base, ignore=shutil.ignore_patterns(".git"))
    for i in range(30):
        path = repo / "migration" / ("migration.c" if i % 3 else "cpr.c")
        text = path.read_text()
        calls = [m.start() for m in re.finditer(r"\n    trace_\w+\([^;]*\);\n", text)]
        at = calls[(i * 7) % len(calls)] + 1
        text = text[:at] + f"    trace_bench_step_{i}(s, {i});\n" + text[at:]
        path.write_text(text)
        git(repo, "commit", "-q", "-a", "-m",
            f"migration: bench step {i}\n\nSigned-off-by: B <b@example.org>")
    mbox = tmp / "series30.mbox"
    mbox.write_text(git(repo, "format-patch", "--stdout", "--numbered", "HEAD~30..HEAD"))
    return [
        (f"whole file, {n_lines} lines (files mode)", [str(files_dir / "migration.c")]),
        ("30-patch series on a base tree (--source)", [str(mbox), "--source", str(base)]),
    ]


def _timed(cmd: list[str], cwd: str) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process and its children, e.g. git) of one run."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return wall, cpu, proc.returncode


def range_rows(qemu: str, rev_range: str, runs: int) -> None:
    count = subprocess.run(["git", "rev-list", "--count", "--no-merges", rev_range], cwd=qemu,
                           capture_output=True, text=True, check=True).stdout.strip()
    tip = subprocess.run(["git", "log", "-1", "--format=%h %cs", rev_range.split("..")[1] or "HEAD"],
                         cwd=qemu, capture_output=True, text=True, check=True).stdout.strip()
    ours = cprlint_cmd() + ["check", "--isolated", "--no-progress", "--git", rev_range]
    theirs = ["perl", "scripts/checkpatch.pl", "-q", rev_range]
    res: dict[str, list] = {"cprlint --git": [], "checkpatch.pl": []}
    for _ in range(runs):
        for name, cmd in (("cprlint --git", ours), ("checkpatch.pl", theirs)):
            res[name].append(_timed(cmd, qemu))
    print(f"  {rev_range} in {qemu} (tip {tip}): {count} commits without merges")
    for name, rows in res.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        print(f"  {name:<42} median wall {wall:6.1f} s   cpu {cpu:6.1f} s   exit {rows[-1][2]}")


def ensure_bytecode() -> str:
    """Compile the installed cprlint to bytecode, as `pip install` does.

    An editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise
    recompile every module on every run (~30 ms here), which no user of a
    normal install pays."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("cprlint")
    if spec is None or not spec.submodule_search_locations:
        return "cprlint not importable from this Python"
    pkg = list(spec.submodule_search_locations)[0]
    ok = compileall.compile_dir(pkg, quiet=1)
    return f"bytecode {'ready' if ok else 'NOT compiled'} for {pkg}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--qemu", help="a QEMU checkout: also time --git over --range vs checkpatch.pl")
    ap.add_argument("--range", default="HEAD~20..HEAD", help="the range for --qemu")
    ap.add_argument("--range-runs", type=int, default=3)
    ap.add_argument("--only-range", action="store_true", help="only the --qemu row")
    opts = ap.parse_args()
    if opts.only_range:
        if not opts.qemu:
            sys.exit("bench: --only-range needs --qemu DIR")
        range_rows(opts.qemu, opts.range, opts.range_runs)
        return
    print(f"cprlint benchmark: {ensure_bytecode()}")
    cases = [
        ("one patch (.patch from git format-patch)", [str(FIXTURES / "series" / "one-patch.patch")]),
        ("fixture series v1 (cover + 3 patches)", [str(FIXTURES / "series" / "cpr-stop-v1.mbox")]),
        ("fixture series v2 (clean)", [str(FIXTURES / "series" / "cpr-stop-v2.mbox")]),
    ]
    seed = ROOT.parent / "shared" / "seeds" / "000_3079a1e009a6164a.txt"
    if seed.exists():
        cases.append(("seed review (quoted, wrapped)", [str(seed)]))
    import tempfile

    tmp = tempfile.TemporaryDirectory(prefix="cprlint-bench-")
    cases += full_context_cases(Path(tmp.name))
    print(f"  {os.cpu_count()} cores, {opts.runs} runs each, whole process")
    print(f"  {'python -c pass (floor)':<42} median {python_floor(opts.runs):7.1f} ms", flush=True)
    for label, args in cases:
        med, best, rc = time_case(args, opts.runs)
        print(f"  {label:<42} median {med:7.1f} ms   best {best:7.1f} ms   exit {rc}")
    if opts.qemu:
        range_rows(opts.qemu, opts.range, opts.range_runs)


if __name__ == "__main__":
    main()
