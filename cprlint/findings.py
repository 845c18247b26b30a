"""Findings: what a rule says, located in the file and in the input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .records import Record

if TYPE_CHECKING:  # pragma: no cover
    from .code.model import CodeView
    from .inputs.series import Patch

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


class Candidate(Record):
    """What a rule kind reports, before the engine turns it into a Finding.

    ``key`` identifies the problem independently of line numbers (e.g.
    ("migration_cleanup", "vm_resume(s->vm_old_state)")); the engine prefixes
    the rule id.  A post-image candidate is dropped when the pre-image of the
    same patch yields one with the same key whose ``guards`` are a subset of
    this one's: the patch moved or re-indented the code, or only narrowed
    when it runs, so it did not introduce the problem.
    """

    path: str
    line: int
    function: str
    key: tuple
    fields: dict[str, str]   # fills the rule's message
    guards: frozenset[str]
    end_line: int | None
    severity: str | None     # overrides the rule's severity (e.g. hunk-local)
    view: "CodeView | None"  # where line numbers map to input lines
    patch_index: int | None  # for series-level candidates without a view
    input_line: int | None   # when there is no view to map through

    def __init__(self, path, line, function, key, fields=None, guards=frozenset(),
                 end_line=None, severity=None, view=None, patch_index=None, input_line=None) -> None:
        self.path = path
        self.line = line
        self.function = function
        self.key = key
        self.fields = {} if fields is None else fields
        self.guards = guards
        self.end_line = end_line
        self.severity = severity
        self.view = view
        self.patch_index = patch_index
        self.input_line = input_line


class Finding(Record):
    """A located finding, as the reporters show it."""

    rule: str
    severity: str
    title: str
    path: str
    line: int
    end_line: int
    function: str
    message: str
    source: str  # the source line at ``line`` (post-image)
    patch: "Patch | None"
    input_path: str
    input_line: int | None
    preexisting: bool
    key: tuple   # the candidate's key: what it is about, not where
    commit: str  # --git: about this commit's message (``path`` is then '')

    def __init__(self, rule, severity, title, path, line, end_line, function, message,
                 source="", patch=None, input_path="", input_line=None, preexisting=False,
                 key=(), commit="") -> None:
        self.rule = rule
        self.severity = severity
        self.title = title
        self.path = path
        self.line = line
        self.end_line = end_line
        self.function = function
        self.message = message
        self.source = source
        self.patch = patch
        self.input_path = input_path
        self.input_line = input_line
        self.preexisting = preexisting
        self.key = key
        self.commit = commit

    def commit_label(self) -> str:
        """``0123456789ab ("subject")`` for a finding about a commit's message."""
        return self.patch.commit_label() if self.commit and self.patch is not None else ""

    def sort_key(self):
        idx = self.patch.index if self.patch else 0
        return (self.input_path, idx, self.path, self.line, self.rule)
