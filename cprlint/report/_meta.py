"""What the CI formats say about the tool and its rules: version, home page,
rule metadata from rules/*.toml.  Imported only by the formats that need it."""

from __future__ import annotations

from .. import __version__

TOOL = "cprlint"


def project_url() -> str | None:
    """The project's home page from the installed package metadata
    (``[project.urls]`` in pyproject.toml); None when it declares none."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata
    except ImportError:  # pragma: no cover
        return None
    try:
        meta = metadata(TOOL)
    except PackageNotFoundError:
        return None
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("homepage", "home", "repository", "source", "documentation"):
        if urls.get(label):
            return urls[label]
    home = meta.get("Home-page")
    return home.strip() if home and home.strip().upper() != "UNKNOWN" else None


def rules_by_id() -> dict:
    """Rule objects by id, in file order; {} if the rules cannot be loaded
    (the check itself would have failed first)."""
    from ..engine import RuleError, load_rules

    try:
        return {r.id: r for r in load_rules()}
    except RuleError:
        return {}


def version() -> str:
    return __version__
