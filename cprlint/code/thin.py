"""Whole-file views cut down to what one patch changed (full mode).

A rule kind that is *function-local* (``Kind.function_local``) finds in a
function only what that function's own text and the file's code outside
functions imply, and keys each candidate by the function's name.  The
engine keeps a post-image candidate only when the pre-image has none with
its key, so for such a kind a function the patch left unchanged yields the
same candidates before and after and none of them is ever reported: the
kind needs to see only the functions the patch changed.

``thinned(hunk_views)`` gives, for one patch's whole-file views, the same
views with every unchanged function blanked out (its lines kept, empty, so
that line numbers hold): the kind then parses and walks the changed
functions and the code outside functions, not the whole file twice.

A function is blanked only when that leaves what is reported the same:

  * its chunk (code.incremental.OutlineEntry) holds nothing but named
    function definitions, and the same bytes are in the pre- and the
    post-image;
  * no function that stays in view, in any file of the patch, has its name
    (a candidate's key starts with the function's name: a kept candidate
    could otherwise have been matched by one of the blanked function), and
    the file defines that name once;
  * it parsed without error (the parse of a file is cut between its
    top-level nodes: taking out whole, well-formed function definitions
    leaves how the rest parses as it was).

A patch with a file seen only in hunks, or a file without an outline, is
not thinned.  The views' facts are narrowed to the lines kept, except
``identifiers`` (the words of the whole file).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter

from .model import CodeView, Facts


def thinned(hunk_views: list) -> list[tuple[CodeView, CodeView]] | None:
    """(pre, post) per item of ``hunk_views`` (one patch's HunkViews), the
    unchanged functions blanked; None when the patch cannot be thinned."""
    files = []
    for hv in hunk_views:
        pre, post = hv.pre, hv.post
        if not (post.whole_file and pre.whole_file) or hv.patch_index is None:
            return None
        if post.text and post.outline is None or pre.text and pre.outline is None:
            return None
        files.append((pre, post))

    # what each file could blank: chunks of named functions in both images
    blankable = []
    for pre, post in files:
        if not (pre.text and post.text):
            blankable.append(set())
            continue
        common = {e.key for e in pre.outline} & {e.key for e in post.outline}
        # a name one image defines twice stays: a lookup by name may find
        # the other definition
        twice = set()
        for v in (pre, post):
            defined = Counter(n for e in v.outline for n in e.functions)
            twice.update(n for n, c in defined.items() if c > 1)
        blankable.append({e.key for e in post.outline
                          if e.only_functions and e.key in common
                          and not twice.intersection(e.functions)})

    # names that stay in view anywhere in the patch keep their namesakes
    while True:
        kept_names = set()
        for (pre, post), keys in zip(files, blankable):
            for v in (pre, post):
                for e in v.outline or ():
                    if e.key not in keys:
                        kept_names.update(e.functions)
        shrunk = False
        for (pre, post), keys in zip(files, blankable):
            for v in (pre, post):
                for e in v.outline or ():
                    if e.key in keys and kept_names.intersection(e.functions):
                        keys.discard(e.key)
                        shrunk = True
        if not shrunk:
            break

    if not any(blankable):
        return None
    return [(_thin(pre, keys), _thin(post, keys)) if keys else (pre, post)
            for (pre, post), keys in zip(files, blankable)]


def _thin(view: CodeView, keys: set) -> CodeView:
    """``view`` with the chunks whose key is in ``keys`` blanked."""
    ranges = [(e.line, e.end_line) for e in view.outline if e.key in keys]
    if not ranges:
        return view
    rows = view.text.split("\n")
    for a, b in ranges:
        for i in range(a - 1, min(b, len(rows))):
            rows[i] = ""
    starts = [a for a, _ in ranges]

    def kept(line: int) -> bool:
        i = bisect_right(starts, line) - 1
        return i < 0 or line > ranges[i][1]

    f = view.facts
    facts = Facts(
        functions=[fn for fn in f.functions if kept(fn.line)],
        calls=[c for c in f.calls if kept(c.line)],
        comments=[c for c in f.comments if kept(c.line)],
        identifiers=f.identifiers,
        macros_defined=[x for x in f.macros_defined if kept(x[1])],
        prototypes=[x for x in f.prototypes if kept(x[1])],
        enum_constants=[x for x in f.enum_constants if kept(x[1])],
        fields_defined=[x for x in f.fields_defined if kept(x[1])],
        error_count=f.error_count, missing_count=f.missing_count)
    out = CodeView(path=view.path, side=view.side, text="\n".join(rows),
                   first_line=view.first_line, changed=view.changed,
                   input_lines=view.input_lines, section=view.section,
                   section_text=view.section_text, whole_file=True, facts=facts,
                   patch_index=view.patch_index)
    out.__dict__["full"] = view
    out.__dict__["blanked"] = ranges       # its parse is made from the full view's
    return out
