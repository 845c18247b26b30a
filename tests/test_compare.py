"""`cprlint compare v1 v2`: patch matching across reordered versions, and
per finding fixed / still present / new, in text and JSON; exit codes.
Also the error cases of `cprlint rules` and `cprlint explain`."""

from __future__ import annotations

import json

from conftest import SERIES, run_cli
from cprlint.compare import match_patches, normalise_subject
from cprlint.inputs.series import FileDiff, Hunk, Patch

V1 = str(SERIES / "cpr-stop-v1.mbox")
V2 = str(SERIES / "cpr-stop-v2.mbox")
# v2 with the MIG001 resume still ungated, and a new CMT001 ("this patch") in 3/3
PARTIAL = str(SERIES / "cpr-stop-v2-partial.mbox")


def _json(*args):
    proc = run_cli("compare", "--format", "json", "--isolated", *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def _status(doc):
    return sorted((f["status"], f["rule"], f["function"]) for f in doc["findings"])


def test_v2_fixes_everything():
    rc, doc = _json(V1, V2)
    assert rc == 0
    assert _status(doc) == [("fixed", "CMT001", "qmp_migrate"),
                            ("fixed", "CPR001", "qmp_migrate"),
                            ("fixed", "MIG001", "migration_cleanup"),
                            ("fixed", "SER001", "qmp_migrate")]
    assert doc["summary"] == {"fixed": 4, "still": 0, "new": 0}
    # the order changed: v1 2/3 (add cpr_release_devices) is v2 1/3, v1 1/3 is v2 2/3
    pairs = {(p["v1"]["index"], p["v2"]["index"]) for p in doc["patches"]}
    assert pairs == {(2, 1), (1, 2), (3, 3)}
    fixed = {f["rule"]: f for f in doc["findings"]}
    assert fixed["MIG001"]["v1"]["patch"]["index"] == 1 and fixed["MIG001"]["v2"] is None
    assert fixed["CPR001"]["v1"]["patch"]["index"] == 3


def test_v2_keeps_one_and_adds_one():
    rc, doc = _json(V1, PARTIAL)
    assert rc == 1
    assert _status(doc) == [("fixed", "CMT001", "qmp_migrate"),
                            ("fixed", "CPR001", "qmp_migrate"),
                            ("fixed", "SER001", "qmp_migrate"),
                            ("new", "CMT001", "qmp_migrate"),
                            ("still", "MIG001", "migration_cleanup")]
    still = next(f for f in doc["findings"] if f["status"] == "still")
    assert still["v1"]["patch"]["index"] == 1 and still["v2"]["patch"]["index"] == 2
    new = next(f for f in doc["findings"] if f["status"] == "new")
    assert new["v1"] is None and new["v2"]["patch"]["index"] == 3
    assert "refers to the patch" in new["v2"]["message"]


def test_text_output_and_fail_level():
    proc = run_cli("compare", "--isolated", V1, PARTIAL)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert out.startswith(f"cprlint compare: {V1} (3 patches) -> {PARTIAL} (3 patches)")
    assert 'patch 1/3 "migration: stop the VM before cpr_state_save() in CPR modes" -> 2/3' in out
    lines = out.splitlines()
    assert any(ln.split()[:3] == ["still", "warning", "MIG001"] for ln in lines)
    assert any(ln.split()[:3] == ["new", "warning", "CMT001"] for ln in lines)
    assert any(ln.split()[:3] == ["fixed", "error", "CPR001"] for ln in lines)
    assert lines[-1] == "cprlint: 3 fixed, 1 still present, 1 new in v2"
    # what is left is only warnings: not a failure at --fail-on error
    assert run_cli("compare", "--isolated", "--fail-on", "error", V1, PARTIAL).returncode == 0
    # and nothing left at all is clean; the same version twice is all "still"
    rc, doc = _json(V1, V1)
    assert rc == 1 and {f["status"] for f in doc["findings"]} == {"still"}


def test_compare_honours_selection():
    rc, doc = _json("--select", "MIG", V1, PARTIAL)
    assert rc == 1 and _status(doc) == [("still", "MIG001", "migration_cleanup")]
    rc, doc = _json("--ignore", "MIG,CMT", V1, PARTIAL)
    assert rc == 0 and {f["status"] for f in doc["findings"]} == {"fixed"}


def test_compare_errors(tmp_path):
    for args in ((V1, str(tmp_path / "nope.mbox")), ("-", "-"),
                 ("--format", "sarif", V1, V2), ("--fail-on", "fatal", V1, V2),
                 ("--select", "NOPE9", V1, V2)):
        proc = run_cli("compare", *args)
        err = proc.stderr.decode()
        assert proc.returncode == 2, args
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def _patch(subject, index, *touched):
    files = {}
    for path, fn in touched:
        files.setdefault(path, FileDiff(path, path)).hunks.append(
            Hunk(1, 1, 1, 1, f"void {fn}(void)", []))
    return Patch(subject=subject, index=index, total=3, files=list(files.values()))


def test_match_patches_by_subject_then_functions():
    assert normalise_subject(" Migration:  Stop the VM. ") == "migration: stop the vm"
    a1 = _patch("migration: add a helper", 1, ("migration/cpr.c", "cpr_release_devices"))
    a2 = _patch("migration: stop early", 2, ("migration/migration.c", "qmp_migrate"))
    a3 = _patch("migration: cleanup", 3, ("migration/migration.c", "migration_cleanup"))
    b1 = _patch("Migration: stop early.", 1, ("migration/migration.c", "qmp_migrate"))
    b2 = _patch("migration: resume after re-activation", 2,
                ("migration/migration.c", "migration_cleanup"))
    b3 = _patch("migration/cpr: release the devices", 3,
                ("migration/cpr.c", "cpr_release_devices"), ("include/migration/cpr.h", ""))
    pairs = match_patches([a1, a2, a3], [b1, b2, b3])
    assert [(q.index if q else None, p.index if p else None) for q, p in pairs] == [
        (2, 1), (3, 2), (1, 3)]
    b4 = _patch("docs: something else", 4, ("docs/x.rst", ""))
    pairs = match_patches([a1], [b4])
    assert [(q and q.index, p and p.index) for q, p in pairs] == [(None, 4), (1, None)]


# -- rules / explain error cases -------------------------------------------------------

def test_rules_and_explain_errors():
    proc = run_cli("rules", "--format", "xml")
    assert proc.returncode == 2 and b"--format" in proc.stderr
    proc = run_cli("explain", "NOPE001")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "NOPE001" in err and len(err.strip().splitlines()) == 1
    proc = run_cli("explain")
    assert proc.returncode == 2
    assert run_cli("explain", "mig001").returncode == 0       # ids are case-insensitive
    proc = run_cli("explain", "CPL001")
    out = proc.stdout.decode()
    assert proc.returncode == 0 and "suppresses nothing" in out and "Flagged example" in out
