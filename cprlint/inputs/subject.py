"""Subject prefixes: ``Re: [RFC PATCH v3 02/10] migration: foo``."""

from __future__ import annotations

import re

from .. import lazyre
from ..records import Record

_REPLY = lazyre.compile(r"^\s*(?:re|aw|fwd?|sv|antw)(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
_GROUP = lazyre.compile(r"^\s*\[([^\[\]]*)\]\s*")
_VERSION = lazyre.compile(r"^[vV](\d+)$")
_INDEX = lazyre.compile(r"^(\d+)/(\d+)$")


class SubjectInfo(Record):
    """What a patch subject says: version, k/n, tags, reply."""

    subject: str                 # without Re: and [..] prefixes
    raw: str
    version: int
    index: int
    total: int
    tags: list[str]
    is_reply: bool
    has_index: bool              # an explicit k/n was present

    def __init__(self, subject, raw, version=1, index=1, total=1, tags=None, is_reply=False,
                 has_index=False) -> None:
        self.subject = subject
        self.raw = raw
        self.version = version
        self.index = index
        self.total = total
        self.tags = [] if tags is None else tags
        self.is_reply = is_reply
        self.has_index = has_index

    @property
    def is_patch_like(self) -> bool:
        """A [PATCH], [RFC], [PULL] ... prefix: the sender meant it as a patch."""
        return any(re.match(r"(?i)^(patch|rfc|pull|resend)", t) for t in self.tags) or self.has_index


def parse_subject(raw: str) -> SubjectInfo:
    s = re.sub(r"\s+", " ", raw or "").strip()
    info = SubjectInfo(subject=s, raw=raw or "")
    while True:
        m = _REPLY.match(s)
        if m:
            info.is_reply = True
            s = s[m.end():]
            continue
        m = _GROUP.match(s)
        if not m:
            break
        s = s[m.end():]
        for tok in re.split(r"[ ,]+", m.group(1).strip()):
            if not tok:
                continue
            v = _VERSION.match(tok)
            ix = _INDEX.match(tok)
            if v:
                info.version = int(v.group(1))
            elif ix:
                info.index, info.total = int(ix.group(1)), int(ix.group(2))
                info.has_index = True
            else:
                info.tags.append(tok)
    info.subject = s.strip()
    return info
