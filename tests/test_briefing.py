"""The briefing a reader opens: the desk's order and lead, a full front page, the archive, the
topics by letter, and correction marks (golden tests on small sites)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


def headlines(page: str, selector: str = "card__headline") -> list[str]:
    return re.findall(rf'class="{selector}"><a href="[^"]*">([^<]*)</a>', page)


def article(title: str, when: str, extra: str = "", tags: str = "[World]") -> str:
    return f"---\ntitle: {title}\ndate: {when}\ntags: {tags}\n{extra}---\nText of {title}.\n"


# (file, front matter) of one day's stories, and the order a reader must see them in
ORDERS = [
    (  # newest first when the desk sets nothing
        {"a": ("Morning", "2022-05-01T08:00"), "b": ("Noon", "2022-05-01T12:00"), "c": ("Evening", "2022-05-01T18:00")},
        ["Evening", "Noon", "Morning"],
    ),
    (  # the desk's lead opens the day, whatever its time
        {"a": ("Mariupol evacuation", "2022-05-01T08:10", "priority: 1\n"), "b": ("May Day", "2022-05-01T13:30")},
        ["Mariupol evacuation", "May Day"],
    ),
    (  # a story pushed down goes below those without a priority
        {"a": ("Minor", "2022-05-01T20:00", "priority: 9\n"), "b": ("Ordinary", "2022-05-01T07:00")},
        ["Ordinary", "Minor"],
    ),
    (  # equal priorities go newest first
        {
            "a": ("Older lead", "2022-05-01T06:00", "priority: 2\n"),
            "b": ("Newer lead", "2022-05-01T09:00", "priority: 2\n"),
        },
        ["Newer lead", "Older lead"],
    ),
    (  # dates without a time: never the headline's alphabet; the one corrected last first
        {
            "a": ("Aardvark story", "2022-05-01"),
            "b": (
                "Zebra story",
                "2022-05-01",
                "updates:\n  - at: 2022-05-01T10:00\n    kind: correction\n    text: Fixed.\n",
            ),
        },
        ["Zebra story", "Aardvark story"],
    ),
]


@pytest.mark.parametrize(("stories", "order"), ORDERS, ids=["time", "lead", "pushed-down", "equal", "date-only"])
def test_a_day_shows_its_stories_in_the_desks_order(site, cli, stories, order) -> None:
    files = {f"content/{name}.md": article(*spec) for name, spec in stories.items()}
    root = site({"site.toml": "", **files})
    assert cli("build", "--now", "2022-05-02").status == 0
    day = (root / "public/2022/05/01/index.html").read_text()
    assert headlines(day) == order
    assert day.count('class="card card--lead"') == 1
    assert headlines(day.split('class="card card--lead"')[1])[0] == order[0]  # the first story is the lead
    home = (root / "public/index.html").read_text()
    assert headlines(home) == order


def test_home_fills_the_front_page_from_earlier_days_under_their_dates(site, cli) -> None:
    files = {
        f"content/{day}-{n}.md": article(f"Story {day} {n}", f"2022-04-{day}T{10 + n}:00")
        for day in (26, 27, 28, 29, 30)
        for n in range(3)
    }
    root = site({"site.toml": "home_stories = 7\nhome_days = 1\n", **files})
    assert cli("build", "--now", "2022-05-01").status == 0
    home = (root / "public/index.html").read_text()
    # the latest day's three, then two earlier days' (3 + 3 + 3 >= 7), each under its date
    assert len(headlines(home)) == 9 and headlines(home)[0] == "Story 30 2"
    assert re.findall(r'class="day-title" id="day-([\d-]+)"', home) == ["2022-04-29", "2022-04-28"]
    assert "Earlier editions" in home and ">Wednesday 27 April 2022</a>" in home  # then links
    assert home.count("Saturday 30 April 2022") == 1  # the date of the edition once


def test_corrected_and_updated_stories_are_marked(site, cli) -> None:
    correction = "updates:\n  - at: 2022-05-01T17:40\n    kind: correction\n    text: Fixed a figure.\n"
    root = site(
        {
            "site.toml": 'timezone = "Europe/London"\n',
            "content/a.md": article("Corrected story", "2022-05-01T09:00", correction),
            "content/b.md": article("Plain story", "2022-05-01T08:00"),
        }
    )
    assert cli("build", "--now", "2022-05-02").status == 0
    day = (root / "public/2022/05/01/index.html").read_text()
    assert day.count('<span class="mark mark--correction">Corrected</span>') == 1
    page = (root / "public/2022/05/01/corrected-story/index.html").read_text()
    assert 'Corrected</span> <time datetime="2022-05-01T17:40:00+01:00">17:40 BST</time>' in page  # the same day
    feed = (root / "public/feed.xml").read_text()
    assert "Sunday 1 May 2022, 17:40 BST" in feed and "2022-05-01T17:40:00+01:00): " not in feed


def test_archive_lists_years_months_and_days_with_counts(site, cli) -> None:
    root = site(
        {
            "site.toml": "",
            "content/a.md": article("One", "2022-04-29T09:00"),
            "content/b.md": article("Two", "2022-04-29T10:00"),
            "content/c.md": article("Three", "2022-05-01T10:00"),
            "content/d.md": article("Four", "2021-12-31T10:00"),
        }
    )
    assert cli("build", "--now", "2022-05-02", "--strict").status == 0
    archive = (root / "public/archive/index.html").read_text()
    assert re.findall(r'<h2 id="y(\d+)">.*?<span class="count">(\d+) stor', archive) == [("2022", "3"), ("2021", "1")]
    assert 'May 2022 <span class="count">1 story</span>' in archive
    assert 'April 2022 <span class="count">2 stories</span>' in archive
    assert '<a href="/2022/04/29/">Friday 29 April 2022</a> <span class="count">2</span>' in archive
    subscribe = (root / "public/subscribe/index.html").read_text()
    assert "https://example.org/feed.xml" in subscribe and "https://example.org/tags/world/feed.xml" in subscribe
    sitemap = (root / "public/sitemap.xml").read_text()
    assert "https://example.org/archive/" in sitemap and "https://example.org/subscribe/" in sitemap


def test_topics_are_grouped_by_letter_most_used_first(site, cli) -> None:
    root = site(
        {
            "site.toml": "",
            "content/a.md": article("A", "2022-04-29T09:00", tags="[Brazil, Belarus, Ukraine]"),
            "content/b.md": article("B", "2022-04-29T10:00", tags="[Belarus, Ukraine, 5G]"),
            "content/c.md": article("C", "2022-04-29T11:00", tags="[Belarus, Élysée]"),
        }
    )
    assert cli("build", "--now", "2022-05-02", "--strict").status == 0
    tags = (root / "public/tags/index.html").read_text()
    assert re.findall(r'<h2 id="letter-([a-z]+)">', tags) == ["b", "e", "u", "other"]
    b_group = tags.split('id="letter-b"')[1].split("</section>")[0]
    assert re.findall(r'">([^<]+)</a> <span class="count">(\d+)', b_group) == [("Belarus", "3"), ("Brazil", "1")]
    assert '<a href="#letter-e">E</a>' in tags  # Élysée files under E


def test_plain_pages_are_pages_of_their_own(site, cli) -> None:
    root = site(
        {
            "site.toml": "",
            "content/a.md": article("A story", "2022-04-29T09:00"),
            "content/pages/about.md": "---\ntitle: About us\norder: 1\n---\nWho we are.\n",
            "content/pages/corrections.md": "---\ntitle: Corrections policy\nslug: corrections\n---\nHow we correct.\n",
        }
    )
    assert cli("build", "--now", "2022-05-02", "--strict").status == 0
    about = (root / "public/about/index.html").read_text()
    assert '<h1 class="story__headline">About us</h1>' in about and "Who we are." in about
    for name in ("index.html", "2022/04/29/a-story/index.html", "about/index.html"):
        footer = (root / "public" / name).read_text().split('class="colophon"')[1]
        assert footer.index('href="/about/"') < footer.index('href="/corrections/"')  # by order
    for listing in ("feed.xml", "feed.json", "news-sitemap.xml", "2022/04/29/index.html", "archive/index.html"):
        assert (
            "Who we are" not in (root / "public" / listing).read_text()
            and "/about/" not in (root / "public" / listing).read_text().split('class="colophon"')[0]
        )
    assert "https://example.org/about/" in (root / "public/sitemap.xml").read_text()
    Path("content/pages/about.md").write_text("---\ntitle: About us\norder: 1\n---\nWho we are now.\n")
    assert cli("build", "--now", "2022-05-02").status == 0  # a page's body is part of every build's inputs
    assert "Who we are now." in (root / "public/about/index.html").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nslug: x\n---\nNo title.\n", "missing title"),
        ("---\ntitle: T\nslug: tags\n---\nx\n", "slug 'tags' is taken by the site itself"),
        ("---\ntitle: T\ndate: 2022-04-29\n---\nx\n", "unknown front-matter key 'date' for a page"),
    ],
)
def test_a_bad_plain_page_is_refused_naming_the_file(site, cli, text: str, message: str) -> None:
    site({"site.toml": "", "content/pages/p.md": text})
    run = cli("build", "--now", "2022-05-02")
    assert run.status == 1 and "content/pages/p.md" in run.err and message in run.err, run


def test_related_stories_share_rare_tags_and_are_listed_newest_first(site, cli) -> None:
    common = {
        f"content/c{n}.md": article(f"Common {n}", f"2022-03-{1 + n % 28:02d}T{n % 24:02d}:00", tags="[Everywhere]")
        for n in range(70)
    }
    root = site(
        {
            "site.toml": "",
            **common,
            "content/a.md": article("Storm hits coast", "2022-04-20T09:00", tags="[Everywhere, Storm Eunice]"),
            "content/b.md": article("Storm clean-up begins", "2022-04-22T09:00", tags="[Everywhere, Storm Eunice]"),
            "content/d.md": article("Storm insurance claims", "2022-04-25T09:00", tags="[Storm Eunice]"),
            "content/e.md": article("Unrelated common story", "2022-04-21T09:00", tags="[Everywhere]"),
        }
    )
    assert cli("build", "--now", "2022-05-02").status == 0
    page = (root / "public/2022/04/20/storm-hits-coast/index.html").read_text()
    related = re.findall(r'<li><a href="[^"]*">([^<]*)</a> <time', page.split('id="related-heading"')[1])
    assert related == ["Storm insurance claims", "Storm clean-up begins"]  # newest first; not the common one
    lone = (root / "public/2022/04/21/unrelated-common-story/index.html").read_text()
    assert 'id="related-heading"' not in lone  # 71 stories share that tag: too common to relate them


WEIGHTS = [(1, 12), (2, 11), (3, 11), (4, 10), (7, 10), (8, 9), (63, 7), (64, 6), (2047, 2), (2048, 1), (100000, 1)]


@pytest.mark.parametrize(("count", "weight"), WEIGHTS)
def test_tag_weight(count: int, weight: int) -> None:
    from briefing.site import tag_weight

    assert tag_weight(count) == weight


def test_sections_have_fronts_feeds_kickers_and_the_masthead(site, cli) -> None:
    stories = {
        f"content/w{n}.md": article(
            f"World story {n}", f"2022-04-{20 + n % 9}T{8 + n % 12:02d}:00", "section: World\n", "[Ukraine]"
        )
        for n in range(25)
    }
    root = site(
        {
            "site.toml": 'sections = ["World", "Business"]\nper_page = 20\n',
            **stories,
            "content/b.md": article("Business story", "2022-04-29T09:00", "section: Business\n", "[Markets]"),
            "content/none.md": article("No section", "2022-04-29T10:00"),
        }
    )
    assert cli("build", "--now", "2022-05-02", "--strict").status == 0
    front = (root / "public/sections/world/index.html").read_text()
    assert len(headlines(front)) == 20 and "Page 1 of 2" in front
    assert len(headlines((root / "public/sections/world/page/2/index.html").read_text())) == 5
    assert (
        "Business story" not in front and "Business story" in (root / "public/sections/business/index.html").read_text()
    )
    assert (root / "public/sections/world/feed.xml").read_text().count("<entry>") == 25
    day = (root / "public/2022/04/29/index.html").read_text()
    assert '<p class="kicker"><a href="/sections/business/">Business</a></p>' in day  # the section is the kicker
    assert '<p class="kicker"><a href="/tags/world/">World</a></p>' in day  # else the first tag
    nav = day.split('class="masthead__nav"')[1].split("</nav>")[0]
    assert nav.index(">Latest<") < nav.index(">World<") < nav.index(">Business<") < nav.index(">Topics<")
    subscribe = (root / "public/subscribe/index.html").read_text()
    assert "https://example.org/sections/world/feed.xml" in subscribe


def test_a_section_the_site_does_not_have_is_refused_with_its_line(site, cli) -> None:
    site({"site.toml": 'sections = ["World"]\n', "content/a.md": article("A", "2022-04-29", "section: Wrold\n")})
    run = cli("build", "--now", "2022-05-02")
    assert run.status == 1 and "content/a.md:5: section 'Wrold' is not one of the site's sections" in run.err, run


def test_an_added_story_in_a_section_takes_the_quick_path_and_equals_a_clean_build(site, tmp_path) -> None:
    import shutil

    from conftest import snapshot

    from briefing.builder import BuildOptions, build
    from briefing.config import load_config
    from briefing.content import parse_when

    files = {f"content/s{n}.md": article(f"Story {n}", f"2022-04-2{n}T09:00", "section: World\n") for n in range(5)}
    root = site({"site.toml": 'sections = ["World", "Sport"]\n', **files})

    def build_at(folder: Path):
        config = load_config(folder)
        now = parse_when("2022-05-02", config.zone)
        assert now is not None
        return build(config, BuildOptions(out_dir=folder / "public", now=now))

    build_at(root)
    (root / "content/new.md").write_text(
        article("A new one", "2022-04-29T12:00", "section: Sport\n", "[World, Tennis]")
    )
    assert build_at(root).quick
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("public", ".briefing-cache"))
    build_at(fresh)
    assert {k: v[0] for k, v in snapshot(root / "public").items()} == {
        k: v[0] for k, v in snapshot(fresh / "public").items()
    }
