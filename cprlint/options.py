"""What the user asked for on the command line, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckOptions:
    """The options of one check run."""

    paths: list[str] = field(default_factory=list)   # mboxes, patches, '-', C files or dirs
    fmt: str = "text"
    select: list[str] | None = None
    ignore: list[str] | None = None
    extend_select: list[str] | None = None
    fail_on: str | None = None          # None: from config, else "warning"
    source: str | None = None           # --source DIR: the base tree the series applies to
    git_range: str | None = None        # --git A..B
    show_all: bool = False              # --all: pre-existing findings too
    config: str | None = None           # --config FILE
    isolated: bool = False              # --isolated: ignore config files
    mail_from: str | None = None        # --from, for --format email
    max_cc: int | None = None           # --max-cc: Cc addresses a reply mail copies (20)
    progress: bool | None = None        # None: when stderr is a terminal
    cwd: str | None = None              # where to look for config and git (default: os.getcwd())
    verbose: bool = False               # text: the whole message of each finding, the notes
    quiet: bool = False                 # text: the findings only (nothing when clean)
    color: bool = False                 # text: SGR colours (the CLI decides: tty, NO_COLOR, --color)
    statistics: bool = False            # text: counts per rule
