"""cprlint.inputs: mbox/mail/diff forms -> Series."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from cprlint.inputs.load import load_series

FIX = Path(__file__).parent / "fixtures" / "inputs"


def _line_of(path: Path, text: str) -> int:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    hits = [i for i, ln in enumerate(lines, 1) if ln == text]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def test_three_patch_series_with_cover():
    path = FIX / "series-v2-3.mbox"
    s = load_series([str(path)])
    assert s.cover is not None and s.cover.is_cover
    assert s.cover.subject == "migration: order the CPR stop and resume"
    assert [p.label() for p in s.patches] == ["1/3", "2/3", "3/3"]   # mbox order was 1, 3, 2
    assert {p.version for p in s.patches} == {2}
    p1, p2, p3 = s.patches
    # folded subject unfolded
    assert p1.subject == "migration/cpr: skip the state save before the target is ready"
    assert p1.tags == ["PATCH"]
    assert p1.author == "Alice Example <alice@example.org>"
    assert p1.message_id == "cpr-v2-1@example.org"
    assert p1.in_reply_to == "cpr-v2-0@example.org"
    assert p1.references == ["cpr-v2-0@example.org"]
    assert "Bob Reviewer" in p1.cc and p1.to == "qemu-devel@nongnu.org"
    assert p1.trailers == [("Signed-off-by", "Alice Example <alice@example.org>"),
                           ("Reviewed-by", "Bob Reviewer <bob@example.org>")]
    assert p1.commit_message.startswith("The target may not listen yet")
    assert p1.input_line == _line_of(path, "From " + "a1" * 20 + " Mon Sep 17 00:00:00 2001")
    assert s.cover.input_line == 1
    # body -> input line mapping of one added line
    added = [ln for h in p1.files[0].hunks for ln in h.lines if ln.kind == "+"]
    assert added[0].text == "    if (!cpr_transfer_target_ready(channel)) {"
    assert added[0].input_line == _line_of(path, "+" + added[0].text)
    assert added[0].new_no == 123 and added[0].old_no is None
    # in-body From: wins; prose '--- ' line is not a diff
    assert p2.author == "Carol Author <carol@example.org>"
    assert "--- this line starts like a diff" in p2.commit_message
    assert [f.path for f in p2.files] == ["migration/savevm.c"]
    # non-C and binary files kept and listed as skipped
    assert [f.path for f in p3.files] == ["migration/migration.c", "docs/devel/migration/CPR.rst",
                                          "tests/data/migration/cpr-state.bin"]
    assert p3.files[2].is_binary and not p3.files[1].is_c
    assert {(k.path, k.reason) for k in s.skipped_files} == {
        ("docs/devel/migration/CPR.rst", "not C"), ("tests/data/migration/cpr-state.bin", "binary")}
    h = p3.files[0].hunks[0]
    assert h.section == "static void migration_cpr_finish(MigrationState *s)"
    assert h.function_hint == "migration_cpr_finish"
    assert h.header_input_line == _line_of(path, "@@ -2210,5 +2210,7 @@ " + h.section)
    assert p3.files[0].old_blob == "1a2b3c4" and p3.files[0].new_blob == "5d6e7f8"
    assert p3.commit_message.startswith("From a quick look")    # not a message split


def test_b4_mbox():
    s = load_series([str(FIX / "b4-v3.mbx")])
    assert [p.label() for p in s.patches] == ["1/2", "2/2"]
    assert all(p.version == 3 for p in s.patches)
    assert s.cover is None
    assert s.patches[0].input_line == 1


def test_lore_thread_keeps_newest_version_and_counts_replies():
    s = load_series([str(FIX / "lore-thread.mbox")])
    assert s.replies_skipped == 2
    assert s.versions_skipped == [1]
    assert s.cover is not None and s.cover.version == 2
    assert [p.label() for p in s.patches] == ["1/2", "2/2"]
    assert [p.message_id for p in s.patches] == ["v2-1@x", "v2-2@x"]
    assert s.patches[0].commit_message.startswith("New version.")


def test_gzip_file_and_stdin(tmp_path):
    raw = (FIX / "lore-thread.mbox").read_bytes()
    gz = tmp_path / "t.mbox.gz"
    gz.write_bytes(gzip.compress(raw))
    s1 = load_series([str(gz)])
    s2 = load_series(["-"], stdin=io.BytesIO(gzip.compress(raw)))
    s3 = load_series(["-"], stdin=io.BytesIO(raw))
    for s in (s1, s2, s3):
        assert [p.label() for p in s.patches] == ["1/2", "2/2"] and s.replies_skipped == 2
    assert s2.patches[0].input_path == "-"
    # same input lines whether gzipped or not
    assert ([ln.input_line for ln in s1.patches[0].files[0].hunks[0].lines]
            == [ln.input_line for ln in s3.patches[0].files[0].hunks[0].lines])


def test_quoted_printable_body():
    s = load_series([str(FIX / "qp.eml")])
    p = s.patches[0]
    assert p.subject == "migration/cpr: skip the state save early"
    assert not p.lines_exact
    assert "split with a soft line break." in p.commit_message
    lines = p.files[0].hunks[0].lines
    assert any(ln.text == "    f = cpr_transfer_output(channel, errp);" for ln in lines)
    assert any("a =3D b" in ln.text for ln in lines)
    assert all(ln.input_line is None for ln in lines)
    assert p.message_id_synthesised and p.message_id.endswith("@cprlint.invalid")
    assert load_series([str(FIX / "qp.eml")]).patches[0].message_id == p.message_id   # stable


def test_latin1_declared_charset():
    path = FIX / "latin1.eml"
    p = load_series([str(path)]).patches[0]
    assert p.author == "José María <jose@example.org>"
    assert "café" in p.commit_message
    added = p.files[0].hunks[0].lines[1]
    assert added.text == "    /* stop first: the target réclaims the devices */"
    raw_lines = path.read_bytes().split(b"\n")
    assert raw_lines[added.input_line - 1] == ("+" + added.text).encode("latin-1")


def test_wrapped_plain_patch_is_repaired():
    path = FIX / "wrapped.patch"
    p = load_series([str(path)]).patches[0]
    assert [(r.input_line, r.joined_to) for r in p.repairs] == [(18, 17), (23, 22)]
    assert not p.quoted
    h = p.files[0].hunks[0]
    assert h.section == ("static QEMUFile *cpr_transfer_output_channel(MigrationChannel "
                         "*channel, Error **errp)")
    joined = [ln for ln in h.lines if "cannot transfer" in ln.text][0]
    assert joined.text.endswith('over a channel of type %d",')
    assert joined.input_line == 22
    assert (h.target_length, h.source_length) == (10, 5)


def test_crlf_normalised():
    p = load_series([str(FIX / "crlf.eml")]).patches[0]
    assert p.crlf_repaired
    assert p.subject == "migration/cpr: skip early"
    assert all("\r" not in ln.text for h in p.files[0].hunks for ln in h.lines)
    assert p.files[0].path == "migration/cpr.c"
    assert p.files[0].hunks[0].section.endswith("Error **errp)")


def test_bare_diff_named_after_file():
    s = load_series([str(FIX / "bare.diff")])
    p = s.patches[0]
    assert (p.subject, p.index, p.total) == ("bare.diff", 1, 1)
    assert p.files[0].hunks[0].lines[3].input_line == 9   # the '-' line


def test_several_single_patch_files_are_numbered_in_order():
    s = load_series([str(FIX / "bare.diff"), str(FIX / "crlf.eml")])
    assert [p.label() for p in s.patches] == ["1/2", "2/2"]
    assert s.patches[1].input_path.endswith("crlf.eml")


def test_quoted_git_path_unquoted():
    from cprlint.inputs.diff import unquote_git_path
    assert unquote_git_path('"a/migration/\\303\\244.c"') == "a/migration/ä.c"
    assert unquote_git_path("a/plain.c") == "a/plain.c"


def test_mboxrd_unescape_and_strict_from_split():
    from cprlint.inputs.mail import decode_message, split_lines, split_mbox

    msgs = split_mbox(split_lines((FIX / "lore-thread.mbox").read_bytes()))
    assert len(msgs) == 7                      # "From a quick look" did not split
    reply = decode_message("t", msgs[2])
    texts = [ln.text for ln in reply.body]
    assert "From the trace this returns too early. Please squash:" in texts
    assert "From a quick look the rest is fine." in texts
    first = reply.body[0]
    raw = (FIX / "lore-thread.mbox").read_text().splitlines()
    assert raw[first.input_line - 1] == first.text


def test_the_basement_is_cut_whatever_its_case():
    from cprlint.inputs.lines import number_lines
    from cprlint.inputs.message import strip_basement

    diff = number_lines("diff --git a/m.c b/m.c\n+int x;\n---\n"
                        "Base-Commit: 0123abc\nPREREQUISITE-patch-id: 42\n", 1)
    kept, base = strip_basement(diff)
    assert [ln.text for ln in kept] == ["diff --git a/m.c b/m.c", "+int x;"]
    assert base == "0123abc"
    plain = number_lines("diff --git a/m.c b/m.c\n+base = 1;\n+change-idx: 2;\n", 1)
    assert strip_basement(plain) == (plain, "")


def test_the_from_lines_of_git_and_b4_are_recognised_as_the_strict_pattern_would():
    # the From_ lines git format-patch and b4 write are told apart without
    # the strict pattern (its compile is start-up time); every other line
    # still goes to it, so both ways give the same answer
    from cprlint.inputs.mail import FROM_LINE, from_line

    sha = b"26f65c01edcf1bbd5d7e4a1b9f0e6c2d8a3b7f41"
    lines = [
        b"From " + sha + b" Mon Sep 17 00:00:00 2001",
        b"From " + sha + b" Mon Sep 17 00:00:00 2001\r",
        b"From " + sha + b" Mon Sep 17 00:00:00 2001 \t",
        b"From git@z Thu Jan  1 00:00:00 1970",
        b"From mboxrd@z Thu Jan  1 00:00:00 1970",
        b"From  Mon Sep 17 00:00:00 2001",               # no sender
        b"From a\tb Mon Sep 17 00:00:00 2001",           # a tab in the sender
        b"From a\x0bb Mon Sep 17 00:00:00 2001",
        b"From x Mon Sep 17 00:00:00 2001 trailing",
        b"From x Mon Sep 17 00:00:00 2001\n",
        b"From someone@example.org Tue Mar  4 10:20:30 2025",
        b"From the start, the VM is stopped Mon Sep 17 00:00:00 2001",
        b"From the start, the VM is stopped.",
        b"From: Someone <someone@example.org>",
        b">From " + sha + b" Mon Sep 17 00:00:00 2001",
    ]
    for line in lines:
        assert from_line(line) == bool(FROM_LINE.match(line)), line


def test_git_and_b4_mboxes_are_split_without_compiling_the_strict_from_pattern(
        monkeypatch, tmp_path):
    import cprlint.inputs.mail as mail

    fresh = type(mail.FROM_LINE)(mail.FROM_LINE._make)      # a stand-in not compiled yet
    monkeypatch.setattr(mail, "FROM_LINE", fresh)
    # (the fixture's commit message has a line starting "From a quick look",
    # which only the strict pattern can judge)
    text = (FIX / "series-v2-3.mbox").read_bytes().replace(b"\nFrom a quick", b"\nAt a quick")
    (tmp_path / "s.mbox").write_bytes(text)
    assert [p.label() for p in load_series([str(tmp_path / "s.mbox")]).patches] \
        == ["1/3", "2/3", "3/3"]
    assert len(load_series([str(FIX / "b4-v3.mbx")]).patches) >= 1
    assert "match" not in fresh.__dict__
    load_series([str(FIX / "series-v2-3.mbox")])
    assert "match" in fresh.__dict__
