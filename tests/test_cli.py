"""`cprlint check` end to end, as users run it: the seed review, the
fixture series and its fixed v2, output formats, exit codes, bad input."""

from __future__ import annotations

import json

import pytest

from conftest import SERIES, run_cli


def _json(*args, stdin=None):
    proc = run_cli("check", "--format", "json", *args, stdin=stdin)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def _by_rule(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


# -- the seed review ---------------------------------------------------------

def test_seed_review_says_what_the_reviewer_said(seed_path):
    rc, doc = _json(str(seed_path))
    assert rc == 1
    rules = _by_rule(doc)
    mig = rules["MIG001"]
    assert [(f["file"], f["line"], f["function"]) for f in mig] == [
        ("migration/migration.c", 1389, "migration_cleanup")]
    assert "migration_block_activate()" in mig[0]["message"]
    assert "vm_resume(s->vm_old_state)" in mig[0]["message"]
    # the hunk does not show the function start: the message says so
    assert "hunk-local" in mig[0]["message"]

    cmt = rules["CMT001"]
    assert [f["function"] for f in cmt] == ["qmp_migrate"]
    msg = cmt[0]["message"].lower()
    assert "race" in msg and "downtime" in msg and "diagram" in msg
    assert "keep" in msg

    assert "PATCH001" in rules
    assert "git am" in rules["PATCH001"][0]["message"]
    assert "CPR001" not in rules


def test_seed_review_quiet_where_the_reviewer_was_quiet(seed_path):
    _, doc = _json(str(seed_path))
    for f in doc["findings"]:
        assert f["function"] != "migration_iteration_finish", f
        if f["rule"] == "CMT001":
            assert f["function"] == "qmp_migrate"


def test_seed_review_points_into_the_input(seed_path):
    _, doc = _json(str(seed_path))
    mig = _by_rule(doc)["MIG001"][0]
    lines = seed_path.read_text(encoding="utf-8").splitlines()
    assert lines[mig["input"]["line"] - 1].endswith("vm_resume(s->vm_old_state);")
    assert mig["input"]["path"] == str(seed_path)


# -- the fixture series -------------------------------------------------------

def test_fixture_series_v1_findings_per_patch():
    rc, doc = _json(str(SERIES / "cpr-stop-v1.mbox"))
    assert rc == 1
    got = sorted((f["rule"], f["patch"]["index"], f["function"]) for f in doc["findings"])
    assert got == [
        ("CMT001", 1, "qmp_migrate"),
        ("CPR001", 3, "qmp_migrate"),
        ("MIG001", 1, "migration_cleanup"),
        ("SER001", 1, "qmp_migrate"),
    ]
    ser = _by_rule(doc)["SER001"][0]
    assert "cpr_release_devices" in ser["message"] and "2/3" in ser["message"]
    cpr = _by_rule(doc)["CPR001"][0]
    assert "migration_stop_vm" in cpr["message"] and "cpr_state_save" in cpr["message"]
    for f in doc["findings"]:
        assert f["patch"]["total"] == 3 and f["patch"]["message_id"]
    assert doc["summary"]["patches"] == 3


def test_fixture_series_v2_is_clean():
    proc = run_cli("check", str(SERIES / "cpr-stop-v2.mbox"))
    assert proc.returncode == 0, proc.stdout.decode()
    lines = proc.stdout.decode().strip().splitlines()
    assert lines[-1].startswith("cprlint: 0 findings in 3 patches")
    # nothing but the summary and its notes (hunk mode cannot order the stop)
    assert all(ln.startswith("cprlint: ") for ln in lines)


def test_text_output_names_rule_line_source_and_patch():
    proc = run_cli("check", str(SERIES / "cpr-stop-v1.mbox"))
    out = proc.stdout.decode()
    assert proc.returncode == 1
    block = next(b for b in out.split("\n\n") if " CPR001: " in b)
    head, source, where = block.strip().splitlines()[:3]
    assert head.startswith("migration/migration.c:") and " error CPR001: qmp_migrate()" in head
    assert "migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE)" in source
    assert where.strip().startswith("#") and "cpr-stop-v1.mbox" in where
    assert 'patch 3/3 "migration: stop the VM once the CPR state is saved"' in where
    assert out.rstrip().splitlines()[-1].startswith("cprlint: 4 findings")


def test_stdin_and_select_ignore_and_fail_on():
    data = (SERIES / "cpr-stop-v1.mbox").read_bytes()
    rc, doc = _json("--select", "CPR", "-", stdin=data)
    assert rc == 1 and {f["rule"] for f in doc["findings"]} == {"CPR001"}
    rc, doc = _json("--ignore", "MIG001,CMT,SER,CPR", "-", stdin=data)
    assert rc == 0 and doc["findings"] == []
    proc = run_cli("check", "--select", "NOPE999", "-", stdin=data)
    assert proc.returncode == 2 and b"NOPE999" in proc.stderr
    # warnings only do not fail when the fail level is error
    proc = run_cli("check", "--select", "SER001", "--fail-on", "error", "-", stdin=data)
    assert proc.returncode == 0 and b"SER001" in proc.stdout


def test_rules_and_explain():
    proc = run_cli("rules", "--format", "json")
    ids = {r["id"] for r in json.loads(proc.stdout)}
    assert {"MIG001", "CPR001", "CMT001", "SER001", "PATCH001"} <= ids
    proc = run_cli("explain", "MIG001")
    out = proc.stdout.decode()
    assert proc.returncode == 0 and "Invariant:" in out and "Flagged example" in out
    assert "Accepted example" in out
    assert run_cli("explain", "XYZ123").returncode == 2


def test_installed_console_script_finds_bundled_rules(tmp_path):
    # run from an unrelated directory: the rules must come with the install
    proc = run_cli("rules", cwd=tmp_path)
    assert proc.returncode == 0 and b"MIG001" in proc.stdout


# -- bad input: one line naming the file, exit 2, never a traceback ----------

BAD = {
    "empty.mbox": b"",
    "notes.txt": b"Just some notes about migration.\nNo patch in here.\n",
    "random.bin": bytes(range(256)) * 8,
    "truncated.patch": (
        b"diff --git a/migration/migration.c b/migration/migration.c\n"
        b"index 1111111..2222222 100644\n"
        b"--- a/migration/migration.c\n+++ b/migration/migration.c\n"
        b"@@ -10,6 +10,8 @@ static void f(void)\n"
        b"     int a;\n+    int b;\n"
    ),
    "latin1.patch": (
        b"diff --git a/migration/migration.c b/migration/migration.c\n"
        b"index 1111111..2222222 100644\n"
        b"--- a/migration/migration.c\n+++ b/migration/migration.c\n"
        b"@@ -1,2 +1,3 @@\n a\n+/* caf\xe9 */\n b\n"
    ),
    "binary.patch": (
        b"diff --git a/pc-bios/x.bin b/pc-bios/x.bin\n"
        b"index 1111111..2222222 100644\n"
        b"Binary files a/pc-bios/x.bin and b/pc-bios/x.bin differ\n"
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_line_exit_2(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD[name])
    proc = run_cli("check", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.stdout, err)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert str(path) in err
    assert path.read_bytes() == BAD[name]      # nothing the user gave is modified


def test_missing_path_and_directory(tmp_path):
    # a directory is checked as a tree of C files; one without any is an error
    for arg, words in ((str(tmp_path / "nope.mbox"), "no such file"),
                       (str(tmp_path), "no C files"),
                       (str(tmp_path / "nope.c"), "no such file")):
        proc = run_cli("check", arg)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and arg in err and words in err


def test_truncated_hunk_names_the_line(tmp_path):
    path = tmp_path / "truncated.patch"
    path.write_bytes(BAD["truncated.patch"])
    err = run_cli("check", str(path)).stderr.decode()
    assert f"{path}:5:" in err     # the hunk header's line


def test_seed_text_output_names_the_quoted_patch(seed_path):
    out = run_cli("check", str(seed_path)).stdout.decode()
    assert "patch 1/1 (quoted in a reply from Andrey Drobyshev; no subject)" in out
    assert out.rstrip().splitlines()[-1].startswith("cprlint: 3 findings (3 warnings) in 1 patch")


def test_files_mode_summary_counts_files():
    from conftest import FIXTURES

    proc = run_cli("check", "--format", "json", str(FIXTURES / "tree" / "migration"))
    doc = json.loads(proc.stdout)
    assert doc["summary"]["mode"] == "files" and doc["summary"]["files_checked"] == 2
    text = run_cli("check", str(FIXTURES / "tree" / "migration")).stdout.decode()
    assert text.rstrip().splitlines()[-1].endswith("in 2 files")


def test_hunk_mode_says_what_it_could_not_order(seed_path):
    # the seed's stop is added where no cpr_state_save() is in view: not a
    # finding (the order is right), but the summary says it was not checked
    rc, doc = _json(str(seed_path))
    assert "CPR001" not in _by_rule(doc)
    notes = doc["summary"]["notes"]
    assert len(notes) == 1 and notes[0].startswith("CPR001, patch 1/1: migration/migration.c:")
    assert "migration_stop_vm" in notes[0] and "--source" in notes[0]


def test_no_blind_spot_note_with_the_whole_tree():
    from conftest import FIXTURES

    rc, doc = _json(str(SERIES / "cpr-stop-v2.mbox"), "--source", str(FIXTURES / "tree"))
    assert rc == 0 and doc["summary"]["notes"] == []
