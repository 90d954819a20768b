"""The quick path: a build in which only what article pages and feeds show has changed.

A full build loads every article, assembles the whole site and plans every page. Most edits in
a newsroom are to one story's text, and leave its *shape* as it was: its card (headline,
summary, time, tags, byline: what lists, neighbours and related articles show of it) and
whether it is a draft. Every list page is then already right; only the pages that hold the
article whole can differ: its own page and the feeds it is in.

So every build leaves a `Snapshot` beside its manifest: each article file's stamp, shape and
warnings, and each page that holds whole articles, with those articles by path. The next build
parses only the files whose stamps changed; when every one keeps its shape (and the settings,
the set of files and what the clock publishes are as they were), it re-plans just the pages
that hold them, re-making the other articles those pages hold from the cache. Anything else
(or anything missing) takes the full path, which is always right; the incremental-equals-clean
property test runs both.
"""

from __future__ import annotations

import pickle
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from .cache import Layered, Store, compact_pickle, read_pickle, write_pickle
from .config import SiteConfig
from .content import ArticleSource, load_article
from .errors import BriefingError, Problem
from .markup import Body, render_bodies
from .pages import Page, make_page
from .site import Article, article_from, shape

SNAPSHOT_VERSION = 2


class Mark(NamedTuple):
    """What a build saw of one article file (a plain tuple on disk: ten thousand load fast)."""

    stamp: str | None  # None: the file was changing, so it is read again next time
    shape: str
    warnings: tuple[Problem, ...]


@compact_pickle
@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article in a recipe, by its path."""

    path: str


@compact_pickle
@dataclass(frozen=True, slots=True)
class Recipe:
    """How to plan a page again: its make_page arguments, with ArticleRefs for articles."""

    url: str
    template: str
    origin: str
    origin_line: int | None
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the last build saw and planned, for the next one to build only what changed."""

    token: str  # ties the marks, saved after every build, to the rest, saved after full builds
    settings: str  # hash of everything but the articles: config, templates, static files, options
    now: datetime  # the site's published articles and news window are the same until valid_until
    valid_until: datetime | None
    marks: dict[str, Mark]  # article file -> its mark, in file order
    recipes: dict[str, Recipe]  # output file -> recipe, for the pages that hold whole articles
    users: dict[str, tuple[str, ...]]  # article path (relative) -> output files holding it whole
    pages: int
    next_due: tuple[datetime, str] | None


@dataclass(frozen=True, slots=True)
class Quick:
    """The quick path's plan: the pages to render, and the snapshot once they are written."""

    pages: list[Page]
    snapshot: Snapshot
    changed: list[str]  # the article files read

    @property
    def warnings(self) -> list[Problem]:
        """Every article's warnings, in file order, as a full build gives them."""
        return [w for mark in self.snapshot.marks.values() for w in mark.warnings]


def take(
    settings: str,
    now: datetime,
    valid_until: datetime | None,
    stamps: dict[str, str | None],
    loaded: dict[str, tuple[ArticleSource, tuple[Problem, ...]]],
    bodies: dict[str, Body],
    pages: Iterable[Page],
    next_due: tuple[datetime, str] | None,
) -> Snapshot:
    """The snapshot of a full build."""
    marks = {
        key: Mark(stamps[key], shape(source, bodies.get(source.body_sha)), notes)
        for key, (source, notes) in loaded.items()
    }
    recipes: dict[str, Recipe] = {}
    users: dict[str, list[str]] = defaultdict(list)
    count = 0
    for page in pages:
        count += 1
        if page.holds:
            context = {name: _refer(value) for name, value in page.context.items()}
            recipes[page.file] = Recipe(page.url, page.template, page.origin, page.origin_line, context)
            for path in dict.fromkeys(page.holds):
                users[path].append(page.file)
    users_by_path = {p: tuple(f) for p, f in users.items()}
    return Snapshot(uuid.uuid4().hex, settings, now, valid_until, marks, recipes, users_by_path, count, next_due)


def _refer(value: Any) -> Any:
    """value with each Article (or tuple of them) replaced by ArticleRefs, as Page.holds finds them."""
    if isinstance(value, Article):
        return ArticleRef(value.path)
    if isinstance(value, tuple | list):
        return type(value)(ArticleRef(v.path) if isinstance(v, Article) else v for v in value)
    return value


def _resolve(value: Any, article: Callable[[str], Article]) -> Any:
    if isinstance(value, ArticleRef):
        return article(value.path)
    if isinstance(value, tuple | list):
        return type(value)(article(v.path) if isinstance(v, ArticleRef) else v for v in value)
    return value


class _Missing(Exception):
    """An article the quick path needs is not in the cache."""


def quick(
    config: SiteConfig,
    snapshot: Snapshot | None,
    settings: str,
    stamps: dict[str, str | None],
    now: datetime,
    drafts: bool,
    store: Store,
) -> Quick | None:
    """The pages to build when every changed article keeps its shape; None for a full build."""
    if snapshot is None or snapshot.settings != settings or stamps.keys() != snapshot.marks.keys():
        return None
    if now < snapshot.now or (snapshot.valid_until is not None and now >= snapshot.valid_until):
        return None  # the clock may have published an article or moved the news window
    changed = [key for key, stamp in stamps.items() if stamp is None or stamp != snapshot.marks[key].stamp]
    if not changed:
        return None
    marks = dict(snapshot.marks)
    parsed = []
    fresh: dict[str, Article] = {}
    files: set[str] = set()
    for key in changed:
        try:
            source, notes = load_article(Path(key), config)
        except BriefingError:
            return None  # the full path reports it, with every other problem
        stamp = stamps[key]
        parsed.append((key, stamp, source, notes))
        body = None
        if drafts or not source.draft:
            body = render_bodies({source.body_sha: source.body}, store, parallel=False)[source.body_sha]
        mark = Mark(stamp, shape(source, body), tuple(notes))
        if mark.shape != snapshot.marks[key].shape:
            return None
        marks[key] = mark
        if body is not None:
            fresh[source.path] = article_from(source, body)
        files.update(snapshot.users.get(source.path, ()))

    def article(path: str) -> Article:
        if path in fresh:
            return fresh[path]
        key = str(config.root / path)
        cached = store.article(key, marks[key].stamp or "") if key in marks else None
        body = store.body(cached[0].body_sha) if cached else None
        if cached is None or body is None:
            raise _Missing(path)
        fresh[path] = article_from(cached[0], body)
        return fresh[path]

    pages = []
    try:
        for file in sorted(files):
            recipe = snapshot.recipes[file]
            context = {name: _resolve(value, article) for name, value in recipe.context.items()}
            pages.append(make_page(recipe.url, recipe.template, recipe.origin, recipe.origin_line, **context))
    except _Missing:
        return None
    for key, stamp, source, notes in parsed:  # only now: a full build counts what it reads
        if stamp is not None:
            store.put_article(key, stamp, source, notes)
    return Quick(pages, replace(snapshot, marks=marks), changed)


def snapshot_path(manifest_file: Path) -> Path:
    """Where the snapshot of the builds into an output folder lives (its marks beside it)."""
    return manifest_file.with_suffix(".snapshot")


def _marks(path: Path) -> Layered[Mark]:
    return Layered(path.with_suffix(".marks"), SNAPSHOT_VERSION, tuple, lambda row: Mark(*row))


def _structure(data: Any) -> Snapshot:
    version, snapshot = data
    if version != SNAPSHOT_VERSION or not isinstance(snapshot, Snapshot):
        raise ValueError("not a snapshot of this version")
    return snapshot


def load(path: Path) -> Snapshot | None:
    """The snapshot of the last build, or None when there is none (or it cannot be read)."""
    try:
        snapshot: Snapshot = read_pickle(path, _structure)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return None
    marks = _marks(path).load()
    if marks is None or marks[0] != snapshot.token:
        return None
    return replace(snapshot, marks=marks[1])


def forget(path: Path) -> None:
    """Delete the snapshot: the next build takes the full path."""
    path.unlink(missing_ok=True)
    _marks(path).remove()


def save(path: Path, snapshot: Snapshot, changed: Iterable[str] | None = None) -> None:
    """Write the snapshot whole, or only the marks of the article files named in `changed`."""
    if changed is None:
        structure = replace(snapshot, marks={})
        write_pickle(path, (SNAPSHOT_VERSION, structure), structure)
        _marks(path).save(snapshot.token, snapshot.marks)
    else:
        _marks(path).save_changes(snapshot.token, {key: snapshot.marks[key] for key in changed})
