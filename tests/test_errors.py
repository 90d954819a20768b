"""One small broken site per error case: the exact `path:line: message`, exit 1, output untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import snapshot

GOOD = "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n"

CASES: list[tuple[str, dict[str, str | bytes], list[str]]] = [
    (
        "missing title",
        {"content/a.md": "---\ndate: 2022-04-29\n---\nx\n"},
        ["content/a.md:1: missing title (add a `title:` line to the front matter)"],
    ),
    (
        "missing date",
        {"content/a.md": "---\ntitle: T\n---\nx\n"},
        ["content/a.md:1: missing date (add a `date: YYYY-MM-DD` line to the front matter)"],
    ),
    (
        "impossible date",
        {"content/a.md": "---\ntitle: T\ndate: 2022-02-30\n---\nx\n"},
        ["content/a.md:3: date '2022-02-30' is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00)"],
    ),
    (
        "date that is text",
        {"content/a.md": "---\ntitle: T\ndate: last Tuesday\n---\nx\n"},
        ["content/a.md:3: date 'last Tuesday' is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00)"],
    ),
    (
        "tags not a list",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntags: NATO\n---\nx\n"},
        ["content/a.md:4: tags must be a list of non-empty strings, not 'NATO' (write tags: [First, Second])"],
    ),
    (
        "tags not strings",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntags: [1, {a: b}]\n---\nx\n"},
        ["content/a.md:4: tags must be a list of non-empty strings, not a list (write tags: [First, Second])"],
    ),
    (
        "broken YAML",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntags: [NATO\n---\nx\n"},
        [
            "content/a.md:5: front matter is not valid YAML: while parsing a flow sequence did not find expected ',' or ']'"
        ],
    ),
    (
        "duplicate key",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntitle: U\n---\nx\n"},
        ["content/a.md:4: front matter is not valid YAML: key 'title' is given twice (first on line 2)"],
    ),
    (
        "not UTF-8",
        {"content/a.md": b"---\ntitle: Caf\xe9\ndate: 2022-04-29\n---\nx\n"},
        ["content/a.md:2: is not UTF-8 text (byte 0xe9) (save the file as UTF-8)"],
    ),
    (
        "no front matter",
        {"content/a.md": "Just text.\n"},
        ["content/a.md:1: has no front matter (start the file with a line of ---, then title: and date:, then ---)"],
    ),
    (
        "slug leaving its folder",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\nslug: ../../x\n---\nx\n"},
        [
            "content/a.md:4: slug '../../x' is not a plain URL segment (use lower-case letters, digits and hyphens, such as nato-global-outlook)"
        ],
    ),
    (
        "unknown template",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntemplate: fancy.html\n---\nx\n"},
        ["content/a.md:4: unknown template 'fancy.html' (add templates/fancy.html, or remove the template line)"],
    ),
    (
        "template syntax error",
        {"content/a.md": GOOD, "templates/article.html": "<p>\n{% if article %}\n{{ article.title }\n"},
        ["templates/article.html:3: template syntax error: unexpected '}'"],
    ),
    (
        "template that raises",
        {
            "content/a.md": GOOD,
            "templates/article.html": "{% extends 'base.html' %}\n{% block main %}\n{{ article.no_such_field }}\n{% endblock %}\n",
        },
        [
            "templates/article.html:3: template error while rendering /2022/04/29/fine/: 'briefing.site.Article object' has no attribute 'no_such_field'"
        ],
    ),
    (
        "include of a missing template",
        {"content/a.md": GOOD, "templates/404.html": "x\n{% include 'gone.html' %}\n"},
        ["templates/404.html:2: template error while rendering /404.html: unknown template 'gone.html'"],
    ),
    (
        "unknown config key",
        {"site.toml": 'title = "T"\ncolour = "red"\n', "content/a.md": GOOD},
        [
            "site.toml:2: unknown key 'colour' (known keys: author, base_url, card_images, description, domain, feed_content, feed_length, gazetteer, home_days, home_stories, ignore_tags, language, newsletter, per_page, publisher, publisher_logo, related, search, sections, sitemap_urls, tags, timezone, title)"
        ],
    ),
    (
        "bad config syntax",
        {"site.toml": 'title = "T\n', "content/a.md": GOOD},
        ["site.toml:1: Illegal character '\\n'"],
    ),
    (
        "bad time zone",
        {"site.toml": 'timezone = "Mars/Olympus"\n', "content/a.md": GOOD},
        ["site.toml:1: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)"],
    ),
]


@pytest.mark.parametrize("files, messages", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_the_last_good_site_stays(site, cli, files, messages) -> None:
    root = site({"content/ok.md": GOOD.replace("Fine", "Earlier")})
    assert cli("build", "--now", "2022-05-01").status == 0
    before = snapshot(root / "public")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1, run
    for message in messages:
        assert f"error: {message}" in run.err.splitlines(), run.err
    assert "Traceback" not in run.err
    assert snapshot(root / "public") == before


def test_every_problem_is_reported_in_one_run(site, cli) -> None:
    site(
        {
            "content/a.md": "---\ndate: 2022-04-29\n---\nx\n",
            "content/b.md": "---\ntitle: B\ndate: soon\ntags: NATO\n---\nx\n",
        }
    )
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert run.err.splitlines() == [
        "error: content/a.md:1: missing title (add a `title:` line to the front matter)",
        "error: content/b.md:3: date 'soon' is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00)",
        "error: content/b.md:4: tags must be a list of non-empty strings, not 'NATO' (write tags: [First, Second])",
    ]
    assert not Path("public").exists()


def test_problems_found_by_parallel_parsing_are_reported_in_file_order(site, cli) -> None:
    files = {f"content/{i:03}.md": f"---\ntitle: Story {i}\ndate: 2022-04-29\n---\nText {i}.\n" for i in range(300)}
    files["content/007.md"] = "---\ndate: 2022-04-29\n---\nx\n"
    files["content/250.md"] = "---\ntitle: B\ndate: soon\n---\nx\n"
    site(files)  # 300 files: parsed on every core
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1
    assert run.err.splitlines() == [
        "error: content/007.md:1: missing title (add a `title:` line to the front matter)",
        "error: content/250.md:3: date 'soon' is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00)",
    ]
    assert not Path("public").exists()


def test_bad_now_is_a_usage_error(site, cli) -> None:
    site({"content/a.md": GOOD})
    run = cli("build", "--now", "yesterday-ish")
    assert run.status == 2 and "--now 'yesterday-ish' is not a date or time" in run.err


# More hostile input, built with --strict: each message names the file (and line where there is one).
# A key 'LINK path' makes a symlink to the value; 'DIR path' makes a folder.
STRICT_CASES: list[tuple[str, dict[str, str | bytes], str]] = [
    (
        "title of 10,000 characters",
        {"content/a.md": "---\ntitle: " + "x" * 10_000 + "\ndate: 2022-04-29\n---\nx\n"},
        "error: content/a.md:2: title is 10000 characters long; at most 300 fit a headline",
    ),
    (
        "NUL byte",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\n---\nbody\x00here\n"},
        "error: content/a.md:5: contains a NUL byte",
    ),
    (
        "BOM in the middle",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\n---\nbody\ufeffhere\n"},
        "error: content/a.md:5: contains a byte-order mark in the middle of the text",
    ),
    (
        "symlink to /etc/passwd",
        {"content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n", "LINK content/evil.md": "/etc/passwd"},
        "error: content/evil.md: is a link to a file outside the site (copy the file in instead)",
    ),
    (
        "absolute slug",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\nslug: /etc/x\n---\nx\n"},
        "error: content/a.md:4: slug '/etc/x' is not a plain URL segment (use lower-case letters, digits and hyphens, such as nato-global-outlook)",
    ),
    (
        "backslash slug",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\nslug: 'a\\\\b'\n---\nx\n"},
        "error: content/a.md:4: slug 'a\\\\\\\\b' is not a plain URL segment (use lower-case letters, digits and hyphens, such as nato-global-outlook)",
    ),
    (
        "empty file",
        {"content/a.md": ""},
        "error: content/a.md:1: is empty (an article starts with front matter between --- lines)",
    ),
    (
        "folder named like an article",
        {"content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n", "DIR content/folder.md": ""},
        "error: content/folder.md: is a folder, but its name ends in .md like an article",
    ),
    (
        "title that is a list",
        {"content/a.md": "---\ntitle: [a, b]\ndate: 2022-04-29\n---\nx\n"},
        "error: content/a.md:2: title must be text, not a list",
    ),
    (
        "draft that is text",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ndraft: maybe\n---\nx\n"},
        "error: content/a.md:4: draft must be true or false, not 'maybe'",
    ),
    (
        "date that is a number",
        {"content/a.md": "---\ntitle: T\ndate: 20220429\n---\nx\n"},
        "error: content/a.md:3: date 20220429 is not a date (write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00)",
    ),
    (
        "update of an unknown kind",
        {
            "content/a.md": "---\ntitle: T\ndate: 2022-04-29\nupdates:\n  - at: 2022-04-30T10:00\n    kind: retraction\n    text: Gone.\n---\nx\n"
        },
        "error: content/a.md:4: update 1: kind must be correction or update, not 'retraction'",
    ),
    (
        "image that is a script",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\nimage: 'javascript:alert(1)'\n---\nx\n"},
        "error: content/a.md:4: image 'javascript:alert(1)' is not a file name, site path or URL (write a file name beside the article (nato.jpg), a path such as /static/x.jpg, or https://...)",
    ),
    (
        "template outside templates",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\ntemplate: ../../etc/passwd\n---\nx\n"},
        "error: content/a.md:4: template '../../etc/passwd' is not a template name (write a name such as feature.html)",
    ),
    (
        "front matter that is a list",
        {"content/a.md": "---\n- a\n- b\n---\nx\n"},
        "error: content/a.md:2: front matter must be a set of `key: value` lines",
    ),
    (
        "broken link in Markdown under strict",
        {"content/a.md": "---\ntitle: T\ndate: 2022-04-29\n---\n[x](/nowhere/)\n"},
        "error: public/2022/04/29/t/index.html: broken link: /nowhere/ (from content/a.md)",
    ),
    (
        "wire copy with an impossible date",
        {"inbox/w.txt": "date 2022-13-45 Body.\n"},
        "rejected inbox/w.txt: impossible date 2022-13-45",
    ),
    (
        "wire copy that is binary",
        {"inbox/w.txt": b"date 2022-04-29 \x00\x01\x02"},
        "rejected inbox/w.txt: contains NUL bytes: not a text file",
    ),
    (
        "per_page of zero",
        {"site.toml": "per_page = 0\n", "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n"},
        "error: site.toml:1: per_page must be a whole number of at least 1, not 0",
    ),
    (
        "base_url that is not http",
        {
            "site.toml": 'base_url = "ftp://example.org/"\n',
            "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n",
        },
        "error: site.toml:1: base_url 'ftp://example.org/' is not an http(s) URL",
    ),
    (
        "tags table that is not one",
        {"site.toml": "tags = 5\n", "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n"},
        "error: site.toml:1: tags must be a table: tag name = list of phrases",
    ),
    (
        "title that is a number",
        {"site.toml": "title = 5\n", "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n"},
        "error: site.toml:1: title must be a string, not 5",
    ),
    (
        "template with an unknown filter",
        {
            "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n",
            "templates/404.html": "{{ 'x' | nope }}\n",
        },
        "error: templates/404.html:1: template syntax error: No filter named 'nope'.",
    ),
    (
        "template dividing by zero",
        {
            "content/a.md": "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n",
            "templates/404.html": "ok\n{{ 1 // 0 }}\n",
        },
        "error: templates/404.html:2: template error while rendering /404.html: integer division or modulo by zero",
    ),
]


@pytest.mark.parametrize("files, message", [c[1:] for c in STRICT_CASES], ids=[c[0] for c in STRICT_CASES])
def test_hostile_input_is_reported_and_the_last_good_site_stays(site, cli, files, message) -> None:
    root = site({"content/ok.md": GOOD.replace("Fine", "Earlier")})
    assert cli("build", "--now", "2022-05-01", "--strict").status == 0
    before = snapshot(root / "public")
    for name, content in files.items():
        kind, _, rel = name.rpartition(" ")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "LINK":
            path.symlink_to(content)
        elif kind == "DIR":
            path.mkdir()
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 1, run
    assert message in run.err.splitlines(), run.err
    assert "Traceback" not in run.err
    assert snapshot(root / "public") == before


def test_the_bad_input_corpus_has_at_least_thirty_cases() -> None:
    assert len(CASES) + len(STRICT_CASES) >= 30


def test_debug_shows_the_traceback_of_an_internal_error(site, cli, monkeypatch) -> None:
    site({"content/a.md": GOOD})
    import briefing.builder

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(briefing.builder, "assemble", explode)
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 1 and "internal error: RuntimeError: boom (run with --debug for details)" in run.err
    assert "Traceback" not in run.err
    with pytest.raises(RuntimeError):
        cli("--debug", "build", "--now", "2022-05-01")


@pytest.mark.parametrize("existed", [False, True], ids=["no-output-folder", "empty-output-folder"])
def test_a_failed_first_build_leaves_the_output_folder_as_it_found_it(site, cli, existed: bool) -> None:
    broken = "---\ntitle: T\ndate: 2022-04-29\n---\nSee [the page](/no/such/page/) and <a href='/nor/this/'>this</a>.\n"
    root = site({"content/2022/04/29/a.md": broken})
    if existed:
        (root / "public").mkdir()
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 1 and "broken link: /no/such/page/" in run.err
    assert (root / "public").exists() == existed
    if existed:
        assert list((root / "public").iterdir()) == []
    (root / "content/2022/04/29/a.md").write_text(broken.replace("/no/such/page/", "/").replace("/nor/this/", "/"))
    good = cli("build", "--now", "2022-05-01", "--strict")
    assert good.status == 0, good.err
    assert (root / "public/2022/04/29/t/index.html").is_file()


def test_links_are_read_by_an_html_parser_not_from_text(site, cli) -> None:
    body = (
        'A code sample: `<a href="/embed/player/">` and\n\n'
        '    <img src="/in/a/pre/block.png">\n\n'
        "<p>A real one, single-quoted: <a href='/no/such/page/'>here</a>, unquoted: <a href=/nor/this/>there</a>.</p>\n\n"
        '<p><img alt="" src="/static/favicon.svg" srcset="/static/favicon.svg 1x, /missing-2x.png 2x"></p>\n\n'
        '<form action="/no/form/target/"><button>Go</button></form>\n'
    )
    site({"content/2022/04/29/a.md": f"---\ntitle: Links\ndate: 2022-04-29\n---\n{body}"})
    run = cli("build", "--now", "2022-05-01", "--strict")
    assert run.status == 1
    broken = sorted(
        line.split("broken link: ")[1].split(" ")[0] for line in run.err.splitlines() if "broken link: " in line
    )
    assert broken == ["/missing-2x.png", "/no/form/target/", "/no/such/page/", "/nor/this/"]
    assert "/embed/player/" not in run.err and "/in/a/pre/block.png" not in run.err
