#!/usr/bin/env python3
"""The real-world check: cprlint over real qemu-devel series and upstream commits.

Like ruff's ecosystem check, but for QEMU migration patches.  The input is a
QEMU git directory (bare is fine) holding upstream history on ``master`` and
one branch per posted series, named after its cover Message-ID -- the public
GitHub snapshot ``pbo-linaro/qemu-ci`` is exactly that.  Nothing here needs
the network, and nothing here is part of the test suite.

    python bench/realworld.py run --repo QEMU.git --out /tmp/rw
    python bench/realworld.py report --out /tmp/rw
    python bench/realworld.py untriaged --out /tmp/rw [--rule MIG001] [--tsv]

``run`` selects the series posted in ``--since..--until`` (author date of the
series' last patch) that touch ``--paths``, finds each series' upstream base
(where its branch leaves ``master``), builds the mbox with
``git format-patch --stdout -n`` and runs ``cprlint check --format json`` on
it twice: in hunk mode and with ``--source`` on the base tree (a checkout per
worker, moved from base to base in date order).  It does the same for every
upstream commit in ``--commits-since..--commits-until`` that touches
``--commit-paths``, each commit as a one-patch series on its parent.  All
findings go to ``OUT/findings.jsonl``.

``report`` compares the findings with the triage kept in the repo
(``bench/triage/RULE.tsv``: fingerprint, verdict TRUE/FALSE/DEBATABLE, a
one-line reason, where) and prints precision per rule and mode, findings per
50 upstream commits, untriaged findings and triaged ones that disappeared.

Development slice: series posted up to 2025-09-30, commits 2025-01-01 ..
2025-09-30.  Later series are the evaluation slice; ``run`` refuses dates
past 2025-09-30 unless ``--evaluation`` is given, so nobody tunes on them by
accident.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRIAGE_DIR = ROOT / "bench" / "triage"
DEV_END = "2025-09-30"
SERIES_PATHS = ("migration/", "include/migration/", "hw/vfio/", "hw/net/vhost",
                "hw/virtio/vhost")
COMMIT_PATHS = ("migration/", "include/migration/")
NOT_SERIES = {"ci", "master", "upstream"}
MAX_PATCHES = 80
VERDICTS = ("TRUE", "FALSE", "DEBATABLE")


# --------------------------------------------------------------- fingerprints

def _norm(text: str | None) -> str:
    text = re.sub(r"\s+", " ", (text or "").strip().lower())
    return text.rstrip(".")


def fingerprints(findings: list[dict]) -> list[str]:
    """A finding's identity across runs: never its line number or wording.

    rule, file, function, the patch's subject and the flagged source line
    (whitespace-normalised), plus an occurrence counter for identical keys
    in one patch.  The same mistake in v1 and v2 of a series has the same
    fingerprint, so one verdict covers both; the hunk-mode and --source runs
    share verdicts too.
    """
    seen: collections.Counter = collections.Counter()
    out = []
    for f in findings:
        patch = f.get("patch") or {}
        key = "\0".join([f.get("rule", ""), f.get("file") or "", f.get("function") or "",
                         _norm(patch.get("subject")), _norm(f.get("source"))])
        seen[key] += 1
        digest = hashlib.sha1(f"{key}\0{seen[key]}".encode()).hexdigest()[:16]
        out.append(digest)
    return out


# ------------------------------------------------------------------------ git

class Git:
    def __init__(self, repo: Path):
        self.repo = repo

    def run(self, *args: str, text: bool = True, check: bool = True) -> str | bytes:
        proc = subprocess.run(["git", "--git-dir", str(self.repo), *args],
                              capture_output=True, text=text, check=False,
                              errors="replace" if text else None)
        if check and proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args[:3])}: {proc.stderr.strip()[:300]}")
        return proc.stdout


def _day(value: str) -> float:
    return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp()


def _touches(files: list[str], prefixes: tuple[str, ...]) -> bool:
    return any(f.startswith(p) for f in files for p in prefixes)


def select_series(git: Git, since: str, until: str, paths: tuple[str, ...]) -> list[dict]:
    lo, hi = _day(since), _day(until) + 86400
    tips = {}
    for line in git.run("for-each-ref", "--format=%(refname:short)%00%(objectname)%00"
                        "%(authordate:unix)", "refs/heads").splitlines():
        name, sha, when = line.split("\0")
        if name in NOT_SERIES or name.endswith("_ci") or not when:
            continue
        if lo <= int(when) < hi:
            tips[name] = sha
    if not tips:
        return []
    # One walk over every selected branch, stopping at upstream: parents,
    # subjects and touched files of each commit not on master.
    log = git.run("log", "--format=%x00%H %P%x01%s", "--name-only", *sorted(set(tips.values())),
                  "--not", "refs/heads/master", "--")
    commits = {}
    for block in log.split("\0")[1:]:
        head, _, rest = block.partition("\x01")
        shas = head.split()
        subject, _, files = rest.partition("\n")
        commits[shas[0]] = (shas[1:], [f for f in files.split("\n") if f.strip()])
    series = []
    for name, tip in sorted(tips.items()):
        chain, sha, ok = [], tip, True
        while sha in commits:
            parents, _ = commits[sha]
            if len(parents) != 1:
                ok = False      # a merge in the series: not a posted patch series
                break
            chain.append(sha)
            sha = parents[0]
            if len(chain) > MAX_PATCHES:
                ok = False
                break
        if not ok or not chain:
            continue
        files = [f for c in chain for f in commits[c][1]]
        if not _touches(files, paths):
            continue
        series.append({"kind": "series", "id": name, "base": sha, "tip": tip,
                       "patches": len(chain)})
    return series


def select_commits(git: Git, since: str, until: str, paths: tuple[str, ...]) -> list[dict]:
    out = git.run("log", "--no-merges", "--format=%H %P", f"--since={since}T00:00:00Z",
                  f"--until={until}T23:59:59Z", "refs/heads/master", "--", *[p.rstrip("/") for p in paths])
    items = []
    for line in out.splitlines():
        sha, *parents = line.split()
        if len(parents) == 1:
            items.append({"kind": "commit", "id": sha[:12], "base": parents[0], "tip": sha,
                          "patches": 1})
    return items


# --------------------------------------------------------------------- worker

class Worker:
    """One checkout of the QEMU tree, moved from base to base."""

    def __init__(self, git: Git, cache: Path, index: int, cprlint: list[str],
                 select: list[str], modes: list[str], timeout: int):
        self.git, self.cprlint, self.select = git, cprlint, select
        self.modes, self.timeout = modes, timeout
        self.tree = cache / f"tree{index}"
        self.scratch = Path(tempfile.mkdtemp(prefix=f"rw{index}-"))
        if "source" in modes and not (self.tree / ".git").exists():
            if self.tree.exists():
                shutil.rmtree(self.tree)
            subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout",
                            str(git.repo), str(self.tree)], check=True)

    def checkout(self, sha: str) -> None:
        subprocess.run(["git", "-C", str(self.tree), "checkout", "-q", "-f", "--detach", sha],
                       check=True, capture_output=True)
        subprocess.run(["git", "-C", str(self.tree), "clean", "-qfdx"], check=True,
                       capture_output=True)

    def mbox(self, item: dict) -> Path:
        path = self.scratch / "series.mbox"
        data = self.git.run("format-patch", "--stdout", "-n", "--no-signature",
                            f"{item['base']}..{item['tip']}", text=False)
        path.write_bytes(data)
        return path

    def check(self, mbox: Path, source: Path | None) -> tuple[int, dict | None, str]:
        cmd = [*self.cprlint, "check", "--format", "json", "--isolated", "--no-progress"]
        if self.select:
            cmd += ["--select", ",".join(self.select)]
        if source is not None:
            cmd += ["--source", str(source)]
        cmd.append(str(mbox))
        env = dict(os.environ, NO_COLOR="1")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=self.scratch,
                                  timeout=self.timeout, env=env, errors="replace")
        except subprocess.TimeoutExpired:
            return -1, None, f"timeout after {self.timeout} s"
        if proc.returncode in (0, 1):
            try:
                return proc.returncode, json.loads(proc.stdout), proc.stderr
            except json.JSONDecodeError as exc:
                return -2, None, f"bad JSON: {exc}"
        return proc.returncode, None, proc.stderr.strip()[-400:]

    def process(self, item: dict) -> list[dict]:
        records = []
        mbox = self.mbox(item)
        for mode in self.modes:
            source = None
            if mode == "source":
                self.checkout(item["base"])
                source = self.tree
            rc, doc, err = self.check(mbox, source)
            base = {"kind": item["kind"], "id": item["id"], "mode": mode,
                    "patches": item["patches"], "base": item["base"], "tip": item["tip"]}
            if doc is None:
                records.append({**base, "error": err, "rc": rc})
                continue
            found = doc.get("findings", [])
            for f in found:     # a finding on the message is located by the mbox, a temp file
                if f.get("file") == str(mbox):
                    f["file"] = "<message>"
            records.append({**base, "rc": rc, "findings": len(found)})
            for f, fp in zip(found, fingerprints(found)):
                patch = f.get("patch") or {}
                records.append({**base, "fingerprint": fp, "rule": f.get("rule"),
                                "severity": f.get("severity"), "file": f.get("file"),
                                "line": f.get("line"), "function": f.get("function"),
                                "patch_index": patch.get("index"),
                                "patch_total": patch.get("total"),
                                "subject": patch.get("subject"),
                                "message": f.get("message"), "source": f.get("source")})
        return records


def cmd_run(args) -> int:
    for label, value in (("--until", args.until), ("--commits-until", args.commits_until)):
        if value > DEV_END and not args.evaluation:
            sys.exit(f"realworld: {label} {value} is in the evaluation slice (after {DEV_END}); "
                     "pass --evaluation to run it, and do not tune rules on what it shows")
    git = Git(Path(args.repo))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = []
    if not args.no_series:
        items += select_series(git, args.since, args.until, tuple(args.paths))
    if not args.no_commits:
        items += select_commits(git, args.commits_since, args.commits_until,
                                tuple(args.commit_paths))
    if args.limit:
        items = items[:args.limit]
    # date order of the base, so each checkout moves a little
    order = git.run("log", "--no-walk=sorted", "--format=%H",
                    *sorted({i["base"] for i in items})).split() if items else []
    rank = {sha: n for n, sha in enumerate(reversed(order))}
    items.sort(key=lambda i: (rank.get(i["base"], 0), i["id"]))
    cprlint = [args.cprlint] if args.cprlint else [sys.executable, "-m", "cprlint"]
    modes = [m for m in args.modes.split(",") if m]
    select = [c for c in (args.select or "").split(",") if c] or all_rule_ids(args.cprlint)
    print(f"realworld: {sum(i['kind'] == 'series' for i in items)} series, "
          f"{sum(i['kind'] == 'commit' for i in items)} commits, "
          f"{sum(i['patches'] for i in items)} patches; modes {', '.join(modes)}",
          file=sys.stderr)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    jobs = max(1, args.jobs)
    chunks = [items[n * len(items) // jobs:(n + 1) * len(items) // jobs] for n in range(jobs)]
    lock = threading.Lock()
    done = [0]
    results: list[dict] = []

    def work(index: int, chunk: list[dict]) -> None:
        worker = Worker(git, cache, index, cprlint, select, modes, args.timeout)
        try:
            for item in chunk:
                try:
                    recs = worker.process(item)
                except Exception as exc:   # one broken series must not stop the run
                    recs = [{"kind": item["kind"], "id": item["id"], "mode": "-",
                             "error": f"{type(exc).__name__}: {exc}", "rc": -3}]
                with lock:
                    results.extend(recs)
                    done[0] += 1
                    if done[0] % 25 == 0:
                        print(f"realworld: {done[0]}/{len(items)}", file=sys.stderr)
        finally:
            shutil.rmtree(worker.scratch, ignore_errors=True)

    with cf.ThreadPoolExecutor(jobs) as pool:
        for fut in [pool.submit(work, n, c) for n, c in enumerate(chunks)]:
            fut.result()
    results.sort(key=lambda r: (r["kind"], r["id"], r["mode"], r.get("patch_index") or 0,
                                r.get("file") or "", r.get("line") or 0))
    with open(out / "findings.jsonl", "w", encoding="utf-8") as fh:
        for rec in results:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(out / "run.json", "w", encoding="utf-8") as fh:
        json.dump({"since": args.since, "until": args.until, "commits_since": args.commits_since,
                   "commits_until": args.commits_until, "paths": args.paths,
                   "commit_paths": args.commit_paths, "modes": modes, "select": select,
                   "cprlint": cprlint}, fh, indent=1)
    return report(out, Path(args.triage), None)


def all_rule_ids(exe: str | None) -> list[str]:
    """Every rule the cprlint under test knows, default-on or not."""
    cmd = [exe] if exe else [sys.executable, "-m", "cprlint"]
    out = subprocess.run([*cmd, "rules"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.strip() and re.match(r"^[A-Z]+[0-9]+\b", line)]


# --------------------------------------------------------------------- triage

def load_triage(folder: Path) -> dict[str, tuple[str, str, str]]:
    triage = {}
    for path in sorted(folder.glob("*.tsv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3 or cols[1] not in VERDICTS:
                sys.exit(f"realworld: {path}:{n}: want fingerprint TAB TRUE|FALSE|DEBATABLE "
                         "TAB reason [TAB where]")
            triage[cols[0]] = (cols[1], cols[2], path.stem)
    return triage


def load_findings(out: Path) -> tuple[list[dict], list[dict]]:
    findings, runs = [], []
    with open(out / "findings.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            (findings if "fingerprint" in rec else runs).append(rec)
    return findings, runs


def report(out: Path, triage_dir: Path, previous: Path | None) -> int:
    findings, runs = load_findings(out)
    triage = load_triage(triage_dir)
    errors = [r for r in runs if "error" in r]
    patches = collections.Counter()
    for r in runs:
        if "error" not in r:
            patches[(r["kind"], r["mode"])] += r.get("patches", 0)
    series = {r["id"] for r in runs if r["kind"] == "series"}
    commits = {r["id"] for r in runs if r["kind"] == "commit"}
    print(f"checked: {len(series)} series, {len(commits)} upstream commits; "
          f"{len(errors)} runs failed")
    for r in errors[:10]:
        print(f"  failed: {r['kind']} {r['id']} ({r['mode']}): {r['error'].splitlines()[-1] if r['error'] else r.get('rc')}")

    def line(label: str, items: list[dict]) -> str:
        c = collections.Counter(triage.get(f["fingerprint"], ("?",))[0] for f in items)
        judged = c["TRUE"] + c["FALSE"] + c["DEBATABLE"]
        prec = f"{100 * c['TRUE'] / judged:5.1f}%" if judged else "    -"
        return (f"  {label:<18} {len(items):5d} {c['TRUE']:5d} {c['FALSE']:5d} "
                f"{c['DEBATABLE']:5d} {c['?']:5d}  {prec}")

    head = f"  {'':<18} {'found':>5} {'true':>5} {'false':>5} {'debat':>5} {'todo':>5}  precision"
    for kind in ("series", "commit"):
        sub = [f for f in findings if f["kind"] == kind]
        print(f"\n{kind} findings (precision = TRUE / triaged):")
        print(head)
        for mode in sorted({f["mode"] for f in sub} | {r["mode"] for r in runs if r["kind"] == kind and r["mode"] != "-"}):
            msub = [f for f in sub if f["mode"] == mode]
            for rule in sorted({f["rule"] for f in msub}):
                print(line(f"{rule} {mode}", [f for f in msub if f["rule"] == rule]))
            print(line(f"all {mode}", msub))
            if kind == "commit" and patches[(kind, mode)]:
                n = patches[(kind, mode)]
                print(f"  {'':<18} {len(msub) * 50 / n:.2f} findings per 50 commits ({n} commits)")
    todo = [f for f in findings if f["fingerprint"] not in triage]
    print(f"\nuntriaged: {len({f['fingerprint'] for f in todo})} fingerprints "
          f"({len(todo)} findings); `untriaged --out {out}` lists them")
    seen = {f["fingerprint"] for f in findings}
    if previous is not None:
        before, _ = load_findings(previous)
        gone = [f for f in before if f["fingerprint"] not in seen]
        new = [f for f in findings if f["fingerprint"] not in {b["fingerprint"] for b in before}]
        print(f"against {previous}: {len(new)} new, {len(gone)} disappeared")
        for f in gone:
            verdict = triage.get(f["fingerprint"], ("?",))[0]
            print(f"  gone {verdict:<9} {f['rule']} {f['kind']} {f['id']} {f['mode']} "
                  f"{f.get('file')}:{f.get('line')} {f.get('function')}")
    selected = set(json.loads((out / "run.json").read_text()).get("select") or [])
    stale = [fp for fp, (_, _, rule) in triage.items()
             if fp not in seen and (not selected or rule in selected)]
    if stale:
        print(f"triaged but not found in this run: {len(stale)} (fixed, or outside this run's slice)")
    return 0


def cmd_untriaged(args) -> int:
    findings, _ = load_findings(Path(args.out))
    triage = load_triage(Path(args.triage))
    shown = set()
    for f in findings:
        fp = f["fingerprint"]
        if fp in triage or fp in shown or (args.rule and f["rule"] != args.rule):
            continue
        shown.add(fp)
        where = (f"{f['kind']} {f['id']} patch {f.get('patch_index')}/{f.get('patch_total')} "
                 f"{f.get('file')}:{f.get('function')}")
        if args.tsv:
            print(f"{fp}\t?\t\t{f['rule']} {where}")
        else:
            print(f"== {fp} {f['rule']} {f['severity']} [{f['mode']}] {where} line {f.get('line')}")
            print(f"   subject: {f.get('subject')}")
            print(f"   source:  {f.get('source')}")
            print(f"   tip: {f['tip']}  base: {f['base']}")
            print(f"   {f.get('message')}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run cprlint over series and commits, then report")
    run.add_argument("--repo", required=True, help="QEMU git dir: master + one branch per series")
    run.add_argument("--out", required=True, help="folder for findings.jsonl")
    run.add_argument("--cprlint", help="cprlint executable under test (default: this python -m cprlint)")
    run.add_argument("--select", help="rule codes (default: every rule, default-off ones too)")
    run.add_argument("--since", default="2025-07-01", help="series posted from (YYYY-MM-DD)")
    run.add_argument("--until", default=DEV_END, help="series posted until")
    run.add_argument("--commits-since", default="2025-01-01")
    run.add_argument("--commits-until", default=DEV_END)
    run.add_argument("--paths", nargs="+", default=list(SERIES_PATHS),
                     help="series must touch one of these path prefixes")
    run.add_argument("--commit-paths", nargs="+", default=list(COMMIT_PATHS))
    run.add_argument("--modes", default="hunk,source", help="hunk, source or both")
    run.add_argument("--no-series", action="store_true")
    run.add_argument("--no-commits", action="store_true")
    run.add_argument("--limit", type=int, default=0, help="first N items only (smoke run)")
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument("--timeout", type=int, default=600, help="seconds per cprlint run")
    run.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "cprlint-realworld"),
                     help="where the per-worker checkouts live")
    run.add_argument("--triage", default=str(TRIAGE_DIR))
    run.add_argument("--evaluation", action="store_true",
                     help="allow dates after the development slice")
    rep = sub.add_parser("report", help="precision per rule and mode against the triage")
    rep.add_argument("--out", required=True)
    rep.add_argument("--triage", default=str(TRIAGE_DIR))
    rep.add_argument("--previous", help="an earlier --out folder: what is new, what disappeared")
    unt = sub.add_parser("untriaged", help="findings with no verdict yet")
    unt.add_argument("--out", required=True)
    unt.add_argument("--triage", default=str(TRIAGE_DIR))
    unt.add_argument("--rule")
    unt.add_argument("--tsv", action="store_true", help="triage-file rows to fill in")
    args = ap.parse_args(argv)
    if args.cmd == "run":
        return cmd_run(args)
    if args.cmd == "report":
        return report(Path(args.out), Path(args.triage),
                      Path(args.previous) if args.previous else None)
    return cmd_untriaged(args)


if __name__ == "__main__":
    sys.exit(main())
