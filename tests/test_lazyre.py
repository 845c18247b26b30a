"""lazyre: module-level patterns compiled at first use, and the code re
compiles for cprlint's own patterns kept between runs (the user's cache)."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import _sre

from cprlint import lazyre

ROOT = Path(__file__).resolve().parent.parent
SERIES = ROOT / "tests" / "fixtures" / "series"


def test_the_kept_arguments_make_the_pattern_re_makes():
    # re.Pattern equality compares the compiled code, not only the text
    patterns = lazyre.registered()
    assert len(patterns) > 80
    for pattern, flags in patterns:
        compiled, args = lazyre._compile_keeping(pattern, flags)
        assert args is not None, pattern
        kept = marshal.loads(marshal.dumps(args))            # as the cache file gives them
        again = _sre.compile(pattern, *kept)
        fresh = re.compile(pattern, flags)
        assert compiled == again == fresh, pattern
        assert (again.flags, again.groups, dict(again.groupindex)) == \
            (fresh.flags, fresh.groups, dict(fresh.groupindex))


def test_checking_registers_no_pattern_of_its_own():
    # only patterns made at import are kept: a check of every rule's
    # examples and of the fixture series makes none (a pattern built from
    # the checked code must not go through lazyre.compile)
    from test_trigger_words import RULES, _check_all

    before = lazyre.registered()
    inputs = [ex.input.lstrip("\n") for r in RULES for ex in r.examples]
    inputs += [p.read_text() for p in sorted(SERIES.glob("*.mbox"))]
    for text in inputs:
        _check_all(text)
    assert list(dict.fromkeys(lazyre._REGISTERED)) == before


def _run(tmp_path, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "cprlint", "check", *args], cwd=tmp_path, capture_output=True,
        text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env or {})})


def _kept_table(tmp_path) -> tuple[Path, dict]:
    [kept] = (tmp_path / "cache" / "cprlint").glob("regex-*.marshal")
    head, crc, blob = marshal.loads(kept.read_bytes())
    assert head == lazyre._kept_head() and zlib.crc32(blob) == crc
    return kept, marshal.loads(blob)


def test_a_run_keeps_every_pattern_and_the_next_compiles_none(tmp_path):
    patch = str(SERIES / "cpr-stop-v1.mbox")
    first = _run(tmp_path, patch)
    assert first.returncode == 1 and "MIG001" in first.stdout
    _kept, table = _kept_table(tmp_path)
    assert set(table) == set(lazyre.registered())        # all of cprlint's, nothing else
    probe = ("import sys\n"
             "from cprlint import lazyre\n"
             "import cprlint.commands as c\n"
             "def done(code):\n"
             "    print('MISSED', lazyre._MISSED[0], len(lazyre._kept()))\n"
             "    sys.stdout.flush(); c.os._exit(code)\n"
             "c.flush_and_exit = done\n"
             "sys.argv = ['cprlint', 'check', sys.argv[1]]\n"
             "import cprlint.launch; cprlint.launch.main()\n")
    for _ in range(2):              # (the first of them reads the rules from their cache)
        second = subprocess.run([sys.executable, "-c", probe, patch], cwd=tmp_path,
                                capture_output=True, text=True,
                                env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
        assert f"MISSED False {len(table)}" in second.stdout
        assert second.stdout.rsplit("MISSED", 1)[0] == first.stdout
        assert second.returncode == first.returncode


def test_what_is_kept_does_not_depend_on_what_was_checked(tmp_path):
    # names from the checked code make patterns of their own (ERR003 looks
    # for a variable's assignments by its name): none of that is kept, and
    # two checks of different mails keep the same file
    from conftest import check_text

    from cprlint.engine import load_rules

    err003 = next(r for r in load_rules() if r.id == "ERR003")
    bad = next(ex.input.lstrip("\n") for ex in err003.examples
               if ex.expect == "bad" and re.search(r"\bret\b", ex.input))
    mail = re.sub(r"\bret\b", "zqmarker_ret", bad)
    assert "zqmarker_ret" in mail and check_text(mail, select=["ERR003"])
    (tmp_path / "zq.patch").write_text(mail)
    assert _run(tmp_path, "zq.patch").returncode == 1
    kept, table = _kept_table(tmp_path)
    assert not [p for p, _f in table if "zqmarker" in (p if isinstance(p, str) else p.decode())]
    one = kept.read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    assert _run(other, str(SERIES / "one-patch.patch")).returncode in (0, 1)
    assert _kept_table(other)[0].read_bytes() == one


def test_a_damaged_or_foreign_kept_file_is_not_used(tmp_path):
    patch = str(SERIES / "cpr-stop-v1.mbox")
    want = _run(tmp_path, patch, env={"CPRLINT_NO_CACHE": "1"})
    assert not (tmp_path / "cache").exists()           # the cache is off: nothing written
    _run(tmp_path, patch)
    kept, table = _kept_table(tmp_path)
    head, crc, blob = marshal.loads(kept.read_bytes())
    # the code of every pattern swapped for another's: _sre takes it, so only
    # the checksum can tell (a flipped byte in the file would do the same)
    keys = list(table)
    swapped = marshal.dumps(dict(zip(keys, [table[k] for k in keys[1:] + keys[:1]])))
    for content in (b"\x00garbage", marshal.dumps(((0, "another python"), crc, blob)),
                    marshal.dumps((head, crc, swapped))):
        kept.write_bytes(content)
        got = _run(tmp_path, patch)
        assert (got.stdout, got.returncode) == (want.stdout, want.returncode)
        _kept_table(tmp_path)                          # and it was made again, whole


def test_a_cache_that_cannot_be_written_costs_nothing(tmp_path):
    # a run that cannot keep the code does not import every module to make it
    (tmp_path / "blocked").write_text("a file, not a directory")
    probe = ("import sys\n"
             "from cprlint import lazyre\n"
             "made = []\n"
             "lazyre.registered = lambda: made.append(1) or []\n"
             "import cprlint.commands as c\n"
             "def done(code):\n"
             "    lazyre.keep_compiled()\n"
             "    print('MADE', len(made), lazyre._MISSED[0])\n"
             "    sys.stdout.flush(); c.os._exit(code)\n"
             "c.flush_and_exit = done\n"
             "sys.argv = ['cprlint', 'check', sys.argv[1]]\n"
             "import cprlint.launch; cprlint.launch.main()\n")
    got = subprocess.run([sys.executable, "-c", probe, str(SERIES / "cpr-stop-v1.mbox")],
                         cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "blocked")})
    assert "MADE 0 False" in got.stdout, got.stdout + got.stderr
    assert got.returncode == 1 and "MIG001" in got.stdout
