"""Kind ``message_notes``: version notes that would land in the commit message.

``git am`` (git mailinfo) ends the commit message at the first line that is
``---`` followed by nothing but white space (or at the diff itself).  A
sender who types another separator -- ``--``, ``----``, ``- --``, `` ---``
with a leading blank, the mail signature mark ``-- `` -- and puts the
version notes ("v2: ...", "Changes since v1:") under it, keeps those notes
in the commit message: the maintainer must cut them by hand, or they are
merged into the project's history.

A finding needs both: a near-miss separator line (dashes and blanks only,
at least two dashes, not a line git ends the message at) and, after it and
still inside the message, a line that starts version notes
(``note_patterns``).  A rule of dashes that only frames text in the message
(a table, a log excerpt) is not reported.
"""

from __future__ import annotations

import re

from ..findings import Candidate
from ..untrusted import without_controls
from . import Kind, KindError, py_regex

MAX_LINE = 200     # longer lines are neither separators nor note headings


def _git_ends_message(text: str) -> bool:
    """What git mailinfo's patchbreak() accepts as the end of the message."""
    if text.startswith(("diff -", "Index: ")):
        return True
    if not text.startswith("---"):
        return False
    rest = text[3:]
    return not rest.strip() or (rest[:1] == " " and rest[1:2] != "" and not rest[1].isspace())


def near_separator(text: str) -> bool:
    """Dashes and blanks only, two dashes or more, and git does not stop there."""
    if len(text) > MAX_LINE or text.count("-") < 2 or text.strip(" \t-"):
        return False
    return not _git_ends_message(text)


class MessageNotes(Kind):
    name = "message_notes"
    scope = "series"
    reads_commit_message = True
    params_spec = {
        "note_patterns": (list, True),   # regexes (re.match, case-insensitive): a notes heading
    }

    def __init__(self, params):
        super().__init__(params)
        try:
            self.notes = [py_regex(p, re.I) for p in params["note_patterns"]]
        except re.error as exc:
            raise KindError(f"message_notes: bad regex: {exc}") from None

    def check_series(self, series, views):
        for k, p in enumerate(series.patches):
            if p.quoted or p.is_cover or not p.commit_message:
                continue
            rows = p.commit_message.split("\n")
            where = list(getattr(p, "message_lines", []) or [])
            where += [None] * (len(rows) - len(where))
            for i, row in enumerate(rows):
                if not near_separator(row):
                    continue
                note = next((r for r in rows[i + 1:] if len(r) <= MAX_LINE
                             and any(rx.match(r.strip()) for rx in self.notes)), None)
                if note is None:
                    continue
                line = where[i] or p.input_line
                yield Candidate(
                    path=p.input_path, line=line, function="", key=(k, "notes"),
                    patch_index=k, input_line=line,
                    fields={"patch": p.label(), "subject": p.subject,
                            "separator": without_controls(row), "note": without_controls(note.strip())})
                break
