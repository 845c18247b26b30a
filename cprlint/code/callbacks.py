"""Callback facts: a function handed to another call, to be run later.

``cpr_transfer_add_hup_watch(s, cb, addr)``, ``qemu_bh_new(cb, opaque)``,
``qemu_thread_create(&t, name, fn, s, mode)``, ``qemu_coroutine_create(fn,
opaque)``, ``migration_add_notifier(&n, fn)``: the registering call passes a
function by name (``fn``, ``&fn``, ``(GSourceFunc)fn``).  Which calls
register callbacks is rule data; this module only says which arguments of a
call name a function, given the names of the functions in view.
"""

from __future__ import annotations

from typing import Collection, Iterable

from .. import lazyre
from ..records import FrozenRecord
from .model import CallFact

# an argument that is just a function designator: optional casts, optional '&'
_DESIGNATOR = lazyre.compile(
    r"^(?:\(\s*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*\s*\**\s*\)\s*)*&?\s*([A-Za-z_]\w*)$")


class CallbackFact(FrozenRecord):
    """A function handed to a registering call as a callback."""

    call: CallFact      # the registering call
    arg: int            # index of the argument that names the callback
    name: str           # the function handed over

    def __init__(self, call, arg, name) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "call", call)
        _set(self, "arg", arg)
        _set(self, "name", name)


def designated_function(arg: str) -> str | None:
    """The function an argument designates (``fn``, ``&fn``,
    ``(GSourceFunc)fn``), or None for any other expression."""
    m = _DESIGNATOR.match(arg.strip())
    return m.group(1) if m else None


def callbacks(calls: Iterable[CallFact], registrars: Collection[str],
              functions: Collection[str]) -> list[CallbackFact]:
    """Every function of ``functions`` passed by name to a call of one of
    ``registrars``, in call order (calls inside a parse error are left out)."""
    out = []
    for c in calls:
        if c.name not in registrars or c.in_error:
            continue
        for i, a in enumerate(c.args):
            name = designated_function(a)
            if name and name in functions and name != c.function:
                out.append(CallbackFact(c, i, name))
    return out
