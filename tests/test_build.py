"""The core build: expected output, determinism, time, base paths, collisions, links, scaffolding."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, ROOT, snapshot

from briefing import builder
from briefing.builder import BuildOptions, build
from briefing.config import SiteConfig, load_config
from briefing.content import parse_when
from briefing.links import fewest, linking_to
from briefing.state.manifest import Entry

EXPECTED = Path(__file__).parent / "expected" / "site"


def all_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "pagefind" not in p.relative_to(folder).parts
    )


def test_fixture_site_matches_expected_output(fixture_site: Path, cli) -> None:
    run = cli("build", "--now", FIXTURE_NOW)
    assert run.status == 0, run
    built = {k: v[0] for k, v in snapshot(fixture_site / "public").items() if not k.startswith("static/")}
    expected = {k: v[0] for k, v in snapshot(EXPECTED).items()}
    assert sorted(built) == sorted(expected), "run python tests/regenerate_expected.py and review the diff"
    for name in expected:
        assert built[name] == expected[name], f"{name} differs; regenerate and review the diff"


def test_every_url_of_the_scheme_is_written(fixture_site: Path, cli) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    public = fixture_site / "public"
    for name in [
        "index.html",
        "404.html",
        "2022/04/29/nato-global-outlook/index.html",
        "2022/04/29/index.html",
        "2022/04/index.html",
        "2022/index.html",
        "tags/index.html",
        "tags/nato/index.html",
        "tags/nato/page/2/index.html",
        "tags/liz-truss/index.html",
        "static/favicon.svg",
        "2022/04/29/sao-paulo-schools-reopen/index.html",
    ]:
        assert (public / name).is_file(), name
    home = (public / "index.html").read_text()
    assert "Friday 29 April 2022" in home and "NATO must have a global outlook" in home
    day = (public / "2022/04/29/index.html").read_text()
    assert 'rel="prev" href="/news/2022/04/28/"' in day


def test_article_page_shows_everything_an_article_has(fixture_site: Path, cli) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    page = (fixture_site / "public/2022/04/29/nato-global-outlook/index.html").read_text()
    assert '<time datetime="2022-04-29T09:30:00+01:00">Friday 29 April 2022, 09:30 BST</time>' in page
    assert "By Ann Reporter and Bo Writer" in page
    assert "Image: AP" not in page and "min read" in page  # a credit is shown only with its image
    assert "“I mean that NATO must have a global outlook,” Truss said – and she meant it." in page
    assert 'id="our-war"' in page and 'href="#our-war"' in page  # heading anchors
    assert "<table>" in page and 'class="footnote"' in page
    assert 'href="/news/tags/liz-truss/"' in page
    assert 'rel="next"' not in page or "São Paulo" not in page  # nothing newer than it but itself
    related = page.split('id="related-heading"')[1]
    assert related.index("Grain stuck") < related.index("Chile to create")  # two shared tags beat one
    other = (fixture_site / "public/2022/04/29/sao-paulo-schools-reopen/index.html").read_text()
    main = other.split("<main")[1]
    assert main.index("<strong>Updated</strong>") < main.index("<strong>Correction</strong>")  # in order
    assert "An earlier version misstated the number of schools." in other


def test_scheduled_and_draft_articles_are_nowhere(fixture_site: Path, cli) -> None:
    run = cli("build", "--now", FIXTURE_NOW)
    assert "next scheduled article due 2022-05-01T06:00:00+01:00: content/2022/05/01/scheduled.md" in run.out
    text = all_text(fixture_site / "public")
    for leak in ("Embargoed", "embargo", "Unfinished draft", "secret-draft", "Secret Draft", "2022/05"):
        assert leak not in text
    nato_count = re.search(r'/tags/nato/">NATO</a> <span class="count">(\d+)', text)
    assert nato_count and nato_count.group(1) == "3"
    run = cli("build", "--now", "2022-05-01T06:00", "--drafts")
    assert run.status == 0 and "next scheduled" not in run.out
    text = all_text(fixture_site / "public")
    assert "Embargoed story about NATO" in text and "Unfinished draft about NATO" in text
    assert not (fixture_site / "public/tags/secret-draft-tag").exists() or "Secret Draft Tag" in text


def test_build_is_deterministic_and_a_second_build_writes_nothing(fixture_site: Path, cli, tmp_path: Path) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    first = snapshot(fixture_site / "public")
    run = cli("build", "--now", FIXTURE_NOW)
    assert "0 rendered, 0 written" in run.out
    assert snapshot(fixture_site / "public") == first  # same bytes, same mtimes
    assert cli("build", "--now", FIXTURE_NOW, "--out", str(tmp_path / "other")).status == 0
    other = snapshot(tmp_path / "other")
    assert {k: v[0] for k, v in other.items()} == {k: v[0] for k, v in first.items()}


def test_stale_pages_are_removed(fixture_site: Path, cli) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    (fixture_site / "content/2022/04/28/lithium.md").unlink()
    (fixture_site / "public/keep-me.txt").write_text("not ours")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert not (fixture_site / "public/2022/04/28/chile-to-create-a-state-lithium-company").exists()
    assert not (fixture_site / "public/tags/chile").exists()
    assert (fixture_site / "public/keep-me.txt").read_text() == "not ours"


def test_base_url_with_a_path_reaches_every_link(fixture_site: Path, cli, http_root) -> None:
    """Serve the output under /news/ and follow every link and asset from every page."""
    import urllib.error
    import urllib.request

    assert cli("build", "--now", FIXTURE_NOW, "--out", str(fixture_site / "host/news")).status == 0
    base = http_root(fixture_site / "host")
    pages = [p for p in (fixture_site / "host/news").rglob("*.html")]
    checked = 0
    for page in pages:
        html = page.read_text()
        assert 'href="/' not in html.replace('href="/news/', "") and 'src="/' not in html.replace('src="/news/', "")
        for link in set(re.findall(r'(?:href|src)="(/[^"#]*)', html)):
            with urllib.request.urlopen(base + link) as response:
                assert response.status == 200, link
            checked += 1
    assert checked > 30
    canonical = (fixture_site / "host/news/tags/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/news/tags/">' in canonical


@pytest.mark.parametrize("tags", ["", "tags: [Harbour]\n"], ids=["untagged", "sharing a tag"])
def test_two_articles_with_one_url_fail_naming_both(site, cli, tags) -> None:
    head = f"---\ntitle: Same\ndate: 2022-04-29\nslug: same\n{tags}---\nBody.\n"
    site({"content/a.md": head, "content/b.md": head})
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert "error: content/b.md: would write /2022/04/29/same/, as content/a.md does too" in run.err
    assert "internal error" not in run.err
    assert not Path("public").exists()


def test_an_added_article_that_takes_a_published_url_fails_and_keeps_the_site(site, cli) -> None:
    story = "---\ntitle: {title}\ndate: 2022-04-29\nslug: same\ntags: [Harbour]\n---\nBody.\n"
    site({"content/a.md": story.format(title="First")})
    assert cli("build", "--now", "2022-05-01").status == 0
    before = snapshot(Path("public"))
    Path("content/b.md").write_text(story.format(title="Second"))
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert "error: content/b.md: would write /2022/04/29/same/, as content/a.md does too" in run.err
    assert snapshot(Path("public")) == before


def test_tags_that_share_a_url_fail_naming_both(site, cli) -> None:
    site(
        {
            "content/a.md": "---\ntitle: A\ndate: 2022-04-29\ntags: [Liz Truss]\n---\nA.\n",
            "content/b.md": "---\ntitle: B\ndate: 2022-04-29\ntags: [liz truss]\n---\nB.\n",
        }
    )
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert "tag 'liz truss' and tag 'Liz Truss' (used in content/a.md) would both be /tags/liz-truss/" in run.err


def test_broken_links_warn_and_fail_with_strict(site, cli) -> None:
    site(
        {"content/a.md": "---\ntitle: A\ndate: 2022-04-29\n---\nSee [this](/2022/01/01/gone/) and [that](#nowhere).\n"}
    )
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 0
    assert "warning: public/2022/04/29/a/index.html: broken link: /2022/01/01/gone/ (from content/a.md)" in run.err
    assert "warning: public/2022/04/29/a/index.html: broken anchor: #nowhere (from content/a.md)" in run.err
    before = snapshot(Path("public"))
    Path("content/a.md").write_text("---\ntitle: A2\ndate: 2022-04-29\n---\nSee [this](/missing/).\n")
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 1 and "error: public/2022/04/29/a2/index.html: broken link: /missing/" in run.err
    assert snapshot(Path("public")) == before


def test_link_verdicts_follow_pages_that_come_and_go(site, cli) -> None:
    """A build that renders only some pages keeps the others' verdicts: an article added later
    mends a link to it, and deleting it breaks that link again."""
    site({"content/a.md": "---\ntitle: A\ndate: 2022-04-29\n---\nSee [later](/2022/04/30/later/#more).\n"})
    broken = "warning: public/2022/04/29/a/index.html: broken link: /2022/04/30/later/#more (from content/a.md)"
    assert broken in cli("build", "--now", "2022-05-01").err
    later = Path("content/later.md")
    later.write_text("---\ntitle: Later\ndate: 2022-04-30\n---\nText.\n\n## More\n")
    run = cli("build", "--now", "2022-05-01")
    assert "broken" not in run.err, run
    later.unlink()
    assert broken in cli("build", "--now", "2022-05-01").err


LINKING = {
    "site.toml": 'title = "T"\nbase_url = "https://example.org/"\n',
    "content/2022/04/20/a.md": "---\ntitle: A\ndate: 2022-04-20\n---\nSee [it](../../28/later/).\n",
    "content/2022/04/21/b.md": "---\ntitle: B\ndate: 2022-04-21\n---\nSee [it](/2022/04/28/later/#more).\n",
    "content/2022/04/22/c.md": "---\ntitle: C\ndate: 2022-04-22\n---\nSee [it](/2022/04/28/l%61ter/).\n",
    "content/2022/04/23/d.md": "---\ntitle: D\ndate: 2022-04-23\n---\nSee [it](https://example.org/2022/04/28/later/).\n",
    "content/2022/04/10/e.md": "---\ntitle: E\ndate: 2022-04-10\n---\nSee [A](/2022/04/20/a/).\n",
    "content/2022/04/28/later.md": "---\ntitle: Later\ndate: 2022-04-28\n---\nText.\n\n## More\n\nMore.\n",
}


def _link_warnings(err: str, out: str = "public") -> list[str]:
    return sorted(line.replace(f" {out}/", " public/") for line in err.splitlines() if "broken" in line)


@pytest.mark.parametrize(
    ("change", "broken"),
    [
        ("deleted", ["a", "b", "c", "d"]),  # relative, absolute, percent-encoded, full URL
        ("heading removed", ["b"]),  # the page stays, the anchor goes
    ],
)
def test_a_page_not_rendered_again_is_checked_when_what_it_links_to_goes(
    site, cli, monkeypatch: pytest.MonkeyPatch, change: str, broken: list[str]
) -> None:
    """A page no build renders again gets a new verdict when a file or an anchor it links to
    goes, however it spells the link; the pages checked are those rendered and those whose
    links name the file (or must be resolved to tell), never the whole site."""
    site(LINKING)
    config = load_config(Path("."))
    options = BuildOptions(out_dir=Path("public"), now=parse_when("2022-05-01", config.zone))
    first = build(config, options)
    assert not first.warnings
    later = Path("content/2022/04/28/later.md")
    if change == "deleted":
        later.unlink()
    else:
        later.write_text(later.read_text().replace("## More\n", ""))
    checked: list[set[str] | None] = []
    real = builder.check_links

    def recording(config, out_dir, entries, only=None):
        checked.append(only)
        return real(config, out_dir, entries, only)

    monkeypatch.setattr(builder, "check_links", recording)
    report = build(config, options)
    assert report.quick
    pages = {
        name: f"public/2022/04/{day}/{name}/index.html" for day, name in zip((20, 21, 22, 23, 10), "abcde", strict=True)
    }
    shown = sorted(p.path for p in report.warnings)
    assert shown == sorted(pages[name] for name in broken)
    assert checked[0] is not None and pages["e"].removeprefix("public/") not in checked[0]  # nothing of it changed
    assert {pages[name].removeprefix("public/") for name in "abc"} <= checked[0]
    monkeypatch.setattr(builder, "check_links", real)  # (not undo(): that would leave the site's folder too)
    assert _link_warnings(cli("build", "--now", "2022-05-01").err) == _link_warnings(
        cli("build", "--now", "2022-05-01", "--out", "fresh").err, "fresh"
    )


@pytest.mark.parametrize(
    ("cores", "kept"),
    [
        ({"/2023/05/31/added", "/2023/05/31", "/2023/05/31/newsletter.html", "/2023/05"}, ["/2023/05"]),
        ({"/2022#", "/2022/#", "/2022/index.html#", "/#", "/index.html#"}, ["/#", "/2022#", "/index.html#"]),
        ({"/a/b", "/a/c", "/a/bc"}, ["/a/b", "/a/c"]),
        ({"/tags/nato/page/2", "/tags/nato/page/12"}, ["/tags/nato/page/2", "/tags/nato/page/12"]),
        ({"/x"}, ["/x"]),
        (set(), []),
    ],
)
def test_the_link_search_looks_for_the_fewest_cores(cores: set[str], kept: list[str]) -> None:
    assert fewest(cores) == kept
    assert all(any(k in core for k in kept) for core in cores)  # every page a core finds, one kept finds


@pytest.mark.parametrize(
    ("link", "checked"),
    [
        ("/2022/04/28/later/", True),
        ("/2022/04/28/later", True),
        ("/2022/04/28/later/index.html", True),
        ("/2022/04/28/later/#more", True),
        ("/2022/04/28/later/?utm=x", True),
        ("https://example.org/2022/04/28/later/", True),
        ("/2022/04/28/feed.xml", True),
        ("../later/", True),  # relative: resolved to be told
        ("later/", True),
        ("/2022/04/28/l%61ter/", True),  # percent-encoded
        ("/2022/04/28/./later/", True),  # dot segments
        ("/#edition", True),  # the home page lost ids: a fragment on it may have broken
        ("https://example.org/#edition", True),
        ("/index.html#edition", True),
        ("/?page=2#edition", True),
        ("/2022/#march", True),  # the year's page lost ids too
        ("/2022#march", True),
        ("/2022/index.html#march", True),
        ("https://example.org/2022/?x=1#march", True),
        ("/2022/", False),
        ("/2022/04/#march", False),  # the month's page kept its ids
        ("/2022/04/28/later-on/", False),
        ("/2022/04/28/", False),
        ("/", False),  # the home page is still there
        ("https://example.org/", False),
        ("#top", False),
        ("https://elsewhere.example/2022/04/28/later/", False),
        ("mailto:desk@example.org", False),
        ("{{unsubscribe}}", False),
    ],
)
def test_the_pages_checked_again_are_those_whose_links_may_have_broken(link: str, checked: bool) -> None:
    config = SiteConfig(base_url="https://example.org/")
    entries = {"page.html": Entry("/page.html", "", "", "", f"/static/a.css\n{link}\n/tags/")}
    gone = {"2022/04/28/later/index.html", "2022/04/28/feed.xml"}
    assert (linking_to(config, entries, gone, {"index.html", "2022/index.html"}) == {"page.html"}) is checked
    # under a sub-path, the same links with its path in front
    config = SiteConfig(base_url="https://example.org/sub/")
    moved = link.replace("https://example.org/", "https://example.org/sub/")
    moved = "/sub" + moved if moved.startswith("/") else moved
    entries = {"page.html": Entry("/page.html", "", "", "", f"/sub/static/a.css\n{moved}\n/sub/tags/")}
    assert (linking_to(config, entries, gone, {"index.html", "2022/index.html"}) == {"page.html"}) is checked


@pytest.mark.parametrize(
    "link",
    [
        "/a/b/",
        "/a/b",
        "/a/b/#frag",
        "/a/b/?q=1#frag",
        "/a/b/index.html",
        "/sub/a/",
        "/sub/",
        "/sub",
        "/sub/#top",
        "/sub/a/#caf%C3%A9",
        "/sub/a%20b/",
        "/sub/./a/",
        "/sub/a/../b/",
        "//elsewhere/x",
        "/sub//a/",
        "/sub/pagefind/pagefind.js",
        "https://example.org/sub/a/#x",
        "../b/",
        "#here",
    ],
)
def test_a_plain_link_resolves_as_urljoin_resolves_it(link: str) -> None:
    """The fast reading of a plain absolute path gives what resolving it with urljoin gives."""
    from urllib.parse import unquote, urljoin, urlsplit

    from briefing.links import _target

    here = "/2022/04/28/later/"
    got = _target("/sub/", "https://example.org/sub/", here, link)
    absolute = "/sub/" + link.removeprefix("https://example.org/sub/") if link.startswith("https:") else link
    parts = urlsplit(urljoin("/sub/" + here.lstrip("/"), absolute))
    path = unquote(parts.path)
    if parts.netloc or link.startswith("//"):
        assert got is None
    elif not path.startswith("/sub/"):
        assert got is not None and got[0].startswith("link outside the site's base path")
    elif path.startswith("/sub/pagefind/"):
        assert got is None
    else:
        name = path.removeprefix("/sub/")
        assert got == ("", name + "index.html" if name == "" or name.endswith("/") else name, unquote(parts.fragment))


def test_template_links_are_checked_too(site, cli) -> None:
    site(
        {
            "content/a.md": "---\ntitle: A\ndate: 2022-04-29\n---\nA.\n",
            "templates/404.html": '{% extends "base.html" %}{% block main %}<a href="{{ "/nope/" | rel }}">x</a>{% endblock %}',
        }
    )
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 1 and "public/404.html: broken link: /nope/ (from the not-found page)" in run.err


def test_new_scaffolds_a_site_that_builds(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("new", "paper").status == 0
    toml = (tmp_path / "paper/site.toml").read_text()
    for key in (
        "title",
        "description",
        "base_url",
        "language",
        "timezone",
        "author",
        "publisher",
        "publisher_logo",
        "per_page",
        "home_days",
        "related",
        "[tags]",
    ):
        assert re.search(rf"^{re.escape(key)}", toml, re.MULTILINE), key
    assert (tmp_path / "paper/inbox").is_dir()
    assert not (tmp_path / "paper/templates").exists()  # the default theme is used
    run = cli("--site", "paper", "build", "--strict")
    assert run.status == 0, run
    assert "Welcome" in (tmp_path / "paper/public/index.html").read_text()
    assert (tmp_path / "paper/public/static/css/briefing.css").is_file()
    assert cli("new", "paper").status == 1  # never over an existing site


def test_build_py_and_the_console_script_agree(fixture_site: Path, tmp_path: Path) -> None:
    args = ["--site", str(fixture_site), "build", "--now", FIXTURE_NOW]
    a = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args, "--out", str(tmp_path / "a")], capture_output=True, text=True
    )
    console_script = Path(sys.executable).parent / "briefing"
    assert console_script.is_file(), "install the package first: pip install -e ."
    b = subprocess.run([str(console_script), *args, "--out", str(tmp_path / "b")], capture_output=True, text=True)
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    assert {k: v[0] for k, v in snapshot(tmp_path / "a").items()} == {
        k: v[0] for k, v in snapshot(tmp_path / "b").items()
    }


def test_wheel_carries_the_default_theme(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("briefing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in (
        "briefing/_theme/templates/base.html",
        "briefing/_theme/templates/article.html",
        "briefing/_theme/static/css/briefing.css",
        "briefing/_theme/static/favicon.svg",
    ):
        assert name in names


def test_time_zone_decides_the_day(site) -> None:
    root = site(
        {
            "site.toml": 'timezone = "America/New_York"\n',
            "content/a.md": "---\ntitle: Late\ndate: 2022-04-30T02:30:00+00:00\n---\nLate news.\n",
        }
    )
    config = load_config(root)
    now = parse_when("2022-05-01", config.zone)
    assert now is not None
    build(config, BuildOptions(out_dir=root / "public", now=now))
    assert (root / "public/2022/04/29/late/index.html").is_file()  # 22:30 on the 29th in New York
    assert "2022-04-29T22:30:00-04:00" in (root / "public/2022/04/29/late/index.html").read_text()


def test_the_sample_site_builds_strictly(tmp_path: Path, cli) -> None:
    run = cli("--site", str(ROOT), "build", "--strict", "--now", "2022-05-02", "--out", str(tmp_path / "out"))
    assert run.status == 0, run
    assert (tmp_path / "out/index.html").is_file()
    assert len(list((tmp_path / "out").rglob("index.html"))) > 40


def test_a_date_without_a_time_shows_no_time_and_a_credit_needs_its_image(site, cli) -> None:
    root = site(
        {
            "site.toml": 'title = "T"\ntimezone = "Europe/London"\n',
            "content/a.md": "---\ntitle: Dated\ndate: 2022-04-29\nimage_credit: AP\n---\nText.\n",
            "content/b.md": (
                "---\ntitle: Pictured\ndate: 2022-04-29T09:30\nimage: /static/favicon.svg\nimage_alt: Logo\n"
                "image_credit: Reuters\nupdates:\n  - at: 2022-04-30T09:15:00+01:00\n    kind: correction\n"
                "    text: Fixed.\n---\nText.\n"
            ),
        }
    )
    assert cli("build", "--now", "2022-05-01").status == 0
    dated = (root / "public/2022/04/29/dated/index.html").read_text()
    assert '<time datetime="2022-04-29T00:00:00+01:00">Friday 29 April 2022</time>' in dated
    assert ", 00:00" not in dated and "00:00 BST" not in dated and "Image: AP" not in dated
    pictured = (root / "public/2022/04/29/pictured/index.html").read_text()
    assert "Friday 29 April 2022, 09:30 BST" in pictured
    assert '<figcaption><span class="credit">Image: Reuters</span></figcaption>' in pictured
    assert "Saturday 30 April 2022, 09:15 BST</time>: Fixed." in pictured  # a correction's time has its zone


@pytest.mark.parametrize("drafts", [False, True], ids=["drafts left out", "drafts built"])
def test_a_site_parsed_and_rendered_on_every_core_is_the_site_built_in_one_process(tmp_path: Path, drafts) -> None:
    """From 200 files to parse, the workers that parse them render their Markdown too (and
    drafts' only when drafts are built): the same bytes as one process parsing, then rendering."""
    from conftest import write_tree

    files = {
        f"content/2022/04/{1 + i % 28:02}/story-{i:03}.md": (
            f"---\ntitle: Story {i}\ndate: 2022-04-{1 + i % 28:02}T{6 + i % 12:02}:00\n"
            f"tags: [Topic {i % 7}]\n{'draft: true' if i % 50 == 3 else ''}\n---\n"
            + ("A body two stories share, *word for word*.\n" if i in (10, 11) else f'Story {i}: "quoted" -- dashed.\n')
        )
        for i in range(240)
    }
    outputs = []
    for parallel in (True, False):
        root = write_tree(tmp_path / f"site-{parallel}", files)
        config = load_config(root)
        options = BuildOptions(out_dir=root / "public", now=parse_when("2022-05-01", config.zone), drafts=drafts)
        report = build(config, replace(options, parallel=parallel))
        assert report.rendered == report.pages
        outputs.append({name: data for name, (data, _) in snapshot(root / "public").items()})
    assert outputs[0] == outputs[1]
    assert ("2022/04/04/story-3/index.html" in outputs[0]) is drafts
    assert len(outputs[0]) > 300
