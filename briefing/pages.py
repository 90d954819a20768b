"""Plan stage: the site model becomes the list of pages to write, each with its inputs key.

A page's key is a hash of exactly what its template is given (articles and cards by their
digests), so a page whose key is unchanged since the last build need not be rendered.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .config import SiteConfig, shown_path
from .content import PlainPage
from .errors import BriefingError, Problem
from .site import Card, Site, TagRef, url_clash


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where a page of a paginated list stands."""

    number: int
    count: int
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """One output page: its URL, the template that renders it, what the template is given,
    the hash of that, and where it comes from (for error messages)."""

    url: str
    template: str
    context: dict[str, Any]
    key: str
    origin: str
    origin_line: int | None = None

    @property
    def scanned(self) -> bool:
        """Whether its links and ids are read, to be checked: not of a sitemap (every URL in
        it is a page just planned) or a plain-text file."""
        return self.template not in UNSCANNED

    @property
    def file(self) -> str:
        """Path of the output file, relative to the output folder."""
        return self.url.lstrip("/") + "index.html" if self.url.endswith("/") else self.url.lstrip("/")


def plan(
    config: SiteConfig,
    site: Site,
    now: datetime,
    search: bool = False,
    wanted: Callable[[str], bool] | None = None,
    whole: Callable[[Any], Any] | None = None,
    plain: tuple[PlainPage, ...] = (),
) -> list[Page]:
    """Every page of the site, in a stable order; two pages with one URL fail the build.
    `now` picks the articles of the news sitemap (published in the two days before it);
    `search` says whether the search page can offer search. With `wanted`, only the pages
    whose URL it accepts, `whole` making each article they hold whole (the site then holds
    `Held` cards in their place). `plain` are the plain pages of content/pages/."""
    accept = wanted or (lambda url: True)
    pages = list(_pages(config, site, now, search, accept, whole or (lambda article: article), plain))
    seen: dict[str, Page] = {}
    problems: list[Problem] = []
    for page in pages:
        other = seen.setdefault(page.url, page)
        if other is not page:
            problems.append(url_clash(page.origin, page.url, other.origin))
    if problems:
        raise BriefingError(problems)
    return pages


NEWS_WINDOW = timedelta(days=2)
NEWSLETTER_FILES = ("newsletter.html", "newsletter.txt")  # in each edition's folder
UNSCANNED = frozenset({"sitemap.xml", "sitemap-index.xml", "news-sitemap.xml", "robots.txt", "newsletter.txt"})
NEWS_LIMIT = 1000


def _pages(
    config: SiteConfig,
    site: Site,
    now: datetime,
    search: bool,
    wanted: Callable[[str], bool],
    whole: Callable[[Any], Any],
    plain: tuple[PlainPage, ...],
) -> Iterator[Page]:
    """The pages `wanted` accepts; every HTML page's URL and last-modified time go into the
    sitemap all the same."""
    sitemap: list[tuple[str, datetime | None]] = []
    root = shown_path(config.root)

    def origin(path: str) -> str:
        return path if root == "." else f"{root}/{path}"  # as shown_path, without 10,000 Paths

    latest = site.briefings[0] if site.briefings else None
    shown = 1  # the latest edition, then earlier days' stories until home_stories are on the page
    stories = len(latest.cards) if latest else 0
    while shown < len(site.briefings) and stories < config.home_stories:
        stories += len(site.briefings[shown].cards)
        shown += 1
    earlier = site.briefings[1:shown]
    recent = tuple(b.link for b in site.briefings[shown : shown + config.home_days])
    sitemap.append(("/", _newest(c for b in site.briefings[:shown] for c in b.cards)))
    if wanted("/"):
        yield make_page("/", "home.html", "the home page", briefing=latest, earlier=earlier, recent=recent)
    for held in site.articles:
        sitemap.append((held.url, held.modified))
        if wanted(held.url):
            article = whole(held)
            older, newer = site.neighbours[article.url]
            yield make_page(
                article.url,
                article.template,
                origin(article.path),
                article.template_line,
                article=article,
                previous=older,
                next=newer,
                related=site.related[article.url],
            )
        for alias in held.aliases:  # a redirect page, kept out of sitemaps and feeds
            if wanted(alias):
                yield make_page(alias, "alias.html", origin(held.path), None, target=held.card)
    by_url = {a.url: a for a in site.articles}
    for briefing in site.briefings:
        sitemap.append((briefing.url, _newest(briefing.cards)))
        if wanted(briefing.url):
            yield make_page(briefing.url, "day.html", f"the edition of {briefing.day}", briefing=briefing)
        for name in NEWSLETTER_FILES:  # the edition as an email: kept out of sitemaps and feeds
            if wanted(briefing.url + name):
                whole_stories = tuple(whole(by_url[card.url]) for card in briefing.cards)
                about = f"the newsletter of {briefing.day}"
                yield make_page(briefing.url + name, name, about, briefing=briefing, stories=whole_stories)
    for month in site.months:
        sitemap.append((month.url, _newest(c for b in month.briefings for c in b.cards)))
        if wanted(month.url):
            yield make_page(month.url, "month.html", f"the archive of {month.first_day:%Y-%m}", month=month)
    for year in site.years:
        sitemap.append((year.url, _newest(c for m in year.months for b in m.briefings for c in b.cards)))
        if wanted(year.url):
            yield make_page(year.url, "year.html", f"the archive of {year.year}", year=year)
    newest = _newest(a.card for a in site.articles)
    counted = tuple((t.ref, len(t.cards)) for t in site.tags)
    sitemap.append(("/tags/", newest))
    if wanted("/tags/"):
        yield make_page("/tags/", "tags.html", "the tag index", tags=counted, letters=_by_letter(counted))
    sitemap.append(("/archive/", newest))
    if wanted("/archive/"):
        yield make_page("/archive/", "archive.html", "the archive", years=tuple(_archive(site)))
    sitemap.append(("/subscribe/", None))
    if wanted("/subscribe/"):
        sections = tuple(section.ref for section in site.sections)
        yield make_page("/subscribe/", "subscribe.html", "the subscribe page", tags=counted, sections=sections)
    for kind, listings in (("section", site.sections), ("tag", site.tags)):
        for listing in listings:
            yield from _listing(config, kind, listing.ref, listing.cards, sitemap, wanted, whole, by_url)
    for story in site.withdrawn:  # its URL keeps answering, saying so; noindex, in no sitemap
        if wanted(story.url):
            yield make_page(story.url, "withdrawn.html", origin(story.path), None, story=story)
    for page in plain:
        sitemap.append((page.url, None))
        if wanted(page.url):
            yield make_page(page.url, "page.html", origin(page.path), None, page=page)
    if wanted("/404.html"):
        yield make_page("/404.html", "404.html", "the not-found page")
    if wanted("/search/"):
        yield make_page("/search/", "search.html", "the search page", search_available=search)
    if wanted("/feed.xml") or wanted("/feed.json"):
        entries = tuple(whole(a) for a in site.articles[: config.feed_length])
        yield make_page("/feed.xml", "feed.xml", "the site feed", title=config.title, home="/", entries=entries)
        yield make_page("/feed.json", "feed.json", "the JSON feed", title=config.title, home="/", entries=entries)
    if wanted("/sitemap.xml"):
        yield from _sitemaps(sitemap, config.sitemap_urls)
    if wanted("/news-sitemap.xml"):
        news = tuple(a.card for a in site.articles if now - NEWS_WINDOW < a.date <= now)[:NEWS_LIMIT]
        yield make_page("/news-sitemap.xml", "news-sitemap.xml", "the news sitemap", cards=news)
    if wanted("/robots.txt"):
        yield make_page("/robots.txt", "robots.txt", "robots.txt")


def _sitemaps(sitemap: list[tuple[str, datetime | None]], limit: int) -> Iterator[Page]:
    """/sitemap.xml lists every page; past `limit` URLs (the protocol allows 50,000 in one
    file) it is an index of /sitemap-1.xml, /sitemap-2.xml ..., each with its newest lastmod."""
    if len(sitemap) <= limit:
        yield make_page("/sitemap.xml", "sitemap.xml", "the sitemap", pages=Plain(sitemap))
        return
    parts = []
    for number, start in enumerate(range(0, len(sitemap), limit), 1):
        chunk = sitemap[start : start + limit]
        url = f"/sitemap-{number}.xml"
        parts.append((url, max((m for _, m in chunk if m is not None), default=None)))
        yield make_page(url, "sitemap.xml", f"part {number} of the sitemap", pages=Plain(chunk))
    yield make_page("/sitemap.xml", "sitemap-index.xml", "the sitemap index", sitemaps=Plain(parts))


def _listing(
    config: SiteConfig,
    kind: str,
    ref: TagRef,
    cards: tuple[Card, ...],
    sitemap: list[tuple[str, datetime | None]],
    wanted: Callable[[str], bool],
    whole: Callable[[Any], Any],
    by_url: dict[str, Any],
) -> Iterator[Page]:
    """A section front's or a tag's pages, newest first, `per_page` to a page, and its feed."""
    chunks = [cards[i : i + config.per_page] for i in range(0, len(cards), config.per_page)] or [()]
    urls = [ref.url] + [f"{ref.url}page/{n}/" for n in range(2, len(chunks) + 1)]
    for number, (url, chunk) in enumerate(zip(urls, chunks, strict=True), 1):
        sitemap.append((url, _newest(chunk)))
        if wanted(url):
            pagination = Pagination(
                number,
                len(chunks),
                urls[number - 2] if number > 1 else None,
                urls[number] if number < len(urls) else None,
            )
            yield make_page(url, "tag.html", f"{kind} {ref.name!r}", tag=ref, cards=chunk, pagination=pagination)
    if wanted(f"{ref.url}feed.xml"):
        entries = tuple(whole(by_url[c.url]) for c in cards[: config.feed_length])
        yield make_page(
            f"{ref.url}feed.xml",
            "feed.xml",
            f"the feed of {kind} {ref.name!r}",
            title=f"{config.title}: {ref.name}",
            home=ref.url,
            entries=entries,
        )


def _by_letter(counted: tuple[tuple[TagRef, int], ...]) -> tuple[tuple[str, tuple[tuple[TagRef, int], ...]], ...]:
    """Tags under their first letter (A–Z, then '#' for the rest), the most used first in each."""
    groups: dict[str, list[tuple[TagRef, int]]] = {}
    for ref, count in counted:
        first = ref.slug[:1].upper()
        groups.setdefault(first if first.isalpha() else "#", []).append((ref, count))
    return tuple(
        (letter, tuple(sorted(items, key=lambda item: (-item[1], item[0].name.casefold()))))
        for letter, items in sorted(groups.items(), key=lambda group: (group[0] == "#", group[0]))
    )


@dataclass(frozen=True, slots=True)
class ArchiveYear:
    """A year of the archive: its months, each with its editions' days and story counts."""

    year: int
    url: str
    count: int
    months: tuple[tuple[date, str, int, tuple[tuple[date, str, int], ...]], ...]  # (first day, url, count, days)


def _archive(site: Site) -> Iterator[ArchiveYear]:
    """Years, months and days with the number of stories in each, newest first: plain values,
    so the archive page changes only when a count does."""
    for year in site.years:
        months = tuple(
            (
                month.first_day,
                month.url,
                sum(len(b.cards) for b in month.briefings),
                tuple((b.day, b.url, len(b.cards)) for b in month.briefings),
            )
            for month in year.months
        )
        yield ArchiveYear(year.year, year.url, sum(m[2] for m in months), months)


def _newest(cards: Iterable[Card]) -> datetime | None:
    return max((c.modified for c in cards), default=None)


def make_page(url: str, template: str, origin: str, origin_line: int | None = None, **context: Any) -> Page:
    """A page and its inputs key."""
    key = hashlib.sha256(f"{url}\0{template}\0{fingerprint(context)}".encode()).hexdigest()
    return Page(url, template, context, key, origin, origin_line)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


PLAIN_TYPES = frozenset({str, int, float, bool, type(None), datetime, date})  # compared by repr


class Plain(tuple[Any, ...]):
    """A tuple known to hold plain values only (the sitemap's thirteen thousand URLs and times):
    fingerprinted by its repr, and never walked for articles and cards."""

    __slots__ = ()


def fingerprint(value: Any) -> str:
    """A stable text standing for `value`: articles and cards by their digest, the rest by value."""
    kind = type(value)
    if kind in PLAIN_TYPES or kind is Plain:
        return repr(value)
    if kind is tuple or kind is list:
        return "[" + ",".join(map(fingerprint, value)) + "]"
    digest = getattr(value, "digest", None)
    if isinstance(digest, str):
        return digest
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ",".join(fingerprint(getattr(value, name)) for name in _field_names(type(value)))
        return f"{kind.__name__}({inner})"
    if isinstance(value, tuple | list):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in sorted(value.items())) + "}"
    return repr(value)
