"""Property: every input ends in exit 0, 1 or 2 with clean output, never an
internal error (an exception out of run_check).  A small budget here;
bench/fuzz.py runs the same strategies for as long as you like.  Inputs it
found are kept in tests/fixtures/fuzz/ and replayed below."""

from __future__ import annotations

from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from fuzz_inputs import any_input, check_one  # noqa: E402

FOUND = sorted((Path(__file__).resolve().parent / "fixtures" / "fuzz").glob("*"))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(any_input)
def test_every_input_is_findings_or_a_one_line_error(data):
    assert check_one(data) in (0, 1, 2)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(any_input)
def test_reply_mail_output_is_clean(data):
    assert check_one(data, "email") in (0, 1, 2)


@pytest.mark.parametrize("path", FOUND, ids=[p.name for p in FOUND])
def test_fuzz_findings_stay_fixed(path):
    for fmt in ("text", "email"):
        assert check_one(path.read_bytes(), fmt) in (0, 1, 2)
