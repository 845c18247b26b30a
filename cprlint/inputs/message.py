"""The structure of a patch mail body.

in-body From:/Date:, commit message (up to the first line that is ``---``
and white space only, where ``git am`` ends it), trailers (the commit
message's last paragraph of ``Key-Name: value`` lines), notes and diffstat,
the diff (from the first ``diff --git``), and a trailing ``-- `` signature,
which is dropped.

After the diff, a "basement" may follow: ``base-commit:``,
``prerequisite-patch-id:`` (git format-patch --base) or b4's footer (``---``,
``base-commit:``, ``change-id:``, a blank line, ``Best regards,``, ``-- `` --
b4 writes it with a second space -- and the sender's name).  It is cut off
before the diff is parsed; ``base-commit`` is kept: it names the base tree.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..records import Record
from .diff import find_diff_start
from .lines import SrcLine

# the value is rstripped by the caller: a lazy ``(\S.*?)\s*$`` is quadratic on long spaces
_TRAILER = lazyre.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]):\s+(\S.*)$")
MAX_TRAILER = 2000       # longer lines are not trailers (and not worth a regex)
_PSEUDO_HEADER = lazyre.compile(r"^(From|Date|Subject):\s*(.*?)\s*$")
_HUNKISH = (" ", "+", "-", "@", "\\")
# the basement lines of git format-patch --base and b4; a hunk line never
# starts with a letter, so one of these after the diff starts the footer
_BASEMENT = lazyre.compile(r"^(base-commit|change-id|prerequisite-[a-z-]+):[ \t]*(\S*)", re.I)
_SHA = lazyre.compile(r"^[0-9a-f]{7,64}$")


class PatchBody(Record):
    """A patch mail's body: in-body headers, commit message, trailers."""

    author: str                      # in-body From:
    date: str                        # in-body Date:
    subject: str                     # in-body Subject:
    commit_message: str
    message_lines: list[SrcLine]
    trailers: list[tuple[str, str]]
    trailer_lines: list[int | None]  # input line of each trailer
    author_line: int | None          # input line of the in-body From:
    notes: list[SrcLine]             # between '---' and the diff
    diff: list[SrcLine]
    base_commit: str                 # ``base-commit: <sha>`` below the diff (lowercase hex)

    def __init__(self, author="", date="", subject="", commit_message="", message_lines=None,
                 trailers=None, trailer_lines=None, author_line=None, notes=None, diff=None,
                 base_commit="") -> None:
        self.author = author
        self.date = date
        self.subject = subject
        self.commit_message = commit_message
        self.message_lines = [] if message_lines is None else message_lines
        self.trailers = [] if trailers is None else trailers
        self.trailer_lines = [] if trailer_lines is None else trailer_lines
        self.author_line = author_line
        self.notes = [] if notes is None else notes
        self.diff = [] if diff is None else diff
        self.base_commit = base_commit


def split_body(lines: list[SrcLine]) -> PatchBody:
    pb = PatchBody()
    i = 0
    # in-body pseudo headers at the very top, ended by a blank line
    while i < len(lines) and not lines[i].text.strip():
        i += 1
    j = i
    seen = {}
    from_line = None
    while j < len(lines):
        m = _PSEUDO_HEADER.match(lines[j].text)
        if not m or m.group(1) in seen:
            break
        seen[m.group(1)] = m.group(2)
        if m.group(1) == "From":
            from_line = lines[j].input_line
        j += 1
    if seen and (j >= len(lines) or not lines[j].text.strip()):
        pb.author = seen.get("From", "")
        pb.author_line = from_line if pb.author else None
        pb.date = seen.get("Date", "")
        pb.subject = seen.get("Subject", "")
        i = j

    diff_at = find_diff_start(lines, i)
    # git mailinfo ends the message at "---" followed by nothing but white space
    sep = next((k for k in range(i, len(lines)) if lines[k].text.rstrip() == "---"), None)
    if sep is not None and diff_at is not None and sep > diff_at:
        sep = None
    msg_end = sep if sep is not None else (diff_at if diff_at is not None else len(lines))
    msg = lines[i:msg_end]
    while msg and not msg[0].text.strip():
        msg = msg[1:]
    while msg and not msg[-1].text.strip():
        msg = msg[:-1]
    pb.message_lines = msg
    pb.commit_message = "\n".join(ln.text for ln in msg)
    pb.trailers, pb.trailer_lines = _trailers_with_lines(msg)

    if diff_at is not None:
        if sep is not None:
            pb.notes = lines[sep + 1:diff_at]
        pb.diff, pb.base_commit = strip_basement(strip_signature(lines[diff_at:]))
    return pb


def _trailers_with_lines(lines: list[SrcLine]) -> tuple[list[tuple[str, str]], list[int | None]]:
    """The trailers and the input line each starts on."""
    msg = [ln.text for ln in lines]
    k = len(msg)
    while k > 0 and msg[k - 1].strip():
        k -= 1
    para = msg[k:]
    out: list[tuple[str, str]] = []
    where: list[int | None] = []
    other = 0
    for i, line in enumerate(para):
        if len(line) > MAX_TRAILER:
            other += 1
            continue
        m = _TRAILER.match(line)
        if m and not line.startswith((" ", "\t")):
            out.append((m.group(1), m.group(2).rstrip()))
            where.append(lines[k + i].input_line)
        elif line.startswith((" ", "\t")) and out:
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
        elif line.startswith("[") and line.rstrip().endswith("]"):
            continue                        # maintainer notes: [ed: fixed typo]
        else:
            other += 1
    if not out or other > 0 and other * 3 > len(out):
        return [], []
    return out, where


def strip_basement(diff: list[SrcLine]) -> tuple[list[SrcLine], str]:
    """Cut the footer below the diff (from its ``---`` line, else from its first
    basement line); return the diff and the ``base-commit`` sha ('' if none)."""
    # (a basement line starts with b, c or p: the regex is compiled only
    # for a diff that has such a line)
    first = next((k for k, ln in enumerate(diff)
                  if ln.text[:1] and ln.text[:1] in "bcpBCP" and _BASEMENT.match(ln.text)),
                 None)
    if first is None:
        return diff, ""
    base = ""
    for ln in diff[first:]:
        m = _BASEMENT.match(ln.text)
        if m and m.group(1).lower() == "base-commit" and _SHA.match(m.group(2).lower()):
            base = m.group(2).lower()
            break
    cut = first
    while cut > 0 and not diff[cut - 1].text.strip():
        cut -= 1
    if cut > 0 and diff[cut - 1].text == "---":
        cut -= 1
    return diff[:cut], base


def _is_signature_line(text: str) -> bool:
    """``-- `` (b4 writes ``--  ``: the template's ``-- `` plus a space)."""
    return text.startswith("-- ") and not text[3:].strip()


def strip_signature(diff: list[SrcLine]) -> list[SrcLine]:
    """Drop a trailing ``-- `` signature (git's version line, a mail footer)."""
    for k in range(len(diff) - 1, -1, -1):
        if _is_signature_line(diff[k].text):
            tail = [ln.text for ln in diff[k + 1:] if ln.text.strip()]
            if all(not t.startswith(_HUNKISH) and not t.startswith("diff ") for t in tail):
                return diff[:k]
            break
    return diff
