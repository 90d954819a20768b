"""Link check: every internal link and #anchor in the written site must lead somewhere."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import SiteConfig, shown_path
from .errors import Problem
from .state.manifest import Entry

_SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "//")
# A sending service's merge tag, filled in when the email goes out: {{unsubscribe}}, *|UNSUB|*,
# <%asm_group_unsubscribe_raw_url%>, [[UNSUB_LINK]], %%unsubscribe%%.
_PLACEHOLDER = re.compile(r"\{\{|\*\||<%|\[\[|%%")


def check_links(
    config: SiteConfig, out_dir: Path, entries: dict[str, Entry], only: set[str] | None = None
) -> list[tuple[str, Problem]]:
    """(output file, problem) per broken internal link or anchor in the files named in `only`
    (default: all), naming the output file and its source."""
    base_path, base_url = config.base_path, config.base_url
    resolve = lru_cache(maxsize=None)(lambda here, link: _target(base_path, base_url, here, link))

    @cache
    def ids(name: str) -> frozenset[str]:
        return frozenset(entries[name].ids.split("\n"))

    problems: list[tuple[str, Problem]] = []
    for name in sorted(entries if only is None else only & entries.keys()):
        entry = entries[name]
        for link in entry.links.split("\n") if entry.links else ():
            if link.startswith("#"):  # on this page
                target: tuple[str, str, str] | None = ("", name, unquote(link[1:]))
            else:  # a link starting with "/" or "http" means the same on every page: resolve it once
                here = "" if link.startswith(("/", "http:", "https:")) else entry.url
                target = resolve(here, link)
            if target is None:
                continue
            reason, file, fragment = target
            if not reason:
                if file not in entries:
                    reason = "broken link" if file + "/index.html" not in entries else ""
                elif fragment and file.endswith(".html") and fragment not in ids(file):
                    reason = "broken anchor"
            if reason:
                problem = Problem(shown_path(out_dir / name), None, f"{reason}: {link}", f"from {entry.origin}")
                problems.append((name, problem))
    return problems


def linking_to(config: SiteConfig, entries: dict[str, Entry], gone: set[str], narrowed: set[str]) -> set[str]:
    """The pages whose links may have broken (more, never fewer: each is checked again): those
    with a link spelling the path of a file that is `gone`, or with a fragment the path of one
    that lost ids (`narrowed`), and those with a link that must be resolved to be told."""
    patterns = [
        _spelling(config.base_path, config.base_url, names, end)
        for names, end in ((gone, r"[\n#?]"), (narrowed, r"#|\?[^\n]*#"))
        if names
    ]
    if not patterns:
        return set()
    # what every spelling of such a link holds: a page holding none cannot have one, and the
    # substring search is many times faster than the patterns'
    cores = fewest(
        {
            *(core for name in gone for core in _cores(name, "")),
            *(core for name in narrowed for core in _cores(name, "#?")),
        }
    )
    return {
        name
        for name, entry in entries.items()
        if entry.resolve
        or (
            any(core in entry.links for core in cores)
            and any(pattern.search(f"\n{entry.links}\n") for pattern in patterns)
        )
    }


def fewest(cores: set[str]) -> list[str]:
    """The cores that hold none of the others, shortest first: a page holding a longer one
    holds the shorter too, so searching for the shorter alone finds it. (Every page's links are
    searched once for each core: a day's page, its newsletter and its one article that went
    are one search for the day's path, not four.)"""
    kept: list[str] = []
    for core in sorted(cores, key=lambda core: (len(core), core)):
        if not any(shorter in core for shorter in kept):
            kept.append(core)
    return kept


def _cores(name: str, ends: str) -> set[str]:
    """Substrings, one of which every spelling of a link to output file `name` (as `_spelling`
    reads them) holds, followed by one of `ends` (by anything: "")."""
    if name == "index.html" or name.endswith("/index.html"):
        folder = name.removesuffix("index.html").rstrip("/")
        at = f"/{folder}" if folder else ""  # the home page: its links hold only the root's slash
        stems = [f"{at}/index.html", f"{at}/"] + ([at] if folder else [])
    else:
        stems = [f"/{name}"]
    if not ends:
        return {min(stems, key=len)}  # the shortest is in the others
    return {stem + end for stem in stems for end in ends}


def _spelling(base_path: str, base_url: str, names: set[str], end: str) -> re.Pattern[str]:
    """A line of links naming one of the output files, absolute or as a full URL of the site
    (a folder's page with or without its slash or index.html), followed by `end`."""
    paths = []
    for name in sorted(names):
        folder = name.removesuffix("index.html") if name == "index.html" or name.endswith("/index.html") else None
        paths.append(re.escape(name) if folder is None else re.escape(folder.rstrip("/")) + r"/?(?:index\.html)?")
    roots = "|".join(re.escape(root) for root in (base_path, base_url))
    return re.compile(rf"\n(?:{roots})(?:{'|'.join(paths)})(?={end})")


_UNPLAIN = re.compile(r"//|/\.|%")  # in an absolute link: what only resolving it tells the meaning of


def _target(base_path: str, base_url: str, here: str, link: str) -> tuple[str, str, str] | None:
    """(reason it is broken or '', output file, fragment) for an internal link; None for a
    link that leaves the site."""
    if not link or link.startswith(_SKIPPED_SCHEMES) or _PLACEHOLDER.search(link):
        return None
    if link.startswith(("http://", "https://")):
        if not link.startswith(base_url):
            return None
        link = base_path + link[len(base_url) :]
    if link.startswith("/") and not _UNPLAIN.search(link):  # a plain path: as urljoin leaves it, faster
        path, _, fragment = link.partition("#")
        path = path.partition("?")[0]
    else:
        parts = urlsplit(urljoin(base_path + here.lstrip("/"), link))
        if parts.scheme or parts.netloc:
            return None
        path, fragment = unquote(parts.path), unquote(parts.fragment)
    if not path.startswith(base_path):
        return f"link outside the site's base path {base_path}", "", ""
    name = path[len(base_path) :]
    if name.startswith("pagefind/"):
        return None  # the search bundle is written by Pagefind after the pages
    if name == "" or name.endswith("/"):
        name += "index.html"
    return "", name, fragment
