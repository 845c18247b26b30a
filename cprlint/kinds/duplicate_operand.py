"""Kind ``duplicate_operand``: a set written as a list names one member
twice, so the member meant is missing.

Two spellings of a set are read: a ``|`` chain whose operands match
``operand`` (e.g. ``BIT(MIG_MODE_CPR_TRANSFER) | BIT(MIG_MODE_CPR_EXEC)``),
and the variable arguments of the calls in ``list_calls`` that match
``list_item`` (e.g. a ``-1``-terminated mode list).  The member is the
regex's first group.
"""

from __future__ import annotations

from ..code.expressions import bit_unions
from ..findings import Candidate
from . import Kind, py_regex


class DuplicateOperand(Kind):
    name = "duplicate_operand"
    scope = "image"
    function_local = True       # candidates keyed (function, ...)
    params_spec = {
        "operand": (str, True),        # regex over one operand of a | chain; group 1: member
        "list_calls": (list, False),   # calls whose arguments list members
        "list_item": (str, False),     # regex over one such argument; group 1: member
    }

    def __init__(self, params):
        super().__init__(params)
        self.operand = py_regex(params["operand"])
        self.list_calls = set(params.get("list_calls", []))
        self.list_item = py_regex(params.get("list_item", r"(?!)"))

    def trigger_words(self):
        # a duplicate is in a | chain (whose facts need a "|" in the text)
        # or in the arguments of a list call (by name)
        return ("|",) + tuple(sorted(self.list_calls))

    def scan(self, view):
        for u in bit_unions(view):
            members = []
            for text, line in zip(u.operands, u.operand_lines):
                m = self.operand.search(text)
                if m:
                    members.append((m.group(1), line))
            yield from self._dupes(view, members, u.text, u.line)
        for call in view.facts.calls:
            if call.name not in self.list_calls or call.in_error:
                continue
            members = []
            for a in call.args:
                m = self.list_item.fullmatch(a)
                if m:
                    members.append((m.group(1), call.line))
            yield from self._dupes(view, members, call.text, call.line)

    def _dupes(self, view, members, text, line):
        seen: set[str] = set()
        for member, mline in members:
            if member in seen:
                fn = view.function_at(mline)
                function = fn.name if fn else ""
                yield Candidate(
                    path=view.path, line=mline, function=function,
                    key=(function, member, text),
                    fields={"member": member, "set": text,
                            "where": f"{function}()" if function else "file scope"},
                    view=view)
                continue
            seen.add(member)
