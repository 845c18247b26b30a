"""The text output as a terminal user sees it: --version, --help, one line per
finding, --verbose, plurals, a clean run, -q, --statistics, and colour only
on a terminal (a real pseudo-terminal here, not a flag)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import SERIES, run_cli

V1 = str(SERIES / "cpr-stop-v1.mbox")
V2 = str(SERIES / "cpr-stop-v2.mbox")
ONE = str(SERIES / "one-patch.patch")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _out(*args) -> str:
    proc = run_cli(*args)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.stdout.decode()


def test_version_names_tree_sitter_and_the_grammar():
    proc = run_cli("--version")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    from cprlint import __version__
    assert out.startswith(f"cprlint {__version__} (")
    assert f"tree-sitter {version('tree-sitter')}" in out
    assert f"tree-sitter-c {version('tree-sitter-c')}" in out
    assert out.count("\n") == 1


def test_help_lists_the_choices():
    out = run_cli("check", "--help").stdout.decode()
    flat = re.sub(r"[\s│]+", "", out)       # the help table may wrap a metavar
    from cprlint.cli import COLOR_CHOICES, FORMAT_CHOICES, SEVERITY_CHOICES
    from cprlint.report import FORMATS
    assert FORMAT_CHOICES == FORMATS
    for choices in (FORMAT_CHOICES, SEVERITY_CHOICES, COLOR_CHOICES):
        assert "[" + "|".join(choices) + "]" in flat


def test_one_line_per_finding_then_the_code_then_where():
    out = _out("check", V1)
    doc = json.loads(_out("check", "--format", "json", V1))
    blocks = out.strip().split("\n\n")
    assert len(blocks) == len(doc["findings"]) + 1          # + the summary
    for block, f in zip(blocks, doc["findings"]):
        lines = block.splitlines()
        assert lines[0].startswith(f"{f['file']}:{f['line']}: {f['severity']} {f['rule']}: ")
        assert lines[1].strip().startswith(f"{f['line']} | ")
        assert lines[2].startswith("    #") and "patch " in lines[2]
        assert len(lines) == 3
        # the headline, not the story: the whole message is for --verbose
        assert f["message"] not in out
        assert len(lines[0]) < 260
    mig = next(b for b in blocks if " MIG001: " in b)
    assert ("migration_cleanup() calls vm_resume(s->vm_old_state) on a failed or cancelled "
            "migration path without checking that migration_block_activate() succeeded "
            "first\n") in mig


def test_verbose_prints_the_whole_message():
    out = _out("check", "--verbose", V1)
    for f in json.loads(_out("check", "--format", "json", V1))["findings"]:
        assert f["message"] in out


def test_plurals_in_the_summary():
    assert _out("check", V1).splitlines()[-1].startswith(
        "cprlint: 4 findings (1 error, 3 warnings) in 3 patches (hunk mode)")
    out = _out("check", "--select", "CPR001", V1)
    assert out.splitlines()[-1].startswith("cprlint: 1 finding (1 error) in 3 patches")


def test_a_clean_run_is_one_short_line_and_nothing_with_q():
    proc = run_cli("check", V2)
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 100, lines
    assert lines[0].startswith("cprlint: 0 findings in 3 patches")
    proc = run_cli("check", "-q", V2)
    assert proc.returncode == 0 and proc.stdout == b""


def test_quiet_prints_the_findings_only():
    out = _out("check", "-q", V1)
    assert "cprlint:" not in out
    assert out.count(" MIG001: ") == 1


def test_statistics_counts_per_rule():
    out = _out("check", "--statistics", "--select", "CPR,MIG", V1)
    stats = [ln for ln in out.splitlines() if re.match(r"^\s+\d+  [A-Z]+\d+ ", ln)]
    assert [ln.split()[:3] for ln in stats] == [["1", "CPR001", "error"],
                                                 ["1", "MIG001", "warning"]]


# -- colour ------------------------------------------------------------------

def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("cprlint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cprlint"]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CPRLINT_DEBUG")}
    env.update(TERM="xterm", **extra)
    return env


def _in_pty(args, env) -> str:
    """Run cprlint with stdout on a pseudo-terminal; what the terminal shows."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(_cmd() + args, stdout=slave, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:          # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_colour_on_a_terminal_not_in_a_pipe():
    shown = _in_pty(["check", V1], _env())
    assert "\x1b[1;31merror\x1b[0m" in shown and "\x1b[1;33mwarning\x1b[0m" in shown
    # the same text once the colours are taken out
    piped = subprocess.run(_cmd() + ["check", V1], capture_output=True, env=_env())
    assert b"\x1b" not in piped.stdout
    assert SGR.sub("", shown).replace("\r\n", "\n") == piped.stdout.decode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_no_color_and_color_never_on_a_terminal():
    assert "\x1b[" not in _in_pty(["check", V1], _env(NO_COLOR="1"))
    assert "\x1b[" not in _in_pty(["check", "--color", "never", V1], _env())


def test_color_always_in_a_pipe_and_bad_choice():
    piped = subprocess.run(_cmd() + ["check", "--color", "always", V1], capture_output=True,
                           env=_env(NO_COLOR="1"))
    assert b"\x1b[1;31merror\x1b[0m" in piped.stdout
    proc = run_cli("check", "--color", "sometimes", V1)
    assert proc.returncode == 2 and b"auto, always, never" in proc.stderr
