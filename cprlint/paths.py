"""Where the bundled rule files live: inside the package in a wheel
(``cprlint/_rules``), or ``rules/`` next to the package in a checkout.

A check finds them with ``rules_path()``, a str: importing pathlib (with
the urllib.parse, ipaddress and ntpath it brings) was ~3.4 ms of every
run, and nothing else a check does needs it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def rules_path() -> str:
    here = os.path.dirname(os.path.realpath(__file__))
    for candidate in (os.path.join(here, "_rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"no rules directory found next to {here}")


def rules_dir() -> Path:
    """``rules_path()`` as a Path."""
    from pathlib import Path

    return Path(rules_path())


def toml_files(directory) -> list[str]:
    """The ``*.toml`` files of ``directory``, sorted by name."""
    d = os.fspath(directory)
    return [os.path.join(d, n) for n in sorted(os.listdir(d))
            if n.endswith(".toml") and os.path.isfile(os.path.join(d, n))]


def stem(path) -> str:
    """The file name of ``path`` without its last suffix (Path.stem)."""
    name = os.path.basename(os.fspath(path))
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name
