"""The pipeline: load, render Markdown, assemble the site, plan pages, render, write, check links."""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .config import SiteConfig
from .content import ArticleCache, ArticleSource, load_articles
from .errors import BriefingError, Problem
from .links import check_links
from .markup import Renderer
from .output import check_output_dir, load_manifest, manifest_path, save_manifest, stage_site, static_files
from .pages import plan
from .render import Templates, find_theme
from .site import assemble

log = logging.getLogger("briefing")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build: where to, at what time, with drafts or not, and how strict."""

    out_dir: Path
    now: datetime
    drafts: bool = False
    strict: bool = False


@dataclass(slots=True)
class Caches:
    """What a long-running process (watch, serve) keeps between builds: parsed articles and
    rendered Markdown."""

    articles: ArticleCache = field(default_factory=ArticleCache)
    renderer: Renderer = field(default_factory=Renderer)


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
    next_due: ArticleSource | None = None
    changed_files: tuple[str, ...] = field(default=())  # written or deleted, relative to out_dir
    articles_read: int = 0

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
    caches: Caches | None = None,
    commit_lock: AbstractContextManager[object] | None = None,
) -> BuildReport:
    """Build the site into options.out_dir; raise BriefingError, leaving the output as it was.

    `caches` carries parsed articles and rendered Markdown from one build to the next;
    `commit_lock` is held while files are moved into place, so a server holding it while it
    reads a file serves either the old site or the new one.
    """
    clock = _Clock()
    check_output_dir(config.root, options.out_dir)
    caches = caches or Caches()
    loaded = load_articles(config, caches.articles)
    clock.lap("load")
    site = assemble(config, loaded.articles, caches.renderer.render, options.now, options.drafts)
    clock.lap("assemble")
    pages = plan(config, site, options.now)
    clock.lap("plan")
    theme = find_theme(config)
    templates = Templates(config, theme)
    templates.check()
    manifest_file = manifest_path(config.cache_dir, options.out_dir)
    staged = stage_site(
        options.out_dir, load_manifest(manifest_file), pages, templates, static_files(theme.static_dirs)
    )
    clock.lap("render")
    link_problems = check_links(config, options.out_dir, staged.entries)
    clock.lap("links")
    warnings = tuple(loaded.warnings) + tuple(link_problems)
    if options.strict and warnings:
        staged.discard()
        raise BriefingError(warnings)
    with commit_lock or nullcontext():
        staged.commit()
    save_manifest(manifest_file, staged.entries)
    clock.lap("write")
    return BuildReport(
        pages=len(pages),
        rendered=staged.rendered,
        written=len(staged.staged),
        unchanged=staged.unchanged,
        deleted=len(staged.stale),
        seconds=time.perf_counter() - clock.start,
        warnings=warnings,
        next_due=site.next_due,
        changed_files=tuple(
            sorted({t.relative_to(options.out_dir).as_posix() for _, t in staged.staged} | set(staged.stale))
        ),
        articles_read=loaded.read,
    )
