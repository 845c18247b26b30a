"""lazyre: module-level patterns compiled at first use, and what re
compiled of them kept between runs (the user's cache)."""

from __future__ import annotations

import importlib
import marshal
import os
import pkgutil
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import _sre

import cprlint
from cprlint import lazyre

ROOT = Path(__file__).resolve().parent.parent


def _own_patterns() -> list[tuple]:
    """(pattern, flags) of every lazyre pattern at module level in cprlint."""
    out = []
    for info in pkgutil.walk_packages(cprlint.__path__, "cprlint."):
        if info.name.endswith("__main__"):
            continue                # (runs the command line)
        module = importlib.import_module(info.name)
        for value in list(vars(module).values()):
            items = list(value) if isinstance(value, (list, tuple)) else [value]
            for v in items:
                if isinstance(v, tuple):
                    items += [x for x in v if isinstance(x, lazyre.LazyPattern)]
                if isinstance(v, lazyre.LazyPattern):
                    make = v.__dict__["_make"]
                    if isinstance(make, partial) and make.func is lazyre._compiled:
                        out.append(make.args)
    return out


def test_the_kept_arguments_make_the_pattern_re_makes():
    # re.Pattern equality compares the compiled code, not only the text
    patterns = _own_patterns()
    assert len(patterns) > 80
    for pattern, flags in patterns:
        compiled, args = lazyre._compile_keeping(pattern, flags)
        assert args is not None, pattern
        kept = marshal.loads(marshal.dumps(args))            # as the cache file gives them
        again = _sre.compile(pattern, *kept)
        assert compiled == again == re.compile(pattern, flags), pattern
        assert (again.flags, again.groups, dict(again.groupindex)) == \
            (re.compile(pattern, flags).flags, re.compile(pattern, flags).groups,
             dict(re.compile(pattern, flags).groupindex))


def _run(tmp_path, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "cprlint", "check", *args], cwd=tmp_path, capture_output=True,
        text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env or {})})


def test_a_run_keeps_what_re_compiled_and_the_next_compiles_none_of_it(tmp_path):
    patch = str(ROOT / "tests" / "fixtures" / "series" / "cpr-stop-v1.mbox")
    first = _run(tmp_path, patch)
    # (a first run parses the rule files and compiles their regexes with
    # re; from the second, with the rules from the rule cache, lazyre does)
    assert _run(tmp_path, patch).stdout == first.stdout
    [kept] = (tmp_path / "cache" / "cprlint").glob("regex-*.marshal")
    head, table = marshal.loads(kept.read_bytes())
    assert head == lazyre._kept_head() and len(table) > 20
    assert set(_own_patterns()) & set(table)
    # the next run: re compiles none of them, and the findings are the same
    probe = ("import sys\n"
             "from cprlint import lazyre\n"
             "compiled = []\n"
             "real = lazyre._compile_keeping\n"
             "lazyre._compile_keeping = lambda p, f: compiled.append(p) or real(p, f)\n"
             "import cprlint.commands as c\n"
             "def done(code):\n"
             "    print('REPARSED', len(lazyre._kept()) > 20 and len(compiled))\n"
             "    sys.stdout.flush(); c.os._exit(code)\n"
             "c.flush_and_exit = done\n"
             "sys.argv = ['cprlint', 'check', sys.argv[1]]\n"
             "import cprlint.launch; cprlint.launch.main()\n")
    second = subprocess.run([sys.executable, "-c", probe, patch], cwd=tmp_path,
                            capture_output=True, text=True,
                            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert "REPARSED 0" in second.stdout
    assert second.stdout.replace("REPARSED 0\n", "") == first.stdout
    assert second.returncode == first.returncode == 1


def test_a_damaged_or_foreign_kept_file_is_not_used(tmp_path):
    patch = str(ROOT / "tests" / "fixtures" / "series" / "cpr-stop-v1.mbox")
    want = _run(tmp_path, patch, env={"CPRLINT_NO_CACHE": "1"})
    assert not (tmp_path / "cache").exists()           # the cache is off: nothing written
    (tmp_path / "cache" / "cprlint").mkdir(parents=True)
    name = Path(lazyre._kept_file() or "regex-x.marshal").name
    where = tmp_path / "cache" / "cprlint" / name
    for content in (b"\x00garbage", marshal.dumps(((0, "another python", 1), {})),
                    marshal.dumps((lazyre._kept_head(), {(r"\d+", 0): (0, [1, 2], 0, {}, ())}))):
        where.write_bytes(content)
        got = _run(tmp_path, patch)
        assert (got.stdout, got.returncode) == (want.stdout, want.returncode)


def test_nothing_of_the_input_is_kept(tmp_path):
    # names from the checked code make patterns of their own (ERR003 looks
    # for a variable's assignments by its name): those are not kept
    import re as re_module

    from conftest import check_text

    from cprlint.engine import load_rules

    err003 = next(r for r in load_rules() if r.id == "ERR003")
    bad = next(ex.input.lstrip("\n") for ex in err003.examples
               if ex.expect == "bad" and re_module.search(r"\bret\b", ex.input))
    mail = re_module.sub(r"\bret\b", "zqmarker_ret", bad)
    assert "zqmarker_ret" in mail and check_text(mail, select=["ERR003"])
    (tmp_path / "zq.patch").write_text(mail)
    for _ in range(2):              # (the second run reads the rules from their cache)
        assert _run(tmp_path, "zq.patch").returncode == 1
    [kept] = (tmp_path / "cache" / "cprlint").glob("regex-*.marshal")
    _head, table = marshal.loads(kept.read_bytes())
    assert len(table) > 10
    assert not [p for p, _f in table if "zqmarker" in (p if isinstance(p, str) else p.decode())]
