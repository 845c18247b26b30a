"""Configuration: .cprlint.toml / [tool.cprlint], discovery, every key, the
command line over the file (ruff semantics), and the errors."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SERIES, run_cli
from cprlint.config import glob_match, resolve
from cprlint.engine import RuleError
from cprlint.options import CheckOptions

V1 = SERIES / "cpr-stop-v1.mbox"
ALL_V1 = {"CMT001", "CPR001", "MIG001", "SER001"}
KNOWN = ["CMT001", "CPL001", "CPL002", "CPR001", "MIG001", "PATCH001", "SER001"]


@pytest.fixture
def tree(tmp_path):
    """tmp/proj/series/v1.mbox; configuration files are written by each test."""
    (tmp_path / "proj" / "series").mkdir(parents=True)
    shutil.copy(V1, tmp_path / "proj" / "series" / "v1.mbox")
    return tmp_path / "proj"


def rules_in(*args, cwd=None, stdin=None):
    proc = run_cli("check", "--format", "json", *args, cwd=cwd, stdin=stdin)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, {f["rule"] for f in json.loads(proc.stdout)["findings"]}


def error_of(*args, cwd=None):
    proc = run_cli("check", *args, cwd=cwd)
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.stdout.decode(), err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


# -- discovery ---------------------------------------------------------------------

def test_cprlint_toml_found_above_the_current_directory(tree):
    (tree / ".cprlint.toml").write_text('ignore = ["CMT001"]\n')
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"CMT001"}


def test_pyproject_tool_table_and_precedence_in_one_directory(tree):
    (tree / "pyproject.toml").write_text('[tool.cprlint]\nignore = ["SER"]\n')
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"SER001"}
    (tree / ".cprlint.toml").write_text('ignore = ["CPR"]\n')     # wins in the same dir
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"CPR001"}


def test_pyproject_without_table_is_passed_over(tree):
    (tree / ".cprlint.toml").write_text('ignore = ["MIG"]\n')
    (tree / "series" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"MIG001"}


def test_pyproject_naming_cprlint_outside_a_table_of_its_own_is_passed_over(tree):
    # the word alone is not a table: the file is read as TOML to tell
    (tree / ".cprlint.toml").write_text('ignore = ["MIG"]\n')
    (tree / "series" / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["cprlint"]\n[tool.cprlint-like]\nx = 1\n')
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"MIG001"}


def test_pyproject_without_the_word_is_not_parsed(tree, monkeypatch):
    from cprlint import config

    def no_toml():
        raise AssertionError("tomllib asked for a pyproject.toml that cannot hold [tool.cprlint]")

    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nx = 1\n')
    monkeypatch.setattr(config, "_toml", no_toml)
    assert config.find_config(tree / "series") is None
    (tree / "pyproject.toml").write_text('[tool.cprlint]\nignore = ["SER"]\n')
    with pytest.raises(AssertionError):       # the word is there: TOML decides
        config.find_config(tree / "series")


def test_a_table_name_spelled_with_escapes_is_found(tree):
    # TOML reads [tool."\u0063prlint"] as [tool.cprlint]: the word is not in the file
    (tree / "pyproject.toml").write_text('[tool."\\u0063prlint"]\nignore = ["SER"]\n')
    assert "cprlint" not in (tree / "pyproject.toml").read_text()
    _, rules = rules_in("v1.mbox", cwd=tree / "series")
    assert rules == ALL_V1 - {"SER001"}


def test_config_beside_an_input_outside_the_project_is_never_read(tree, tmp_path):
    # a downloaded folder with a .cprlint.toml that switches every rule off
    down = tmp_path / "downloads"
    down.mkdir()
    shutil.copy(V1, down / "v1.mbox")
    (down / ".cprlint.toml").write_text("select = []\n")
    (tree / ".git").mkdir()                      # the project's work-tree top
    code, rules = rules_in(str(down / "v1.mbox"), cwd=tree / "series")
    assert code == 1 and rules == ALL_V1
    # nor above the project's git top level
    (tmp_path / ".cprlint.toml").write_text("select = []\n")
    assert rules_in(str(down / "v1.mbox"), cwd=tree)[1] == ALL_V1


def test_verbose_names_the_configuration_file(tree):
    (tree / ".cprlint.toml").write_text('ignore = ["CMT001"]\n')
    proc = run_cli("check", "--verbose", "v1.mbox", cwd=tree / "series")
    assert f"cprlint: configuration: {tree.resolve() / '.cprlint.toml'}" in \
        proc.stderr.decode().splitlines()
    proc = run_cli("check", "--verbose", "--isolated", "v1.mbox", cwd=tree / "series")
    assert "cprlint: configuration: none (--isolated)" in proc.stderr.decode()


def test_glob_that_backtracks_is_matched_in_linear_time():
    path = "a/" + "a" * 5000 + ".c"
    assert not glob_match("**/" + "*a" * 30 + "*b", path)
    assert glob_match("**/" + "*a" * 30 + "*.c", path)


def test_bad_bracket_glob_is_a_configuration_error(tree):
    (tree / ".cprlint.toml").write_text('exclude = ["migration/[z-a].c"]\n')
    err = error_of("v1.mbox", cwd=tree / "series")
    assert ".cprlint.toml: exclude: bad glob 'migration/[z-a].c'" in err, err
    (tree / ".cprlint.toml").write_text('[per-file-ignores]\n"[" = ["MIG"]\n"x[b-a]" = ["MIG"]\n')
    err = error_of("v1.mbox", cwd=tree / "series")
    assert "per-file-ignores: bad glob 'x[b-a]'" in err, err


def test_stdin_uses_the_current_directory(tree):
    (tree / ".cprlint.toml").write_text('select = ["CPR"]\n')
    data = V1.read_bytes()
    assert rules_in("-", cwd=tree, stdin=data)[1] == {"CPR001"}
    assert rules_in("-", cwd=tree / "series", stdin=data)[1] == {"CPR001"}


def test_explicit_config_and_isolated(tree, tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('select = ["SER001"]\n')
    (tree / ".cprlint.toml").write_text('ignore = ["CMT001"]\n')
    v1 = str(tree / "series" / "v1.mbox")
    assert rules_in("--config", str(other), v1)[1] == {"SER001"}
    assert rules_in("--isolated", v1)[1] == ALL_V1
    err = error_of("--config", str(other), "--isolated", v1)
    assert "--config" in err and "--isolated" in err


# -- keys and precedence ---------------------------------------------------------

def _settings(tmp_path, text, **cli):
    cfg = tmp_path / ".cprlint.toml"
    cfg.write_text(text)
    return resolve(CheckOptions(config=str(cfg), **cli), known=KNOWN)


def test_select_extend_select_ignore_from_the_file(tmp_path):
    s = _settings(tmp_path, 'select = ["MIG"]\nextend-select = ["CPR001"]\n')
    assert s.select == ["CPR001", "MIG001"]
    s = _settings(tmp_path, 'ignore = ["CPL", "PATCH001"]\n')
    assert s.select == ["CMT001", "CPR001", "MIG001", "SER001"]


def test_command_line_over_the_file(tmp_path):
    text = 'select = ["MIG", "CPR"]\nignore = ["CPR001"]\n'
    assert _settings(tmp_path, text).select == ["MIG001"]
    # --select replaces the file's selection (and its ignore)
    assert _settings(tmp_path, text, select=["SER"]).select == ["SER001"]
    # --extend-select adds to it, --ignore removes from it
    assert _settings(tmp_path, text, extend_select=["CMT001"]).select == ["CMT001", "MIG001"]
    s = _settings(tmp_path, text, extend_select=["CPR"], ignore=["MIG"])
    assert s.select == ["CPR001"]
    # nothing left: no rule runs
    s = _settings(tmp_path, 'select = ["MIG"]\n', ignore=["MIG"])
    assert s.select and set(s.select) == set(s.ignore)


def test_fail_on_from_the_file_and_the_command_line(tree):
    (tree / ".cprlint.toml").write_text('select = ["SER001"]\nfail-on = "error"\n')
    v1 = str(tree / "series" / "v1.mbox")
    rc, rules = rules_in(v1, cwd=tree)
    assert rules == {"SER001"} and rc == 0          # a warning does not fail at "error"
    assert rules_in("--fail-on", "warning", v1, cwd=tree)[0] == 1


def test_per_file_ignores_and_exclude(tree):
    v1 = str(tree / "series" / "v1.mbox")
    (tree / ".cprlint.toml").write_text(
        '[per-file-ignores]\n"migration/migration.c" = ["CMT001"]\n"hw/**" = ["MIG"]\n')
    assert rules_in(v1, cwd=tree)[1] == ALL_V1 - {"CMT001"}
    (tree / ".cprlint.toml").write_text('per-file-ignores = {"migration/**" = ["MIG", "SER"]}\n')
    assert rules_in(v1, cwd=tree)[1] == {"CMT001", "CPR001"}
    (tree / ".cprlint.toml").write_text('per-file-ignores = {"*.c" = ["CPR001"]}\n')
    assert rules_in(v1, cwd=tree)[1] == ALL_V1 - {"CPR001"}
    (tree / ".cprlint.toml").write_text('exclude = ["migration/"]\n')
    rc, rules = rules_in(v1, cwd=tree)
    assert rules == set() and rc == 0


def test_glob_match():
    assert glob_match("migration/ram.c", "migration/ram.c")
    assert glob_match("hw/**", "hw/vfio/migration.c")
    assert glob_match("hw/*.c", "hw/x.c") and not glob_match("hw/*.c", "hw/vfio/x.c")
    assert glob_match("hw/*", "hw/vfio/x.c")      # matches the directory hw/vfio
    assert glob_match("**/cpr*.c", "migration/cpr-transfer.c")
    assert glob_match("cpr.c", "migration/cpr.c")           # a bare name: any directory
    assert glob_match("migration", "migration/ram.c")        # a directory: all below
    assert not glob_match("migration/ram.c", "migration/ram.c.inc")
    assert not glob_match("hw/**", "migration/hw.c")


# -- errors -----------------------------------------------------------------------

@pytest.mark.parametrize("text,needle", [
    ('select = ["MIG999"]\n', "select: unknown rule or prefix 'MIG999'"),
    ('extend-select = ["NOPE"]\n', "extend-select: unknown rule or prefix 'NOPE'"),
    ('ignore = ["XYZ1"]\n', "ignore: unknown rule or prefix 'XYZ1'"),
    ('per-file-ignores = {"hw/**" = ["MIGX"]}\n', 'per-file-ignores."hw/**": unknown rule'),
    ('selct = ["MIG"]\n', "unknown key 'selct'"),
    ('select = "MIG"\n', "'select' must be a list of strings"),
    ('fail-on = "fatal"\n', "'fail-on' must be one of info, warning, error"),
    ('per-file-ignores = ["MIG"]\n', "'per-file-ignores' must map globs"),
    ('select = [\n', "invalid TOML"),
])
def test_bad_configuration_is_one_line_naming_file_and_key(tree, text, needle):
    cfg = tree / ".cprlint.toml"
    cfg.write_text(text)
    err = error_of("v1.mbox", cwd=tree / "series")
    assert str(cfg) in err and needle in err
    assert cfg.read_text() == text                   # never rewritten


def test_bad_pyproject_table_names_the_table(tree):
    (tree / "pyproject.toml").write_text('[tool.cprlint]\nselect = ["MIG999"]\n')
    err = error_of("v1.mbox", cwd=tree / "series")
    assert "pyproject.toml: [tool.cprlint].select: unknown rule or prefix 'MIG999'" in err


def test_explicit_config_missing_or_without_table(tmp_path):
    err = error_of("--config", str(tmp_path / "nope.toml"), str(V1))
    assert "nope.toml" in err and "not found" in err
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    err = error_of("--config", str(tmp_path / "pyproject.toml"), str(V1))
    assert "no [tool.cprlint] table" in err


def test_unknown_code_on_the_command_line_names_the_option(tmp_path):
    with pytest.raises(RuleError, match="--ignore: unknown rule or prefix 'ZZZ'"):
        resolve(CheckOptions(isolated=True, ignore=["ZZZ"]), known=KNOWN)
