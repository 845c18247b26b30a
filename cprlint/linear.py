"""Regular expressions from rule files, compiled for linear-time matching.

A rule file's pattern runs on text from strangers' mail (comments, commit
messages, call arguments).  Python's ``re`` backtracks: a pattern such as
``\\bwe\\b[^.]*\\bto avoid\\b`` takes quadratic time on "we we we ..." and a
nested quantifier exponential time.  Patterns from ``rules/*.toml``
``[params]`` are therefore compiled with RE2 (the ``google-re2`` binding),
whose automaton matches in time linear in the text whatever the pattern.

What a rule author needs to know (checked when rules load; a pattern RE2
does not accept is a rule-file error naming the file and the pattern):

  * no look-around (``(?=``, ``(?!``, ``(?<=``, ``(?<!``) and no
    back-references: write ``(?:^|[^\\w.])name@`` instead of
    ``(?<![\\w.])name@``, or spell out what may follow;
  * ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII (``\\s`` has no ``\\v``);
  * the compiled object has the ``re`` methods the kinds use (search,
    match, fullmatch, finditer, findall, sub, split) and ``.pattern``.

The patterns in cprlint's own code are not compiled here: they are audited
by tests/test_linear.py (no nested or adjacent overlapping unbounded
quantifiers) and see at most ``limits.MAX_LINE_CHARS`` per line.
"""

from __future__ import annotations

import re
from functools import partial

from .lazyre import LazyPattern


class PatternError(ValueError):
    """A rule-file pattern that is not valid, linear-time RE2 syntax."""


_checked = False


class checked_rules:
    """``with checked_rules():`` the patterns compiled meanwhile come from
    rule tables that an earlier run compiled and checked (the rule cache
    keeps only such tables): each is compiled when first used, not now.
    RE2 compiles ~240 rule patterns (~10 ms, most of them CMT001's cues)
    and a run uses a fraction of them."""

    def __enter__(self) -> None:
        global _checked
        self._was, _checked = _checked, True

    def __exit__(self, *exc) -> None:
        global _checked
        _checked = self._was


def rules_checked() -> bool:
    """Whether this is inside ``checked_rules``."""
    return _checked


def compile(pattern, ignorecase: bool = False):  # noqa: A001 - mirrors re.compile
    """``pattern`` (str or bytes) compiled with RE2; PatternError if RE2
    refuses it (under ``checked_rules``: compiled at first use)."""
    if not isinstance(pattern, (str, bytes)):
        raise PatternError(f"pattern must be a string, not {type(pattern).__name__}")
    if _checked:
        return LazyPattern(partial(_compile, pattern, ignorecase))
    return _compile(pattern, ignorecase)


_ANCHORS = None     # google-re2's (UNANCHORED, ANCHOR_BOTH), read at the first found()
_NO_MATCH = (-1, -1)


def found(rx, text, whole: bool = False) -> bool:
    """``rx.search(text) is not None`` (``whole``: ``rx.fullmatch``) for a
    pattern of this module, in one call into RE2.  The binding's search
    builds a match object through a Python generator: ~3 us a call, more
    than RE2 takes for a comment line, and the comment rule asks thousands
    per file.  Other patterns (and a binding without ``_regexp``) are asked
    the usual way."""
    global _ANCHORS
    if type(rx) is LazyPattern:
        # its own attributes only: asking it for a name its pattern lacks
        # (a Python pattern's _regexp) would make the pattern again
        m = rx.__dict__.get("_regexp")
    else:
        m = getattr(rx, "_regexp", None)
    if m is None:
        return (rx.fullmatch(text) if whole else rx.search(text)) is not None
    if _ANCHORS is None:
        import re2

        _ANCHORS = (re2._Anchor.UNANCHORED, re2._Anchor.ANCHOR_BOTH)
    b = text.encode("utf-8") if isinstance(text, str) else text
    return m.Match(_ANCHORS[whole], b, 0, len(b))[0] != _NO_MATCH


def _compile(pattern, ignorecase: bool):
    import re2

    options = re2.Options()
    options.log_errors = False       # else RE2 writes to stderr itself
    options.case_sensitive = not ignorecase
    if isinstance(pattern, bytes):
        options.encoding = re2.Options.Encoding.LATIN1
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        # Python's own message for plain syntax errors; asked only now: compiling
        # each pattern with re as well was two thirds of the patterns' start-up
        try:
            re.compile(pattern)
        except re.error as py_exc:
            raise PatternError(f"bad regex {_show(pattern)}: {py_exc}") from None
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise PatternError(f"regex {_show(pattern)} is not linear-time RE2 syntax ({reason}); "
                           "look-around and back-references are not allowed in rule files"
                           ) from None


def _show(pattern) -> str:
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    return repr(text if len(text) <= 80 else text[:77] + "...")
