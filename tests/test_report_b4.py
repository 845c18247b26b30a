"""`--format b4`: the per-patch check command of `b4 prep --check` and
`b4 am/shazam --check`.

b4 (0.14 to 0.16, ``LoreMessage.run_local_check``) runs the command once per
patch with the mail (headers and body, no mbox ``From `` line) on stdin and
reads the output: each stdout line is one report, a failure when it contains
``ERROR:`` and a warning otherwise; each stderr line is a failure; no output
at all is "passed all checks" when the exit code is 0.  ``b4_reads`` below is
that reading, so these tests check what a b4 user would see.
"""

from __future__ import annotations

import email
import email.policy
import mailbox

from conftest import SERIES, run_cli

FIXTURE = SERIES / "cpr-stop-v1.mbox"
B4_CMD = ("check", "--format", "b4", "-")   # the documented check-cmd, after `cprlint`


def b4_reads(proc) -> list[tuple[str, str]]:
    out = proc.stdout.strip()
    err = proc.stderr.strip()
    out_lines = out.decode(errors="replace").split("\n") if out else []
    err_lines = err.decode(errors="replace").split("\n") if err else []
    report = [("fail" if "ERROR:" in line else "warning", line) for line in out_lines]
    report += [("fail", line) for line in err_lines]
    if not report:
        report.append(("fail", f"exited {proc.returncode}") if proc.returncode
                      else ("success", "passed all checks"))
    return report


def _patch_mails():
    """Each patch of the fixture as b4 pipes it: the message without 'From '."""
    box = mailbox.mbox(str(FIXTURE), factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default))
    return {" ".join(str(m["Subject"]).split()): m.as_bytes(unixfrom=False) for m in box}


def _patch(prefix):
    (mail,) = [b for s, b in _patch_mails().items() if s.startswith(prefix)]
    return mail


def test_an_error_is_a_b4_failure_on_the_right_line():
    proc = run_cli(*B4_CMD, stdin=_patch("[PATCH 3/3]"))
    assert proc.returncode == 1
    report = b4_reads(proc)
    assert len(report) == 1
    flag, line = report[0]
    assert flag == "fail"
    assert line.startswith("migration/migration.c:93: ERROR: CPR001: qmp_migrate() calls "
                           "migration_stop_vm(")


def test_warnings_are_b4_warnings_one_line_each():
    proc = run_cli(*B4_CMD, stdin=_patch("[PATCH 1/3]"))
    report = b4_reads(proc)
    # SER001 (a comment naming what a later patch adds) needs the whole series:
    # b4 feeds one patch at a time, so only the single-patch rules speak here
    assert [flag for flag, _ in report] == ["warning"] * 2
    assert [line.split(": ")[2] for _, line in report] == ["MIG001", "CMT001"]
    for _, line in report:
        assert line.split(": ")[1] == "WARNING"


def test_a_clean_patch_passes_all_checks():
    proc = run_cli(*B4_CMD, stdin=_patch("[PATCH 2/3]"))
    assert proc.returncode == 0
    assert b4_reads(proc) == [("success", "passed all checks")]


def test_a_warning_that_quotes_error_stays_a_warning():
    from cprlint.findings import Finding
    from cprlint.report import Summary, render

    f = Finding(rule="CMT001", severity="warning", title="t", path="a.c", line=3,
                end_line=3, function="f", message='the comment says "ERROR: x"\nand more')
    info = Finding(rule="CMT001", severity="info", title="t", path="a.c", line=4,
                   end_line=4, function="f", message="a note")
    out = render("b4", [f, info], Summary(inputs=["-"], patches=1, findings=[f, info]))
    lines = out.splitlines()
    assert len(lines) == 2                      # one line per finding, newline folded
    assert "ERROR:" not in lines[0]
    assert lines[0].startswith("a.c:3: WARNING: CMT001: ")
    assert lines[1] == "a.c:4: CHECK: CMT001: a note"
