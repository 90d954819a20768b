"""Full-text search with Pagefind: article pages only, under any base path, off without the binary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, ROOT

from briefing import search
from briefing.cli import main

SEED_HEADLINE = "The North Atlantic Treaty Organization (NATO) should seek to boost security…"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    out = tmp_path_factory.mktemp("search") / "public"
    assert main(["--site", str(ROOT), "build", "--now", "2022-05-02", "--out", str(out), "--strict"]) == 0
    return out


def page_count(out: Path) -> int:
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def test_only_article_pages_are_indexed(sample: Path) -> None:
    articles = [p for p in sample.glob("20*/*/*/*/index.html")]
    assert len(articles) == 13
    assert page_count(sample) == len(articles)


def test_scheduled_and_draft_articles_are_not_indexed(fixture_site: Path, cli) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert page_count(fixture_site / "public") == 4  # not the draft, not the embargoed story
    fragments = b"".join(p.read_bytes() for p in (fixture_site / "public/pagefind").rglob("*") if p.is_file())
    assert b"Embargoed" not in fragments  # (fragments are compressed; the page count is the real check)


def test_the_index_is_rebuilt_only_when_html_changed(fixture_site: Path, cli) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    entry = fixture_site / "public/pagefind/pagefind-entry.json"
    first = entry.stat().st_mtime_ns
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert entry.stat().st_mtime_ns == first
    article = fixture_site / "content/2022/04/28/grain.md"
    article.write_text(article.read_text().replace("About 25 million", "Some 25 million"))
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert entry.stat().st_mtime_ns != first


def test_without_pagefind_the_build_succeeds_and_says_why(site, cli, monkeypatch) -> None:
    monkeypatch.setattr(search, "available", lambda: False)
    root = site({"content/a.md": "---\ntitle: T\ndate: 2022-04-29\n---\nText.\n"})
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 0
    assert "note: search is off: Pagefind is not installed (pip install 'pagefind[bin]')" in run.err
    page = (root / "public/search/index.html").read_text()
    assert "Search is not available on this site" in page and "pagefind-ui.js" not in page
    assert not (root / "public/pagefind").exists()


def test_search_false_in_site_toml_turns_search_off_and_removes_the_index(fixture_site: Path, cli) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert (fixture_site / "public/pagefind/pagefind.js").is_file()
    config = fixture_site / "site.toml"
    config.write_text(config.read_text() + "search = false\n")
    run = cli("build", "--now", FIXTURE_NOW)
    assert run.status == 0 and "note:" not in run.err
    assert not (fixture_site / "public/pagefind").exists()
    assert 'role="search"' not in (fixture_site / "public/index.html").read_text()
    page = (fixture_site / "public/search/index.html").read_text()
    assert "Search is not available on this site." in page and "pagefind-ui.js" not in page


def test_search_must_be_true_or_false(site, cli) -> None:
    site({"site.toml": 'title = "T"\nsearch = "no"\n'})
    run = cli("build")
    assert run.status == 1
    assert "site.toml:2: search must be true or false, not 'no'" in run.err


def test_the_masthead_form_works_without_javascript(sample: Path) -> None:
    home = (sample / "index.html").read_text()
    assert '<form class="masthead__search" role="search" action="/search/" method="get">' in home
    assert 'name="q" type="search"' in home
    assert "<noscript>" in (sample / "search/index.html").read_text()


@pytest.mark.browser
def test_typing_truss_finds_the_seed_and_a_tag_filters(page, sample: Path, http_root) -> None:
    base = http_root(sample)
    page.goto(base + "/search/")
    box = page.locator(".pagefind-ui__search-input")
    box.fill("Truss")
    assert SEED_HEADLINE in titles_when(page, "t.length > 0")
    box.fill("Ukraine")
    before = len(titles_when(page, "t.length > 1"))
    page.locator(".pagefind-ui__filter-name", has_text="tag").first.click()
    page.locator(".pagefind-ui__filter-label", has_text="Liz Truss").first.click()
    assert titles_when(page, f"t.length < {before}") == [SEED_HEADLINE]


def titles_when(page, condition: str) -> list[str]:
    """The result titles once Pagefind has loaded them all (its placeholders, ". . . .", carry
    the class pagefind-ui__loading) and `condition` (JavaScript over the titles `t`) holds."""
    script = (
        "(() => { const t = [...document.querySelectorAll('.pagefind-ui__result-title')].map(e => e.innerText);"
        f" return !document.querySelector('.pagefind-ui__loading') && ({condition}); }})()"
    )
    page.wait_for_function(script, timeout=10_000)
    return list(page.locator(".pagefind-ui__result-title").all_inner_texts())


@pytest.mark.browser
def test_search_under_a_sub_path_and_from_the_query_string(page, tmp_path: Path, http_root) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    out = tmp_path / "host" / "news"
    assert (
        main(
            [
                "--site",
                str(ROOT),
                "build",
                "--now",
                "2022-05-02",
                "--out",
                str(out),
                "--base-url",
                "https://example.org/news/",
                "--strict",
            ]
        )
        == 0
    )
    base = http_root(tmp_path / "host")
    page.goto(base + "/news/search/?q=Truss")
    link = page.locator(".pagefind-ui__result-link").first
    link.wait_for(timeout=10_000)
    href = link.get_attribute("href") or ""
    assert href.startswith("/news/2022/"), href
    page.goto(base + href)
    assert page.locator("h1").inner_text().startswith("The North Atlantic Treaty Organization")
