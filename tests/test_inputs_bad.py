"""Bad input: always InputError, with path and line where known."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import pytest

from cprlint.errors import InputError
from cprlint.inputs.load import load_series

BAD = Path(__file__).parent / "fixtures" / "bad"
GOOD = Path(__file__).parent / "fixtures" / "inputs"


def _err(path: str, **kw) -> InputError:
    with pytest.raises(InputError) as ei:
        load_series([path], **kw)
    assert ei.value.path == path
    assert ei.value.one_line().startswith(f"cprlint: {path}")
    return ei.value


@pytest.mark.parametrize("name,line,words", [
    ("empty.mbox", None, "empty file"),
    ("prose.txt", None, "no patch found: not an mbox, mail or diff"),
    ("random.bin", 1, "not valid UTF-8"),
    ("nocharset-latin1.eml", 6, "not valid UTF-8 (no charset declared)"),
    ("truncated-hunk.patch", 17, "hunk at line 17 is truncated (expected 6 old / 9 new lines"),
    ("ambiguous-wrap.patch", 5, "cannot repair line-wrapped hunk at line 5 without guessing"),
    ("binary-only.patch", None, "only a binary diff; nothing to check"),
    ("corrupt.gz", None, "corrupt gzip data"),
    ("only-replies.mbox", None, "no patch found"),
])
def test_bad_fixture(name, line, words):
    e = _err(str(BAD / name))
    assert words in e.message
    assert e.line == line


def test_missing_path():
    assert _err(str(BAD / "does-not-exist.mbox")).message == "no such file"


def test_directory():
    # the mail loader never reads a directory: `cprlint check DIR` walks it for
    # C files (cprlint.sources) before any mail is read
    assert _err(str(BAD)).message == "is a directory; give an mbox or patch file"


def test_directory_without_c_files_is_an_input_error():
    from cprlint.options import CheckOptions
    from cprlint.sources import load_job

    with pytest.raises(InputError) as ei:
        load_job(CheckOptions(paths=[str(BAD)]))
    assert ei.value.path == str(BAD) and "no C files" in ei.value.message


def test_empty_stdin():
    assert _err("-", stdin=io.BytesIO(b"")).message == "empty file"


def test_truncated_gzip():
    data = gzip.compress((GOOD / "lore-thread.mbox").read_bytes())[:200]
    assert "truncated" in _err("-", stdin=io.BytesIO(data)).message


def test_only_input_errors_escape_for_mangled_inputs():
    """Cut, shuffle and corrupt the good fixtures: InputError or a Series, nothing else."""
    rnd = random.Random(7)
    seeds = [p.read_bytes() for p in sorted(GOOD.iterdir())]
    for k in range(300):
        data = bytearray(rnd.choice(seeds))
        op = k % 4
        if op == 0:
            data = data[:rnd.randrange(len(data))]
        elif op == 1:
            for _ in range(5):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif op == 2:
            lines = bytes(data).split(b"\n")
            rnd.shuffle(lines)
            data = bytearray(b"\n".join(lines))
        else:
            lines = bytes(data).split(b"\n")
            i = rnd.randrange(len(lines))
            lines.insert(i, lines[i][: len(lines[i]) // 2])
            data = bytearray(b"\n".join(lines))
        try:
            load_series(["-"], stdin=io.BytesIO(bytes(data)))
        except InputError as e:
            assert e.path == "-" and e.message
