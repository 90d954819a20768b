"""Site stage: published articles assembled into editions (days), tags, months and years.

Everything a template may show is collected here, before any template runs. Lists hold
`Card`s, the part of an article a list shows, so a body edit leaves list pages alone.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .config import SiteConfig, shown_path
from .content import ArticleSource, Update
from .errors import BriefingError, Problem
from .images import Picture
from .markup import Body
from .text import shorten, slugify, typeset_text


@dataclass(frozen=True, slots=True)
class TagRef:
    """A tag as an article or list shows it: its name and its page."""

    name: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True)
class Card:
    """What a list shows of an article: kicker, headline, summary, time, byline."""

    url: str
    title: str
    summary: str
    date: datetime
    modified: datetime
    tags: tuple[TagRef, ...]
    authors: tuple[str, ...]
    path: str  # the article's file
    priority: int  # the desk's order within the day: 1 leads
    revision: str  # the kind of its newest update ("correction", "update"), or ""
    section: TagRef | None
    digest: str
    picture: Picture | None = None  # the lead photo, for a lead story or a theme's thumbnails

    @property
    def kicker(self) -> TagRef | None:
        """The section, else the first tag, shown above the headline."""
        return self.section or (self.tags[0] if self.tags else None)


@dataclass(frozen=True, slots=True)
class Article:
    """A published article, ready for its page."""

    path: str
    url: str
    title: str
    slug: str
    date: datetime
    modified: datetime
    tags: tuple[TagRef, ...]
    summary: str
    authors: tuple[str, ...]
    image_credit: str | None
    image_caption: str | None
    image: str | None
    image_alt: str
    draft: bool
    updates: tuple[Update, ...]
    extra: dict[str, Any]
    template: str
    template_line: int
    dateline: str | None
    agency: str | None
    aliases: tuple[str, ...]
    html: str
    words: int
    digest: str
    card: Card
    picture: Picture | None = None  # `image`, made into renditions

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the body at 230 words a minute, at least one."""
        return max(1, round(self.words / 230))


@dataclass(frozen=True, slots=True)
class EditionLink:
    """A link to a day's edition."""

    day: date
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class Briefing:
    """One day's edition: every article of the day, newest first, with its neighbours."""

    day: date
    url: str
    cards: tuple[Card, ...]
    previous: EditionLink | None
    next: EditionLink | None

    @property
    def digest(self) -> str:
        """Of everything above: what a page showing this edition depends on."""
        return _digest(self.day.isoformat(), *(c.digest for c in self.cards), repr(self.previous), repr(self.next))

    @property
    def link(self) -> EditionLink:
        """This edition as a link."""
        return EditionLink(self.day, self.url, len(self.cards))


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag and its articles, newest first."""

    ref: TagRef
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class Month:
    """A month's archive: its editions, newest first."""

    first_day: date
    url: str
    briefings: tuple[Briefing, ...]

    @property
    def digest(self) -> str:
        """Of its editions: what a page showing this month depends on."""
        return _digest(self.first_day.isoformat(), *(b.digest for b in self.briefings))


@dataclass(frozen=True, slots=True)
class Year:
    """A year's archive: links to its months and editions."""

    year: int
    url: str
    months: tuple[Month, ...]

    @property
    def digest(self) -> str:
        """Of its months: what a page showing this year depends on."""
        return _digest(str(self.year), *(m.digest for m in self.months))


@dataclass(frozen=True, slots=True)
class Site:
    """The whole published site, fully cross-linked, before any page is planned."""

    articles: tuple[Article, ...]  # newest first
    briefings: tuple[Briefing, ...]  # newest first
    tags: tuple[Tag, ...]  # by name
    sections: tuple[Tag, ...]  # in the site's order, each with its articles, newest first
    months: tuple[Month, ...]
    years: tuple[Year, ...]
    neighbours: dict[str, tuple[Card | None, Card | None]]  # url -> (older, newer)
    related: dict[str, tuple[Card, ...]]
    next_due: ArticleSource | None  # the next scheduled article, if any
    withdrawn: tuple[Withdrawn, ...] = ()  # stories withdrawn after publication, by URL


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A story withdrawn after it was published: its URL says so, and no list, feed or sitemap
    names it."""

    url: str
    title: str
    reason: str
    date: datetime
    path: str
    digest: str


def article_url(when: datetime, slug: str) -> str:
    """/YYYY/MM/DD/<slug>/ for the article's day in the site's zone."""
    return f"/{when:%Y/%m/%d}/{slug}/"


def day_url(day: date) -> str:
    """/YYYY/MM/DD/ for an edition."""
    return f"/{day:%Y/%m/%d}/"


def assemble(config: SiteConfig, sources: Iterable[ArticleSource], bodies: Mapping[str, Body], now: datetime) -> Site:
    """Pick what is published at `now` (drafts were left out before, unless wanted) and build
    every list the site shows."""
    wanted = list(sources)
    published = [s for s in wanted if s.date <= now and s.withdrawn is None]
    scheduled = [s for s in wanted if s.date > now and s.withdrawn is None]
    withdrawn = tuple(
        Withdrawn(article_url(s.date, s.slug), s.title, s.withdrawn, s.date, s.path, s.digest)
        for s in sorted(wanted, key=lambda s: s.path)
        if s.withdrawn is not None and s.date <= now
    )
    _one_url_each(published)
    tag_refs = _tag_refs(config, published)
    articles = [_article(s, bodies[s.body_sha], tag_refs) for s in published]
    next_due = min(scheduled, key=lambda s: (s.date, s.path), default=None)
    site = arrange(articles, config.related, next_due, sections=config.sections)
    return replace(site, withdrawn=withdrawn)


def _one_url_each(published: list[ArticleSource]) -> None:
    """Fail naming both files when two published articles would have one URL (one slug on one
    day): the lists are made by URL, so this is found before them."""
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for source in sorted(published, key=lambda s: s.path):
        url = article_url(source.date, source.slug)
        other = seen.setdefault(url, source.path)
        if other != source.path:
            problems.append(url_clash(source.path, url, other))
    if problems:
        raise BriefingError(problems)


def url_clash(origin: str, url: str, other: str) -> Problem:
    """The problem of a source (`origin`) that would write a URL another already writes."""
    return Problem(origin, None, f"would write {url}, as {other} does too", "give one of them another slug")


@dataclass(frozen=True, slots=True)
class Held:
    """A published article as the lists know it (its card and where its page is), standing in
    for the whole article where only lists are planned (see `briefing.state.snapshot.reshape`)."""

    card: Card
    aliases: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.card.url

    @property
    def path(self) -> str:
        return self.card.path

    @property
    def title(self) -> str:
        return self.card.title

    @property
    def date(self) -> datetime:
        return self.card.date

    @property
    def modified(self) -> datetime:
        return self.card.modified

    @property
    def tags(self) -> tuple[TagRef, ...]:
        return self.card.tags


def arrange(
    articles: Iterable[Any],
    related_limit: int,
    next_due: ArticleSource | None,
    related_only: set[str] | None = None,
    sections: tuple[str, ...] = (),
) -> Site:
    """The site's lists from its published articles (Articles, or `Held` cards): editions,
    tags, months, years, neighbours, and the related articles of each (or of those named)."""
    ordered = sorted(articles, key=newest_first)
    briefings = _briefings(ordered)
    by_tag: dict[str, list[Card]] = defaultdict(list)
    refs: dict[str, TagRef] = {}
    for article in ordered:
        for ref in article.tags:
            by_tag[ref.name].append(article.card)
            refs[ref.name] = ref
    tags = tuple(Tag(refs[name], tuple(cards)) for name, cards in sorted(by_tag.items(), key=_tag_order))
    in_section: dict[str, list[Card]] = {name: [] for name in sections}
    for article in ordered:
        if article.card.section is not None and article.card.section.name in in_section:
            in_section[article.card.section.name].append(article.card)
    months = _months(briefings)
    return Site(
        articles=tuple(ordered),
        briefings=briefings,
        tags=tags,
        sections=tuple(Tag(section_ref(name), tuple(cards)) for name, cards in in_section.items()),
        months=months,
        years=_years(months),
        neighbours=_neighbours(ordered),
        related=_related(ordered, by_tag, related_limit, related_only),
        next_due=next_due,
    )


def _tag_order(item: tuple[str, Any]) -> tuple[str, str]:
    return (item[0].casefold(), item[0])


def section_ref(name: str) -> TagRef:
    """A section's name and front page."""
    slug = slugify(name)
    return TagRef(name, slug, f"/sections/{slug}/")


def tag_ref(name: str) -> TagRef:
    """A tag's name and page."""
    slug = slugify(name)
    return TagRef(name, slug, f"/tags/{slug}/")


def _tag_refs(config: SiteConfig, sources: list[ArticleSource]) -> dict[str, TagRef]:
    """One TagRef per tag name; two names with one URL are an error naming both."""
    first_use: dict[str, str] = {}
    for source in sources:
        for name in source.tags:
            first_use.setdefault(name, source.path)
    refs: dict[str, TagRef] = {}
    by_slug: dict[str, str] = {}
    problems: list[Problem] = []
    for name in sorted(first_use):
        slug = slugify(name)
        if not slug:
            problems.append(
                Problem(
                    shown_path(config.root / first_use[name]),
                    None,
                    f"tag {name!r} has no letters or digits to make its URL from",
                )
            )
            continue
        if slug in by_slug:
            other = by_slug[slug]
            problems.append(
                Problem(
                    shown_path(config.root / first_use[name]),
                    None,
                    f"tag {name!r} and tag {other!r} (used in {shown_path(config.root / first_use[other])}) "
                    f"would both be /tags/{slug}/",
                    "spell the tag the same way in both articles",
                )
            )
            continue
        by_slug[slug] = name
        refs[name] = tag_ref(name)
    if problems:
        raise BriefingError(problems)
    return refs


def place(source: ArticleSource) -> str:
    """Where an article goes: its URL, day, tags, draft flag, modified time (for sitemaps and
    the site's order), aliases, priority (the day's order), section and the template of its page. An
    edit that keeps its place changes only the pages that show it, as a card or whole: every
    list keeps its shape (no order depends on a headline)."""
    where: tuple[object, ...] = (source.date, source.slug, source.tags, source.draft, source.modified, source.aliases)
    if source.withdrawn is not None:  # its page shows its headline and the reason
        where += (source.withdrawn, source.title)
    return _digest(repr((*where, source.priority, source.section, source.template, source.template_line)))


def article_from(source: ArticleSource, body: Body) -> Article:
    """The published article, as `assemble` makes it (its tags cannot collide: they are the
    ones the last full build checked)."""
    return _article(source, body, {name: tag_ref(name) for name in source.tags})


def _article(source: ArticleSource, body: Body, tag_refs: dict[str, TagRef]) -> Article:
    url = article_url(source.date, source.slug)
    tags = tuple(tag_refs[name] for name in source.tags)
    # A summary given empty is none (a one-sentence flash); a missing one is the lede. Titles
    # and summaries get the body's typography wherever they are shown.
    summary = typeset_text(source.summary if source.summary is not None else shorten(body.lede))
    title = typeset_text(source.title)
    # the tags by name: a TagRef follows from its name
    revision = source.updates[-1].kind if source.updates else ""
    section = section_ref(source.section) if source.section else None
    facts = (source.date, source.modified, source.tags, source.authors, source.priority, revision, source.section)
    picture = source.picture
    digest = _digest(repr((url, title, summary, *facts)), picture.key if picture else "")
    card = Card(
        url,
        title,
        summary,
        source.date,
        source.modified,
        tags,
        source.authors,
        source.path,
        source.priority,
        revision,
        section,
        digest,
        picture,
    )
    return Article(
        path=source.path,
        url=url,
        title=title,
        slug=source.slug,
        date=source.date,
        modified=source.modified,
        tags=tags,
        summary=summary,
        authors=source.authors,
        image_credit=source.image_credit,
        image_caption=source.image_caption,
        image=source.image,
        image_alt=source.image_alt,
        draft=source.draft,
        updates=source.updates,
        extra=source.extra,
        template=source.template,
        template_line=source.template_line,
        dateline=source.dateline,
        agency=source.agency,
        aliases=source.aliases,
        html=body.html,
        words=body.words,
        digest=source.digest,
        card=card,
        picture=picture,
    )


def newest_first(article: Any) -> tuple[float, float, str]:
    """The site's order (feeds, archives, tags, neighbours): newest first; at the same time, the
    one updated last; then a fixed order that is not the headline's alphabet (a hash of the
    URL), so a retitled story keeps its place."""
    return (-article.date.timestamp(), -article.modified.timestamp(), hashlib.sha256(article.url.encode()).hexdigest())


def _briefings(articles: list[Any]) -> tuple[Briefing, ...]:
    """The editions, newest first; within each, the desk's order: priority first (1 leads), then
    the site's order."""
    by_day: dict[date, list[Card]] = defaultdict(list)
    for article in articles:  # in the site's order
        by_day[article.date.date()].append(article.card)
    for day_cards in by_day.values():
        day_cards.sort(key=lambda card: card.priority)  # a stable sort: the site's order within a priority
    days = sorted(by_day, reverse=True)
    links = [EditionLink(day, day_url(day), len(by_day[day])) for day in days]
    briefings = []
    for i, day in enumerate(days):
        cards = tuple(by_day[day])
        previous = links[i + 1] if i + 1 < len(links) else None
        following = links[i - 1] if i > 0 else None
        briefings.append(Briefing(day, day_url(day), cards, previous, following))
    return tuple(briefings)


def _months(briefings: tuple[Briefing, ...]) -> tuple[Month, ...]:
    by_month: dict[date, list[Briefing]] = defaultdict(list)
    for briefing in briefings:
        by_month[briefing.day.replace(day=1)].append(briefing)
    return tuple(
        Month(first, f"/{first:%Y/%m}/", tuple(items)) for first, items in sorted(by_month.items(), reverse=True)
    )


def _years(months: tuple[Month, ...]) -> tuple[Year, ...]:
    by_year: dict[int, list[Month]] = defaultdict(list)
    for month in months:
        by_year[month.first_day.year].append(month)
    return tuple(Year(year, f"/{year}/", tuple(items)) for year, items in sorted(by_year.items(), reverse=True))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _neighbours(articles: list[Article]) -> dict[str, tuple[Card | None, Card | None]]:
    """For each article, the one published just before it and just after it."""
    cards = [a.card for a in articles]
    return {
        card.url: (cards[i + 1] if i + 1 < len(cards) else None, cards[i - 1] if i > 0 else None)
        for i, card in enumerate(cards)
    }


def related_of(site: Site, limit: int, only: set[str]) -> dict[str, tuple[Card, ...]]:
    """The related articles of the articles named (as `arrange` finds them)."""
    return _related(list(site.articles), {t.ref.name: list(t.cards) for t in site.tags}, limit, only)


RELATED_WINDOW = 10  # per tag, the articles nearest in time that are considered


def tag_weight(count: int) -> int:
    """How much sharing a tag says two stories are related, in whole steps: a tag on one story
    weighs 12, and each doubling of its use one less (2-3 stories 11, 4-7 10, ... 2,048 and
    more 1). Whole steps of doubling, so an added story changes a tag's weight only when its
    count passes a power of two."""
    return max(1, 12 - count.bit_length() + 1)


RELATED_FLOOR = 7  # the least score that makes two stories related: one tag used by at most 63 stories


def _related(
    articles: list[Any], by_tag: dict[str, list[Card]], limit: int, only: set[str] | None = None
) -> dict[str, tuple[Card, ...]]:
    """Up to `limit` related articles for each article (or each named in `only`), listed
    newest first: chosen by the tags they share, each weighted by how rare it is
    (`tag_weight`; a pair that shares only a very common tag, below RELATED_FLOOR, is not
    related), ties going to the nearest in time. For news, 'related' means related and recent:
    only the RELATED_WINDOW articles on either side in each shared tag are considered, which
    keeps this linear in the number of articles and makes an article's list depend only on its
    neighbours in its tags and on its tags' weights."""
    if only is not None and not only:
        return {}
    rank = {a.url: i for i, a in enumerate(articles)}  # 0 is the newest
    chosen = [(i, a) for i, a in enumerate(articles) if only is None or a.url in only]
    # the ranks of each tag's articles (ascending: a tag lists its articles in the site's
    # order), of only the tags the chosen articles carry
    members = {
        name: [rank[card.url] for card in by_tag[name]] for name in {ref.name for _, a in chosen for ref in a.tags}
    }
    weight = {name: tag_weight(len(ranks)) for name, ranks in members.items()}
    related: dict[str, tuple[Card, ...]] = {}
    for here, article in chosen:
        score: dict[int, int] = {}
        for ref in article.tags:
            ranks = members[ref.name]
            at = bisect.bisect_left(ranks, here)
            for other in ranks[max(0, at - RELATED_WINDOW) : at + RELATED_WINDOW + 1]:
                score[other] = score.get(other, 0) + weight[ref.name]
        score.pop(here, None)
        when = article.date
        best = sorted(
            (-points, abs(articles[other].date - when), other)
            for other, points in score.items()
            if points >= RELATED_FLOOR
        )[:limit]
        related[article.url] = tuple(articles[other].card for other in sorted(other for _, _, other in best))
    return related
