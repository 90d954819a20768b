"""News photos: renditions, metadata stripped, where pages show them, bad files, the cache, and
wire photos ingested with their embedded captions. Every image here is a real file, made with
Pillow (tests/photos.py)."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import frontmatter
import photos
import pytest
from conftest import ROOT, snapshot
from lxml import etree
from PIL import Image

from briefing import images

NOW = "2022-05-01T12:00"
CONFIG = 'title = "Photo Desk"\nbase_url = "https://news.example.org/"\ntimezone = "Europe/London"\nsearch = false\n'


def article(title: str, image: str | None = None, day: str = "2022-04-29T09:00", **more: str) -> str:
    lines = [f"title: {title}", f"date: {day}", "tags: [World]"]
    if image is not None:
        lines.append(f"image: {image}")
    lines += [f"{key}: {value}" for key, value in more.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + f"The story of {title.lower()}.\n"


def photo_site(site, extra: dict[str, str | bytes] | None = None, **photo: object) -> Path:
    files: dict[str, str | bytes] = {
        "site.toml": CONFIG,
        "content/2022/04/29/nato.md": article(
            "NATO meets",
            "nato.jpg",
            image_alt="Leaders at a table",
            image_caption="Leaders met in Brussels.",
            image_credit="Jane Doe/AP",
            priority="1",
        ),
        "content/2022/04/29/nato.jpg": photos.jpeg(**photo),  # type: ignore[arg-type]
        "content/2022/04/29/plain.md": article("No photo here"),
    }
    return site({**files, **(extra or {})})


def page_of(root: Path, slug: str) -> str:
    return (root / f"public/2022/04/29/{slug}/index.html").read_text()


def test_a_photo_becomes_webp_renditions_a_fallback_and_a_share_crop(site, cli) -> None:
    root = photo_site(site, width=1800, height=1200)
    assert cli("build", "--strict", "--now", NOW).status == 0
    made = {p.name.split("-", 1)[1]: Image.open(p) for p in (root / "public/img").iterdir()}
    assert sorted(made) == ["1200.jpg", "1200.webp", "1600.webp", "400.webp", "800.webp", "share.jpg"]
    assert {name: image.size for name, image in made.items()} == {
        "400.webp": (400, 267),
        "800.webp": (800, 533),
        "1200.webp": (1200, 800),
        "1600.webp": (1600, 1067),
        "1200.jpg": (1200, 800),
        "share.jpg": (1200, 630),
    }
    assert {image.format for image in made.values()} == {"WEBP", "JPEG"}
    names = {p.name.split("-", 1)[0] for p in (root / "public/img").iterdir()}
    assert len(names) == 1 and len(names.pop()) == 20  # one content hash names them all


def test_a_small_photo_is_never_enlarged(site, cli) -> None:
    root = photo_site(site, width=500, height=300)
    assert cli("build", "--strict", "--now", NOW).status == 0
    sizes = sorted(Image.open(p).size for p in (root / "public/img").iterdir())
    assert sizes == [(400, 240), (500, 262), (500, 300), (500, 300)]  # 400 and 500 WebP, the JPEG, the crop
    assert all(w <= 500 for w, _ in sizes)


def test_transparency_keeps_a_png_fallback(site, cli) -> None:
    logo = io.BytesIO()
    photos.picture(900, 300, "RGBA").save(logo, "PNG")
    root = site(
        {
            "site.toml": CONFIG,
            "content/a.md": article("Logo", "logo.png", image_alt="A logo"),
            "content/logo.png": logo.getvalue(),
        }
    )
    assert cli("build", "--strict", "--now", NOW).status == 0
    kinds = sorted(p.suffix for p in (root / "public/img").iterdir())
    assert kinds == [".jpg", ".png", ".webp", ".webp", ".webp"]  # the share crop is a JPEG on white


@pytest.mark.parametrize("orientation", [None, 3, 6, 8])
def test_no_rendition_carries_exif_gps_iptc_xmp_or_a_comment(site, cli, orientation: int | None) -> None:
    packet = photos.xmp_packet(caption="Secret caption", creator="Jane Doe")
    iptc = {(2, 120): "IIM caption", (2, 110): "AP"}
    root = photo_site(site, width=1000, height=700, gps=True, orientation=orientation, iptc=iptc, xmp=packet)
    source = root / "content/2022/04/29/nato.jpg"
    assert photos.metadata_of(source.read_bytes())["gps"]  # the source has a position
    assert cli("build", "--strict", "--now", NOW).status == 0
    files = list((root / "public/img").iterdir())
    assert len(files) == (5 if orientation in (None, 3) else 4)  # upright 1000 or 700 px wide
    for file in files:
        data = file.read_bytes()
        found = photos.metadata_of(data)
        assert found == {"exif": {}, "gps": {}, "xmp": None, "photoshop": None, "comment": None, "raw_exif": None}, file
        assert b"Exif" not in data and b"Secret caption" not in data and b"Example Camera" not in data
        assert b"51.0" not in data and b"taken at home" not in data and b"IIM caption" not in data


@pytest.mark.parametrize(("orientation", "upright"), [(None, (1000, 700)), (6, (700, 1000)), (8, (700, 1000))])
def test_the_orientation_tag_is_applied_first(site, cli, orientation: int | None, upright: tuple[int, int]) -> None:
    root = photo_site(site, width=1000, height=700, orientation=orientation)
    assert cli("build", "--strict", "--now", NOW).status == 0
    fallback = next((root / "public/img").glob("*[0-9].jpg"))
    assert Image.open(fallback).size == upright
    html = page_of(root, "nato-meets")
    assert f'width="{upright[0]}" height="{upright[1]}"' in html
    corner = Image.open(fallback).convert("RGB")
    red = {(x, y) for x in (5, corner.width - 5) for y in (5, corner.height - 5) if corner.getpixel((x, y))[0] > 200}
    expected = {None: (5, 5), 6: (corner.width - 5, 5), 8: (5, corner.height - 5)}[orientation]
    assert expected in red  # the mark the camera put in its top left is where the viewer sees it


def test_the_article_page_leads_with_its_figure_and_every_tag_the_photo_needs(site, cli) -> None:
    root = photo_site(site, width=1800, height=1200)
    assert cli("build", "--strict", "--now", NOW).status == 0
    html = page_of(root, "nato-meets")
    tree = etree.HTML(html)
    [figure] = tree.xpath("//figure[@class='story__image']")
    assert tree.xpath("//header[@class='story__header']/following-sibling::*[1]") == [figure]  # before the body
    [source] = figure.xpath(".//source")
    assert source.get("type") == "image/webp"
    widths = [int(part.split()[1][:-1]) for part in source.get("srcset").split(", ")]
    assert widths == [400, 800, 1200, 1600] and source.get("sizes")
    [img] = figure.xpath(".//img")
    assert img.get("src").endswith("-1200.jpg") and (img.get("width"), img.get("height")) == ("1600", "1067")
    assert img.get("alt") == "Leaders at a table" and img.get("fetchpriority") == "high" and img.get("loading") is None
    caption = "".join(figure.xpath(".//figcaption//text()"))
    assert caption == "Leaders met in Brussels. Image: Jane Doe/AP"
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.xpath("//meta")}
    assert meta["og:image"].startswith("https://news.example.org/img/") and meta["og:image"].endswith("-share.jpg")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["twitter:image"] == meta["og:image"] and meta["twitter:card"] == "summary_large_image"
    assert meta["og:image:alt"] == meta["twitter:image:alt"] == "Leaders at a table"
    ld = json.loads(tree.xpath("//script[@type='application/ld+json']/text()")[0])
    assert [(i["width"], i["height"]) for i in ld["image"]] == [(1200, 630), (1600, 1067)]
    assert ld["image"][0]["url"] == meta["og:image"] and ld["image"][0]["creditText"] == "Jane Doe/AP"
    for url in [img.get("src")] + [p.split()[0] for p in source.get("srcset").split(", ")]:
        assert (root / "public" / url.lstrip("/")).is_file()


def test_without_a_photo_there_is_no_figure_credit_or_empty_box(site, cli) -> None:
    root = photo_site(site, {"content/2022/04/29/credited.md": article("Credited", image_credit="AP")})
    assert cli("build", "--strict", "--now", NOW).status == 0
    for slug in ("no-photo-here", "credited"):
        html = page_of(root, slug)
        assert "<figure" not in html and "<img" not in html and "Image:" not in html and "og:image" not in html
        assert '<meta name="twitter:card" content="summary">' in html


def test_the_lead_story_shows_its_photo_on_home_and_day_pages(site, cli) -> None:
    root = photo_site(
        site,
        {"content/2022/04/28/earlier.md": article("Earlier lead", "e.jpg", "2022-04-28T09:00", image_alt="A street")},
    )
    (root / "content/2022/04/28/e.jpg").write_bytes(photos.jpeg(900, 600))
    assert cli("build", "--strict", "--now", NOW).status == 0
    day = etree.HTML((root / "public/2022/04/29/index.html").read_text())
    [lead] = day.xpath("//article[contains(@class, 'card--lead')]")
    [img] = lead.xpath(".//img")
    assert img.get("fetchpriority") == "high" and img.get("width") == "1600"
    assert day.xpath("//article[not(contains(@class, 'card--lead'))]//img") == []  # cards: no photo unless asked
    home = etree.HTML((root / "public/index.html").read_text())
    pictured = home.xpath("//article[contains(@class, 'card--lead')]//img")
    assert [i.get("fetchpriority") for i in pictured] == ["high", None]  # the earlier day's lead loads lazily
    assert pictured[1].get("loading") == "lazy"


def test_a_theme_may_ask_for_thumbnails_on_every_card(site, cli) -> None:
    root = photo_site(
        site, {"content/2022/04/29/second.md": article("Second", "s.jpg", priority="2", image_alt="A field")}
    )
    (root / "content/2022/04/29/s.jpg").write_bytes(photos.jpeg(900, 600))
    (root / "site.toml").write_text(CONFIG + "card_images = true\n")
    assert cli("build", "--strict", "--now", NOW).status == 0
    day = etree.HTML((root / "public/2022/04/29/index.html").read_text())
    [thumb] = day.xpath("//a[@class='card__thumb']//img")
    assert thumb.get("loading") == "lazy" and thumb.get("fetchpriority") is None
    assert day.xpath("//a[@class='card__thumb']//source/@sizes") == ["6rem"]


def test_feeds_and_the_news_sitemap_carry_the_photo(site, cli) -> None:
    root = photo_site(site, width=1800, height=1200)
    assert cli("build", "--strict", "--now", "2022-04-30T12:00").status == 0  # in the news sitemap's two days
    public = root / "public"
    fallback = next((public / "img").glob("*-1200.jpg"))
    atom = etree.parse(str(public / "feed.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [enclosure] = atom.xpath("//a:entry[a:title='NATO meets']/a:link[@rel='enclosure']", namespaces=ns)
    assert enclosure.get("href") == f"https://news.example.org/img/{fallback.name}"
    assert (enclosure.get("type"), enclosure.get("length")) == ("image/jpeg", str(fallback.stat().st_size))
    assert atom.xpath("//a:entry[a:title='No photo here']/a:link[@rel='enclosure']", namespaces=ns) == []
    items = {i["title"]: i for i in json.loads((public / "feed.json").read_text())["items"]}
    assert items["NATO meets"]["image"] == enclosure.get("href") and "image" not in items["No photo here"]
    news = etree.parse(str(public / "news-sitemap.xml"))
    locs = news.xpath("//i:image/i:loc/text()", namespaces={"i": "http://www.google.com/schemas/sitemap-image/1.1"})
    assert locs == [enclosure.get("href")]


def test_a_photo_without_alt_text_is_a_warning(site, cli) -> None:
    root = photo_site(site, {"content/2022/04/29/mute.md": article("Mute", "nato.jpg")})
    run = cli("build", "--now", NOW)
    assert run.status == 0 and "content/2022/04/29/mute.md:5: the photo has no image_alt" in run.err
    assert 'alt=""' in page_of(root, "mute")
    assert cli("build", "--strict", "--now", NOW).status == 1


def test_a_photo_under_static_or_at_a_url(site, cli) -> None:
    root = site(
        {
            "site.toml": CONFIG,
            "content/a.md": article("From static", "/static/photos/desk.jpg"),
            "static/photos/desk.jpg": photos.jpeg(900, 600, gps=True),
            "content/b.md": article("From a URL", "https://cdn.example.org/photo.jpg", "2022-04-28T09:00"),
        }
    )
    run = cli("build", "--now", NOW)
    assert run.status == 0
    assert "static/photos/desk.jpg: carries a GPS position, and static/ is published as it is" in run.err
    assert 'srcset="/img/' in page_of(root, "from-static")
    remote = (root / "public/2022/04/28/from-a-url/index.html").read_text()
    assert '<img src="https://cdn.example.org/photo.jpg" alt="" fetchpriority="high" decoding="async">' in remote


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("../../../etc/passwd.jpg", "is not a file name, site path or URL"),
        ("photos/x.jpg", "is not a file name, site path or URL"),
        ("javascript:alert(1)", "is not a file name, site path or URL"),
        ("//evil.example/x.jpg", "is not a file name, site path or URL"),
        ("/static/../secret.jpg", "is not a file name, site path or URL"),
    ],
)
def test_an_image_that_would_leave_the_site_is_an_error(site, cli, value: str, message: str) -> None:
    site({"site.toml": CONFIG, "content/a.md": article("A", json.dumps(value))})
    run = cli("build", "--now", NOW)
    assert run.status == 1 and "content/a.md:5: " in run.err and message in run.err


def test_a_link_to_a_photo_outside_the_site_is_never_read(site, cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(photos.jpeg(600, 400))
    root = site({"site.toml": CONFIG, "content/a.md": article("A", "link.jpg")})
    (root / "content/link.jpg").symlink_to(secret)
    run = cli("build", "--now", NOW)
    assert run.status == 0 and "content/link.jpg: is outside the site's content/ folder" in run.err
    assert not (root / "public/img").exists()


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG that says it is width × height and holds almost nothing: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def _twenty_thousand_square() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # a real 400-megapixel image, 60 KB on disk
    return out.getvalue()


BAD = {
    "truncated.jpg": (lambda: photos.jpeg(800, 600)[:5000], "cannot be read as an image: image file is truncated"),
    "corrupt.jpg": (lambda: b"\xff\xd8\xff\xe0 not really a photo " * 50, "cannot be read as an image"),
    "mislabelled.jpg": (lambda: _png_bytes(), "is a PNG image, not the JPEG its name says"),
    "bomb.png": (lambda: _png_header_claiming(30_000, 30_000), "has too many pixels (at most 100 megapixels"),
    "huge.png": (_twenty_thousand_square, "has too many pixels (at most 100 megapixels"),
    "text.webp": (lambda: b"RIFF\x00\x00\x00\x00WEBPVP8 nonsense", "cannot be read as an image"),
    "words.png": (lambda: b"Just some words in a file named like a photo.\n" * 20, "is not an image Pillow can read"),
}


def _png_bytes() -> bytes:
    out = io.BytesIO()
    photos.picture(300, 200).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_image_is_named_with_its_reason_and_the_rest_is_built(site, cli, name: str) -> None:
    make, reason = BAD[name]
    root = photo_site(
        site, {"content/2022/04/29/bad.md": article("Bad photo", name, image_alt="Nothing")}, width=900, height=600
    )
    (root / "content/2022/04/29" / name).write_bytes(make())
    strict = cli("build", "--strict", "--now", NOW)
    assert strict.status == 1 and f"content/2022/04/29/{name}: {reason}" in strict.err
    assert not (root / "public").exists()  # --strict: nothing written
    run = cli("build", "--now", NOW)
    assert run.status == 0 and f"warning: content/2022/04/29/{name}: {reason}" in run.err
    html = page_of(root, "bad-photo")
    assert "<figure" not in html and "<img" not in html  # the story, without its photo
    assert 'srcset="/img/' in page_of(root, "nato-meets")  # the rest of the site, photos included
    cache = root / ".briefing-cache/img"
    assert all(not p.name.startswith(".") for p in cache.iterdir())  # no half-written rendition
    assert len(list((root / "public/img").iterdir())) == 5


def test_a_text_edit_never_encodes_a_photo_again(site, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = photo_site(site)
    assert cli("build", "--now", NOW).status == 0
    before = snapshot(root / ".briefing-cache/img")
    encoded: list[str] = []
    real = images._encode
    monkeypatch.setattr(images, "_encode", lambda *a: encoded.append(a[2]) or real(*a))
    story = root / "content/2022/04/29/nato.md"
    story.write_text(story.read_text().replace("The story of", "The full story of"))
    public = snapshot(root / "public/img")
    assert cli("build", "--now", NOW).status == 0
    assert encoded == [] and snapshot(root / ".briefing-cache/img") == before
    assert snapshot(root / "public/img") == public  # not even copied again
    assert "The full story of" in page_of(root, "nato-meets")


def test_a_photo_replaced_under_its_name_is_encoded_once_and_the_old_renditions_go(site, cli) -> None:
    root = photo_site(site, width=900, height=600)
    assert cli("build", "--now", NOW).status == 0
    old = sorted(p.name for p in (root / "public/img").iterdir())
    (root / "content/2022/04/29/nato.jpg").write_bytes(photos.jpeg(1000, 500))
    assert cli("build", "--now", NOW).status == 0
    new = sorted(p.name for p in (root / "public/img").iterdir())
    assert not set(old) & set(new) and len(new) == 5
    assert new[0].split("-")[0] in page_of(root, "nato-meets") and 'width="1000" height="500"' in page_of(
        root, "nato-meets"
    )
    incremental = snapshot(root / "public")
    cache = root / ".briefing-cache/img"
    assert {p.name.split("-")[0].removesuffix(".json") for p in cache.iterdir()} == {
        old[0].split("-")[0],
        new[0].split("-")[0],
    }
    (root / "site.toml").write_text(CONFIG + 'description = "Another line"\n')  # the full path: every article read
    assert cli("build", "--now", NOW).status == 0
    assert {p.name.split("-")[0].removesuffix(".json") for p in cache.iterdir()} == {new[0].split("-")[0]}  # pruned
    (root / "site.toml").write_text(CONFIG)
    assert cli("build", "--now", NOW).status == 0
    incremental = snapshot(root / "public")
    clean = root / "clean"
    assert cli("build", "--now", NOW, "--out", str(clean)).status == 0
    assert {k: v[0] for k, v in snapshot(clean).items()} == {k: v[0] for k, v in incremental.items()}


def test_photos_come_and_go_with_their_articles(site, cli) -> None:
    root = photo_site(site, width=900, height=600)
    assert cli("build", "--now", NOW).status == 0
    story = root / "content/2022/04/29/nato.md"
    text = story.read_text()
    story.write_text(text.replace("tags: [World]", "tags: [World]\ndraft: true"))
    assert cli("build", "--now", NOW).status == 0
    assert not (root / "public/img").exists()  # a draft's photo is not published
    story.write_text(text)
    assert cli("build", "--now", NOW).status == 0
    assert len(list((root / "public/img").iterdir())) == 5
    story.write_text(text.replace("2022-04-29T09:00", "2022-05-09T09:00"))  # scheduled: its photo waits with it
    assert cli("build", "--now", NOW).status == 0
    assert not (root / "public/img").exists()


def test_the_same_photos_give_the_same_bytes(site, cli) -> None:
    root = photo_site(site, width=1200, height=800, gps=True)
    assert cli("build", "--now", NOW, "--out", "one").status == 0
    (root / ".briefing-cache").rename(root / "old-cache")
    assert cli("build", "--now", NOW, "--out", "two").status == 0
    one, two = snapshot(root / "one"), snapshot(root / "two")
    assert {k: v[0] for k, v in one.items()} == {k: v[0] for k, v in two.items()}


# Ingest: a photo beside its wire item


WIRE = "date 2022-04-29 Leaders met in Brussels on Friday to discuss the alliance. They agreed on little.\n"


@pytest.mark.parametrize(
    ("iptc", "xmp", "expected"),
    [
        (
            {(2, 120): "Leaders arrive for the summit.", (2, 110): "AP", (2, 80): "Jane Doe", (2, 105): "Summit"},
            None,
            ("Leaders arrive for the summit.", "Jane Doe/AP", "Summit"),
        ),
        (
            None,
            photos.xmp_packet(caption="From XMP.", credit="Reuters", creator="Ann Lee", alt="Two leaders shake hands"),
            ("From XMP.", "Ann Lee/Reuters", "Two leaders shake hands"),
        ),
        (
            {(2, 120): "IIM wins.", (2, 110): "AFP"},
            photos.xmp_packet(caption="XMP loses.", credit="Reuters", alt="Alt from XMP"),
            ("IIM wins.", "AFP", "Alt from XMP"),
        ),
        ({(2, 120): "Zürich café, 5 °C — “cold”"}, None, ("Zürich café, 5 °C — “cold”", "AP", "")),
    ],
)
def test_a_photo_beside_a_wire_item_brings_its_caption_and_credit(site, cli, iptc, xmp, expected) -> None:
    root = site({"site.toml": CONFIG})
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "summit.txt").write_text(WIRE + "\nImage: AP\n")
    (inbox / "summit.jpg").write_bytes(photos.jpeg(900, 600, iptc=iptc, xmp=xmp, gps=True))
    assert cli("ingest", "inbox").status == 0
    [story] = (root / "content/2022/04/29").glob("*.md")
    post = frontmatter.load(story)
    assert post["image"] == story.with_suffix(".jpg").name and story.with_suffix(".jpg").is_file()
    caption, credit, alt = expected
    assert post["image_caption"] == caption and post["image_credit"] == credit
    assert post.get("image_alt", "") == alt
    run = cli("build", *(["--strict"] if alt else []), "--now", NOW)
    assert run.status == 0 and ("the photo has no image_alt" in run.err) == (not alt)
    html = next((root / "public/2022/04/29").glob("*/index.html")).read_text()
    assert caption.replace("“", "&#8220;")[:10] in html or caption[:10] in html
    assert photos.metadata_of(next((root / "public/img").glob("*.jpg")).read_bytes())["gps"] == {}


def test_a_photo_added_later_updates_the_article_and_a_bad_one_is_named(site, cli) -> None:
    root = site({"site.toml": CONFIG})
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "summit.txt").write_text(WIRE)
    (inbox / "summit.jpg").write_bytes(b"\xff\xd8 broken")
    run = cli("ingest", "inbox")
    assert run.status == 0 and "inbox/summit.jpg: is not an image Pillow can read" in run.err + run.out
    [story] = (root / "content/2022/04/29").glob("*.md")
    assert "image" not in frontmatter.load(story) and not story.with_suffix(".jpg").exists()
    (inbox / "summit.jpg").write_bytes(photos.jpeg(900, 600, iptc={(2, 120): "Arrivals."}))
    assert "written" in cli("ingest", "inbox").out
    post = frontmatter.load(story)
    assert post["image"] == story.with_suffix(".jpg").name and post["image_caption"] == "Arrivals."


def test_the_sample_site_has_a_real_photograph_with_its_credit(tmp_path: Path, cli) -> None:
    run = cli("--site", str(ROOT), "build", "--strict", "--now", "2022-05-02", "--out", str(tmp_path / "out"))
    assert run.status == 0, run
    html = (
        tmp_path / "out/2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company/index.html"
    ).read_text()
    assert "Falcon 9 rocket carrying the DSCOVR satellite" in html and "Image: SpaceX" in html
    assert len(list((tmp_path / "out/img").iterdir())) == 4  # 640 px wide: 400 and 640 WebP, the JPEG, the crop


# In Chromium: the rendition a browser picks, and a box that has its size before the photo loads

SHIFTS = """new Promise(done => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) total += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(total), 300);
})"""


@pytest.mark.browser
@pytest.mark.parametrize(("width", "chosen"), [(390, 400), (1440, 800)])
def test_chromium_picks_the_rendition_for_its_width_and_nothing_shifts(
    page, site, cli, http_root, width: int, chosen: int
) -> None:
    root = photo_site(site, width=1800, height=1200)
    assert cli("build", "--strict", "--now", NOW).status == 0
    base = http_root(root / "public")
    page.set_viewport_size({"width": width, "height": 900})
    held: list[object] = []
    released: list[bool] = []

    def hold(route) -> None:  # photos held back: the page lays out without them
        route.continue_() if released else held.append(route)

    page.route("**/img/*", hold)
    page.goto(base + "/2022/04/29/nato-meets/", wait_until="domcontentloaded")
    # DOMContentLoaded can come before the stylesheets: the layout is measured with them applied
    page.wait_for_function("[...document.querySelectorAll('link[rel=stylesheet]')].every(link => link.sheet)")
    box = page.locator(".story__image img").bounding_box()
    assert box is not None and box["width"] > 300
    assert abs(box["height"] - box["width"] * 1067 / 1600) < 1.5  # the photo's shape, before a byte of it
    below = page.locator(".story__body").bounding_box()
    released.append(True)
    for route in held:
        route.continue_()  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('.story__image img').complete")
    page.wait_for_load_state("networkidle")
    after = page.locator(".story__body").bounding_box()
    assert after is not None and below is not None
    # the text did not move when the photo came: less than a pixel, the rounding of a rendition's height
    assert after["x"] == below["x"] and abs(after["y"] - below["y"]) < 1
    source = page.evaluate("document.querySelector('.story__image img').currentSrc")
    assert source.endswith(f"-{chosen}.webp"), source
    assert page.evaluate(SHIFTS) == 0
    fetched = [r.request.url.rsplit("-", 1)[1] for r in held]  # type: ignore[attr-defined]
    assert fetched == [f"{chosen}.webp"]  # one rendition fetched: not the JPEG, not a wider one


def test_a_cold_build_encodes_photos_on_every_core(site, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing import content, workers

    files: dict[str, str | bytes] = {"site.toml": CONFIG}
    for day in range(22, 28):  # six articles, four with a photo of their own size
        folder = f"content/2022/04/{day}"
        pictured = day % 3 != 0
        files[f"{folder}/story.md"] = article(f"Story {day}", "p.jpg" if pictured else None, f"2022-04-{day}T09:00")
        if pictured:
            files[f"{folder}/p.jpg"] = photos.jpeg(400 + 10 * day, 300)
    root = site(files)
    pools: list[int] = []
    real = workers.forked_pool

    def counted(count: int, *rest):  # the real pool, counted
        pools.append(count)
        return real(count, *rest)

    monkeypatch.setattr(content, "forked_pool", counted)
    run = cli("build", "--now", NOW)
    assert run.status == 0
    assert pools == [workers.count(True)] if workers.count(True) > 1 else pools == []
    for day in range(22, 28):  # each story got its own photo back, in its own place
        html = (root / f"public/2022/04/{day}/story-{day}/index.html").read_text()
        assert (f'width="{400 + 10 * day}" height="300"' in html) == (day % 3 != 0)
