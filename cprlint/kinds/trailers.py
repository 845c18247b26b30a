"""Kind ``trailers``: the Developer's Certificate of Origin on every patch.

* ``author``: a patch has no ``Signed-off-by`` from its author (the in-body
  ``From:`` when there is one, else the mail's ``From:``) anywhere in its
  commit message (everything ``git am`` keeps, up to the ``---`` line; not
  only the last trailer paragraph, as checkpatch does too).  Addresses are
  compared case-insensitively; a sign-off with another address counts when
  the names match loosely (case, accents, punctuation, word order).  A
  From: the mailing list rewrote for DMARC ("X via <qemu-devel@nongnu.org>",
  "X via Qemu-devel <...>") is undone as b4 does: the mail's
  ``X-Original-From:`` or ``Reply-To:`` gives the author when present, else
  the name alone is matched.
* ``none``: no author is known (a commit message alone, even a subject
  line alone) and the patch has no Signed-off-by at all.
* ``codev``: a ``Co-developed-by: X`` that no ``Signed-off-by`` of X follows.

A cover letter's trailers never count for a patch.  Patches reconstructed
from a quoted reply, and bare diffs without an author, are not checked.
The finding points at the patch: its trailer block (or the trailer at
fault), else its From: line.
"""

from __future__ import annotations

import re

from .. import lazyre
from ..findings import Candidate
from ..inputs.message import MAX_TRAILER
from . import Kind, KindError, fill_case, load_cases, param_regexes

# a trailer-shaped line anywhere in the message (checkpatch also accepts
# leading white space); the value is stripped by the caller
_TRAILER_LINE = lazyre.compile(r"^[ \t]*([A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])[ \t]*:[ \t]*(\S.*)$")
_NAME_ADDR = lazyre.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<addr>[^<>\s]*)>\s*$')
_ADDR_NAME = lazyre.compile(r"^\s*(?P<addr>[^\s()<>]+@[^\s()<>]+)\s*(?:\((?P<name>[^()]*)\)\s*)?$")


def parseaddr(text: str) -> tuple[str, str]:
    """("Name", "addr") of a trailer or From: value.

    The address forms trailers use: ``Name <addr>``, ``"Name" <addr>``,
    ``addr (Name)`` and a bare ``addr``; anything else is all name.  (The
    stdlib's email.utils.parseaddr does the same and more, but importing it
    costs more start-up time than this whole rule.)
    """
    m = _NAME_ADDR.match(text)
    if m:
        return m.group("name").strip(), m.group("addr").strip()
    m = _ADDR_NAME.match(text)
    if m:
        return (m.group("name") or "").strip(), m.group("addr")
    return text.strip(), ""


_DEFAULT_CASES = {
    "author": {
        "problem": "has no Signed-off-by from its author {author}{cover_note}.",
        "fix": "Add `Signed-off-by: {author}` (git commit -s) to the patch.",
    },
    "none": {
        "problem": "has no Signed-off-by at all.",
        "fix": "Add the author's Signed-off-by (git commit -s).",
    },
    "codev": {
        "problem": "has `Co-developed-by: {codev}` at line {line} with no Signed-off-by "
                   "of that person after it.",
        "fix": "Add `Signed-off-by: {codev}` right after the Co-developed-by line.",
    },
}


class Trailers(Kind):
    name = "trailers"
    scope = "series"
    reads_commit_message = True
    params_spec = {
        "signoff": (str, False),           # the sign-off trailer, default Signed-off-by
        "codeveloped": (str, False),       # default Co-developed-by
        "codev_severity": (str, False),    # severity of the codev finding (default warning)
        "list_addresses": (list, False),   # regexes: addresses a mailing list rewrites From: to
        "cases": (dict, False),            # {author|codev = {problem, fix}}
    }

    def __init__(self, params):
        super().__init__(params)
        self.signoff = params.get("signoff", "Signed-off-by").lower()
        self.codev = params.get("codeveloped", "Co-developed-by").lower()
        self.codev_severity = params.get("codev_severity", "warning")
        if self.codev_severity not in ("info", "warning", "error"):
            raise KindError("trailers: codev_severity must be info, warning or error")
        self.lists = param_regexes("trailers", "list_addresses",
                                   params.get("list_addresses", []), ignorecase=True)
        self.cases = load_cases("trailers", _DEFAULT_CASES, params)

    def _is_list(self, addr: str) -> bool:
        return any(r.search(addr.strip().lower()) for r in self.lists)

    def _person(self, text: str) -> tuple[str, str]:
        """(loose name, lower-case address; '' when it is a list's address)."""
        name, addr = parseaddr(text)
        addr = addr.strip().lower()
        if self._is_list(addr):
            # the list's DMARC rewrite: "Jane Doe via <list>",
            # "Jane Doe via Qemu-devel <list>", "Jane Doe via qemu development <list>"
            name = _strip_via(name)
            addr = ""
        return _loose(name), addr

    def _author(self, p) -> str:
        """The patch author, with a list's From: rewrite undone where the mail
        says who sent it (X-Original-From:, then Reply-To:)."""
        _name, addr = parseaddr(p.author)
        if not self._is_list(addr):
            return p.author
        for alt in (getattr(p, "original_from", ""), getattr(p, "reply_to", "")):
            first = (alt or "").split(",")[0].strip()
            _n, a = parseaddr(first)
            if "@" in a and not self._is_list(a):
                return first
        return p.author

    def _message_trailers(self, p) -> list[tuple[str, str, int | None]]:
        """(key, value, input line) of every sign-off and Co-developed-by line
        anywhere in the commit message, in order."""
        wanted = (self.signoff, self.codev)
        rows = p.commit_message.split("\n") if p.commit_message else []
        where = list(getattr(p, "message_lines", []) or [])
        where += [None] * (len(rows) - len(where))
        known = {}
        for (key, value), ln in zip(p.trailers, getattr(p, "trailer_lines", []) or []):
            known.setdefault((key.lower(), value), ln)
        out = []
        for row, ln in zip(rows, where):
            if len(row) > MAX_TRAILER:
                continue
            m = _TRAILER_LINE.match(row)
            if not m or m.group(1).lower() not in wanted:
                continue
            key, value = m.group(1).lower(), m.group(2).strip()
            out.append((key, value, ln if ln is not None else known.get((key, value))))
        if not out:         # a message the parser could not number: its trailers
            out = [(k.lower(), v, ln) for (k, v), ln in zip(
                p.trailers, list(getattr(p, "trailer_lines", []) or []) + [None] * len(p.trailers))
                if k.lower() in wanted]
        return out

    def _same(self, a, b) -> bool:
        (na, aa), (nb, ab) = a, b
        if aa and ab and aa == ab:
            return True
        return bool(na) and na == nb

    def check_series(self, series, views):
        cover = series.cover
        for k, p in enumerate(series.patches):
            if p.quoted or p.is_cover:
                continue
            lines = list(getattr(p, "trailer_lines", []) or [])
            found = self._message_trailers(p)
            sobs = [(self._person(v), v, ln) for key, v, ln in found if key == self.signoff]
            block = next((ln for ln in lines if ln is not None), None)
            from_line = getattr(p, "author_line", None) or p.input_line
            if not (p.author and "@" in p.author):
                # a commit message alone (no diff, e.g. `cprlint commit-msg`
                # without a git identity), or a bare diff with a message
                if not sobs and (p.commit_message.strip() or not p.files):
                    yield self._cand(p, k, "none", block or from_line, ("none",), {})
            else:
                who = self._author(p)
                author = self._person(who)
                if not any(self._same(author, s[0]) for s in sobs):
                    note = ""
                    if cover is not None and any(
                            key.lower() == self.signoff and self._same(author, self._person(v))
                            for key, v in cover.trailers):
                        note = " (the cover letter's Signed-off-by does not count for a patch)"
                    yield self._cand(p, k, "author", block or from_line, ("author",), {
                        "author": who, "cover_note": note,
                        "signoffs": ", ".join(s[1] for s in sobs) or "none"})
            for i, (key, value, ln) in enumerate(found):
                if key != self.codev:
                    continue
                who = self._person(value)
                later = [self._person(v) for kk, v, _ln in found[i + 1:] if kk == self.signoff]
                if any(self._same(who, s) for s in later):
                    continue
                cand = self._cand(p, k, "codev", ln or block or from_line,
                                  ("codev", value.lower()), {"codev": value})
                cand.severity = self.codev_severity
                yield cand

    def _cand(self, p, k, case, line, key, fields):
        fields = dict(fields, patch=p.label(), subject=p.subject)
        fields.update(fill_case(self.cases, case, dict(fields, line=str(line))), case=case)
        return Candidate(path=p.input_path, line=line or 1, function="",
                         key=(k,) + key, fields=fields, patch_index=k, input_line=line)


def _strip_via(name: str) -> str:
    """The name before a list's " via ..." (split, not a regex: a header is
    untrusted and may be long)."""
    words = name.split()
    low = [w.lower() for w in words]
    if "via" in low[1:]:
        return " ".join(words[:low.index("via", 1)])
    return name.strip()


def _loose(name: str) -> str:
    """Name for a loose comparison: no case, accents, punctuation or order."""
    if not name.isascii():              # (ASCII is its own NFKD, with no accents)
        import unicodedata

        name = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in name if not unicodedata.combining(c))
    words = re.findall(r"\w+", name.casefold())
    return " ".join(sorted(words))
