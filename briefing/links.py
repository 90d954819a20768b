"""Link check: every internal link and #anchor in the written site must lead somewhere."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import SiteConfig, shown_path
from .errors import Problem
from .output import Entry

_SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "//")


def check_links(config: SiteConfig, out_dir: Path, entries: dict[str, Entry]) -> list[Problem]:
    """One problem per broken internal link or anchor, naming the output file and its source."""
    problems: list[Problem] = []
    for name, entry in sorted(entries.items()):
        for link in entry.links:
            reason = _broken(config, entry, link, entries)
            if reason:
                problems.append(Problem(shown_path(out_dir / name), None, f"{reason}: {link}", f"from {entry.origin}"))
    return problems


def _broken(config: SiteConfig, entry: Entry, link: str, entries: dict[str, Entry]) -> str | None:
    """Why `link` on `entry` is broken, or None when it is fine or leaves the site."""
    if not link or link.startswith(_SKIPPED_SCHEMES):
        return None
    if link.startswith(("http://", "https://")):
        if not link.startswith(config.base_url):
            return None
        link = config.base_path + link[len(config.base_url) :]
    here = config.base_path + entry.url.lstrip("/")
    parts = urlsplit(urljoin(here, link))
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path.startswith(config.base_path):
        return f"link outside the site's base path {config.base_path}"
    name = path[len(config.base_path) :]
    if name == "" or name.endswith("/"):
        name += "index.html"
    target = entries.get(name) or entries.get(name + "/index.html")
    if target is None:
        return "broken link"
    fragment = unquote(parts.fragment)
    if fragment and name.endswith(".html") and fragment not in target.ids:
        return "broken anchor"
    return None
