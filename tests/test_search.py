"""Full-text search with Pagefind: article pages only, under any base path, off without the binary."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, ROOT

from briefing import search
from briefing.cli import main

SEED_HEADLINE = "NATO should seek to boost security in the Indo-pacific region"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    out = tmp_path_factory.mktemp("search") / "public"
    assert main(["--site", str(ROOT), "build", "--now", "2022-05-02", "--out", str(out), "--strict"]) == 0
    return out


def page_count(out: Path) -> int:
    """Pages in every shard of the index."""
    total = 0
    for shard in json.loads((out / "pagefind/shards.json").read_text())["shards"]:
        entry = json.loads((out / "pagefind" / shard["name"] / "pagefind-entry.json").read_text())
        total += sum(language["page_count"] for language in entry["languages"].values())
    return total


def shard_stamps(out: Path) -> dict[str, int]:
    """Each shard's entry file and its inode: a re-indexed shard is a new folder with new files."""
    return {p.parent.name: p.stat().st_ino for p in (out / "pagefind").glob("*/pagefind-entry.json")}


def test_only_article_pages_are_indexed_one_shard_a_month(sample: Path) -> None:
    pages = list(sample.glob("20*/*/*/*/index.html"))
    articles = [p for p in pages if 'http-equiv="refresh"' not in p.read_text()]  # not the redirect of an alias
    assert len(articles) == 13 and len(pages) == 14
    assert page_count(sample) == len(articles)
    listing = json.loads((sample / "pagefind/shards.json").read_text())
    assert [s["name"] for s in listing["shards"]] == ["2022-05", "2022-04"]  # newest first
    assert not list((sample / "pagefind").glob("*/pagefind-ui.js"))  # the theme has its own UI


def test_scheduled_and_draft_articles_are_not_indexed(fixture_site: Path, cli) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert page_count(fixture_site / "public") == 4  # not the draft, not the embargoed story
    fragments = b"".join(p.read_bytes() for p in (fixture_site / "public/pagefind").rglob("*") if p.is_file())
    assert b"Embargoed" not in fragments  # (fragments are compressed; the page count is the real check)


def test_an_edit_re_indexes_only_its_month(tmp_path: Path, cli) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    root = tmp_path / "site"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("public", ".briefing-cache", "inbox"))
    assert cli("--site", str(root), "build", "--now", "2022-05-02").status == 0
    out = root / "public"
    first = shard_stamps(out)
    assert set(first) == {"2022-04", "2022-05"}
    assert cli("--site", str(root), "build", "--now", "2022-05-02").status == 0
    assert shard_stamps(out) == first  # nothing changed: nothing indexed
    # A headline edit changes the neighbours' pages too, in both months; only April is indexed.
    article = next((root / "content/2022/04/30").glob("*.md"))
    article.write_text(article.read_text().replace("title: ", "title: Zanzibar ", 1))
    assert cli("--site", str(root), "build", "--now", "2022-05-02").status == 0
    second = shard_stamps(out)
    assert second["2022-04"] != first["2022-04"] and second["2022-05"] == first["2022-05"]
    # An article in a new month adds that month's shard alone; deleting it removes the shard.
    new = root / "content/2022/06/01/new.md"
    new.parent.mkdir(parents=True)
    new.write_text("---\ntitle: A June story\ndate: 2022-06-01\n---\nQuokka.\n")
    assert cli("--site", str(root), "build", "--now", "2022-06-02").status == 0
    third = shard_stamps(out)
    assert set(third) == {"2022-04", "2022-05", "2022-06"}
    assert {k: v for k, v in third.items() if k != "2022-06"} == second
    new.unlink()
    assert cli("--site", str(root), "build", "--now", "2022-06-02").status == 0
    assert shard_stamps(out) == second
    assert [s["name"] for s in json.loads((out / "pagefind/shards.json").read_text())["shards"]] == [
        "2022-05",
        "2022-04",
    ]
    assert not list(out.glob(".pagefind.*"))


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
    assert (fixture_site / "public/pagefind/shards.json").is_file()
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
    box = page.locator("#site-search")  # the masthead's box is the search page's box
    assert page.locator("input[type=search]").count() == 1
    box.fill("Truss")
    assert SEED_HEADLINE in titles_when(page, "t.length > 0")
    excerpt = page.locator(".search__excerpt").first.inner_text()
    assert "#" not in excerpt and "By " not in excerpt and "That day's briefing" not in excerpt
    box.fill("Ukraine")
    before = len(titles_when(page, "t.length > 1"))
    topics = page.locator(".search__filter")
    assert topics.get_attribute("open") is None  # the tag filter starts closed
    topics.locator("summary").click()
    listed = topics.locator("label").all_inner_texts()
    assert listed and all("(0)" not in label for label in listed)  # only tags found in the results
    topics.locator("label", has_text="Liz Truss").click()
    assert titles_when(page, f"t.length < {before}") == [SEED_HEADLINE]


def titles_when(page, condition: str) -> list[str]:
    """The result titles once `condition` (JavaScript over the titles `t`) holds."""
    script = (
        "(() => { const t = [...document.querySelectorAll('.search__title')].map(e => e.innerText);"
        f" return {condition}; }})()"
    )
    page.wait_for_function(script, timeout=10_000)
    return list(page.locator(".search__title").all_inner_texts())


HOSTILE_TAG = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = '<img src=x onerror=alert(2)> "Hostile" <script>alert(3)</script>'
SHOWN_TITLE = HOSTILE_TITLE.replace('"Hostile"', "“Hostile”")  # as text, with the site's typography


@pytest.mark.browser
def test_nothing_from_content_runs_on_the_search_page(page, site, cli, http_root) -> None:
    if not search.available():
        pytest.skip("Pagefind is not installed")
    root = site(
        {
            "content/a.md": (
                "---\n"
                f"title: '{HOSTILE_TITLE}'\n"
                f"tags: ['{HOSTILE_TAG}', '<b onmouseover=alert(4)>bold</b>', 'Zebras']\n"
                "summary: '<svg onload=alert(5)> zebra summary'\n"
                "date: 2022-04-29\n---\n"
                "Zebra text with &lt;img src=x onerror=alert(6)&gt; and `<script>alert(7)</script>`.\n"
            ),
            "content/b.md": "---\ntitle: A calm zebra\ntags: [Zebras]\ndate: 2022-04-30\n---\nZebra.\n",
        }
    )
    assert cli("build", "--now", "2022-05-01").status == 0
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(http_root(root / "public") + "/search/?q=zebra")
    titles = titles_when(page, "t.length == 2")
    assert SHOWN_TITLE in titles
    page.locator(".search__filter summary").click()
    labels = " ".join(page.locator(".search__filter label").all_inner_texts())
    assert HOSTILE_TAG in labels and "<b onmouseover=alert(4)>bold</b>" in labels
    page.locator(".search__filter label", has_text=HOSTILE_TAG).click()
    assert titles_when(page, "t.length == 1") == [SHOWN_TITLE]
    assert (
        "with <img src=x onerror=alert(6)> and <script>alert(7)</script>"
        in page.locator(".search__excerpt").inner_text()
    )
    results = page.locator("#search")
    for selector in ("img", "script", "svg", "iframe", "b", "[onerror]", "[onload]", "[onmouseover]"):
        assert results.locator(selector).count() == 0, selector
    page.locator(".search__result a").first.hover()
    page.wait_for_timeout(300)
    assert dialogs == []


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
    link = page.locator(".search__title a").first
    link.wait_for(timeout=10_000)
    href = link.get_attribute("href") or ""
    assert href.startswith("/news/2022/"), href
    page.goto(base + href)
    assert page.locator("h1").inner_text().startswith("NATO should seek")


WHOLE = """async (queries) => {
  const whole = await import('/whole/pagefind.js');
  await whole.options({ baseUrl: '/' });
  const out = [];
  for (const q of queries) {
    const found = await whole.search(q);
    const first = found.results.length ? (await found.results[0].data()).url : null;
    out.push([found.results.length, first]);
  }
  return out;
}"""


@pytest.mark.browser
def test_month_shards_find_what_one_index_finds_with_the_headline_first(page, tmp_path: Path, http_root) -> None:
    """On the 1,000-article benchmark corpus: the search page over month shards finds as many
    articles as one Pagefind index of the whole site, and the article whose headline is the
    query comes first. (Queries holding a word that occurs in one month only, a number in a
    link, say, are left out of the count check: in the other months Pagefind matches words
    that begin like it, as it does for any unknown word; see README, Search.)"""
    if not search.available():
        pytest.skip("Pagefind is not installed")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import generate

    site = tmp_path / "site"
    generate(1000, site)
    assert main(["--site", str(site), "build", "--now", "2023-06-01"]) == 0
    out = site / "public"
    command = [sys.executable, "-m", "pagefind", "--site", str(out), "--output-path", str(out / "whole")]
    subprocess.run([*command, "--glob", "*/*/*/*/index.html", "--exclude-selectors", search.EXCLUDE], check=True)
    known = []
    for path in sorted((site / "content").rglob("*.md"))[::40]:
        text = path.read_text()
        title = re.search(r'^title: "(.*)"$', text, re.M).group(1)
        known.append((title, re.search(r"^slug: (.*)$", text, re.M).group(1)))
    words = ["election", "Scholz", "inflation minister", "Kierkegaard", "Zoë Müller", "Kraków budget", "ports Odesa"]
    queries = [title for title, _ in known] + words
    base = http_root(out)
    page.goto(base + "/search/")
    whole = page.evaluate(WHOLE, queries)
    box = page.locator("#site-search")
    first_hits = 0
    for query, (count, _) in zip(queries, whole, strict=True):
        box.fill(query)
        rare = re.search(r"\d", query) is not None
        counted = f"{count} article{'s' if count != 1 else ''}" if count else "No article"
        said = "e => { const s = document.querySelector('.search__status').textContent;"
        said += " return s.startsWith(e[0]) && s.endsWith(e[1]); }"
        page.wait_for_function(said, arg=["" if rare else counted, f"“{query}”"], timeout=10_000)
        if count:
            page.locator(".search__title").first.wait_for(timeout=10_000)
        slug = dict((t, s) for t, s in known).get(query)
        if slug:
            first = page.locator(".search__title a").first.get_attribute("href")
            first_hits += first.rstrip("/").endswith(slug)
    assert first_hits == len(known)
