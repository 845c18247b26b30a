"""Command line: thin; every heavy import happens inside a command."""

from __future__ import annotations

import os
import sys
from typing import Annotated, List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Patch-review linter for QEMU migration and CPR code.",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# the choices, spelled out for --help (the CLI does not import the reporters
# to print its help; a test checks these against report.FORMATS)
FORMAT_CHOICES = ("text", "json", "email", "b4", "sarif", "github", "rdjson")
SEVERITY_CHOICES = ("info", "warning", "error")
COLOR_CHOICES = ("auto", "always", "never")

# options shared by check, hook, compare and commit-msg
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", metavar="[" + "|".join(FORMAT_CHOICES) + "]", help="output format")]
SelectOpt = Annotated[Optional[str], typer.Option(
    "--select", help="only these rule codes or prefixes, comma-separated")]
IgnoreOpt = Annotated[Optional[str], typer.Option(
    "--ignore", help="skip these rule codes or prefixes, comma-separated")]
ExtendSelectOpt = Annotated[Optional[str], typer.Option(
    "--extend-select", help="add these rule codes or prefixes to the selection")]
FailOnOpt = Annotated[Optional[str], typer.Option(
    "--fail-on", metavar="[" + "|".join(SEVERITY_CHOICES) + "]",
    help="lowest severity that makes the exit code 1 (default warning)")]
ConfigOpt = Annotated[Optional[str], typer.Option("--config", help="configuration file")]
IsolatedOpt = Annotated[bool, typer.Option("--isolated", help="ignore configuration files")]


def _codes(value: Optional[str]) -> Optional[list[str]]:
    if not value:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _fail(message: str) -> None:
    from .untrusted import escaped

    sys.stderr.write(escaped(message.rstrip("\n"), one_line=True) + "\n")
    raise typer.Exit(EXIT_ERROR)


def _guarded(fn):
    """Run ``fn()``; usage and input errors are one line and exit 2."""
    from .engine import RuleError
    from .errors import InputError

    try:
        return fn()
    except InputError as exc:
        _fail(exc.one_line())
    except RuleError as exc:
        _fail(f"cprlint: {exc}")
    except Exception as exc:  # never a traceback for the user
        if os.environ.get("CPRLINT_DEBUG"):
            raise
        _fail(f"cprlint: internal error ({type(exc).__name__}: {exc}); "
              "rerun with CPRLINT_DEBUG=1 and report it")


def _use_color(choice: str, stream) -> bool:
    """--color always/never; auto: a terminal, NO_COLOR unset (no-color.org), TERM not dumb."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _version_callback(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "?"

    abi = ""
    try:
        import tree_sitter
        import tree_sitter_c

        abi = f", C grammar ABI {tree_sitter.Language(tree_sitter_c.language()).abi_version}"
    except Exception:  # pragma: no cover - reported as '?' above
        pass
    sys.stdout.write(f"cprlint {__version__} (tree-sitter {ver('tree-sitter')}, tree-sitter-c "
                     f"{ver('tree-sitter-c')}{abi}; Python {sys.version.split()[0]})\n")
    raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True,
        help="print the versions of cprlint, tree-sitter and the C grammar"),
) -> None:
    """Patch-review linter for QEMU migration and CPR code."""


def _check_choices(fmt: str, fail_on: Optional[str], formats=None) -> None:
    from .findings import SEVERITIES
    from .report import FORMATS

    formats = formats or FORMATS
    if fmt not in formats:
        _fail(f"cprlint: unknown --format '{fmt}' (choose from {', '.join(formats)})")
    if fail_on is not None and fail_on not in SEVERITIES:
        _fail(f"cprlint: unknown --fail-on '{fail_on}' (choose from {', '.join(SEVERITIES)})")


@app.command()
def check(
    paths: List[str] = typer.Argument(
        None, help="mbox, .patch, .eml, lore thread (.gz ok), '-' for stdin, "
                   "or C files and directories to audit as they are"),
    fmt: FormatOpt = "text",
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    extend_select: ExtendSelectOpt = None,
    fail_on: FailOnOpt = None,
    source: Optional[str] = typer.Option(
        None, "--source", help="base tree (a QEMU checkout) the series applies to"),
    git_range: Optional[str] = typer.Option(
        None, "--git", help="check the commits A..B of the git repository here"),
    show_all: bool = typer.Option(
        False, "--all", help="also show findings the series did not introduce"),
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    mail_from: Optional[str] = typer.Option(
        None, "--from", help="From: of the review mails (--format email)"),
    output_dir: Optional[str] = typer.Option(
        None, "--output-dir", "-o",
        help="--format email: one file per reply in this directory, for git send-email DIR/ "
             "(without it: one mbox on stdout, for reading)"),
    max_cc: Optional[int] = typer.Option(
        None, "--max-cc", min=0,
        help="Cc addresses a review mail copies from the patch (default 20)"),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="progress bar on stderr (default: if a terminal)"),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="text: each finding's whole message, and the notes"),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="text: the findings only, no summary (nothing when clean)"),
    color: str = typer.Option(
        "auto", "--color", metavar="[" + "|".join(COLOR_CHOICES) + "]",
        help="text: colour (auto: on a terminal, unless NO_COLOR is set)"),
    statistics: bool = typer.Option(
        False, "--statistics", help="text: count the findings per rule"),
) -> None:
    """Check a patch series (or C files) the way a migration reviewer would."""
    from .engine import fails
    from .options import CheckOptions
    from .report import render

    _check_choices(fmt, fail_on)
    if output_dir is not None and fmt != "email":
        _fail("cprlint: --output-dir is for --format email (one file per review reply)")
    if color not in COLOR_CHOICES:
        _fail(f"cprlint: unknown --color '{color}' (choose from {', '.join(COLOR_CHOICES)})")
    if not paths and not git_range:
        _fail("cprlint: nothing to check: give an mbox, a patch, '-', C files, or --git A..B")
    opts = CheckOptions(
        paths=list(paths or []), fmt=fmt, select=_codes(select), ignore=_codes(ignore),
        extend_select=_codes(extend_select), fail_on=fail_on, source=source,
        git_range=git_range, show_all=show_all, config=config, isolated=isolated,
        mail_from=mail_from, max_cc=max_cc, progress=progress, verbose=verbose, quiet=quiet,
        color=_use_color(color, sys.stdout), statistics=statistics,
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

    output, failed = _guarded(run)
    sys.stdout.write(output)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@app.command("rules")
def rules_cmd(
    fmt: FormatOpt = "text",
) -> None:
    """List every rule: code, severity, title."""
    import json

    from .engine import RuleError, load_rules

    try:
        rules = load_rules()
    except RuleError as exc:
        _fail(f"cprlint: {exc}")
    if fmt == "json":
        doc = [{"id": r.id, "severity": r.severity, "kind": r.kind_name, "title": r.title,
                 "default": r.default}
               for r in rules]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif fmt == "text":
        for r in rules:
            off = "" if r.default else " (off by default: select it to run it)"
            sys.stdout.write(f"{r.id:<9} {r.severity:<8} {r.title}{off}\n")
    else:
        _fail(f"cprlint: unknown --format '{fmt}' (choose from text, json)")


@app.command()
def explain(rule_id: str = typer.Argument(..., help="a rule code, e.g. MIG001")) -> None:
    """Explain a rule: invariant, rationale, a bad and a good example."""
    from .engine import RuleError, load_rules

    try:
        rules = {r.id: r for r in load_rules()}
    except RuleError as exc:
        _fail(f"cprlint: {exc}")
    rule = rules.get(rule_id.upper())
    if rule is None:
        _fail(f"cprlint: unknown rule '{rule_id}' (see `cprlint rules`)")
    out = [f"{rule.id} ({rule.severity}): {rule.title}", "",
           "Invariant:", _indent(rule.invariant), "", "Why it matters:", _indent(rule.rationale)]
    for expect, label in (("bad", "Flagged"), ("ok", "Accepted")):
        ex = next(e for e in rule.examples if e.expect == expect)
        out += ["", f"{label} example: {ex.description}", _indent(ex.input.strip("\n"))]
    if rule.references:
        out += ["", "References:"] + [f"  - {r}" for r in rule.references]
    sys.stdout.write("\n".join(out) + "\n")


@app.command()
def hook(
    files: List[str] = typer.Argument(None, help="staged files (pre-commit passes them)"),
    fmt: FormatOpt = "text",
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    extend_select: ExtendSelectOpt = None,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """pre-commit: check the staged change (git diff --cached) of the given files."""
    import io

    from .engine import fails
    from .options import CheckOptions
    from .report import render

    _check_choices(fmt, fail_on)

    def run():
        from .check import run_check
        from .hook import drop_message_rules, relabel, staged_diff

        diff = staged_diff(list(files or []))
        if not diff.strip():
            return None
        opts = CheckOptions(paths=["-"], fmt=fmt, select=_codes(select), ignore=_codes(ignore),
                            extend_select=_codes(extend_select), fail_on=fail_on,
                            config=config, isolated=isolated)
        findings, summary, settings = run_check(opts, stdin=io.BytesIO(diff))
        findings = drop_message_rules(findings, summary)
        relabel(findings, summary)
        return render(fmt, findings, summary, opts), fails(findings, settings.fail_on)

    result = _guarded(run)
    if result is None:
        raise typer.Exit(EXIT_CLEAN)         # nothing staged in these files
    sys.stdout.write(result[0])
    raise typer.Exit(EXIT_FINDINGS if result[1] else EXIT_CLEAN)


@app.command("commit-msg")
def commit_msg(
    message_file: str = typer.Argument(..., help="the commit message file (.git/COMMIT_EDITMSG)"),
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """pre-commit commit-msg stage: check the message rules of a single commit."""
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

    findings, settings = _guarded(run)
    for f in findings:
        sys.stdout.write(f"{message_file}: {f.severity} {f.rule}: {f.message}\n")
    raise typer.Exit(EXIT_FINDINGS if fails(findings, settings.fail_on) else EXIT_CLEAN)


@app.command()
def compare(
    v1: str = typer.Argument(..., help="the earlier version (mbox, patch, lore thread)"),
    v2: str = typer.Argument(..., help="the newer version"),
    fmt: FormatOpt = "text",
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    extend_select: ExtendSelectOpt = None,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """Compare two versions of a series: findings fixed, still present, new in v2."""
    _check_choices(fmt, fail_on, formats=("text", "json"))
    if v1 == "-" and v2 == "-":
        _fail("cprlint: compare: at most one of the two versions can be '-' (stdin)")

    def run():
        from . import compare as cmp_mod
        from .check import run_check
        from .options import CheckOptions

        versions, fail_level = [], "warning"
        for path in (v1, v2):
            opts = CheckOptions(paths=[path], select=_codes(select), ignore=_codes(ignore),
                                extend_select=_codes(extend_select), fail_on=fail_on,
                                config=config, isolated=isolated)
            findings, summary, settings = run_check(opts, stdin=sys.stdin.buffer)
            versions.append(cmp_mod.Version(path, summary.series, findings))
            fail_level = settings.fail_on
        result = cmp_mod.compare(*versions)
        render = cmp_mod.render_json if fmt == "json" else cmp_mod.render_text
        return render(result), cmp_mod.fails(result, fail_level)

    output, failed = _guarded(run)
    sys.stdout.write(output)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def _run(args: list[str]) -> int:
    """Run the command line; a usage error is one line on stderr and exit 2."""
    from typer import _click

    try:
        rv = typer.main.get_command(app).main(args=args, standalone_mode=False)
        # a command ends with typer.Exit (returned here as its code) or returns None
        return rv if isinstance(rv, int) else 0
    except _click.exceptions.NoArgsIsHelpError as exc:
        exc.show()                        # bare `cprlint`: the help, on stderr
        return EXIT_ERROR
    except _click.exceptions.ClickException as exc:
        msg = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        if ctx is not None and isinstance(exc, _click.exceptions.UsageError):
            msg += f" (see '{ctx.command_path} --help')"
        from .untrusted import escaped

        sys.stderr.write(f"cprlint: {escaped(msg, one_line=True)}\n")
        return EXIT_ERROR if isinstance(exc, _click.exceptions.UsageError) else (
            exc.exit_code if isinstance(exc.exit_code, int) else EXIT_ERROR)
    except typer.Abort:
        sys.stderr.write("cprlint: aborted\n")
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main() -> None:
    """Console entry point.

    Exits with os._exit once the output is flushed: tearing down the
    interpreter (parse trees, modules) costs ~20 ms, a fifth of a one-patch
    run, and a linter run from a hook pays it on every commit.
    """
    code = _run(sys.argv[1:])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or 0
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
