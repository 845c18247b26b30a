"""The parse of a view, for the fact families that need more than
``code/facts.py``'s one walk (declarations, paths).

A whole file of a series is seen in the parse its facts were derived
from (code.whole.SeriesSteps keeps it on the views of the patch the rules
are checking).  Otherwise a whole-file view is parsed once per file
content (cached by hash), incrementally from the latest parse of the same
file; a hunk image is parsed with the balanced wrapper.  The parse is
made only when a rule asks for these facts, and kept on the view.
"""

from __future__ import annotations

from ..records import Record
from .fragments import SYN, ParsedFragment, parse_blanked, parse_fragment, parse_whole

_WHOLE: dict[str, ParsedFragment] = {}
# path -> the parse of the latest version of that file seen: the next
# version is parsed from it (one patch further, a few bytes differ).  A
# thinned view (code/thin.py) is parsed from its own whole file instead.
_LATEST: dict[str, ParsedFragment] = {}
_LIMIT = 32          # whole-file parses kept (patch by patch: a post-image is the
                     # next pre-image; a patch touching many files needs none back)


class Parsed(Record):
    """A parsed fragment seen from a view: node text and file lines."""

    pf: ParsedFragment
    first_line: int

    def __init__(self, pf, first_line) -> None:
        self.pf = pf
        self.first_line = first_line

    @property
    def lo(self) -> int:
        return self.pf.prefix_len

    @property
    def hi(self) -> int:
        return self.pf.frag_end

    def text(self, node) -> str:
        """The node's ORIGINAL text (macros unmasked), clipped to the view."""
        pf = self.pf            # (lo and hi spelled out: the most called method here)
        lo = pf.prefix_len
        hi = lo + pf.frag_len
        a = node.start_byte
        b = node.end_byte
        if a < lo:
            a = lo
        if b > hi:
            b = hi
        return pf.orig[a:b].decode("utf-8", "replace") if b > a else ""

    def line(self, node) -> int:
        return node.start_point[0] - self.pf.row_offset + self.first_line

    def end_line(self, node) -> int:
        r, c = node.end_point
        if c == 0 and r > node.start_point[0]:
            r -= 1
        return r - self.pf.row_offset + self.first_line

    def visible(self, node) -> bool:
        pf = self.pf
        return node.end_byte > pf.prefix_len and node.start_byte < pf.prefix_len + pf.frag_len

    def synthetic(self, node) -> bool:
        return node.start_byte < self.lo or self.text(node).startswith(SYN)


def _key(text: str) -> str:
    from .digests import text_key    # here: only whole files are keyed

    return text_key(text)


def _view_key(view) -> str:
    """``_key(view.text)``, kept on the view with the text it was made of
    (each fact family asks for it: six digests of migration.c's 130 KB in
    files mode, 257 on a 25-patch series with its base tree)."""
    text = view.text
    kept = view.__dict__.get("_text_key")
    if kept is not None and kept[0] is text:
        return kept[1]
    key = _key(text)
    if _eol(view):
        key += "+eol"
    view.__dict__["_text_key"] = (text, key)
    return key


def _eol(view) -> bool:
    """Whether the whole file a view shows ended with a newline that its
    text leaves out (a series' whole files, code.whole.SeriesSteps): it is
    parsed with it, as its facts were."""
    full = view.__dict__.get("full")
    return bool((full if full is not None else view).__dict__.get("_eol"))


def _whole_bytes(view) -> bytes:
    data = view.text.encode("utf-8", "surrogateescape")
    return data + b"\n" if _eol(view) else data


def keep_newest(cache: dict, key, value, limit: int):
    """``cache[key] = value`` as its newest entry, the oldest let go past
    ``limit`` entries; returns ``value``."""
    cache.pop(key, None)
    cache[key] = value
    if len(cache) > limit:
        cache.pop(next(iter(cache)))
    return value


def function_digest(pf: ParsedFragment, node, name: str, depth: int = 0) -> bytes:
    """A digest of a function definition of a whole file: its name, ``depth``
    and bytes from the start of its first line to its end, original and
    masked (the key of the per-function memos: a file's next version
    repeats most functions, at other lines)."""
    from .digests import digest

    start = pf.orig.rfind(b"\n", 0, node.start_byte) + 1
    return digest(b"%d:%s" % (depth, name.encode("utf-8", "surrogateescape")),
                  pf.orig[start:node.end_byte], pf.masked[start:node.end_byte])


def remember(text: str, pf: ParsedFragment) -> None:
    """Keep the parse of a whole file made for code/facts.py, so that the
    other fact families do not parse the same text again."""
    keep_newest(_WHOLE, _key(text), pf, _LIMIT)


# full mode: path -> the parse of the file as the base tree has it, made by
# code/incremental.py for the facts.  The first parse here of a file a
# series changes starts from it (a few bytes differ) instead of from
# nothing; it is let go once used, or when the next series' views are built.
# (Since the views of the patch being checked are handed the facts' own
# parse, code.whole.SeriesSteps, this serves only versions whose parse
# had a syntax error next to a change: most of these trees go unused.)
# Once the newer versions' trees are gone, a kept tree costs ~17 bytes per
# byte of text: the files first changed earliest in the series (those the
# rules reach first) are kept up to _BASES_BUDGET bytes of text.
_BASES: dict[str, ParsedFragment] = {}
_BASES_BUDGET = 1 << 20
_bases_taken = [0]


def offer_base(path: str, pf: ParsedFragment) -> None:
    size = len(pf.masked)
    if _bases_taken[0] + size <= _BASES_BUDGET:
        _bases_taken[0] += size
        _BASES[path] = pf


def forget_bases() -> None:
    _BASES.clear()
    _bases_taken[0] = 0


_BY_CONTENT: dict[tuple[str, str], object] = {}


_SLOTS = {"_parsed"}      # what parsed() and per_content() keep on a view


def forget(view) -> None:
    """Let go of the parse and derived facts kept on ``view`` (they are
    made again if asked; a whole file's stay in the content caches a while)."""
    d = view.__dict__
    for slot in _SLOTS.intersection(d):
        del d[slot]


def per_content(view, family: str, build):
    """``build(view)``, once per view; for whole-file views once per file
    content (the post-image of patch k is the pre-image of patch k+1)."""
    slot = "_" + family
    _SLOTS.add(slot)
    cached = view.__dict__.get(slot)
    if cached is not None:
        return cached
    if view.whole_file and view.text:
        key = (family, _view_key(view))
        out = _BY_CONTENT.get(key)
        if out is None:
            out = keep_newest(_BY_CONTENT, key, build(view), 4 * _LIMIT)
    else:
        out = build(view)
    view.__dict__[slot] = out
    return out


def keep_parse(view, pf: ParsedFragment) -> None:
    """Keep ``pf``, the parse of a hunk view's text made for its facts, as
    the parse parsed() gives (a hunk image was parsed a second time for
    the fact families that walk the tree)."""
    view.__dict__["_parsed"] = Parsed(pf, view.first_line)


def parsed(view) -> Parsed | None:
    """The view's parse (None for an empty view)."""
    cached = view.__dict__.get("_parsed")
    if cached is None and getattr(view, "facts_deferred", False):
        view.facts              # a hunk image not parsed yet: its facts keep the parse
        cached = view.__dict__.get("_parsed")
    if cached is not None or not view.text:
        return cached
    full, blanked = view.__dict__.get("full"), view.__dict__.get("blanked")
    if view.whole_file and full is not None and blanked:
        # a thinned view (code/thin.py), from the parse of its whole file;
        # kept on the view alone: no other view has its text
        pf = parse_blanked(parsed(full).pf, _whole_bytes(view), blanked)
    elif view.whole_file:
        key = _view_key(view)
        pf = _WHOLE.get(key)
        if pf is None:
            previous = _LATEST.get(view.path)
            if previous is None:
                previous = _BASES.pop(view.path, None)
            pf = keep_newest(_WHOLE, key, parse_whole(_whole_bytes(view), previous), _LIMIT)
        keep_newest(_LATEST, view.path, pf, _LIMIT)
    else:
        pf = parse_fragment(view.text)
    out = view.__dict__["_parsed"] = Parsed(pf, view.first_line)
    return out


def function_nodes(p: Parsed, section: str = ""):
    """(name, function_definition node, head_visible) of every function in
    the parse, in order.  The synthetic wrapper of a hunk that starts inside
    a function stands for that function: its name is ``section`` (the hunk
    header's guess, '' if none) and its head is not visible."""
    out = []
    stack = [p.pf.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            name = function_name(p, node)
            if name.startswith(SYN):
                if p.pf.in_function and name == "__cprlint_fragment__":
                    out.append((section, node, False))
                    continue
            elif name:
                out.append((name, node, node.start_byte >= p.lo))
                continue
        if node.type in ("translation_unit", "function_definition", "compound_statement",
                         "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
                         "ERROR", "linkage_specification", "declaration_list"):
            stack.extend(reversed(node.named_children))
    out.sort(key=lambda t: t[1].start_byte)
    return out


def function_name(p: Parsed, node) -> str:
    return function_name_in(p.pf.orig, node)


def function_name_in(orig: bytes, node) -> str:
    """The name of the function_definition ``node`` ('' when it has none)."""
    d = node.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    if d is None:
        return ""
    inner = d.child_by_field_name("declarator")
    while inner is not None and inner.type not in ("identifier", "field_identifier"):
        inner = inner.child_by_field_name("declarator")
    return orig[inner.start_byte:inner.end_byte].decode("utf-8", "replace") \
        if inner is not None else ""
