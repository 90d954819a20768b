"""Write stage: render the pages whose inputs changed, write the files whose bytes changed.

Rendered files are first staged beside their targets; only when every page has rendered are
they moved into place (`os.replace`, atomic per file), so a failed build leaves the last good
output as it was. A manifest beside the output records each page's inputs key, its hash, and
the links and ids in it, so the next build can skip what is current and still check links.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .config import shown_path
from .errors import BriefingError, Problem
from .htmlscan import links_and_ids
from .pages import Page
from .render import Templates
from .site import Briefing, Card
from .state.manifest import Entry
from .workers import count, forked_pool, shared

STAGED_SUFFIX = ".briefing-tmp"


@dataclass(slots=True)
class Staged:
    """A build ready to land: new files staged beside their targets, nothing replaced yet."""

    out_dir: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    staged: list[tuple[Path, Path]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    rendered: int = 0
    unchanged: int = 0
    rendered_files: set[str] = field(default_factory=set)
    copied: set[str] = field(default_factory=set)  # photo renditions staged (not rendered)
    # Rendered files that lost ids: a link to one of their anchors elsewhere may have broken.
    narrowed: set[str] = field(default_factory=set)
    # Whether files or ids came: a link that was broken may lead somewhere now (none can break).
    grown: bool = False
    out_existed: bool = True  # a failed build into a folder that was not there leaves none

    def commit(self) -> None:
        """Move every staged file into place and delete the files no page writes any more."""
        for temp, target in self.staged:
            os.replace(temp, target)
        for name in self.stale:
            _remove(self.out_dir, name)

    def discard(self) -> None:
        """Throw the staged files away, and the folders made for them, leaving the output as
        it was (absent, if it was)."""
        folders: set[Path] = set()
        for temp, _ in self.staged:
            temp.unlink(missing_ok=True)
            folders.update(p for p in temp.parents if self.out_dir in p.parents)
        if not self.out_existed:
            folders.add(self.out_dir)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):  # only when empty: a folder holding old files stays
                folder.rmdir()


PARALLEL_FROM = 200  # pages to render before it pays to start worker processes
CHUNK = 100

# (file, entry, staged temp file or None when the bytes are already there, problems)
Rendered = tuple[str, Entry | None, str | None, tuple[Problem, ...]]


@dataclass(frozen=True, slots=True)
class _Job:
    """What a render worker needs; handed to forked workers by inheritance, never pickled."""

    out_dir: Path
    manifest: dict[str, Entry]
    pages: list[Page]
    keys: list[str]
    templates: Templates


def stage_site(
    out_dir: Path,
    manifest: dict[str, Entry],
    pages: Iterable[Page],
    templates: Templates,
    static_files: dict[str, Path] | None,
    progress: Callable[[int, int], None] | None = None,
    parallel: bool = True,
    gone: Iterable[str] = (),
    media: dict[str, Path] | None = None,
    fragments: Callable[[set[str]], dict[str, str]] | None = None,
) -> Staged:
    """Render what changed (on every core when there is much) and stage what differs; raise
    with every render error, staging nothing. With static_files None the pages are only some
    of the site's: every other file stays as the manifest says, but those `gone` names.
    `media` is every photo rendition the site shows (output name -> file in the cache); the
    renditions no page shows any more go. `fragments` gives the fragments rendered before of
    the cards (by digest) the pages to render show; those rendered now are left in
    `templates.made`."""
    result = Staged(out_dir, out_existed=out_dir.exists())
    if static_files is None:
        result.entries.update(manifest)
        for name in gone:
            result.entries.pop(name, None)
    job = _Job(out_dir, manifest, list(pages), [templates.page_key(p) for p in pages], templates)
    todo: list[int] = []
    out = str(out_dir)
    for index, (page, key) in enumerate(zip(job.pages, job.keys, strict=True)):
        old = manifest.get(page.file)
        if old is not None and old.key == key and os.path.isfile(os.path.join(out, page.file)):
            result.entries[page.file] = old
            result.unchanged += 1
        else:
            todo.append(index)
    if fragments is not None and todo:
        digests: set[str] = set()
        for index in todo:
            _card_digests(job.pages[index].context, digests)
        templates.remembered = fragments(digests)
    problems: dict[str, Problem] = {}
    try:
        for file, entry, temp, found in _render_all(job, todo, progress, parallel):
            for problem in found:
                problems.setdefault(str(problem), problem)
            if entry is None:
                continue
            result.rendered += 1
            result.rendered_files.add(file)
            result.entries[file] = entry
            old = manifest.get(file)
            if old is None:
                result.grown = True
            elif old.ids != entry.ids:
                if set(old.ids.split("\n")) <= set(entry.ids.split("\n")):
                    result.grown = True  # ids came: an anchor that was broken may lead somewhere now
                else:
                    result.narrowed.add(file)
            if temp is None:
                result.unchanged += 1
            else:
                result.staged.append((Path(temp), out_dir / file))
        if problems:
            raise BriefingError(problems.values())
        for name, source in sorted((static_files or {}).items()):
            data = source.read_bytes()
            entry = Entry("/" + name, shown_path(source), "", hashlib.sha256(data).hexdigest())
            result.entries[name] = entry
            target = out_dir / name
            if not _current(target, data, entry.sha, manifest.get(name)):
                result.staged.append((_stage(target, data), target))
        _stage_media(result, manifest, media or {}, trust=static_files is None)
    except BaseException:
        result.discard()
        raise
    result.stale = sorted(set(manifest) - set(result.entries))
    result.grown = result.grown or any(name not in manifest for name in result.entries)
    return result


MEDIA_FOLDER = "img/"


def _stage_media(result: Staged, manifest: dict[str, Entry], media: dict[str, Path], trust: bool) -> None:
    """Stage the photo renditions not in the output yet, and drop those no page shows. Their
    names hold a hash of what they are made from, so a name already written is the right file
    (checked on disk in a full build; `trust`ed from the manifest in a quick one)."""
    for name in [n for n in result.entries if n.startswith(MEDIA_FOLDER) and n not in media]:
        del result.entries[name]
    for name, source in sorted(media.items()):
        entry = Entry("/" + name, "photo", "", hashlib.sha256(name.encode()).hexdigest())
        result.entries[name] = entry
        target = result.out_dir / name
        old = manifest.get(name)
        if old is not None and old.sha == entry.sha and (trust or target.is_file()):
            continue
        result.staged.append((_stage(target, source.read_bytes()), target))
        result.copied.add(name)


def _render_all(
    job: _Job, todo: list[int], progress: Callable[[int, int], None] | None, parallel: bool
) -> Iterator[Rendered]:
    """Render the pages at the given indices: in this process, or in forked workers."""
    workers = count(parallel)
    # chunks small enough to share a few hundred pages evenly, large enough to be worth sending
    size = min(CHUNK, max(8, -(-len(todo) // (4 * workers))))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    done = 0
    if len(todo) < PARALLEL_FROM or workers < 2:
        for chunk in chunks:
            yield from _render_chunk(job, chunk)
            done += len(chunk)
            if progress:
                progress(done, len(todo))
        return
    with forked_pool(workers, job) as pool:
        futures = [pool.submit(_render_in_worker, chunk) for chunk in chunks]
        for future, chunk in zip(futures, chunks, strict=True):
            rendered, made = future.result()
            job.templates.made.update(made)
            job.templates.remembered.update((key, html) for key, (_, _, html) in made.items())
            yield from rendered
            done += len(chunk)
            if progress:
                progress(done, len(todo))


def _render_in_worker(indices: list[int]) -> tuple[list[Rendered], dict[str, tuple[str, str, str]]]:
    """The chunk's pages, and the fragments made for them (for the build to keep)."""
    job: _Job = shared()
    templates = job.templates
    rendered = list(_render_chunk(job, indices))
    made, templates.made = templates.made, {}
    return rendered, made


def _card_digests(value: Any, found: set[str]) -> None:
    """The digests of the cards a page's context shows (in lists and editions)."""
    kind = type(value)
    if kind is Card:
        found.add(value.digest)
    elif kind is tuple or kind is list:
        for item in value:
            _card_digests(item, found)
    elif kind is Briefing:  # an edition, shown with its cards (a month's or year's are not)
        _card_digests(value.cards, found)
    elif kind is dict:
        for item in value.values():
            _card_digests(item, found)


def _render_chunk(job: _Job, indices: list[int]) -> Iterator[Rendered]:
    made: set[Path] = set()
    for index in indices:
        page, key = job.pages[index], job.keys[index]
        try:
            data = job.templates.render(page)
        except BriefingError as exc:
            yield page.file, None, None, exc.problems
            continue
        links, ids = links_and_ids(data) if page.scanned else ("", "")
        article = page.context.get("article")
        # The indexed text is the article through its templates: a template edit re-indexes.
        searched = f"{article.digest}:{job.templates.uses(page.template)[:16]}" if article is not None else ""
        entry = Entry(page.url, page.origin, key, hashlib.sha256(data).hexdigest(), links, ids, searched)
        target = job.out_dir / page.file
        if _current(target, data, entry.sha, job.manifest.get(page.file)):
            yield page.file, entry, None, ()
        else:
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            yield page.file, entry, str(_stage(target, data, mkdir=False)), ()


def _current(target: Path, data: bytes, sha: str, old: Entry | None) -> bool:
    """Whether target already holds exactly data."""
    if old is not None and old.sha == sha and target.is_file():
        return True
    return _same_bytes(target, data)


def _stage(target: Path, data: bytes, mkdir: bool = True) -> Path:
    """Write data to a temporary file beside target and return its path."""
    if mkdir:
        target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}{STAGED_SUFFIX}")
    try:
        with open(temp, "wb") as handle:  # no fsync: os.replace keeps each file old or new if the build is killed
            handle.write(data)
    except BaseException:
        temp.unlink(missing_ok=True)  # a full disk: leave no partial file behind
        raise
    return temp


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _remove(out_dir: Path, name: str) -> None:
    """Delete a file this tool wrote, and the folders it leaves empty, never leaving out_dir."""
    path = out_dir / name
    if not path.resolve().is_relative_to(out_dir.resolve()):
        return
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != out_dir and folder.is_relative_to(out_dir):
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent


def static_files(static_dirs: Iterable[Path]) -> dict[str, Path]:
    """Output name -> source file for every static file; earlier folders win."""
    files: dict[str, Path] = {}
    for folder in static_dirs:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                files.setdefault("static/" + rel.as_posix(), path)
    return files


def check_output_dir(root: Path, out_dir: Path) -> None:
    """Refuse an output folder whose cleaning could delete sources or anything of the user's."""
    out = out_dir.resolve()
    root = root.resolve()
    shown = shown_path(out_dir)
    forbidden = {root, Path.home().resolve(), Path("/")} | {root / name for name in ("content", "templates", "static")}
    if out in forbidden or root.is_relative_to(out):
        raise BriefingError.one(
            shown,
            None,
            "cannot be the output folder: it holds the site's sources or more",
            "use a folder of its own, such as public/",
        )
    if any(out.is_relative_to(root / name) for name in ("content", "templates", "static", "inbox")):
        raise BriefingError.one(shown, None, "cannot be the output folder: it is inside the site's sources")
    if out.is_dir() and ((out / ".git").exists() or (out / "content").is_dir()):
        raise BriefingError.one(
            shown, None, "cannot be the output folder: it holds a git repository or a content/ folder"
        )


def check_ownership(out_dir: Path, manifest_file: Path, force: bool) -> None:
    """Refuse to write into a non-empty folder that no build of this site made (unless forced)."""
    if force or manifest_file.is_file() or not out_dir.is_dir():
        return
    if any(not p.name.endswith(STAGED_SUFFIX) for p in out_dir.iterdir()):
        raise BriefingError.one(
            shown_path(out_dir),
            None,
            "is not empty and was not made by briefing",
            "empty it, choose another --out, or pass --overwrite to write into it (its other files are kept)",
        )


def remove_leftovers(out_dir: Path) -> int:
    """Delete staged files a killed build left behind; the number removed."""
    removed = 0
    if out_dir.is_dir():
        for temp in out_dir.rglob(f"*{STAGED_SUFFIX}"):
            if temp.is_file() and not temp.is_symlink():
                temp.unlink(missing_ok=True)
                removed += 1
    return removed


class BuildLock:
    """One build at a time into an output folder: a second one waits for the first."""

    def __init__(self, path: Path, shown: str, timeout: float = 600.0) -> None:
        self.path, self.shown, self.timeout = path, shown, timeout
        self._handle: IO[str] | None = None

    def __enter__(self) -> BuildLock:
        import fcntl
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until __exit__)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                # A POSIX lock belongs to this process alone: forked workers do not inherit it, so
                # it goes when this process goes, even if killed.
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if not told:
                    print(f"waiting: another build into {self.shown} is running", file=sys.stderr, flush=True)
                    told = True
                if time.monotonic() > deadline:
                    handle.close()
                    raise BriefingError.one(
                        self.shown, None, f"another build into it has held the lock for {self.timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None
