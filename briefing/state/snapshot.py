"""The quick path: a build in which only what some pages show of some articles has changed.

A full build loads every article, assembles the whole site and plans every page. Most edits in
a newsroom leave an article's *place* as it was: its URL, day, tags, draft flag and modified
time. A body edit changes only the pages
that hold the article whole (its own page, the feeds it is in); a headline or summary edit
also the pages that show its card (its day, month and year, its tags' pages, the home page,
its neighbours and the articles that list it as related). Every other page is already right.

So every build leaves a `Snapshot` beside its manifest: each article file's stamp, place and
warnings; each published article's card; and each page that shows cards or holds articles,
as a recipe with those by path. The next build parses only the files whose stamps changed;
when each keeps its place (and the settings, the set of files and what the clock publishes
are as they were), it re-plans just the pages that show or hold them, re-making the other
articles those pages hold from the cache. When articles were only added (`reshape`), the lists
are arranged again from the cards, with the new articles whole and every other one a `Held`
card, and only the pages that hold or list a new article are planned; the recipes of those
whose keys changed are made again. Anything else (or anything missing) takes the full path,
which is always right; the incremental-equals-clean property test runs all three.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
import pickle
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..config import SiteConfig
from ..content import ArticleSource, PlainPage, load_article
from ..errors import BriefingError, Problem
from ..markup import render_bodies
from ..pages import NEWS_WINDOW, NEWSLETTER_FILES, PLAIN_TYPES, Page, Plain, make_page, plan
from ..search import available as search_available
from ..site import (
    RELATED_WINDOW,
    Article,
    Card,
    Held,
    Site,
    arrange,
    article_from,
    newest_first,
    place,
    related_of,
    tag_weight,
)
from .cache import UNREADABLE, Blobs, BlobTable, Layered, Store, read_pickle, register_compact, write_pickle

SNAPSHOT_VERSION = 15
_DAY = re.compile(r"/\d{4}/\d\d/\d\d/")  # an edition's URL


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
    # quick build reads and unpickles the few it needs, not all 120,000
    recipes: Blobs
    urls: tuple[str, ...]  # the URL of each recipe's page, in the same order
    keys: tuple[str, ...]  # and its key (`Page.key`): a page planned again with the same key is as it was
    # article path -> the recipes (by their place in `recipes`) of the pages holding it whole,
    # and of those showing its card: numbers, as a hundred thousand file names load slowly
    whole: dict[str, tuple[int, ...]]
    shown: dict[str, tuple[int, ...]]
    pages: int
    next_due: tuple[datetime, str] | None
    withdrawn: frozenset[str] = frozenset()  # the paths of withdrawn stories, whose pages say so
    marks: dict[str, Mark] = field(default_factory=dict)  # article file -> its mark, in file order
    cards: dict[str, Card] = field(default_factory=dict)  # article path -> card, when published


@dataclass(frozen=True, slots=True)
class Quick:
    """The quick path's plan: the pages to render, and the snapshot once they are written."""

    pages: list[Page]
    snapshot: Snapshot
    changed: list[str]  # the article files read
    cards: list[str]  # the articles whose cards changed
    restructured: bool = False  # pages came or went: the tables of pages are saved whole
    recipes: tuple[int, ...] = ()  # the recipes made again (by number), saved as a delta
    gone: list[str] = field(default_factory=list)  # output files no page writes any more

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
    urls: list[str] = []
    keys: list[str] = []
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
            urls.append(page.url)
            keys.append(page.key)
            for path in held:
                whole[path].append(number)
            for path in showing:
                shown[path].append(number)
    return Snapshot(
        token=uuid.uuid4().hex,
        settings=settings,
        now=now,
        valid_until=valid_until,
        recipes=Blobs.of(recipes),
        urls=tuple(urls),
        keys=tuple(keys),
        whole={p: tuple(f) for p, f in whole.items()},
        shown={p: tuple(f) for p, f in shown.items()},
        pages=count,
        next_due=(site.next_due.date, site.next_due.path) if site.next_due else None,
        withdrawn=frozenset(story.path for story in site.withdrawn),
        marks={key: Mark(stamps[key], place(source), notes) for key, (source, notes) in loaded.items()},
        cards={a.path: a.card for a in site.articles},
    )


def _refer(value: Any, held: set[str], showing: set[str]) -> Any:
    """value with each Article and Card replaced by a reference (their paths noted in `held`
    and `showing`), and each dataclass holding them by a Remake."""
    kind = type(value)
    if kind in PLAIN_TYPES or kind is Plain:
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
    if kind in PLAIN_TYPES or kind is Plain:
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


class _Missing(Exception):
    """An article the quick path needs is not in the cache."""


def quick(
    config: SiteConfig,
    snapshot: Snapshot | None,
    settings: str,
    stamps: dict[str, str | None],
    now: datetime,
    store: Store,
    written: Collection[str] = (),
    plain: tuple[PlainPage, ...] = (),
    drafts: bool = False,
) -> Quick | None:
    """The pages to build when every changed article keeps its place, or when articles came
    or went (`reshape`; `written`: the files the last build left; `drafts`: drafts are
    published); None for a full build."""
    if snapshot is None or snapshot.settings != settings:
        return None
    if now < snapshot.now:
        return None
    if (snapshot.valid_until is not None and now >= snapshot.valid_until) or stamps.keys() != snapshot.marks.keys():
        # the clock may have published an article or moved the news window; files came or went
        return reshape(config, snapshot, stamps, now, store, written, plain, drafts)
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
            return reshape(config, snapshot, stamps, now, store, written, plain, drafts)
        marks[key] = mark
        parsed.append((key, mark.stamp, source, notes))
        old = cards.get(source.path)
        if old is None:
            continue  # not published (scheduled, or a draft left out): no page shows it
        body = render_bodies({source.body_sha: source.body}, store, parallel=False)[source.body_sha]
        made = fresh[source.path] = article_from(source, body)
        files.update(snapshot.whole.get(source.path, ()))
        if made.card.digest != old.digest:
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


def reshape(
    config: SiteConfig,
    snapshot: Snapshot,
    stamps: dict[str, str | None],
    now: datetime,
    store: Store,
    written: Collection[str],
    plain: tuple[PlainPage, ...],
    drafts: bool = False,
) -> Quick | None:
    """The pages to build when articles came or went and every other one kept its place. An
    article comes when its file is added, its draft flag is taken off or its scheduled time
    arrives; it goes when its file is deleted or it is made a draft (or scheduled again). The
    lists are arranged again from the cards alone, and only the pages that hold or list an
    article that came or went are planned — its page, its neighbours and the articles whose
    related lists it enters or leaves (and every story of a tag whose weight changed), its
    edition and those beside it, every month and year, the home page, the tag index, the
    archive and subscribe pages, every page and feed of its tags and section, the site's feeds
    and sitemaps. The pages of an article that went, and the pages no list has any more (a
    day, a tag, a page of a tag's listing, a numbered sitemap), are deleted. None for a full
    build: an edit that moves an article, a clash of URLs or tags, an article with aliases
    coming, anything missing from the cache."""
    root = config.root
    cards = dict(snapshot.cards)
    marks: dict[str, Mark] = {}
    fresh: dict[str, Article] = {}
    parsed: list[tuple[str, str | None, ArticleSource, list[Problem]]] = []
    again: set[str] = set()  # pages of articles read again: planned, in case their bodies changed
    gone: set[str] = set()  # the paths of the articles that went
    coming: list[ArticleSource] = []
    due: list[tuple[datetime, str]] = []  # (date, path) of the scheduled articles read now

    def shown_now(source: ArticleSource) -> bool:
        return (drafts or not source.draft) and source.date <= now and source.withdrawn is None

    def scheduled(source: ArticleSource) -> bool:
        return (drafts or not source.draft) and source.date > now and source.withdrawn is None

    def cached(key: str, mark: Mark) -> ArticleSource | None:
        found = store.article(key, mark.stamp or "") if mark.stamp else None
        return found[0] if found else None

    for key, mark in snapshot.marks.items():
        if key not in stamps:  # deleted
            path = Path(key).relative_to(root).as_posix()
            if path in snapshot.withdrawn:
                return None  # its page goes too: the full path
            if path in cards:
                gone.add(path)
                del cards[path]
            continue
        stamp = stamps[key]
        if stamp is not None and stamp == mark.stamp:
            marks[key] = mark
            continue
        try:
            source, notes = load_article(Path(key), config)
        except BriefingError:
            return None  # the full path reports it, with every other problem
        marks[key] = Mark(stamp, place(source), tuple(notes))
        parsed.append((key, stamp, source, notes))
        if source.withdrawn is not None or source.path in snapshot.withdrawn:
            return None  # withdrawn, or no longer: its page changes kind (the full path)
        was = source.path in snapshot.cards
        if scheduled(source):
            due.append((source.date, source.path))
        if marks[key].place != mark.place:
            if was and not shown_now(source):  # made a draft, or scheduled again
                gone.add(source.path)
                del cards[source.path]
            elif not was and shown_now(source):  # the draft flag taken off
                coming.append(source)
            elif was:
                return None  # moved, retagged, redated: the full path
            continue
        if not was:
            if shown_now(source):  # an edited scheduled article whose time came
                coming.append(source)
            continue  # else not published (scheduled, or a draft left out): no page shows it
        body = render_bodies({source.body_sha: source.body}, store, parallel=False)[source.body_sha]
        made = fresh[source.path] = article_from(source, body)
        if made.card.digest != snapshot.cards[source.path].digest:
            return None  # a headline edit beside an addition: the full path
        again.update([made.url, *(f"{ref.url}feed.xml" for ref in made.tags)])
    for key in stamps:
        if key in snapshot.marks:
            continue
        try:
            source, notes = load_article(Path(key), config)
        except BriefingError:
            return None
        marks[key] = Mark(stamps[key], place(source), tuple(notes))
        parsed.append((key, stamps[key], source, notes))
        if source.withdrawn is not None:
            return None
        if shown_now(source):
            coming.append(source)
        elif scheduled(source):
            due.append((source.date, source.path))
    read = {source.path for _, _, source, _ in parsed}
    next_due = snapshot.next_due
    if next_due is not None and (next_due[0] <= now or next_due[1] in gone or next_due[1] in read):
        # the next scheduled article came due, went or was edited: every unpublished article
        # the last build saw is looked at again (from the cache) for what falls due now, and next
        next_due = None
        for key, mark in snapshot.marks.items():
            path = Path(key).relative_to(root).as_posix()
            if key not in stamps or path in snapshot.cards or path in read:
                continue
            unpublished = cached(key, mark)
            if unpublished is None or (unpublished.withdrawn is not None and unpublished.date <= now):
                return None
            if shown_now(unpublished):
                coming.append(unpublished)
            elif scheduled(unpublished):
                due.append((unpublished.date, unpublished.path))
    elif next_due is not None:
        due.append(next_due)
    next_due = min(due, default=None)
    taken = {card.url for card in cards.values()}
    tags = {ref.slug: ref.name for card in cards.values() for ref in card.tags}
    new: dict[str, Article] = {}
    for source in coming:
        if source.aliases or (not source.body and store.body(source.body_sha) is None):
            return None  # an article read from the cache keeps no text: its body must be there
        body = render_bodies({source.body_sha: source.body}, store, parallel=False)[source.body_sha]
        made = article_from(source, body)
        clash = made.url in taken or any(tags.get(ref.slug, ref.name) != ref.name or not ref.slug for ref in made.tags)
        if clash:
            return None
        taken.add(made.url)
        tags.update((ref.slug, ref.name) for ref in made.tags)
        fresh[made.path] = new[made.path] = made
        cards[made.path] = made.card
    marks = {key: marks[key] for key in stamps}  # in file order, as a full build keeps them
    everything = [fresh.get(path) or Held(card) for path, card in cards.items()]
    site = arrange(everything, config.related, None, set(), config.sections)
    # a tag whose weight changed (its count passed a power of two): every story of it may have
    # another related list
    after = {tag.ref.name: len(tag.cards) for tag in site.tags}
    grew: dict[str, int] = {}
    for refs, step in [*((made.tags, 1) for made in new.values()), *((snapshot.cards[p].tags, -1) for p in gone)]:
        for ref in refs:
            grew[ref.name] = grew.get(ref.name, 0) + step
    reweighed = {
        name for name, step in grew.items() if tag_weight(after.get(name, 0)) != tag_weight(after.get(name, 0) - step)
    }
    wanted_urls, tag_urls = _touched(site, new)
    wanted_urls |= again
    wanted_urls |= {card.url for tag in site.tags if tag.ref.name in reweighed for card in tag.cards}
    if gone:
        # Every page that held or showed it (its own, its aliases', the lists' and related
        # lists') and every page its place in the lists touched, as the site was: each is
        # planned, and one the plan no longer makes is deleted.
        old_urls, old_tag_urls = _touched_by_going(site, [snapshot.cards[path] for path in gone])
        wanted_urls |= old_urls
        tag_urls = tuple(sorted({*tag_urls, *old_tag_urls}))
        for path in gone:
            numbers = (*snapshot.whole.get(path, ()), *snapshot.shown.get(path, ()))
            wanted_urls.update(snapshot.urls[n] for n in numbers)
    wanted_urls |= {url + name for url in wanted_urls if _DAY.fullmatch(url) for name in NEWSLETTER_FILES}
    site = replace(site, related=related_of(site, config.related, wanted_urls))
    try:
        pages = plan(
            config,
            site,
            now,
            config.search and search_available(),
            lambda url: url in wanted_urls or url.startswith(tag_urls),
            lambda held: fresh.get(held.path) or _whole(config, held, marks, store, fresh),
            plain,
        )
    except _Missing:
        return None
    made_files = {page.file for page in pages}
    wanted_files = {_file(url) for url in wanted_urls}
    prefixes = tuple(url.lstrip("/") for url in tag_urls) + ("sitemap-",)
    stale = sorted(
        name for name in written if name not in made_files and (name in wanted_files or name.startswith(prefixes))
    )
    grown, replanned = _replan(snapshot, pages, written, [_url(name) for name in stale])
    if any(grown.whole.get(path) or grown.shown.get(path) for path in gone):
        return None  # a page still shows an article that went: never expected, but the full path is right
    for key, stamp, source, notes in parsed:
        if stamp is not None:
            store.put_article(key, stamp, source, notes)
    store.forget_articles({key for key in snapshot.marks if key not in stamps})
    moments = [card.date + NEWS_WINDOW for card in cards.values() if now - NEWS_WINDOW < card.date <= now]
    if next_due is not None:
        moments.append(next_due[0])
    grown = replace(grown, marks=marks, cards=cards, now=now, valid_until=min(moments, default=None), next_due=next_due)
    files = [key for key, *_ in parsed] + [key for key in snapshot.marks if key not in stamps]
    return Quick(pages, grown, files, [*new, *gone], True, tuple(sorted(replanned)), stale)


def _file(url: str) -> str:
    """The output file of a page's URL (as `Page.file`)."""
    return url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/")


def _url(file: str) -> str:
    """The URL of an output file."""
    return "/" + file.removesuffix("index.html")


def _touched(site: Site, fresh: Mapping[str, Article | Held]) -> tuple[set[str], tuple[str, ...]]:
    """The URLs of the pages an article that came (or, in the site before it went, an article
    that went) may change, and the URLs its tags' pages start with."""
    urls = {"/", "/tags/", "/archive/", "/subscribe/", "/feed.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml"}
    urls.update(m.url for m in site.months)
    urls.update(y.url for y in site.years)
    days = [b.url for b in site.briefings]
    tag_urls: set[str] = set()
    by_tag = {t.ref.name: [c.url for c in t.cards] for t in site.tags}
    for article in fresh.values():
        urls.add(article.url)
        older, newer = site.neighbours[article.url]
        urls.update(c.url for c in (older, newer) if c is not None)
        day = days.index(f"/{article.date:%Y/%m/%d}/")
        urls.update(days[max(0, day - 1) : day + 2])
        if article.card.section is not None:
            tag_urls.add(article.card.section.url)  # its section front's pages and feed
        for ref in article.tags:
            tag_urls.add(ref.url)
            members = by_tag[ref.name]
            at = members.index(article.url)
            reach = RELATED_WINDOW + 1  # the window of each of these may now hold the new article
            urls.update(members[max(0, at - reach) : at + reach + 1])
    return urls, tuple(sorted(tag_urls))


def _touched_by_going(site: Site, going: Iterable[Card]) -> tuple[set[str], set[str]]:
    """The URLs of the pages an article that went may have changed, and the URLs its tags'
    pages start with: found in the site without it, where it stood in each list (its day,
    month and year, whether still there or not; the items on either side of the gap)."""
    urls: set[str] = set()
    tag_urls: set[str] = set()
    days = [b.url for b in site.briefings]  # newest first
    by_tag = {t.ref.name: t.cards for t in site.tags}
    reach = RELATED_WINDOW + 1
    for card in going:
        key = newest_first(card)
        at = bisect.bisect_left(site.articles, key, key=newest_first)
        urls.update(a.url for a in site.articles[max(0, at - 1) : at + 1])  # its neighbours
        day = f"/{card.date:%Y/%m/%d}/"
        at = sum(1 for url in days if url > day)
        urls.update([day, day[:9], day[:6], *days[max(0, at - 1) : at + 2]])
        if card.section is not None:
            tag_urls.add(card.section.url)
        for ref in card.tags:
            tag_urls.add(ref.url)
            members = by_tag.get(ref.name, ())
            at = bisect.bisect_left(members, key, key=newest_first)
            urls.update(c.url for c in members[max(0, at - reach) : at + reach])
    return urls, tag_urls


def _whole(config: SiteConfig, held: Held, marks: dict[str, Mark], store: Store, fresh: dict[str, Article]) -> Article:
    key = str(config.root / held.path)
    cached = store.article(key, marks[key].stamp or "") if key in marks else None
    body = store.body(cached[0].body_sha) if cached else None
    if cached is None or body is None:
        raise _Missing(held.path)
    fresh[held.path] = article_from(cached[0], body)
    return fresh[held.path]


def _replan(
    snapshot: Snapshot, pages: list[Page], written: Collection[str], vanished: Iterable[str] = ()
) -> tuple[Snapshot, set[int]]:
    """The snapshot with the recipes of these pages made again (or added) where their keys
    changed, those of pages that went emptied, and the references from articles to them
    moved along; and the numbers of the recipes changed."""
    at = {url: number for number, url in enumerate(snapshot.urls)}
    urls, keys = list(snapshot.urls), list(snapshot.keys)
    made: dict[int, bytes] = {}  # the recipes made again, or added, by number

    def recipe(number: int) -> bytes:
        return made[number] if number in made else snapshot.recipes[number]

    whole, shown = dict(snapshot.whole), dict(snapshot.shown)
    tables = {"whole": whole, "shown": shown}
    moved: dict[tuple[str, str], tuple[set[int], set[int]]] = {}  # (table, path) -> (numbers gone, come)

    def move(table: str, path: str, number: int, come: bool) -> None:
        moved.setdefault((table, path), (set(), set()))[1 if come else 0].add(number)

    def forget(number: int) -> None:  # the recipe's references, as they were
        old_held: set[str] = set()
        old_showing: set[str] = set()
        _references(pickle.loads(recipe(number)).context, old_held, old_showing)
        for path in old_held:
            move("whole", path, number, False)
        for path in old_showing:
            move("shown", path, number, False)

    added = 0
    changed: set[int] = set()
    for url in vanished:
        added -= 1
        number = at.pop(url, None)
        if number is not None:
            forget(number)
            made[number], urls[number], keys[number] = pickle.dumps(None), "", ""
            changed.add(number)
    for page in pages:
        added += page.file not in written
        number = at.get(page.url)
        if number is not None and keys[number] == page.key:
            continue  # planned again as it was: its recipe stands
        held: set[str] = set()
        showing: set[str] = set()
        context = {name: _refer(value, held, showing) for name, value in page.context.items()}
        if number is None:
            if not (held or showing):
                continue
            number = at[page.url] = len(urls)
            urls.append(page.url)
            keys.append("")
        else:
            forget(number)
        made[number] = pickle.dumps(Recipe(page.url, page.template, page.origin, page.origin_line, context), protocol=5)
        keys[number] = page.key
        changed.add(number)
        for path in held:
            move("whole", path, number, True)
        for path in showing:
            move("shown", path, number, True)
    for (table_name, path), (gone, come) in moved.items():
        table = tables[table_name]
        numbers = (set(table.get(path, ())) - gone) | come
        if numbers:
            table[path] = tuple(sorted(numbers))
        else:
            table.pop(path, None)
    grown = replace(
        snapshot,
        recipes=snapshot.recipes.with_put(made, len(urls)),
        urls=tuple(urls),
        keys=tuple(keys),
        whole=whole,
        shown=shown,
        pages=snapshot.pages + added,
    )
    return grown, changed


def _references(value: Any, held: set[str], showing: set[str]) -> None:
    """The paths of the articles and cards a recipe's context refers to."""
    kind = type(value)
    if kind is ArticleRef:
        held.add(value)
    elif kind is CardRef:
        showing.add(value)
    elif kind is tuple or kind is list:
        for item in value:
            _references(item, held, showing)
    elif kind is Remake:
        for item in value.fields:
            _references(item, held, showing)
    elif kind is dict:
        for item in value.values():
            _references(item, held, showing)


def snapshot_path(manifest_file: Path) -> Path:
    """Where the snapshot of the builds into an output folder lives (its marks beside it)."""
    return manifest_file.with_suffix(".snapshot")


def _marks(path: Path) -> Layered[Mark]:
    return Layered(path.with_suffix(".marks"), SNAPSHOT_VERSION, tuple, lambda row: Mark(*row))


def _recipes(path: Path) -> BlobTable:
    """The recipes by number, each pickled on its own."""
    return BlobTable(path.with_suffix(".recipes"), SNAPSHOT_VERSION)


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
    marks, cards, recipes = _marks(path).load(), _cards(path).load(), _recipes(path).load()
    if marks is None or cards is None or recipes is None:
        return None
    if not marks[0] == cards[0] == recipes[0] == snapshot.token or len(recipes[1]) != len(snapshot.urls):
        return None
    return replace(snapshot, recipes=recipes[1], marks=marks[1], cards=cards[1])


def forget(path: Path) -> None:
    """Delete the snapshot: the next build takes the full path."""
    path.unlink(missing_ok=True)
    _marks(path).remove()
    _cards(path).remove()
    _recipes(path).remove()


def save(path: Path, snapshot: Snapshot, quick: Quick | None = None) -> None:
    """Write the snapshot whole, or (after a quick build) only the marks, cards and recipes it
    changed (and, when pages came or went, the tables of pages)."""
    if quick is None or quick.restructured:
        structure = replace(snapshot, recipes=Blobs.of([]), marks={}, cards={})
        write_pickle(path, (SNAPSHOT_VERSION, structure), structure)
    token = snapshot.token
    if quick is None:
        _recipes(path).save(token, snapshot.recipes)
        _marks(path).save(token, snapshot.marks)
        _cards(path).save(token, snapshot.cards)
    else:
        if quick.recipes:
            recipes = {n: snapshot.recipes[n] for n in quick.recipes}
            _recipes(path).save_changes(token, recipes, snapshot.recipes)
        marks = {key: snapshot.marks.get(key) for key in quick.changed}
        _marks(path).save_changes(token, marks, lambda: snapshot.marks)
        _cards(path).save_changes(token, {p: snapshot.cards.get(p) for p in quick.cards}, lambda: snapshot.cards)
