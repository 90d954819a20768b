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
    assert len(content) == 13
    run = cli("ingest", str(tmp_path / "raw"), str(SEED))
    assert run.status == 0 and run.out.count("unchanged ") == 14 and "written" not in run.out
    assert snapshot(root / "content") == content
    assert snapshot(tmp_path / "raw") == raw_before


def test_an_edited_raw_file_replaces_its_article(site, cli) -> None:
    root = site({"site.toml": "", "inbox/a.txt": "date 2022-04-29 Old headline here\n\nOld text.\n"})
    assert cli("ingest", "inbox").status == 0
    Path("inbox/a.txt").write_text("date 2022-04-29 New headline here\n\nNew text.\n")
    run = cli("ingest", "inbox")
    assert "written content/2022/04/29/new-headline-here.md <- inbox/a.txt" in run.out
    assert [p.name for p in (root / "content").rglob("*.md")] == ["new-headline-here.md"]
    (backup,) = [p for p in (root / ".briefing-cache/replaced").rglob("*") if p.is_file()]
    assert "Old text." in backup.read_text()


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
    assert made == sorted(p.relative_to(ROOT) for p in (ROOT / "content").rglob("*.md"))
    for name in made:
        kept = re.sub(r"\nupdates:\n(?:[- ] .*\n)+", "\n", (ROOT / name).read_text())  # corrections: edits on top
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
