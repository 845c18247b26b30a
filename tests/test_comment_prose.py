"""Rule kind comment_prose and rule CMT001 (motivation or history in comments)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cprlint.code.model import CodeView, CommentFact, Facts
from cprlint.kinds import KindError
from cprlint.kinds.comment_prose import (
    CommentProse,
    analyse_comment,
    compile_params,
    describe,
    split_units,
    strip_markup,
)

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
RULE = tomllib.loads((ROOT / "rules" / "CMT001.toml").read_text(encoding="utf-8"))
PARAMS = RULE["params"]
FIX = Path(__file__).resolve().parent / "fixtures" / "comments"


def c(*sentences: str) -> str:
    """A block comment holding the given lines."""
    return "/*\n" + "".join(f" * {s}\n" if s else " *\n" for s in sentences) + " */"


def verdict(text: str, changed=None):
    return analyse_comment(text, PARAMS, changed)


def hits(text: str) -> set[str]:
    return {h for u in verdict(text).units for h in u.hits}


def moved(text: str) -> list[str]:
    return [m.unit.text for m in verdict(text).move]


# --------------------------------------------------------------------------
# markup and splitting


def test_strip_markup_keeps_relative_indentation():
    rows = strip_markup("/*\n * One.\n *   SOURCE    TARGET\n */", first_line=10)
    assert rows == [(10, ""), (11, "One."), (12, "  SOURCE    TARGET"), (13, "")]
    assert strip_markup("/* one line */") == [(1, "one line")]
    assert strip_markup("// a C99 comment") == [(1, "a C99 comment")]


def test_sentences_clauses_and_lines():
    units = split_units(c("First sentence, e.g. with an", "abbreviation. Second one; a clause.",
                          "", "New paragraph."), PARAMS, first_line=20)
    assert [u.text for u in units] == [
        "First sentence, e.g. with an abbreviation.", "Second one", "a clause.",
        "New paragraph."]
    assert units[0].lines == (21, 22)
    assert units[1].lines == (22,)
    assert units[3].lines == (24,)


def test_list_items_are_units():
    units = split_units(c("Order:", "  1. stop the VM", "  2. save the state",
                          "Both must happen."), PARAMS)
    assert [(u.kind, u.text) for u in units] == [
        ("sentence", "Order:"), ("item", "1. stop the VM"), ("item", "2. save the state"),
        ("sentence", "Both must happen.")]


# --------------------------------------------------------------------------
# cue families: one that fires, a close variant that does not

STRONG = [
    # family, fires, close variant that must not fire
    ("patch_reference", "This patch makes the loader skip empty sections.",
     "Patch the jump target before the vCPU resumes."),
    ("later_patch_reference", "The old entry point goes away in a later patch.",
     "The patch-up code runs after the section is loaded."),
    ("patch_reference", "The previous patch made this path lock-free.",
     "The previous owner releases the lock before the handover."),
    ("past_state", "Previously we polled the socket here.",
     "Restore the previously registered handler."),
    ("past_state", "The old implementation kept a second copy of the bitmap.",
     "The old value is kept until the new one is committed."),
    ("past_state", "We used to poll the socket here.",
     "The buffer is used to hold one page."),
    ("past_state", "This was moved up from migration_connect() to close the window.",
     "The page is moved to the free list when the block is released."),
    ("fix_narration", "This fixes a crash when migration is cancelled during setup.",
     "Fix up the section offsets before the header is written."),
    ("process", "Tested with a few hundred migrations on a loaded host.",
     "The test below exercises the cancel path."),
    ("process", "As suggested in review of v2, take the lock here.",
     "Take the lock here, as the BQL does not cover the channel."),
    ("incident", "We hit this on a host with a broken QEMU binary, so report the failure.",
     "Users hit this path when the destination closes the channel early."),
    ("incident", "We saw this when the destination crashed mid-stream.",
     "In production builds the assert is compiled out, so check here too."),
    # a present-tense reason names production without telling an incident
    ("incident", "The channel hung in production when the target went away.",
     "Keep the zero-copy default, since that is how it is used in production."),
    ("incident", "This was hit in the field with a slow destination.",
     "The new limit is stored in the field below and read by the thread."),
]


@pytest.mark.parametrize("family,bad,good", STRONG)
def test_strong_family_fires_alone(family, bad, good):
    v = verdict(c(bad))
    assert [m.families[0] for m in v.move] == [family]
    assert v.tier == "warning"
    assert family not in hits(c(good))
    assert moved(c(good)) == []


WEAK = [
    ("state_change", "We now send the header before the first page.",
     "The buffer is no longer needed once the thread has exited."),
    ("defect_purpose", "We stop the VM early to avoid this race.",
     "To prevent a race with the migration thread, take the lock before reading the state."),
    ("race_narration", "Meanwhile the target opens the device.",
     "The target opens the device when it receives the FDs."),
    ("comparison", "Unlike regular migration, guest RAM is handed over by FD.",
     "Unlike regular migration, CPR must stop the VM before cpr_state_save()."),
    ("cost_claim", "The early stop should have minimal downtime.",
     "Downtime is measured from the stop until the target resumes."),
]


@pytest.mark.parametrize("family,bad,good", WEAK)
def test_weak_family_classifies_but_needs_company(family, bad, good):
    assert family in hits(c(bad))
    assert family not in hits(c(good))
    # one mild cue is not enough ...
    assert moved(c(bad)) == []
    # ... two are (a second, different mild cue in another sentence)
    other = ("Unlike regular migration, guest RAM is handed over by FD."
             if family != "comparison" else "The early stop should have minimal downtime.")
    v = verdict(c(bad, other))
    assert bad in [m.unit.text for m in v.move]
    assert v.tier == "info"
    assert moved(c(good, other)) == []


def test_cost_claim_reason_asks_for_numbers():
    v = verdict(c("We stop the VM early to avoid this race.",
                  "Unlike regular migration the early stop should have minimal downtime."))
    reasons = " ".join(m.reason for m in v.move)
    assert "give numbers in the commit message" in reasons


def test_counterfactual_list_after_otherwise():
    bad = c("Stop the VM first, otherwise:", "- the target fails to take ownership",
            "- source I/O races with the target's device init",
            "We stop it early to prevent this race.")
    v = verdict(bad)
    assert [m.family for m in v.move] == ["counterfactual_list", "counterfactual_list",
                                          "defect_purpose"]
    assert [u.text for u in v.keep] == ["Stop the VM first, otherwise:"]
    assert "\u201cStop the VM first.\u201d" in describe(v, PARAMS)["keep"]
    # "otherwise" as a plain reason for a rule is an invariant
    assert moved(c("Stop the VM first, otherwise the target fails to take ownership.")) == []


def test_a_list_with_bullet_signs_is_read_as_one_with_dashes():
    dashes = verdict(c("Stop the VM first, otherwise:", "- the target fails to take ownership",
                       "- source I/O races with the target's device init"))
    signs = verdict(c("Stop the VM first, otherwise:",
                      "\u2022 the target fails to take ownership",
                      "\u2022  source I/O races with the target's device init"))
    assert [m.family for m in signs.move] == [m.family for m in dashes.move] \
        == ["counterfactual_list", "counterfactual_list"]
    # the quote of a moved item leaves its bullet out
    assert [m.unit.quote(80) for m in signs.move] == [m.unit.quote(80) for m in dashes.move]
    assert "\u2022" not in describe(signs, PARAMS)["move"]


LANES = c("Order:", "",
          "  SOURCE                 TARGET",
          "  stop VM   ------>      waits in cpr_state_load()",
          "  save state  -- FDs --> opens the device",
          "  postmigrate            device init", "",
          "Steps must run in this order.")


def test_scenario_diagram_is_one_unit_and_moves():
    v = verdict(LANES)
    diagrams = [u for u in v.units if u.kind == "diagram"]
    assert len(diagrams) == 1 and diagrams[0].scenario
    assert diagrams[0].lines == (4, 5, 6, 7)
    assert [m.family for m in v.move] == ["scenario_diagram"]
    assert "(4-line diagram)" in describe(v, PARAMS)["move"]
    assert [u.text for u in v.keep] == ["Order:", "Steps must run in this order."]


@pytest.mark.parametrize("lane", ["CPU0                CPU1", "thread A        thread B",
                                  "old QEMU           new QEMU", "vCPU 0     migration thread"])
def test_lane_headers(lane):
    v = verdict(c("Ordering:", "  " + lane, "  store x           load y",
                  "  barrier           barrier"))
    assert [m.family for m in v.move] == ["scenario_diagram"]


def test_arrow_diagram_without_lanes_needs_narrative():
    required = c("Hand-over:", "  stop VM --> SETUP notifiers --> cpr_state_save()",
                 "Each step must finish before the next one.")
    assert moved(required) == []
    narrated = c("Hand-over:", "  stop VM too late --> target already opened the device",
                 "  source I/O   ---->  races with device init")
    assert [m.family for m in verdict(narrated).move] == ["scenario_diagram"]


# --------------------------------------------------------------------------
# false-positive families of comments.md section 5: none may fire

QUIET = [
    # 1. temporal words in their run-time sense
    "Restore the previously registered handler.",
    "The old value is kept until the new one is committed.",
    "The buffer is no longer needed once the thread has exited.",
    # 2. compatibility history behind a current constraint
    "Older machine types keep the old default, so this property must stay.",
    "Historically the field was sent unconditionally; the load side still accepts it.",
    "Older QEMU used to send this section unconditionally, so the load side must accept it.",
    # 3. run-time ordering
    "Now that the device is quiesced, the FDs can be handed over.",
    # 4. race analysis stated as a rule
    "To prevent a race with the migration thread, take the lock before reading the state.",
    "Take the lock before reading the state so that the migration thread cannot observe a "
    "half-updated pair.",
    # 5. word-sense collisions
    "The buffer is used to hold one page.",
    "Round up the originally requested size to a page.",
    "Patch the jump target before resuming the vCPU.",
    "This changes the state to FAILED and wakes up the waiters.",
    # 6. let's
    "Let's keep the lock for the whole walk.",
    # 7. contract vocabulary
    "Unlike regular migration, the caller must hold the BQL and the channel is owned by the "
    "CPR state until cpr_state_close().",
    # 8. TODO lines
    "TODO: drop this workaround once the old helper is gone in a later patch.",
    "FIXME: this fixes the hang only for the first channel.",
    # everyday descriptive comments of migration code
    "Now we have sent all the pages, so flush the stream. Instead of polling, wait on the "
    "semaphore.",
    "If we failed to activate disks, we can't resume VM, so we stop here.",
    "This is a workaround for a regression in older kernels: the ioctl must be retried on EINTR.",
    "The first patch of the page is sent uncompressed.",
]


@pytest.mark.parametrize("text", QUIET)
def test_false_positive_families_stay_quiet(text):
    assert moved(c(text)) == []


def test_legitimate_ascii_art_stays_quiet():
    register = c("Layout of the header word:", "",
                 "  31          16 15           0",
                 "  +-------------+-------------+",
                 "  |   version   |    flags    |",
                 "  +-------------+-------------+")
    buffer_map = c("Ring layout:", "  <---- used ----><---- free ---->",
                   "  head             tail")
    table = c("State table:", "  state        next        action",
              "  SETUP        ACTIVE      start the thread",
              "  ACTIVE       COMPLETED   flush the stream")
    for text in (register, buffer_map, table):
        assert moved(text) == [], text


def test_licence_header_is_not_judged():
    header = c("Copyright (c) 2026 Example Corp.", "", "Authors:",
               "  Jane Doe <jane@example.com>", "",
               "This work is licensed under the terms of the GNU GPL, version 2 or later.")
    assert moved(header) == []
    assert [m.family for m in verdict(c("Jane Doe <jane@example.com> tested this.")).move] \
        == ["process"]


def test_length_alone_is_not_a_signal():
    long = c(*["The caller must hold the BQL while the channel is open, and the CPR state owns "
               "the descriptors until cpr_state_close() releases them."] * 12)
    assert moved(long) == []


def test_required_order_list_stays_quiet():
    assert moved((FIX / "required_order.c").read_text()) == []


# --------------------------------------------------------------------------
# the seed: a narrated ordering comment and two short comments that are fine


def test_seed_like_comment_moves_diagram_race_and_claim_keeps_ordering():
    v = verdict((FIX / "cpr_order_narrated.c").read_text())
    families = [m.family for m in v.move]
    assert families == ["scenario_diagram", "counterfactual_list", "counterfactual_list",
                        "defect_purpose", "comparison"]
    assert "cost_claim" in v.move[-1].families
    assert v.move[0].unit.kind == "diagram" and len(v.move[0].unit.lines) == 16
    assert v.move[3].unit.text.startswith("We stop the VM early")
    assert v.move[4].unit.text.startswith("Unlike regular migration")
    kept = [u.text for u in v.keep]
    assert kept == ["CPR-transfer hand-over:", "Step 3 is the cut-over point.",
                    "The target goes on as soon as it receives the FDs, so steps 1 and 2 must "
                    "have completed, otherwise:"]
    assert v.tier == "warning"   # many mild cues together
    f = describe(v, PARAMS)
    assert "scenario diagram" in f["summary"] and "unmeasured cost claim" in f["summary"]
    assert "steps 1 and 2 must have completed.\u201d" in f["keep"]
    # the kept sentences number steps that only the moved diagram defines
    assert "spell out the steps" in f["keep"]
    assert "give numbers in the commit message" in f["move"]


@pytest.mark.parametrize("name", ["cleanup_notify.c", "iteration_finish_resume.c"])
def test_seed_like_short_comments_stay_quiet(name):
    assert moved((FIX / name).read_text()) == []


# --------------------------------------------------------------------------
# changed lines: only new text counts


def test_only_changed_sentences_count():
    text = c("Previously we polled the socket here.", "The socket must be drained first.")
    # the history sentence is unchanged context: quiet
    assert analyse_comment(text, PARAMS, changed={3}).move == []
    v = analyse_comment(text, PARAMS, changed={2})
    assert [m.unit.text for m in v.move] == ["Previously we polled the socket here."]
    assert v.keep == [] and v.context_kept
    assert "unchanged part" in describe(v, PARAMS)["keep"]


def test_unchanged_motivation_does_not_add_to_the_score():
    text = c("We stop the VM early to avoid this race.",
             "Unlike regular migration, guest RAM is handed over by FD.")
    assert analyse_comment(text, PARAMS, changed={3}).move == []
    assert len(analyse_comment(text, PARAMS, changed={2, 3}).move) == 2


def test_nothing_left_suggests_stating_the_constraint():
    v = verdict(c("This fixes a crash when migration is cancelled during setup."))
    assert "state the constraint the history implies" in describe(v, PARAMS)["keep"]


# --------------------------------------------------------------------------
# the kind: params, scan(), keys, severities, message


def _view(comments, side="post", path="migration/migration.c", section="qmp_migrate",
          whole=False):
    return CodeView(path=path, side=side, text="", first_line=1, changed=frozenset(),
                    input_lines={}, section=section, whole_file=whole,
                    facts=Facts(comments=comments))


def _fact(text, line, changed, function="qmp_migrate"):
    n = text.count("\n")
    return CommentFact(text=text, line=line, end_line=line + n, function=function,
                       changed_lines=frozenset(changed))


def test_kind_loads_rule_params():
    kind = CommentProse(PARAMS)
    assert kind.name == "comment_prose" and kind.scope == "image"


@pytest.mark.parametrize("bad", [
    {"families": {"x": {"patterns": ["("]}}},
    {"families": {"x": {"patterns": ["a"], "unless": ["nope"]}}},
    {"families": {"x": {"patterns": ["a"], "tier": "error"}}},
    {"families": {}, "whole_file": "loud"},
    {"families": {}, "motivation_threshold": "2"},
    {"families": {}, "surprise": 1},
])
def test_kind_rejects_bad_params(bad):
    # structure is checked when the rule loads, regexes when first compiled
    with pytest.raises(KindError):
        CommentProse(bad).prose


def test_scan_reports_changed_comments_only():
    text = c("Step 3 is the cut-over point.", "This patch moves the stop here.")
    kind = CommentProse(PARAMS)
    assert list(kind.scan(_view([_fact(text, 100, set())]))) == []
    assert list(kind.scan(_view([_fact(text, 100, {101})]))) == []
    (cand,) = kind.scan(_view([_fact(text, 100, {101, 102})]))
    assert cand.line == 102 and cand.end_line == 103
    assert cand.function == "qmp_migrate" and cand.severity == "warning"
    assert cand.key == ("comment", "this patch moves the stop here.")
    assert cand.fields["where"] == "qmp_migrate()"
    assert "\u201cThis patch moves the stop here.\u201d" in cand.fields["move"]
    assert "\u201cStep 3 is the cut-over point.\u201d" in cand.fields["keep"]


def test_moved_comment_has_the_same_key_in_pre_and_post():
    kind = CommentProse(PARAMS)
    old = c("Previously we stopped the VM in the connect path; this patch moves",
            "the stop here to prevent this race.")
    new = "\n".join("    " + ln for ln in old.split("\n"))    # re-indented and moved
    pre = list(kind.scan(_view([_fact(old, 3990, range(3990, 3994), "x")], side="pre")))
    post = list(kind.scan(_view([_fact(new, 3995, range(3995, 3999), "y")])))
    assert pre and post and pre[0].key == post[0].key
    # a new bad sentence added to the moved comment changes the key
    grown = new.replace(" */", " * Unlike before, this costs nothing.\n     */")
    (post2,) = kind.scan(_view([_fact(grown, 3995, range(3995, 4000), "y")]))
    assert post2.key != pre[0].key


def test_function_falls_back_to_the_hunk_section_and_file_scope():
    kind = CommentProse(PARAMS)
    text = c("This patch adds the property.")
    (cand,) = kind.scan(_view([_fact(text, 10, {11}, function="")], section="ram_save_setup"))
    assert cand.function == "ram_save_setup" and cand.fields["where"] == "ram_save_setup()"
    (cand,) = kind.scan(_view([_fact(text, 10, {11}, function="")], section=""))
    assert cand.fields["where"] == "file scope"


def test_whole_file_and_test_paths_report_at_info():
    text = c("This patch adds the property.")
    kind = CommentProse(PARAMS)
    (cand,) = kind.scan(_view([_fact(text, 10, set())], whole=True))
    assert cand.severity == "info"
    (cand,) = kind.scan(_view([_fact(text, 10, {11})], path="tests/qtest/migration-test.c"))
    assert cand.severity == "info"
    off = CommentProse({**PARAMS, "whole_file": "off"})
    assert list(off.scan(_view([_fact(text, 10, set())], whole=True))) == []


def _render(cand) -> str:
    """What engine._finding does with the rule's message."""
    class F(dict):
        def __missing__(self, key):
            raise AssertionError(f"message uses unknown field {key}")
    fields = F(cand.fields)
    fields.setdefault("function", cand.function)
    fields.setdefault("line", str(cand.line))
    return " ".join(RULE["message"].format_map(fields).split())


def test_message_reads_like_a_review():
    text = (FIX / "cpr_order_narrated.c").read_text()
    fact = _fact(text, 2136, range(2136, 2136 + text.count("\n") + 1))
    (cand,) = CommentProse(PARAMS).scan(_view([fact]))
    msg = _render(cand)
    assert msg.startswith("qmp_migrate(): the comment added at line 2139 carries a scenario "
                          "diagram")
    assert "docs/devel/submitting-a-patch.rst" in msg
    assert "Move to the commit message:" in msg and "keep \u201cCPR-transfer" in msg
    assert "{" not in msg and "}" not in msg


# --------------------------------------------------------------------------
# the rule file and its examples

def test_rule_file_schema():
    for key in ("id", "title", "severity", "kind", "message", "rationale", "invariant",
                "references"):
        assert RULE.get(key), key
    assert RULE["id"] == "CMT001" and RULE["kind"] == "comment_prose"
    assert RULE["severity"] == "warning"
    compile_params(PARAMS)
    expects = [e["expect"] for e in RULE["examples"]]
    assert expects.count("bad") >= 3 and expects.count("ok") >= 5


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")


def _hunks(diff: str):
    """(path, old start, new start, header section, [(tag, text)]) per hunk;
    asserts the header counts."""
    rows = diff.strip("\n").split("\n")
    path, out, i = "", [], 0
    while i < len(rows):
        if rows[i].startswith("+++ b/"):
            path = rows[i][6:]
        m = _HUNK.match(rows[i])
        if not m:
            i += 1
            continue
        body, j = [], i + 1
        while j < len(rows) and rows[j][:1] in (" ", "+", "-") and not rows[j].startswith(
                ("--- ", "+++ ")):
            body.append((rows[j][0], rows[j][1:]))
            j += 1
        old = sum(t != "+" for t, _ in body)
        new = sum(t != "-" for t, _ in body)
        assert (old, new) == (int(m[2] or 1), int(m[4] or 1)), rows[i]
        out.append((path, int(m[1]), int(m[3]), m[5], body))
        i = j
    return out


def _image(start, body, side):
    """A CodeView of one side of a hunk, with its /* */ comments as facts."""
    drop = "+" if side == "pre" else "-"
    keep = [(t, s) for t, s in body if t != drop]
    lines = {start + k: s for k, (t, s) in enumerate(keep)}
    changed = {start + k for k, (t, s) in enumerate(keep) if t != " "}
    text = "\n".join(s for _, s in keep)
    facts = Facts()
    for m in re.finditer(r"/\*.*?\*/", text, re.S):
        first = start + text.count("\n", 0, m.start())
        last = first + m.group(0).count("\n")
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1)
        raw = " " * col + m.group(0)
        facts.comments.append(CommentFact(
            text=raw, line=first, end_line=last, function="",
            changed_lines=frozenset(n for n in range(first, last + 1) if n in changed)))
    return CodeView(path="", side=side, text=text, first_line=start,
                    changed=frozenset(changed), input_lines={n: n for n in lines},
                    facts=facts)


def _run_example(diff: str):
    """Scan pre and post images; keep post candidates the pre image does not explain."""
    kind = CommentProse(PARAMS)
    pre_keys, post = set(), []
    for path, old, new, header, body in _hunks(diff):
        section = (re.findall(r"(\w+)\s*\(", header) or [""])[0]
        for side, start in (("pre", old), ("post", new)):
            view = _image(start, body, side)
            view.path, view.section = path, section
            cands = list(kind.scan(view))
            if side == "pre":
                pre_keys |= {c.key for c in cands}
            else:
                post += [c for c in cands if c.key not in pre_keys]
    return post


@pytest.mark.parametrize("example", RULE["examples"],
                         ids=[e["description"][:40] for e in RULE["examples"]])
def test_rule_examples(example):
    found = _run_example(example["input"])
    if example["expect"] == "ok":
        assert found == [], [c.fields for c in found]
    else:
        assert found
        for line in example.get("lines", []):
            assert line in {c.line for c in found}, [c.line for c in found]
        for cand in found:
            _render(cand)
