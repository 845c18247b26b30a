"""What the CI formats say about the tool: version, home page.  (The rules'
metadata comes with the run, in Summary.rules.)  Imported only by the
formats that need it."""

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


def version() -> str:
    return __version__
