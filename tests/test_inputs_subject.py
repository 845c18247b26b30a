"""Subject prefixes."""

from __future__ import annotations

import pytest

from cprlint.inputs.subject import parse_subject

CASES = [
    # raw, subject, version, index, total, tags, reply
    ("[PATCH v2 3/5] migration: fix", "migration: fix", 2, 3, 5, ["PATCH"], False),
    ("[RFC PATCH] migration: idea", "migration: idea", 1, 1, 1, ["RFC", "PATCH"], False),
    ("[PATCH for-10.1 v3 0/7] cpr: series", "cpr: series", 3, 0, 7, ["PATCH", "for-10.1"], False),
    ("[RFC PATCH v3 02/10] ram: x", "ram: x", 3, 2, 10, ["RFC", "PATCH"], False),
    ("[PATCH 1/2 v2] savevm: y", "savevm: y", 2, 1, 2, ["PATCH"], False),
    ("[PATCH,v2,1/3] cpr: z", "cpr: z", 2, 1, 3, ["PATCH"], False),
    ("[PATCH v10 10/12] m: w", "m: w", 10, 10, 12, ["PATCH"], False),
    ("[PULL 03/12] migration queue", "migration queue", 1, 3, 12, ["PULL"], False),
    ("[PATCH v2] [RFC] two groups", "two groups", 2, 1, 1, ["PATCH", "RFC"], False),
    ("Re: [PATCH v2 3/5] migration: fix", "migration: fix", 2, 3, 5, ["PATCH"], True),
    ("RE: Re: Aw: [PATCH] x", "x", 1, 1, 1, ["PATCH"], True),
    ("Fwd: [PATCH 2/2] y", "y", 1, 2, 2, ["PATCH"], True),
    ("[PATCH v2 3/5] migration: a long\n subject folded", "migration: a long subject folded",
     2, 3, 5, ["PATCH"], False),
    ("Revert: not a reply", "Revert: not a reply", 1, 1, 1, [], False),
]


@pytest.mark.parametrize("raw,subject,version,index,total,tags,reply", CASES)
def test_subject_prefixes(raw, subject, version, index, total, tags, reply):
    info = parse_subject(raw)
    assert (info.subject, info.version, info.index, info.total, info.tags, info.is_reply) == (
        subject, version, index, total, tags, reply)


def test_cover_and_patch_like():
    assert parse_subject("[PATCH v2 0/3] x").has_index
    assert parse_subject("[PATCH] x").is_patch_like
    assert not parse_subject("migration meeting notes").is_patch_like
