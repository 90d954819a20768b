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
            "site.toml:2: unknown key 'colour' (known keys: author, base_url, description, domain, feed_content, feed_length, home_days, language, per_page, publisher, publisher_logo, related, tags, timezone, title)"
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


def test_bad_now_is_a_usage_error(site, cli) -> None:
    site({"content/a.md": GOOD})
    run = cli("build", "--now", "yesterday-ish")
    assert run.status == 2 and "--now 'yesterday-ish' is not a date or time" in run.err
