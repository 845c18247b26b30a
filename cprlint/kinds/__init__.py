"""Rule kinds.  The engine knows kinds, never rule instances.

A kind is a class registered under a name used by ``kind = "..."`` in a
rule's TOML file.  Its constructor receives the rule's ``[params]`` table.

Three scopes:
  * ``scope = "image"``: ``scan(view)`` is called on every post-image *and*
    pre-image view of every C hunk; the engine keeps post candidates that
    the pre-image does not explain (see findings.Candidate).
  * ``scope = "series"``: ``check_series(series, views)`` sees the whole
    series at once (views: list of HunkViews, all patches).
  * ``scope = "findings"``: ``check_findings(series, views, findings,
    context)`` runs after the other two, on the findings they produced
    (before suppressions are applied); ``context`` is an
    engine.FindingsContext (the suppressions the patch adds, the known rule
    ids).

A kind that judges the commit message rather than the code sets
``reads_commit_message = True``: a staged diff (``cprlint hook``) has no
message, and ``cprlint commit-msg`` has nothing else.

Helpers the kinds share live in ``cprlint.kinds.support``.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import ClassVar, Iterable

from .. import lazyre, linear

# kind name -> "module:Class"; modules are imported only when a rule uses them.
_REGISTRY = {
    "guarded_call": "cprlint.kinds.guarded_call:GuardedCall",
    "call_order": "cprlint.kinds.call_order:CallOrder",
    "comment_prose": "cprlint.kinds.comment_prose:CommentProse",
    "forward_reference": "cprlint.kinds.forward_reference:ForwardReference",
    "input_repair": "cprlint.kinds.input_repair:InputRepair",
    "bisect_order": "cprlint.kinds.bisect_order:BisectOrder",
    "trailers": "cprlint.kinds.trailers:Trailers",
    "vmstate_change": "cprlint.kinds.vmstate_change:VmstateChange",
    "blocking_wait": "cprlint.kinds.blocking_wait:BlockingWait",
    "property_default": "cprlint.kinds.property_default:PropertyDefault",
    "message_notes": "cprlint.kinds.message_notes:MessageNotes",
    "suppression_use": "cprlint.kinds.suppression_use:SuppressionUse",
    "duplicate_operand": "cprlint.kinds.duplicate_operand:DuplicateOperand",
    "forbidden_argument": "cprlint.kinds.forbidden_argument:ForbiddenArgument",
    "return_convention": "cprlint.kinds.return_convention:ReturnConvention",
    "lifetime": "cprlint.kinds.lifetime:Lifetime",
    "guard_macro": "cprlint.kinds.guard_macro:GuardMacro",
    "state_transition": "cprlint.kinds.state_transition:StateTransition",
    "registration_pairing": "cprlint.kinds.registration_pairing:RegistrationPairing",
    "parameter_coverage": "cprlint.kinds.parameter_coverage:ParameterCoverage",
}


class KindError(ValueError):
    """A rule file gives a kind parameters it does not accept."""


class Kind:
    name: ClassVar[str] = ""
    scope: ClassVar[str] = "image"
    reads_commit_message: ClassVar[bool] = False
    # parameter name -> (python type, required)
    params_spec: ClassVar[dict[str, tuple[type, bool]]] = {}
    # an image kind whose candidates in a function follow from that
    # function's text and the code outside functions alone, each keyed by
    # the function's name first ('' outside functions): in full mode it is
    # shown only the functions a patch changed (code/thin.py)
    function_local: ClassVar[bool] = False
    # set by the engine before an image kind scans a series' views: how many
    # patches the series has (0 for C files checked as they are)
    series_patches: int = 0
    # a series kind that finds nothing in a one-patch series without a base
    # tree (what it reports names a later patch): the engine does not run
    # it there, nor, for a rule from the rule cache, import its module
    silent_on_one_patch: ClassVar[bool] = False

    def __init__(self, params: dict):
        for key, (typ, required) in self.params_spec.items():
            if key not in params:
                if required:
                    raise KindError(f"kind '{self.name}' needs parameter '{key}'")
                continue
            if not isinstance(params[key], typ):
                raise KindError(
                    f"kind '{self.name}': parameter '{key}' must be {typ.__name__}"
                )
        unknown = set(params) - set(self.params_spec)
        if unknown:
            raise KindError(
                f"kind '{self.name}' does not know parameter(s) {', '.join(sorted(unknown))}"
            )
        self.params = params
        # made from rule tables an earlier run checked (linear.checked_rules):
        # a kind that compiles its patterns later does so under it too
        self.params_checked = linear.rules_checked()

    def trigger_words(self) -> tuple[str, ...] | None:
        """Literal strings one of which a view's text must hold for this
        kind to find anything in it (a candidate, or a hunk note), derived
        from the rule's parameters; None when there are none (the default).
        The engine does not run a rule on views that hold none of them,
        and a rule from the cache does not even import its kind then.
        Kept in the rule cache: the words of a cached rule are those of
        the run that checked it."""
        return None

    def scan(self, view) -> Iterable:  # image kinds
        return ()

    def check_series(self, series, views) -> Iterable:  # series kinds
        return ()

    def check_findings(self, series, views, findings, context) -> Iterable:  # findings kinds
        return ()


def alone_without_base(series) -> bool:
    """A series of one patch, with no base tree to look names up in: a
    ``silent_on_one_patch`` kind finds nothing in it."""
    return len(series.patches) < 2 and getattr(series, "base_defines", None) is None


class Fields(dict):
    """Template fields: a placeholder no one filled reads as '' instead of
    failing the run."""

    def __missing__(self, key):
        return ""


def load_cases(kind: str, defaults: dict, params: dict) -> dict:
    """A kind's ``{case: {problem, fix}}`` message templates: its defaults,
    overridden by the rule's ``[params.cases.<case>]`` tables."""
    cases = {k: dict(v) for k, v in defaults.items()}
    for case, spec in params.get("cases", {}).items():
        if case not in cases or not isinstance(spec, dict) or set(spec) - {"problem", "fix"}:
            raise KindError(f"{kind}: cases.{case} must be one of {', '.join(cases)} "
                            "with keys problem and fix")
        cases[case].update(spec)
    return cases


def fill_case(cases: dict, case: str, fields: dict) -> dict:
    """``problem`` and ``fix`` of ``case``, filled with ``fields``."""
    f = Fields(fields)
    return {"problem": cases[case]["problem"].format_map(f),
            "fix": cases[case]["fix"].format_map(f)}


def py_regex(pattern, flags: int = 0):
    """A rule-file regex that a kind matches with Python's ``re`` (the kinds
    whose patterns are not on RE2 yet): compiled now, so that a bad one is
    an error when the rules load, or at its first use when the rule tables
    come from the cache (``linear.checked_rules``: an earlier run compiled
    them)."""
    if linear.rules_checked():
        return lazyre.compile(pattern, flags, keep=False)     # (the cache keeps cprlint's own)
    return re.compile(pattern, flags)


def param_regex(kind: str, where: str, pattern, ignorecase: bool = False):
    """A rule-file regex, compiled for linear-time matching (see
    cprlint.linear: RE2 syntax, no look-around); KindError naming the
    parameter otherwise.  Every regex a kind takes from ``[params]`` goes
    through here."""
    from ..linear import PatternError, compile

    try:
        return compile(pattern, ignorecase)
    except PatternError as exc:
        raise KindError(f"{kind}: {where}: {exc}") from None


_INLINE_FLAGS = lazyre.compile(r"\(\?[aiLmsux]+\)")


class AnyOf(list):
    """Rule-file regexes (a list of compiled patterns) that can also be
    asked "does any of them match?" in one pass: ``any_search(text)`` runs
    one RE2 alternation instead of one search per pattern (each RE2 call
    costs microseconds of binding overhead; a comment rule asks per unit)."""

    def __init__(self, compiled: list, raw: list, ignorecase: bool):
        super().__init__(compiled)
        self._raw = raw
        self._ignorecase = ignorecase
        self._one = _UNSET            # the alternation, compiled at the first any_search

    def _alternation(self):
        # a pattern with inline flags ("(?i)...") applies them to itself
        # alone; joined, Python would read them as global: one search each
        raw = self._raw
        if len(raw) < 2 or _inline_flags(raw):
            return None
        from ..linear import PatternError, _compile

        try:
            return _compile(_joined(raw), self._ignorecase)
        except PatternError:
            return None

    def any_search(self, text) -> bool:
        one = self._one
        if one is _UNSET:
            one = self._one = self._alternation()
        if one is not None:
            return linear.found(one, text)
        return any(linear.found(r, text) for r in self)


_UNSET = object()


def _inline_flags(raw: list) -> bool:
    return any(_INLINE_FLAGS.search(p) for p in raw if isinstance(p, str))


def _joined(raw: list) -> str:
    """One regex matching where any of ``raw`` does."""
    return "|".join(f"(?:{p})" for p in raw)


class WhichOf:
    """Which of several named ``AnyOf`` lists match a text, asked in one
    pass: one RE2 set of their alternations (``any_search`` on each list
    costs an RE2 call apiece, and a comment rule asks a dozen lists per
    sentence).  A list that cannot join the set (inline flags, or a case
    setting other than the first list's) is asked on its own."""

    def __init__(self, lists: dict[str, AnyOf]) -> None:
        self._lists = lists
        self._set = _UNSET

    def _build(self):
        import re2

        options = re2.Options()
        options.log_errors = False
        one, names, alone, case = None, [], [], None
        for name, rx in self._lists.items():
            if not rx._raw:
                continue                        # an empty list matches nothing
            if case is None:
                case = rx._ignorecase
                options.case_sensitive = not case
                one = re2.Set.SearchSet(options)
            if rx._ignorecase != case or _inline_flags(rx._raw):
                alone.append(name)
                continue
            try:
                one.Add(_joined(rx._raw))
            except re2.error:
                alone.append(name)
                continue
            names.append(name)
        if not names:
            return None, [], alone
        try:
            one.Compile()
        except re2.error:               # past RE2's memory for one set: each list alone
            return None, [], alone + names
        return one, names, alone

    def matching(self, text) -> set[str]:
        """The names of the lists of which some regex matches ``text``."""
        if self._set is _UNSET:
            self._set = self._build()
        one, names, alone = self._set
        out = {names[i] for i in one.Match(text) or ()} if one is not None else set()
        out.update(name for name in alone if self._lists[name].any_search(text))
        return out


def param_regexes(kind: str, where: str, patterns, ignorecase: bool = False) -> AnyOf:
    if not isinstance(patterns, list):
        raise KindError(f"{kind}: {where} must be a list of regexes")
    return AnyOf([param_regex(kind, where, p, ignorecase) for p in patterns], patterns,
                 ignorecase)


def kind_names() -> list[str]:
    return sorted(_REGISTRY)


def load_kind(name: str) -> type[Kind]:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise KindError(f"unknown rule kind '{name}' (known: {', '.join(kind_names())})")
    module, cls = target.split(":")
    return getattr(import_module(module), cls)
