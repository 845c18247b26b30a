"""Rule kind ``comment_prose``: motivation or history in code comments.

A comment should state what holds *now* (ordering, ownership, locking,
compatibility constraints); why the change was made, what the code did
before, the race it prevents and what it costs belong in the commit message
(docs/devel/submitting-a-patch.rst).  See docs ``comments.md``.

The analysis is lexical and deterministic, and every cue is data from the
rule's ``[params]``:

* ``families``: name -> {patterns, tier, reason, summary, alone, weight,
  unless, report}.  A family whose pattern matches a sentence (and none of
  whose ``unless`` counter families matches the same sentence) "hits" it.
  ``alone = true`` families (patch references, past-state narration, fix
  narration, process notes) move a sentence by themselves.  The others are
  present-tense motivation: they add ``weight`` to a comment-level score and
  move their sentences only when the score reaches ``motivation_threshold``.
  ``report = false`` families (tie-breakers) only add to the score.
* ``counters``: name -> list of regexes (contract vocabulary, compatibility
  context, run-time temporal words ...), referred to by ``unless``.
* ``diagram``: how to find diagram blocks (lane headers, arrows, columns)
  and which of them narrate a scenario (lanes, or arrows plus narrative
  words).  A block is one unit; a scenario diagram scores ``weight``.
* ``counterfactual``: an ``otherwise:`` sentence followed by a list of what
  would go wrong; the list items are units of that family.
* ``skip_units``: units that are not prose to judge (TODO, code ...);
  ``skip_comments``: whole comments that are not (licence headers ...).

Only units that touch changed lines count; the rest is context.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable

from .. import lazyre, linear
from ..findings import Candidate
from ..records import Record
from . import AnyOf, Kind, KindError, WhichOf, param_regex

_OPENER = lazyre.compile(r"^/\*+!?|^//+!?")
_SLASHES = lazyre.compile(r"^//+")
_STARS_END = lazyre.compile(r"\*+$")
_LETTER = lazyre.compile(r"[A-Za-z]")

TIERS = ("info", "warning")

# (the bullet sign U+2022 is a branch of its own, not in the class: a
# class with a character past U+00FF takes re 3x as long to compile)
_BULLET = lazyre.compile(r"^\s*(?:[-*+]|\u2022|\(?\d+[.)]|\(?[a-z][.)])\s+")
_BULLET_DASH = lazyre.compile(r"^[-*+]\s+|^\u2022\s+")
_ABBREV = lazyre.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|resp|incl|no|fig)\.$", re.I)
# end of a sentence: . ! ? (plus closing quotes/brackets), then space, then a
# capital, digit, quote or bracket.  Semicolons split clauses too.
_BOUNDARY = lazyre.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])|;\s+")
_ABBREV_WINDOW = 16        # longer than any abbreviation _ABBREV knows
# A prose unit or diagram line longer than this is not real comment prose (a
# machine-made or hostile line): it is not handed to the cue and diagram regexes.
MAX_UNIT = 2000


# --------------------------------------------------------------------------
# parameters


class Family(Record):
    """A family of cues (rule params ``families.NAME``), compiled."""

    name: str
    patterns: list[re.Pattern]
    tier: str
    reason: str
    summary: str
    alone: bool
    weight: float
    unless: list[str]
    report: bool
    # a forward reference ("in a later patch"): judged only when a later
    # patch of the series is in view; it overrides these families' hits
    needs_later_patch: bool
    overrides: tuple[str, ...]

    def __init__(self, name, patterns, tier, reason, summary, alone, weight, unless, report,
                 needs_later_patch=False, overrides=()) -> None:
        self.name = name
        self.patterns = patterns
        self.tier = tier
        self.reason = reason
        self.summary = summary
        self.alone = alone
        self.weight = weight
        self.unless = unless
        self.report = report
        self.needs_later_patch = needs_later_patch
        self.overrides = overrides


class ProseParams(Record):
    """The rule's [params], validated and compiled."""

    families: dict[str, Family]
    counters: dict[str, list[re.Pattern]]
    lane_cell: re.Pattern | None
    lane_gap: re.Pattern
    markers: list[re.Pattern]
    line_like: list[re.Pattern]
    narrative: list[re.Pattern]
    diagram_family: str
    counterfactual_intro: list[re.Pattern]
    counterfactual_family: str
    skip_units: list[re.Pattern]
    skip_comments: list[re.Pattern]
    motivation_threshold: float
    warning_threshold: float
    quote_max: int

    def __init__(self, families, counters, lane_cell, lane_gap, markers, line_like, narrative,
                 diagram_family, counterfactual_intro, counterfactual_family, skip_units,
                 skip_comments, motivation_threshold, warning_threshold, quote_max) -> None:
        self.families = families
        self.counters = counters
        self.lane_cell = lane_cell
        self.lane_gap = lane_gap
        self.markers = markers
        self.line_like = line_like
        self.narrative = narrative
        self.diagram_family = diagram_family
        self.counterfactual_intro = counterfactual_intro
        self.counterfactual_family = counterfactual_family
        self.skip_units = skip_units
        self.skip_comments = skip_comments
        self.motivation_threshold = motivation_threshold
        self.warning_threshold = warning_threshold
        self.quote_max = quote_max
        # which families' cues a unit has, in one RE2 pass (not a field)
        self.cues = WhichOf({name: fam.patterns for name, fam in families.items()})


def _rx(pattern, where: str) -> re.Pattern:
    if not isinstance(pattern, str):
        raise KindError(f"comment_prose: {where}: patterns must be strings")
    return param_regex("comment_prose", where, pattern, ignorecase=True)


def _rxs(patterns, where: str) -> list[re.Pattern]:
    if patterns is None:
        return AnyOf([], [], True)
    if not isinstance(patterns, list):
        raise KindError(f"comment_prose: {where} must be a list of regexes")
    return AnyOf([_rx(p, where) for p in patterns], patterns, True)


def compile_params(params: dict) -> ProseParams:
    """Validate and compile the rule's [params]; raises KindError."""
    counters = {}
    for name, pats in (params.get("counters") or {}).items():
        counters[name] = _rxs(pats, f"counters.{name}")
    families = {}
    for name, spec in (params.get("families") or {}).items():
        if not isinstance(spec, dict):
            raise KindError(f"comment_prose: families.{name} must be a table")
        tier = spec.get("tier", "warning")
        if tier not in TIERS:
            raise KindError(f"comment_prose: families.{name}.tier must be info or warning")
        unless = list(spec.get("unless", []))
        for c in unless:
            if c not in counters:
                raise KindError(f"comment_prose: families.{name}.unless names unknown counter '{c}'")
        families[name] = Family(
            name=name,
            patterns=_rxs(spec.get("patterns", []), f"families.{name}.patterns"),
            tier=tier,
            reason=str(spec.get("reason", name.replace("_", " "))),
            summary=str(spec.get("summary", spec.get("reason", name))),
            alone=bool(spec.get("alone", True)),
            weight=float(spec.get("weight", 1)),
            unless=unless,
            report=bool(spec.get("report", True)),
            needs_later_patch=bool(spec.get("needs_later_patch", False)),
            overrides=tuple(spec.get("overrides", ())),
        )
    dia = params.get("diagram") or {}
    cf = params.get("counterfactual") or {}
    dia_family = str(dia.get("family", "scenario_diagram"))
    cf_family = str(cf.get("family", "counterfactual_list"))
    for fam in (dia_family, cf_family):
        if fam not in families and fam in (dia.get("family"), cf.get("family")):
            raise KindError(f"comment_prose: unknown family '{fam}' in diagram/counterfactual")
    thr = params.get("motivation_threshold", 2)
    wthr = params.get("warning_threshold", 4)
    for key, val in (("motivation_threshold", thr), ("warning_threshold", wthr)):
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise KindError(f"comment_prose: {key} must be a number")
    return ProseParams(
        families=families,
        counters=counters,
        lane_cell=_rx(dia["lane_cell"], "diagram.lane_cell") if dia.get("lane_cell") else None,
        lane_gap=_rx(dia.get("lane_gap", r"\s{3,}"), "diagram.lane_gap"),
        markers=_rxs(dia.get("markers"), "diagram.markers"),
        line_like=_rxs(dia.get("line_like"), "diagram.line_like"),
        narrative=_rxs(dia.get("narrative"), "diagram.narrative"),
        diagram_family=dia_family,
        counterfactual_intro=_rxs(cf.get("intro"), "counterfactual.intro"),
        counterfactual_family=cf_family,
        skip_units=_rxs(params.get("skip_units"), "skip_units"),
        skip_comments=_rxs(params.get("skip_comments"), "skip_comments"),
        motivation_threshold=float(thr),
        warning_threshold=float(wthr),
        quote_max=int(params.get("quote_max", 110)),
    )


_CACHE: dict[str, ProseParams] = {}
_CACHE_BY_ID: dict[int, tuple[object, ProseParams]] = {}


def _compiled(params) -> ProseParams:
    if isinstance(params, ProseParams):
        return params
    # the same params object comes back for every comment: compile it once
    # (the object is kept alive alongside, so its id cannot be reused)
    hit = _CACHE_BY_ID.get(id(params))
    if hit is not None and hit[0] is params:
        return hit[1]
    import json

    key = json.dumps(params, sort_keys=True, default=str)
    if key not in _CACHE:
        _CACHE[key] = compile_params(params)
    _CACHE_BY_ID[id(params)] = (params, _CACHE[key])
    return _CACHE[key]


# --------------------------------------------------------------------------
# splitting


def strip_markup(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(file line, text) per comment line, without ``/* */``, ``//`` and the
    leading `` * `` column; relative indentation inside the body is kept."""
    out = []
    rows = text.split("\n")
    for i, raw in enumerate(rows):
        s = raw.strip()
        if i == 0:
            s = _OPENER.sub("", s)
        elif s.startswith("//"):
            s = _SLASHES.sub("", s)
        elif s.startswith("*") and not s.startswith("*/"):
            s = s[1:]
        if s.endswith("*/"):
            s = s[:-2]
            s = _STARS_END.sub("", s)
        if s.startswith(" "):
            s = s[1:]          # the single space after the comment column
        out.append((first_line + i, s.rstrip()))
    return out


class Unit(Record):
    """A sentence, list item or diagram of a comment."""

    kind: str                  # "sentence", "item" (list item) or "diagram"
    text: str                  # one line (diagram: its lines joined with "\n")
    lines: tuple[int, ...]
    sentence: str              # the whole sentence a clause belongs to (counters)
    new: bool
    hits: list[str]            # family names
    scenario: bool             # diagram narrating a scenario
    after_intro: bool          # list item following an "otherwise:" sentence
    skipped: bool

    def __init__(self, kind, text, lines, sentence="", new=True, hits=None, scenario=False,
                 after_intro=False, skipped=False) -> None:
        self.kind = kind
        self.text = text
        self.lines = lines
        self.sentence = sentence
        self.new = new
        self.hits = [] if hits is None else hits
        self.scenario = scenario
        self.after_intro = after_intro
        self.skipped = skipped

    def quote(self, limit: int) -> str:
        if self.kind == "diagram":
            first = next((t.strip() for t in self.text.split("\n") if t.strip()), "")
            first = " ".join(first.split())
            return f"\u201c{_shorten(first, limit)}\u201d ({len(self.lines)}-line diagram)"
        return f"\u201c{_shorten(_BULLET_DASH.sub('', self.text), limit)}\u201d"


def _shorten(s: str, limit: int) -> str:
    """Shorten in the middle, at word boundaries: claims often sit at the end."""
    if len(s) <= limit:
        return s
    head = s[: int(limit * 0.55)].rsplit(" ", 1)[0].rstrip(" ,;:")
    tail = s[len(s) - int(limit * 0.4):]
    tail = tail.split(" ", 1)[1] if " " in tail else tail
    return f"{head} \u2026 {tail}"


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" "))


def _is_lane_header(s: str, p: ProseParams) -> bool:
    if p.lane_cell is None:
        return False
    cells = [c for c in p.lane_gap.split(s.strip()) if c]
    cells = [c.strip("|:-[]() ") for c in cells]
    cells = [c for c in cells if c]
    return len(cells) >= 2 and all(linear.found(p.lane_cell, c, whole=True) for c in cells)


def _find_diagrams(rows: list[tuple[int, str]], p: ProseParams) -> list[tuple[int, int, bool]]:
    """[(start index, end index inclusive, is_scenario)] of diagram blocks."""
    nonblank = [s for _, s in rows if s.strip()]
    if not nonblank:
        return []
    base = min(_indent(s) for s in nonblank)

    def seed(s: str) -> bool:
        return bool(s.strip()) and len(s) <= MAX_UNIT and (
            _is_lane_header(s, p) or p.markers.any_search(s))

    def like(s: str) -> bool:
        return bool(s.strip()) and len(s) <= MAX_UNIT and (
            _indent(s) > base or seed(s) or p.line_like.any_search(s))

    blocks = []
    i = 0
    n = len(rows)
    while i < n:
        if not seed(rows[i][1]):
            i += 1
            continue
        lo = i
        while lo > 0 and like(rows[lo - 1][1]):
            lo -= 1
        hi = i
        while True:
            if hi + 1 < n and like(rows[hi + 1][1]):
                hi += 1
            elif (hi + 2 < n and not rows[hi + 1][1].strip() and like(rows[hi + 2][1])
                  and _indent(rows[hi + 2][1]) > base):
                hi += 2       # a blank spacer line inside the diagram
            else:
                break
        body = [s for _, s in rows[lo:hi + 1]]
        lanes = any(_is_lane_header(s, p) for s in body)
        arrows = any(p.markers.any_search(s) for s in body)
        narrative = p.narrative.any_search(" ".join(body))
        blocks.append((lo, hi, lanes or (arrows and narrative)))
        i = hi + 1
    return blocks


def _split_prose(rows: list[tuple[int, str]], p: ProseParams) -> list[Unit]:
    """Paragraphs -> items -> sentences/clauses, with their file lines."""
    units: list[Unit] = []
    para: list[tuple[int, str]] = []

    def flush_item(item: list[tuple[int, str]], is_item: bool, after_intro: bool):
        joined, spans = "", []
        for ln, s in item:
            s = " ".join(s.split())
            if not s:
                continue
            if joined:
                joined += " "
            spans.append((len(joined), len(joined) + len(s), ln))
            joined += s
        if not joined:
            return False
        # sentences, then clauses (";")
        cuts = [0]
        for m in _BOUNDARY.finditer(joined):
            if m.group(0).startswith(";") or not _ABBREV.search(
                    joined, max(0, m.start() + 1 - _ABBREV_WINDOW), m.start() + 1):
                cuts.append(m.end())
        cuts.append(len(joined))
        sent_start = 0
        pieces = []
        for a, b in zip(cuts, cuts[1:]):
            piece = joined[a:b].strip()
            if piece:
                pieces.append((a, b, piece))
        # a sentence = clauses up to one ending in . ! ?
        sentences, cur = [], []
        for a, b, piece in pieces:
            cur.append((a, b, piece))
            if not piece.endswith(";"):
                sentences.append(cur)
                cur = []
        if cur:
            sentences.append(cur)
        intro_seen = False
        for sent in sentences:
            whole = " ".join(c[2] for c in sent)
            for a, b, piece in sent:
                lines = tuple(ln for (x, y, ln) in spans if x < b and y > a)
                u = Unit("item" if is_item else "sentence", piece.rstrip(";").strip(),
                         lines, sentence=whole, after_intro=after_intro)
                units.append(u)
            sent_start += 1
            if p.counterfactual_intro.any_search(whole):
                intro_seen = True
        return intro_seen

    def flush_para():
        items: list[tuple[list, bool]] = []
        for ln, s in para:
            if _BULLET.match(s) or not items:
                items.append(([(ln, s)], bool(_BULLET.match(s))))
            elif items[-1][1] and _indent(s) > _indent(items[-1][0][0][1]):
                items[-1][0].append((ln, s))      # continuation of a list item
            elif items[-1][1]:
                items.append(([(ln, s)], False))  # prose after a list
            else:
                items[-1][0].append((ln, s))
        after_intro = False
        for item, is_item in items:
            if not is_item:
                after_intro = False
            seen = flush_item(item, is_item, after_intro and is_item)
            if seen:
                after_intro = True
        para.clear()

    for ln, s in rows:
        if s.strip():
            para.append((ln, s))
        elif para:
            flush_para()
    if para:
        flush_para()
    return units


def split_units(text: str, params, first_line: int = 1) -> list[Unit]:
    """The comment's units in order: sentences/clauses, list items, diagrams."""
    p = _compiled(params)
    rows = strip_markup(text, first_line)
    units: list[Unit] = []
    pos = 0
    for lo, hi, scenario in _find_diagrams(rows, p):
        units += _split_prose(rows[pos:lo], p)
        block = rows[lo:hi + 1]
        units.append(Unit("diagram", "\n".join(s for _, s in block),
                          tuple(ln for ln, s in block if s.strip()), scenario=scenario))
        pos = hi + 1
    units += _split_prose(rows[pos:], p)
    return units


# --------------------------------------------------------------------------
# classification


class Moved(Record):
    """A unit that belongs in the commit message, and why."""

    unit: Unit
    family: str
    reason: str                # the reasons of all its families, strongest first
    tier: str
    families: list[str]

    def __init__(self, unit, family, reason, tier, families=None) -> None:
        self.unit = unit
        self.family = family
        self.reason = reason
        self.tier = tier
        self.families = [] if families is None else families


class CommentVerdict(Record):
    """What to move out of a comment and what to keep."""

    units: list[Unit]
    move: list[Moved]
    keep: list[Unit]           # new, non-moved prose units (what to keep)
    context_kept: bool         # unchanged text remains as well
    score: float
    tier: str | None           # "warning", "info" or None when nothing moves
    families: list[str]        # families of the moved units, in order of first use

    def __init__(self, units, move, keep, context_kept, score, tier, families) -> None:
        self.units = units
        self.move = move
        self.keep = keep
        self.context_kept = context_kept
        self.score = score
        self.tier = tier
        self.families = families


def _hits(unit: Unit, p: ProseParams) -> list[str]:
    if unit.kind == "diagram":
        return [p.diagram_family] if unit.scenario and p.diagram_family in p.families else []
    out = []
    if unit.after_intro and p.counterfactual_family in p.families:
        out.append(p.counterfactual_family)
    text = unit.text
    cued = p.cues.matching(text)
    for fam in p.families.values():
        if fam.name in out or fam.name not in cued:
            continue
        if any(p.counters[c].any_search(unit.sentence or text) for c in fam.unless):
            continue
        out.append(fam.name)
    dropped = {o for h in out for o in p.families[h].overrides}
    return [h for h in out if h not in dropped]


def analyse_comment(text: str, params, changed: set[int] | frozenset[int] | None = None,
                    first_line: int = 1, later_patches: bool = True) -> CommentVerdict:
    """Classify a comment's units; return what to move and what to keep.

    ``text`` is the raw comment (markup included) starting at file line
    ``first_line``; ``changed`` the file lines the patch added (None: every
    line is new, as in full-file mode).  ``later_patches`` says whether a
    later patch of the series is in view: without one, a family that needs
    it (a reference to "a later patch") is not judged, since the follow-up
    that removes the placeholder cannot be seen.
    """
    p = _compiled(params)
    if p.skip_comments.any_search(text):      # licence headers and the like
        return CommentVerdict([], [], [], False, 0.0, None, [])
    units = split_units(text, p, first_line)
    for u in units:
        u.new = changed is None or any(ln in changed for ln in u.lines)
        u.skipped = u.kind != "diagram" and (
            len(u.text) > MAX_UNIT or len(u.sentence) > MAX_UNIT
            or not _LETTER.search(u.text) or p.skip_units.any_search(u.text))
        u.hits = [] if u.skipped else _hits(u, p)
        if not later_patches:
            u.hits = [h for h in u.hits if not p.families[h].needs_later_patch]
    live = [u for u in units if u.new and not u.skipped]
    strong = any(p.families[h].alone for u in live for h in u.hits)
    score = sum(p.families[h].weight for u in live for h in u.hits if not p.families[h].alone)
    if strong:
        score += p.motivation_threshold
    motivated = score >= p.motivation_threshold
    move, families = [], []
    for u in live:
        chosen = [p.families[h] for h in u.hits
                  if p.families[h].report and (p.families[h].alone or motivated)]
        if not chosen:
            continue
        chosen.sort(key=lambda f: not f.alone)      # strongest first
        tiers = [f.tier if f.alone or score < p.warning_threshold else "warning"
                 for f in chosen]
        tier = "warning" if "warning" in tiers else "info"
        move.append(Moved(u, chosen[0].name, "; ".join(f.reason for f in chosen), tier,
                          [f.name for f in chosen]))
        for f in chosen:
            if f.name not in families:
                families.append(f.name)
    moved_ids = {id(m.unit) for m in move}
    keep = [u for u in live if id(u) not in moved_ids]
    context = any(not u.new and not u.skipped for u in units)
    tier = None
    if move:
        tier = "warning" if any(m.tier == "warning" for m in move) else "info"
    return CommentVerdict(units, move, keep, context, score, tier, families)


# --------------------------------------------------------------------------
# reporting


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _keep_text(u: Unit, p: ProseParams) -> str:
    t = u.text
    for r in p.counterfactual_intro:
        if r.search(t):
            t = r.sub("", t).rstrip(" ,;:") + "."
    return t


def describe(verdict: CommentVerdict, params) -> dict[str, str]:
    """The message fields: summary, move, keep, count."""
    p = _compiled(params)
    summary = _and([p.families[f].summary for f in verdict.families])
    groups: list[tuple[list[str], str]] = []      # consecutive units sharing a reason
    for m in verdict.move:
        if groups and groups[-1][1] == m.reason:
            groups[-1][0].append(m.unit.quote(p.quote_max))
        else:
            groups.append(([m.unit.quote(p.quote_max)], m.reason))
    move = "; ".join(f"{', '.join(q)} ({r})" for q, r in groups)
    keep_units = [u for u in verdict.keep if u.kind != "diagram" or not u.scenario]
    if keep_units:
        keep = "keep " + "; ".join(
            u.quote(p.quote_max) if u.kind == "diagram"
            else f"\u201c{_shorten(_keep_text(u, p), p.quote_max)}\u201d" for u in keep_units)
        keep += ", in the present tense, as the rule the code follows"
        moved_diagram = any(m.unit.kind == "diagram" for m in verdict.move)
        if moved_diagram and any(_STEP_REF.search(_keep_text(u, p)) for u in keep_units):
            keep += (" — and spell out the steps these sentences refer to by number, "
                     "since only the diagram that moves out defines them")
        if verdict.context_kept:
            keep += " (with the unchanged text around it)"
    elif verdict.context_kept:
        keep = "keep the unchanged part of the comment as it is"
    else:
        keep = ("nothing is left, so do not just delete the comment: state the constraint "
                "the history implies (what must hold here now, in which order, who owns what)")
    return {"summary": summary, "move": move, "keep": keep, "count": str(len(verdict.move))}


_STEP_REF = lazyre.compile(r"\bsteps?\s+\d", re.I)


def normalise(verdict: CommentVerdict) -> str:
    return " | ".join(" ".join(m.unit.text.split()).lower() for m in verdict.move)


# --------------------------------------------------------------------------
# the kind


class CommentProse(Kind):
    """Comments added by a patch that narrate motivation or history."""

    name: ClassVar[str] = "comment_prose"
    scope: ClassVar[str] = "image"
    params_spec: ClassVar[dict[str, tuple[type, bool]]] = {
        "families": (dict, True),        # name -> {patterns, tier, reason, summary, alone,
                                         #          weight, unless, report}
        "counters": (dict, False),       # name -> [regex]: counter-signals for "unless"
        "diagram": (dict, False),        # lane_cell, lane_gap, markers, line_like, narrative, family
        "counterfactual": (dict, False), # intro [regex], family
        "skip_units": (list, False),     # [regex]: units not judged (TODO, code ...)
        "skip_comments": (list, False),  # [regex]: whole comments not judged (licence ...)
        "motivation_threshold": (float, False),
        "warning_threshold": (float, False),
        "quote_max": (int, False),
        "downgrade_paths": (list, False),  # [regex] on the file path: report at info
        "whole_file": (str, False),      # "info" (default) or "off"
    }

    def __init__(self, params: dict):
        params = dict(params)
        for key in ("motivation_threshold", "warning_threshold"):
            if isinstance(params.get(key), int) and not isinstance(params.get(key), bool):
                params[key] = float(params[key])
        super().__init__(params)
        if params.get("whole_file", "info") not in ("info", "off"):
            raise KindError("comment_prose: whole_file must be \"info\" or \"off\"")
        self._prose: ProseParams | None = None
        if not self.params_checked:
            # a fresh parse of the rule file: every cue compiled (and so
            # checked) now, before the rule cache keeps the file
            self._prose = compile_params(self.params)
        self.downgrade = _rxs(params.get("downgrade_paths"), "downgrade_paths")
        self.whole_file = params.get("whole_file", "info")

    @property
    def prose(self) -> ProseParams:
        """The compiled cue families (~200 regexes).  From the rule cache
        (checked by the run that kept it), made when a comment is first
        judged, each regex compiled at its first use."""
        if self._prose is None:
            with linear.checked_rules():
                self._prose = compile_params(self.params)
        return self._prose

    def trigger_words(self):
        # every candidate is a comment: "/*", "//", or the "*/" of a hunk that
        # starts inside one (its tail is a comment fact of its own)
        return ("/*", "//", "*/")

    def scan(self, view) -> Iterable[Candidate]:
        # a file checked as it is (no patch): every comment, at info; a whole
        # file before/after a patch: only the comments the patch touches
        whole = bool(getattr(view, "whole_file", False)) and \
            getattr(view, "patch_index", None) is None
        if whole and self.whole_file == "off":
            return
        for c in view.facts.comments:
            changed = None if whole else set(c.changed_lines)
            if not whole and not changed:
                continue
            later = view.patch_index is not None and \
                view.patch_index + 1 < getattr(self, "series_patches", 0)
            verdict = analyse_comment(c.text, self.prose, changed, first_line=c.line,
                                      later_patches=later)
            if not verdict.move:
                continue
            fields = describe(verdict, self.prose)
            function = c.function or view.section
            fields["where"] = f"{function}()" if function else "file scope"
            fields["comment"] = "comment" if whole else "comment added"
            severity = verdict.tier
            if whole or any(r.search(view.path) for r in self.downgrade):
                severity = "info"
            yield Candidate(
                path=view.path,
                line=verdict.move[0].unit.lines[0],
                end_line=c.end_line,
                function=function,
                key=("comment", normalise(verdict)),
                fields=fields,
                view=view,
                severity=severity,
            )
