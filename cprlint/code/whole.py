"""Whole-file views: a C file as it is (files mode), or the whole file
before and after one patch (full mode, base tree available).

Each file version is parsed once: in full mode facts come from
code.incremental (per top-level chunk, re-derived only where a patch
changed the text), patch by patch as the rules reach each patch
(SeriesSteps), and the rules of that patch walk the same parse; in files
mode from one walk.  Only the comments' ``changed_lines`` are redone per
view.
"""

from __future__ import annotations

from ..records import replace
from .facts import build_facts
from .fragments import parse_whole
from .model import CodeView, Facts, HunkViews, any_between

_SERIES_FACTS = None      # code.incremental.FileFacts of whole_view's series versions


def _file_facts(text: str) -> Facts:
    """Facts of a whole file checked as it is (one walk, nothing reused)."""
    from .parsed import remember

    pf = parse_whole(text.encode("utf-8", "surrogateescape"))
    remember(text[:-1] if text.endswith("\n") else text, pf)   # the view's text
    return build_facts(pf, 1, "", frozenset())


def _new_file_facts():
    """A code.incremental.FileFacts for a series' versions (the previous
    series' base parses let go)."""
    from .incremental import FileFacts
    from .parsed import forget_bases

    forget_bases()
    return FileFacts()


def _with_changed(facts: Facts, changed: frozenset[int]) -> Facts:
    if not changed:
        return facts
    order = sorted(changed)
    comments = [
        replace(c, changed_lines=frozenset(n for n in range(c.line, c.end_line + 1)
                                           if n in changed))
        if any_between(order, c.line, c.end_line) else c
        for c in facts.comments
    ]
    return replace(facts, comments=comments)


def whole_view(path: str, text: str, side: str = "post",
               changed: frozenset[int] = frozenset(),
               input_lines: dict[int, int | None] | None = None,
               patch_index: int | None = None) -> CodeView:
    """A view of the whole ``text``.  Without ``input_lines`` every line maps
    to itself (a file checked as it is).  With ``patch_index``: one version
    of a file a series changes, its facts derived at once from the versions
    of that path made so far (as SeriesSteps does when its rules ask)."""
    global _SERIES_FACTS
    body = text[:-1] if text.endswith("\n") else text
    if input_lines is None:
        n = body.count("\n") + 1 if body else 0
        input_lines = {i: i for i in range(1, n + 1)}
    if patch_index is not None:
        view = _series_view(path, text, side, changed, input_lines, patch_index)
        if view.text:
            if _SERIES_FACTS is None:
                _SERIES_FACTS = _new_file_facts()
            _give_facts(view, _SERIES_FACTS.version(path, text))
        return view
    view = CodeView(path=path, side=side, text=body, first_line=1,
                    changed=frozenset(changed), input_lines=input_lines, whole_file=True)
    if body:
        view.facts = _with_changed(_file_facts(text), view.changed)
    return view


def _series_view(path: str, text: str, side: str, changed, input_lines: dict,
                 patch_index: int) -> CodeView:
    """A version of a file a series changes, without its facts: its text
    without the final newline (one object for a patch's post-image and the
    next one's pre-image), marked when the file had one (it is parsed with
    it, code.parsed)."""
    body = _shared_body(path, text)
    view = CodeView(path=path, side=side, text=body, first_line=1,
                    changed=frozenset(changed), input_lines=input_lines,
                    whole_file=True, patch_index=patch_index)
    if body and len(text) > len(body):
        view.__dict__["_eol"] = True
    return view


def _give_facts(view: CodeView, version) -> None:
    """``view``'s facts and outline from its code.incremental version."""
    view.facts = _with_changed(version.facts, view.changed)
    view.outline = version.outline


_BODIES: dict[str, list[str]] = {}      # path -> its last two texts seen in full mode


def forget_versions() -> None:
    """Drop what whole_view kept to derive the next version of each file
    (parse trees, chunk tables)."""
    global _SERIES_FACTS
    _SERIES_FACTS = None
    _BODIES.clear()


def _shared_body(path: str, text: str) -> str:
    """The text without its final newline, one object for a file version
    that is both a patch's post-image and the next patch's pre-image: 200
    patches of one file keep 200 copies, not 400."""
    kept = _BODIES.setdefault(path, [])
    for body in kept:
        if len(body) in (len(text), len(text) - 1) and text.startswith(body) \
                and (len(body) == len(text) or text.endswith("\n")):
            return body
    body = text[:-1] if text.endswith("\n") else text
    kept.append(body)
    del kept[:-2]
    return body


def file_views(path: str, text: str) -> HunkViews:
    """Files mode: the file as it is, against an empty pre-image (no
    differential: everything found is reported)."""
    empty = CodeView(path=path, side="pre", text="", first_line=1, changed=frozenset(),
                     input_lines={}, whole_file=True)
    return HunkViews(patch_index=None, file_path=path, hunk_index=-1,
                     post=whole_view(path, text), pre=empty)


class SeriesSteps:
    """Full mode, lazily: the whole-file views of a series' file steps
    (base.replay.FileStep), made at once from their texts, their facts
    derived when first asked for.

    Facts are derived step by step in the order of the steps, whoever asks
    first (a version reuses the previous version's chunks and parse tree,
    code.incremental).  The engine asks for one patch's steps before it
    runs the rules on that patch (``ready``): those views also get the
    parse tree their facts were derived from as their parse, so the fact
    families that walk the tree (code.parsed) need not parse the file
    again; the engine lets it go once the patch is done.  Steps derived
    for any other reason get no tree (their parse is made when asked).
    Memory stays bounded by the files touched: the trees kept are those of
    the patch being checked."""

    def __init__(self, steps, progress=None):
        self._facts = _new_file_facts()
        self._next = 0              # the first step not derived yet
        self._attach: int | None = None
        self._progress = progress
        self.views = [self._step_views(i, step) for i, step in enumerate(steps)]
        _BODIES.clear()
        if not self.views:
            self._done()

    def _step_views(self, i: int, step) -> HunkViews:
        k, fd, ap = step.patch_index, step.fd, step.applied
        pre_path = fd.old_path or fd.path
        pre = self._view(i, pre_path, step.pre.text(), "pre", ap.pre_changed, ap.pre_inputs, k)
        post = self._view(i, fd.path, ap.post.text(), "post", ap.post_changed, ap.post_inputs, k)
        return HunkViews(patch_index=k, file_path=fd.path, hunk_index=-1, post=post, pre=pre)

    def _view(self, i, path, text, side, changed, inputs, k) -> CodeView:
        view = _series_view(path, text, side, changed, dict(inputs), k)
        if view.text:
            view.defer_facts()
            view.__dict__["_steps"] = (self, i)
        return view

    def derive(self, upto: int) -> None:
        """Derive the facts of every step up to ``upto``, in order (and of
        the steps after it with nothing to derive: an empty file)."""
        views = self.views
        while self._next < len(views) and (self._next <= upto or not any(
                v.facts_deferred for v in (views[self._next].pre, views[self._next].post))):
            hv = views[self._next]
            attach = hv.patch_index == self._attach
            for view in (hv.pre, hv.post):
                if view.facts_deferred:
                    self._derive(view, attach)
            self._next += 1
            if self._progress is not None:
                self._progress.step(hv.file_path)
        if self._next >= len(views):
            self._done()

    def _derive(self, view: CodeView, attach: bool) -> None:
        text = view.text + "\n" if view.__dict__.get("_eol") else view.text
        version = self._facts.version(view.path, text)
        _give_facts(view, version)
        if not attach:
            return
        from .parsed import keep_parse

        if version.clean and version.tree is not None:
            from .fragments import whole_fragment

            keep_parse(view, whole_fragment(version.tree.copy(), version.masked,
                                            text.encode("utf-8", "surrogateescape")))
        elif not version.clean:
            # a syntax error next to a change: the view's parse is made from
            # nothing (how an error reads must not depend on the version
            # before), once for the version's two views
            if version.fresh is None:
                version.fresh = parse_whole(text.encode("utf-8", "surrogateescape"))
            keep_parse(view, version.fresh)

    def ready(self, patch_index: int, upto: int) -> None:
        """Derive the steps up to ``upto``, those of ``patch_index`` with
        their parse trees."""
        import gc

        self._attach = patch_index
        try:
            self.derive(upto)
        finally:
            self._attach = None
        # whole-file facts are many small objects without cycles, kept to
        # the end: out of the cyclic GC's sight, which would otherwise
        # traverse them again and again (code.incremental keeps it off
        # while they are made; the rules make next to no cycles: 18
        # objects over 200 commits)
        gc.freeze()

    def _done(self) -> None:
        """Every step derived (or the run is over): the progress bar
        erased, the versions' trees and chunk tables let go, and the views
        no longer pointing here (nor this at them: no cycle keeps a job)."""
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        self._facts = None
        for hv in self.views:
            for view in (hv.pre, hv.post):
                view.__dict__.pop("_steps", None)
        self.views = []


def release(views) -> None:
    """After the rules: what a series' SeriesSteps still hold let go (a
    run cut short, steps never reached), and the objects frozen out of the
    cyclic GC's sight (``ready``) given back to it."""
    import gc

    seen = []
    for hv in views:
        for view in (hv.pre, hv.post):
            steps = view.__dict__.get("_steps")
            if steps is not None and steps[0] not in seen:
                seen.append(steps[0])
    for steps in seen:
        steps._done()
    gc.unfreeze()


def ready(hunk_views) -> None:
    """Before the rules run on one patch: the facts of its whole-file views
    (full mode), with the parse trees they came from (SeriesSteps)."""
    last = None
    for hv in hunk_views:
        for view in (hv.pre, hv.post):
            steps = view.__dict__.get("_steps")
            if steps is not None and view.facts_deferred:
                last = steps if last is None or steps[1] > last[1] else last
    if last is not None:
        from ..limits import unbilled

        unbilled(lambda: last[0].ready(hunk_views[0].patch_index, last[1]))


def anchor_line(view: CodeView, line: int) -> int | None:
    """For a finding at ``line`` of a whole-file post view that the patch did
    not touch: the nearest line the patch added in the same function, else
    the nearest line its hunks show there, else the nearest added line in
    the file.  None when ``line`` is itself a changed line (or nothing fits)."""
    if not view.whole_file or view.patch_index is None or line in view.changed:
        return None
    fn = view.function_at(line)
    lo, hi = (fn.line, fn.end_line) if fn else (line, line)
    for pool in (
        [n for n in view.changed if lo <= n <= hi],
        [n for n in view.input_lines if lo <= n <= hi],
        list(view.changed),
    ):
        if pool:
            return min(pool, key=lambda n: (abs(n - line), n))
    return None
