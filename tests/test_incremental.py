"""Incremental builds: whatever sequence of edits, an incremental build equals a clean one."""

from __future__ import annotations

import os
import pickle
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import photos
import pytest
from conftest import FIXTURE_NOW, FIXTURES, ROOT, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing import site as site_module
from briefing.builder import BuildOptions, build
from briefing.config import SiteConfig, default_config, load_config
from briefing.content import load_article, parse_when
from briefing.markup import Body
from briefing.pages import NEWSLETTER_FILES
from briefing.state import cache
from briefing.state import snapshot as delta
from briefing.state.cache import Store
from briefing.state.manifest import manifest_path

ARTICLES = sorted(p.relative_to(FIXTURES / "site").as_posix() for p in (FIXTURES / "site/content").rglob("*.md"))

EDITS = st.one_of(
    st.tuples(st.just("body"), st.sampled_from(ARTICLES), st.text("abc XYZ", min_size=1, max_size=12)),
    st.tuples(st.just("lede"), st.sampled_from(ARTICLES), st.text("abc XYZ", min_size=1, max_size=12)),
    st.tuples(st.just("title"), st.sampled_from(ARTICLES), st.text("abcdef ", min_size=3, max_size=12)),
    st.tuples(st.just("tags"), st.sampled_from(ARTICLES), st.sampled_from(["[NATO]", "[Taiwan, Chile]", "[New Tag]"])),
    st.tuples(st.just("date"), st.sampled_from(ARTICLES), st.sampled_from(["2022-04-27", "2022-04-30T10:00"])),
    st.tuples(st.just("delete"), st.sampled_from(ARTICLES), st.just("")),
    st.tuples(st.just("draft"), st.sampled_from(ARTICLES), st.just("")),  # made a draft, or published again
    st.tuples(st.just("schedule"), st.sampled_from(ARTICLES), st.sampled_from(["2022-05-01T07:00", "2031-01-01"])),
    st.tuples(st.just("clock"), st.just(""), st.sampled_from(["1", "3"])),  # hours on: an embargo passes
    # a photo given, replaced under its name (another size) or taken away
    st.tuples(st.just("photo"), st.sampled_from(ARTICLES), st.sampled_from(["300x200", "420x280", "none"])),
    st.tuples(st.just("add"), st.sampled_from(["2022-04-28", "2022-04-30"]), st.text("abc", min_size=1, max_size=6)),
    st.tuples(
        st.just("template"),
        st.sampled_from(["templates/day.html", "templates/tag.html", "templates/_macros.html", "templates/base.html"]),
        st.text("xyz", min_size=1, max_size=5),
    ),
)


def apply(root: Path, edit: tuple[str, str, str]) -> None:
    kind, name, value = edit
    path = root / name
    if kind == "add":
        target = root / f"content/added/{name}-{abs(hash(value)) % 1000}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\ntitle: Added {value}\ndate: {name}\ntags: [NATO, {value}]\n---\nNew {value}.\n")
        return
    if kind == "template":
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            shutil.copy(Path(__file__).resolve().parent.parent / name, path)
        text = path.read_text()  # a visible change inside the first block or macro, or at the end
        end = next((text.index(t) for t in ("{% endmacro", "{% endblock") if t in text), len(text))
        path.write_text(f"{text[:end]}<!-- {value} -->{text[end:]}")
        return
    if not path.exists():
        return
    if kind == "delete":
        path.unlink()
        return
    if kind == "draft":
        text = path.read_text()
        drafted = "draft: true\n" in text
        path.write_text(
            text.replace("draft: true\n", "") if drafted else text.replace("---\n", "---\ndraft: true\n", 1)
        )
        return
    if kind == "schedule":
        path.write_text(re.sub(r"^date: .*$", f"date: {value}", path.read_text(), count=1, flags=re.M))
        return
    if kind == "photo":
        text = re.sub(r"^image: .*\nimage_alt: .*\n", "", path.read_text(), flags=re.M)
        photo = path.with_suffix(".jpg")
        if value == "none":
            photo.unlink(missing_ok=True)
        else:
            width, height = map(int, value.split("x"))
            photo.write_bytes(photos.jpeg(width, height))
            text = text.replace("---\n", f"---\nimage: {photo.name}\nimage_alt: A photo\n", 1)
        path.write_text(text)
        return
    lines = path.read_text().split("\n")
    fields = {"title": "title: ", "tags": "tags: ", "date": "date: "}
    if kind == "body":
        lines.append(f"Added text {value}.")
    elif kind == "lede":  # a new first paragraph: the summary of an article without one changes
        end = lines.index("---", 1)
        lines[end + 1 : end + 1] = [f"First text {value}.", ""]
    else:
        lines = [f"{fields[kind]}{value}" if line.startswith(fields[kind]) else line for line in lines]
    path.write_text("\n".join(lines))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=6))
def test_incremental_builds_equal_clean_builds(tmp_path_factory, edits) -> None:
    work = tmp_path_factory.mktemp("inc")
    root = work / "site"
    shutil.copytree(FIXTURES / "site", root)
    config = load_config(root)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    store = Store(config.cache_dir)  # kept across builds, as watch mode and the disk cache do
    build(config, BuildOptions(out_dir=root / "public", now=now), store)
    for step, edit in enumerate(edits):
        if edit[0] == "clock":
            now += timedelta(hours=int(edit[2]))
        else:
            apply(root, edit)
        config = load_config(root)
        if step % 2:  # as a fresh process: the manifest, snapshot and cache are read back from disk
            cache.forget_written()
            store = Store(config.cache_dir)
        try:
            build(config, BuildOptions(out_dir=root / "public", now=now), store)
        except Exception:
            continue  # an edit may make the site invalid (two tags with one URL); the next may fix it
    fresh = work / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("public", ".briefing-cache"))
    fresh_config = load_config(fresh)
    try:
        build(fresh_config, BuildOptions(out_dir=fresh / "public", now=now))
    except Exception:
        return
    build(config, BuildOptions(out_dir=root / "public", now=now), store)
    incremental = {k: v[0] for k, v in snapshot(root / "public").items()}
    clean = {k: v[0] for k, v in snapshot(fresh / "public").items()}
    assert incremental.keys() == clean.keys()
    for name in clean:
        assert incremental[name] == clean[name], name


def test_a_no_change_rebuild_renders_nothing(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    first = build(config, options)
    assert first.rendered == first.pages and first.written > 0
    again = build(config, options)
    assert (again.rendered, again.written, again.deleted) == (0, 0, 0)
    assert again.pages == first.pages
    article = fixture_site / "content/2022/04/28/grain.md"
    article.write_text(article.read_text())  # touched, same bytes: its stamp changes, nothing else
    touched = build(config, options)
    assert touched.written == 0 and touched.articles_read == 1


def _clean_build(root: Path, now: datetime) -> dict[str, bytes]:
    fresh = root.parent / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("public", ".briefing-cache"))
    build(load_config(fresh), BuildOptions(out_dir=fresh / "public", now=now))
    return {k: v[0] for k, v in snapshot(fresh / "public").items()}


def _at_fixture_now(root: Path) -> tuple[SiteConfig, BuildOptions]:
    """The site's configuration and the options of a build into its public/ at the fixture's clock."""
    config = load_config(root)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    return config, BuildOptions(out_dir=root / "public", now=now)


def test_a_body_edit_plans_only_the_pages_that_hold_the_article(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    now = options.now
    build(config, options)
    grain = fixture_site / "content/2022/04/28/grain.md"
    grain.write_text(grain.read_text() + "\nA second paragraph, added later.\n")
    report = build(config, options)  # a fresh store each time, as a fresh process has
    assert report.quick and report.articles_read == 1
    # its page, the site's two feeds and its two tags' feeds: no list page is even planned; its
    # day's newsletter holds it whole too, and is rendered, the same bytes (it shows no body)
    assert report.written == 5 and report.rendered == 7 and report.unchanged == report.pages - 5
    assert {"2022/04/28/newsletter.html", "2022/04/28/newsletter.txt"} <= set(report.rendered_files)
    assert set(report.changed_files) == {
        "2022/04/28/grain-stuck/index.html",
        "feed.xml",
        "feed.json",
        "tags/ukraine/feed.xml",
        "tags/nato/feed.xml",
    }
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, now)


def _edit_and_build(root: Path, old: str, new: str, setup: tuple[str, str] | None = None):
    config = load_config(root)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    options = BuildOptions(out_dir=root / "public", now=now)
    if setup:  # lithium at grain's very minute, so their order comes from their headlines
        lithium = root / "content/2022/04/28/lithium.md"
        lithium.write_text(lithium.read_text().replace(*setup))
    build(config, options)
    grain = root / "content/2022/04/28/grain.md"
    text = grain.read_text()
    assert old in text
    grain.write_text(text.replace(old, new))
    report = build(config, options)
    assert {k: v[0] for k, v in snapshot(root / "public").items()} == _clean_build(root, now)
    return report


SAME_MINUTE = ("date: 2022-04-28\n", "date: 2022-04-28T16:00\n")


@pytest.mark.parametrize(
    ("old", "new", "setup"),
    [
        ("About 25 million", "A new first paragraph.\n\nAbout 25 million", None),  # the summary comes from it
        ("title: Grain stuck in Ukraine's ports", "title: Grain still stuck", None),
        ("title: Grain stuck in Ukraine's ports", "title: Grain still stuck", SAME_MINUTE),  # a title never reorders
        ("title: Grain stuck in Ukraine's ports", "title: Able to ship grain", SAME_MINUTE),
    ],
)
def test_a_headline_or_summary_edit_replans_the_pages_showing_the_card(
    fixture_site: Path, old: str, new: str, setup: tuple[str, str] | None
) -> None:
    report = _edit_and_build(fixture_site, old, new, setup)
    assert report.quick
    changed = set(report.changed_files)
    # its page and feeds, its day and its tags' pages (and its month and year when they show
    # what changed), not the lists of tags or pages
    assert {"2022/04/28/grain-stuck/index.html", "feed.xml", "2022/04/28/index.html"} <= changed
    assert {"tags/ukraine/index.html", "tags/nato/index.html"} <= changed
    assert "tags/index.html" not in changed and "sitemap.xml" not in changed


@pytest.mark.parametrize(
    ("old", "new", "setup"),
    [
        ("tags: [Ukraine, NATO]", "tags: [Ukraine]", None),
        ("date: 2022-04-28T16:00", "date: 2022-04-28T15:00", None),
        ("tags:", "updates:\n  - at: 2022-04-29T09:00\n    kind: correction\n    text: Fixed.\ntags:", None),
        ("tags:", "template: feature.html\ntags:", None),  # its page's template, named in its recipe
        ("tags:", "priority: 9\ntags:", None),  # the desk pushes it below the day's other story
    ],
)
def test_an_edit_that_moves_an_article_takes_the_full_path(
    fixture_site: Path, old: str, new: str, setup: tuple[str, str] | None
) -> None:
    feature = fixture_site / "templates/feature.html"
    feature.parent.mkdir(exist_ok=True)
    feature.write_text('{% extends "article.html" %}{% block title %}Feature: {{ article.title }}{% endblock %}')
    report = _edit_and_build(fixture_site, old, new, setup)
    assert not report.quick and report.written >= 1


def test_without_a_whole_snapshot_the_build_takes_the_full_path(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    grain = fixture_site / "content/2022/04/28/grain.md"
    snapshot_file = delta.snapshot_path(manifest_path(config.cache_dir, fixture_site / "public"))
    snapshot_file.with_suffix(".marks").unlink()  # a table of it lost
    grain.write_text(grain.read_text() + "\nMore.\n")
    assert not build(config, options).quick
    grain.write_text(grain.read_text() + "\nAnd more.\n")
    assert build(config, options).quick  # the full build left a whole snapshot
    snapshot_file.write_bytes(b"not a pickle")
    grain.write_text(grain.read_text() + "\nStill more.\n")
    assert not build(config, options).quick


def test_a_watching_build_stamps_only_what_the_events_named(tmp_path: Path) -> None:
    from briefing.config import default_config
    from briefing.state.stamps import scan

    config = default_config(tmp_path)
    day = tmp_path / "content/2022/04/28"
    day.mkdir(parents=True)
    (day / "b.md").write_text("b")
    first = scan(config, None, None)
    assert list(first) == [str(day / "b.md")]
    (day / "a.md").write_text("a")  # named by an event: found, in file order
    (day / "c.md").write_text("c")  # named by none: not found until a walk
    second = scan(config, first, [str(day / "a.md"), str(day / ".a.md.swp")])
    assert list(second) == [str(day / "a.md"), str(day / "b.md")]
    (day / "b.md").unlink()
    assert list(scan(config, second, [str(day / "b.md")])) == [str(day / "a.md")]
    moved = tmp_path / "content/2022/04/29"
    day.rename(moved)  # a folder's event is no article's: content/ is walked again
    assert list(scan(config, second, [str(day), str(moved)])) == [str(moved / n) for n in ("a.md", "c.md")]


def test_n_edits_of_one_article_leave_one_cached_body(fixture_site: Path, cli) -> None:
    import sqlite3

    def rows() -> tuple[int, int]:
        with sqlite3.connect(fixture_site / ".briefing-cache/cache.sqlite3") as db:
            bodies = db.execute("SELECT count(*) FROM bodies").fetchone()[0]
            used = db.execute("SELECT count(DISTINCT body_sha) FROM articles").fetchone()[0]
        return bodies, used

    assert cli("build", "--now", FIXTURE_NOW).status == 0
    first = rows()
    article = fixture_site / "content/2022/04/28/grain.md"
    for n in range(6):
        article.write_text(article.read_text().replace("About 25 million", f"About 25 million ({n})", 1))
        assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert rows() == first  # one row for the edited article's body, not seven
    article.unlink()  # a deleted article's body goes too
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert rows() == (first[0] - 1, first[1] - 1)


def test_a_body_two_articles_share_stays_cached_when_one_of_them_is_edited(site, cli) -> None:
    import sqlite3

    story = "---\ntitle: {title}\ndate: 2022-04-28T{hour}:00\n---\nThe same wire paragraph.\n"
    root = site(
        {"content/a.md": story.format(title="A", hour="08"), "content/b.md": story.format(title="B", hour="09")}
    )

    def settle() -> None:  # stamped files only are stored: a file written in the last seconds is not
        for path in (root / "content").glob("*.md"):
            os.utime(path, (time.time() - 60, time.time() - 60))

    def bodies() -> list[str]:
        with sqlite3.connect(root / ".briefing-cache/cache.sqlite3") as db:
            return [sha for (sha,) in db.execute("SELECT sha FROM bodies ORDER BY sha")]

    settle()
    assert cli("build", "--now", "2022-05-01").status == 0
    shared = bodies()
    assert len(shared) == 1
    (root / "content/a.md").write_text(story.format(title="A", hour="08") + "A line more.\n")
    settle()
    assert cli("build", "--now", "2022-05-01").status == 0
    assert set(shared) < set(bodies()) and len(bodies()) == 2  # b's body stays beside a's new one
    (root / "content/b.md").unlink()
    assert cli("build", "--now", "2022-05-01").status == 0
    assert len(bodies()) == 1 and not set(shared) & set(bodies())  # b went: no article uses the old one


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("2022/04/28/added.md", "---\ntitle: Added story\ndate: 2022-04-28T12:00\ntags: [NATO, Ukraine]\n---\nNew.\n"),
        ("2022/04/27/new-day.md", "---\ntitle: A day of its own\ndate: 2022-04-27T08:00\ntags: [Chile]\n---\nNew.\n"),
        (
            "2022/04/29/new-tag.md",
            "---\ntitle: A new topic\ndate: 2022-04-29T07:00\ntags: [Brand New, NATO]\n---\nNew.\n",
        ),
        ("2022/04/29/no-tags.md", "---\ntitle: Untagged\ndate: 2022-04-29T23:00\n---\nNew.\n"),
    ],
)
def test_an_added_article_plans_only_the_pages_that_hold_or_list_it(fixture_site: Path, name: str, text: str) -> None:
    config, options = _at_fixture_now(fixture_site)
    now = options.now
    first = build(config, options)
    path = fixture_site / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    report = build(config, options)  # a fresh store, as a fresh process has
    assert report.quick and report.articles_read == 1
    assert report.pages > first.pages and report.rendered < report.pages
    clean = _clean_build(fixture_site, now)
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == clean
    assert report.pages == len([name for name in clean if not name.startswith("static/")])
    again = fixture_site / "content" / name.replace(".md", "-2.md")
    again.write_text(text.replace("title: ", "title: Second "))
    assert build(config, options).quick  # the snapshot it left is right for the next one
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, now)


def test_an_added_draft_or_scheduled_article_renders_nothing(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    now = options.now
    build(config, options)
    (fixture_site / "content/draft.md").write_text("---\ntitle: Draft\ndate: 2022-04-28\ndraft: true\n---\nNo.\n")
    report = build(config, options)
    assert report.quick and report.written == 0 and report.deleted == 0
    (fixture_site / "content/later.md").write_text("---\ntitle: Later\ndate: 2030-01-01\n---\nNo.\n")
    report = build(config, options)
    assert report.quick and report.written == 0 and report.next_due is not None
    assert report.next_due[1] == "content/2022/05/01/scheduled.md"  # still the first one due
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, now)


def _files(public: Path) -> dict[str, bytes]:
    return {k: v[0] for k, v in snapshot(public).items()}


def _page_of(public: Path, title: str) -> str:
    """The output file of the article page headed `title`."""
    pages = [p for p in public.glob("20*/*/*/*/index.html") if f">{title}</h1>" in p.read_text()]
    assert len(pages) == 1, title
    return pages[0].relative_to(public).as_posix()


GOING = [
    ("2022/04/29/sao-paulo.md", "São Paulo schools reopen", ["brazil"]),  # its only tag goes with it
    ("2022/04/28/lithium.md", "Chile to create a state lithium company", ["chile", "nato"]),
]


@pytest.mark.parametrize("how", ["deleted", "made a draft", "scheduled again"])
@pytest.mark.parametrize(("name", "title", "tags"), GOING)
def test_an_article_that_goes_plans_only_the_pages_that_held_or_listed_it(
    fixture_site: Path, name: str, title: str, tags: list[str], how: str
) -> None:
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    public = fixture_site / "public"
    before = _files(public)
    page = _page_of(public, title)
    path = fixture_site / "content" / name
    if how == "deleted":
        path.unlink()
    else:
        change = ("draft: false", "draft: true") if how == "made a draft" else ("date: 2022-0", "date: 2031-0")
        text = path.read_text()
        path.write_text(text.replace("---\n", f"---\n{change[1]}\n", 1) if change[0] not in text else text)
        if how == "scheduled again":
            path.write_text(re.sub(r"^date: .*$", "date: 2031-01-01", path.read_text(), count=1, flags=re.M))
    cache.forget_written()  # as a fresh process: the manifest and snapshot are read back from disk
    report = build(config, options)
    assert report.quick and report.articles_read <= 1
    after = _files(public)
    assert after == _clean_build(fixture_site, options.now)
    assert page not in after and page in report.changed_files
    # every page it was on, and only those, was planned and (where its key changed) rendered
    showed = {
        f for f, data in before.items() if title.encode() in data or title.replace("ã", "&#227;").encode() in data
    }
    lists = {"index.html", "tags/index.html", "archive/index.html", "subscribe/index.html", "2022/index.html"}
    lists |= {"2022/04/index.html", "2022/05/index.html", "sitemap.xml", "news-sitemap.xml", "feed.xml", "feed.json"}
    lists |= {f for f in before if f.startswith(tuple(f"tags/{t}/" for t in tags))}
    days = sorted(f for f in before if re.fullmatch(r"\d{4}/\d\d/\d\d/index\.html", f))
    at = days.index(f"{name[:11]}index.html")
    beside = days[max(0, at - 1) : at + 2]  # its edition and those beside it, and their newsletters
    lists |= {day.replace("index.html", name) for day in beside for name in ("index.html", *NEWSLETTER_FILES)}
    assert set(report.rendered_files) <= showed | lists
    assert not {"404.html", "search/index.html"} & set(report.rendered_files)
    assert {f for f in before if f not in after} == {f for f in report.changed_files if f not in after}
    for tag in tags:
        gone = not any(f.startswith(f"tags/{tag}/") for f in after)
        assert gone == (tag in {"brazil", "chile"})  # only in the article that went
    again = fixture_site / "content/2022/04/29/added.md"  # the snapshot it left is right for the next build
    again.write_text("---\ntitle: Added after\ndate: 2022-04-29T11:00\ntags: [NATO, Brazil]\n---\nNew.\n")
    cache.forget_written()
    assert build(config, options).quick
    assert _files(public) == _clean_build(fixture_site, options.now)


def test_a_draft_published_again_and_a_scheduled_article_coming_due_take_the_quick_path(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    public = fixture_site / "public"
    draft = fixture_site / "content/2022/05/01/draft.md"
    draft.write_text(draft.read_text().replace("draft: true\n", ""))
    report = build(config, options)
    assert report.quick and "tags/secret-draft-tag/index.html" in report.changed_files
    assert _files(public) == _clean_build(fixture_site, options.now)
    later = replace(options, now=options.now + timedelta(hours=1, minutes=30))  # past the embargo's 06:00
    cache.forget_written()
    report = build(config, later)
    assert report.quick and report.articles_read <= 1  # the clock published it (a file this fresh is read again)
    assert "tags/embargo-tag/index.html" in report.changed_files and report.next_due is None
    assert _files(public) == _clean_build(fixture_site, later.now)
    assert build(config, later).rendered == 0


@pytest.mark.parametrize(
    ("template", "kinds"),
    [
        ("tag.html", {"tag"}),
        ("day.html", {"day"}),
        ("feed.xml", {"feed"}),
        ("_macros.html", {"tag", "day", "home", "article"}),  # imported by those four
        ("base.html", {"tag", "day", "home", "article", "month", "year", "tags", "archive", "page", "search", "404"}),
    ],
)
def test_a_template_edit_renders_only_the_pages_that_use_it(fixture_site: Path, template: str, kinds: set[str]) -> None:
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    own = fixture_site / "templates" / template
    own.parent.mkdir(exist_ok=True)
    own.write_text((Path(__file__).resolve().parent.parent / "templates" / template).read_text() + "{# edited #}\n")
    report = build(config, options)
    output = [name for name in snapshot(fixture_site / "public") if not name.startswith(("static/", "pagefind/"))]
    assert set(report.rendered_files) == {name for name in output if _kind(name) in kinds}
    assert report.written == 0  # a comment: every page that uses the template is rendered, none changes
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, options.now)


def _kind(name: str) -> str:
    """What sort of page an output file is, by its name."""
    parts = name.split("/")
    if name in {"index.html", "404.html"}:
        return "home" if name == "index.html" else "404"
    if parts[-1] == "feed.xml":
        return "feed"
    if parts[0] == "tags":
        return "tags" if len(parts) == 2 else "tag" if parts[-1] == "index.html" else "other"
    if parts[0].isdigit() and parts[-1] == "index.html":
        return {2: "year", 3: "month", 4: "day", 5: "article"}.get(len(parts), "other")
    if len(parts) == 2 and parts[1] == "index.html":
        return {"archive": "archive", "search": "search", "subscribe": "page"}.get(parts[0], "page")
    return "other"


def test_an_added_article_moves_urls_along_the_numbered_sitemaps(fixture_site: Path) -> None:
    config_file = fixture_site / "site.toml"
    config_file.write_text(config_file.read_text() + "sitemap_urls = 5\n")
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    parts = sorted(p.name for p in (fixture_site / "public").glob("sitemap-*.xml"))
    for number in range(5):  # enough to need another numbered sitemap
        added = fixture_site / f"content/2022/04/28/added-{number}.md"
        added.write_text(f"---\ntitle: Added {number}\ndate: 2022-04-28T1{number}:00\ntags: [NATO]\n---\nNew.\n")
        assert build(config, options).quick
    grown = sorted(p.name for p in (fixture_site / "public").glob("sitemap-*.xml"))
    assert len(grown) > len(parts)
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, options.now)


def _fragments_made(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, tuple[str, str, str]]]:
    """What each build hands the store as fragments rendered now (key -> card, theme, html)."""
    made: list[dict[str, tuple[str, str, str]]] = []
    real = Store.put_fragments

    def recording(self: Store, fragments: dict[str, tuple[str, str, str]]) -> None:
        made.append(dict(fragments))
        real(self, fragments)

    monkeypatch.setattr(Store, "put_fragments", recording)
    return made


def test_a_shifted_tag_page_is_joined_from_cards_rendered_before(fixture_site: Path, monkeypatch) -> None:
    """An added article shifts every page of its tags by one story; in a fresh process, only
    the new story's card is rendered (once for each way the lists show it): the rest come from
    the cache, and the pages are those of a clean build."""
    toml = fixture_site / "site.toml"  # every story of a tag on its own page: all shift
    toml.write_text(re.sub(r"^per_page = .*$", "per_page = 1", toml.read_text(), flags=re.M))
    config, options = _at_fixture_now(fixture_site)
    made = _fragments_made(monkeypatch)
    build(config, options)
    assert made[-1] and all(card for card, _, _ in made[-1].values())
    added = fixture_site / "content/2022/04/29/added.md"
    # the day's first story, so it goes last in its edition and no other card changes its role
    added.write_text("---\ntitle: Added later\ndate: 2022-04-29T00:01\ntags: [NATO, Ukraine]\n---\nNew.\n")
    cache.forget_written()
    report = build(config, options)  # a fresh store: the fragments come from disk
    assert report.quick
    shifted = [f for f in report.rendered_files if f.startswith(("tags/nato/page/", "tags/ukraine/page/"))]
    assert len(shifted) >= 4
    digests = {card for card, _, _ in made[-1].values()}
    assert len(digests) == 1 and 1 <= len(made[-1]) <= 3  # the new card: on tag pages, its day, home
    last = delta.load(delta.snapshot_path(manifest_path(config.cache_dir, options.out_dir)))
    assert last is not None and digests == {last.cards["content/2022/04/29/added.md"].digest}
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, options.now)


def test_a_macro_edit_renders_every_card_again_and_prunes_the_old_ones(fixture_site: Path, monkeypatch) -> None:
    config, options = _at_fixture_now(fixture_site)
    build(config, options)
    macros = fixture_site / "templates/_macros.html"
    macros.parent.mkdir(exist_ok=True)
    text = (Path(__file__).resolve().parent.parent / "templates/_macros.html").read_text()
    macros.write_text(text.replace('<article class="card', '<article data-edited class="card'))
    grain = fixture_site / "content/2022/04/28/grain.md"
    grain.unlink()  # and a story goes: its card's fragments with it
    build(config, options)
    public = fixture_site / "public"
    tag_pages = [p for p in public.glob("tags/*/index.html")]
    assert tag_pages and all("data-edited" in p.read_text() for p in tag_pages)
    assert {k: v[0] for k, v in snapshot(public).items()} == _clean_build(fixture_site, options.now)
    db = sqlite3.connect(config.cache_dir / "cache.sqlite3")
    rows = [(card, theme, html.decode()) for card, theme, html in db.execute("SELECT card, theme, html FROM fragments")]
    themes = {theme for _, theme, _ in rows}
    assert rows and all("data-edited" in html for _, _, html in rows) and len(themes) == 1
    assert not any("Grain" in html for _, _, html in rows)


def test_a_delta_past_a_quarter_of_its_table_is_folded_into_the_table(tmp_path: Path) -> None:
    """Quick builds write the rows they change beside a table; once those are more than a
    quarter of it (and more than `COMPACT_FROM`), the whole table is written instead."""
    table = cache.Layered(tmp_path / "t.pickle", 1, tuple, tuple)
    rows = {f"row-{n:04}": (n,) for n in range(2400)}
    table.save("token", rows)
    for start in (0, 400):  # 400 rows, then 800: the second passes a quarter of 2,400
        changed = {f"row-{n:04}": (-n,) for n in range(start, start + 400)}
        rows.update(changed)
        table.save_changes("token", changed, lambda: rows)
        assert table.delta.exists() == (start == 0)
    cache.forget_written()
    assert table.load() == ("token", rows)


def test_writing_bodies_and_fragments_to_the_cache_leaves_their_html_as_it_was(tmp_path: Path) -> None:
    """Pickle and SQLite, given text, keep the UTF-8 copy they make inside the string when it
    is not ASCII (CPython's cache): a cold build's bodies and fragments took twice their
    memory once flushed. The cache is handed bytes instead, and reads back the same text."""
    store = Store(tmp_path / "cache")
    article = tmp_path / "content/2023/05/01/zurich.md"
    article.parent.mkdir(parents=True)
    article.write_text("---\ntitle: Zürich\ndate: 2023-05-01T09:00\n---\nZürich, São Paulo and Kraków.\n")
    source, notes = load_article(article, default_config(tmp_path))
    store.put_article(str(article), "stamp", source, notes)
    html = "<p>Zürich, São Paulo and Kraków: “quoted” — dashed</p>\n" * 40
    body = Body(html, 120, "Zürich, São Paulo")
    fragment = "<article>Kraków — “card”</article>" * 10
    store.put_body(source.body_sha, body)
    store.put_fragments({"key": ("card", "theme", fragment)})
    sizes = [sys.getsizeof(text) for text in (body.html, body.lede, fragment)]
    store.flush()
    assert [sys.getsizeof(text) for text in (body.html, body.lede, fragment)] == sizes
    pickle.dumps(html)
    assert sys.getsizeof(html) > sizes[0]  # what a pickle does to such a string
    again = Store(tmp_path / "cache")
    assert again.body(source.body_sha) == body
    assert again.fragments({"card"}) == {"key": fragment}


def test_the_recipe_table_reads_back_what_it_was_given_one_blob_at_a_time(tmp_path: Path) -> None:
    """The recipes' table: written whole, with blobs put (changed and added) since as a delta,
    folded in past a quarter of it, and a file cut short or of another version not found."""
    table = cache.BlobTable(tmp_path / "t.recipes", 1)

    def read_back() -> tuple[str, cache.Blobs]:
        cache.forget_written()
        return table.load() or ("", cache.Blobs.of([]))

    blobs = [f"recipe {n} ".encode() * (n % 7) for n in range(2400)]  # empty ones too
    table.save("token", cache.Blobs.of(blobs))
    token, loaded = read_back()
    assert token == "token" and [loaded[n] for n in range(len(loaded))] == blobs
    with pytest.raises(IndexError):
        loaded[len(blobs)]
    put = {3: b"three", 2400: b"new"}
    grown = loaded.with_put(put, 2401)
    table.save_changes("token", put, grown)
    assert table.delta.exists()
    token, again = read_back()
    assert [again[n] for n in range(len(again))] == [*blobs[:3], b"three", *blobs[4:], b"new"]
    assert table.path.read_bytes().count(b"three") == 0  # the whole stands: only the delta changed
    many = {n: b"x" for n in range(700)}  # past COMPACT_FROM and a quarter of the table
    table.save_changes("token", many, again.with_put(many, len(again)))
    assert not table.delta.exists()
    token, folded = read_back()
    assert folded[0] == b"x" and folded[2400] == b"new" and len(folded) == 2401
    assert pickle.loads(pickle.dumps(folded))[3] == b"x"  # pickled as its blobs
    data = table.path.read_bytes()
    table.path.write_bytes(data[:-1])
    cache.forget_written()
    assert table.load() is None
    table.path.write_bytes(data)
    cache.forget_written()
    assert cache.BlobTable(table.path, 2).load() is None


def test_related_lists_of_the_whole_site_and_of_a_few_follow_the_rule() -> None:
    """The related lists, of every story (`arrange`) and of the few a change reaches
    (`related_of`, which looks only at their tags), against the rule written out plainly: in
    each shared tag, the RELATED_WINDOW stories on either side count the tag's weight; a
    total under RELATED_FLOOR is no relation; the best go first, then the nearest in time.
    600 stories over 60 days with 1-4 of 40 tags, the common ones used hundreds of times."""
    chooser = random.Random(17)
    names = [f"Tag {n}" for n in range(40)]
    weights = [1 / (i + 1) for i in range(40)]
    held = []
    for n in range(600):
        when = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(hours=chooser.randrange(60 * 24))
        picked = sorted(set(chooser.choices(names, weights=weights, k=chooser.randint(1, 4))))
        tags = tuple(site_module.tag_ref(name) for name in picked)
        url = f"/{when:%Y/%m/%d}/story-{n}/"
        card = site_module.Card(url, f"Story {n}", "", when, when, tags, (), f"{n}.md", 5, "", None, f"digest {n}")
        held.append(site_module.Held(card))
    whole = site_module.arrange(held, 5, None)
    order = list(whole.articles)
    members = {tag.ref.name: [c.url for c in tag.cards] for tag in whole.tags}

    def rule(article: site_module.Held) -> tuple[str, ...]:
        score: dict[str, int] = {}
        for ref in article.tags:
            urls = members[ref.name]
            at = urls.index(article.url)
            for url in urls[max(0, at - site_module.RELATED_WINDOW) : at + site_module.RELATED_WINDOW + 1]:
                if url != article.url:
                    score[url] = score.get(url, 0) + site_module.tag_weight(len(urls))
        rank = {a.url: i for i, a in enumerate(order)}
        when = {a.url: a.date for a in order}
        best = sorted(
            (url for url, points in score.items() if points >= site_module.RELATED_FLOOR),
            key=lambda url: (-score[url], abs(when[url] - article.date), rank[url]),
        )[:5]
        return tuple(sorted(best, key=rank.__getitem__))

    expected = {a.url: rule(a) for a in order}
    assert {url: tuple(c.url for c in cards) for url, cards in whole.related.items()} == expected
    assert sum(map(len, expected.values())) > 1000  # most stories have related ones
    few = {a.url for a in chooser.sample(order, 40)}
    asked = site_module.related_of(whole, 5, few)
    assert {url: tuple(c.url for c in cards) for url, cards in asked.items()} == {u: expected[u] for u in few}
    assert site_module.related_of(whole, 5, set()) == {}


def test_a_story_far_down_a_tag_whose_weight_changes_gets_its_new_related_list(fixture_site: Path) -> None:
    """The oldest of fifteen "Sixteen" stories is related to its nearest Sixteen mates (a tie at
    weight 9 with its "Pairing" mates, which are further off in time). A sixteenth story, too
    far up the tag for the oldest to be its neighbour, halves the tag's weight: the oldest's
    list now goes to its Pairing mates, and the quick path must plan its page all the same; a
    delete gives the list back."""
    config, options = _at_fixture_now(fixture_site)
    content = fixture_site / "content/2022"

    def story(name: str, day: str, tags: str) -> Path:
        path = content / f"{name}.md"
        path.write_text(f"---\ntitle: {name}\ndate: 2022-{day}T09:00\ntags: [{tags}]\n---\nText.\n")
        settled = time.time() - 60  # not written a moment ago: the next build trusts its stamp
        os.utime(path, (settled, settled))
        return path

    story("oldest", "04-01", "Sixteen, Pairing")
    for n in range(14):
        story(f"sixteen-{n}", f"04-{n + 2:02}", "Sixteen")
    for n in range(8):
        story(f"pairing-{n}", f"03-{n + 1:02}", "Pairing")
    build(config, options)
    public = fixture_site / "public"
    oldest = "2022/04/01/oldest/index.html"
    before = (public / oldest).read_bytes()
    assert b"/sixteen-4/" in before and b"/pairing-3/" not in before  # (not its neighbours)
    added = story("sixteen-new", "04-20", "Sixteen")
    cache.forget_written()
    report = build(config, options)
    assert report.quick and oldest in report.rendered_files
    after = (public / oldest).read_bytes()
    assert b"/sixteen-4/" not in after and b"/pairing-3/" in after
    assert _files(public) == _clean_build(fixture_site, options.now)
    added.unlink()
    cache.forget_written()
    report = build(config, options)
    assert report.quick and oldest in report.rendered_files
    assert (public / oldest).read_bytes() == before
    assert _files(public) == _clean_build(fixture_site, options.now)


def test_a_full_build_leaves_no_cache_log_for_the_next_process_to_read(tmp_path: Path) -> None:
    """A full build's cache writes (here 520 articles and their bodies) leave SQLite's
    write-ahead log empty, so the next process does not read it all back. A real process: the
    command line leaves with os._exit, which closes no connection (closing would fold the log
    in)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import generate

    site = tmp_path / "site"
    generate(520, site)
    command = [sys.executable, str(ROOT / "build.py"), "--site", str(site), "build", "--now", "2023-06-01"]
    subprocess.run(command, check=True, capture_output=True)
    log = site / ".briefing-cache/cache.sqlite3-wal"
    assert (site / ".briefing-cache/cache.sqlite3").stat().st_size > 1_000_000
    assert not log.exists() or log.stat().st_size == 0
