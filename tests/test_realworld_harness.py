"""bench/realworld.py: series selection, fingerprints and triage, on a tiny repo of our own."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("realworld", ROOT / "bench" / "realworld.py")
realworld = importlib.util.module_from_spec(spec)
spec.loader.exec_module(realworld)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _git(repo: Path, *args: str, date: str = "2025-08-01T10:00:00Z") -> str:
    env = {"GIT_AUTHOR_NAME": "A U Thor", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "A U Thor", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(repo),
           "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def _commit(repo: Path, path: str, text: str, msg: str, date: str) -> str:
    f = repo / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)
    _git(repo, "add", path)
    _git(repo, "commit", "-q", "-m", msg, date=date)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "qemu"
    r.mkdir()
    _git(r, "init", "-q", "-b", "master")
    base = _commit(r, "migration/migration.c", "int a;\n", "base", "2025-06-01T00:00:00Z")
    _commit(r, "hw/misc/x.c", "int x;\n", "upstream later", "2025-06-02T00:00:00Z")
    # a two-patch migration series posted in August, on `base`
    _git(r, "checkout", "-q", "-b", "cover.1.git.a@example.org", base)
    _commit(r, "migration/migration.c", "int a;\nint b;\n", "migration: add b",
            "2025-08-10T00:00:00Z")
    _commit(r, "migration/cpr.c", "int c;\n", "migration/cpr: add c", "2025-08-10T00:01:00Z")
    # a series elsewhere in the tree, and one posted after the slice
    _git(r, "checkout", "-q", "-b", "cover.2.git.a@example.org", base)
    _commit(r, "hw/misc/y.c", "int y;\n", "hw: add y", "2025-08-11T00:00:00Z")
    _git(r, "checkout", "-q", "-b", "cover.3.git.a@example.org", base)
    _commit(r, "migration/ram.c", "int r;\n", "migration: ram", "2025-10-05T00:00:00Z")
    _git(r, "checkout", "-q", "master")
    return r / ".git"


def test_selects_series_by_date_and_path_with_its_upstream_base(repo: Path) -> None:
    git = realworld.Git(repo)
    found = realworld.select_series(git, "2025-07-01", "2025-09-30", realworld.SERIES_PATHS)
    assert [s["id"] for s in found] == ["cover.1.git.a@example.org"]
    s = found[0]
    assert s["patches"] == 2
    assert git.run("log", "-1", "--format=%s", s["base"]).strip() == "base"


def test_selects_upstream_commits_touching_migration(repo: Path) -> None:
    git = realworld.Git(repo)
    found = realworld.select_commits(git, "2025-01-01", "2025-09-30", ("migration/",))
    subjects = [git.run("log", "-1", "--format=%s", c["tip"]).strip() for c in found]
    assert subjects == []                       # 'base' is a root commit: no parent to diff
    found = realworld.select_commits(git, "2025-01-01", "2025-09-30", ("hw/",))
    assert [git.run("log", "-1", "--format=%s", c["tip"]).strip() for c in found] == \
        ["upstream later"]


def _finding(line: int, message: str, source: str = "    vm_start();") -> dict:
    return {"rule": "MIG001", "file": "migration/migration.c", "function": "f", "line": line,
            "message": message, "source": source,
            "patch": {"subject": "migration: Fix the thing", "index": 1, "total": 2}}


def test_fingerprint_ignores_line_numbers_wording_and_indentation() -> None:
    a = realworld.fingerprints([_finding(10, "one wording")])
    b = realworld.fingerprints([_finding(99, "another wording", source="vm_start();  ")])
    assert a == b
    c = realworld.fingerprints([_finding(10, "x", source="vm_resume(s->vm_old_state);")])
    assert a != c


def test_two_identical_findings_in_one_patch_get_two_fingerprints() -> None:
    fps = realworld.fingerprints([_finding(10, "x"), _finding(20, "x")])
    assert len(set(fps)) == 2


def test_triage_file_with_a_bad_verdict_is_refused(tmp_path: Path) -> None:
    (tmp_path / "MIG001.tsv").write_text("abc\tMAYBE\tnot sure\n")
    with pytest.raises(SystemExit) as exc:
        realworld.load_triage(tmp_path)
    assert "MIG001.tsv:1" in str(exc.value)


def test_triage_in_repo_is_well_formed() -> None:
    triage = realworld.load_triage(realworld.TRIAGE_DIR)
    for fp, (verdict, reason, rule) in triage.items():
        assert len(fp) == 16 and verdict in realworld.VERDICTS and reason.strip(), (fp, rule)


def test_run_refuses_the_evaluation_slice(tmp_path: Path, repo: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        realworld.main(["run", "--repo", str(repo), "--out", str(tmp_path / "o"),
                        "--until", "2025-12-31"])
    assert "evaluation slice" in str(exc.value)
