"""Untrusted mail input: bounded work, no crash, no forged report lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cprlint.errors import InputError
from cprlint.inputs import unwrap
from cprlint.inputs.load import load_series

from conftest import run_cli

HDR = """From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Ada <ada@example.org>
Date: Sat, 20 Jun 2026 10:01:00 +0200
Subject: {subj}

{body}

Signed-off-by: Ada <ada@example.org>
---
{diff}-- 
2.47.1
"""

MIG = """diff --git a/migration/migration.c b/migration/migration.c
index a0c4a33..41811c4 100644
--- a/migration/migration.c
+++ b/migration/migration.c
@@ -42,5 +42,7 @@ static void migration_cleanup(MigrationState *s)
     if (!migration_has_failed(s)) {
         migration_call_notifiers(MIG_EVENT_DONE, NULL);
+    } else {
+        vm_resume(s->vm_old_state);
     }
 
     yank_unregister_instance(MIGRATION_YANK_INSTANCE);
"""


def mail(subj="[PATCH] migration: x", body="Body.", diff=MIG) -> str:
    return HDR.format(subj=subj, body=body, diff=diff)


def _exe() -> list[str]:
    exe = Path(sys.executable).with_name("cprlint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]


def run_bounded(*args: str, timeout: float = 20):
    """The CLI in a subprocess; inputs that used to take minutes must finish well within."""
    env = dict(os.environ, TYPER_USE_RICH="0", NO_COLOR="1")
    env.pop("CPRLINT_DEBUG", None)
    return subprocess.run(_exe() + list(args), capture_output=True, env=env, timeout=timeout)


# --- S1: wrap repair search is bounded ---------------------------------------

def _wide_hunk(n: int, surplus: int) -> str:
    body = "".join(f"-    old_{i} = {i}; \n+    new_{i} = {i}; \n" for i in range(n))
    k = n - surplus // 2
    return ("diff --git a/migration/m.c b/migration/m.c\nindex a0c4a33..41811c4 100644\n"
            f"--- a/migration/m.c\n+++ b/migration/m.c\n@@ -1,{k} +1,{k} @@\n{body}")


def test_unwrap_refuses_oversized_search_before_searching(tmp_path, monkeypatch):
    calls = []
    real = unwrap._good_wrap
    monkeypatch.setattr(unwrap, "_good_wrap", lambda p, c: calls.append(1) or real(p, c))
    path = tmp_path / "dp.patch"
    path.write_text(mail(diff=_wide_hunk(2000, 48)))
    with pytest.raises(InputError) as ei:
        load_series([str(path)])
    assert "cannot repair line-wrapped hunk at line 14 without guessing" in ei.value.message
    assert ei.value.line == 14
    assert calls == []                  # refused up front: no per-line search work


def test_unwrap_huge_hunk_is_refused_quickly(tmp_path):
    # took > 120 s and 15 GB before the search budget
    path = tmp_path / "dp20000.patch"
    path.write_text(mail(diff=_wide_hunk(20000, 48)))
    r = run_bounded("check", str(path))
    assert r.returncode == 2
    assert b"cannot repair line-wrapped hunk at line 14 without guessing" in r.stderr


def test_unwrap_small_wrapped_hunk_still_repaired(tmp_path):
    # a real wrap in a mid-sized hunk stays within the budget and is repaired
    lines = [f"     x_{i} = {i};" for i in range(200)]
    lines.insert(100, "+    error_setg(errp, \"cannot transfer the CPR state over a channel of ")
    lines.insert(101, "type %d\", type);")
    diff = ("diff --git a/migration/m.c b/migration/m.c\nindex a0c4a33..41811c4 100644\n"
            "--- a/migration/m.c\n+++ b/migration/m.c\n@@ -1,200 +1,201 @@\n"
            + "".join(ln + "\n" for ln in lines))
    path = tmp_path / "w.patch"
    path.write_text(mail(diff=diff))
    p = load_series([str(path)]).patches[0]
    assert [(r.input_line, r.joined_to) for r in p.repairs] == [(116, 115)]


# --- S2: no quadratic or backtracking regex on long hostile lines ---------------

def _comment_patch(comment_line: str) -> str:
    diff = MIG.replace("@@ -42,5 +42,7 @@", "@@ -42,5 +42,8 @@").replace(
        "+    } else {\n", "+    } else {\n+        /* " + comment_line + " */\n")
    return mail(diff=diff)


_QUOTED = "".join((">" + (" " + ln if ln else "")) + "\n"
                  for ln in ("Body.\n\nSigned-off-by: Ada <ada@example.org>\n---\n"
                             + MIG + "-- \n2.47.1").split("\n"))

# each took more than 30 s (minutes for some) before
HOSTILE = {
    "email": _comment_patch("e.g." * 50000),
    "dash": _comment_patch("-" * 200000),
    "pipe": _comment_patch("|" + "x" * 200000),
    "abbrev": _comment_patch("1. " * 60000),
    "trailer": mail().replace("<ada@example.org>\n---", "<ada@example.org>\nCc: x"
                              + " " * 200000 + "y\n---"),
    "attribution": ("From: Bob <bob@example.org>\nSubject: Re: [PATCH] migration: x\n"
                    "Message-ID: <r@x>\n\nOn " + "1:11 " * 40000 + "\n" + _QUOTED),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_long_lines_finish(tmp_path, name):
    path = tmp_path / f"{name}.patch"
    path.write_text(HOSTILE[name])
    r = run_bounded("check", str(path))
    assert r.returncode in (0, 1), r.stderr


_SCAN = r'''
import glob, re, sys
try:
    import tomllib
except ImportError:              # Python 3.10: the package depends on tomli there
    import tomli as tomllib
sys.path.insert(0, sys.argv[1])
from cprlint.inputs import message, quoted
from cprlint.kinds import comment_prose as cp

pats = []
def walk(o):
    if isinstance(o, str):
        try:
            pats.append(re.compile(o, re.I))
        except re.error:
            pass
    elif isinstance(o, list):
        for x in o:
            walk(x)
    elif isinstance(o, dict):
        for x in o.values():
            walk(x)
for f in sorted(glob.glob(sys.argv[1] + "/rules/*.toml")):
    with open(f, "rb") as fh:
        walk(tomllib.load(fh).get("params", {}))
assert len(pats) > 100, len(pats)
pats += [cp._ABBREV, cp._BOUNDARY, cp._BULLET, cp._BULLET_DASH, message._TRAILER,
         message._BASEMENT,
         quoted._ATTRIBUTION_TAIL, quoted.QUOTE_PREFIX] + [rx for _, rx in quoted._ATTRIBUTION]
N = 20000
atoms = ["e.g.", "-", "|x", "1. ", " ", "a@b.", "=", "\n", "a-", "On 1:11 ", "x ", "a,",
         "\t", "| ", "Cc: "]
tests = []
for a in atoms:
    t = (a * N)[:N]
    tests += [t, "|" + t[:-2] + "!"]
for rx in pats:
    for t in tests:
        rx.search(t)
print("ok", len(pats))
'''


def test_regexes_are_linear_on_hostile_strings():
    # every regex in rules/*.toml [params] and the input parsers' own, on 20k-character
    # adversarial strings; the quadratic ones took minutes on this scan
    root = str(Path(__file__).resolve().parents[1])
    # the bound is for a quadratic regex (minutes), not a speed target: generous,
    # so that a loaded 2-core CI machine does not fail it
    r = subprocess.run([sys.executable, "-c", _SCAN, root], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")


def test_comment_params_compiled_once(monkeypatch):
    import json

    from cprlint.kinds import comment_prose as cp

    from test_comment_prose import PARAMS

    params = dict(PARAMS)               # a fresh object, not yet cached by id
    cp._compiled(params)
    calls = []
    real = json.dumps
    monkeypatch.setattr(json, "dumps", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(5):
        cp._compiled(params)
    assert calls == []



# --- S3: --format email never crashes and never lets input forge headers ---------

def _headers(out: str) -> list[str]:
    head = out.split("\n\n", 1)[0]
    return head.split("\n")[1:]          # without the mbox 'From ' line


def test_email_drops_unparseable_cc(tmp_path):
    path = tmp_path / "cc.patch"
    path.write_text(mail().replace(
        "Date:", 'Cc: "Bob (QEMU)" <bob..x@example.org>, "Evil" <a b@c>, x@y@z, '
                 "Carol <carol@example.org>\nDate:", 1))
    r = run_cli("check", "--format", "email", str(path))
    out = r.stdout.decode()
    assert r.returncode == 1, r.stderr
    assert b"internal error" not in r.stderr
    hdr = _headers(out)
    assert "To: Ada <ada@example.org>" in hdr
    assert "Cc: Carol <carol@example.org>" in hdr
    # a note for whoever runs cprlint, on stderr; never in the mail to a human
    assert "[cprlint" not in out and "leaves out" not in out
    assert "leaves out 3 addresses of the patch's From/To/Cc" in r.stderr.decode()


def test_email_author_group_syntax_is_not_injected(tmp_path):
    path = tmp_path / "from.patch"
    path.write_text(mail().replace("From: Ada <ada@example.org>",
                                   "From: =?utf-8?q?Ada=0ABcc=3A_evil=40x?= <ada@example.org>"))
    r = run_cli("check", "--format", "email", str(path))
    assert r.returncode == 1, r.stderr
    hdr = _headers(r.stdout.decode())
    to = [h for h in hdr if h.startswith("To:")]
    assert to == ["To: ada@example.org"]
    assert not any(h.startswith(("Bcc:", "Cc:")) for h in hdr)
    assert "evil" not in "\n".join(hdr)


def test_email_control_characters_in_subject_from_file_name(tmp_path):
    path = tmp_path / "y\nBcc: evil@example.com.diff"
    path.write_text(MIG)
    r = run_cli("check", "--format", "email", str(path))
    assert r.returncode == 1, r.stderr
    assert b"internal error" not in r.stderr
    hdr = _headers(r.stdout.decode())
    assert not any(h.startswith("Bcc:") for h in hdr)
    subj = [h for h in hdr if h.startswith("Subject:")]
    assert len(subj) == 1 and "\r" not in subj[0]


# --- B4: a path with control characters stays on one report line ---------------

_GH = "mig,ra:tion\\n::error file=x::pwned%0A.c"


def _quoted_path_patch() -> str:
    return mail(diff=MIG.replace("a/migration/migration.c", f'"a/{_GH}"')
                .replace("b/migration/migration.c", f'"b/{_GH}"'))


def test_quoted_path_with_newline_is_sanitised(tmp_path):
    path = tmp_path / "gh.patch"
    path.write_text(_quoted_path_patch())
    p = load_series([str(path)]).patches[0]
    assert p.files[0].path == "mig,ra:tion?::error file=x::pwned%0A.c"


@pytest.mark.parametrize("fmt", ["b4", "text"])
def test_quoted_path_with_newline_one_line_per_finding(tmp_path, fmt):
    path = tmp_path / "gh.patch"
    path.write_text(_quoted_path_patch())
    r = run_cli("check", "--format", fmt, str(path))
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert not any(ln.startswith("::error") for ln in out.split("\n"))
    if fmt == "b4":
        assert len(out.strip().split("\n")) == 1


def test_b4_line_neutralises_whole_line():
    from types import SimpleNamespace

    from cprlint.report.b4 import b4_line

    f = SimpleNamespace(severity="warning", message="resumes\nthe VM", rule="MIG001",
                        path="x.c:1: ERROR: forged\nmigration/m.c", line=3)
    line = b4_line(f)
    assert "\n" not in line and "ERROR:" not in line
    assert line.startswith("x.c:1: ERROR : forged?migration/m.c:3: WARNING: MIG001: ")


# --- B2: two different [PATCH 1/1] mails are both checked ---------------------------

def _write(tmp_path, name, subj, diff=MIG):
    path = tmp_path / name
    path.write_text(mail(subj=subj, diff=diff))
    return str(path)


def test_two_different_single_patches_are_both_kept(tmp_path):
    a = _write(tmp_path, "a.patch", "[PATCH 1/1] migration: a")
    b = _write(tmp_path, "b.patch", "[PATCH 1/1] migration: b",
               MIG.replace("vm_resume(s->vm_old_state)", "foo()"))
    s = load_series([a, b])
    assert [(p.index, p.total, p.subject) for p in s.patches] == [
        (1, 2, "migration: a"), (2, 2, "migration: b")]
    s = load_series([b, a])
    assert [(p.index, p.total, p.subject) for p in s.patches] == [
        (1, 2, "migration: b"), (2, 2, "migration: a")]


def test_resend_with_same_subject_replaces_earlier(tmp_path):
    a = _write(tmp_path, "a.patch", "[PATCH 1/1] migration: a")
    a2 = _write(tmp_path, "a2.patch", "[PATCH 1/1] Migration:  a",
                MIG.replace("vm_resume(s->vm_old_state)", "foo()"))
    s = load_series([a, a2])
    assert len(s.patches) == 1
    assert s.patches[0].input_path == a2


def test_two_different_patches_claiming_same_k_of_n_is_an_input_error(tmp_path):
    a = _write(tmp_path, "a.patch", "[PATCH 2/3] migration: a")
    b = _write(tmp_path, "b.patch", "[PATCH 2/3] migration: b")
    with pytest.raises(InputError) as ei:
        load_series([a, b])
    assert "two different patches are both [PATCH 2/3]" in ei.value.message
    assert ei.value.path == b


# --- B6: a usage error is one line on stderr, exit 2 ---------------------------------

@pytest.mark.parametrize("args,words", [
    (["check", "--bogus", "x"], "No such option: --bogus"),
    (["explain"], "Missing argument 'rule_id'"),
    (["bogus"], "No such command 'bogus'"),
])
def test_usage_error_is_one_line(args, words):
    r = run_cli(*args)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("cprlint: ") and words in err, err
    assert r.stdout == b""


def test_help_still_works():
    r = run_cli("--help")
    assert r.returncode == 0 and b"Usage: cprlint" in r.stdout
    r = run_cli("check", "--help")
    assert r.returncode == 0 and b"Usage: cprlint check" in r.stdout


def test_no_arguments_prints_help_and_exits_2():
    r = run_cli()
    assert r.returncode == 2
    assert b"Usage: cprlint" in r.stderr


def test_escaping_leaves_printable_text_alone_and_escapes_the_rest():
    from cprlint.untrusted import escaped, without_controls

    plain = "migration_cleanup(): vm_resume() é ü"
    assert escaped(plain) is plain and without_controls(plain) is plain
    assert escaped("a\u2028b\x1b[2Jc\td\ne") == "a\\u2028b\\x1b[2Jc\td\ne"
    assert escaped("a\tb\nc", one_line=True) == "a\\x09b\\x0ac"
    assert without_controls("a\x1bb\x85c", " ") == "a b c"
