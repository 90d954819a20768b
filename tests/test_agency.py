"""Agency formats: IPTC ninjs, NewsML-G2 and NITF, read from the official IPTC examples in
../shared/wire-formats (not copied here), ingested as articles, versioned by GUID, and parsed
as data only."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import frontmatter
import photos
import pytest
from conftest import ROOT

from briefing import agency, validate

# The IPTC schemas and examples, found as `ingest --validate` finds them (or, for a clone made
# elsewhere on this machine, in /work/shared). They are the IPTC's, not ours, so they are never
# copied here; a clone without them skips the tests that read them.
FORMATS = validate.schema_folder(ROOT, (Path("/work/shared/wire-formats"),))


def example(name: str) -> Path:
    found = sorted(FORMATS.rglob(name)) if FORMATS is not None else []
    if not found:
        pytest.skip(f"the IPTC example {name} is not here (../shared/wire-formats, or BRIEFING_WIRE_FORMATS)")
    return found[-1]


# file, format, headline, GUID, version, authors, dateline, some tags, urgency
STORIES = [
    (
        "LISTING_2_NewsML-G2_Text_Document.xml",
        "NewsML-G2",
        'Fed to halt QE to avert "bubble"',
        "urn:newsml:acmenews.com:20161121:US-FINANCE-FED",
        11,
        ("Meredith Jameson",),
        "New York, NY",
        {"central bank", "money and monetary policy"},
        None,
    ),
    (
        "LISTING_22_Sports_story_in_NewsML-G2NITF.xml",
        "NewsML-G2",
        None,
        "tag:xmlteam.com,2016:xt.5932656-preview",
        11,
        None,
        None,
        {"Baseball", "Major League Baseball"},
        None,
    ),
    (
        "TT_newsmlg2_sample.xml",  # no namespace at all, an HTML body in inlineXML
        "NewsML-G2",
        'Jan Guillou skriver på ny "Hamilton"-bok',
        "http://tt.se/media/text/210919-janguillou-879f202b",
        1,
        (),
        None,
        {"Litteratur", "Jan Guillou"},
        3,
    ),
    (
        "NTB_nitf_sample.xml",  # NITF 3.6, DTD style, no namespace
        "NITF 3.6",
        "Pandemien herjer på den legeløse indiske landsbygda",
        "NTB5df9281a-a270-4dc5-a618-869bbc3bbca7_00",
        1,
        ("NTB-AFP-DPA",),
        "Unnao",
        {"Sykdom", "India"},
        5,
    ),
    (
        "dpa_text.json",
        "ninjs 2.x",
        None,
        "urn:newsml:dpa.com:20090101:190510-99-167362",
        2,
        ("Christian Hollmann", "dpa"),
        None,
        set(),
        4,
    ),
    (
        "tt_text_image_2.json",
        "ninjs 2.x",
        "Militärövning i jätteformat hålls 2023",
        "http://tt.se/media/text/210526-militarovning-a0f2d045",
        1,
        None,
        None,
        {"Inrikes"},
        3,
    ),
    (
        "004_simple_text_article.json",
        "ninjs 1.x",
        "Captain of wrecked cruise ship on trial in Italy",
        "http://ninjs.example.com/newsitems/20130709simp123",
        0,
        ("Paulo Santalucia", "Frances d'Emilio"),
        None,
        set(),
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "title", "guid", "version", "authors", "dateline", "tags", "urgency"), STORIES
)
def test_official_examples_are_read_into_stories(
    name: str, kind: str, title: str | None, guid: str, version: int, authors, dateline, tags: set[str], urgency
) -> None:
    [story] = [s for s in agency.read(example(name).read_bytes()) if s.guid == guid]
    assert story.format == kind and story.version == version
    if title is not None:
        assert story.headline == title
    if authors is not None:
        assert story.authors == authors
    assert story.dateline == dateline and tags <= set(story.tags) and story.urgency == urgency
    assert story.markdown and story.paragraphs
    assert "<" not in story.markdown.replace("&lt;", "")  # no markup of the agency's survives as markup


def test_ninjs_3_in_camel_case_reads_as_2_does() -> None:
    """ninjs 3 renamed its keys to camelCase (versionCreated, copyrightNotice ...); no official
    3.x example exists, so the 2.2 example is turned into 3.x the way the 3.1 schema names them."""
    data = json.loads(example("005_complex_text_article.json").read_text())
    camel = {"versioncreated": "versionCreated", "copyrightnotice": "copyrightNotice", "firstcreated": "firstCreated"}
    three = {camel.get(k, k): v for k, v in data.items()} | {"contentCreated": "2013-07-09T10:00:00Z"}
    [two_story] = agency.read(json.dumps(data).encode())
    [three_story] = agency.read(json.dumps(three).encode())
    assert three_story.format == "ninjs 3.x" and two_story.format == "ninjs 2.x"
    assert (three_story.headline, three_story.copyright, three_story.modified) == (
        two_story.headline,
        two_story.copyright,
        two_story.modified,
    )
    assert three_story.markdown == two_story.markdown and three_story.copyright


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("LISTING_3_Photo_in_NewsML-G2.xml", "is a NewsML-G2 picture item, not text"),
        ("ap_image.json", "is a ninjs picture item, not text"),
        ("LISTING_6_Simple_NewsML-G2_Package.xml", "packageItem: it references items"),
        ("LISTING_28_Illustrating_Located_Subject_and_Dateline.xml", "neither NewsML-G2 nor NITF"),
    ],
)
def test_what_is_not_a_text_item_is_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(agency.Refused, match=re.escape(reason)):
        agency.read(example(name).read_bytes())


HOSTILE = [
    (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<nitf><body><body.content><p>&lol2;</p></body.content></body></nitf>",
        "EntitiesForbidden",
    ),
    (
        b'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<nitf><body><body.content><p>&x;</p></body.content></body></nitf>",
        "EntitiesForbidden",
    ),
    (b"<newsItem><unclosed></newsItem>", "is not well-formed XML"),
    (b'{"headline": "No uri"}', "is JSON but not ninjs: it has no uri"),
    (b'[{"uri": "a"}]', "is JSON but not ninjs: a ninjs item is an object"),
    (b'{"uri": "x", "name": "a JSON file of something else"}', "neither a headline nor a body"),
    (b"<html><body>a web page</body></html>", "neither NewsML-G2 nor NITF (its root is <html>)"),
    (b"<" + b"x" * (agency.MAX_BYTES + 1), "a wire item is at most"),
]


@pytest.mark.parametrize(("raw", "reason"), HOSTILE, ids=[r for _, r in HOSTILE])
def test_hostile_documents_are_refused_never_expanded_or_followed(raw: bytes, reason: str) -> None:
    with pytest.raises(agency.Refused, match=re.escape(reason)):
        agency.read(raw)


def test_a_body_keeps_every_word_and_loses_every_active_part() -> None:
    html = (
        '<p onclick="steal()">First <b>bold</b> and <i>leaning</i> <a href="https://example.org/x">a link</a>,'
        ' <a href="javascript:alert(1)">a trap</a> and <a href="file:///etc/passwd">a file</a>.</p>'
        "<script>alert('x')</script><style>p{}</style><iframe src='https://evil.example'></iframe>"
        "<form><input name=q></form><img src='https://tracker.example/p.gif' alt='pixel'>"
        "<h2>A subheading</h2><ul><li>one * two</li><li>[three](x)</li></ul>"
        "<blockquote><p>A quote &lt;script&gt; in text.</p></blockquote>"
        "<table><tr><th>Team</th><th>Goals</th></tr><tr><td>Home | A</td><td>2</td></tr></table>"
    )
    markdown, paragraphs = agency.html_markdown(html)
    for gone in ("steal", "alert", "<script", "iframe", "evil.example", "tracker", "javascript", "file:///", "<input"):
        assert gone not in markdown
    assert "**bold**" in markdown and "*leaning*" in markdown and "[a link](https://example.org/x)" in markdown
    assert "a trap" in markdown and "a file" in markdown  # the words stay, the links go
    assert "## A subheading" in markdown and "- one \\* two" in markdown and "- \\[three\\](x)" in markdown
    assert "> A quote &lt;script> in text." in markdown
    assert "| Team | Goals |" in markdown and "Home \\| A" in markdown
    assert paragraphs[0] == "First bold and leaning a link, a trap and a file."
    import markdown as md

    rendered = md.markdown(markdown, extensions=["tables"])
    assert "<script" not in rendered and "&lt;script&gt;" in rendered and "<table>" in rendered


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Wire Daily"\ntimezone = "Europe/Berlin"\n')
    return root


def _article(root: Path) -> tuple[Path, frontmatter.Post]:
    [path] = sorted((root / "content").rglob("*.md"))
    return path, frontmatter.load(path)


def test_an_ninjs_item_becomes_an_article_with_its_fields(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    inbox = root / "inbox"
    inbox.mkdir()
    shutil.copy(example("dpa_text.json"), inbox / "item-from-dpa.data")  # its name says nothing
    run = cli("--site", str(root), "ingest", str(inbox / "item-from-dpa.data"))
    assert run.status == 0, run.err
    path, post = _article(root)
    data = json.loads(example("dpa_text.json").read_text())
    assert post["title"] == data["headlines"][0]["value"]
    assert post["author"] == ["Christian Hollmann", "dpa"] and post["priority"] == 4
    assert post["wire_guid"] == data["uri"] and post["wire_version"] == 2
    assert post["wire"]["language"] == "de" and "dpa" in post["wire"]["copyright"]
    assert path.parent.relative_to(root / "content").as_posix() == "2019/05/10"
    words = set(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", data["bodies"][0]["value"])))
    assert words <= set(re.findall(r"\w+", post.content))  # every word of the text survives
    assert cli("--site", str(root), "build", "--strict", "--now", "2019-05-11").status == 0


def _g2(version: int, headline: str, signal: str = "") -> str:
    return (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:example.org:1" '
        f'version="{version}" standard="NewsML-G2"><itemMeta><itemClass qcode="ninat:text"/>'
        f"<versionCreated>2022-04-29T1{version}:00:00+02:00</versionCreated>"
        f'<firstCreated>2022-04-29T09:00:00+02:00</firstCreated><pubStatus qcode="stat:usable"/>{signal}'
        "</itemMeta><contentMeta><urgency>2</urgency><headline>" + headline + "</headline>"
        '<subject type="cpnat:abstract" qcode="medtop:11000000"><name>politics</name></subject>'
        '<located><name>Berlin</name></located></contentMeta><contentSet><inlineXML contenttype="application/nitf+xml">'
        '<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body><body.content>'
        f"<p>The chancellor spoke on Friday, version {version}.</p><hl2>Reaction</hl2><p>Others replied.</p>"
        "</body.content></body></nitf></inlineXML></contentSet></newsItem>"
    )


def _ingested(tmp_path: Path, cli, version: int, headline: str) -> tuple[Path, Path]:
    """A site with one NewsML-G2 item ingested: (the site, the item's file)."""
    root = _site(tmp_path)
    item = tmp_path / "item.xml"
    item.write_text(_g2(version, headline))
    assert cli("--site", str(root), "ingest", str(item)).status == 0
    return root, item


def test_a_newer_version_updates_the_article_in_place_and_an_older_one_changes_nothing(tmp_path: Path, cli) -> None:
    root, item = _ingested(tmp_path, cli, 2, "Chancellor speaks")
    path, post = _article(root)
    assert post["title"] == "Chancellor speaks" and post["tags"][0] == "politics" and post["dateline"] == "Berlin"
    assert "## Reaction" in post.content and post["priority"] == 2
    path.write_text(path.read_text().replace("title: Chancellor speaks", "title: The chancellor speaks"))  # the desk
    item.write_text(
        _g2(3, "Chancellor speaks again", '<signal qcode="sig:correction"/><edNote>Fixes the day.</edNote>')
    )
    run = cli("--site", str(root), "ingest", str(item))
    assert run.status == 0 and "written" in run.out
    again, post = _article(root)
    assert again == path and post["title"] == "The chancellor speaks"  # same URL, the desk's headline kept
    assert post["wire_version"] == 3 and "version 3" in post.content
    assert [(u["kind"], u["text"]) for u in post["updates"]] == [("correction", "Fixes the day.")]
    item.write_text(_g2(1, "An old version"))
    run = cli("--site", str(root), "ingest", str(item))
    assert run.status == 0 and "unchanged" in run.out
    assert _article(root)[1]["wire_version"] == 3
    assert cli("--site", str(root), "build", "--strict", "--now", "2022-04-30").status == 0
    page = next((root / "public/2022/04/29").glob("*/index.html")).read_text()
    assert "Fixes the day." in page and "Correction" in page


def test_a_news_message_with_several_items_writes_each(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    one, two = _g2(1, "First story"), _g2(1, "Second story").replace("example.org:1", "example.org:2")
    message = tmp_path / "message.xml"
    message.write_text(
        '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>2022-04-29T12:00:00Z</sent></header>'
        "<itemSet>"
        + one.replace(' xmlns="http://iptc.org/std/nar/2006-10-01/"', "")
        + two.replace(' xmlns="http://iptc.org/std/nar/2006-10-01/"', "")
        + "</itemSet></newsMessage>"
    )
    run = cli("--site", str(root), "ingest", str(message))
    assert run.status == 0, run.err
    titles = sorted(frontmatter.load(p)["title"] for p in (root / "content").rglob("*.md"))
    assert titles == ["First story", "Second story"]
    assert "unchanged" in cli("--site", str(root), "ingest", str(message)).out


def test_an_embargoed_item_waits_for_its_time(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    item = tmp_path / "embargoed.xml"
    item.write_text(
        _g2(1, "Embargoed story").replace("</itemMeta>", "<embargoed>2022-04-30T12:00:00Z</embargoed></itemMeta>")
    )
    assert cli("--site", str(root), "ingest", str(item)).status == 0
    _, post = _article(root)
    assert post["date"].isoformat() == "2022-04-30T12:00:00+00:00"
    before = cli("--site", str(root), "build", "--now", "2022-04-30T13:00")  # 13:00 in Berlin is 11:00 UTC
    assert before.status == 0 and "next scheduled article due 2022-04-30T14:00:00+02:00" in before.out
    assert "Embargoed story" not in (root / "public/feed.xml").read_text()
    assert cli("--site", str(root), "build", "--now", "2022-04-30T14:01").status == 0
    assert "Embargoed story" in (root / "public/feed.xml").read_text()


def test_a_rejected_item_names_the_file_and_the_rest_goes_ahead(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "a-bomb.xml").write_bytes(HOSTILE[0][0])
    (inbox / "not-ninjs.json").write_text('{"type": "something"}')
    shutil.copy(example("NTB_nitf_sample.xml"), inbox / "ntb.xml")
    run = cli("--site", str(root), "ingest", str(inbox))
    assert run.status == 1
    assert "rejected inbox/a-bomb.xml: is refused: EntitiesForbidden" in run.err.replace(str(root) + "/", "")
    assert "not-ninjs.json: is JSON but not ninjs" in run.err
    assert [frontmatter.load(p)["wire_guid"] for p in (root / "content").rglob("*.md")] == [
        "NTB5df9281a-a270-4dc5-a618-869bbc3bbca7_00"
    ]


def test_a_canceled_item_withdraws_its_story_everywhere_but_at_its_url(tmp_path: Path, cli) -> None:
    root, item = _ingested(tmp_path, cli, 1, "A story that will be killed")
    assert cli("--site", str(root), "build", "--strict", "--now", "2022-04-30").status == 0
    public = root / "public"
    page = next((public / "2022/04/29").glob("*/index.html"))
    url = "/" + page.parent.relative_to(public).as_posix() + "/"
    assert "A story that will be killed" in (public / "feed.xml").read_text()
    kill = _g2(2, "A story that will be killed").replace(
        'stat:usable"/>', 'stat:canceled"/><edNote>Legal advice.</edNote>'
    )
    item.write_text(kill)
    run = cli("--site", str(root), "ingest", str(item))
    assert run.status == 0 and "written" in run.out, run.err
    _, post = _article(root)
    assert post["withdrawn"] == "Legal advice." and "The chancellor spoke" in post.content  # the text stays in the file
    assert cli("--site", str(root), "build", "--strict", "--now", "2022-04-30").status == 0
    text = page.read_text()
    assert "This story has been withdrawn" in text and "Legal advice." in text and 'content="noindex"' in text
    assert "The chancellor spoke" not in text
    for listing in ("feed.xml", "feed.json", "sitemap.xml", "news-sitemap.xml", "index.html", "tags/politics/feed.xml"):
        found = public / listing
        assert not found.exists() or url not in found.read_text(), listing
    assert not (public / "2022/04/29/index.html").exists()  # its day had no other story
    assert not (public / "2022/04/29/newsletter.html").exists()  # nor a newsletter
    again = cli("--site", str(root), "ingest", str(item))
    assert "unchanged" in again.out
    unknown = tmp_path / "unknown.xml"
    unknown.write_text(kill.replace("example.org:1", "example.org:99"))
    run = cli("--site", str(root), "ingest", str(unknown))
    assert run.status == 1 and "withdraws urn:newsml:example.org:99, which no article here holds" in run.err


def test_front_matter_withdrawn_takes_a_story_out_and_back(fixture_site: Path, cli) -> None:
    story = fixture_site / "content/2022/04/29/sao-paulo.md"
    story.write_text(story.read_text().replace("tags:", "withdrawn: true\ntags:", 1))
    assert cli("build", "--now", "2022-05-01T05:00").status == 0
    page = fixture_site / "public/2022/04/29/sao-paulo-schools-reopen/index.html"
    assert "This story has been withdrawn" in page.read_text() and not (fixture_site / "public/tags/brazil").exists()
    assert "sao-paulo" not in (fixture_site / "public/sitemap.xml").read_text()
    story.write_text(story.read_text().replace("withdrawn: true\n", ""))
    assert cli("build", "--now", "2022-05-01T05:00").status == 0
    assert "São Paulo schools reopen</h1>" in page.read_text() and (fixture_site / "public/tags/brazil").exists()


def _with_picture(href: str) -> str:
    """A newsMessage of one text item and one picture item whose rendition is at `href`."""
    text = _g2(1, "A story with a picture").replace(' xmlns="http://iptc.org/std/nar/2006-10-01/"', "")
    picture = (
        '<newsItem guid="urn:newsml:example.org:pic" version="1"><itemMeta><itemClass qcode="ninat:picture"/>'
        "<versionCreated>2022-04-29T10:00:00Z</versionCreated></itemMeta><contentMeta>"
        '<description role="drol:caption">Protesters outside the chancellery.</description>'
        '<description role="drol:alternativeText">A crowd with banners before a glass building</description>'
        "<creditline>Jane Photographer/Example</creditline></contentMeta><contentSet>"
        f'<remoteContent href="{href}" contenttype="image/jpeg" width="1600" height="1067"/>'
        '<remoteContent href="https://example.org/huge.jpg" contenttype="image/jpeg" width="6000" height="4000"/>'
        "</contentSet></newsItem>"
    )
    return f'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>{text}{picture}</itemSet></newsMessage>'


JPEG = photos.jpeg(640, 427)


def test_a_picture_sent_beside_the_item_is_copied_beside_its_article(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "photo.jpg").write_bytes(JPEG)
    (inbox / "story.xml").write_text(_with_picture("photo.jpg"))
    assert cli("--site", str(root), "ingest", str(inbox / "story.xml")).status == 0
    _, post = _article(root)
    article = next((root / "content/2022/04/29").glob("*.md"))
    assert post["image"] == f"{post['slug']}.jpg" and article.with_suffix(".jpg").read_bytes() == JPEG
    assert post["image_caption"] == "Protesters outside the chancellery."
    assert post["image_alt"] == "A crowd with banners before a glass building"
    assert post["image_credit"] == "Jane Photographer/Example"
    assert cli("--site", str(root), "build", "--strict", "--now", "2022-04-30").status == 0
    page = next((root / "public/2022/04/29").glob("*/index.html")).read_text()
    assert 'alt="A crowd with banners before a glass building"' in page and 'srcset="/img/' in page
    assert "Protesters outside the chancellery." in page and "Jane Photographer/Example" in page


def test_a_remote_rendition_is_recorded_never_fetched(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    item = tmp_path / "story.xml"
    item.write_text(_with_picture("https://cdn.example.org/photo-1600.jpg"))  # no network here: never asked for
    assert cli("--site", str(root), "ingest", str(item)).status == 0
    _, post = _article(root)
    assert post["image"] == "https://cdn.example.org/photo-1600.jpg"  # the 1,600 px rendition, not the 6,000
    assert not (root / "static").exists()


@pytest.mark.parametrize("href", ["../outside/secret.jpg", "file:///etc/secret.jpg", "/etc/secret.jpg", "link.jpg"])
def test_a_picture_href_never_reads_a_file_outside_the_items_folder(tmp_path: Path, cli, href: str) -> None:
    root = _site(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(JPEG)
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "link.jpg").symlink_to(outside / "secret.jpg")  # a link beside the item is no picture either
    (inbox / "story.xml").write_text(_with_picture(href))
    assert cli("--site", str(root), "ingest", str(inbox / "story.xml")).status == 0
    _, post = _article(root)
    assert "image" not in post and not (root / "static").exists()


def test_pictures_of_the_official_examples() -> None:
    [tt] = agency.read(example("tt_text_image_2.json").read_bytes())
    assert tt.picture is not None and tt.picture.href.endswith("/a001_NormalPreview.jpg")  # not the watermarked one
    assert (tt.picture.width, tt.picture.credit) == (1024, "Karl Melander/TT") and "Aurora 17" in tt.picture.caption
    [g2] = agency.read(example("TT_newsmlg2_sample.xml").read_bytes())
    assert g2.picture is not None and g2.picture.href.endswith("a001_NormalPreview.jpg") and g2.picture.height == 682
    [ntb] = agency.read(example("NTB_nitf_sample.xml").read_bytes())
    assert ntb.picture is not None and ntb.picture.href == "JsxLggxsoo4"  # an id: no file of that name, no image
    assert ntb.picture.caption.startswith("Kremasjonsbål for koronaofre")


def test_validate_checks_each_item_against_its_schema_and_names_the_path(tmp_path: Path, cli) -> None:
    need_jsonschema = pytest.importorskip("jsonschema")
    assert need_jsonschema
    root = _site(tmp_path)
    schemas = str(FORMATS) if FORMATS is not None else pytest.skip("no IPTC schemas here")
    data = json.loads(example("dpa_text.json").read_text())
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data | {"urgency": "very", "pubstatus": "maybe"}))
    run = cli("--site", str(root), "ingest", "--validate", "--schemas", schemas, str(wrong))
    assert run.status == 1 and "does not conform to ninjs-schema_2.2.json: /pubstatus:" in run.err
    assert "/urgency: 'very' is not of type 'number'" in run.err
    bad_g2 = tmp_path / "bad.xml"
    text = example("LISTING_2_NewsML-G2_Text_Document.xml").read_text()
    bad_g2.write_text(text.replace("<slugline>", "<sluggish>", 1).replace("</slugline>", "</sluggish>", 1))
    run = cli("--site", str(root), "ingest", "--validate", "--schemas", schemas, str(bad_g2))
    assert run.status == 1 and "does not conform to NewsML-G2_2.35-spec-All-Power.xsd: line" in run.err
    for name in ("dpa_text.json", "LISTING_2_NewsML-G2_Text_Document.xml", "004_simple_text_article.json"):
        good = cli("--site", str(root), "ingest", "--validate", "--schemas", schemas, str(example(name)))
        assert good.status == 0 and "written" in good.out, (name, good.err)
    lenient = cli(
        "--site", str(root), "ingest", "--validate", "--schemas", schemas, str(example("NTB_nitf_sample.xml"))
    )
    assert lenient.status == 0 and "not validated: has no NITF namespace" in lenient.err  # as agencies send it
    assert list((root / "content").rglob("*.md"))  # the valid ones were written


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:  # 100 MB, sparse: nothing to read if nothing reads it
        handle.truncate(100 * 1024 * 1024)
    run = cli("--site", str(root), "ingest", str(huge))
    assert run.status == 1 and "is 104,857,600 bytes; a wire item is at most" in run.err


TEXT_EXAMPLES = [
    "LISTING_2_NewsML-G2_Text_Document.xml",
    "LISTING_22_Sports_story_in_NewsML-G2NITF.xml",
    "TT_newsmlg2_sample.xml",
    "NTB_nitf_sample.xml",
    "dpa_text.json",
    "tt_text_image_2.json",
    "005_complex_text_article.json",
]


def test_every_official_text_example_becomes_a_page_with_its_text(tmp_path: Path, cli) -> None:
    root = _site(tmp_path)
    inbox = root / "inbox"
    inbox.mkdir()
    for n, name in enumerate(TEXT_EXAMPLES):
        shutil.copy(example(name), inbox / f"{n}-{Path(name).name}")
    run = cli("--site", str(root), "build", "--strict", "--now", "2026-01-01")
    assert run.status == 0, run.err
    straight = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})  # the pages set quotes typographically
    pages = {p: p.read_text().translate(straight) for p in (root / "public").glob("20*/*/*/*/index.html")}
    assert len(pages) == len(TEXT_EXAMPLES)
    for path in sorted((root / "content").rglob("*.md")):
        post = frontmatter.load(path)
        assert post["title"] and post["date"] and post["wire_guid"] and post["wire"]["format"], path
        [page] = [text for text in pages.values() if f">{html.escape(post['title'], quote=False)}</h1>" in text]
        last = post.content.strip().split("\n\n")[-1]  # the body's last paragraph is on the page
        words = re.findall(r"\w{4,}", last)[-3:]
        assert words and all(word in page for word in words), (path, words)
