"""Text that came from a mail, made safe to print: no control character
(a newline git quoted in a path, an escape, a line separator) may split one
finding into two lines or one header into two."""

from __future__ import annotations

import re

from . import lazyre

CONTROL = lazyre.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# what may not reach a terminal or a mail unescaped: C0 controls but tab and
# newline, DEL, C1 controls (0x9b is a CSI on some terminals), line separators
_SHOWN = lazyre.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SHOWN_ONE_LINE = lazyre.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def without_controls(text: str, replacement: str = "?") -> str:
    if text.isprintable():      # (no control or line separator: most text, and no regex)
        return text
    return CONTROL.sub(replacement, text)


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escaped(text: str, one_line: bool = False) -> str:
    """``text`` with each control character shown as ``\\x1b`` (``\\u2028``):
    for text output and reply mails (tabs and newlines kept) and, with
    ``one_line``, for messages on stderr (newlines escaped too)."""
    if text.isprintable():      # (as above: nothing to escape)
        return text
    return (_SHOWN_ONE_LINE if one_line else _SHOWN).sub(_escape, text)


def split_addresses(value: str) -> list[str]:
    """A To/Cc value cut at the commas between addresses (not inside quotes,
    <...> or (comments)), so that each address is parsed on its own: since
    Python 3.13 (and security releases before it) getaddresses() returns
    nothing at all for a header with one malformed address in it."""
    parts, cur, depth, quoted, angle, i = [], [], 0, False, False, 0
    while i < len(value):
        ch = value[i]
        if quoted:
            if ch == "\\" and i + 1 < len(value):
                cur.append(value[i:i + 2])
                i += 2
                continue
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == "<" and not depth:
            angle = True
        elif ch == ">" and not depth:
            angle = False
        elif ch == "," and not depth and not angle:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]
