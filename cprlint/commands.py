"""What `check`, `hook` and `commit-msg` do, without typer.

cli.py is the command line (the typer app, the one definition of every
option); its commands call these functions.  cprlint.launch calls them too,
straight from ``sys.argv``, when the command line is one it reads exactly
as typer would (see launch.py): typer and the modules it pulls in are then
never imported, which is most of a one-patch run's start-up.

A usage error is one line on stderr and ``Exit(EXIT_ERROR)``; each function
returns the exit code otherwise.
"""

from __future__ import annotations

import os
import sys

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# the choices, spelled out for --help (the CLI does not import the reporters
# to print its help; a test checks these against report.FORMATS)
FORMAT_CHOICES = ("text", "json", "email", "b4", "sarif", "github", "rdjson")
SEVERITY_CHOICES = ("info", "warning", "error")
COLOR_CHOICES = ("auto", "always", "never")


class Exit(Exception):
    """End the command with this exit code (its message is already written)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def codes(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def fail(message: str) -> None:
    from .untrusted import escaped

    sys.stderr.write(escaped(message.rstrip("\n"), one_line=True) + "\n")
    raise Exit(EXIT_ERROR)


def guarded(fn):
    """Run ``fn()``; usage and input errors are one line and exit 2."""
    from .engine import RuleError
    from .errors import InputError

    try:
        return fn()
    except InputError as exc:
        fail(exc.one_line())
    except RuleError as exc:
        fail(f"cprlint: {exc}")
    except Exit:
        raise
    except Exception as exc:  # never a traceback for the user
        if os.environ.get("CPRLINT_DEBUG"):
            raise
        fail(f"cprlint: internal error ({type(exc).__name__}: {exc}); "
             "rerun with CPRLINT_DEBUG=1 and report it")


def use_color(choice: str, stream) -> bool:
    """--color always/never; auto: a terminal, NO_COLOR unset (no-color.org), TERM not dumb."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def check_choices(fmt: str, fail_on: str | None, formats=None) -> None:
    from .findings import SEVERITIES
    from .report import FORMATS

    formats = formats or FORMATS
    if fmt not in formats:
        fail(f"cprlint: unknown --format '{fmt}' (choose from {', '.join(formats)})")
    if fail_on is not None and fail_on not in SEVERITIES:
        fail(f"cprlint: unknown --fail-on '{fail_on}' (choose from {', '.join(SEVERITIES)})")


def check(paths, fmt, select, ignore, extend_select, fail_on, source, git_range, show_all,
          config, isolated, mail_from, output_dir, max_cc, progress, verbose, quiet, color,
          statistics) -> int:
    """`cprlint check`: the exit code."""
    from .engine import fails
    from .options import CheckOptions
    from .report import render

    check_choices(fmt, fail_on)
    if output_dir is not None and fmt != "email":
        fail("cprlint: --output-dir is for --format email (one file per review reply)")
    if color not in COLOR_CHOICES:
        fail(f"cprlint: unknown --color '{color}' (choose from {', '.join(COLOR_CHOICES)})")
    if not paths and not git_range:
        fail("cprlint: nothing to check: give an mbox, a patch, '-', C files, or --git A..B")
    opts = CheckOptions(
        paths=list(paths or []), fmt=fmt, select=codes(select), ignore=codes(ignore),
        extend_select=codes(extend_select), fail_on=fail_on, source=source,
        git_range=git_range, show_all=show_all, config=config, isolated=isolated,
        mail_from=mail_from, max_cc=max_cc, progress=progress, verbose=verbose, quiet=quiet,
        color=use_color(color, sys.stdout), statistics=statistics,
    )

    def run():
        from .check import run_check

        findings, summary, settings = run_check(opts, stdin=sys.stdin.buffer)
        if verbose:                 # which configuration file was read, if any
            from .config import config_line
            from .untrusted import escaped

            sys.stderr.write(escaped(config_line(settings, opts), one_line=True) + "\n")
        if output_dir is not None:
            from .errors import InputError
            from .report.email_format import write_replies

            try:
                paths = write_replies(findings, summary, opts, output_dir)
            except OSError as exc:
                raise InputError(output_dir, f"cannot write the replies: {exc.strerror}") from None
            # as git format-patch -o does: the files written, one a line
            return "".join(p + "\n" for p in paths), fails(findings, settings.fail_on)
        return render(fmt, findings, summary, opts), fails(findings, settings.fail_on)

    output, failed = guarded(run)
    sys.stdout.write(output)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def hook(files, fmt, select, ignore, extend_select, fail_on, config, isolated) -> int:
    """`cprlint hook` (pre-commit): the exit code."""
    import io

    from .engine import fails
    from .options import CheckOptions
    from .report import render

    check_choices(fmt, fail_on)

    def run():
        from .check import run_check
        from .hook import drop_message_rules, relabel, staged_diff

        diff = staged_diff(list(files or []))
        if not diff.strip():
            return None
        opts = CheckOptions(paths=["-"], fmt=fmt, select=codes(select), ignore=codes(ignore),
                            extend_select=codes(extend_select), fail_on=fail_on,
                            config=config, isolated=isolated)
        findings, summary, settings = run_check(opts, stdin=io.BytesIO(diff))
        findings = drop_message_rules(findings, summary)
        relabel(findings, summary)
        return render(fmt, findings, summary, opts), fails(findings, settings.fail_on)

    result = guarded(run)
    if result is None:
        return EXIT_CLEAN         # nothing staged in these files
    sys.stdout.write(result[0])
    return EXIT_FINDINGS if result[1] else EXIT_CLEAN


def commit_msg(message_file, config, isolated) -> int:
    """`cprlint commit-msg` (pre-commit commit-msg stage): the exit code."""
    from .engine import fails

    def run():
        from .config import resolve
        from .engine import load_rules, run_rules, select_rules
        from .hook import commit_author, message_series, read_message, reads_commit_message
        from .options import CheckOptions

        settings = resolve(CheckOptions(config=config, isolated=isolated))
        text = read_message(message_file)
        if not text.strip():
            return [], settings               # git aborts an empty commit itself
        # without a git identity the author is unknown: the message rules
        # then judge the message alone (e.g. a sign-off at all)
        series = message_series(message_file, text, commit_author())
        every = load_rules()
        rules = [r for r in select_rules(every, settings.select, settings.ignore)
                 if reads_commit_message(r)]
        # no diff, so no views: only the rules that read the message
        return run_rules(rules, series, [], available=every), settings

    findings, settings = guarded(run)
    for f in findings:
        sys.stdout.write(f"{message_file}: {f.severity} {f.rule}: {f.message}\n")
    return EXIT_FINDINGS if fails(findings, settings.fail_on) else EXIT_CLEAN


def flush_and_exit(code: int) -> None:
    """Exit with os._exit once the output is flushed: tearing down the
    interpreter (parse trees, modules) costs ~20 ms, a fifth of a one-patch
    run, and a linter run from a hook pays it on every commit."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or 0
    from .lazyre import keep_compiled

    keep_compiled()             # (a run that compiled nothing new writes nothing)
    os._exit(code)
