"""The manifest beside an output folder: each file's inputs key, hash, links and ids, so the
next build renders only pages whose key changed and re-checks only the links it must."""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .cache import Layered

MANIFEST_VERSION = 5


@dataclass(frozen=True, slots=True)
class Entry:
    """What the manifest remembers of one output file."""

    url: str
    origin: str
    key: str
    sha: str
    # One string each, a line per link and id: a manifest of 13,000 pages loads in a tenth of
    # the time a string per link takes.
    links: str = ""
    ids: str = ""
    # Of an article page: the article's digest, what its search index shard is made from.
    article: str = ""
    # Whether a link's target can be told only by resolving it (relative, percent-encoded, dot
    # segments): such a page is checked again whenever files go. Worked out once, when made.
    resolve: bool | None = None

    def __post_init__(self) -> None:
        if self.resolve is None:
            object.__setattr__(self, "resolve", must_resolve(self.links))


# A link whose target cannot be told from its text alone: relative (a line of the links starting
# with none of these; merge tags and schemes leaving the site are no links to check),
# percent-encoded, or with dot segments.
_RELATIVE = re.compile(r"\n(?![/#]|https?:|mailto:|tel:|javascript:|data:|\{\{|\*\||<%|\[\[|%%)")


def must_resolve(links: str) -> bool:
    """Whether one of these links (a line each) must be resolved to tell what it leads to."""
    return bool(links) and ("%" in links or "/." in links or _RELATIVE.search("\n" + links) is not None)


def _manifest(path: Path) -> Layered[Entry]:
    fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Entry)))
    return Layered(path, MANIFEST_VERSION, fields, lambda row: Entry(*row))


def load_manifest(path: Path) -> tuple[dict[str, Entry], str]:
    """The manifest of the last build into this output folder, and the token of the build
    snapshot it goes with; empty when there is none."""
    loaded = _manifest(path).load()
    return ({}, "") if loaded is None else (loaded[1], loaded[0])


def save_manifest(path: Path, entries: dict[str, Entry], token: str, changed: Iterable[str] | None = None) -> None:
    """Write the manifest (this tool's own pickle, read on every build): whole, or only the
    entries of the files named in `changed` (a file named but not in `entries` went)."""
    if changed is None:
        _manifest(path).save(token, dict(sorted(entries.items())))
    else:
        _manifest(path).save_changes(
            token, {name: entries.get(name) for name in sorted(changed)}, lambda: dict(sorted(entries.items()))
        )


def manifest_path(cache_dir: Path, out_dir: Path) -> Path:
    """Each output folder has its own manifest in the site's cache folder."""
    tag = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"manifest-{tag}.pickle"
