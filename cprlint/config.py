"""Settings for a run: the command line over the configuration file.

Configuration files (``.cprlint.toml`` or ``[tool.cprlint]`` in
``pyproject.toml``) are not read yet; this module is where they will be.
"""

from __future__ import annotations

from dataclasses import dataclass

from .options import CheckOptions


@dataclass
class Settings:
    select: list[str] | None
    ignore: list[str] | None
    extend_select: list[str] | None
    fail_on: str

    def filter(self, findings, job):
        """Drop findings the configuration or inline suppressions silence."""
        return findings


def resolve(opts: CheckOptions) -> Settings:
    return Settings(
        select=opts.select,
        ignore=opts.ignore,
        extend_select=opts.extend_select,
        fail_on=opts.fail_on or "warning",
    )
