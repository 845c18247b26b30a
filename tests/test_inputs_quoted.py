"""A patch quoted in a review reply (the seed), and the wrap repair on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cprlint.errors import InputError
from cprlint.inputs.load import load_series
from cprlint.inputs.quoted import find_quoted_patch, split_quote
from cprlint.inputs.lines import number_lines

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_3079a1e009a6164a.txt"


def test_split_quote():
    assert split_quote(">> +foo") == (2, "+foo")
    assert split_quote(">>  ctx") == (2, " ctx")
    assert split_quote(">>") == (2, "")
    assert split_quote("> > -bar") == (2, "-bar")
    assert split_quote("no quote") == (0, "no quote")


@pytest.fixture
def seed():
    if not SEED.exists():
        pytest.skip("shared seeds not available")
    return SEED


def test_seed_loads_as_one_quoted_patch(seed):
    s = load_series([str(seed)])
    assert len(s.patches) == 1 and s.cover is None
    p = s.patches[0]
    assert p.quoted and p.quote_depth == 2
    assert p.author == "Andrey Drobyshev" and p.date == "2026-06-12 9:51 AM"
    assert p.subject == ""
    assert [f.path for f in p.files] == ["migration/migration.c"]
    hunks = p.files[0].hunks
    assert [(h.source_start, h.source_length, h.target_start, h.target_length) for h in hunks] == [
        (1380, 10, 1380, 13), (2130, 6, 2133, 45), (3482, 13, 3524, 19),
        (3903, 7, 3951, 6), (3944, 14, 3991, 6)]
    assert [h.header_input_line for h in hunks] == [30, 60, 141, 169, 177]
    # the wrapped hunk header was joined
    assert hunks[2].section == "static void migration_iteration_finish(MigrationState *s)"
    # post-image line 1389 and its line in the seed
    seed_lines = seed.read_text().splitlines()
    l1389 = [ln for ln in hunks[0].lines if ln.new_no == 1389]
    assert len(l1389) == 1 and l1389[0].text == "        vm_resume(s->vm_old_state);"
    assert seed_lines[l1389[0].input_line - 1] == ">> +        vm_resume(s->vm_old_state);"
    # the reviewer's comments (depth 1) and the answer (depth 0) are gone
    assert not any("Complete successfully" in ln.text for h in hunks for ln in h.lines)
    # five wraps undone, each checked by hand against the seed
    assert [(r.input_line, r.joined_to) for r in p.repairs] == [
        (87, 86), (127, 126), (133, 132), (142, 141), (185, 184)]
    by_line = {ln.input_line: ln for h in hunks for ln in h.lines}
    assert by_line[86].text.endswith("Target proceeds immediately")
    assert by_line[126].text.endswith("should have minimal downtime.")
    assert by_line[132].kind == "+" and by_line[132].text.endswith('error %d", -ret);')
    assert by_line[184].kind == "-" and by_line[184].text.endswith('error %d", -ret);')
    assert 87 not in by_line and 133 not in by_line and 185 not in by_line
    assert p.trailers[-1][0] == "Signed-off-by"


def test_seed_with_mail_headers_takes_subject(seed, tmp_path):
    hdr = (b"From: Andrey <a@example.org>\nSubject: Re: [PATCH v2 1/4] migration: stop the VM "
           b"early for CPR\nDate: Tue, 16 Jun 2026 10:00:00 +0000\nMessage-ID: <r@x>\n\n")
    f = tmp_path / "reply.eml"
    f.write_bytes(hdr + seed.read_bytes())
    s = load_series([str(f)])
    p = s.patches[0]
    assert p.quoted and p.subject == "migration: stop the VM early for CPR"
    assert (p.version, p.index, p.total) == (2, 1, 4)
    assert p.author == "Andrey Drobyshev"
    assert s.replies_skipped == 0
    # every input line shifted by the 5 header lines
    assert [(r.input_line, r.joined_to) for r in p.repairs][0] == (92, 91)


def test_truncated_quote_is_an_error(tmp_path):
    body = "\n".join([
        "On Mon, 2 Jun 2025 10:00, Alice wrote:",
        "> diff --git a/migration/ram.c b/migration/ram.c",
        "> --- a/migration/ram.c",
        "> +++ b/migration/ram.c",
        "> @@ -10,6 +10,7 @@ static void ram_save_cleanup(void *opaque)",
        ">      RAMState *rs = opaque;",
        "> +    ram_state_cleanup(rs);",
        "",
        "Why here?",
        "",
    ])
    f = tmp_path / "snip.txt"
    f.write_text(body)
    with pytest.raises(InputError) as ei:
        load_series([str(f)])
    assert ei.value.line == 5 and "truncated" in ei.value.message


def test_original_patch_wins_over_quote():
    lines = number_lines("diff --git a/x.c b/x.c\n> diff --git a/y.c b/y.c\n", 1)
    assert find_quoted_patch(lines) is None
