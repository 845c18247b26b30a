#!/usr/bin/env python3
"""Fuzz `cprlint check` in-process for as long as you like (issue #12).

    python bench/fuzz.py [--examples N] [--slow SECONDS] [--out DIR]

The strategies are tests/fuzz_inputs.py's (token soup in a well-formed mail,
byte-edited fixtures, raw bytes).  Each input must end in exit 0/1/2 with
clean text and email output; the first one that raises (an internal error)
is shrunk by hypothesis and written to DIR (default /tmp/cprlint-fuzz).
Inputs slower than --slow seconds are written there too and listed.  Copy
what it finds into tests/fixtures/fuzz/ once fixed: test_fuzz.py replays
every file there.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--slow", type=float, default=2.0)
    ap.add_argument("--out", default="/tmp/cprlint-fuzz")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from hypothesis import HealthCheck, given, settings

    from fuzz_inputs import any_input, check_one

    stats = {"n": 0, "codes": {}, "slow": 0, "worst": 0.0}

    def save(data: bytes, kind: str) -> Path:
        path = out / f"{kind}-{hashlib.sha1(data).hexdigest()[:12]}.patch"
        path.write_bytes(data)
        return path

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(any_input)
    def run(data):
        t0 = time.perf_counter()
        try:
            code = max(check_one(data, "text"), check_one(data, "email"))
        except BaseException:
            save(data, "crash")
            raise
        dt = time.perf_counter() - t0
        stats["n"] += 1
        stats["codes"][code] = stats["codes"].get(code, 0) + 1
        stats["worst"] = max(stats["worst"], dt)
        if dt > args.slow:
            stats["slow"] += 1
            print(f"slow: {dt:.1f} s, {len(data)} bytes -> {save(data, 'slow')}", flush=True)

    try:
        run()
    finally:
        print(f"{stats['n']} inputs, exit codes {stats['codes']}, {stats['slow']} slower than "
              f"{args.slow:g} s, worst {stats['worst']:.2f} s; files in {out}")


if __name__ == "__main__":
    main()
