#!/usr/bin/env python3
"""Hostile inputs (issue #12): time and peak memory of `cprlint check` on
each, as a whole process.  Nothing here asserts; the figures are read by
people.  Targets: every input up to 1 MB in under 2 s, exit 0/1/2 and never
"internal error"; a 64 MB mbox under 200 MB peak memory.

    python bench/hostile.py                 # every case
    python bench/hostile.py -k nested       # cases whose name contains 'nested'
    python bench/hostile.py --mbox-mb 64    # also the big-mbox case (slow)
    python bench/hostile.py --write DIR     # only write the inputs to DIR
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATCH = (ROOT / "tests" / "fixtures" / "series" / "one-patch.patch").read_text()

HEAD = """From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada Lovelace <ada@example.org>
Date: Sat, 20 Jun 2026 10:01:00 +0200
Subject: {subject}

Signed-off-by: Ada Lovelace <ada@example.org>
---
diff --git a/migration/migration.c b/migration/migration.c
--- a/migration/migration.c
+++ b/migration/migration.c
"""


def mail(added: list[str], section: str = "static void f(void)",
         subject: str = "[PATCH] migration: a hostile patch") -> str:
    body = [f"@@ -10,3 +10,{3 + len(added)} @@ {section}", " {", "     int x = 0;"]
    body += ["+" + a for a in added]
    body += [" }"]
    return HEAD.format(subject=subject) + "\n".join(body) + "\n-- \n2.47.1\n"


def folded_header(kb: int) -> str:
    fold = "\n ".join("=?utf-8?q?abc?=" for _ in range(kb * 1024 // 17))
    text = mail(["    return;"])
    return text.replace("Subject: [PATCH]", "Subject: [PATCH] " + fold, 1)


def mime_folded_header(kb: int) -> str:
    text = folded_header(kb)
    return text.replace("Signed-off-by", "MIME-Version: 1.0\nContent-Type: text/plain; "
                        "charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                        "Signed-off-by", 1).replace("Date: Sat", "Date: Sat", 1)


def big_mbox(mb: int) -> str:
    """Real-shaped: the sample patch repeated, numbered k/n."""
    n = mb * 1024 * 1024 // len(PATCH) + 1
    out = []
    for k in range(1, n + 1):
        out.append(PATCH.replace("Subject: [PATCH]", f"Subject: [PATCH {k}/{n}]", 1))
    return "".join(out)


def cases(mbox_mb: int) -> dict[str, str]:
    c = {
        "section-20k": mail(["    return;"], section="a" * 20_000),
        "section-spaces-20k": mail(["    return;"], section="int f(" + " " * 20_000),
        "added-30k-block-activate": mail(["migration_block_activate(" + " x" * 15_000]),
        "added-30k-block-activate-parens": mail(["if (migration_block_activate(" * 1000]),
        "nested-if-100k": mail(["if (" * 25_000]),
        "open-brace-300k": mail(["{" * 300_000]),
        "close-brace-300k": mail(["}" * 300_000]),
        "nested-calls-100k": mail(["f(" * 50_000 + ")" * 50_000 + ";"]),
        "nested-parens-lines": mail(["(" for _ in range(50_000)]),
        "folded-header-60k": folded_header(60),
        "mime-folded-header-60k": mime_folded_header(60),
        "comment-1m": mail(["/* " + "we used to " * 90_000 + "*/"]),
        "comment-words-1m": mail(["/* we " + "early " * 150_000 + " */"]),
        "long-line-1m": mail(["x" * 1_000_000]),
        "spaces-1m": mail([" " * 1_000_000]),
        "many-lines-1m": mail(["    x = y + z;"] * 70_000),
        "many-hunks-1m": HEAD.format(subject="[PATCH] x") + "".join(
            f"@@ -{i},1 +{i},2 @@ void f{i}(void)\n ctx\n+    vm_resume(s);\n"
            for i in range(1, 25_000)),
        "else-if-lines": mail(["} else if (x) {"] * 60_000),
        "call-lines": mail(["f("] * 200_000),
        "escape-subject": mail(["    vm_resume(s->vm_old_state);"],
                               subject="[PATCH] \x1b[2J\x1b]52;c;AAAA\x07 evil"),
        "comment-diagram-1m": mail(["/* " + "cpu0   cpu1   " * 70_000 + "*/"]),
        "at-signs-1m": mail(["/* " + "a@b." * 250_000 + " */"]),
    }
    if mbox_mb:
        c[f"mbox-{mbox_mb}MB"] = big_mbox(mbox_mb)
    return c


def run(path: Path, timeout: float) -> tuple[str, float, int, str]:
    exe = Path(sys.executable).with_name("cprlint")
    cmd = [str(exe) if exe.exists() else sys.executable, "check", "--isolated", str(path)]
    if not exe.exists():
        cmd[1:1] = ["-m", "cprlint"]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                return "TIMEOUT", time.perf_counter() - t0, 0, ""
            time.sleep(0.02)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        stderr = errf.read().decode(errors="replace")
    err = stderr.strip().splitlines()
    last = err[-1][:100] if err else ""
    code = str(p.returncode)
    if "internal error" in stderr:
        code += " INTERNAL"
    return code, dt, usage.ru_maxrss, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="")
    ap.add_argument("--mbox-mb", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--write", metavar="DIR")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.write or tmp)
        out.mkdir(parents=True, exist_ok=True)
        for name, text in cases(args.mbox_mb).items():
            if args.k not in name:
                continue
            path = out / f"{name}.patch"
            path.write_text(text, encoding="utf-8")
            if args.write:
                continue
            status, dt, rss, last = run(path, args.timeout)
            size = os.path.getsize(path)
            mem = f"{rss / 1024:.0f} MB" if rss > 0 else "  (=)"
            print(f"{name:32} {size / 1024:8.0f} kB  exit {status:12} {dt:7.2f} s  {mem:>7}"
                  f"  {last}", flush=True)


if __name__ == "__main__":
    main()
