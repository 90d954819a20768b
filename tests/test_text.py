"""Text rules, each tested as a table of real-world cases (one row per case), plus properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from briefing.cli import main
from briefing.text import describe_removed, remove_controls

# -- Input cleaning: control characters -------------------------------------------------------

CONTROLS = [
    # (text in, text out, (line, code point) of each removed)
    ("Plain text.", "Plain text.", []),
    ("Tabs\tand\nnewlines stay.", "Tabs\tand\nnewlines stay.", []),
    ("Wire end\x1a", "Wire end", [(1, "U+001A")]),
    ("A\x1a\nB\x1a", "A\nB", [(1, "U+001A"), (2, "U+001A")]),
    ("Bell\x07 and backspace\x08", "Bell and backspace", [(1, "U+0007"), (1, "U+0008")]),
    ("Vertical\x0btab and form\x0cfeed", "Verticaltab and formfeed", [(1, "U+000B"), (1, "U+000C")]),
    ("Escape \x1b[31mred\x1b[0m", "Escape [31mred[0m", [(1, "U+001B"), (1, "U+001B")]),
    ("Unit\x1fseparator", "Unitseparator", [(1, "U+001F")]),
    ("Delete\x7f", "Delete", [(1, "U+007F")]),
    ("C1 \x85next line \x9fapplication", "C1 next line application", [(1, "U+0085"), (1, "U+009F")]),
    ("Noncharacter \ufffe\uffff", "Noncharacter ", [(1, "U+FFFE"), (1, "U+FFFF")]),
    ("Arabic noncharacter \ufdd0", "Arabic noncharacter ", [(1, "U+FDD0")]),
    ("Café — “quotes” … ‘fine’ \u00a0 nbsp", "Café — “quotes” … ‘fine’ \u00a0 nbsp", []),
    ("Line\u2028separator stays", "Line\u2028separator stays", []),
    ("Emoji 🗞️ stays", "Emoji 🗞️ stays", []),
    ("\n\n\x1aon line three", "\n\non line three", [(3, "U+001A")]),
]


@pytest.mark.parametrize(("text", "cleaned", "found"), CONTROLS, ids=[repr(c[0])[:30] for c in CONTROLS])
def test_remove_controls(text: str, cleaned: str, found: list[tuple[int, str]]) -> None:
    assert remove_controls(text) == (cleaned, found)


@pytest.mark.parametrize(
    ("found", "message"),
    [
        ([(3, "U+001A")], "removed control character (U+001A) on line 3"),
        ([(3, "U+001A"), (7, "U+001A")], "removed control characters (U+001A) on lines 3, 7"),
        ([(1, "U+0007"), (1, "U+001B")], "removed control characters (U+0007, U+001B) on line 1"),
        ([(n, "U+001A") for n in range(1, 9)], "removed control characters (U+001A) on lines 1, 2, 3, 4, 5 and 3 more"),
    ],
)
def test_describe_removed(found: list[tuple[int, str]], message: str) -> None:
    assert describe_removed(found) == message


def test_a_control_character_in_wire_copy_is_removed_with_a_warning(site, cli) -> None:
    root = site({"inbox/item.txt": b"date 2022-04-29 Grain exports stopped.\x1a\n\nPorts are shut.\x1a\n"})
    run = cli("ingest", "inbox")
    assert "inbox/item.txt:1: removed control characters (U+001A) on lines 1, 3" in run.out + run.err
    article = next((root / "content").rglob("*.md")).read_text()
    assert "\x1a" not in article and "Ports are shut." in article
    assert cli("build", "--now", "2022-05-01").status == 0
    etree.parse(str(root / "public/feed.xml"))  # well-formed


def test_a_control_character_in_an_article_is_removed_with_a_warning_naming_its_line(site, cli) -> None:
    root = site({"content/a.md": "---\ntitle: Bell\x07 ringer\ndate: 2022-04-29\n---\nText.\n\nMore\x1b text.\n"})
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 0
    assert "content/a.md:2: removed control characters (U+0007, U+001B) on lines 2, 7" in run.err
    assert cli("build", "--now", "2022-05-01", "--strict").status == 1
    page = (root / "public/2022/04/29/bell-ringer/index.html").read_text()
    assert "Bell ringer" in page and "\x07" not in page and "\x1b" not in page


CONTROL_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_characters="\0"),
        st.sampled_from(list("\x01\x08\x0b\x1a\x1b\x7f\x85\ufffe")),
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headline=CONTROL_TEXT, body=CONTROL_TEXT)
def test_any_text_with_control_characters_gives_well_formed_feeds_and_sitemaps(
    tmp_path_factory, headline, body
) -> None:
    root = tmp_path_factory.mktemp("controls")
    (root / "site.toml").write_text('title = "T"\nsearch = false\n')
    (root / "inbox").mkdir()
    (root / "inbox/item.txt").write_bytes(f"date 2022-04-29 {headline}\n\n{body}\n".encode("utf-8", "surrogatepass"))
    status = main(["--site", str(root), "build", "--now", "2022-05-01"])
    assert status in (0, 1)  # 1: the item was rejected (no text, say), and said so
    for name in ("feed.xml", "sitemap.xml", "news-sitemap.xml"):
        etree.parse(str(root / "public" / name))  # raises on anything malformed
    for page in Path(root / "public").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert remove_controls(text)[1] == [], page


# -- Typography: quotes, apostrophes, dashes and ellipses in rendered HTML ----------------------

TYPOGRAPHY = [
    # plain text
    ('"Quoted," she said.', "“Quoted,” she said."),
    ("'Single' quotes", "‘Single’ quotes"),
    ("It's the minister's plan", "It’s the minister’s plan"),
    ("O'Brien and d'Estaing", "O’Brien and d’Estaing"),
    ("The students' union", "The students’ union"),
    ("rock 'n' roll", "rock ’n’ roll"),
    ("In the '90s and '22", "In the ’90s and ’22"),
    ("'90s music", "’90s music"),
    ("back in '05, prices", "back in ’05, prices"),
    ("'Tis the season", "’Tis the season"),
    ("'em all", "’em all"),
    ('He said "it\'s fine"', "He said “it’s fine”"),
    ("She said 'he said \"no\"'", "She said ‘he said “no”’"),
    ('("Quoted in brackets")', "(“Quoted in brackets”)"),
    ('["Square"]', "[“Square”]"),
    ('Pause — "then a quote"', "Pause — “then a quote”"),
    ('Range – "dash then quote"', "Range – “dash then quote”"),
    ('and/"or"', "and/“or”"),
    ("The 6'2\" player", "The 6’2” player"),
    ("1990--1995", "1990–1995"),
    ("Wait---what", "Wait—what"),
    ("And then...", "And then…"),
    ("Em -- en --- dash", "Em – en — dash"),
    # inline markup
    ('"<em>Emphasised</em>" words', "“<em>Emphasised</em>” words"),
    ("'<strong>Bold</strong>' words", "‘<strong>Bold</strong>’ words"),
    ('<em>"Inside"</em>', "<em>“Inside”</em>"),
    ('"<a href="/x/">link text</a>"', '“<a href="/x/">link text</a>”'),
    ('<p>"Paragraph start"</p>', "<p>“Paragraph start”</p>"),
    # attributes are never touched, whatever they hold
    ('<span title="a > b">x</span> "q"', '<span title="a > b">x</span> “q”'),
    ("<span title='say \"x\" -- a > b'>y</span>", "<span title='say \"x\" -- a > b'>y</span>"),
    ('<img alt="a -- b..." src="x.png">', '<img alt="a -- b..." src="x.png">'),
    ('<a href="/a--b/" title="\'x\'">t</a>', '<a href="/a--b/" title="\'x\'">t</a>'),
    ('<!-- "comment" -- a > b --> "after"', '<!-- "comment" -- a > b --> “after”'),
    # code and preformatted text are never touched
    ('<code>"x" -- y...</code>', '<code>"x" -- y...</code>'),
    ('<pre><code>it\'s -- "raw"\n</code></pre>', '<pre><code>it\'s -- "raw"\n</code></pre>'),
    ('<kbd>--help</kbd> "ok"', "<kbd>--help</kbd> “ok”"),
    ('<code>a</code> "b" <code>"c"</code>', '<code>a</code> “b” <code>"c"</code>'),
    # URLs and e-mail addresses in text are left as written
    ("https://example.org/a--b", "https://example.org/a--b"),
    (
        '<a href="https://example.org/a--b">https://example.org/a--b</a>',
        '<a href="https://example.org/a--b">https://example.org/a--b</a>',
    ),
    ("See www.example.org/x--y -- it's new", "See www.example.org/x--y – it’s new"),
    ("Write to desk--news@example.org -- now", "Write to desk--news@example.org – now"),
    ("ftp://files.example.org/a...b", "ftp://files.example.org/a...b"),
    ('"https://example.org/" is the site', "“https://example.org/” is the site"),
]


@pytest.mark.parametrize(("html", "expected"), TYPOGRAPHY, ids=[t[0][:40] for t in TYPOGRAPHY])
def test_typeset(html: str, expected: str) -> None:
    from briefing.text import typeset

    assert typeset(html) == expected


# -- Reading written HTML: links and ids ---------------------------------------------------------

LINKS = [
    # (page, links, ids)
    ('<a href="/a/">x</a>', ["/a/"], []),
    ("<a href='/single/'>x</a>", ["/single/"], []),
    ("<a href=/bare/>x</a>", ["/bare/"], []),
    ('<A HREF="/upper/">x</A>', ["/upper/"], []),
    ('<code>&lt;a href="/in-code/"&gt;</code>', [], []),
    ('<pre>&lt;img src="/in-pre.png"&gt;</pre>', [], []),
    ('<p>href="/in-text/"</p>', [], []),
    ('<!-- <a href="/in-comment/"> -->', [], []),
    ('<img src="/i.png" srcset="/i-1x.png 1x, /i-2x.png 2x">', ["/i.png", "/i-1x.png", "/i-2x.png"], []),
    ('<picture><source srcset="/w.webp 640w,/v.webp 1280w"></picture>', ["/w.webp", "/v.webp"], []),
    ('<link rel="alternate" href="/feed.xml">', ["/feed.xml"], []),
    ('<form action="/search/" method="get"></form>', ["/search/"], []),
    ('<video poster="/p.jpg" src="/v.mp4"></video>', ["/p.jpg", "/v.mp4"], []),
    ('<script src="/s.js"></script>', ["/s.js"], []),
    ('<a href="/q?a=1&amp;b=2">x</a>', ["/q?a=1&b=2"], []),
    ('<a href="/x/">1</a><a href="/x/">2</a>', ["/x/"], []),
    ('<h2 id="top">T</h2><a name="old-anchor"></a><p id=\'q\'>x</p>', [], ["top", "old-anchor", "q"]),
    ('<span title="a > b" id="after">x</span>', [], ["after"]),
]


@pytest.mark.parametrize(("page", "links", "ids"), LINKS, ids=[t[0][:40] for t in LINKS])
def test_links_and_ids(page: str, links: list[str], ids: list[str]) -> None:
    from briefing.htmlscan import links_and_ids

    assert links_and_ids(f"<!DOCTYPE html><html><body>{page}</body></html>".encode()) == (
        "\n".join(links),
        "\n".join(ids),
    )


SRCSETS = [
    ("a.jpg", [("a.jpg", "")]),
    ("a.jpg 1x, b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")]),
    ("a.jpg 640w,b.jpg 1280w", [("a.jpg", "640w"), ("b.jpg", "1280w")]),
    ("  a.jpg   1x ,  b.jpg  2x  ", [("a.jpg", "1x"), ("b.jpg", "2x")]),
    ("a.jpg, b.jpg 2x", [("a.jpg", ""), ("b.jpg", "2x")]),
    ("/img/a,b.jpg 1x", [("/img/a,b.jpg", "1x")]),
    ("data:image/png;base64,AAA 1x", [("data:image/png;base64,AAA", "1x")]),
    ("", []),
]


@pytest.mark.parametrize(("srcset", "candidates"), SRCSETS, ids=[repr(s[0]) for s in SRCSETS])
def test_srcset_candidates(srcset: str, candidates: list[tuple[str, str]]) -> None:
    from briefing.htmlscan import srcset_candidates

    assert list(srcset_candidates(srcset)) == candidates


ABSOLUTE = [
    ('<a href="/a/">x</a>', '<a href="https://example.org/a/">x</a>'),
    ("<a href='b/'>x</a>", "<a href='https://example.org/news/2022/b/'>x</a>"),
    ("<a href=c>x</a>", "<a href=https://example.org/news/2022/c>x</a>"),
    ('<a href="#fn:1">1</a>', '<a href="https://example.org/news/2022/#fn:1">1</a>'),
    ('<a href="https://other.example/">x</a>', '<a href="https://other.example/">x</a>'),
    ('<a href="mailto:desk@example.org">x</a>', '<a href="mailto:desk@example.org">x</a>'),
    ('<code>&lt;a href="/embed/"&gt;</code>', '<code>&lt;a href="/embed/"&gt;</code>'),
    ('<!-- <a href="/c/"> --><hr />&#160;', '<!-- <a href="/c/"> --><hr />&#160;'),
    ('<img alt="a > b" src="/i.png">', '<img alt="a > b" src="https://example.org/i.png">'),
    (
        '<img srcset="/a.png 1x, /b.png 2x">',
        '<img srcset="https://example.org/a.png 1x, https://example.org/b.png 2x">',
    ),
    ("<p title='href=\"/not/\"'>x</p>", "<p title='href=\"/not/\"'>x</p>"),
    ("<p title='see href=\"/not/\"' data-x=1>x</p>", "<p title='see href=\"/not/\"' data-x=1>x</p>"),
]


@pytest.mark.parametrize(("fragment", "expected"), ABSOLUTE, ids=[t[0][:40] for t in ABSOLUTE])
def test_absolute_links(fragment: str, expected: str) -> None:
    from briefing.htmlscan import absolute_links

    assert absolute_links(fragment, "https://example.org/news/2022/") == expected


# -- Slugs, shortening and escaping --------------------------------------------------------------

SLUGS = [
    ("São Paulo schools reopen", "sao-paulo-schools-reopen"),
    ("Łódź and Kraków", "lodz-and-krakow"),
    ("It's the minister's plan", "its-the-ministers-plan"),
    ("Zürich’s banks", "zurichs-banks"),
    ("U.S. Secretary of State", "u-s-secretary-of-state"),
    ("  --Hello--World--  ", "hello-world"),
    ("北京 news", "beijing-news"),
    ("Ελλάδα", "ellada"),
    ("Crème brûlée & café", "creme-brulee-cafe"),
    ("C++ and C#", "c-and-c"),
    ("100% rise", "100-rise"),
    ("2022: a year", "2022-a-year"),
    ("Liz Truss", "liz-truss"),
    ("Jean-Luc Mélenchon", "jean-luc-melenchon"),
    (
        "The North Atlantic Treaty Organization (NATO) should seek to boost security",
        "the-north-atlantic-treaty-organization-nato-should-seek-to",
    ),
    ("a" * 70, "a" * 60),
    ("", ""),
    ("!!!", ""),
]


@pytest.mark.parametrize(("text", "slug"), SLUGS, ids=[s[0][:30] or "empty" for s in SLUGS])
def test_slugify(text: str, slug: str) -> None:
    from briefing.text import slugify

    assert slugify(text) == slug
    assert len(slugify(text)) <= 60


# One row per hard case of sentence boundaries in wire copy: the text and its sentences.
SENTENCES = [
    ("U.S. officials said talks failed. He left.", ["U.S. officials said talks failed.", "He left."]),
    ("The U.K. and the E.U. agreed. The U.N. welcomed it.", ["The U.K. and the E.U. agreed.", "The U.N. welcomed it."]),
    ("Mr. Smith went to Washington. He met Gov. Brown.", ["Mr. Smith went to Washington.", "He met Gov. Brown."]),
    ("Mrs. Jones spoke. Ms. Lee replied.", ["Mrs. Jones spoke.", "Ms. Lee replied."]),
    (
        "Dr. Jane Doe and Prof. John Roe spoke. Lt. Gen. Smith too.",
        ["Dr. Jane Doe and Prof. John Roe spoke.", "Lt. Gen. Smith too."],
    ),
    ("Sen. Ann Lee and Rep. Bo Park voted. Both lost.", ["Sen. Ann Lee and Rep. Bo Park voted.", "Both lost."]),
    (
        "Police in St. Petersburg detained 20 people. Others fled.",
        ["Police in St. Petersburg detained 20 people.", "Others fled."],
    ),
    ("Mt. Everest is high. Mt. Fuji too.", ["Mt. Everest is high.", "Mt. Fuji too."]),
    ("The meeting is at 9 a.m. on Sept. 5. It will last.", ["The meeting is at 9 a.m. on Sept. 5.", "It will last."]),
    ("Prices rose in Aug. as costs climbed. Wages lagged.", ["Prices rose in Aug. as costs climbed.", "Wages lagged."]),
    (
        "The law passed on Jan. 3 and took effect in Feb. last year. It was new.",
        ["The law passed on Jan. 3 and took effect in Feb. last year.", "It was new."],
    ),
    ("Apple Inc. said sales rose. Microsoft Corp. fell.", ["Apple Inc. said sales rose.", "Microsoft Corp. fell."]),
    ("Acme Co. and Widget Ltd. merged. Shares rose.", ["Acme Co. and Widget Ltd. merged.", "Shares rose."]),
    (
        "Martin Luther King Jr. Day drew crowds. Speakers spoke.",
        ["Martin Luther King Jr. Day drew crowds.", "Speakers spoke."],
    ),
    (
        "No. 10 said the prime minister would speak. Downing Street declined.",
        ["No. 10 said the prime minister would speak.", "Downing Street declined."],
    ),
    ("Team A vs. Team B ended 2-1. Fans left.", ["Team A vs. Team B ended 2-1.", "Fans left."]),
    (
        "The polls closed at 7 p.m. on Monday. Counting began.",
        ["The polls closed at 7 p.m. on Monday.", "Counting began."],
    ),
    ("It was e.g. a test, i.e. a trial. Next sentence.", ["It was e.g. a test, i.e. a trial.", "Next sentence."]),
    ("J.K. Rowling wrote it. Fans cheered.", ["J.K. Rowling wrote it.", "Fans cheered."]),
    ("Sen. Joe Manchin, D-W.Va., said no. Others agreed.", ["Sen. Joe Manchin, D-W.Va., said no.", "Others agreed."]),
    (
        "Gov. Kathy Hochul (D-N.Y.) signed the bill. It takes effect.",
        ["Gov. Kathy Hochul (D-N.Y.) signed the bill.", "It takes effect."],
    ),
    ("The plant in St. Louis, Mo., closed. Workers left.", ["The plant in St. Louis, Mo., closed.", "Workers left."]),
    (
        "The company earned $97.3 billion, up 0.2% from a year earlier. Shares rose.",
        ["The company earned $97.3 billion, up 0.2% from a year earlier.", "Shares rose."],
    ),
    ("It cost $1.5 bn. Ouch.", ["It cost $1.5 bn.", "Ouch."]),
    ("Growth was 3.5 per cent. It slowed.", ["Growth was 3.5 per cent.", "It slowed."]),
    ('He said "we will win." Then he left.', ['He said "we will win."', "Then he left."]),
    ("He said: “We will win.” Then he left.", ["He said: “We will win.”", "Then he left."]),
    (
        "“We are ready,” said Gen. Mark Milley. He spoke in Washington.",
        ["“We are ready,” said Gen. Mark Milley.", "He spoke in Washington."],
    ),
    ("Is it over? Nobody knows!", ["Is it over?", "Nobody knows!"]),
    ("One. Two! Three?", ["One.", "Two!", "Three?"]),
    (
        "KYIV, May 6 (Reuters) - Russian forces pressed on. More later.",
        ["KYIV, May 6 (Reuters) - Russian forces pressed on.", "More later."],
    ),
    (
        "The U.S. Federal Reserve raised rates. It was the first rise.",
        ["The U.S. Federal Reserve raised rates.", "It was the first rise."],
    ),
    ("Inc. 500 companies grew. Good.", ["Inc. 500 companies grew.", "Good."]),
    ("A headline without a stop", ["A headline without a stop"]),
    ("Spaces   are\n\tfolded. Yes.", ["Spaces are folded.", "Yes."]),
    ("Version 2.0 shipped. Users upgraded.", ["Version 2.0 shipped.", "Users upgraded."]),
    ("The vote was 52-48. Turnout was 71.2%.", ["The vote was 52-48.", "Turnout was 71.2%."]),
    ("The Rev. Al Sharpton spoke. Crowds cheered.", ["The Rev. Al Sharpton spoke.", "Crowds cheered."]),
    ("Capt. Ahab and Sgt. Pepper met. Col. Mustard left.", ["Capt. Ahab and Sgt. Pepper met.", "Col. Mustard left."]),
    ("Ships left Port St. Lucie at dawn. None returned.", ["Ships left Port St. Lucie at dawn.", "None returned."]),
    (
        'The choice between Euro-Atlantic and Indo-Pacific security." Next one.',
        ['The choice between Euro-Atlantic and Indo-Pacific security."', "Next one."],
    ),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES, ids=[s[0][:30] or "empty" for s in SENTENCES])
def test_sentences(text: str, expected: list[str]) -> None:
    from briefing.text import sentences

    assert sentences(text) == expected


# A lede's first sentence and the headline a sub-editor makes of it.
HEADLINES = [
    ("Short sentence.", "Short sentence"),
    ("Ends with a question?", "Ends with a question?"),
    ("Shell profits double as energy prices soar.", "Shell profits double as energy prices soar"),
    ("Shares fell in the U.S.", "Shares fell in the U.S."),
    (
        "The North Atlantic Treaty Organization (NATO) should seek to boost security in the Indo-Pacific region, said UK Foreign Secretary Liz Truss batting for “a global NATO” to help Taiwan.",
        "NATO should seek to boost security in the Indo-Pacific region",
    ),
    ("The International Monetary Fund (IMF) cut its forecast on Tuesday.", "IMF cut its forecast"),
    ("Talks with the World Health Organization (WHO) resumed on Monday.", "Talks with the WHO resumed"),
    ("The United Nations (UN) said on Friday that aid had arrived.", "UN said that aid had arrived"),
    ("Protesters marched on Saturday morning in Paris.", "Protesters marched in Paris"),
    ("Shares rose late on Tuesday after the results.", "Shares rose after the results"),
    ("Talks will resume this week in Geneva.", "Talks will resume in Geneva"),
    ("The law takes effect on May 2 in most states.", "The law takes effect in most states"),
    ("Friday prayers were cancelled in the capital.", "Friday prayers were cancelled in the capital"),
    (
        "About 100 civilians were evacuated from the Azovstal steel plant in Mariupol on Sunday, Ukrainian President Volodymyr Zelenskyy said, the first group to leave the besieged works.",
        "About 100 civilians were evacuated from the Azovstal steel plant in Mariupol",
    ),
    (
        "Police in the capital arrested dozens of protesters on Saturday, officials said, after a march against the new labour law turned violent near parliament.",
        "Police in the capital arrested dozens of protesters",
    ),
    (
        "Heavy rains killed at least 20 people in the state of Pernambuco, local officials said.",
        "Heavy rains killed at least 20 people in the state of Pernambuco",
    ),
    (
        "The economy grew by 0.1% in March, according to the Office for National Statistics.",
        "The economy grew by 0.1% in March",
    ),
    (
        "Sen. Joe Manchin said he would not back the bill, calling it too costly.",
        "Sen. Joe Manchin said he would not back the bill, calling it too costly",
    ),
    (
        "Prices rose again in the third quarter as energy costs climbed across the euro zone and wages lagged behind inflation in most of the member states of the union.",
        "Prices rose again in the third quarter as energy costs climbed across the euro zone",
    ),
    (
        "Sen. Joe Manchin, D-W.Va., said on Thursday he would not support the climate bill in its current form, dealing a blow to President Joe Biden’s agenda.",
        "Sen. Joe Manchin said he would not support the climate bill in its current form",
    ),
    (
        "Dr. Tedros Adhanom Ghebreyesus, head of the World Health Organization, said on Saturday that the Covid-19 pandemic was not over, as cases rose in 70 countries.",
        "Dr. Tedros Adhanom Ghebreyesus said the Covid-19 pandemic was not over",
    ),
    (
        "The World Food Programme (WFP), which feeds more than 100 million people a year in some of the poorest places on earth, warned on Friday that it would cut rations in Yemen.",
        "WFP warned that it would cut rations in Yemen",
    ),
    (
        "A tornado tore through St. Louis, Mo., late on Wednesday, damaging hundreds of homes and knocking out power to 50,000 customers, the National Weather Service said.",
        "A tornado tore through St. Louis, damaging hundreds of homes and knocking out power",
    ),
    (
        "Regulators said several lenders, e.g. smaller regional banks, had breached capital rules, i.e. they held too little in reserve.",
        "Regulators said several lenders had breached capital rules",
    ),
    (
        "German Chancellor Olaf Scholz said on Tuesday that Germany would not send its own heavy weapons directly to Ukraine for now, but would help allies replace theirs.",
        "German Chancellor Olaf Scholz said Germany would not send its own heavy weapons",
    ),
    (
        "Officials in the northern province of Quebec announced sweeping new restrictions on indoor gatherings, restaurants and schools as hospitals reported a record number of patients.",
        "Officials in the northern province of Quebec announced sweeping new restrictions",
    ),
    (
        "The minister (who had been in office for only three weeks after a reshuffle forced by the resignation of her predecessor) resigned.",
        "The minister resigned",
    ),
    (
        "“We will not give up a single metre of our land,” Zelenskyy said on Friday.",
        "“We will not give up a single metre of our land,” Zelenskyy said",
    ),
    (
        "Mr. Johnson told Parliament on Tuesday that the government would publish its energy strategy within weeks, after months of delay.",
        "Mr. Johnson told Parliament the government would publish its energy strategy within weeks",
    ),
]


@pytest.mark.parametrize(("sentence", "title"), HEADLINES, ids=[t[0][:30] for t in HEADLINES])
def test_headline(sentence: str, title: str) -> None:
    from briefing.text import ABBREVIATIONS, DANGLING, headline

    made = headline(sentence)
    assert made == title
    assert len(made) <= 90 and "…" not in made
    last = made.split()[-1].rstrip(".")
    assert last.lower() not in DANGLING and last not in ABBREVIATIONS


DATELINES = [
    ("KYIV, May 6 (Reuters) - Russian forces pressed on.", ("Kyiv", "Reuters"), "Russian forces pressed on."),
    ("LONDON (AP) — The king spoke.", ("London", "AP"), "The king spoke."),
    ("WASHINGTON, May 2 - The Senate voted.", ("Washington", None), "The Senate voted."),
    ("WASHINGTON — The Senate voted.", ("Washington", None), "The Senate voted."),
    ("ST. PETERSBURG, Russia (AP) — Police detained 20.", ("St. Petersburg, Russia", "AP"), "Police detained 20."),
    ("NEW YORK, Sept. 3 (Reuters) - Stocks fell.", ("New York", "Reuters"), "Stocks fell."),
    ("DAR ES SALAAM, Tanzania (AFP) -- Rain fell.", ("Dar es Salaam, Tanzania", "AFP"), "Rain fell."),
    ("PARIS, May 2 (AFP) - Text here", ("Paris", "AFP"), "Text here"),
    ("BERLIN (dpa) - Text here", ("Berlin", "dpa"), "Text here"),
    ("TOKYO (Kyodo) - Text here", ("Tokyo", "Kyodo"), "Text here"),
    ("Kyiv, May 6 (Reuters) - Text.", ("Kyiv", "Reuters"), "Text."),
    ("MEXICO CITY, May 5 - Rates rose.", ("Mexico City", None), "Rates rose."),
    ("UNITED NATIONS (AP) — The council met.", ("United Nations", "AP"), "The council met."),
    ("The minister - who left - said no.", (None, None), "The minister - who left - said no."),
    ("UN chief - text", (None, None), "UN chief - text"),
    (
        "Officials said on Monday (local time) - nothing.",
        (None, None),
        "Officials said on Monday (local time) - nothing.",
    ),
]


@pytest.mark.parametrize(("text", "dateline", "rest"), DATELINES, ids=[d[0][:30] for d in DATELINES])
def test_take_dateline(text: str, dateline: tuple[str | None, str | None], rest: str) -> None:
    from briefing.wire import take_dateline

    assert take_dateline(text) == (dateline, rest)


BYLINES = [
    ("By Jane Smith\nLONDON (AP) — text", ("LONDON (AP) — text", ("Jane Smith",), None)),
    ("By Jane Smith and John Doe\n\ntext", ("\ntext", ("Jane Smith", "John Doe"), None)),
    ("By Jane Smith, Reuters\ntext", ("text", ("Jane Smith",), "Reuters")),
    ("By Jane Smith, Associated Press\ntext", ("text", ("Jane Smith",), "AP")),
    ("By JANE SMITH\ntext", ("text", ("Jane Smith",), None)),
    ("By Jane Smith, John Doe and Ann Lee\ntext", ("text", ("Jane Smith", "John Doe", "Ann Lee"), None)),
    ("\nBy Jean-Luc Picard\ntext", ("\ntext", ("Jean-Luc Picard",), None)),
    ("By the time the police arrived, it was over.\n", ("By the time the police arrived, it was over.\n", (), None)),
    (
        "Text first.\n\nMore.\n\nEven more.\n\nBy Late Byline\n",
        ("Text first.\n\nMore.\n\nEven more.\n\nBy Late Byline\n", (), None),
    ),
]


@pytest.mark.parametrize(("body", "taken"), BYLINES, ids=[b[0][:30] for b in BYLINES])
def test_take_byline(body: str, taken: tuple[str, tuple[str, ...], str | None]) -> None:
    from briefing.wire import take_byline

    assert take_byline(body) == taken


FRAGMENTS = [
    ("of State Antony Blinken", True),
    ("Antony Blinken", False),
    ("the Kremlin", True),
    ("Mr", True),
    ("Gov", True),
    ("Gov.", True),
    ("Minister", True),
    ("Monday", True),
    ("May", True),
    ("Sept", True),
    ("Talks in", True),
    ("Premier League", False),
    ("Minister Smith", True),
    ("NATO", False),
    ("Labour Party", False),
    ("University of Oxford", False),
    ("1234", True),
    ("", True),
    ("St. Louis", False),
    ("Saint Petersburg", False),
]


@pytest.mark.parametrize(("tag", "fragment"), FRAGMENTS, ids=[f[0] or "empty" for f in FRAGMENTS])
def test_is_fragment(tag: str, fragment: bool) -> None:
    from briefing.tagging import is_fragment

    assert is_fragment(tag) is fragment


TAGGED = [  # a lede, and tags it must give (the site vocabulary empty)
    ("Chinese warplanes flew near Taiwan on Tuesday.", {"China", "Taiwan"}),
    ("Secretary of State Antony Blinken met Prime Minister Fumio Kishida.", {"Antony Blinken", "Fumio Kishida"}),
    ("Gov. Kathy Hochul signed the bill in Albany.", {"Kathy Hochul"}),
    ("Equinor ASA and Apple Inc. signed a deal.", {"Equinor", "Apple"}),
    ("The Central Weather Bureau warned of rain.", {"Central Weather Bureau"}),
    ("Labour Party leaders met in Liverpool.", {"Labour Party", "Liverpool"}),
    (
        "The IMF and the WHO met the EU in Brussels.",
        {"International Monetary Fund", "World Health Organization", "European Union", "Brussels"},
    ),
    ("Police in St. Petersburg detained 20 people.", {"Saint Petersburg"}),
    ("Real Madrid beat Manchester City.", {"Manchester City"}),
]


@pytest.mark.parametrize(("lede", "tags"), TAGGED, ids=[t[0][:30] for t in TAGGED])
def test_find_tags(lede: str, tags: set[str]) -> None:
    from briefing.tagging import find_tags

    found = find_tags(None, [lede], {})
    assert tags <= set(found), found
    assert "Madrid" not in found and "Police" not in found


SHORTENED = [
    ("Short lede.", 60, "Short lede."),
    ("First sentence is here. " * 20, 60, "First sentence is here. First sentence is here."),
    ("a " * 200, 60, "a " * 29 + "a…"),
    (
        "One long sentence without a stop that runs on and on and on past the limit",
        40,
        "One long sentence without a stop that…",
    ),
    ("Ends here! Then more text follows after it for a while.", 30, "Ends here! Then more text…"),  # too early an end
    ("The minister said “no.” Then he left the room in a hurry.", 40, "The minister said “no.”"),
    ("The minister said no! Then he left the room in a hurry.", 40, "The minister said no!"),
    ("Spaces   are\n\tnormalised.", 60, "Spaces are normalised."),
]


@pytest.mark.parametrize(("text", "limit", "short"), SHORTENED, ids=[s[0][:30] for s in SHORTENED])
def test_shorten(text: str, limit: int, short: str) -> None:
    from briefing.text import shorten

    assert shorten(text, limit) == short


ESCAPED = [
    ("# Not a heading", "\\# Not a heading"),
    ("1. Not a list", "1\\. Not a list"),
    ("2022. The year", "2022\\. The year"),
    ("- not a bullet", "\\- not a bullet"),
    ("+ plus", "\\+ plus"),
    ("> not a quote", "\\> not a quote"),
    ("a_b_c and *stars*", "a\\_b\\_c and \\*stars\\*"),
    ("[a](b)", "\\[a\\](b)"),
    ("<tag> & amp", "&lt;tag> &amp; amp"),
    ("back\\slash", "back\\\\slash"),
    ("`code`", "\\`code\\`"),
    ("C# and F#", "C# and F#"),
    ("Plain words.", "Plain words."),
]


@pytest.mark.parametrize(("text", "escaped"), ESCAPED, ids=[e[0] for e in ESCAPED])
def test_escape_markdown(text: str, escaped: str) -> None:
    from briefing.markup import make_markdown
    from briefing.text import escape_markdown

    assert escape_markdown(text) == escaped
    html = make_markdown().convert(escaped)  # and it renders as exactly the text
    assert html.removeprefix("<p>").removesuffix("</p>") == text.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )


WORDS_AND_LEDE = [
    ("<p>One two three.</p>", 3, "One two three."),
    ("<h2>Head</h2>\n<p>Lede here.</p>\n<p>More text.</p>", 5, "Lede here."),
    ('<p><span title="a > b">Inside</span> words</p>', 2, "Inside words"),
    ("<p>Tom &amp; Jerry&#160;run</p>", 4, "Tom & Jerry run"),
    ("<p>a<em>b</em>c</p>", 3, "abc"),
    ("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", 2, ""),
    ("<blockquote>\n<p>Quoted first.</p>\n</blockquote>\n<p>Then.</p>", 3, "Quoted first."),
    ('<p><code>&lt;a href="x"&gt;</code> sample</p>', 3, '<a href="x"> sample'),
    ("", 0, ""),
]


@pytest.mark.parametrize(
    ("fragment", "words", "lede"), WORDS_AND_LEDE, ids=[w[0][:30] or "empty" for w in WORDS_AND_LEDE]
)
def test_words_and_lede(fragment: str, words: int, lede: str) -> None:
    from briefing.htmlscan import words_and_lede

    assert words_and_lede(fragment) == (words, lede)


ANCHORS = [
    (
        '<h2 id="w">Wages lag prices<a class="anchor" href="#w" title="Link to this section">#</a></h2>',
        '<h2 id="w">Wages lag prices</h2>',
    ),
    ("<p>No heading here.</p>", "<p>No heading here.</p>"),
    ('<p><a href="/x">a link</a> stays</p>', '<p><a href="/x">a link</a> stays</p>'),
    (
        '<p><code>&lt;a class="anchor"&gt;#&lt;/a&gt;</code></p>',
        '<p><code>&lt;a class="anchor"&gt;#&lt;/a&gt;</code></p>',
    ),
    (
        '<h2 id="a">A<a class="anchor" href="#a">#</a></h2><p>x</p><h3 id="b">B<a class="anchor" href="#b">#</a></h3>',
        '<h2 id="a">A</h2><p>x</p><h3 id="b">B</h3>',
    ),
    ('<a class="anchor-like" href="/y">kept</a>', '<a class="anchor-like" href="/y">kept</a>'),
]


@pytest.mark.parametrize(("fragment", "expected"), ANCHORS, ids=[a[0][:30] for a in ANCHORS])
def test_drop_anchors(fragment: str, expected: str) -> None:
    from briefing.htmlscan import drop_anchors

    assert drop_anchors(fragment) == expected
