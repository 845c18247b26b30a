"""Where the bundled rule files live: inside the package in a wheel
(``cprlint/_rules``), or ``rules/`` next to the package in a checkout."""

from __future__ import annotations

from pathlib import Path


def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no rules directory found next to {here}")
