"""Subject prefixes: ``Re: [RFC PATCH v3 02/10] migration: foo``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_REPLY = re.compile(r"^\s*(?:re|aw|fwd?|sv|antw)(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
_GROUP = re.compile(r"^\s*\[([^\[\]]*)\]\s*")
_VERSION = re.compile(r"^[vV](\d+)$")
_INDEX = re.compile(r"^(\d+)/(\d+)$")


@dataclass
class SubjectInfo:
    """What a patch subject says: version, k/n, tags, reply."""

    subject: str                 # without Re: and [..] prefixes
    raw: str
    version: int = 1
    index: int = 1
    total: int = 1
    tags: list[str] = field(default_factory=list)
    is_reply: bool = False
    has_index: bool = False      # an explicit k/n was present

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
