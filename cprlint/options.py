"""What the user asked for on the command line, in one place."""

from __future__ import annotations

from .records import Record


class CheckOptions(Record):
    """The options of one check run."""

    paths: list[str]       # mboxes, patches, '-', C files or dirs
    fmt: str
    select: list[str] | None
    ignore: list[str] | None
    extend_select: list[str] | None
    fail_on: str | None    # None: from config, else "warning"
    source: str | None     # --source DIR: the base tree the series applies to
    git_range: str | None  # --git A..B
    show_all: bool         # --all: pre-existing findings too
    config: str | None     # --config FILE
    isolated: bool         # --isolated: ignore config files
    mail_from: str | None  # --from, for --format email
    max_cc: int | None     # --max-cc: Cc addresses a reply mail copies (20)
    progress: bool | None  # None: when stderr is a terminal
    cwd: str | None        # where to look for config and git (default: os.getcwd())
    verbose: bool          # text: the whole message of each finding, the notes
    quiet: bool            # text: the findings only (nothing when clean)
    color: bool            # text: SGR colours (the CLI decides: tty, NO_COLOR, --color)
    statistics: bool       # text: counts per rule

    def __init__(self, paths=None, fmt="text", select=None, ignore=None, extend_select=None,
                 fail_on=None, source=None, git_range=None, show_all=False, config=None,
                 isolated=False, mail_from=None, max_cc=None, progress=None, cwd=None,
                 verbose=False, quiet=False, color=False, statistics=False) -> None:
        self.paths = [] if paths is None else paths
        self.fmt = fmt
        self.select = select
        self.ignore = ignore
        self.extend_select = extend_select
        self.fail_on = fail_on
        self.source = source
        self.git_range = git_range
        self.show_all = show_all
        self.config = config
        self.isolated = isolated
        self.mail_from = mail_from
        self.max_cc = max_cc
        self.progress = progress
        self.cwd = cwd
        self.verbose = verbose
        self.quiet = quiet
        self.color = color
        self.statistics = statistics
