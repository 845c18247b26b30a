"""Load rules/*.toml, run their kinds over the code views, keep what the
patch introduces, and turn candidates into located findings; then run the
``findings`` kinds (e.g. suppression use) over those findings.

The engine knows rule *kinds* (cprlint.kinds); rule instances are data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from . import lazyre, linear
from .findings import SEVERITIES, Candidate, Finding, severity_rank
from .kinds import Fields, Kind, KindError, alone_without_base, load_kind
from .limits import PatchBudget
from .paths import stem
from .records import Record

if TYPE_CHECKING:
    from pathlib import Path

RULE_ID = lazyre.compile(r"^[A-Z]{3,5}\d{3}$")
REQUIRED_KEYS = ("id", "title", "severity", "kind", "message", "rationale", "invariant")


class RuleError(Exception):
    """A rule file is broken: an installation problem, reported with exit 2."""


class Example(Record):
    """A rule file's [[examples]] entry."""

    expect: str               # "bad" or "ok"
    input: str
    description: str
    lines: list[int]

    def __init__(self, expect, input, description="", lines=None) -> None:
        self.expect = expect
        self.input = input
        self.description = description
        self.lines = [] if lines is None else lines


class Rule(Record):
    """A rule loaded from its TOML file, with its kind instance."""

    id: str
    title: str
    severity: str
    kind_name: str
    message: str
    rationale: str
    invariant: str
    references: list[str]
    params: dict
    examples: list[Example]
    path: str                  # the rule file (as given: a str, or a Path from a caller)
    kind: Kind | None          # made at first use for a rule from the cache (see below)
    default: bool  # selected when the user selects nothing (``default = false``)
    # literal strings one of which a view's text must hold for the kind to
    # find anything in it (Kind.trigger_words); None: no such words
    words: tuple[str, ...] | None = None
    # its kind finds nothing in a one-patch series without a base tree
    # (Kind.silent_on_one_patch)
    silent_on_one_patch: bool = False

    def __init__(self, id, title, severity, kind_name, message, rationale, invariant,
                 references, params, examples, path, kind=None, default=True) -> None:
        self.id = id
        self.title = title
        self.severity = severity
        self.kind_name = kind_name
        self.message = message
        self.rationale = rationale
        self.invariant = invariant
        self.references = references
        self.params = params
        self.examples = examples
        self.path = path
        self.kind = kind
        self.default = default

    # A rule from the cache (checked by the run that kept it) makes its kind,
    # and imports the kind's module, when the kind is first asked for: a
    # check whose views hold none of a rule's trigger words never does.
    _pending_scope: str | None = None  # the scope of a kind not made yet

    @property
    def kind(self) -> Kind | None:
        kind = self.__dict__.get("_kind")
        if kind is None and self._pending_scope is not None:
            with linear.checked_rules():
                try:
                    kind = load_kind(self.kind_name)(self.params)
                except KindError as exc:
                    raise RuleError(f"{self.path}: {exc}") from None
            self.__dict__["_kind"] = kind
            self._pending_scope = None
        return kind

    @kind.setter
    def kind(self, value: Kind | None) -> None:
        self.__dict__["_kind"] = value
        self._pending_scope = None
        self.words = None          # another kind's words do not hold for this one
        self.silent_on_one_patch = False

    @property
    def scope(self) -> str:
        if self._pending_scope is not None:
            return self._pending_scope
        return self.kind.scope if self.kind else "image"


def rules_dir() -> Path:
    """The bundled rules: inside the package in a wheel, ../rules in a checkout."""
    from pathlib import Path

    return Path(_rules_path())


def _rules_path() -> str:
    """rules_dir() as a str (a check does not import pathlib); RuleError if none."""
    from .paths import rules_path

    try:
        return rules_path()
    except FileNotFoundError as exc:
        raise RuleError(str(exc)) from None


def _parse(path) -> dict:
    try:  # Python 3.11+
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        with open(path, encoding="utf-8") as fh:
            return tomllib.loads(fh.read())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: {exc}") from None


def _load_rule(path, data: dict, derived: dict | None = None) -> Rule:
    """The rule of ``data`` (parsed from ``path``); ``derived``: what a run
    that checked it kept of its kind (scope and trigger words), with which
    the kind is made only when first used."""
    missing = [k for k in REQUIRED_KEYS if not data.get(k)]
    if missing:
        raise RuleError(f"{path}: missing {', '.join(missing)}")
    # (a cached rule's id was matched when it was kept, under the same file name)
    if data["id"] != stem(path) or (not linear.rules_checked() and not RULE_ID.match(data["id"])):
        raise RuleError(f"{path}: id '{data['id']}' must match the file name and look like MIG001")
    if data["severity"] not in SEVERITIES:
        raise RuleError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    examples = []
    for ex in data.get("examples", []):
        if ex.get("expect") not in ("bad", "ok") or not ex.get("input"):
            raise RuleError(f"{path}: each [[examples]] needs expect = bad|ok and input")
        examples.append(Example(ex["expect"], ex["input"], ex.get("description", ""),
                                list(ex.get("lines", []))))
    kinds_seen = {e.expect for e in examples}
    if kinds_seen != {"bad", "ok"}:
        raise RuleError(f"{path}: needs at least one bad and one ok example")
    if not linear.rules_checked():     # (a cached rule was checked when it was cached)
        import string

        for _, name, _, _ in string.Formatter().parse(data["message"]):
            if name is not None and not re.match(r"^\w+$", name):
                raise RuleError(f"{path}: message placeholder '{{{name}}}' is not a plain name")
    rule = Rule(
        id=data["id"], title=data["title"], severity=data["severity"],
        kind_name=data["kind"], message=data["message"].strip(),
        rationale=data["rationale"].strip(), invariant=data["invariant"].strip(),
        references=list(data.get("references", [])), params=dict(data.get("params", {})),
        examples=examples, path=path,
    )
    if not isinstance(data.get("default", True), bool):
        raise RuleError(f"{path}: default must be true or false")
    rule.default = data.get("default", True)
    if _usable(derived):
        rule._pending_scope = derived["scope"]
        rule.words = None if derived["words"] is None else tuple(derived["words"])
        rule.silent_on_one_patch = derived["silent_on_one_patch"]
        return rule
    try:
        rule.kind = load_kind(rule.kind_name)(rule.params)
    except KindError as exc:
        raise RuleError(f"{path}: {exc}") from None
    words = rule.kind.trigger_words()
    rule.words = None if words is None else tuple(words)
    rule.silent_on_one_patch = rule.kind.scope == "series" and rule.kind.silent_on_one_patch
    return rule


def _derived(rule: Rule) -> dict:
    """What the rule cache keeps of a checked rule's kind."""
    return {"scope": rule.scope, "words": None if rule.words is None else list(rule.words),
            "silent_on_one_patch": rule.silent_on_one_patch}


def _usable(derived) -> bool:
    return isinstance(derived, dict) and derived.get("scope") in ("image", "series", "findings") \
        and isinstance(derived.get("silent_on_one_patch"), bool) \
        and (derived.get("words") is None or (
            isinstance(derived["words"], list) and derived["words"]
            and all(isinstance(w, str) and w for w in derived["words"])))


def load_rules(directory: str | Path | None = None) -> list[Rule]:
    from . import rulecache
    from .paths import toml_files

    if directory is None:
        directory = _rules_path()
    try:
        paths = toml_files(directory)
    except OSError:
        paths = []
    built: list[Rule] = []

    def check(tables: list[dict]) -> list[dict]:   # a fresh parse: every pattern compiled now
        built.extend(_load_rule(p, t) for p, t in zip(paths, tables))
        return [_derived(r) for r in built]

    tables, kept, derived = rulecache.tables(paths, _parse, check=check)
    rules = built
    if kept:                                    # checked by the run that kept them
        if not isinstance(derived, list) or len(derived) != len(tables):
            derived = [None] * len(tables)
        with linear.checked_rules():
            rules = [_load_rule(p, t, d) for p, t, d in zip(paths, tables, derived)]
    if not rules:
        raise RuleError(f"no rule files in {directory}")
    return rules


def select_rules(rules: list[Rule], select: list[str] | None, ignore: list[str] | None) -> list[Rule]:
    """ruff-style selection: codes or prefixes ("MIG", "CPR001")."""
    known = {r.id for r in rules}

    def check(codes):
        for c in codes or ():
            if not any(rid.startswith(c) for rid in known):
                raise RuleError(f"unknown rule or prefix '{c}' (see `cprlint rules`)")

    check(select)
    check(ignore)
    out = [r for r in rules if not select or any(r.id.startswith(c) for c in select)]
    return [r for r in out if not any(r.id.startswith(c) for c in ignore or ())]


_UNKNOWN = "\0unknown-function\0"


def _message(rule: Rule, fields: dict, line: int) -> str:
    """The rule's template filled in, on one line.  Where the parse could not
    name the function (e.g. a head split by #ifdef), templates written as
    ``{function}()`` read "the function around line N" instead."""
    text = " ".join(rule.message.format_map(fields).split())
    if _UNKNOWN in text:
        where = f"the function around line {line}"
        text = text.replace(_UNKNOWN + "()", where).replace(_UNKNOWN, where)
        text = text[:1].upper() + text[1:] if text.startswith("the function") else text
    return text


def _finding(rule: Rule, cand: Candidate, series) -> Finding:
    fields = Fields(cand.fields)
    fields.setdefault("function", cand.function or _UNKNOWN)
    fields.setdefault("line", str(cand.line))
    view = cand.view
    patch = None
    if cand.patch_index is not None:
        patch = series.patches[cand.patch_index]
    elif view is not None and getattr(view, "patch_index", None) is not None:
        patch = series.patches[view.patch_index]
    input_line = cand.input_line
    source = ""
    if view is not None:
        input_line = view.input_line(cand.line) if input_line is None else input_line
        source = view.source_line(cand.line)
    return Finding(
        rule=rule.id, severity=cand.severity or rule.severity, title=rule.title,
        path=cand.path, line=cand.line, end_line=cand.end_line or cand.line,
        function=cand.function, message=_message(rule, fields, cand.line),
        source=source, patch=patch,
        input_path=patch.input_path if patch else "", input_line=input_line,
        key=tuple(cand.key),
    )


class FindingsContext(Record):
    """What a ``findings`` kind is given besides the findings themselves."""

    suppressions: list          # suppressions.Suppression the patches add
    known: frozenset[str]       # ids of every rule the run knows (selected or not)
    judged: frozenset[str]      # ids whose findings were looked for in this run

    def __init__(self, suppressions, known, judged) -> None:
        self.suppressions = suppressions
        self.known = known
        self.judged = judged


def run_rules(rules: list[Rule], series, views, show_all: bool = False,
              available: list[Rule] | None = None) -> list[Finding]:
    """Run every rule; keep image-kind findings only where the patch introduces them
    (``show_all``: the others too, once each, marked ``preexisting``).

    ``findings`` kinds run last, on what the others found.  ``available`` is
    every rule the selection was made from (default: ``rules``): it gives
    the known rule ids, and a rule a suppression names is run for the
    post-pass even when it is not selected (its findings are not returned)."""
    available = list(available) if available is not None else list(rules)
    by_patch: dict[int, list] = defaultdict(list)
    for hv in views:
        by_patch[hv.patch_index].append(hv)
    shown: set[tuple] = set()     # (rule, file, key) reported: pre-existing ones once (--all)
    main = [r for r in rules if r.scope != "findings"]
    post = [r for r in rules if r.scope == "findings"]
    budget = PatchBudget()
    findings = _run_all(main, series, views, by_patch, show_all, shown, budget)
    _note_budget(budget, series)
    if post:
        findings += _post_pass(post, main, available, series, views, by_patch, show_all,
                               findings)
    findings.sort(key=Finding.sort_key)
    return dedupe(findings)


def blind_spots(rules: list[Rule], series, views) -> list[str]:
    """What the selected rules could not check from hunks alone, said once
    per patch in the summary (never a finding): kinds that can tell offer
    ``hunk_notes(view)``."""
    notes: dict[str, None] = {}        # in order, each once
    for rule in triggered(rules, views, series):
        hook = getattr(rule.kind, "hunk_notes", None)
        if hook is None:
            continue
        for hv in views:
            if hv.patch_index is None or hv.post.whole_file:
                continue
            for text in hook(hv.post):
                notes[f"{rule.id}, patch {series.patches[hv.patch_index].label()}: {text}"] = None
    return list(notes)


def _note_budget(budget: PatchBudget, series) -> None:
    from .limits import note

    for key in sorted(budget.spent, key=str):
        if key == "series":
            what = "the series rules"
        elif key is None:
            what = "the file rules"
        else:
            what = f"patch {series.patches[key].label()}"
        note(f"{what}: analysis stopped after {budget.seconds:g} s per patch (time budget); "
             "findings of the rules not yet run on it are missing")


def _run_all(rules, series, views, by_patch, show_all, shown,
             budget: PatchBudget | None = None) -> list[Finding]:
    """The image kinds patch by patch, then the series kinds over the whole
    series.  Before a patch's rules, its whole-file views get their facts
    and parse trees (code.whole.ready: full mode derives them patch by
    patch); after them, the parses and derived facts kept on those views
    are let go (a long series with its base tree would otherwise keep a
    parse of every file version until the end).  Per rule, findings come
    in the same patch order.  In full mode, what the series' views still
    hold is let go at the end (code.whole.release), however the run ends."""
    from .code.parsed import forget

    ready = release = None      # full mode: code.whole's (hunk mode does not import it)
    if any("_steps" in hv.post.__dict__ or "_steps" in hv.pre.__dict__ for hv in views):
        from .code.whole import ready, release
    findings: list[Finding] = []
    budget = budget or PatchBudget()
    try:
        with budget:            # SIGPROF held for the whole run, not per call
            image, whole_series = [], []
            for rule in triggered(rules, views, series):
                if rule.kind.scope == "series":
                    whole_series.append(rule)
                else:
                    rule.kind.series_patches = len(series.patches) if series is not None else 0
                    image.append(rule)
            for patch_index, hunk_views in by_patch.items():
                if ready is not None:
                    ready(hunk_views)
                thin: dict = {}     # function-local kinds: this patch's views, thinned
                for rule in image:
                    _guarded(rule, _run_patch, rule, series, patch_index, hunk_views,
                             show_all, shown, findings, budget, thin)
                for hv in hunk_views:
                    for view in (hv.pre, hv.post):
                        if view.whole_file:
                            forget(view)
            for rule in whole_series:
                _guarded(rule, _run_series, rule, series, views, findings, budget)
    finally:
        if release is not None:
            release(views)
    return findings


def triggered(rules: list[Rule], views, series=None) -> list[Rule]:
    """The rules that may find something in ``views``: those with no
    trigger words, and those one of whose words is in some view's text;
    for a one-patch ``series`` without a base tree, not the series rules
    that are silent there (Kind.silent_on_one_patch).
    The others cannot (Kind.trigger_words), and their kinds are not even
    made; they still count as judged (a suppression naming one is unused).
    A word is looked for in a text once per run: found words are not
    looked for again, each distinct text is read once, and what a view's
    text holds is kept on the view for the next call (a job asks for its
    image and series kinds, then for its hunk notes)."""
    if series is not None and alone_without_base(series):
        rules = [r for r in rules if not getattr(r, "silent_on_one_patch", False)]
    wanted = {w for rule in rules for w in (getattr(rule, "words", None) or ())}
    present: set[str] = set()
    for view in _distinct_texts(views) if wanted else ():
        known = view.__dict__.setdefault("_words_in_text", {})
        for w in wanted - present:
            hit = known.get(w)
            if hit is None:
                hit = known[w] = w in view.text
            if hit:
                present.add(w)
        if present == wanted:
            break
    out = []
    for rule in rules:
        words = getattr(rule, "words", None)     # (a stand-in rule may have none)
        if words is None or not present.isdisjoint(words):
            out.append(rule)
    return out


def _distinct_texts(views):
    """The pre and post views of ``views``, one per distinct text object."""
    seen: set[int] = set()
    for hv in views:
        for view in (hv.pre, hv.post):
            if id(view.text) not in seen:
                seen.add(id(view.text))
                yield view


def _guarded(rule, fn, *args) -> None:
    try:
        fn(*args)
    except KindError as exc:   # a rule's parameters compiled lazily, e.g. a bad regex
        raise RuleError(f"{rule.path}: {exc}") from None


def _post_pass(post, main, available, series, views, by_patch, show_all,
               findings) -> list[Finding]:
    """The ``findings`` kinds, on the findings of ``main`` and on those of the
    rules the added suppressions name that ``main`` left out."""
    from .suppressions import collect

    patch_views = [hv for hv in views if hv.patch_index is not None]
    sups = [s for s in collect(patch_views) if s.added]
    ran = {r.id for r in main}
    extra = [r for r in available if r.scope != "findings" and r.id not in ran
             and any(r.id in s.codes for s in sups)]
    seen = findings + _run_all(extra, series, views, by_patch, show_all, set()) \
        if extra else findings
    context = FindingsContext(
        suppressions=sups, known=frozenset(r.id for r in available) | {r.id for r in post},
        judged=frozenset(ran | {r.id for r in extra}))
    out: list[Finding] = []
    for rule in post:
        try:
            for cand in rule.kind.check_findings(series, patch_views, seen, context):
                out.append(_finding(rule, cand, series))
        except KindError as exc:
            raise RuleError(f"{rule.path}: {exc}") from None
    return out


def _run_series(rule, series, views, findings, budget: PatchBudget) -> None:
    """A series kind, once over the series, under the series' time budget."""
    # C files checked as they are (patch_index None) are no series
    patch_views = [hv for hv in views if hv.patch_index is not None]
    got = budget.run("series", lambda: [_finding(rule, cand, series) for cand in
                                        rule.kind.check_series(series, patch_views)],
                     scale=max(1, len(series.patches)))
    findings.extend(got or ())


def _run_patch(rule, series, patch_index, hunk_views, show_all, shown, findings,
               budget: PatchBudget, thin: dict) -> None:
    """An image kind on one patch, under the patch's time budget
    (post-image candidates kept where the pre-image does not explain
    them); a run cut short adds nothing."""
    got = budget.run(patch_index, lambda: _scan_patch(
        rule, series, patch_index, hunk_views, show_all, shown, thin))
    findings.extend(got or ())


def _images(kind, hunk_views, show_all, thin) -> list[tuple]:
    """(HunkViews, pre view, post view) to scan for one patch: for a
    function-local kind in full mode, the views cut down to the functions
    the patch changed (code.thin; not with ``show_all``, which reports
    what unchanged functions hold too)."""
    if kind.function_local and not show_all:
        if "pairs" not in thin:
            thin["pairs"] = None        # hunks, and files checked as they are, are not thinned
            if all(hv.pre.whole_file and hv.post.whole_file and hv.patch_index is not None
                   for hv in hunk_views):
                from .code.thin import thinned

                thin["pairs"] = thinned(hunk_views)
        pairs = thin["pairs"]
        if pairs is not None:
            return [(hv, pre, post) for hv, (pre, post) in zip(hunk_views, pairs)]
    return [(hv, hv.pre, hv.post) for hv in hunk_views]


def _scan_patch(rule, series, patch_index, hunk_views, show_all, shown,
                thin: dict) -> list[Finding]:
    kind = rule.kind
    findings: list[Finding] = []
    images = _images(kind, hunk_views, show_all, thin)
    # the post images first: the pre images are scanned only to explain
    # candidates, and most patches have none for most rules
    posts = [(hv, post, list(kind.scan(post))) for hv, _pre, post in images]
    if not any(cands for _hv, _post, cands in posts):
        return findings
    before: dict[tuple, list[frozenset]] = defaultdict(list)
    for _hv, pre, _post in images:
        for cand in kind.scan(pre):
            before[cand.key].append(cand.guards)
    for hv, post, cands in posts:
        for cand in cands:
            old = any(g <= cand.guards for g in before.get(cand.key, ()))
            if old and (not show_all or (rule.id, hv.file_path, cand.key) in shown):
                continue  # moved, re-indented or only narrowed: not introduced
            if cand.view is post and post is not hv.post:
                cand.view = hv.post      # the whole file, not its thinned view
            cand.patch_index = patch_index
            finding = _finding(rule, cand, series)
            shown.add((rule.id, hv.file_path, cand.key))
            if old:
                finding.preexisting = True
            else:
                anchor_on_change(finding, cand.view)
            findings.append(finding)
    return findings


def anchor_on_change(finding: Finding, view) -> None:
    """A finding the patch caused on a line it did not touch (whole-file view)
    moves to the nearest changed line; the message keeps the true line."""
    if view is None or not view.whole_file:
        return                  # (a hunk shows the line it reports)
    from .code.whole import anchor_line

    line = anchor_line(view, finding.line)
    if line is None:
        return
    true_line, true_source = finding.line, finding.source.strip()
    finding.line = finding.end_line = line
    finding.source = view.source_line(line)
    finding.input_line = view.input_line(line)
    finding.message += f" (The code is at line {true_line}, `{true_source}`, " \
                       "which this patch leaves unchanged.)"


def dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.rule, f.path, f.line, f.input_path, f.patch.index if f.patch else 0, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def fails(findings: list[Finding], fail_on: str) -> bool:
    return any(severity_rank(f.severity) >= severity_rank(fail_on) for f in findings)
