"""Turn git's hunk section header into a function name."""

from __future__ import annotations


from .. import lazyre

# The look-behind makes a search start only at a name's first character:
# without it every position of a long name starts a scan (quadratic).
_NAME_BEFORE_PAREN = lazyre.compile(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined"}


def function_name_from_section(section: str) -> str:
    """``static void migration_cleanup(MigrationState *s)`` -> ``migration_cleanup``.

    Returns '' when the header does not look like a function head (a struct,
    an initialiser, nothing).
    """
    section = section.strip()
    if not section or section.startswith(("#", "}")):
        return ""
    for m in _NAME_BEFORE_PAREN.finditer(section):
        name = m.group(1)
        if name in _KEYWORDS or name.isupper():
            continue
        return name
    return ""
