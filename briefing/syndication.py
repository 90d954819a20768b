"""What feeds, sitemaps and structured data say about articles: ids, absolute HTML, JSON.

Templates call these (registered as Jinja globals); they are plain functions of the config and
the site model, so feeds, JSON-LD and pages all agree on every date and URL.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from markupsafe import escape as markup_escape

from . import htmlscan
from .config import SiteConfig
from .images import Picture
from .site import Article, Briefing


def rfc3339(moment: datetime) -> str:
    """2022-04-29T09:30:00+01:00: seconds, and the offset of the site's zone."""
    return moment.isoformat(timespec="seconds")


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL ('/2022/04/29/x/') as an absolute URL under base_url."""
    return config.base_url + url.lstrip("/")


def sitemap_urls(config: SiteConfig, pages: Sequence[tuple[str, datetime | None]]) -> Markup:
    """The <url> elements of a sitemap, one per (site URL, last-modified time), byte for byte
    what the loop in the default sitemap.xml's comment writes, in less than half its time (the
    loop costs about 6 µs a URL, and a sitemap of 50,000 URLs is rendered again whenever an
    article comes, goes or changes). A lastmod is an ISO time, which holds nothing to escape."""
    locs = [absolute(config, url) for url, _ in pages]
    joined = str(markup_escape("\n".join(locs))).split("\n")  # one call escapes them all
    escaped = joined if len(joined) == len(locs) else [str(markup_escape(loc)) for loc in locs]
    parts = []
    for loc, (_, lastmod) in zip(escaped, pages, strict=True):
        if lastmod:
            parts.append(f"  <url>\n    <loc>{loc}</loc>\n    <lastmod>{rfc3339(lastmod)}</lastmod>\n  </url>\n")
        else:
            parts.append(f"  <url>\n    <loc>{loc}</loc>\n  </url>\n")
    return Markup("".join(parts))


def media_url(config: SiteConfig, image: str) -> str:
    """An image named in front matter as an absolute URL: site paths are under base_url."""
    return absolute(config, image) if image.startswith("/") else image


def picture_ld(config: SiteConfig, picture: Picture) -> list[Any]:
    """A photo as JSON-LD ImageObjects: the 1200 × 630 crop and the widest rendition, each with
    its size (a remote photo: its URL alone), with caption and credit."""
    sized = [r for r in (picture.share, picture.renditions[-1] if picture.renditions else None) if r is not None]
    if not sized:
        return [media_url(config, picture.src)]
    found = []
    for rendition in sized:
        item: dict[str, Any] = {
            "@type": "ImageObject",
            "url": absolute(config, rendition.url),
            "width": rendition.width,
            "height": rendition.height,
        }
        if picture.caption:
            item["caption"] = picture.caption
        if picture.credit:
            item["creditText"] = picture.credit
        found.append(item)
    return found


def entry_id(config: SiteConfig, article: Article) -> str:
    """A tag URI (RFC 4151) from the site's host, the publication day and the article's file:
    it does not change when the title, the slug or the URL changes."""
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"tag:{host},{article.date:%Y-%m-%d}:{article.path}"


@functools.lru_cache(maxsize=2048)
def absolute_links(html: str, page_url: str) -> str:
    """HTML with every link made absolute against page_url (feed readers need them).
    Remembered: an article is in the site's two feeds and each of its tags' feeds."""
    return htmlscan.absolute_links(html, page_url)


def reader_time(moment: datetime) -> str:
    """A time as a reader reads it: 'Saturday 30 April 2022, 09:15 BST'."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {moment:%H:%M} {moment:%Z}".rstrip()


_ENTRIES: dict[tuple[str, str], str] = {}  # (base URL, article digest) -> entry HTML
_ENTRIES_KEPT = 4096  # a newsroom's newest stories are in most of its tag feeds: each made once


def entry_html(config: SiteConfig, article: Article) -> str:
    """A feed entry's content: correction and update notes (their times as a reader reads
    them), then the body without its heading anchors (a `#` means nothing in a feed reader),
    links made absolute. Kept by the article's digest: one story is in the site's feed and
    in each of its tags' feeds."""
    key = (config.base_url, article.digest)
    made = _ENTRIES.get(key)
    if made is None:
        if len(_ENTRIES) >= _ENTRIES_KEPT:
            _ENTRIES.clear()
        made = _ENTRIES[key] = _entry_html(config, article)
    return made


def _entry_html(config: SiteConfig, article: Article) -> str:
    notes = "".join(
        f"<p><strong>{'Correction' if u.kind == 'correction' else 'Updated'}</strong> "
        f"({escape(reader_time(u.at))}): {escape(u.text)}</p>\n"
        for u in article.updates
    )
    page = absolute(config, article.url)
    return notes + absolute_links(htmlscan.drop_anchors(article.html), page)


def authors(config: SiteConfig, article: Article) -> tuple[str, ...]:
    """The byline: the article's authors, else the site's author, else the publisher."""
    return article.authors or ((config.author,) if config.author else (config.publisher_name,))


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element or any HTML: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_feed(config: SiteConfig, feed_url: str, home_url: str, title: str, articles: tuple[Article, ...]) -> str:
    """A JSON Feed 1.1 document with the same entries as the Atom feed."""
    items = []
    for article in articles:
        item: dict[str, Any] = {
            "id": entry_id(config, article),
            "url": absolute(config, article.url),
            "title": article.title,
            "summary": article.summary,
            "date_published": rfc3339(article.date),
            "date_modified": rfc3339(article.modified),
            "authors": [{"name": name} for name in authors(config, article)],
            "tags": [tag.name for tag in article.tags],
        }
        if config.feed_content == "full":
            item["content_html"] = entry_html(config, article)
        else:
            item["content_text"] = article.summary
        if article.picture is not None:
            item["image"] = media_url(config, article.picture.src)
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": absolute(config, home_url),
        "feed_url": absolute(config, feed_url),
        "description": config.description,
        "language": config.language,
        "icon": absolute(config, config.publisher_logo),
        "authors": [{"name": config.publisher_name}],
        "items": items,
    }
    return script_json(feed) + "\n"


def _publisher(config: SiteConfig) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": config.publisher_name,
        "url": config.base_url,
        "logo": {"@type": "ImageObject", "url": absolute(config, config.publisher_logo)},
    }


def article_ld(config: SiteConfig, article: Article) -> str:
    """JSON-LD NewsArticle for an article page, corrections included."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": rfc3339(article.date),
        "dateModified": rfc3339(article.modified),
        "url": absolute(config, article.url),
        "mainEntityOfPage": {"@type": "WebPage", "@id": absolute(config, article.url)},
        "author": [{"@type": "Person", "name": name} for name in authors(config, article)],
        "publisher": _publisher(config),
        "keywords": [tag.name for tag in article.tags],
        "inLanguage": config.language,
        "wordCount": article.words,
    }
    if article.picture is not None:
        data["image"] = picture_ld(config, article.picture)
    corrections = [u for u in article.updates if u.kind == "correction"]
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": u.text, "datePublished": rfc3339(u.at)} for u in corrections
        ]
    return script_json(data)


def itemlist_ld(config: SiteConfig, briefing: Briefing) -> str:
    """JSON-LD ItemList of a day's articles, in the order the page shows them."""
    data = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": f"{config.title}: {briefing.day:%A} {briefing.day.day} {briefing.day:%B %Y}",
        "url": absolute(config, briefing.url),
        "numberOfItems": len(briefing.cards),
        "itemListElement": [
            {"@type": "ListItem", "position": i, "url": absolute(config, card.url), "name": card.title}
            for i, card in enumerate(briefing.cards, 1)
        ],
    }
    return script_json(data)
