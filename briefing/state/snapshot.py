"""The quick path: a build in which only what some pages show of some articles has changed.

A full build loads every article, assembles the whole site and plans every page. Most edits in
a newsroom leave an article's *place* as it was: its URL, day, tags, draft flag and modified
time, and its order among articles of the same minute. A body edit changes only the pages
that hold the article whole (its own page, the feeds it is in); a headline or summary edit
also the pages that show its card (its day, month and year, its tags' pages, the home page,
its neighbours and the articles that list it as related). Every other page is already right.

So every build leaves a `Snapshot` beside its manifest: each article file's stamp, place and
warnings; each published article's card; and each page that shows cards or holds articles,
as a recipe with those by path. The next build parses only the files whose stamps changed;
when each keeps its place (and the settings, the set of files and what the clock publishes
are as they were), it re-plans just the pages that show or hold them, re-making the other
articles those pages hold from the cache. Anything else (or anything missing) takes the full
path, which is always right; the incremental-equals-clean property test runs both.
"""

from __future__ import annotations

import dataclasses
import operator
import pickle
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..config import SiteConfig
from ..content import ArticleSource, load_article
from ..errors import BriefingError, Problem
from ..markup import render_bodies
from ..pages import PLAIN_TYPES, Page, make_page
from ..site import Article, Card, Site, article_from, place
from .cache import UNREADABLE, Layered, Store, read_pickle, register_compact, write_pickle

SNAPSHOT_VERSION = 7


class Mark(NamedTuple):
    """What a build saw of one article file (a plain tuple on disk: ten thousand load fast)."""

    stamp: str | None  # None: the file was changing, so it is read again next time
    place: str
    warnings: tuple[Problem, ...]


class ArticleRef(str):
    """An article, whole, in a recipe: its path. (A str: a hundred thousand references
    unpickle at C speed.)"""

    __slots__ = ()


class CardRef(str):
    """An article's card in a recipe: its path."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Remake:
    """A dataclass (an edition, a month, a year) that holds cards, to be made again from its
    fields: its digest follows."""

    kind: type
    fields: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Recipe:
    """How to plan a page again: its make_page arguments, with references for articles and cards."""

    url: str
    template: str
    origin: str
    origin_line: int | None
    context: dict[str, Any]


register_compact(Remake, Recipe)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the last build saw and planned, for the next one to build only what changed."""

    token: str  # ties the tables saved after every build to the rest, saved after full builds
    settings: str  # hash of everything but the articles: config, templates, static files, options
    now: datetime  # the site's published articles and news window are the same until valid_until
    valid_until: datetime | None
    # a recipe for each page that shows cards or holds articles, each pickled on its own: a
    # quick build unpickles the few it needs, not all 13,000
    recipes: tuple[bytes, ...]
    # article path -> the recipes (by their place in `recipes`) of the pages holding it whole,
    # and of those showing its card: numbers, as a hundred thousand file names load slowly
    whole: dict[str, tuple[int, ...]]
    shown: dict[str, tuple[int, ...]]
    pages: int
    next_due: tuple[datetime, str] | None
    marks: dict[str, Mark] = field(default_factory=dict)  # article file -> its mark, in file order
    cards: dict[str, Card] = field(default_factory=dict)  # article path -> card, when published


@dataclass(frozen=True, slots=True)
class Quick:
    """The quick path's plan: the pages to render, and the snapshot once they are written."""

    pages: list[Page]
    snapshot: Snapshot
    changed: list[str]  # the article files read
    cards: list[str]  # the articles whose cards changed

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
    site: Site,
    pages: Iterable[Page],
) -> Snapshot:
    """The snapshot of a full build."""
    recipes: list[bytes] = []
    whole: dict[str, list[int]] = defaultdict(list)
    shown: dict[str, list[int]] = defaultdict(list)
    count = 0
    for page in pages:
        count += 1
        held: set[str] = set()
        showing: set[str] = set()
        context = {name: _refer(value, held, showing) for name, value in page.context.items()}
        if held or showing:
            number = len(recipes)
            recipe = Recipe(page.url, page.template, page.origin, page.origin_line, context)
            recipes.append(pickle.dumps(recipe, protocol=5))
            for path in held:
                whole[path].append(number)
            for path in showing:
                shown[path].append(number)
    return Snapshot(
        token=uuid.uuid4().hex,
        settings=settings,
        now=now,
        valid_until=valid_until,
        recipes=tuple(recipes),
        whole={p: tuple(f) for p, f in whole.items()},
        shown={p: tuple(f) for p, f in shown.items()},
        pages=count,
        next_due=(site.next_due.date, site.next_due.path) if site.next_due else None,
        marks={key: Mark(stamps[key], place(source), notes) for key, (source, notes) in loaded.items()},
        cards={a.path: a.card for a in site.articles},
    )


def _refer(value: Any, held: set[str], showing: set[str]) -> Any:
    """value with each Article and Card replaced by a reference (their paths noted in `held`
    and `showing`), and each dataclass holding them by a Remake."""
    kind = type(value)
    if kind in PLAIN_TYPES:
        return value
    if kind is Article:
        held.add(value.path)
        return ArticleRef(value.path)
    if kind is Card:
        showing.add(value.path)
        return CardRef(value.path)
    if kind is tuple or kind is list:
        items = [_refer(v, held, showing) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else kind(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
        referred = [_refer(v, held, showing) for v in fields]
        if all(a is b for a, b in zip(referred, fields, strict=True)):
            return value
        return Remake(kind, tuple(referred))
    return value


def _resolve(value: Any, article: Callable[[str], Article], cards: dict[str, Card]) -> Any:
    kind = type(value)
    if kind in PLAIN_TYPES:
        return value
    if kind is ArticleRef:
        return article(value)
    if kind is CardRef:
        return cards[value]
    if kind is tuple or kind is list:
        return kind(_resolve(v, article, cards) for v in value)
    if kind is Remake:
        return value.kind(*(_resolve(v, article, cards) for v in value.fields))
    return value


def _same_order(cards: dict[str, Card], old: Card, new: Card) -> bool:
    """Whether a card keeps its place among those of the same minute (ordered by headline)."""
    if (old.title, old.url) == (new.title, new.url):
        return True
    others = [(c.title, c.url) for c in cards.values() if c.date == old.date and c.path != old.path]
    return sum(o < (old.title, old.url) for o in others) == sum(o < (new.title, new.url) for o in others)


class _Missing(Exception):
    """An article the quick path needs is not in the cache."""


def quick(
    config: SiteConfig,
    snapshot: Snapshot | None,
    settings: str,
    stamps: dict[str, str | None],
    now: datetime,
    store: Store,
) -> Quick | None:
    """The pages to build when every changed article keeps its place; None for a full build."""
    if snapshot is None or snapshot.settings != settings or stamps.keys() != snapshot.marks.keys():
        return None
    if now < snapshot.now or (snapshot.valid_until is not None and now >= snapshot.valid_until):
        return None  # the clock may have published an article or moved the news window
    changed = [key for key, stamp in stamps.items() if stamp is None or stamp != snapshot.marks[key].stamp]
    if not changed:
        return None
    marks = dict(snapshot.marks)
    cards = dict(snapshot.cards)
    parsed = []
    fresh: dict[str, Article] = {}
    files: set[int] = set()
    recarded: list[str] = []
    for key in changed:
        try:
            source, notes = load_article(Path(key), config)
        except BriefingError:
            return None  # the full path reports it, with every other problem
        mark = Mark(stamps[key], place(source), tuple(notes))
        if mark.place != snapshot.marks[key].place:
            return None
        marks[key] = mark
        parsed.append((key, mark.stamp, source, notes))
        old = cards.get(source.path)
        if old is None:
            continue  # not published (scheduled, or a draft left out): no page shows it
        body = render_bodies({source.body_sha: source.body}, store, parallel=False)[source.body_sha]
        made = fresh[source.path] = article_from(source, body)
        files.update(snapshot.whole.get(source.path, ()))
        if made.card.digest != old.digest:
            if not _same_order(cards, old, made.card):
                return None
            cards[source.path] = made.card
            recarded.append(source.path)
            files.update(snapshot.shown.get(source.path, ()))

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
        for number in sorted(files):
            recipe = pickle.loads(snapshot.recipes[number])
            context = {name: _resolve(value, article, cards) for name, value in recipe.context.items()}
            pages.append(make_page(recipe.url, recipe.template, recipe.origin, recipe.origin_line, **context))
    except _Missing:
        return None
    for key, stamp, source, notes in parsed:  # only now: a full build counts what it reads
        if stamp is not None:
            store.put_article(key, stamp, source, notes)
    return Quick(pages, replace(snapshot, marks=marks, cards=cards), changed, recarded)


def snapshot_path(manifest_file: Path) -> Path:
    """Where the snapshot of the builds into an output folder lives (its marks beside it)."""
    return manifest_file.with_suffix(".snapshot")


def _marks(path: Path) -> Layered[Mark]:
    return Layered(path.with_suffix(".marks"), SNAPSHOT_VERSION, tuple, lambda row: Mark(*row))


def _cards(path: Path) -> Layered[Card]:
    fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Card)))
    return Layered(path.with_suffix(".cards"), SNAPSHOT_VERSION, fields, lambda row: Card(*row))


def _structure(data: Any) -> Snapshot:
    version, snapshot = data
    if version != SNAPSHOT_VERSION or not isinstance(snapshot, Snapshot):
        raise ValueError("not a snapshot of this version")
    return snapshot


def load(path: Path) -> Snapshot | None:
    """The snapshot of the last build, or None when there is none (or it cannot be read)."""
    try:
        snapshot: Snapshot = read_pickle(path, _structure)
    except UNREADABLE:
        return None
    marks, cards = _marks(path).load(), _cards(path).load()
    if marks is None or cards is None or marks[0] != snapshot.token or cards[0] != snapshot.token:
        return None
    return replace(snapshot, marks=marks[1], cards=cards[1])


def forget(path: Path) -> None:
    """Delete the snapshot: the next build takes the full path."""
    path.unlink(missing_ok=True)
    _marks(path).remove()
    _cards(path).remove()


def save(path: Path, snapshot: Snapshot, quick: Quick | None = None) -> None:
    """Write the snapshot whole, or (after a quick build) only the marks and cards it changed."""
    if quick is None:
        structure = replace(snapshot, marks={}, cards={})
        write_pickle(path, (SNAPSHOT_VERSION, structure), structure)
        _marks(path).save(snapshot.token, snapshot.marks)
        _cards(path).save(snapshot.token, snapshot.cards)
    else:
        _marks(path).save_changes(snapshot.token, {key: snapshot.marks[key] for key in quick.changed})
        _cards(path).save_changes(snapshot.token, {p: snapshot.cards[p] for p in quick.cards})
