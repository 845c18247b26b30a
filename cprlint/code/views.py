"""Build the post/pre views of every C hunk of a series, with their facts
(a pre-image's are derived when first asked: see _view)."""

from __future__ import annotations

from ..inputs.series import FileDiff, Hunk, Series
from .facts import build_facts
from .fragments import parse_fragment
from .model import CodeView, Facts, HunkViews
from .parsed import keep_parse


def _view(path: str, side: str, hunk: Hunk) -> CodeView:
    post = side == "post"
    skip = "-" if post else "+"
    rows: list[str] = []
    changed: set[int] = set()
    input_lines: dict[int, int | None] = {}
    mark = "+" if post else "-"
    for hl in hunk.lines:
        if hl.kind == skip or hl.kind not in (" ", "+", "-"):
            continue
        no = hl.new_no if post else hl.old_no
        rows.append(hl.text)
        if no is not None:
            input_lines[no] = hl.input_line
            if hl.kind == mark:
                changed.add(no)
    first = hunk.target_start if post else hunk.source_start
    if rows and first == 0:
        first = 1
    view = CodeView(path=path, side=side, text="\n".join(rows), first_line=first,
                    changed=frozenset(changed), input_lines=input_lines,
                    section=hunk.function_hint, section_text=hunk.section)
    if not rows:
        view.facts = Facts()
    elif post:
        derive_facts(view)
    else:
        # a pre-image is read only to explain a post-image candidate, and by
        # the series rules: parsed when first asked (CodeView.facts)
        view.defer_facts()
    return view


def derive_facts(view: CodeView) -> Facts:
    """Parse a hunk image that has lines (balanced wrapper), derive its
    facts, and keep both on the view."""
    pf = parse_fragment(view.text)
    view.facts = build_facts(pf, view.first_line, view.section, view.changed)
    keep_parse(view, pf)        # the fact families that need the tree use this parse
    return view.facts


def facts_for_fragment(text: str, first_line: int, section: str = "",
                       changed: frozenset[int] = frozenset()) -> Facts:
    """Parse one hunk image (balanced wrapper) and return its facts."""
    return build_facts(parse_fragment(text), first_line, section, changed)


def views_of_file_diff(patch_index: int, fd: FileDiff) -> list[HunkViews]:
    out = []
    for i, h in enumerate(fd.hunks):
        post, pre = _view(fd.path, "post", h), _view(fd.path, "pre", h)
        post.patch_index = pre.patch_index = patch_index
        out.append(HunkViews(patch_index=patch_index, file_path=fd.path, hunk_index=i,
                             post=post, pre=pre))
    return out


def build_views(series: Series) -> list[HunkViews]:
    """Views (post and pre image) of every hunk of every C file: the post
    images' facts derived, the pre images' left for first use."""
    out: list[HunkViews] = []
    for pi, patch in enumerate(series.patches):
        for fd in patch.files:
            if not fd.is_c or fd.is_binary or not fd.hunks:
                continue
            out.extend(views_of_file_diff(pi, fd))
    return out

