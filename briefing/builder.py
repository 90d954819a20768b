"""The pipeline: load, render Markdown, assemble the site, plan pages, render, write, check links."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import sys
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from . import delta, search
from .atomic import write_atomic
from .cache import Store
from .config import SiteConfig, shown_path
from .content import ArticleSource, file_stamp, load_article, load_articles, scan
from .errors import BriefingError, Problem
from .links import check_links
from .markup import render_bodies
from .output import (
    BuildLock,
    check_output_dir,
    check_ownership,
    load_manifest,
    manifest_path,
    remove_leftovers,
    save_manifest,
    stage_site,
    static_files,
)
from .pages import NEWS_WINDOW, plan
from .render import Templates, find_theme
from .site import Site, assemble

log = logging.getLogger("briefing")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build: where to, at what time, with drafts or not, and how strict."""

    out_dir: Path
    now: datetime
    drafts: bool = False
    strict: bool = False
    # Worker processes are forked; a process that runs other threads (watch, serve) must not.
    parallel: bool = True
    overwrite: bool = False  # write into a non-empty folder that briefing did not make
    index: bool = True  # run Pagefind after writing (watch and serve index later, in the background)


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    pages: int
    rendered: int
    written: int
    unchanged: int
    deleted: int
    seconds: float
    warnings: tuple[Problem, ...] = ()
    next_due: tuple[datetime, str] | None = None  # (when, article file) of the next scheduled article
    changed_files: tuple[str, ...] = field(default=())  # written or deleted, relative to out_dir
    articles_read: int = 0
    notes: tuple[str, ...] = ()  # things worth saying that are not problems (search is off, say)
    quick: bool = False  # only pages holding edited articles were planned (see briefing.delta)
    shards: tuple[tuple[str, str], ...] = ()  # the search index shards the output needs, with digests
    indexed: tuple[str, ...] = ()  # the shards this build (re)indexed

    def summary(self) -> str:
        """The one line every build ends with."""
        return (
            f"{self.pages} pages: {self.rendered} rendered, {self.written} written, "
            f"{self.unchanged} unchanged, {self.deleted} deleted in {self.seconds:.2f} s"
        )


class _Clock:
    """Logs one timed line per stage at debug level."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        log.debug("%-8s %6.0f ms", stage, (now - self.last) * 1000)
        self.last = now


def build(
    config: SiteConfig,
    options: BuildOptions,
    store: Store | None = None,
    commit_lock: AbstractContextManager[object] | None = None,
    changed: Iterable[str] | None = None,
) -> BuildReport:
    """Build the site into options.out_dir; raise BriefingError, leaving the output as it was.

    `store` carries parsed articles and rendered Markdown from one build to the next (by
    default the site's cache folder);
    `commit_lock` is held while files are moved into place, so a server holding it while it
    reads a file serves either the old site or the new one;
    `changed` lists the paths file events named since the last build with this store (watch,
    serve), so content/ need not be walked again.
    """
    clock = _Clock()
    check_output_dir(config.root, options.out_dir)
    manifest_file = manifest_path(config.cache_dir, options.out_dir)
    # A build makes and holds hundreds of thousands of objects (articles, cards, the manifest);
    # the cycle collector walking them over and over cost a third of a one-article rebuild. What
    # a build makes is freed by reference counting; cycles are collected once it ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with BuildLock(manifest_file.with_suffix(".lock"), shown_path(options.out_dir)):
            return _build(config, options, store, commit_lock, clock, manifest_file, changed)
    except OSError as exc:  # a full disk, a folder that cannot be written: the old output stays
        where = shown_path(Path(exc.filename)) if exc.filename else shown_path(options.out_dir)
        raise BriefingError.one(where, None, f"cannot write: {exc.strerror or exc}") from None
    finally:
        if collecting:
            gc.enable()


def _build(
    config: SiteConfig,
    options: BuildOptions,
    store: Store | None,
    commit_lock: AbstractContextManager[object] | None,
    clock: _Clock,
    manifest_file: Path,
    changed: Iterable[str] | None,
) -> BuildReport:
    theme = find_theme(config)
    templates = Templates(config, theme)
    statics = static_files(theme.static_dirs)
    state = BuildState(manifest_file.with_suffix(".state.json"))
    # content/ is walked once (or not at all, told what changed): for the no-op check, the
    # quick path and loading
    stamps = scan(config, store.scan if store is not None and changed is not None else None, changed)
    if store is not None:
        store.scan = stamps
    settings = _settings(config, options, templates, statics)
    clock.lap("scan")
    inputs = _inputs(settings, stamps)
    unchanged = state.unchanged(inputs, options.now, manifest_file, options.out_dir)
    if unchanged is not None:
        if options.strict and unchanged.warnings:
            raise BriefingError(unchanged.warnings)
        return replace(unchanged, seconds=time.perf_counter() - clock.start)
    check_ownership(options.out_dir, manifest_file, options.overwrite)
    unfinished = manifest_file.with_suffix(".unfinished")
    snapshot_file = delta.snapshot_path(manifest_file)
    killed = unfinished.exists()
    if killed:  # the last build was killed: it may have left staged files and a half-made index
        remove_leftovers(options.out_dir)
        delta.forget(snapshot_file)
    store = store if store is not None else Store(config.cache_dir)
    manifest, token = load_manifest(manifest_file)
    last = delta.load(snapshot_file) if settings is not None else None
    clock.lap("snapshot")
    quick = None
    if settings is not None and last is not None and last.token == token:  # the snapshot of this output
        quick = delta.quick(config, last, settings, stamps, options.now, store)
    if quick is not None:
        pages, snapshot = quick.pages, quick.snapshot
        loaded_warnings, read, all_pages = quick.warnings, len(quick.changed), None
        clock.lap("quick")
    else:
        loaded = load_articles(config, store, stamps, options.parallel)
        clock.lap("load")
        sources = [s for s in loaded.articles if options.drafts or not s.draft]
        bodies = render_bodies(_texts(config, sources, store), store, options.parallel)
        store.keep_bodies(set(bodies))
        clock.lap("markdown")
        site = assemble(config, sources, bodies, options.now)
        clock.lap("assemble")
        pages = all_pages = plan(config, site, options.now, config.search and search.available())
        clock.lap("plan")
        templates.check()
        until = valid_until(site, options.now)
        snapshot = delta.take(settings or "", options.now, until, stamps, loaded.by_path, site, pages)
        loaded_warnings, read = loaded.warnings, loaded.read
        clock.lap("snapshot")
    progress = _progress if sys.stderr.isatty() and len(pages) > 2000 else None
    unfinished.parent.mkdir(parents=True, exist_ok=True)
    unfinished.touch()
    staged = stage_site(
        options.out_dir,
        manifest,
        pages,
        templates,
        statics if all_pages is not None else None,
        progress,
        options.parallel,
    )
    clock.lap("render")
    previous = state.link_problems()
    if staged.reshaped or previous is None:
        link_problems = check_links(config, options.out_dir, staged.entries)
    else:  # only the pages rendered now can have new broken links; the rest keep their verdict
        kept = [(name, p) for name, p in previous if name not in staged.rendered_files and name in staged.entries]
        fresh = check_links(config, options.out_dir, staged.entries, staged.rendered_files)
        link_problems = sorted(kept + fresh, key=lambda item: (item[0], str(item[1])))
    clock.lap("links")
    warnings = tuple(loaded_warnings) + tuple(p for _, p in link_problems)
    if options.strict and warnings:
        staged.discard()
        raise BriefingError(warnings)
    with commit_lock or nullcontext():
        staged.commit()
    store.flush()
    save_manifest(manifest_file, staged.entries, snapshot.token, staged.rendered_files if quick else None)
    clock.lap("write")
    changed = {t.relative_to(options.out_dir).as_posix() for _, t in staged.staged} | set(staged.stale)
    articles = ((name, e.article) for name, e in staged.entries.items() if e.article)
    shards = search.shard_digests(articles, templates.fingerprint + config.fingerprint())
    if config.search and options.index:
        searched = search.index_site(options.out_dir, shards, search.lock_file(manifest_file))
    else:
        searched = search.SearchReport(config.search)
        if not config.search:
            search.remove_bundle(options.out_dir)
    clock.lap("search")
    report = BuildReport(
        pages=snapshot.pages,
        rendered=staged.rendered,
        written=len(staged.staged),
        unchanged=staged.unchanged + (snapshot.pages - len(pages)),
        deleted=len(staged.stale),
        seconds=time.perf_counter() - clock.start,
        warnings=warnings,
        next_due=snapshot.next_due,
        changed_files=tuple(sorted(changed)),
        notes=(searched.reason,) if searched.reason else (),
        articles_read=read,
        quick=quick is not None,
        shards=tuple(sorted(shards.items())),
        indexed=searched.indexed,
    )
    state.save(inputs, snapshot.valid_until, report, link_problems)
    if quick is not None:
        delta.save(snapshot_file, snapshot, quick)
    elif settings is not None:
        delta.save(snapshot_file, snapshot)
    else:
        delta.forget(snapshot_file)
    unfinished.unlink(missing_ok=True)
    return report


def _texts(config: SiteConfig, sources: list[ArticleSource], store: Store) -> dict[str, str]:
    """The Markdown text of each article by its hash; a cached article whose rendered body is
    missing from the store is read again for its text."""
    texts: dict[str, str] = {}
    store.load_bodies(s.body_sha for s in sources)
    for source in sources:
        if source.body or store.body(source.body_sha) is not None:
            texts[source.body_sha] = source.body
        else:
            fresh, _ = load_article(config.root / source.path, config)
            texts[fresh.body_sha] = fresh.body
    return texts


def _progress(done: int, total: int) -> None:
    """Rendering progress, on a terminal only."""
    end = "\n" if done == total else ""
    print(f"\rrendering {done}/{total} pages", end=end, file=sys.stderr, flush=True)


def _settings(config: SiteConfig, options: BuildOptions, templates: Templates, statics: dict[str, Path]) -> str | None:
    """A hash of everything a build reads but the articles; None while a static file is changing."""
    digest = hashlib.sha256()
    for part in (templates.fingerprint, str(options.out_dir), str(options.drafts), config.fingerprint()):
        digest.update(part.encode() + b"\0")
    for name, path in sorted(statics.items()):
        stamp = file_stamp(path, "")
        if stamp is None:
            return None
        digest.update(f"{name}\0{stamp}\0".encode())
    return digest.hexdigest()


def _inputs(settings: str | None, stamps: dict[str, str | None]) -> str:
    """A hash of everything a build reads, by file stamps: if it is what the last build saw
    (and no article has come due since), the output is already right."""
    if settings is None or None in stamps.values():  # changed a moment ago: never take the shortcut
        return f"unsettled {time.time_ns()}"
    digest = hashlib.sha256(settings.encode())
    for name, stamp in stamps.items():
        digest.update(f"{name}\0{stamp}\0".encode())
    return digest.hexdigest()


def valid_until(site: Site, now: datetime) -> datetime | None:
    """When the output of a build at `now` goes stale by the clock alone: the next scheduled
    article falls due, or an article leaves the news sitemap's window."""
    moments = [a.date + NEWS_WINDOW for a in site.articles if now - NEWS_WINDOW < a.date <= now]
    if site.next_due is not None:
        moments.append(site.next_due.date)
    return min(moments, default=None)


class BuildState:
    """What the last build into an output folder saw, so an unchanged site costs a few stats."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def unchanged(self, inputs: str, now: datetime, manifest_file: Path, out_dir: Path) -> BuildReport | None:
        """The last build's report, as a no-op, when nothing it read has changed and its output
        is still there (a deleted output folder is built again)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("inputs") != inputs or not manifest_file.is_file() or not (out_dir / "index.html").is_file():
            return None
        until = data.get("valid_until")
        if until is not None and now >= datetime.fromisoformat(until):
            return None
        due = data.get("next_due")
        return BuildReport(
            pages=data["pages"],
            rendered=0,
            written=0,
            unchanged=data["pages"],
            deleted=0,
            seconds=0.0,
            warnings=tuple(Problem(*w) for w in data["warnings"]),
            next_due=(datetime.fromisoformat(due[0]), due[1]) if due else None,
        )

    def link_problems(self) -> list[tuple[str, Problem]] | None:
        """The broken links the last build found, by output file; None when unknown."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [(name, Problem(*problem)) for name, *problem in data["links"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, inputs: str, until: datetime | None, report: BuildReport, links: list[tuple[str, Problem]]) -> None:
        """Record what this build saw."""
        data = {
            "links": [[name, p.path, p.line, p.message, p.hint] for name, p in links],
            "inputs": inputs,
            "valid_until": until.isoformat() if until else None,
            "pages": report.pages,
            "warnings": [[w.path, w.line, w.message, w.hint] for w in report.warnings],
            "next_due": [report.next_due[0].isoformat(), report.next_due[1]] if report.next_due else None,
        }
        write_atomic(self.path, json.dumps(data))
