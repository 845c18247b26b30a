"""Console entry point: `cprlint check`, `hook` and `commit-msg` without
typer when the command line is a plain one.

typer (with the part of the standard library it pulls in) is about half
of the start-up of a one-patch `cprlint check`, and a pre-commit hook or a
b4 check pays start-up on every call.  The command line is still defined
once, by the typer app in cli.py: ``cli.fast_table()`` derives from it
which option strings each of these commands has, what each takes and
every default, and cprlint/_fast_args.py holds that table
(tests/test_launch.py checks it is current).  This module reads a command
line with that table only when it can do so exactly as typer would: long
and short option strings from the table, a value as the next word or after
``=``, ``--`` ending the options.  Anything else (--help, --version, an
unknown or repeated option, a value that looks like an option, short
options run together, an option of another type, another command) goes to
the typer app unchanged, which then gives its own help or usage error.
"""

from __future__ import annotations

import sys


def parse(args: list[str], table: dict) -> tuple[str, dict] | None:
    """(function name, keyword arguments) of a command line this module
    reads exactly as typer would, else None."""
    if not args or args[0] not in table:
        return None
    spec = table[args[0]]
    options = spec["options"]
    kwargs = dict(spec["defaults"])
    seen: set[str] = set()
    positional: list[str] = []
    rest = args[1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        i += 1
        if word == "--":
            positional.extend(rest[i:])
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        name, eq, value = word.partition("=")
        if not name.startswith("--") and eq:
            return None                   # -f=json: typer reads "=json" as the value
        if name not in options:
            return None
        param, takes = options[name]
        if param in seen or takes is None:
            return None
        seen.add(param)
        if takes == "str":
            if not eq:
                if i >= len(rest) or (rest[i].startswith("-") and rest[i] != "-"):
                    return None
                value = rest[i]
                i += 1
            kwargs[param] = value
        else:
            if eq:
                return None               # a flag takes no value
            kwargs[param] = takes
    arg_name, nargs, required = spec["argument"]
    if nargs == -1:
        kwargs[arg_name] = positional or None
    elif len(positional) == nargs == 1:
        kwargs[arg_name] = positional[0]
    else:
        return None
    return spec["function"], kwargs


def main() -> None:
    import gc

    # cprlint makes many short-lived objects (syntax nodes, facts) and few
    # cycles: the collector's default (a young-generation pass every 700
    # allocations) was ~10% of a 200-patch check.  Cycles are still
    # collected, 100,000 allocations apart, and a long series checked a
    # window at a time collects between windows.
    gc.set_threshold(100_000)
    from ._fast_args import TABLE

    parsed = parse(sys.argv[1:], TABLE)
    if parsed is None:
        from .cli import main as typer_main

        typer_main()
        return
    from . import commands

    function, kwargs = parsed
    try:
        code = getattr(commands, function)(**kwargs)
    except commands.Exit as exc:
        code = exc.code
    except KeyboardInterrupt:          # as the typer path says it
        sys.stderr.write("cprlint: aborted\n")
        code = 1
    commands.flush_and_exit(code)
