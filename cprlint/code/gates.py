"""Gate facts: the functions that decide whether migrated state is sent or
loaded, and what they read.

A gate is a function named by a VMStateDescription's ``.needed`` or by the
test argument of a ``VMSTATE_*_TEST`` field (the initializer facts of
``initializers``).  For every function a view defines whole (head and
closing brace in view, from ``declarations``): the struct members its body
reads (``s->field``, ``s.field``), whether every return says ``true``, and
the member a lone ``return s->field;`` returns.  Names and bodies are
joined by the kinds, across the views they see (a hunk may show the
``.needed = foo_needed`` line and another hunk the function).
"""

from __future__ import annotations

import re

from .. import lazyre
from ..records import FrozenRecord
from .declarations import declarations
from .initializers import _macro_table, _mask, vmsds_of

_MEMBER = lazyre.compile(r"(?:->|\.)[ \t]*([A-Za-z_]\w*)")
_IDENT = lazyre.compile(r"[A-Za-z_]\w*")
_ACCESS = lazyre.compile(r"->|\.")
_TRUE = frozenset({"true", "1", "(true)", "(1)"})


class GateBody(FrozenRecord):
    function: str
    line: int
    end_line: int
    reads: frozenset[str]      # struct members the body reads
    text: str                  # the body, comments blanked (for a bit name)
    always_true: bool          # it returns, and every return is true (or 1)
    returns_member: str        # 'x' when every return is 's->x' ('' otherwise)

    def __init__(self, function, line, end_line, reads, text, always_true, returns_member) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "function", function)
        _set(self, "line", line)
        _set(self, "end_line", end_line)
        _set(self, "reads", reads)
        _set(self, "text", text)
        _set(self, "always_true", always_true)
        _set(self, "returns_member", returns_member)


def _member(expr: str) -> str:
    """'x' for 's->x' or 's->a.x'; '' for anything else."""
    parts = _ACCESS.split(expr)
    if len(parts) < 2 or not all(_IDENT.fullmatch(p) for p in parts):
        return ""
    return parts[-1]


def gate_names(view) -> dict[str, int]:
    """Functions the view names as a ``.needed`` or as a _TEST field's
    test -> line of that reference."""
    out: dict[str, int] = {}
    tests = _macro_table()[1]
    for v in vmsds_of(view):
        a = v.attr("needed")
        if a is not None and re.fullmatch(r"[A-Za-z_]\w*", a.value.strip()):
            out.setdefault(a.value.strip(), a.line)
        for f in v.fields:
            if not f.tested:
                continue
            k = tests.get(f.macro, 2)
            if k < len(f.args) and re.fullmatch(r"[A-Za-z_]\w*", f.args[k]):
                out.setdefault(f.args[k], f.line)
    return out


def gate_bodies(view, names) -> dict[str, GateBody]:
    """The functions among ``names`` that the view defines whole."""
    if not names:
        return {}
    out: dict[str, GateBody] = {}
    decls = declarations(view)
    for fd in decls.functions:
        if fd.name not in names or not fd.head_visible or not fd.end_visible:
            continue
        lines = [view.source_line(n) for n in range(fd.line, fd.end_line + 1)]
        text, _ = _mask("\n".join(lines))
        brace = text.find("{")
        body = text[brace:] if brace != -1 else text
        exprs = [r.expr.replace(" ", "") for r in fd.returns]
        member = ""
        got = {_member(e) for e in exprs}
        if len(got) == 1:
            member = got.pop()
        out[fd.name] = GateBody(
            fd.name, fd.line, fd.end_line,
            frozenset(m.group(1) for m in _MEMBER.finditer(body)), body,
            bool(exprs) and all(e in _TRUE for e in exprs), member)
    return out
