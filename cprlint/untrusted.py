"""Text that came from a mail, made safe to print: no control character
(a newline git quoted in a path, an escape, a line separator) may split one
finding into two lines or one header into two."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def without_controls(text: str, replacement: str = "?") -> str:
    return CONTROL.sub(replacement, text)
