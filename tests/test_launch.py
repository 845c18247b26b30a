"""The console entry point reads plain `check`, `hook` and `commit-msg`
command lines without typer (cprlint.launch); every other command line, and
every one it is not sure of, goes to the typer app.  A user sees the same
either way: these tests hold the two paths to each other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SERIES, run_cli

from cprlint import _fast_args, cli, launch


def test_the_table_is_derived_from_the_typer_app():
    # regenerate after a CLI change: see cli.fast_table_source()
    assert Path(_fast_args.__file__).read_text() == cli.fast_table_source()


def _typer_kwargs(args):
    """What typer would call the command with (click parses, typer turns an
    empty variadic argument into None and a tuple into a list)."""
    import typer

    cmd = typer.main.get_command(cli.app).commands[args[0]]
    ctx = cmd.make_context(args[0], list(args[1:]))
    return {k: (list(v) or None) if isinstance(v, tuple) else v for k, v in ctx.params.items()}


@pytest.mark.parametrize("args", [
    ["check", "a.mbox"],
    ["check", "-", "--format", "json", "--isolated"],
    ["check", "--format=sarif", "x.patch", "y.patch", "--select", "MIG,CPR001"],
    ["check", "-f", "email", "-o", "out", "--from", "R <r@example.org>", "s.mbox"],
    ["check", "--git", "A..B", "--all", "--no-progress", "-v", "-q", "--statistics"],
    ["check", "--source", "tree", "--fail-on", "error", "--color", "never", "--", "-odd"],
    ["check", "--progress", "--config", "c.toml", "--ignore", "SER", "--extend-select", "X"],
    ["check", "--select", "-", "p"],
    ["hook", "a.c", "b.h", "--format", "json"],
    ["hook"],
    ["commit-msg", ".git/COMMIT_EDITMSG", "--isolated"],
])
def test_plain_command_lines_read_as_typer_reads_them(args):
    function, kwargs = launch.parse(args, _fast_args.TABLE)
    assert function == cli.FAST_COMMANDS[args[0]]
    assert kwargs == _typer_kwargs(args)


@pytest.mark.parametrize("args", [
    [], ["--version"], ["--help"], ["check", "--help"], ["rules"], ["explain", "MIG001"],
    ["compare", "a", "b"],
    ["check", "--bogus", "a"],                    # typer's usage error
    ["check", "--format", "json", "--format", "text", "a"],   # repeated
    ["check", "-vq", "a"],                        # short options run together
    ["check", "-fjson", "a"],                     # a value joined to a short option
    ["check", "--select", "--isolated", "a"],     # a value that looks like an option
    ["check", "--all=yes", "a"],                  # a flag given a value
    ["check", "a", "--format"],                   # a value missing
    ["commit-msg"], ["commit-msg", "a", "b"],
])
def test_anything_else_is_left_to_typer(args):
    assert launch.parse(args, _fast_args.TABLE) is None


def _both(*args, stdin=None, cwd=None):
    """(the console script's result, the typer app's result) for one command line."""
    env = dict(os.environ, NO_COLOR="1", TYPER_USE_RICH="0")
    typer_path = subprocess.run([sys.executable, "-m", "cprlint.cli", *args], input=stdin,
                                capture_output=True, env=env, cwd=cwd, timeout=60)
    return run_cli(*args, stdin=stdin, cwd=cwd), typer_path


@pytest.mark.parametrize("args", [
    ["check", "--isolated", "--format", "json", str(SERIES / "cpr-stop-v1.mbox")],
    ["check", "--isolated", "-v", str(SERIES / "cpr-stop-v1.mbox")],
    ["check", "--isolated", str(SERIES / "cpr-stop-v2.mbox")],
    ["check", "--isolated", "--format", "nope", str(SERIES / "cpr-stop-v2.mbox")],
    ["check", "--isolated", "missing.mbox"],
    ["check", "--isolated"],
])
def test_same_output_and_exit_code_either_way(args, tmp_path):
    fast, full = _both(*args, cwd=tmp_path)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        full.returncode, full.stdout, full.stderr)
    assert fast.returncode in (0, 1, 2)


def test_stdin_either_way(tmp_path):
    data = (SERIES / "cpr-stop-v1.mbox").read_bytes()
    fast, full = _both("check", "--isolated", "-", stdin=data, cwd=tmp_path)
    assert fast.returncode == full.returncode == 1
    assert fast.stdout == full.stdout and b"MIG001" in fast.stdout


def test_a_check_loads_neither_typer_nor_pathlib():
    # start-up is part of every pre-commit run: typer (~40 ms) and pathlib
    # (~3.4 ms with urllib.parse and ipaddress) are not needed to check a patch
    import subprocess
    import sys

    from conftest import SERIES

    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "cprlint", "check",
                        "--isolated", str(SERIES / "cpr-stop-v1.mbox")], capture_output=True,
                       text=True)
    assert p.returncode in (0, 1), p.stderr[-500:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()
              if line.startswith("import time:")}
    assert "cprlint.engine" in loaded and "tree_sitter" in loaded
    assert not {"typer", "click", "pathlib"} & loaded


def test_a_check_outside_git_loads_no_module_it_uses_one_function_of(tmp_path):
    # signal (for its enums; the budget uses _signal), copy (and weakref),
    # unicodedata (the names here are ASCII); subprocess (with signal) is
    # for a check in a git work tree, which looks for the series' base
    import subprocess
    import sys

    from conftest import SERIES

    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "cprlint", "check",
                        "--isolated", str(SERIES / "cpr-stop-v1.mbox")], capture_output=True,
                       text=True, cwd=tmp_path)
    assert p.returncode == 1 and "MIG001" in p.stdout, p.stderr[-500:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()
              if line.startswith("import time:")}
    assert "cprlint.engine" in loaded and "tree_sitter" in loaded
    assert not {"signal", "copy", "weakref", "unicodedata", "subprocess"} & loaded
    # nor, in hunk mode, the whole-file modules, nor the reader of quoted replies
    assert not {"cprlint.code.thin", "cprlint.code.whole", "cprlint.inputs.quoted"} & loaded


def test_a_file_checked_as_it_is_loads_neither_thinning_nor_openssl(tmp_path):
    # thinning cuts a patch's whole files to the functions it changed: a
    # file checked as it is has no patch; its memo keys need no OpenSSL
    import subprocess
    import sys

    from conftest import FIXTURES

    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "cprlint", "check",
                        "--isolated", str(FIXTURES / "tree" / "migration" / "migration.c")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode in (0, 1), p.stderr[-500:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()
              if line.startswith("import time:")}
    assert "cprlint.code.whole" in loaded and "cprlint.code.declarations" in loaded
    assert not {"cprlint.code.thin", "hashlib", "_hashlib"} & loaded
