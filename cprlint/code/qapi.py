"""QAPI schema lines -> the C names QEMU's QAPI generator makes from them.

A series that adds a migration parameter adds it to ``qapi/migration.json``
and uses the generated C in the same or a later patch: struct members
(``s->parameters.cpr_exec_command``), their ``has_`` flags, enum
constants.  Those names never appear in a C hunk before they are used, so
the series rules must know them.  The naming follows scripts/qapi:

* a member ``'foo-bar': ...`` of a struct or union's ``'data'`` becomes the
  C member ``foo_bar`` (``c_name``: every character outside ``[A-Za-z0-9_]``
  becomes ``_``; a C keyword or a leading digit gets ``q_``); an optional
  member ``'*foo-bar'`` also gets ``bool has_foo_bar``;
* an enum value ``'foo-bar'`` becomes ``PREFIX_FOO_BAR`` where PREFIX is
  the enum's ``'prefix'`` or its name in upper case with ``_`` between
  words (``camel_to_upper``: ``MigrationParameter`` ->
  ``MIGRATION_PARAMETER``).

A hunk rarely shows the ``'enum'`` line above the values it adds, so enum
values are kept as suffixes (``_FOO_BAR``) as well as full names when the
enum's name is in view.  Keys that are schema keywords (``'type'``,
``'if'``...) come out as members too; over-knowing is the safe side for a
rule that reports what is *missing*.
"""

from __future__ import annotations

import re
from typing import Iterable

from .. import lazyre

_KEY = lazyre.compile(r"'(\*?)([A-Za-z0-9_][A-Za-z0-9_.+-]*)'[ \t]*:")
_STRING = lazyre.compile(r"'([A-Za-z0-9_][A-Za-z0-9_.+-]*)'")
_ENUM = lazyre.compile(r"'enum'[ \t]*:[ \t]*'([A-Za-z0-9_]+)'")
_PREFIX = lazyre.compile(r"'prefix'[ \t]*:[ \t]*'([A-Za-z0-9_]+)'")
MAX_LINE = 1000

_PROTECTED = frozenset("""
auto break case char const continue default do double else enum extern float for goto
if int long register return short signed sizeof static struct switch typedef union
unsigned void volatile while inline restrict _Bool _Complex _Imaginary _Alignas _Alignof
_Atomic _Generic _Noreturn _Static_assert _Thread_local asm typeof bool catch class
const_cast delete dynamic_cast explicit false friend mutable namespace new operator
private protected public reinterpret_cast static_cast template this throw true try
typeid typename using virtual wchar_t and and_eq bitand bitor compl not not_eq or or_eq
xor xor_eq unix errno mips sparc i386 linux""".split())


def c_name(name: str, protect: bool = True) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if protect and (name in _PROTECTED or name[:1].isdigit()):
        return "q_" + name
    return name


def camel_to_upper(value: str) -> str:
    """CamelCase -> CAMEL_CASE, as scripts/qapi/common.py spells enum prefixes."""
    if not value:
        return ""
    ret = value[0]
    upc = value[0].isupper()
    for ch in value[1:]:
        if ch.isupper() == upc:
            pass
        elif upc:
            if len(ret) > 2 and ret[-2].isalnum():
                ret = ret[:-1] + "_" + ret[-1]
        elif ret[-1].isalnum():
            ret += "_"
        ret += ch
        upc = ch.isupper()
    return c_name(ret.upper(), False).lstrip("_")


class QapiNames:
    """The C names generated from some schema lines."""

    def __init__(self):
        self.names: set[str] = set()        # members, has_ flags, full enum constants
        self.enum_suffixes: set[str] = set()   # "_FOO_BAR" of enum values seen

    def add_lines(self, lines: Iterable[str]) -> None:
        prefix = ""
        for text in lines:
            if len(text) > MAX_LINE or "'" not in text:
                continue
            code = text.split("#", 1)[0]
            m = _PREFIX.search(code)
            if m:
                prefix = m.group(1)
            else:
                m = _ENUM.search(code)
                if m:
                    prefix = camel_to_upper(m.group(1))
            keys = set()
            for km in _KEY.finditer(code):
                optional, key = km.group(1), km.group(2)
                keys.add(km.start(2))
                member = c_name(key)
                self.names.add(member)
                if optional:
                    self.names.add("has_" + member)
            for sm in _STRING.finditer(code):
                if sm.start(1) in keys:
                    continue
                value = c_name(sm.group(1), False).upper()
                self.enum_suffixes.add("_" + value)
                if prefix:
                    self.names.add(prefix + "_" + value)

    def defines(self, name: str) -> bool:
        if name in self.names:
            return True
        if not name.isupper():
            return False
        i = name.find("_", 1)
        while i > 0:
            if name[i:] in self.enum_suffixes:
                return True
            i = name.find("_", i + 1)
        return False


def is_schema(path: str) -> bool:
    return path.startswith("qapi/") and path.endswith(".json")
