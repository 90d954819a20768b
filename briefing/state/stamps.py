"""What says an article file is unchanged since the last build, and the walk of content/."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time as clock
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import SiteConfig

RACY_NS = 2_000_000_000


def file_stamp(path: str | Path, timezone: str) -> str | None:
    """What says a file is unchanged: its inode (a save by rename makes a new one), times and
    size, and the zone its dates were read in. None (trust nothing) for a file changed in the
    last two seconds, as git does with "racily clean" files."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if clock.time_ns() - info.st_mtime_ns < RACY_NS:
        return None  # written just now: a second save in the same clock tick could keep this stamp
    return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_size}:{timezone}"


def scan(
    config: SiteConfig, last: dict[str, str | None] | None, changed: Iterable[str] | None
) -> dict[str, str | None]:
    """The stamp of every article file, in file order (`file_stamp`).

    A watching process passes its last scan and the paths its file events named since: then
    only those, and the files still settling at the last scan, are stamped again. Anything else
    under content/ (a folder moved, a file that is not an article) walks content/ again, as
    does a build with no last scan or no event list.
    """
    if last is None or changed is None:
        return walk(config)
    content = str(config.content_dir) + os.sep
    stamps = dict(last)
    added = False
    for path in changed:
        if not path.startswith(content):
            continue  # templates, static files and site.toml are stamped by the build itself
        if any(part.startswith((".", "_")) for part in path[len(content) :].split(os.sep)):
            continue  # hidden: never an article
        if path[len(content) :].split(os.sep)[0] == "pages":
            continue  # a plain page: read by every build, never an article
        if not path.endswith(".md") or os.path.isdir(path):
            return walk(config)
        if os.path.lexists(path):
            added = added or path not in stamps
            stamps[path] = article_stamp(path, config.timezone)
        else:
            stamps.pop(path, None)
    for path, stamp in stamps.items():
        if stamp is None:
            stamps[path] = article_stamp(path, config.timezone)
    return dict(sorted(stamps.items())) if added else stamps


def walk(config: SiteConfig) -> dict[str, str | None]:
    """The stamp of every article file under content/, in file order (content/ listed once)."""
    articles, photos = _listing(config.content_dir)
    digests = {folder: _photos_digest(folder, names) for folder, names in photos.items()}
    return {p: _joined(file_stamp(p, config.timezone), digests.get(os.path.dirname(p), "")) for p in articles}


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def article_stamp(path: str, timezone: str) -> str | None:
    """An article file's stamp, with those of the photos beside it (a page bundle's): a photo
    replaced under the same name makes the articles of its folder read again."""
    folder = os.path.dirname(path)
    return _joined(file_stamp(path, timezone), _photos_digest(folder, _photo_names(folder)))


def _joined(stamp: str | None, photos: str | None) -> str | None:
    if stamp is None or photos is None:
        return None
    return f"{stamp}:{photos}" if photos else stamp


def photo_folders(paths: Iterable[str]) -> set[str]:
    """The folders of these article files that hold photos."""
    return {folder for folder in {os.path.dirname(p) for p in paths} if _photo_names(folder)}


def _photo_names(folder: str) -> list[str]:
    with contextlib.suppress(OSError):
        return sorted(e.name for e in os.scandir(folder) if _is_photo(e.name) and not e.is_dir())  # as os.walk
    return []


def _is_photo(name: str) -> bool:
    return name.lower().endswith(PHOTO_SUFFIXES)


def _photos_digest(folder: str, names: list[str]) -> str | None:
    """A digest of the stamps of a folder's photo files; "" when it has none, None when one is
    changing."""
    if not names:
        return ""
    parts = []
    for name in names:
        stamp = file_stamp(os.path.join(folder, name), "")
        if stamp is None:
            return None
        parts.append(f"{name}\0{stamp}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def discover(content_dir: Path) -> Iterator[str]:
    """Every article file under content/, in a stable order, hidden files and folders and the
    plain pages of content/pages/ skipped (as strings: ten thousand Path objects cost a tenth
    of a second)."""
    yield from _listing(content_dir)[0]


def _listing(content_dir: Path) -> tuple[list[str], dict[str, list[str]]]:
    """`discover`'s article files, and the photo files of each folder holding any, from one
    walk of content/."""
    if not content_dir.is_dir():
        return [], {}
    content_dir = Path(os.path.normpath(content_dir))
    found: list[str] = []
    photos: dict[str, list[str]] = {}
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and not d.endswith("~")]
        if folder == str(content_dir):
            dirs[:] = [d for d in dirs if d != "pages"]  # content/pages/: plain pages, not articles
        # A folder named like an article is reported by load_article, not skipped in silence.
        names = files + [d for d in dirs if d.endswith(".md")]
        found += [os.path.join(folder, n) for n in names if n.endswith(".md") and not n.startswith((".", "_"))]
        pictured = sorted(n for n in files if _is_photo(n))
        if pictured:
            photos[folder] = pictured
    return sorted(found), photos
