"""Incremental builds: whatever sequence of edits, an incremental build equals a clean one."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, FIXTURES, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.builder import BuildOptions, build
from briefing.config import SiteConfig, load_config
from briefing.content import parse_when
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
    st.tuples(st.just("add"), st.sampled_from(["2022-04-28", "2022-04-30"]), st.text("abc", min_size=1, max_size=6)),
    st.tuples(st.just("template"), st.just("templates/day.html"), st.text("xyz", min_size=1, max_size=5)),
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
            shutil.copy(Path(__file__).resolve().parent.parent / "templates/day.html", path)
        path.write_text(path.read_text() + f"{{# {value} #}}\n<!-- {value} -->\n")
        return
    if not path.exists():
        return
    if kind == "delete":
        path.unlink()
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
        apply(root, edit)
        config = load_config(root)
        if step % 2:  # as a fresh process: the manifest and snapshot are read back from disk
            cache.forget_written()
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
    # its page, the site's two feeds and its two tags' feeds: no list page is even planned
    assert report.rendered == report.written == 5 and report.unchanged == report.pages - 5
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
        ("date: 2022-04-28T16:00", "date: 2022-04-28T16:00\ndraft: true", None),
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
    article.unlink()  # a deleted article's body goes too (the full path)
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert rows() == (first[0] - 1, first[1] - 1)


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


def test_an_added_draft_or_scheduled_article_takes_the_full_path(fixture_site: Path) -> None:
    config, options = _at_fixture_now(fixture_site)
    now = options.now
    build(config, options)
    (fixture_site / "content/draft.md").write_text("---\ntitle: Draft\ndate: 2022-04-28\ndraft: true\n---\nNo.\n")
    assert not build(config, options).quick
    (fixture_site / "content/later.md").write_text("---\ntitle: Later\ndate: 2030-01-01\n---\nNo.\n")
    assert not build(config, options).quick
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == _clean_build(fixture_site, now)
