#!/usr/bin/env python3
"""Time `cprlint check` as a user runs it: a whole process, median of N runs.

    python bench/bench.py [--runs N]

Prints one line per case.  Targets (issue #2): a one-patch check well under
100 ms on a 2-core machine.  Nothing here asserts: the figures are read by
people and quoted in notes, never turned into a timed test.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    opts = ap.parse_args()
    cases = [
        ("one patch (.patch from git format-patch)", [str(FIXTURES / "series" / "one-patch.patch")]),
        ("fixture series v1 (cover + 3 patches)", [str(FIXTURES / "series" / "cpr-stop-v1.mbox")]),
        ("fixture series v2 (clean)", [str(FIXTURES / "series" / "cpr-stop-v2.mbox")]),
    ]
    seed = ROOT.parent / "shared" / "seeds" / "000_3079a1e009a6164a.txt"
    if seed.exists():
        cases.append(("seed review (quoted, wrapped)", [str(seed)]))
    print(f"cprlint benchmark: {os.cpu_count()} cores, {opts.runs} runs each, whole process")
    print(f"  {'python -c pass (floor)':<42} median {python_floor(opts.runs):7.1f} ms", flush=True)
    for label, args in cases:
        med, best, rc = time_case(args, opts.runs)
        print(f"  {label:<42} median {med:7.1f} ms   best {best:7.1f} ms   exit {rc}")


if __name__ == "__main__":
    main()
