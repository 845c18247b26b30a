"""Default output, like a compiler, checkpatch and ruff: per finding one line
``file:line: severity RULE: headline``, the flagged code line, and where it
is in the input; the summary line last.

The headline is the message's first sentence without its parenthesised
asides; ``--verbose`` prints the whole message (and the notes), and
``cprlint explain RULE`` the rule's invariant and rationale.  Colour only
when asked for (``opts.color``: the CLI decides from the terminal,
``NO_COLOR`` and ``--color``).
"""

from __future__ import annotations

import re

from ..findings import Finding
from ..untrusted import without_controls
from . import plural as _plural

MAX_HEADLINE = 200          # characters of headline on the finding's line

# SGR colours, as compilers use them
_RESET = "\x1b[0m"
_STYLE = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m",
          "where": "\x1b[1m", "rule": "\x1b[1m", "dim": "\x1b[2m"}


class _Paint:
    def __init__(self, on: bool):
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLE[style]}{text}{_RESET}" if self.on and text else text


def headline(message: str) -> str:
    """The message's first sentence, without parenthesised asides."""
    text = " ".join(message.split())
    text = _drop_asides(text)
    m = re.search(r"(?<=[A-Za-z0-9)\]`'\"])\.(?=\s+[A-Z`\"(])", text)
    if m:
        text = text[:m.start()]
    text = text.rstrip(" .:;,")
    if len(text) > MAX_HEADLINE:
        text = text[:MAX_HEADLINE - 4].rsplit(" ", 1)[0] + " ..."
    return text


def _drop_asides(text: str) -> str:
    """Remove `` (...)`` groups that contain a space (an aside, not a call's
    arguments like ``vm_start()`` or ``f(s)``); nesting is followed."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith(" (", i):
            depth, j = 0, i + 1
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < n and " " in text[i + 2:j]:
                i = j + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def render_text(findings: list[Finding], summary, opts=None) -> str:
    verbose = bool(getattr(opts, "verbose", False))
    quiet = bool(getattr(opts, "quiet", False))
    paint = _Paint(bool(getattr(opts, "color", False)))
    out: list[str] = []
    for f in findings:
        out.extend(_finding_lines(f, verbose, paint))
        out.append("")
    if getattr(opts, "statistics", False):
        out.extend(_statistics(findings, summary))
    if quiet:
        return "\n".join(out) + ("\n" if out else "")
    notes = list(summary.notes)
    # the notes say what the findings rest on (a base that differs, what a
    # hunk cannot show): with findings they are printed; a clean run is one line
    shown = verbose or bool(findings)
    if shown:
        out.extend(f"cprlint: note: {without_controls(n)}" for n in notes)
    out.append(_summary_line(findings, summary, notes, shown, paint))
    return "\n".join(out) + "\n"


def _finding_lines(f: Finding, verbose: bool, paint: _Paint) -> list[str]:
    where = f.commit_label() if f.commit else f"{f.path}:{f.line}"
    head = (f"{paint('where', without_controls(where))}: {paint(f.severity, f.severity)} "
            f"{paint('rule', f.rule)}: ")
    if f.preexisting:
        head += "(pre-existing) "
    message = f.message if verbose else headline(f.message)
    out = [head + without_controls(message)]
    if f.source.strip():
        out.append(f"    {f.line:>5} | {without_controls(f.source.rstrip(), ' ')}")
    loc = _input_where(f)
    if loc:
        out.append("    " + paint("dim", without_controls(loc)))
    return out


def _input_where(f: Finding) -> str:
    if f.patch is not None and f.patch.commit:
        # --git: the commit, not a line of the mbox cprlint made from the range
        if f.commit:
            return f"patch {f.patch.label()} of {f.input_path}"
        return (f"commit {f.patch.commit_label()}, patch {f.patch.label()} "
                f"of {f.input_path}")
    where = []
    if f.input_path:
        where.append(f"#{f.input_line}" if f.input_line else "#?")
        where[-1] += f" in {f.input_path}"
    if f.patch is not None:
        where.append(f"patch {f.patch.label()} {_patch_name(f.patch)}")
    return ", ".join(where)


def _statistics(findings: list[Finding], summary) -> list[str]:
    """Counts per rule, most frequent first (ruff's --statistics)."""
    counts: dict[str, int] = {}
    first: dict[str, Finding] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
        first.setdefault(f.rule, f)
    rules = getattr(summary, "rules", None) or {}
    out = []
    for rid in sorted(counts, key=lambda r: (-counts[r], r)):
        rule = rules.get(rid)
        title = rule.title if rule is not None else first[rid].title
        out.append(f"{counts[rid]:>5}  {rid:<9} {first[rid].severity:<8} {title}")
    if out:
        out.append("")
    return out


def _summary_line(findings, summary, notes, notes_shown: bool, paint: _Paint) -> str:
    counts = summary.counts()
    if findings:
        what = _plural(len(findings), "finding") + " (" + ", ".join(
            paint(s, _severity_count(counts[s], s))
            for s in ("error", "warning", "info") if counts[s]) + ")"
    else:
        what = "0 findings"
    mode = getattr(summary, "mode", "hunk")
    if mode == "files":
        scope = _plural(summary.files_checked, "file")
    else:
        scope = _plural(summary.patches, "patch", "patches")
        if mode == "hunk" and summary.patches:
            scope += " (hunk mode)"
    line = f"cprlint: {what} in {scope}"
    extra = []
    if summary.replies_skipped:
        extra.append(f"{_plural(summary.replies_skipped, 'reply', 'replies')} skipped")
    if summary.files_skipped:
        if notes_shown:
            detail = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped_detail.items()))
            extra.append(f"{_plural(summary.files_skipped, 'file')} skipped ({detail})")
        else:
            extra.append(f"{_plural(summary.files_skipped, 'file')} skipped")
    if notes and not notes_shown:
        extra.append(f"{_plural(len(notes), 'note')} (--verbose)")
    if extra:
        line += "; " + "; ".join(extra)
    return line


def _severity_count(n: int, severity: str) -> str:
    return f"{n} info" if severity == "info" else _plural(n, severity)


def _patch_name(patch) -> str:
    if patch.subject:
        return f'"{patch.subject}"'
    if getattr(patch, "quoted", False):
        who = f" from {patch.author}" if patch.author else ""
        return f"(quoted in a reply{who}; no subject)"
    return "(no subject)"


def wrap(text: str, width: int = 78) -> str:
    import textwrap             # here: only --verbose wraps (its import compiles regexes)

    return "\n".join(textwrap.wrap(text, width))
