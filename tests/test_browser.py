"""The default theme in real Chromium: no console errors, no overflow at 360 px, no serious axe findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NODE_MODULES, ROOT, need

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "article": "/2022/04/29/nato-should-seek-to-boost-security-in-the-indo-pacific/",
    "photo": "/2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company/",
    "photo-day": "/2022/04/30/",
    "day": "/2022/04/29/",
    "tag": "/tags/ukraine/",
    "month": "/2022/04/",
    "year": "/2022/",
    "tags": "/tags/",
    "archive": "/archive/",
    "subscribe": "/subscribe/",
    "search": "/search/",
    "404": "/404.html",
    "page": "/about/",
    "section": "/sections/world/",
}
FIRST_HEADLINE = "document.querySelector('.card__headline, .story__headline') || document.querySelector('main h1')"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from briefing.cli import main

    out = tmp_path_factory.mktemp("sample") / "public"
    assert main(["--site", str(ROOT), "build", "--now", "2022-05-02", "--out", str(out), "--strict"]) == 0
    return out


@pytest.fixture
def axe_source() -> str:
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    need(path.is_file(), "axe-core is not installed (npm install in tests/)")
    return path.read_text()


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("width", [360, 390, 1440])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_renders_cleanly(page, sample_site: Path, http_root, name: str, width: int, scheme: str) -> None:
    """No console error, no failed request, no horizontal scrolling, one h1, text of 16 px at least."""
    base = http_root(sample_site)
    page.emulate_media(color_scheme=scheme)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(base + PAGES[name])
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("h1").count() == 1
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 16


WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("width", [390, 1440])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    page, sample_site: Path, http_root, axe_source: str, name: str, width: int, scheme: str
) -> None:
    """axe-core's WCAG 2.2 AA rules (target sizes of 24 px included) find nothing serious."""
    base = http_root(sample_site)
    page.set_viewport_size({"width": width, "height": 844})
    page.emulate_media(color_scheme=scheme)
    page.goto(base + PAGES[name])
    page.evaluate(axe_source)
    result = page.evaluate(f"axe.run({{runOnly: {{type: 'tag', values: {WCAG_22_AA}}}}})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_on_a_phone_the_first_headline_is_on_the_first_screen(page, sample_site: Path, http_root, name: str) -> None:
    """At 390 px the first headline starts within 140 px of the top, and no line of the
    masthead wraps."""
    base = http_root(sample_site)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + PAGES[name])
    top = page.evaluate(f"({FIRST_HEADLINE}).getBoundingClientRect().top")
    assert top <= 140, top
    links = page.evaluate(
        "[...document.querySelectorAll('.masthead__nav a')].filter(a => a.offsetParent).map(a => a.getBoundingClientRect().top)"
    )
    assert len(set(links)) == 1, links  # one line of links


def test_wide_editions_use_the_width_and_articles_keep_a_measure(page, sample_site: Path, http_root) -> None:
    base = http_root(sample_site)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base + PAGES["day"])
    cards = page.evaluate("[...document.querySelectorAll('.edition .card')].map(c => c.getBoundingClientRect().left)")
    assert len(set(round(x) for x in cards[1:])) > 1 or len(cards) <= 2  # the stories after the lead in columns
    assert page.evaluate("document.querySelector('.page').getBoundingClientRect().width") > 1000
    page.goto(base + PAGES["article"])
    measure = page.evaluate("document.querySelector('.story__body p').getBoundingClientRect().width")
    characters = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.story__body p')).fontSize)")
    assert 45 <= measure / (characters * 0.5) <= 85  # a readable measure: about 60-75 characters


def test_dark_mode_and_print_change_the_look(page, sample_site: Path, http_root) -> None:
    base = http_root(sample_site)
    page.goto(base + PAGES["article"])
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark
    page.emulate_media(media="print")
    hidden = [".masthead__nav", ".story__footer", ".related", ".pager", ".skip-link", ".colophon"]
    for selector in hidden:
        shown = page.evaluate(f"(e => e && getComputedStyle(e).display)(document.querySelector('{selector}'))")
        assert shown in ("none", None), selector
    printed = page.inner_text(".story__print")
    assert "https://briefing.example.org/2022/04/29/nato-should-seek" in printed and "Friday 29 April 2022" in printed


def test_a_short_story_prints_on_one_a4_page(page, sample_site: Path, http_root) -> None:
    import re

    base = http_root(sample_site)
    page.goto(base + "/2022/05/01/about-100-civilians-were-evacuated-from-the-azovstal-steel/")
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


def test_nothing_is_loaded_from_another_host(page, sample_site: Path, http_root) -> None:
    base = http_root(sample_site)
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    for path in PAGES.values():
        page.goto(base + path)
    assert requested and all(url.startswith(base) for url in requested)
    assert not any(url.endswith("favicon.ico") for url in requested)


def test_ingested_seed_shows_every_paragraph_in_chromium(page, tmp_path: Path, http_root) -> None:
    """Wire copy -> ingest (by build, from inbox/) -> article page: every paragraph is on screen."""
    import re
    import shutil

    from briefing.cli import main

    site = tmp_path / "site"
    (site / "inbox").mkdir(parents=True)
    shutil.copy(ROOT / "site.toml", site / "site.toml")
    seed = ROOT / "inbox" / "000_c4df29a8e7bf47ba.txt"
    shutil.copy(seed, site / "inbox")
    assert main(["--site", str(site), "build", "--now", "2022-05-02", "--strict"]) == 0
    base = http_root(site / "public")
    page.goto(base + "/2022/04/29/nato-should-seek-to-boost-security-in-the-indo-pacific/")
    shown = page.inner_text("main")

    def reading(text: str) -> str:
        for fancy, plain in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
            text = text.replace(fancy, plain)
        return " ".join(text.split())

    raw = seed.read_text(encoding="utf-8").strip().removeprefix("date 2022-04-29")
    paragraphs = [p for p in re.split(r"\n\s*\n", raw) if p.strip()]
    # the credit line is kept as image_credit, and shown only with the image it credits
    assert paragraphs[-1].strip() == "Image: AP" and "Image: AP" not in shown
    for paragraph in paragraphs[:-1]:
        assert reading(paragraph) in reading(shown)
