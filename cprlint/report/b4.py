"""``--format b4``: what b4's per-patch check commands read.

b4 (``b4 prep --check``, ``b4 am --check``/``b4 shazam --check``) runs each
configured ``*-perpatch-check-cmd`` once per patch, with the patch mail on
stdin, and reads stdout line by line, as it reads ``checkpatch.pl -q --terse
--no-summary --mailback``: every line is one report, shown as a failure when
it contains ``ERROR:`` and as a warning otherwise; anything on stderr is a
failure; no output at all with exit code 0 is "passed all checks".  So this
format prints exactly one line per finding and nothing else (no summary line,
nothing when the patch is clean):

    migration/migration.c:52: WARNING: MIG001: migration_cleanup() calls ...

the ``--showfile`` form of checkpatch's terse output: file position, level
(ERROR, WARNING, or CHECK for info, as checkpatch --strict says), rule id,
message on one line.
"""

from __future__ import annotations

from ..findings import Finding
from ..untrusted import without_controls

LEVELS = {"error": "ERROR", "warning": "WARNING", "info": "CHECK"}


def b4_line(f: Finding) -> str:
    level = LEVELS.get(f.severity, "WARNING")
    message = " ".join(f.message.split())
    # one finding, one line: no control character from a path or a message splits it
    where = f"{f.path}:{f.line}" if f.path else (f.commit[:12] or "-")
    line = without_controls(f"{where}: {level}: {f.rule}: {message}")
    if level != "ERROR":
        # b4 calls any line containing "ERROR:" a failure: keep a warning a warning,
        # wherever the text comes from (the path too)
        line = line.replace("ERROR:", "ERROR :")
    return line


def render_b4(findings: list[Finding], summary, opts=None) -> str:
    return "".join(b4_line(f) + "\n" for f in findings)
