"""Hypothesis strategies for hostile cprlint inputs, shared by the property
test (tests/test_fuzz.py, small budget) and bench/fuzz.py (long runs)."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = [p.read_bytes() for p in sorted((FIXTURES / "series").glob("*")) +
         sorted((FIXTURES / "inputs").glob("*")) if p.is_file()]

# pieces that stress the parsers and the rules: C structure, mail structure,
# rule cue words, control characters
TOKENS = [
    "{", "}", "(", ")", "[", "]", ";", ",", "if (", "else ", "while (", "do ", "for (;;) ",
    "switch (x) {", "case 1:", "goto out;", "out:", "return;", "/*", "*/", "//", "\"", "'",
    "\\", "#if 0\n", "#endif\n", "#define X(a) ", "vm_resume(s->vm_old_state);",
    "migration_block_activate(NULL)", "cpr_state_save(f, &err)", "migration_stop_vm(s, 1)",
    "migrate_mode_is_cpr()", "migration_has_failed(s)", "QTAILQ_FOREACH(a, b, c) ",
    "we used to ", "this patch ", "in production ", "a@b.c ", "--> ", "| x |", "   ",
    "\t", "\n", "\r\n", "\x1b[2J", "\x00", "\x7f", "\u2028", "é", "=?utf-8?q?a=0D=0A?=",
    "@@ -1,3 +1,4 @@ ", "diff --git a/a.c b/a.c\n", "--- a/a.c\n", "+++ b/a.c\n", "+", "-", " ",
    "From ", "Subject: ", "> ", "Signed-off-by: A <a@b.c>\n", "-- \n", "aaaaaaaa", "_",
]

HEAD = ("From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n"
        "From: Ada <ada@example.org>\nDate: Sat, 20 Jun 2026 10:01:00 +0200\n"
        "Subject: [PATCH] {subject}\n\n{body}\n---\n"
        "diff --git a/migration/migration.c b/migration/migration.c\n"
        "--- a/migration/migration.c\n+++ b/migration/migration.c\n"
        "@@ -10,2 +10,{n} @@ static void f(MigrationState *s)\n {{\n{added} }}\n")

token_text = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@st.composite
def generated_patch(draw) -> bytes:
    """A well-formed mail whose added lines, subject and body are token soup;
    sometimes one token repeated thousands of times (deep nesting, long lines)."""
    lines = draw(st.lists(token_text, max_size=12))
    if draw(st.booleans()):
        tok = draw(st.sampled_from(TOKENS))
        lines.append(tok * draw(st.integers(100, 5000)))
    lines = [ln.replace("\n", " ") for ln in lines]
    text = HEAD.format(subject=draw(token_text).replace("\n", " "),
                       body=draw(token_text), n=2 + len(lines),
                       added="".join("+" + ln + "\n" for ln in lines))
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_seed(draw) -> bytes:
    """A fixture with a few byte-level edits: inserted tokens, deleted or
    duplicated spans, flipped bytes."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["insert", "delete", "dup", "flip"]))
        if op == "insert":
            data[pos:pos] = draw(token_text).encode("utf-8", "surrogatepass")
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 200))]
        elif op == "dup":
            span = bytes(data[pos:pos + draw(st.integers(1, 80))])
            data[pos:pos] = span * draw(st.integers(1, 200))
        else:
            data[pos] = draw(st.integers(0, 255))
    return bytes(data)


any_input = st.one_of(generated_patch(), mutated_seed(), st.binary(max_size=2000))

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check_one(data: bytes, fmt: str = "text") -> int:
    """`cprlint check --isolated --format FMT -` on ``data``, in-process.
    Returns the exit code; an exception that is not an input or rule error
    (an internal error) propagates.  Asserts the output is clean."""
    from cprlint.check import run_check
    from cprlint.config import ConfigError
    from cprlint.engine import RuleError, fails
    from cprlint.errors import InputError
    from cprlint.options import CheckOptions
    from cprlint.report import render

    opts = CheckOptions(paths=["-"], isolated=True, fmt=fmt, cwd=tempfile.gettempdir())
    try:
        findings, summary, settings = run_check(opts, stdin=io.BytesIO(data))
    except (InputError, RuleError, ConfigError):
        return 2
    out = render(fmt, findings, summary, opts)
    bad = _CONTROL.search(out)
    assert bad is None, f"control character {bad.group()!r} in {fmt} output"
    return 1 if fails(findings, settings.fail_on) else 0
