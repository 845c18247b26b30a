"""Step 5: findings -> output formats.  Reporters never re-parse anything."""

from __future__ import annotations

from ..findings import SEVERITIES, Finding
from ..records import Record


class Summary(Record):
    """What a run read, skipped and noted, for the reporters."""

    inputs: list[str]
    patches: int
    findings: list[Finding]
    replies_skipped: int
    files_skipped: int
    skipped_detail: dict[str, int]
    notes: list[str]       # e.g. "base differs: hunk-only for x.c"
    series: object | None  # inputs.series.Series, for formats that need the cover
                                    # letter or the patches without findings (email)
    mode: str  # "hunk" (mail alone), "full" (base tree), "files",
                                    # "function" (--git: hunks with their whole function)
    files_checked: int  # C files read as they are (files mode)
    rules: dict         # id -> engine.Rule, every rule the run
                                                # knew, in file order (rule metadata)

    def __init__(self, inputs, patches, findings, replies_skipped=0, files_skipped=0,
                 skipped_detail=None, notes=None, series=None, mode="hunk", files_checked=0,
                 rules=None) -> None:
        self.inputs = inputs
        self.patches = patches
        self.findings = findings
        self.replies_skipped = replies_skipped
        self.files_skipped = files_skipped
        self.skipped_detail = {} if skipped_detail is None else skipped_detail
        self.notes = [] if notes is None else notes
        self.series = series
        self.mode = mode
        self.files_checked = files_checked
        self.rules = {} if rules is None else rules

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "mode": self.mode,
            "patches": self.patches,
            "files_checked": self.files_checked,
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "replies_skipped": self.replies_skipped,
            "files_skipped": self.files_skipped,
            "files_skipped_by_reason": self.skipped_detail,
            "notes": self.notes,
        }


# format name -> (module, function); each module is imported only when used,
# so a one-patch `cprlint check` pays for the format it prints and no other.
_RENDERERS = {
    "text": ("text", "render_text"),
    "json": ("json_format", "render_json"),
    "email": ("email_format", "render_email"),
    "b4": ("b4", "render_b4"),
    "sarif": ("sarif", "render_sarif"),
    "github": ("github", "render_github"),
    "rdjson": ("rdjson", "render_rdjson"),
}

def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 patch``, ``3 patches``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


FORMATS = tuple(_RENDERERS)


def render(fmt: str, findings: list[Finding], summary: Summary, opts=None) -> str:
    """``opts`` (CheckOptions) carries what a format may need, e.g. --from."""
    from importlib import import_module

    module, func = _RENDERERS.get(fmt, _RENDERERS["text"])
    renderer = getattr(import_module(f"{__name__}.{module}"), func)
    if fmt == "text":
        # input text (subjects, source lines, names) may hold terminal escapes:
        # shown as \x1b before the renderer adds its own colours
        findings, summary = _escaped_inputs(findings, summary)
    return renderer(findings, summary, opts)


def _escaped_inputs(findings: list[Finding], summary):
    from ..records import shallow_copy
    from ..untrusted import escaped

    def esc(value):
        return escaped(value, one_line=True) if isinstance(value, str) else value

    patches: dict[int, object] = {}

    def patch_copy(p):
        if p is None:
            return None
        if id(p) not in patches:
            c = shallow_copy(p)
            for attr in ("subject", "raw_subject", "author", "input_path", "message_id"):
                if isinstance(getattr(c, attr, None), str):
                    setattr(c, attr, esc(getattr(c, attr)))
            patches[id(p)] = c
        return patches[id(p)]

    out = []
    for f in findings:
        g = shallow_copy(f)
        for attr in ("message", "source", "path", "function", "input_path", "title"):
            if isinstance(getattr(g, attr, None), str):
                setattr(g, attr, esc(getattr(g, attr)))
        g.patch = patch_copy(f.patch)
        out.append(g)
    summary = shallow_copy(summary)
    summary.notes = [esc(n) for n in summary.notes]
    summary.inputs = [esc(i) for i in summary.inputs]
    return out, summary
