"""Matching calls against rule parameters: ``{name = [...], arg = "regex"}``."""

from __future__ import annotations

import re

from ...records import Record


class CallPattern(Record):
    """A call a rule names: the function names and an argument pattern."""

    names: frozenset[str]
    arg: re.Pattern | None  # must match (search) one of the arguments

    def __init__(self, names, arg=None) -> None:
        self.names = names
        self.arg = arg

    @classmethod
    def parse(cls, spec) -> "CallPattern":
        """``"vm_start"`` or ``{name = "x" | ["x", "y"], arg = "regex"}``."""
        if isinstance(spec, str):
            return cls(frozenset([spec]))
        names = spec["name"]
        names = [names] if isinstance(names, str) else list(names)
        arg = spec.get("arg")
        if not arg:
            return cls(frozenset(names))
        from .. import param_regex

        return cls(frozenset(names), param_regex("calls", f"{names[0]}.arg", arg))

    def matches(self, call) -> bool:
        if call.name not in self.names:
            return False
        return self.arg is None or any(self.arg.search(a) for a in call.args)

    def describe(self) -> str:
        name = sorted(self.names)[0]
        return f"{name}({self.arg.pattern if self.arg else '...'})" if self.arg else f"{name}()"


def patterns(specs) -> list[CallPattern]:
    return [CallPattern.parse(s) for s in specs]


def on_exclusive_branches(a_guards, b_guards) -> bool:
    """True when two statements can never run on the same pass: they sit in
    the then- and else-branch of one ``if``, or under different ``case``
    labels of one ``switch``."""
    for ga, gb in zip(a_guards, b_guards):
        if ga == gb:
            continue
        if ga.line == gb.line and {ga.kind, gb.kind} == {"if", "else"} and ga.text == gb.text:
            return True
        if ga.kind == gb.kind == "case" and ga.switch == gb.switch and ga.text != gb.text:
            return True
        return False
    return False
