"""A large mbox is read as it goes and checked a window of patches at a
time (issue 12, streaming): the same messages and findings as a whole
read, and a window's patches let go before the next is read."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from cprlint import limits
from cprlint.check import run_check
from cprlint.inputs import load as load_mod
from cprlint.inputs.mail import split_lines, split_mbox
from cprlint.inputs.stream import Source, messages, starts_as_mbox
from cprlint.options import CheckOptions

from conftest import SERIES

FROM = b"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"

TRICKY = [
    # leading blank lines, a From_ line in a body (no header after it), mboxrd
    b"\n\n" + FROM + b"From: A <a@b>\nSubject: one\n\nbody\nFrom here on\n\n"
    + FROM + b"From: A <a@b>\nSubject: two\n\n>From me\nlast",
    # a From_ line that ends the input, and one followed by a non-header
    FROM + b"Subject: x\n\nb\n" + FROM + b"not a header\n" + FROM,
    b"From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From y\n\n\n",
]


def _shape(msgs):
    return [(m.lines, m.first_line, m.header_line, m.mboxrd) for m in msgs]


@pytest.mark.parametrize("data", TRICKY)
def test_messages_are_cut_as_a_whole_read_cuts_them(tmp_path, data):
    whole = split_mbox(split_lines(data))
    path = tmp_path / "in.mbox"
    path.write_bytes(data)
    for source in (Source(str(path)), Source(str(path), data)):
        assert starts_as_mbox(source)
        got = list(messages(source))
        assert _shape(m for m, _ in got) == _shape(whole)
        # and each message read again from its span is the same message
        assert _shape(span.message(source) for _, span in got) == _shape(whole)


def test_not_an_mbox_is_not_streamed(tmp_path):
    path = tmp_path / "one.patch"
    path.write_bytes(b"From: A <a@b>\nSubject: [PATCH] x\n\n")
    assert not starts_as_mbox(Source(str(path)))


def _run(path, **opts):
    return run_check(CheckOptions(paths=[str(path)], isolated=True, **opts))


def _keys(findings):
    return sorted((f.rule, f.patch.index if f.patch else 0, f.path, f.line, f.input_line,
                   f.message) for f in findings)


def test_a_series_read_from_the_file_as_it_goes_finds_the_same(monkeypatch):
    mbox = SERIES / "cpr-stop-v1.mbox"
    whole, summary, _ = _run(mbox)
    assert whole, "the fixture has findings to compare"
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)     # every file streamed
    streamed, summary2, _ = _run(mbox)
    assert _keys(streamed) == _keys(whole)
    assert summary2.patches == summary.patches == 3


def test_a_long_series_is_checked_in_windows_with_the_same_findings(monkeypatch):
    mbox = SERIES / "cpr-stop-v1.mbox"
    whole, _, _ = _run(mbox)
    # SER001 ties patch 1 to patch 2, CPR001 is on patch 3: windows of two
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(limits, "SERIES_WINDOW_PATCHES", 2)
    windowed, summary, _ = _run(mbox)
    assert _keys(windowed) == _keys(whole)
    assert summary.patches == 3
    assert [p.label() for p in summary.series.patches] == ["1/3", "2/3", "3/3"]
    assert any("at most 2 patches" in n and "do not look beyond" in n for n in summary.notes)
    # the email reply's summary lists every patch, the let-go ones too
    from cprlint.report import render

    out = render("email", windowed, summary)
    assert "3/3" in out and "2/3" in out


def test_a_window_is_let_go_before_the_next_is_read(monkeypatch):
    """Memory is bounded by a window: when a window is built, no patch of
    an earlier one is alive (the fixture series has no findings, which
    would keep their patches for the report)."""
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(limits, "SERIES_WINDOW_PATCHES", 1)
    refs: list = []
    alive_at_build: list[int] = []
    build = load_mod.SeriesPlan._window

    def spy(self, part):
        gc.collect()
        alive_at_build.append(sum(r() is not None for r in refs))
        series = build(self, part)
        refs.extend(weakref.ref(p) for p in series.patches)
        return series

    monkeypatch.setattr(load_mod.SeriesPlan, "_window", spy)
    findings, summary, _ = _run(SERIES / "cpr-stop-v2.mbox")
    assert not findings and summary.patches == 3
    assert alive_at_build == [0, 0, 0]


def test_a_binary_only_series_is_still_an_error_when_windowed(tmp_path, monkeypatch):
    from cprlint.errors import InputError

    mail = (FROM + b"From: A <a@b>\nSubject: [PATCH {k}/2] img\n\n---\n"
            b"diff --git a/x.png b/x.png\nindex 1111111..2222222 100644\n"
            b"Binary files a/x.png and b/x.png differ\n")
    path = tmp_path / "bin.mbox"
    path.write_bytes(mail.replace(b"{k}", b"1") + mail.replace(b"{k}", b"2"))
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(limits, "SERIES_WINDOW_PATCHES", 1)
    with pytest.raises(InputError, match="only a binary diff"):
        _run(path)


@pytest.mark.parametrize("data", TRICKY)
def test_a_packed_standard_input_is_cut_the_same(monkeypatch, data):
    from cprlint.inputs import reader

    monkeypatch.setattr(reader.Packed, "PIECE", 7)     # lines cross pieces
    import io

    packed = reader.read_stdin(io.BytesIO(data), pack_above=0)
    assert isinstance(packed, reader.Packed) and packed.whole() == data
    source = Source("-", packed)
    assert [ln for ln in source.lines()] == list(Source("-", data).lines())
    got = list(messages(source))
    assert _shape(m for m, _ in got) == _shape(split_mbox(split_lines(data)))
    assert _shape(span.message(source) for _, span in got) == _shape(m for m, _ in got)


def test_a_large_standard_input_finds_the_same(monkeypatch):
    import io

    data = (SERIES / "cpr-stop-v1.mbox").read_bytes()
    whole, _, _ = run_check(CheckOptions(paths=["-"], isolated=True), stdin=io.BytesIO(data))
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)      # kept compressed
    from cprlint.inputs import reader

    monkeypatch.setattr(reader.Packed, "PIECE", 1000)
    packed, summary, _ = run_check(CheckOptions(paths=["-"], isolated=True),
                                   stdin=io.BytesIO(data))
    assert whole and _keys(packed) == _keys(whole)
    assert summary.patches == 3


def _no_signoff_series(tmp_path, n: int, signed=()):
    """``n`` patches numbered k/n, each with a finding (no Signed-off-by)
    but those in ``signed``, and a second, clean hunk."""
    mail = (FROM + b"From: Ann Dev <ann@example.org>\nSubject: [PATCH {k}/{n}] migration: tidy\n"
            b"Message-Id: <{k}.tidy@example.org>\n\nTidy the cleanup path.\n---\n"
            b"diff --git a/migration/a{k}.c b/migration/a{k}.c\n"
            b"--- a/migration/a{k}.c\n+++ b/migration/a{k}.c\n"
            b"@@ -10,3 +10,4 @@ static void f(void)\n {\n     g();\n+    h();\n }\n"
            b"@@ -40,3 +41,4 @@ static void k(void)\n {\n     g();\n+    h();\n }\n")
    sob = b"\nSigned-off-by: Ann Dev <ann@example.org>\n---\n"
    data = b"".join(mail.replace(b"{k}", b"%d" % k).replace(b"{n}", b"%d" % n)
                    .replace(b"\n---\n", sob if k in signed else b"\n---\n", 1)
                    for k in range(1, n + 1))
    path = tmp_path / "nosob.mbox"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("signed", [(), (1,)])
def test_a_window_with_findings_gives_the_same_reports(tmp_path, monkeypatch, signed):
    """Patches with findings are kept (their quoted hunks); the others only
    as their headers, which the series summary of a reply mail still
    answers when patch 1 (no cover letter) has no finding."""
    from cprlint.report import render

    path = _no_signoff_series(tmp_path, 4, signed)
    whole, summary, _ = _run(path)
    assert {f.patch.index for f in whole} == {1, 2, 3, 4} - set(signed)
    outs = {fmt: render(fmt, whole, summary) for fmt in ("text", "email")}
    js = json.loads(render("json", whole, summary))
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(limits, "SERIES_WINDOW_PATCHES", 2)
    windowed, summary2, _ = _run(path)
    assert _keys(windowed) == _keys(whole)
    js2 = json.loads(render("json", windowed, summary2))
    assert len(js2["summary"].pop("notes")) == len(js["summary"].pop("notes")) + 1
    assert js2 == js
    for fmt, out in outs.items():
        got = render(fmt, windowed, summary2)
        # the same report, but for the note that says the series was windowed
        # and the time a reply mail is written at
        drop = [ln for ln in got.splitlines() + out.splitlines()
                if "at a time" in ln or "do not look" in ln
                or ln.startswith(("From cprlint@", "Date: "))]
        assert [ln for ln in got.splitlines() if ln not in drop] == \
            [ln for ln in out.splitlines() if ln not in drop], fmt


def test_a_series_held_whole_is_not_windowed(monkeypatch):
    """Windows are for input read as it goes; a series read whole keeps its
    cross-patch rules (and its base tree) however long it is."""
    mbox = SERIES / "cpr-stop-v1.mbox"
    whole, _, _ = _run(mbox)
    monkeypatch.setattr(limits, "SERIES_WINDOW_PATCHES", 1)
    got, summary, _ = _run(mbox)
    assert _keys(got) == _keys(whole)
    assert not any("at a time" in n for n in summary.notes)


def test_a_file_changed_between_the_passes_is_an_input_error(tmp_path, monkeypatch):
    from cprlint.errors import InputError

    path = tmp_path / "s.mbox"
    path.write_bytes((SERIES / "cpr-stop-v1.mbox").read_bytes())
    monkeypatch.setattr(load_mod, "STREAM_ABOVE_BYTES", 0)
    plan = load_mod.plan_series([str(path)])
    path.write_bytes(path.read_bytes()[:100])        # truncated in place
    with pytest.raises(InputError, match="changed while it was being checked"):
        plan.load_all()
