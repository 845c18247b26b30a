"""`--format email`: the mbox of review replies, parsed back with the standard
library as a mail client or `git send-email` would read it."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import re

import pytest

from conftest import FIXTURES, SERIES, run_cli

FIXTURE = SERIES / "cpr-stop-v1.mbox"
SENDER = "Migration Reviewer Bot <review-bot@example.net>"


def _mbox(tmp_path, *args, name="out.mbox"):
    proc = run_cli("check", "--format", "email", *args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert proc.stderr == b""
    path = tmp_path / name
    path.write_bytes(proc.stdout)
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default), create=False)
    return proc.stdout.decode("utf-8"), list(box)


def _findings(path):
    proc = run_cli("check", "--format", "json", str(path))
    return json.loads(proc.stdout)["findings"]


def _originals(path):
    """Message-ID and unfolded Subject of every mail of the input mbox."""
    out = {}
    for msg in mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(
            f, policy=email.policy.default)):
        subject = " ".join(str(msg["Subject"]).split())
        if msg["Message-Id"]:
            out[subject] = msg["Message-Id"].strip()
    return out


@pytest.fixture
def replies(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781600000")
    text, msgs = _mbox(tmp_path, "--from", SENDER, str(FIXTURE))
    return text, msgs


def _body(msg) -> str:
    return msg.get_content()


def test_one_reply_per_patch_with_findings_and_one_to_the_cover(replies):
    _, msgs = replies
    originals = _originals(FIXTURE)
    subjects = [str(m["Subject"]) for m in msgs]
    # patches 1 and 3 have findings, patch 2 has none; the cover gets the summary
    assert subjects == [
        "Re: [PATCH 1/3] migration: stop the VM before cpr_state_save() in CPR modes",
        "Re: [PATCH 3/3] migration: stop the VM once the CPR state is saved",
        "Re: [PATCH 0/3] migration: stop the VM before the CPR hand-over",
    ]
    cover_id = originals["[PATCH 0/3] migration: stop the VM before the CPR hand-over"]
    for msg in msgs:
        original_subject = str(msg["Subject"])[len("Re: "):]
        patch_id = originals[original_subject]
        assert msg["In-Reply-To"].strip() == patch_id
        refs = msg["References"].split()
        assert refs[-1] == patch_id
        assert refs[0] == cover_id
        assert str(msg["From"]) == SENDER
        assert str(msg["To"]) == "Ada Lovelace <ada@example.org>"
        assert msg["Date"] is not None
        assert re.fullmatch(r"<cprlint\.[0-9a-f]+@example\.net>", msg["Message-ID"].strip())
        assert _body(msg).startswith("On Fri, 12 Jun 2026 09:5")
    ids = [m["Message-ID"] for m in msgs]
    assert len(set(ids)) == len(ids)


def test_attribution_names_the_patch_date_and_author(replies):
    _, msgs = replies
    first = _body(msgs[0]).splitlines()[0]
    assert first == "On Fri, 12 Jun 2026 09:51:00 +0200, Ada Lovelace <ada@example.org> wrote:"


def test_each_finding_sits_right_under_its_quoted_line(replies):
    _, msgs = replies
    bodies = {str(m["Subject"]): _body(m).splitlines() for m in msgs}
    findings = _findings(FIXTURE)
    assert len(findings) == 4
    for f in findings:
        subject = f"Re: [PATCH {f['patch']['index']}/{f['patch']['total']}] {f['patch']['subject']}"
        lines = bodies[subject]
        head = f"{f['rule']} ({f['severity']}): "
        at = [i for i, line in enumerate(lines) if line.startswith(head)]
        assert len(at) == 1, (f["rule"], lines)
        i = at[0] - 1
        assert lines[i] == ""               # one blank line between quote and answer
        block = []
        while i > 0 and lines[i - 1].startswith(">"):
            i -= 1
            block.insert(0, lines[i])
        assert block, f"no quote above {f['rule']}"
        quoted_source = "> +" + f["source"]
        if f["end_line"] == f["line"]:
            # the flagged line is the last quoted line, right above the answer
            assert block[-1] == quoted_source.rstrip()
        else:
            # a span (a whole comment) is quoted to its end; the answer follows it
            assert quoted_source.rstrip() in block
            span = f["end_line"] - f["line"] + 1
            assert block.index(quoted_source.rstrip()) == len(block) - span
        # under the rule id and title: the whole message (what is wrong, why,
        # what to do), re-wrapped
        after = " ".join(" ".join(lines[at[0] + 1:]).split())
        assert " ".join(f["message"].split()) in after


def test_quotes_only_the_hunks_around_findings(replies):
    _, msgs = replies
    body = _body(msgs[0])
    lines = body.splitlines()
    # file header once per file, then the hunk header
    assert lines[1:5] == [
        "> diff --git a/migration/migration.c b/migration/migration.c",
        "> --- a/migration/migration.c",
        "> +++ b/migration/migration.c",
        "> @@ -42,9 +42,14 @@ static void migration_cleanup(MigrationState *s)",
    ]
    assert body.count("> diff --git") == 1
    # a few lines of context, not the whole hunk: the hunk's first lines are cut
    assert ">         s->to_dst_file = NULL;" not in body
    assert "[...]" in lines
    # patch 3: file header (3), hunk header, 3 lines of context, the flagged line
    body3 = _body(msgs[1])
    quoted = [ln for ln in body3.splitlines() if ln.startswith(">")]
    assert len(quoted) == 3 + 1 + 3 + 1
    assert quoted[-1] == "> +        int ret = migration_stop_vm(s, RUN_STATE_FINISH_MIGRATE);"


def test_prose_is_wrapped_at_72_columns(replies):
    _, msgs = replies
    for msg in msgs:
        for line in _body(msg).splitlines():
            if line.startswith(">") or line.startswith("On "):
                continue
            assert len(line) <= 72 or " " not in line, line


def test_cover_reply_summarises_the_series(replies):
    _, msgs = replies
    body = _body(msgs[-1])
    assert "cprlint found 4 issues in this series (1 error, 3 warnings)" in " ".join(body.split())
    assert "  1/3 migration: stop the VM before cpr_state_save() in CPR modes" in body
    assert "      3 findings: MIG001 warning, CMT001 warning, SER001 warning" in body
    assert "  2/3 migration/cpr: add cpr_release_devices()\n      no findings" in body
    assert "      1 finding: CPR001 error" in body
    rules = body.split("Rules seen:")[1]
    for rule in ("CPR001", "CMT001", "MIG001", "SER001"):
        assert f"  {rule} (" in rules
    # it quotes the cover letter's first paragraph
    assert "> In cpr-transfer the new QEMU takes the device FDs over as soon as" in body


def test_message_ids_are_stable_and_do_not_depend_on_the_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781600000")
    _, a = _mbox(tmp_path, str(FIXTURE), name="a.mbox")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    _, b = _mbox(tmp_path, str(FIXTURE), name="b.mbox")
    assert [m["Message-ID"] for m in a] == [m["Message-ID"] for m in b]
    assert [m["Date"] for m in a] != [m["Date"] for m in b]


def test_default_sender_cannot_be_delivered(tmp_path):
    _, msgs = _mbox(tmp_path, str(FIXTURE))
    assert {str(m["From"]) for m in msgs} == {"cprlint <cprlint@invalid>"}


def test_reply_all_puts_author_in_to_and_the_lists_in_cc(tmp_path):
    path = FIXTURES / "inputs" / "series-v2-3.mbox"
    _, msgs = _mbox(tmp_path, str(path))
    review = [m for m in msgs if "3/3" in str(m["Subject"])]
    assert len(review) == 1
    msg = review[0]
    assert str(msg["To"]) == "Alice Example <alice@example.org>"
    cc = [a.addr_spec for a in msg["Cc"].addresses]
    assert cc == ["qemu-devel@nongnu.org", "bob@example.org", "pm@example.org"]
    assert msg["In-Reply-To"].strip() == _originals(path)[
        " ".join(str(msg["Subject"])[4:].split())]


def test_no_findings_no_mail():
    proc = run_cli("check", "--format", "email", str(SERIES / "one-patch.patch"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""


def test_body_lines_starting_with_from_are_escaped_mboxrd(tmp_path):
    from cprlint.findings import Finding
    from cprlint.inputs.series import FileDiff, Hunk, HunkLine, Patch
    from cprlint.report import Summary, render

    lines = [HunkLine(" ", "int x;", 9, 9, 20), HunkLine("+", "From here on;", None, 10, 21)]
    hunk = Hunk(9, 1, 9, 2, "void f(void)", lines)
    patch = Patch(subject="x: y", raw_subject="[PATCH] x: y", author="A <a@example.org>",
                  date="Mon, 1 Jun 2026 10:00:00 +0000", message_id="p1@example.org",
                  files=[FileDiff("a.c", "a.c", [hunk])])
    finding = Finding(rule="MIG001", severity="warning", title="t", path="a.c", line=10,
                      end_line=10, function="f", message="From the start this is wrong.",
                      source="From here on;", patch=patch)
    text = render("email", [finding], Summary(inputs=["-"], patches=1, findings=[finding]))
    assert "\n>From the start this is wrong.\n" in text
    assert "\n> +From here on;\n" in text
    path = tmp_path / "esc.mbox"
    path.write_text(text, encoding="utf-8")
    msgs = list(mailbox.mbox(str(path), create=False))
    assert len(msgs) == 1               # a one-patch series: no separate summary mail
    assert msgs[0]["In-Reply-To"] == "<p1@example.org>"


def test_reply_to_a_patch_without_message_id_is_not_threaded_under_a_made_up_id(seed_path):
    import email as _email

    from conftest import run_cli

    out = run_cli("check", "--format", "email", str(seed_path)).stdout
    msg = _email.message_from_bytes(out.split(b"\n", 1)[1])
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert msg["Subject"] == "Re: your patch quoted from Andrey Drobyshev"


# --- one file per reply, for git send-email ---------------------------------------

def _write_dir(tmp_path, *args):
    out = tmp_path / "review"
    proc = run_cli("check", "--format", "email", "--from", SENDER, "-o", str(out), *args)
    assert proc.returncode == 1, proc.stderr.decode()
    return out, proc


def test_output_dir_has_one_file_per_reply_named_like_format_patch(tmp_path):
    out, proc = _write_dir(tmp_path, str(FIXTURE))
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "0001-Re-PATCH-1-3-migration-stop-the-VM-before-cpr_state_save-in-CPR.eml",
        "0002-Re-PATCH-3-3-migration-stop-the-VM-once-the-CPR-state-is-saved.eml",
        "0003-Re-PATCH-0-3-migration-stop-the-VM-before-the-CPR-hand-over.eml",
    ]
    # stdout lists the files, as git format-patch -o does; the mbox is not printed
    assert proc.stdout.decode().splitlines() == [str(out / n) for n in names]
    originals = _originals(FIXTURE)
    for name in names:
        msgs = list(mailbox.mbox(str(out / name), factory=lambda f: email.message_from_binary_file(
            f, policy=email.policy.default), create=False))
        assert len(msgs) == 1                      # one message per file
        subject = " ".join(str(msgs[0]["Subject"])[4:].split())
        assert msgs[0]["In-Reply-To"].strip() == originals[subject]


def test_output_dir_only_with_format_email(tmp_path):
    proc = run_cli("check", "-o", str(tmp_path / "x"), str(FIXTURE))
    assert proc.returncode == 2
    assert proc.stderr.decode().count("\n") == 1 and "--format email" in proc.stderr.decode()


def test_git_send_email_dry_run_sends_one_mail_per_reply(tmp_path):
    """Debian's git-email (git send-email) reads the folder: N files, N mails,
    each threaded under the patch it answers; nothing leaves the machine."""
    import os
    import shutil
    import subprocess

    probe = subprocess.run(["git", "send-email", "-h"], capture_output=True, text=True) \
        if shutil.which("git") else None
    # without git-email, git says "'send-email' is not a git command"
    if probe is None or "is not a git command" in probe.stderr or "<file|directory>" not in (
            probe.stdout + probe.stderr):
        pytest.skip("git send-email is not installed (Debian: apt-get install git-email)")
    out, _ = _write_dir(tmp_path, str(FIXTURE))
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull)
    proc = subprocess.run(
        ["git", "send-email", "--dry-run", "--confirm=never", "--suppress-cc=self",
         "--from", SENDER, str(out) + "/"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
        cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = proc.stdout
    assert log.count("Result: OK") == 3, log
    originals = _originals(FIXTURE)
    sent = re.findall(r"^Subject: Re: (.*)\nDate: .*\nMessage-Id: .*\n(?:.*\n)*?"
                      r"In-Reply-To: (<[^>]+>)", log, re.M)
    assert [(s, originals[s]) for s, _ in sent] == [(s, irt) for s, irt in sent]
    assert len(sent) == 3
    # sent from the bot, to the author; the bot does not copy itself
    assert log.count("MAIL FROM:<review-bot@example.net>") == 3
    assert "RCPT TO:<review-bot@example.net>" not in log
    assert log.count("RCPT TO:<ada@example.org>") == 3


def test_malformed_cc_keeps_the_other_addresses(tmp_path):
    """Since Python 3.13 getaddresses() returns nothing for a header with one
    malformed address: each address is parsed on its own."""
    text = FIXTURE.read_text().replace(
        "Date: Fri, 12 Jun 2026 09:51:00 +0200\n",
        "Cc: Bob <bob@example.org>, Bad <bad@@example.org>, Carol <carol@example.org>\n"
        "Date: Fri, 12 Jun 2026 09:51:00 +0200\n", 1)
    assert "Bad <bad@@example.org>" in text
    path = tmp_path / "cc.mbox"
    path.write_text(text)
    proc = run_cli("check", "--format", "email", str(path))
    assert proc.returncode == 1
    assert re.search(r"leaves out \d+ address", proc.stderr.decode())   # counted by Python's parser
    first = proc.stdout.decode().split("\n\n", 1)[0]
    cc = [h for h in first.splitlines() if h.startswith("Cc:")]
    assert cc == ["Cc: Bob <bob@example.org>, Carol <carol@example.org>"]
