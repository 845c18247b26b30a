"""The digests that key the memos of whole files and functions."""

from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURES
from cprlint.code.digests import digest, text_key


def test_parts_are_kept_apart():
    # the same bytes cut at another place are another key
    assert digest(b"ab", b"c") != digest(b"a", b"bc")
    assert digest(b"abc") != digest(b"ab", b"c")
    assert digest(b"ab", b"c") == digest(b"ab", b"c")
    assert len(digest(b"x")) == 20


def test_text_keys_differ_by_text_and_keep_surrogates():
    assert text_key("int x;\n") != text_key("int y;\n")
    assert text_key("a\udcffb") != text_key("a\udcfeb")   # undecodable bytes kept apart


_PROBE = """
import sys
from cprlint.check import run_check
from cprlint.options import CheckOptions
findings = run_check(CheckOptions(paths=[sys.argv[1]], isolated=True, cwd=sys.argv[2]))[0]
print(len(findings), "hashlib" in sys.modules, "_hashlib" in sys.modules)
"""


def test_a_whole_file_check_does_not_load_openssl(tmp_path):
    # hashlib loads OpenSSL (_hashlib), 2-3 ms of a run that needs none of it
    path = FIXTURES / "tree" / "migration" / "migration.c"
    out = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["False", "False"], out


def test_keys_without_the_blake2_module():
    code = ("import sys\nsys.modules['_blake2'] = None\n"
            "from cprlint.code.digests import digest, text_key\n"
            "print(len(digest(b'a', b'b')), digest(b'ab', b'c') != digest(b'a', b'bc'), "
            "len(text_key('x')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["20", "True", "40"]
