"""Ingest: wire copy in, front-matter Markdown out, every word kept."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.config import load_config
from briefing.content import load_article
from briefing.ingest import parse_wire
from briefing.markup import make_markdown, render_body
from briefing.text import escape_markdown, headline

SEED = ROOT / "inbox" / "000_c4df29a8e7bf47ba.txt"
VOCABULARY = load_config(ROOT).tags


def front(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def visible_text(fragment: str) -> str:
    """Text a reader sees, whitespace collapsed, typography mapped back to the typewriter."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    for fancy, plain in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "---"), ("–", "--"), ("…", "...")):
        text = text.replace(fancy, plain)
    return " ".join(text.split())


def plain(text: str) -> str:
    return " ".join(text.split())


def test_the_seed_item(site, cli) -> None:
    root = site({"site.toml": (ROOT / "site.toml").read_text()})
    run = cli("ingest", str(SEED))
    assert run.status == 0, run
    (article,) = (root / "content").rglob("*.md")
    assert article.relative_to(root).as_posix() == (
        "content/2022/04/29/nato-should-seek-to-boost-security-in-the-indo-pacific.md"
    )
    meta = front(article)
    assert meta["title"] == "NATO should seek to boost security in the Indo-pacific region"
    assert str(meta["summary"]).startswith("During a speech on the UK’s foreign policy on Wednesday, Truss said")
    assert {"NATO", "Taiwan", "Ukraine", "Liz Truss"} <= set(meta["tags"])  # type: ignore[arg-type]
    assert meta["tags"][0] == "NATO" and len(meta["tags"]) <= 8  # type: ignore[index]
    assert meta["image_credit"] == "AP"
    assert meta["source_sha256"] == "b58386b6683fa913d1455098b8259f15b1e1be9dccc7290305357ad411153231"
    body = article.read_text().split("---\n", 2)[2]
    assert "## Truss calls Russia-Ukraine war 'our war'" in body
    assert "Image: AP" not in body
    rendered = visible_text(render_body(make_markdown(), body).html)
    raw = SEED.read_text(encoding="utf-8").removeprefix("\ufeff").strip()
    raw = raw.removeprefix("date 2022-04-29").removesuffix("Image: AP")
    for paragraph in [p for p in raw.split("\n\n") if p.strip()]:
        assert visible_text(html.escape(paragraph)) in rendered


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_bom_crlf_and_windows_1252(site, cli, tmp_path: Path) -> None:
    root = site({"site.toml": ""})
    wire = tmp_path / "wire"
    write(wire, "bom.txt", "\ufeff\r\n date 2022-04-29 First paragraph here.\r\n\r\nSecond one.\r\n")
    write(wire, "latin.txt", b"date 2022-04-30 Caf\xe9 owners in S\xe3o Paulo said \x93no\x94.")
    run = cli("ingest", str(wire))
    assert run.status == 0
    assert f"warning: {wire / 'latin.txt'}: not UTF-8; read as Windows-1252" in run.err
    bom = root / "content/2022/04/29/first-paragraph-here.md"
    assert bom.read_text().endswith("---\nFirst paragraph here.\n\nSecond one.\n")
    latin = next((root / "content/2022/04/30").glob("*.md"))
    assert latin.name == "cafe-owners-in-sao-paulo-said-no.md"
    assert "Café owners in São Paulo said “no”." in latin.read_text()


def test_subheadings_credit_and_headline(site, cli, tmp_path: Path) -> None:
    root = site({"site.toml": ""})
    text = (
        "date 2022-04-26 Chile to nationalise lithium\n\nChile's government said on Tuesday it would act.\n\n"
        "Batteries drive demand\n\nDemand is expected to triple.\n\nPhoto: Reuters\n"
    )
    write(tmp_path, "w.txt", text)
    assert cli("ingest", str(tmp_path / "w.txt")).status == 0
    article = root / "content/2022/04/26/chile-to-nationalise-lithium.md"
    meta = front(article)
    assert meta["title"] == "Chile to nationalise lithium" and meta["image_credit"] == "Reuters"
    assert meta["summary"] == "Chile's government said on Tuesday it would act."
    assert article.read_text().split("---\n", 2)[2] == (
        "Chile's government said on Tuesday it would act.\n\n## Batteries drive demand\n\nDemand is expected to triple.\n"
    )


def test_titles_and_summaries_are_cut_at_boundaries() -> None:
    sentence = "Officials in the northern province of Quebec announced sweeping new restrictions for schools " * 2
    title = headline(sentence.strip() + ".")
    assert len(title) <= 90 and "…" not in title
    assert sentence.startswith(title) and title.split()[-1] in sentence.split()
    long_lede = ("Word " * 100).strip() + "."
    assert parse_wire(f"date 2022-04-29 {long_lede}".encode(), "x.txt", {}, []).summary == ""  # a lone sentence
    item = parse_wire(f"date 2022-04-29 A headline of its own\n\n{long_lede}".encode(), "x.txt", {}, [])
    assert len(item.summary) <= 301 and item.summary.endswith("…") and " Wor…" not in item.summary
    two = "First sentence is short. Second one is the standfirst. " + "A third goes on and on " * 12 + "."
    item = parse_wire(f"date 2022-04-29 {two}".encode(), "x.txt", {}, [])
    assert item.title == "First sentence is short" and item.summary == "Second one is the standfirst."


def test_slugs_are_ascii_short_and_unique_on_their_day(site, cli, tmp_path: Path) -> None:
    root = site({"site.toml": ""})
    write(tmp_path, "a.txt", "date 2022-04-29 São Paulo schools reopen\n\nSchools reopened.\n")
    write(tmp_path, "b.txt", "date 2022-04-29 São Paulo schools reopen\n\nA different story.\n")
    write(tmp_path, "c.txt", "date 2022-04-29 " + "Extraordinarily long headline words " * 6 + "\n\nBody.\n")
    assert cli("ingest", str(tmp_path)).status == 0
    names = sorted(p.name for p in (root / "content/2022/04/29").glob("*.md"))
    assert "sao-paulo-schools-reopen.md" in names and "sao-paulo-schools-reopen-2.md" in names
    assert all(len(n.removesuffix(".md")) <= 60 and re.fullmatch(r"[a-z0-9-]+\.md", n) for n in names)
    first = snapshot(root / "content")
    shutil.rmtree(root / "content")
    assert cli("ingest", str(tmp_path)).status == 0
    assert {k: v[0] for k, v in snapshot(root / "content").items()} == {k: v[0] for k, v in first.items()}


def test_tags_from_vocabulary_and_repeated_names() -> None:
    text = (
        "date 2022-04-29 The North Atlantic Treaty Organization met in Oslo on Monday, and Jens Stoltenberg "
        "spoke.\n\nStoltenberg said NATO would meet again. In Oslo, protesters gathered. Nobody said much."
    )
    item = parse_wire(text.encode(), "x.txt", {"NATO": ["North Atlantic Treaty Organization"]}, [], gazetteer=False)
    assert item.tags == ("NATO", "Oslo", "Jens Stoltenberg")
    assert parse_wire(text.encode(), "x.txt", {}, [], ignore=["Oslo"]).tags == ("NATO", "Jens Stoltenberg")
    many = "date 2022-04-29 " + " ".join(f"Tag{i} met Tag{i} again." for i in range(12))
    assert len(parse_wire(many.encode(), "x.txt", {}, []).tags) == 8


def test_reingest_changes_nothing_and_raw_files_stay(site, cli, tmp_path: Path) -> None:
    root = site({"site.toml": (ROOT / "site.toml").read_text()})
    shutil.copytree(ROOT / "inbox", tmp_path / "raw")
    raw_before = snapshot(tmp_path / "raw")
    assert cli("ingest", str(tmp_path / "raw")).status == 0
    content = snapshot(root / "content")
    assert len([name for name in content if name.endswith(".md")]) == 13
    assert [name for name in content if not name.endswith(".md")] == [  # the photo sent beside its item
        "2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company.jpg"
    ]
    run = cli("ingest", str(tmp_path / "raw"), str(SEED))
    assert run.status == 0 and run.out.count("unchanged ") == 14 and "written" not in run.out
    assert snapshot(root / "content") == content
    assert snapshot(tmp_path / "raw") == raw_before


def test_a_newer_version_updates_its_article_in_place(site, cli) -> None:
    root = site({"site.toml": "", "inbox/a.txt": "date 2022-04-29 Old headline here\n\nOld text.\n"})
    assert cli("ingest", "inbox").status == 0
    Path("inbox/a.txt").write_text("date 2022-04-29 09:30 New headline here\n\nNew text.\n")
    run = cli("ingest", "inbox")
    assert "written content/2022/04/29/old-headline-here.md <- inbox/a.txt" in run.out  # the URL stays
    (article,) = (root / "content").rglob("*.md")
    meta = front(article)
    assert meta["title"] == "New headline here" and meta["slug"] == "old-headline-here"  # no hand edit: refreshed
    assert str(meta["date"]) == "2022-04-29 09:30:00" and article.read_text().endswith("---\nNew text.\n")
    (backup,) = [p for p in (root / ".briefing-cache/replaced").rglob("*") if p.is_file()]
    assert "Old text." in backup.read_text()


def _edit_front(path: Path, **changes: object) -> None:
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    data = yaml.safe_load(head)
    data.update(changes)
    lines = "".join(
        yaml.safe_dump(
            {k: v}, allow_unicode=True, width=10_000, default_flow_style=None if isinstance(v, list | dict) else False
        )
        for k, v in data.items()
    )
    path.write_text(f"---\n{lines}---\n{body}", encoding="utf-8")


WIRE_V1 = "date 2022-05-02 09:30 LONDON (AP) — Police in St. Petersburg detained 200 people on Sunday. Others fled.\n\nMore details.\n"
WIRE_V2 = "date 2022-05-02 10:45 LONDON (AP) — Police in St. Petersburg detained 300 people on Sunday. Others fled.\n\nMore details came.\n"
WIRE_V3 = WIRE_V2.replace("More details came.", "Even more details came.")


def test_hand_edits_survive_every_wire_update(site, cli) -> None:
    root = site({"site.toml": "", "inbox/a.txt": WIRE_V1})
    assert cli("ingest", "inbox").status == 0
    (article,) = (root / "content").rglob("*.md")
    first = front(article)
    _edit_front(
        article, title="Hundreds held at St. Petersburg protests", tags=["Russia", "Protests"], desk_note="checked"
    )
    for version in (WIRE_V2, WIRE_V3):  # the record keeps the desk's edits detectable after each update
        Path("inbox/a.txt").write_text(version)
        assert cli("ingest", "inbox").status == 0
        assert list((root / "content").rglob("*.md")) == [article]
        meta = front(article)
        assert meta["title"] == "Hundreds held at St. Petersburg protests"  # edited by hand: kept
        assert meta["tags"] == ["Russia", "Protests"] and meta["desk_note"] == "checked"  # kept, added key kept
        assert meta["slug"] == first["slug"]  # the URL never changes by itself
        assert str(meta["date"]) == "2022-05-02 10:45:00"  # a wire fact: refreshed
        assert meta["summary"] == "Others fled." and meta["dateline"] == "London" and meta["agency"] == "AP"
    assert article.read_text().endswith(
        "Police in St. Petersburg detained 300 people on Sunday. Others fled.\n\nEven more details came.\n"
    )


def test_hand_edits_survive_an_update_in_a_fresh_clone(site, cli, tmp_path: Path) -> None:
    import subprocess

    origin = site({"site.toml": "", "inbox/a.txt": WIRE_V1})
    assert cli("ingest", "inbox").status == 0
    (article,) = (origin / "content").rglob("*.md")
    _edit_front(article, title="Hundreds held at St. Petersburg protests")
    git = ["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=origin, check=True)
    subprocess.run([*git, "add", "content", "inbox", "site.toml"], cwd=origin, check=True)
    subprocess.run([*git, "commit", "-qm", "ingest"], cwd=origin, check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    assert not (clone / ".briefing-cache").exists()
    (clone / "inbox/a.txt").write_text(WIRE_V2)
    assert cli("--site", str(clone), "ingest", str(clone / "inbox")).status == 0
    (updated,) = (clone / "content").rglob("*.md")
    assert updated.relative_to(clone) == article.relative_to(origin)
    meta = front(updated)
    assert meta["title"] == "Hundreds held at St. Petersburg protests" and str(meta["date"]) == "2022-05-02 10:45:00"


def test_an_agency_moving_an_item_to_another_day_keeps_its_url(site, cli) -> None:
    root = site({"site.toml": "", "inbox/a.txt": WIRE_V1})
    assert cli("ingest", "inbox").status == 0
    (article,) = (root / "content").rglob("*.md")
    Path("inbox/a.txt").write_text(WIRE_V2.replace("2022-05-02", "2022-05-03"))
    run = cli("ingest", "inbox")
    assert run.status == 0 and "the agency moved the item to 2022-05-03; it stays on 2022-05-02" in run.err
    assert list((root / "content").rglob("*.md")) == [article] and str(front(article)["date"]) == "2022-05-02 09:30:00"


def test_dry_run_says_what_each_item_would_be_and_writes_nothing(site, cli) -> None:
    root = site({"site.toml": "", "inbox/a.txt": "date 2022-05-02 09:30\nBy Jane Smith\n\n" + WIRE_V1.split(" ", 3)[3]})
    run = cli("ingest", "--dry-run", "inbox")
    assert run.status == 0 and not (root / "content").exists()
    assert run.out.splitlines() == [
        "would write content/2022/05/02/police-in-st-petersburg-detained-200-people.md <- inbox/a.txt",
        "  title:    Police in St. Petersburg detained 200 people",
        "  date:     2022-05-02 09:30:00",
        "  dateline: London",
        "  agency:   AP",
        "  author:   Jane Smith",
        "  tags:     Saint Petersburg",
        "  summary:  Others fled.",
    ]


def test_an_alias_writes_a_redirect_page_kept_out_of_sitemaps_and_feeds(site, cli) -> None:
    root = site(
        {
            "site.toml": 'base_url = "https://example.org/news/"\n',
            "content/a.md": "---\ntitle: Moved story\ndate: 2022-05-02\nslug: new-slug\naliases: [/2022/05/02/old-slug/, /old.html]\n---\nText.\n",
        }
    )
    run = cli("build", "--now", "2022-05-03", "--strict")
    assert run.status == 0, run
    for alias in ("2022/05/02/old-slug/index.html", "old.html"):
        page = (root / "public" / alias).read_text()
        assert '<meta http-equiv="refresh" content="0; url=/news/2022/05/02/new-slug/">' in page
        assert '<link rel="canonical" href="https://example.org/news/2022/05/02/new-slug/">' in page
        assert '<meta name="robots" content="noindex">' in page
    for listing in ("sitemap.xml", "feed.xml", "feed.json", "news-sitemap.xml"):
        assert "old-slug" not in (root / "public" / listing).read_text()


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("/2022/05/02/other/", "would write /2022/05/02/other/, as content/b.md does too"),
        ("../../etc/x", "alias '../../etc/x' is not a path in the site"),
        ("/a/../../x/", "alias '/a/../../x/' is not a path in the site"),
    ],
)
def test_a_bad_alias_is_refused_naming_the_file(site, cli, alias: str, message: str) -> None:
    site(
        {
            "site.toml": "",
            "content/a.md": f"---\ntitle: A\ndate: 2022-05-02\naliases: ['{alias}']\n---\nText.\n",
            "content/b.md": "---\ntitle: Other\ndate: 2022-05-02\n---\nText.\n",
        }
    )
    run = cli("build", "--now", "2022-05-03")
    assert run.status == 1 and message in run.err, run


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("nodate.txt", "The body with no date.\n", "no `date YYYY-MM-DD` at the start"),
        ("impossible.txt", "date 2022-13-45 Body.\n", "impossible date 2022-13-45"),
        ("badtoken.txt", "date tomorrow Body.\n", "impossible date 'tomorrow'"),
        ("empty.txt", "", "is empty"),
        ("blank.txt", "\ufeff\n \n", "is empty"),
        ("onlydate.txt", "date 2022-04-29\n", "has no text after the date"),
        ("nul.txt", b"date 2022-04-29 a\0b", "contains NUL bytes: not a text file"),
    ],
)
def test_rejected_items_are_reported_and_the_batch_goes_on(site, cli, tmp_path, name, data, reason) -> None:
    root = site({"site.toml": ""})
    bad = write(tmp_path / "batch", name, data)
    write(tmp_path / "batch", "zz-good.txt", "date 2022-04-29 A good item\n\nIts body.\n")
    before = bad.read_bytes()
    run = cli("ingest", str(tmp_path / "batch"))
    assert run.status == 1
    assert f"rejected {bad}: {reason}" in run.err
    assert (root / "content/2022/04/29/a-good-item.md").is_file()
    assert bad.read_bytes() == before


def test_unreadable_file_is_rejected(site, cli, tmp_path: Path) -> None:
    site({"site.toml": ""})
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    run = cli("ingest", str(tmp_path / "dangling.txt"))
    assert (
        run.status == 1
        and f"rejected {tmp_path / 'dangling.txt'}: cannot be read: No such file or directory" in run.err
    )


def test_build_ingests_the_inbox_first(site, cli) -> None:
    root = site(
        {
            "site.toml": "",
            "inbox/good.txt": "date 2022-04-29 Dropped in the inbox\n\nIt is published.\n",
            "inbox/bad.txt": "no date here\n",
        }
    )
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert "rejected inbox/bad.txt: no `date YYYY-MM-DD` at the start" in run.err
    assert "written content/2022/04/29/dropped-in-the-inbox.md <- inbox/good.txt" in run.out
    assert "It is published." in (root / "public/2022/04/29/dropped-in-the-inbox/index.html").read_text()
    assert (root / "inbox/bad.txt").is_file() and (root / "inbox/good.txt").is_file()
    run = cli("build", "--now", "2022-05-01")
    assert "written content" not in run.out and "0 written" in run.out


def test_the_sample_content_is_what_ingest_makes_of_the_inbox(site, cli) -> None:
    root = site({"site.toml": (ROOT / "site.toml").read_text()})
    shutil.copytree(ROOT / "inbox", root / "inbox")
    assert cli("ingest", "inbox").status == 0
    made = sorted(p.relative_to(root) for p in (root / "content").rglob("*.md"))
    articles = [p for p in (ROOT / "content").rglob("*.md") if "pages" not in p.relative_to(ROOT / "content").parts]
    assert made == sorted(p.relative_to(ROOT) for p in articles)  # (content/pages/ is the desk's own)
    for name in made:
        kept = re.sub(r"\nupdates:\n(?:[- ] .*\n)+", "\n", (ROOT / name).read_text())  # corrections: edits on top
        kept = re.sub(r"\npriority: \d+\n", "\n", kept)  # and the desk's lead
        kept = re.sub(r"\nsection: \w+\n", "\n", kept)  # and its sections
        kept = re.sub(r"\naliases: \[.*\]\n", "\n", kept)  # and the URL a story had before
        assert kept == (root / name).read_text(), name


TOKENS = list("ab Z09#*_-+>.<`[]()!|\\&=:~{}\"'") + ["1.", "- ", "* ", "> ", "# ", "&amp;", "<b>", "[a](b)", "  "]
MARKDOWN_HEAVY = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40).map(lambda s: " ".join("".join(s).split()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(MARKDOWN_HEAVY.filter(lambda p: p.strip()), min_size=1, max_size=5))
def test_every_character_reads_the_same_once_rendered(paragraphs: list[str]) -> None:
    body = "\n\n".join(escape_markdown(p) for p in paragraphs)
    rendered = visible_text(render_body(make_markdown(), body).html)
    assert rendered == visible_text(html.escape(" ".join(paragraphs)))


def test_ingested_articles_load_cleanly(site, cli) -> None:
    root = site({"site.toml": (ROOT / "site.toml").read_text()})
    assert cli("ingest", str(ROOT / "inbox")).status == 0
    config = load_config(root)
    for path in (root / "content").rglob("*.md"):
        article, warnings = load_article(path, config)
        assert warnings == [] and article.tags
