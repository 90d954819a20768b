"""Feeds, sitemaps, robots.txt and page metadata, checked with real parsers and the sitemaps.org schema."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import extruct
import feedparser
import pytest
from conftest import FIXTURE_NOW, NODE_MODULES, need
from lxml import etree

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
BASE = "https://example.org/news/"


def built(site: Path, cli, *args: str) -> Path:
    run = cli("build", "--now", FIXTURE_NOW, *args)
    assert run.status == 0, run
    return site / "public"


def atom(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_site_feed(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)
    feed = atom(public / "feed.xml")
    assert feed.feed.title == "Fixture Daily" and feed.feed.link == BASE
    titles = [e.title for e in feed.entries]
    assert titles == [
        "NATO must have a global outlook, says Truss",
        "São Paulo schools reopen",
        "Grain stuck in Ukraine’s ports",
        "Chile to create a state lithium company",
    ]
    first = feed.entries[0]
    assert first.id == "tag:example.org,2022-04-29:content/2022/04/29/nato-global.md"
    assert first.link == BASE + "2022/04/29/nato-global-outlook/"
    assert [a.name for a in first.authors] == ["Ann Reporter", "Bo Writer"]
    assert [t.term for t in first.tags] == ["NATO", "Liz Truss", "Taiwan"]
    assert 'href="https://example.org/news/2022/04/28/grain-stuck/"' in first.content[0].value
    assert 'href="https://example.org/news/2022/04/29/nato-global-outlook/#our-war"' in first.content[0].value
    raw = (public / "feed.xml").read_text()
    for stamp in re.findall(r"<(?:published|updated)>([^<]*)<", raw):
        assert RFC3339.match(stamp), stamp
    assert "<published>2022-04-29T09:30:00+01:00</published>" in raw
    for leak in ("Embargoed", "Unfinished draft", "scheduled.md", "draft.md"):
        assert leak not in raw


def test_tag_feeds(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)
    feed = atom(public / "tags/nato/feed.xml")
    assert [e.title for e in feed.entries] == [
        "NATO must have a global outlook, says Truss",
        "Grain stuck in Ukraine’s ports",
        "Chile to create a state lithium company",
    ]
    assert feed.feed.link == BASE + "tags/nato/"
    assert not (public / "tags/embargo-tag").exists()
    page = (public / "tags/nato/index.html").read_text()
    assert (
        'rel="alternate" type="application/atom+xml" title="Fixture Daily: NATO" href="/news/tags/nato/feed.xml"'
        in page
    )


def test_feed_length_and_summary_mode(fixture_site: Path, cli) -> None:
    toml = fixture_site / "site.toml"
    toml.write_text(toml.read_text() + 'feed_length = 2\nfeed_content = "summary"\n')
    public = built(fixture_site, cli)
    feed = atom(public / "feed.xml")
    assert len(feed.entries) == 2 and "content" not in feed.entries[0]
    items = json.loads((public / "feed.json").read_text())["items"]
    assert len(items) == 2 and "content_html" not in items[0] and items[0]["content_text"]


def test_entry_ids_survive_a_title_edit(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)
    before = {e.title: e.id for e in atom(public / "feed.xml").entries}
    path = fixture_site / "content/2022/04/29/sao-paulo.md"
    path.write_text(path.read_text().replace("title: São Paulo schools reopen", "title: São Paulo reopens schools"))
    after = {e.title: e.id for e in atom(built(fixture_site, cli) / "feed.xml").entries}
    assert after["São Paulo reopens schools"] == before["São Paulo schools reopen"]
    assert (public / "2022/04/29/sao-paulo-reopens-schools/index.html").is_file()  # the URL did change


def test_a_typo_fix_keeps_updated_and_a_correction_moves_it(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)

    def state() -> tuple[str, str, str]:
        entry = next(e for e in atom(public / "feed.xml").entries if e.title.startswith("Grain"))
        sitemap = (public / "sitemap.xml").read_text()
        lastmod = re.search(r"grain-stuck/</loc>\s*<lastmod>([^<]+)<", sitemap).group(1)  # type: ignore[union-attr]
        page = (public / "2022/04/28/grain-stuck/index.html").read_text()
        ld = next(i for i in extruct.extract(page, syntaxes=["json-ld"])["json-ld"] if i["@type"] == "NewsArticle")
        return entry.updated, lastmod, ld["dateModified"]

    original = state()
    assert original == ("2022-04-28T16:00:00+01:00",) * 3
    path = fixture_site / "content/2022/04/28/grain.md"
    path.write_text(path.read_text().replace("About 25 million", "About 25 milion").replace("milion", "million"))
    path.write_text(path.read_text().replace("stuck in silos", "stuck in the silos"))
    built(fixture_site, cli)
    assert state() == original
    path.write_text(
        path.read_text().replace(
            "tags: [Ukraine, NATO]\n",
            "tags: [Ukraine, NATO]\nupdates:\n  - at: 2022-04-30T10:00:00+01:00\n"
            "    kind: correction\n    text: The tonnage was wrong.\n",
        )
    )
    built(fixture_site, cli)
    assert state() == ("2022-04-30T10:00:00+01:00",) * 3
    page = (public / "2022/04/28/grain-stuck/index.html").read_text()
    assert "<strong>Correction</strong>" in page and "The tonnage was wrong." in page
    entry = next(e for e in atom(public / "feed.xml").entries if e.title.startswith("Grain"))
    assert "The tonnage was wrong." in entry.content[0].value
    ld = [i for i in extruct.extract(page, syntaxes=["json-ld"])["json-ld"] if i["@type"] == "NewsArticle"][0]
    assert ld["correction"] == [
        {"@type": "CorrectionComment", "text": "The tonnage was wrong.", "datePublished": "2022-04-30T10:00:00+01:00"}
    ]


def test_json_feed(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)
    text = (public / "feed.json").read_text()
    assert "<" not in text and ">" not in text  # \u003c and \u003e, so no string can close a script
    data = json.loads(text)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == BASE + "feed.json" and data["home_page_url"] == BASE
    ids = [item["id"] for item in data["items"]]
    assert ids == [e.id for e in atom(public / "feed.xml").entries]
    first = data["items"][0]
    assert first["date_published"] == "2022-04-29T09:30:00+01:00" and first["url"].startswith(BASE)
    assert first["tags"] == ["NATO", "Liz Truss", "Taiwan"] and first["authors"][0] == {"name": "Ann Reporter"}
    assert "<h2" in first["content_html"]


def test_sitemap_validates_and_lists_every_page(fixture_site: Path, cli) -> None:
    xsd = NODE_MODULES / "sitemap" / "schema" / "sitemap.xsd"
    need(xsd.is_file(), "the sitemaps.org schema is missing (npm install in tests/)")
    public = built(fixture_site, cli)
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.parse(str(public / "sitemap.xml"))
    schema.assertValid(document)
    locs = document.xpath("//s:url/s:loc/text()", namespaces=NS)
    pages = {
        BASE + str(p.relative_to(public).parent).replace(".", "") + "/"
        if p.name == "index.html"
        else BASE + p.relative_to(public).as_posix()
        for p in public.rglob("*.html")
        if p.name not in ("404.html", "newsletter.html") and not p.relative_to(public).as_posix().startswith("search/")
    }
    assert set(locs) == {u.replace(BASE + "/", BASE) for u in pages}
    for lastmod in document.xpath("//s:lastmod/text()", namespaces=NS):
        assert RFC3339.match(lastmod)
    assert not any("embargo" in loc or "draft" in loc for loc in locs)


def test_past_its_limit_the_sitemap_is_an_index_of_numbered_sitemaps(fixture_site: Path, cli) -> None:
    whole = built(fixture_site, cli)
    every = etree.parse(str(whole / "sitemap.xml")).xpath("//s:url", namespaces=NS)
    config = fixture_site / "site.toml"
    config.write_text(config.read_text() + "sitemap_urls = 5\n")
    public = built(fixture_site, cli)
    index = etree.parse(str(public / "sitemap.xml"))
    etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas/siteindex.xsd"))).assertValid(index)
    parts = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    count = -(-len(every) // 5)
    assert parts == [f"{BASE}sitemap-{n}.xml" for n in range(1, count + 1)] and count >= 3
    schema = etree.XMLSchema(etree.parse(str(NODE_MODULES / "sitemap" / "schema" / "sitemap.xsd")))
    urls = []
    for number in range(1, count + 1):
        part = etree.parse(str(public / f"sitemap-{number}.xml"))
        schema.assertValid(part)
        urls += part.xpath("//s:url", namespaces=NS)
        newest = max(part.xpath("//s:lastmod/text()", namespaces=NS))
        stated = index.xpath(f"//s:sitemap[{number}]/s:lastmod/text()", namespaces=NS)
        assert [datetime.fromisoformat(newest)] == [datetime.fromisoformat(t) for t in stated]
    text = [etree.tostring(u, with_tail=False) for u in urls]
    assert text == [etree.tostring(u, with_tail=False) for u in every]  # the same URLs, in order
    assert all(len(etree.parse(str(public / f"sitemap-{n}.xml")).getroot()) <= 5 for n in range(1, count + 1))
    assert f"Sitemap: {BASE}sitemap.xml" in (public / "robots.txt").read_text()
    config.write_text(config.read_text().replace("sitemap_urls = 5\n", ""))
    public = built(fixture_site, cli)  # back under the limit: one sitemap, the numbered ones gone
    assert etree.parse(str(public / "sitemap.xml")).getroot().tag.endswith("urlset")
    assert not list(public.glob("sitemap-*.xml"))


def test_news_sitemap_holds_the_two_days_before_now(fixture_site: Path, cli) -> None:
    public = built(fixture_site, cli)
    document = etree.parse(str(public / "news-sitemap.xml"))
    urls = document.xpath("//s:url", namespaces=NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [BASE + "2022/04/29/nato-global-outlook/"]
    now = datetime.fromisoformat("2022-05-01T05:00:00+01:00")
    for url in urls:
        news = url.find("n:news", NS)
        assert news.findtext("n:publication/n:name", namespaces=NS) == "Fixture Daily"
        assert news.findtext("n:publication/n:language", namespaces=NS) == "en"
        assert news.findtext("n:title", namespaces=NS)
        published = datetime.fromisoformat(news.findtext("n:publication_date", namespaces=NS))
        assert now - timedelta(days=2) < published <= now
    later = cli("build", "--now", "2022-05-01T07:00")
    assert later.status == 0
    locs = etree.parse(str(public / "news-sitemap.xml")).xpath("//s:loc/text()", namespaces=NS)
    assert locs == [BASE + "2022/05/01/embargoed-story-about-nato/", BASE + "2022/04/29/nato-global-outlook/"]


def test_robots_names_the_sitemaps(fixture_site: Path, cli) -> None:
    robots = (built(fixture_site, cli) / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml" in robots and f"Sitemap: {BASE}news-sitemap.xml" in robots


def test_article_metadata(fixture_site: Path, cli) -> None:
    path = fixture_site / "content/2022/04/29/nato-global.md"
    path.write_text(
        path.read_text().replace(
            "image_credit: AP\n", "image_credit: AP\nimage: /static/favicon.svg\nimage_alt: A logo\n"
        )
    )
    public = built(fixture_site, cli)
    page = (public / "2022/04/29/nato-global-outlook/index.html").read_text()
    data = extruct.extract(page, base_url=BASE + "2022/04/29/nato-global-outlook/", syntaxes=["json-ld", "opengraph"])
    (article,) = [i for i in data["json-ld"] if i["@type"] == "NewsArticle"]
    assert article["headline"] == "NATO must have a global outlook, says Truss"
    assert article["datePublished"] == "2022-04-29T09:30:00+01:00" == article["dateModified"]
    assert article["author"] == [{"@type": "Person", "name": "Ann Reporter"}, {"@type": "Person", "name": "Bo Writer"}]
    assert article["publisher"]["@type"] == "Organization" and article["publisher"]["name"] == "Fixture Daily"
    assert article["publisher"]["logo"]["url"] == BASE + "static/favicon.svg"
    assert article["image"] == [BASE + "static/favicon.svg"]
    assert "correction" not in article
    (og,) = data["opengraph"]
    props = og["properties"]
    assert ("og:type", "article") in props and ("og:url", BASE + "2022/04/29/nato-global-outlook/") in props
    assert ("article:published_time", "2022-04-29T09:30:00+01:00") in props
    assert ("article:modified_time", "2022-04-29T09:30:00+01:00") in props
    assert [v for k, v in props if k == "article:tag"] == ["NATO", "Liz Truss", "Taiwan"]
    assert ("og:image", BASE + "static/favicon.svg") in props
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<link rel="canonical" href="{BASE}2022/04/29/nato-global-outlook/">' in page
    assert '<link rel="alternate" type="application/atom+xml" title="Fixture Daily" href="/news/feed.xml">' in page
    assert '<link rel="alternate" type="application/feed+json"' in page
    assert '<img src="/news/static/favicon.svg" alt="A logo" fetchpriority="high" decoding="async">' in page


def test_day_pages_carry_an_item_list(fixture_site: Path, cli) -> None:
    page = (built(fixture_site, cli) / "2022/04/29/index.html").read_text()
    (items,) = [i for i in extruct.extract(page, syntaxes=["json-ld"])["json-ld"] if i["@type"] == "ItemList"]
    assert [e["url"] for e in items["itemListElement"]] == [
        BASE + "2022/04/29/nato-global-outlook/",
        BASE + "2022/04/29/sao-paulo-schools-reopen/",
    ]
    assert [e["position"] for e in items["itemListElement"]] == [1, 2]
    props = extruct.extract(page, syntaxes=["opengraph"])["opengraph"][0]["properties"]
    assert ("og:type", "website") in props


@pytest.mark.parametrize("name", ["feed.xml", "tags/nato/feed.xml", "sitemap.xml", "news-sitemap.xml", "feed.json"])
def test_every_date_carries_the_site_offset(fixture_site: Path, cli, name: str) -> None:
    text = (built(fixture_site, cli) / name).read_text()
    stamps = re.findall(r"\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)?", text)
    assert stamps and all(RFC3339.match(s) and s.endswith("+01:00") for s in stamps), stamps


def test_feed_links_are_made_absolute_in_tags_and_never_in_text(site, cli) -> None:
    import json

    body = "Code: `<a href=\"/embed/player/\">`.\n\n<p><a href='/2022/04/29/links/'>Self</a></p>\n\nAnd [md](/tags/).\n"
    root = site(
        {
            "site.toml": 'title = "T"\nbase_url = "https://example.org/news/"\n',
            "content/2022/04/29/a.md": f"---\ntitle: Links\ndate: 2022-04-29\n---\n{body}",
        }
    )
    assert cli("build", "--now", "2022-05-01").status == 0
    item = json.loads((root / "public/feed.json").read_text())["items"][0]
    html = item["content_html"]
    assert '&lt;a href="/embed/player/"&gt;' in html  # the code sample is as written
    assert "href='https://example.org/2022/04/29/links/'" in html  # single quotes count
    assert 'href="https://example.org/tags/"' in html


SITEMAP_ROWS = [  # (site URL, last-modified) as a sitemap is handed them, awkward ones included
    ("/", None),
    ("/2022/04/29/nato-global-outlook/", datetime.fromisoformat("2022-04-29T09:30:00+01:00")),
    ("/tags/s%C3%A3o-paulo/", datetime.fromisoformat("2022-12-31T23:59:59-03:00")),
    ("/tags/são-paulo/page/2/", datetime.fromisoformat("2022-03-27T01:00:00+00:00")),
    ("/search/?q=a&b=<c>", datetime.fromisoformat("2022-10-30T01:30:00+01:00")),
    ('/quotes/"it\'s"/', None),
    ("/two\nlines/", datetime.fromisoformat("2022-01-01T00:00:00.123456+05:45")),
    ("relative/", datetime.fromisoformat("2022-06-01T12:00:00+14:00")),
    ("//double/", datetime.fromisoformat("2022-06-01T12:00:00-12:00")),
]


@pytest.mark.parametrize("rows", [SITEMAP_ROWS, SITEMAP_ROWS[:6], SITEMAP_ROWS[:1], SITEMAP_ROWS[4:], []])
@pytest.mark.parametrize("base_url", [BASE, "https://example.org/", "http://127.0.0.1:8000/a&b/"])
def test_the_sitemap_writes_what_the_loop_in_its_comment_writes(tmp_path: Path, rows, base_url: str) -> None:
    from briefing.config import load_config
    from briefing.pages import Plain, make_page
    from briefing.render import Templates, find_theme

    (tmp_path / "site.toml").write_text(f'title = "T"\nbase_url = "{base_url}"\n', encoding="utf-8")
    config = load_config(tmp_path)
    templates = Templates(config, find_theme(config))
    source = (Path(__file__).parents[1] / "templates/sitemap.xml").read_text(encoding="utf-8")
    loop = source.split("{#", 1)[1].split("\n", 1)[1].split("#}", 1)[0]
    head = source.partition("{#")[0]
    reference = templates.env.overlay(autoescape=True).from_string(head + loop + "</urlset>\n")  # as an .xml file
    page = make_page("/sitemap.xml", "sitemap.xml", "the sitemap", pages=Plain(rows))
    written = templates.render(page)
    assert written == reference.render(pages=Plain(rows)).encode()
    assert written.count(b"<url>") == len(rows)
    if rows:
        etree.fromstring(written)  # well-formed, whatever the URLs hold
