"""pre-commit: the staged change of C files, and the commit message.

pre-commit passes file names, not a diff.  ``staged_diff`` asks git for the
staged change of those files (``git diff --cached``, whole functions as
context), which then goes through the normal patch path, so only what the
commit introduces is reported.  ``message_series`` turns a commit message
file into a one-patch series for the rules that read messages.
"""

from __future__ import annotations

import subprocess

from . import lazyre
from .errors import InputError

STAGED_LABEL = "git diff --cached"
SCISSORS = lazyre.compile(r"^# -+ >8 -+$")


def git_command(files: list[str]) -> list[str]:
    # -c/--no-* make the output independent of the user's git configuration
    # (quoted paths, external diff drivers, textconv, noprefix, colour).
    return ["git", "-c", "core.quotePath=false", "-c", "diff.noprefix=false",
            "diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv",
            "--src-prefix=a/", "--dst-prefix=b/", "--function-context", "--"] + list(files)


def staged_diff(files: list[str], cwd: str | None = None) -> bytes:
    """The staged change of ``files`` (all staged files when empty), as a diff."""
    _in_repository(cwd)
    proc = _git(git_command(files), cwd)
    if proc.returncode != 0:
        raise InputError(STAGED_LABEL, _git_error(proc))
    return proc.stdout


def _git(cmd: list[str], cwd: str | None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True)
    except OSError as exc:
        raise InputError("git", f"cannot run git ({exc.strerror or exc})") from None


def _in_repository(cwd: str | None) -> None:
    """An InputError unless ``cwd`` is inside a git work tree.  (Outside one,
    `git diff --cached` prints its whole usage, not a reason.)"""
    proc = _git(["git", "rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0:
        raise InputError(STAGED_LABEL, "not inside a git repository (the hook checks "
                                       "the staged change of a git work tree)")


def _git_error(proc) -> str:
    """The reason git gives: its first ``fatal:``/``error:`` line, else its
    last line, else the exit code."""
    err = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines()
           if ln.strip()]
    for ln in err:
        if ln.startswith(("fatal:", "error:")):
            return ln
    return err[-1] if err else f"failed with exit code {proc.returncode}"


def reads_commit_message(rule) -> bool:
    """The rule judges the commit message (its kind says so)."""
    return bool(getattr(rule.kind, "reads_commit_message", False))


def drop_message_rules(findings, summary):
    """Findings of the rules that judge the commit message, removed: a
    staged diff has no message (the commit-msg hook checks it)."""
    rules = summary.rules
    kept = [f for f in findings
            if f.rule not in rules or not reads_commit_message(rules[f.rule])]
    summary.findings = kept
    return kept


def relabel(findings, summary) -> None:
    """Name the staged change in the output instead of '-' (stdin)."""
    for f in findings:
        if f.input_path == "-":
            f.input_path = STAGED_LABEL
        if f.patch is not None and f.patch.input_path == "-":
            f.patch.input_path = STAGED_LABEL
            f.patch.subject = "staged change"
    summary.inputs = [STAGED_LABEL if i == "-" else i for i in summary.inputs]


# -- commit message ----------------------------------------------------------------

def read_message(path: str) -> str:
    """The message as git will record it: '#' lines and the scissors part removed."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(path, f"cannot read commit message ({exc.strerror or exc})") from None
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    out = []
    for line in text.split("\n"):
        if SCISSORS.match(line):
            break
        if line.startswith("#"):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip("\n") + "\n"


def commit_author(cwd: str | None = None) -> str:
    """"Name <email>" of the commit being made (git var GIT_AUTHOR_IDENT), or ''."""
    try:
        proc = subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], cwd=cwd,
                              capture_output=True)
    except OSError:
        return ""
    ident = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        return ""
    # up to the '>' closing the last '<...>' (no regex: '.*<[^>]*>' is
    # quadratic on a run of '<')
    ident = ident.split("\n", 1)[0]
    close = ident.rfind(">")
    open_ = ident.rfind("<", 0, close) if close > 0 else -1
    if open_ < 0:
        return ""
    return ident[:ident.index(">", open_) + 1].strip()


def message_series(path: str, text: str, author: str = ""):
    """A Series of one patch without a diff, carrying the message and trailers."""
    from .inputs.lines import number_lines
    from .inputs.message import split_body
    from .inputs.series import Patch, Series

    lines = text.split("\n")
    subject = lines[0].strip()
    body = split_body(number_lines("\n".join(lines[1:]), 2))
    p = Patch(subject=subject, raw_subject=subject, input_path=path, input_line=1,
              author=author,
              commit_message=body.commit_message, trailers=list(body.trailers),
              message_lines=[ln.input_line for ln in body.message_lines],
              message_id="commit-msg@cprlint.invalid", message_id_synthesised=True)
    return Series(inputs=[path], patches=[p])

