"""SER003 (trailers) and MSG001 (message_notes) on commit messages as real
senders shape them: sign-offs above other trailers, the list's DMARC From:
rewrite, version notes after a separator that git am does not honour."""

from __future__ import annotations

from conftest import check_text
from cprlint.engine import load_rules

RULES = {r.id: r for r in load_rules()}

_DIFF = """\
diff --git a/migration/cpr.c b/migration/cpr.c
--- a/migration/cpr.c
+++ b/migration/cpr.c
@@ -40,2 +40,3 @@ void cpr_go(void)
     int x = 0;
+    trace_cpr_go();
     return x;
"""


def _mail(message: str, author: str = "Ada Lovelace <ada@example.org>",
          headers: str = "", notes: str = "") -> str:
    return (f"From 0000000000000000000000000000000000000001 Mon Sep 17 00:00:00 2001\n"
            f"From: {author}\n{headers}Date: Mon, 1 Jun 2026 10:00:00 +0200\n"
            f"Subject: [PATCH] migration: trace the CPR start\n\n"
            f"{message.strip()}\n---\n{notes}{_DIFF}-- \n2.47.0\n\n")


def _run(rule_id: str, text: str):
    return check_text(text, rules=[RULES[rule_id]])


# -- SER003: where the sign-off may be ------------------------------------------

def test_author_sign_off_above_the_last_trailer_paragraph_counts():
    # a maintainer's tree: the author's trailers, then a paragraph the
    # maintainer's tooling appended
    msg = """Trace the start of a CPR transfer.

Signed-off-by: Ada Lovelace <ada@example.org>

Link: https://lore.example.org/msgid-of-the-patch
Reviewed-by: Bob Relay <bob@example.org>
"""
    assert _run("SER003", _mail(msg)) == []


def test_a_sign_off_of_someone_else_above_still_does_not_count():
    msg = """Trace the start of a CPR transfer.

Signed-off-by: Bob Relay <bob@example.org>

Reviewed-by: Grace Hopper <grace@example.org>
"""
    (f,) = _run("SER003", _mail(msg))
    assert "Ada Lovelace <ada@example.org>" in f.message
    assert "Bob Relay <bob@example.org>" in f.message     # the sign-offs it saw


# -- SER003: the list's DMARC rewrite of From: -------------------------------------

def test_list_rewrite_with_nothing_after_via_matches_the_sign_off_by_name():
    text = _mail("Trace it.\n\nSigned-off-by: Ada Lovelace <ada@work.example.com>",
                 author="Ada Lovelace via <qemu-devel@nongnu.org>")
    assert _run("SER003", text) == []


def test_list_rewrite_with_a_list_name_of_several_words():
    text = _mail("Trace it.\n\nSigned-off-by: Ada Lovelace <ada@work.example.com>",
                 author="Ada Lovelace via qemu development <qemu-devel@nongnu.org>")
    assert _run("SER003", text) == []


def test_list_rewrite_uses_x_original_from_for_the_address():
    # the sign-off spells the name differently; the address is the author's
    text = _mail("Trace it.\n\nSigned-off-by: A. Lovelace <ada@example.org>",
                 author="Ada Lovelace via Qemu-devel <qemu-devel@nongnu.org>",
                 headers="X-Original-From: Ada Lovelace <ada@example.org>\n")
    assert _run("SER003", text) == []


def test_list_rewrite_uses_reply_to_and_names_the_real_author():
    text = _mail("Trace it.\n\nSigned-off-by: Bob Relay <bob@example.org>",
                 author="Ada Lovelace via Qemu-devel <qemu-devel@nongnu.org>",
                 headers="Reply-To: Ada Lovelace <ada@example.org>\n")
    (f,) = _run("SER003", text)
    assert "from its author Ada Lovelace <ada@example.org>" in " ".join(f.message.split())


# -- MSG001 and SER003: version notes after a near-miss separator -------------------

_NOTES_AFTER_DASHES = """Trace the start of a CPR transfer.

Signed-off-by: Ada Lovelace <ada@example.org>
--
v2: trace the mode too (Bob)
"""


def test_notes_after_a_double_dash_are_msg001_not_a_missing_sign_off():
    text = _mail(_NOTES_AFTER_DASHES)
    assert _run("SER003", text) == []
    (f,) = _run("MSG001", text)
    lines = text.splitlines()
    assert lines[f.input_line - 1] == "--"
    msg = " ".join(f.message.split())
    assert "`--`" in msg and "v2: trace the mode too" in msg
    assert "git am" in msg and "---" in msg


def test_other_near_miss_separators():
    for sep in ("----", "- --", " ---", "-- "):
        text = _mail(_NOTES_AFTER_DASHES.replace("\n--\n", f"\n{sep}\n"))
        (f,) = _run("MSG001", text)
        assert text.splitlines()[f.input_line - 1] == sep, sep


def test_changes_since_heading_is_a_version_note():
    msg = """Trace the start of a CPR transfer.

Signed-off-by: Ada Lovelace <ada@example.org>
--
Changes since v1:
 - rename the trace point
"""
    (f,) = _run("MSG001", _mail(msg))
    assert "Changes since v1:" in f.message


def test_notes_after_the_real_separator_are_fine():
    text = _mail("Trace it.\n\nSigned-off-by: Ada Lovelace <ada@example.org>",
                 notes="v2: trace the mode too\n\n")
    assert _run("MSG001", text) == []


def test_separator_with_trailing_blanks_ends_the_message_as_git_am_does():
    text = _mail("Trace it.\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n---  \n"
                 "v2: trace the mode too\n")
    assert _run("MSG001", text) == [] and _run("SER003", text) == []


def test_a_dash_line_in_the_message_without_version_notes_is_fine():
    msg = """Trace the start of a CPR transfer.

The trace shows:
----
cpr_go
----

Signed-off-by: Ada Lovelace <ada@example.org>
"""
    assert _run("MSG001", _mail(msg)) == []
