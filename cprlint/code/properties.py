"""Property and compat facts: the qdev properties a view declares
(``DEFINE_PROP_*("name", State, field, ..., default)``) and the machine
compat entries it holds (``{ TYPE_FOO, "name", "value" }`` in a
``GlobalProperty`` array such as ``hw_compat_10_1[]`` or
``pc_compat_10_1[]``).  Read from the text (comments and preprocessor
lines blanked), like the VMState initializers.
"""

from __future__ import annotations

from functools import lru_cache

from .. import lazyre
from ..records import FrozenRecord
from .initializers import _mask, _split_args, line_of


_PROP = lazyre.compile(r"\b(DEFINE_PROP_\w+)\s*\(")
_COMPAT = lazyre.compile(
    r'\{\s*("[^"\n]*"|\w+)\s*,\s*"([^"\n]+)"\s*,\s*("[^"\n]*"|\w+)\s*(?:,\s*)?\}')
_SPACES = lazyre.compile(r"\s+")
_INT_LITERAL = lazyre.compile(r"^(0[xX][0-9a-fA-F]+|[1-9][0-9]*|0)[uUlL]{0,3}$")


class PropFact(FrozenRecord):
    """A qdev property definition and its default."""

    macro: str
    name: str          # the property name, without quotes ('' when not a literal)
    default: str       # the default argument as written, whitespace collapsed
    line: int
    changed: bool      # a line of it was added (post) / removed (pre)
    field: str         # the state field behind it (third argument)
    bit: str           # the bit of that field, for the DEFINE_PROP_BIT* macros

    def __init__(self, macro, name, default, line, changed, field="", bit="") -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "macro", macro)
        _set(self, "name", name)
        _set(self, "default", default)
        _set(self, "line", line)
        _set(self, "changed", changed)
        _set(self, "field", field)
        _set(self, "bit", bit)

    @property
    def default_on(self) -> bool:
        """The default is plainly non-zero: true, ON_OFF_AUTO_ON or a
        non-zero integer literal (a symbol or an expression: not known)."""
        d = self.default
        if d in ("true", "ON_OFF_AUTO_ON"):
            return True
        m = _INT_LITERAL.match(d)
        return bool(m) and int(m.group(1), 0) != 0


class CompatFact(FrozenRecord):
    """An entry of a machine-type compat property table."""

    driver: str        # TYPE_FOO or "foo-device"
    name: str          # the property
    value: str
    line: int
    changed: bool

    def __init__(self, driver, name, value, line, changed) -> None:
        _set = object.__setattr__     # FrozenRecord refuses self.x = ...
        _set(self, "driver", driver)
        _set(self, "name", name)
        _set(self, "value", value)
        _set(self, "line", line)
        _set(self, "changed", changed)


@lru_cache(maxsize=1)
def _defaults() -> dict:
    from ..rulecache import data_table

    table = data_table("property_macros")
    return dict(table.get("default_arg", {}))


def _close(text: str, i: int) -> int:
    """Index after the ')' that closes the '(' before ``i``; -1 if unseen."""
    depth = 1
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == '"':
            j = text.find('"', i + 1)
            while j != -1 and text[j - 1] == "\\":
                j = text.find('"', j + 1)
            if j == -1:
                return -1
            i = j
        i += 1
    return -1


def properties_of(view) -> list[PropFact]:
    text = view.text
    if "DEFINE_PROP_" not in text:
        return []
    masked, _ = _mask(text)
    line = line_of(masked, view.first_line)
    table = _defaults()
    out = []
    for m in _PROP.finditer(masked):
        k = table.get(m.group(1))
        if k is None:
            continue
        end = _close(masked, m.end())
        if end == -1:
            continue            # the call runs past the view
        args = _split_args(_SPACES.sub(" ", masked[m.end():end - 1]))
        if len(args) <= k or not args[0].startswith('"'):
            continue
        first, last = line(m.start()), line(end - 1)
        bit = args[3] if "_BIT" in m.group(1) and len(args) > 4 else ""
        out.append(PropFact(m.group(1), args[0].strip('"'), args[k], first,
                            any(n in view.changed for n in range(first, last + 1)),
                            args[2] if len(args) > 2 else "", bit))
    return out


def compat_entries_of(view) -> list[CompatFact]:
    text = view.text
    if '"' not in text:
        return []
    masked, _ = _mask(text)
    line = line_of(masked, view.first_line)
    out = []
    for m in _COMPAT.finditer(masked):
        n = line(m.start())
        out.append(CompatFact(m.group(1).strip('"'), m.group(2), m.group(3).strip('"'), n,
                              n in view.changed))
    return out
