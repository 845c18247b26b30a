"""CMT001: a comment that points at "a later patch" is a placeholder; it is
judged only when a later patch of the series is in view."""

from __future__ import annotations

from conftest import check_text, make_hunk, make_mail
from cprlint.engine import load_rules
from cprlint.kinds.comment_prose import analyse_comment

RULES = {r.id: r for r in load_rules()}
PARAMS = RULES["CMT001"].params


_mail = make_mail


_hunk = make_hunk


PLACEHOLDER = _hunk("migration/cpr.c", 20, "int cpr_state_save(MigrationChannel *channel, Error **errp)", """
     QEMUFile *f;
+    /* The channel is chosen by mode in a later patch of this series. */
     f = cpr_transfer_output(channel, errp);
""")
FOLLOW_UP = _hunk("migration/cpr.c", 30, "int cpr_state_load(MigrationChannel *channel, Error **errp)", """
     QEMUFile *f;
+    int ret = 0;
     f = cpr_transfer_input(channel, errp);
""")


def _cmt(text: str):
    return [f for f in check_text(text, rules=[RULES["CMT001"]]) if f.rule == "CMT001"]


def test_a_placeholder_in_a_series_with_later_patches_is_reported():
    mbox = _mail(1, 2, "migration/cpr: save to the channel", PLACEHOLDER) + \
        _mail(2, 2, "migration/cpr: load from the channel", FOLLOW_UP)
    found = _cmt(mbox)
    assert len(found) == 1
    assert "later patch" in found[0].message and "cpr_state_save()" in found[0].message


def test_a_placeholder_in_a_lone_patch_is_not_judged():
    assert _cmt(_mail(1, 1, "migration/cpr: save to the channel", PLACEHOLDER)) == []


def test_a_placeholder_in_the_last_patch_is_not_judged():
    mbox = _mail(1, 2, "migration/cpr: load from the channel", FOLLOW_UP) + \
        _mail(2, 2, "migration/cpr: save to the channel", PLACEHOLDER)
    assert _cmt(mbox) == []


def test_this_patch_is_still_reported_in_a_lone_patch():
    hunk = PLACEHOLDER.replace("The channel is chosen by mode in a later patch of this series.",
                               "This patch makes the save use the CPR channel.")
    found = _cmt(_mail(1, 1, "migration/cpr: save to the channel", hunk))
    assert len(found) == 1 and "refers to the patch" in found[0].message


def test_without_later_patches_only_the_forward_reference_is_dropped():
    text = ("/*\n * This patch moves the save here.  The rest goes away in a later patch.\n */")
    with_later = analyse_comment(text, PARAMS, later_patches=True)
    alone = analyse_comment(text, PARAMS, later_patches=False)
    fams = lambda v: {f for m in v.move for f in m.families}
    assert "later_patch_reference" in fams(with_later)
    assert fams(alone) == {"patch_reference"}
