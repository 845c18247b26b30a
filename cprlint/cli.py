"""Command line: thin; every heavy import happens inside a command.

This typer app is the one definition of the command line.  The commands
run by hooks and scripts (check, hook, commit-msg) do their work in
cprlint.commands; cprlint.launch (the console entry point) runs those
without importing typer when it can read the command line exactly as this
app would, from the table ``fast_table()`` derives from it
(cprlint/_fast_args.py, checked by tests/test_launch.py).
"""

from __future__ import annotations

import sys
from typing import Annotated, List, Optional

import typer
from typer import _click

from . import commands
from .commands import (COLOR_CHOICES, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, FORMAT_CHOICES,
                       SEVERITY_CHOICES)

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Patch-review linter for QEMU migration and CPR code.",
)

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
    return commands.codes(value)


def _fail(message: str) -> None:
    from .untrusted import escaped

    sys.stderr.write(escaped(message.rstrip("\n"), one_line=True) + "\n")
    raise typer.Exit(EXIT_ERROR)


def _done(fn, *args, **kwargs) -> None:
    """Run a cprlint.commands function; its exit code ends the command."""
    try:
        code = fn(*args, **kwargs)
    except commands.Exit as exc:
        code = exc.code
    raise typer.Exit(code)


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
    try:
        commands.check_choices(fmt, fail_on, formats)
    except commands.Exit as exc:
        raise typer.Exit(exc.code) from None


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
    _done(commands.check, paths=paths, fmt=fmt, select=select, ignore=ignore,
          extend_select=extend_select, fail_on=fail_on, source=source, git_range=git_range,
          show_all=show_all, config=config, isolated=isolated, mail_from=mail_from,
          output_dir=output_dir, max_cc=max_cc, progress=progress, verbose=verbose,
          quiet=quiet, color=color, statistics=statistics)


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
    _done(commands.hook, files=files, fmt=fmt, select=select, ignore=ignore,
          extend_select=extend_select, fail_on=fail_on, config=config, isolated=isolated)


@app.command("commit-msg")
def commit_msg(
    message_file: str = typer.Argument(..., help="the commit message file (.git/COMMIT_EDITMSG)"),
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """pre-commit commit-msg stage: check the message rules of a single commit."""
    _done(commands.commit_msg, message_file=message_file, config=config, isolated=isolated)


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

    def body() -> int:
        output, failed = commands.guarded(run)
        sys.stdout.write(output)
        return EXIT_FINDINGS if failed else EXIT_CLEAN

    _done(body)


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
    """Run the typer app on ``sys.argv`` (cprlint.launch.main, the console
    entry point, comes here for every command line it does not read itself)."""
    commands.flush_and_exit(_run(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    main()


# commands cprlint.launch may run without typer, and the function of each
FAST_COMMANDS = {"check": "check", "hook": "hook", "commit-msg": "commit_msg"}


def fast_table() -> dict:
    """What cprlint.launch needs to read the FAST_COMMANDS' command lines
    without typer, derived from this app: per command, its argument (name,
    nargs) and, per option string, (parameter name, what it takes): "str"
    for a text value, True or False for a flag (the value it sets), None for
    any other type (launch leaves such a command line to typer); and the
    default of every parameter.  cprlint/_fast_args.py holds this table and
    tests/test_launch.py checks that it is up to date."""
    group = typer.main.get_command(app)
    table = {}
    for name, function in FAST_COMMANDS.items():
        cmd = group.commands[name]
        options, defaults, argument = {}, {}, None
        for p in cmd.params:
            defaults[p.name] = p.default
            plain = (p.envvar is None and p.callback is None and not p.is_eager
                     and not p.multiple)
            if p.param_type_name == "argument":
                assert argument is None and p.type.name == "str" and plain
                argument = (p.name, p.nargs, p.required)
                continue
            if not plain or p.prompt or p.count:
                takes = None
            elif p.is_flag and p.type.name == "boolean":
                takes = True
            elif not p.is_flag and p.nargs == 1 and p.type.name == "str":
                takes = "str"
            else:
                takes = None
            for opt in p.opts:
                options[opt] = (p.name, takes)
            for opt in p.secondary_opts:
                options[opt] = (p.name, False if takes is True else None)
        table[name] = {"function": function, "argument": argument, "options": options,
                       "defaults": defaults}
    return table


def fast_table_source() -> str:
    """The text of cprlint/_fast_args.py for the app as it is; write it with
    ``python -c 'import cprlint.cli as c; print(c.fast_table_source(), end="")' > cprlint/_fast_args.py``."""
    import pprint

    return ('"""The command-line table cprlint.launch reads, generated from the typer\n'
            'app by cprlint.cli.fast_table_source() (tests/test_launch.py checks it is\n'
            'current)."""\n\nTABLE = ' + pprint.pformat(fast_table(), width=96, sort_dicts=False)
            + "\n")
