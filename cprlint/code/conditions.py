"""C conditions read as text: negation, top-level conjuncts, what holds on a
path.  Facts use it for early exits, rule kinds for guards (no CFG, no solver)."""

from __future__ import annotations

import re

from .. import lazyre

_OPERAND = lazyre.compile(r"[\w.>\-\[\]]+")
_CALL_START = lazyre.compile(r"^[\w.>\-]+\s*\(")
# (negated operator, "a OP b") for the comparisons negate() turns around
_NEGATED = tuple((b, lazyre.compile(rf"(.+?)\s*{re.escape(a)}\s*(.+)"))
                 for a, b in (("==", "!="), ("!=", "=="), (">=", "<"), ("<=", ">")))
_LESS = lazyre.compile(r"(.+?)\s*<\s*(.+)")
_GREATER = lazyre.compile(r"(.+?)\s*>\s*(.+)")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def split_top(text: str, op: str) -> list[str]:
    """Split on a top-level ``&&`` or ``||`` (not inside parentheses)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append(text[start:i].strip())
            i += len(op)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return [strip_parens(p) for p in parts if p]


def negate(text: str) -> str:
    """Logical negation, simplified for the shapes QEMU code uses."""
    text = strip_parens(text)
    if text.startswith("!") and not text.startswith("!="):
        rest = text[1:].strip()
        if _OPERAND.fullmatch(rest) or (
            _CALL_START.match(rest) and rest.endswith(")") and _balanced(rest)
            and rest.index("(") < len(rest) and _call_spans_all(rest)
        ) or (rest.startswith("(") and strip_parens(rest) != rest):
            return strip_parens(rest)
    ors = split_top(text, "||")
    if len(ors) > 1:  # !(a || b) == !a && !b
        return " && ".join(negate(p) for p in ors)
    for b, rx in _NEGATED:
        m = rx.fullmatch(text)
        if m and split_top(text, "&&") == [text]:
            return f"{m.group(1)} {b} {m.group(2)}"
    m = _LESS.fullmatch(text)
    if m and "<<" not in text and "<=" not in text:
        return f"{m.group(1)} >= {m.group(2)}"
    m = _GREATER.fullmatch(text)
    if m and ">>" not in text and ">=" not in text and "->" not in text:
        return f"{m.group(1)} <= {m.group(2)}"
    if split_top(text, "&&") != [text]:
        return f"!({text})"
    return f"!{text}"


def _call_spans_all(text: str) -> bool:
    """True when ``text`` is a single call ``f(...)`` (the parens close at the end)."""
    i = text.index("(")
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j == len(text) - 1
    return False


def holds_on_path(guards) -> list[str]:
    """The conjuncts known to hold where the guarded statement runs.

    Guard("if", T) contributes T's conjuncts; Guard("else", T) contributes
    the conjuncts of !T.  Unknown conditions ("?") contribute nothing.
    """
    out: list[str] = []
    for g in guards:
        if g.text == "?" or g.kind not in ("if", "else"):
            continue
        cond = g.text if g.kind == "if" else negate(g.text)
        out.extend(split_top(strip_parens(cond), "&&"))
    return out
