"""The pipeline: load, render Markdown, assemble the site, plan pages, render, write, check links."""

from __future__ import annotations

import gc
import hashlib
import logging
import resource
import sys
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from . import images, search
from .config import SiteConfig, shown_path
from .content import ArticleSource, PlainPage, load_article, load_articles, load_pages
from .errors import BriefingError, Problem
from .links import check_links, linking_to
from .markup import render_bodies
from .output import BuildLock, Staged, check_output_dir, check_ownership, remove_leftovers, stage_site, static_files
from .pages import NEWS_WINDOW, Page, plan
from .render import Templates, find_theme
from .site import Site, assemble
from .state import snapshot as delta
from .state.build_state import BuildState
from .state.cache import Store
from .state.manifest import Entry, load_manifest, manifest_path, save_manifest
from .state.stamps import file_stamp, scan

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
    rendered_files: tuple[str, ...] = ()  # rendered (written or found unchanged), relative to out_dir
    articles_read: int = 0
    notes: tuple[str, ...] = ()  # things worth saying that are not problems (search is off, say)
    quick: bool = False  # only pages holding edited articles were planned (see briefing.state.snapshot)
    shards: tuple[tuple[str, str], ...] = ()  # the search index shards the output needs, with digests

    def summary(self) -> str:
        """The one line every build ends with."""
        return (
            f"{self.pages} pages: {self.rendered} rendered, {self.written} written, "
            f"{self.unchanged} unchanged, {self.deleted} deleted in {self.seconds:.2f} s"
        )


class _Clock:
    """Logs one line per stage at debug level: its time, and the process's peak memory so far."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if log.isEnabledFor(logging.DEBUG):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
            log.debug("%-8s %6.0f ms %6d MB peak", stage, (now - self.last) * 1000, peak)
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


@dataclass(frozen=True, slots=True)
class _Run:
    """What every phase of one build reads: the site, how to build it, and what it was found
    to be made of (theme, static files, file stamps, and a hash of all of it)."""

    config: SiteConfig
    options: BuildOptions
    clock: _Clock
    manifest_file: Path
    templates: Templates
    statics: dict[str, Path]
    state: BuildState
    stamps: dict[str, str | None]
    settings: str | None  # everything but the articles; None while a static file is changing
    inputs: str
    plain: tuple[PlainPage, ...]  # the plain pages of content/pages/

    @property
    def unfinished(self) -> Path:
        """The marker a build leaves while it writes: found by the next, it says one was killed."""
        return self.manifest_file.with_suffix(".unfinished")

    @property
    def snapshot_file(self) -> Path:
        return delta.snapshot_path(self.manifest_file)


@dataclass(frozen=True, slots=True)
class _Plan:
    """The pages to render, from the quick path (some pages) or the full one (every page)."""

    pages: list[Page]
    snapshot: delta.Snapshot
    warnings: tuple[Problem, ...]
    read: int  # article files parsed
    quick: delta.Quick | None  # None: the full path, every page planned


def _build(
    config: SiteConfig,
    options: BuildOptions,
    store: Store | None,
    commit_lock: AbstractContextManager[object] | None,
    clock: _Clock,
    manifest_file: Path,
    changed: Iterable[str] | None,
) -> BuildReport:
    """The phases, each handed the `_Run`: look (what the site is made of) → no change, or
    plan (quick or full) → stage (render, check links) → commit (swap files in) → index
    (search) → record (what the next build reads)."""
    run = _look(config, options, store, clock, manifest_file, changed)
    unchanged = run.state.unchanged(run.inputs, options.now, manifest_file, options.out_dir)
    if unchanged is not None:
        if options.strict and unchanged.warnings:
            raise BriefingError(unchanged.warnings)
        return replace(unchanged, seconds=time.perf_counter() - clock.start)
    check_ownership(options.out_dir, manifest_file, options.overwrite)
    if run.unfinished.exists():  # the last build was killed: it may have left staged files
        remove_leftovers(options.out_dir)
        delta.forget(run.snapshot_file)
    store = store if store is not None else Store(config.cache_dir)
    manifest, token = load_manifest(manifest_file)
    planned = _plan(run, store, token, manifest)
    run.unfinished.parent.mkdir(parents=True, exist_ok=True)
    run.unfinished.touch()
    staged, link_problems = _stage(run, store, manifest, planned)
    warnings = planned.warnings + tuple(p for _, p in link_problems)
    _commit(run, store, planned, staged, warnings, commit_lock)
    shards, searched = _index(run, staged)
    report = _report(run, planned, staged, warnings, shards, searched)
    _record(run, planned, report, link_problems)
    return report


def _look(
    config: SiteConfig,
    options: BuildOptions,
    store: Store | None,
    clock: _Clock,
    manifest_file: Path,
    changed: Iterable[str] | None,
) -> _Run:
    """Find the theme and stamp every input file: content/ is walked once (or not at all, told
    by file events what changed), for the no-change check, the quick path and loading."""
    theme = find_theme(config)
    plain = load_pages(config)
    templates = Templates(config, theme, plain)
    statics = static_files(theme.static_dirs)
    stamps = scan(config, store.scan if store is not None and changed is not None else None, changed)
    if store is not None:
        store.scan = stamps
    settings = _settings(config, options, templates, statics, plain)
    clock.lap("scan")
    state = BuildState(manifest_file.with_suffix(".state.json"))
    inputs = _inputs(settings, stamps)
    return _Run(config, options, clock, manifest_file, templates, statics, state, stamps, settings, inputs, plain)


def _plan(run: _Run, store: Store, token: str, manifest: dict[str, Entry]) -> _Plan:
    """The quick path when the last build's snapshot is of this output and every changed
    article keeps its place; else load every article, render Markdown, assemble and plan all."""
    config, options, clock = run.config, run.options, run.clock
    last = delta.load(run.snapshot_file) if run.settings is not None else None
    clock.lap("snapshot")
    if run.settings is not None and last is not None and last.token == token:
        quick = delta.quick(
            config, last, run.settings, run.stamps, options.now, store, manifest, run.plain, options.drafts
        )
        if quick is not None:
            clock.lap("quick")
            return _Plan(quick.pages, quick.snapshot, tuple(quick.warnings), len(quick.changed), quick)
    loaded = load_articles(
        config, store, run.stamps, options.parallel, bodies=lambda source: options.drafts or not source.draft
    )
    images.prune(config, (source.picture for source in loaded.articles))  # every article read: the rest can go
    clock.lap("load")
    sources = [s for s in loaded.articles if options.drafts or not s.draft]
    bodies = render_bodies(_texts(config, sources, store), store, options.parallel)
    store.keep_bodies(set(bodies))
    clock.lap("markdown")
    site = assemble(config, sources, bodies, options.now)
    clock.lap("assemble")
    pages = plan(config, site, options.now, config.search and search.available(), plain=run.plain)
    clock.lap("plan")
    run.templates.check()
    until = valid_until(site, options.now)
    snapshot = delta.take(run.settings or "", options.now, until, run.stamps, loaded.by_path, site, pages)
    clock.lap("snapshot")
    return _Plan(pages, snapshot, tuple(loaded.warnings), loaded.read, None)


def _stage(
    run: _Run, store: Store, manifest: dict[str, Entry], planned: _Plan
) -> tuple[Staged, list[tuple[str, Problem]]]:
    """Render and stage what changed, then check links: all of them on a first build; else
    those of the pages rendered now and of the pages a change may have mended or broken (the
    rest keep their verdict)."""
    config, options = run.config, run.options
    progress = _progress if sys.stderr.isatty() and len(planned.pages) > 2000 else None
    statics = run.statics if planned.quick is None else None
    gone = planned.quick.gone if planned.quick else ()
    media = images.outputs(config, (card.picture for card in planned.snapshot.cards.values()))
    staged = stage_site(
        options.out_dir,
        manifest,
        planned.pages,
        run.templates,
        statics,
        progress,
        options.parallel,
        gone,
        media,
        store.fragments,
    )
    run.clock.lap("render")
    previous = run.state.link_problems()
    if previous is None:
        link_problems = check_links(config, options.out_dir, staged.entries)
    else:
        # Pages not rendered keep their verdicts, but those that may link to a file or an id
        # that went, and, when files or ids came, those with a broken link (the new file may
        # be what it links to).
        again = staged.rendered_files | linking_to(config, staged.entries, set(staged.stale), staged.narrowed)
        if staged.grown:
            again.update(name for name, _ in previous)
        kept = [(name, p) for name, p in previous if name not in again and name in staged.entries]
        fresh = check_links(config, options.out_dir, staged.entries, again)
        link_problems = sorted(kept + fresh, key=lambda item: (item[0], str(item[1])))
    run.clock.lap("links")
    return staged, link_problems


def _commit(
    run: _Run,
    store: Store,
    planned: _Plan,
    staged: Staged,
    warnings: tuple[Problem, ...],
    commit_lock: AbstractContextManager[object] | None,
) -> None:
    """Swap the staged files in (with --strict and warnings, throw them away and fail), then
    write the caches and the manifest."""
    if run.options.strict and warnings:
        staged.discard()
        raise BriefingError(warnings)
    with commit_lock or nullcontext():
        staged.commit()
    store.put_fragments(run.templates.made)
    if planned.quick is None:  # every page planned: the fragments of cards no page shows can go
        store.keep_fragments({card.digest for card in planned.snapshot.cards.values()}, run.templates.themes())
    store.flush()
    # a quick build writes a delta
    only = staged.rendered_files | staged.copied | set(staged.stale) if planned.quick else None
    save_manifest(run.manifest_file, staged.entries, planned.snapshot.token, only)
    run.clock.lap("write")


def _index(run: _Run, staged: Staged) -> tuple[dict[str, str], search.SearchReport]:
    """Bring the search index's month shards up to date (or drop the index: search is off)."""
    config, options = run.config, run.options
    if not config.search:
        search.remove_bundle(options.out_dir)
        run.clock.lap("search")
        return {}, search.SearchReport(False)
    articles = ((name, e.article) for name, e in staged.entries.items() if e.article)
    shards = search.shard_digests(articles, config.fingerprint())
    if options.index:
        searched = search.index_site(options.out_dir, shards, search.lock_file(run.manifest_file))
    else:
        searched = search.SearchReport(True)
    run.clock.lap("search")
    return shards, searched


def _report(
    run: _Run,
    planned: _Plan,
    staged: Staged,
    warnings: tuple[Problem, ...],
    shards: dict[str, str],
    searched: search.SearchReport,
) -> BuildReport:
    """What the build did, for the one line it ends with and for watch and serve."""
    snapshot = planned.snapshot
    changed = {t.relative_to(run.options.out_dir).as_posix() for _, t in staged.staged} | set(staged.stale)
    return BuildReport(
        pages=snapshot.pages,
        rendered=staged.rendered,
        written=len(staged.staged),
        unchanged=staged.unchanged + (snapshot.pages - len(planned.pages)),
        deleted=len(staged.stale),
        seconds=time.perf_counter() - run.clock.start,
        warnings=warnings,
        next_due=snapshot.next_due,
        changed_files=tuple(sorted(changed)),
        rendered_files=tuple(sorted(staged.rendered_files)),
        notes=(searched.reason,) if searched.reason else (),
        articles_read=planned.read,
        quick=planned.quick is not None,
        shards=tuple(sorted(shards.items())),
    )


def _record(run: _Run, planned: _Plan, report: BuildReport, link_problems: list[tuple[str, Problem]]) -> None:
    """Leave what the next build reads: the state (for the no-change check and link verdicts)
    and the snapshot (for the quick path); then clear the marker of an unfinished build."""
    run.state.save(run.inputs, planned.snapshot.valid_until, report, link_problems)
    if planned.quick is not None:
        delta.save(run.snapshot_file, planned.snapshot, planned.quick)
    elif run.settings is not None:
        delta.save(run.snapshot_file, planned.snapshot)
    else:
        delta.forget(run.snapshot_file)
    run.unfinished.unlink(missing_ok=True)


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


def _settings(
    config: SiteConfig,
    options: BuildOptions,
    templates: Templates,
    statics: dict[str, Path],
    plain: tuple[PlainPage, ...],
) -> str | None:
    """A hash of everything a build reads but the articles (plain pages included); None while a
    static file is changing."""
    digest = hashlib.sha256()
    for part in (templates.fingerprint, str(options.out_dir), str(options.drafts), config.fingerprint()):
        digest.update(part.encode() + b"\0")
    for page in plain:
        digest.update(page.digest.encode())
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
