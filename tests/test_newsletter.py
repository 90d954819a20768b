"""The day's edition as an email: pages built for mail clients, a MIME message Python's email
package reads back, sending through a real SMTP server on 127.0.0.1, and Chromium's view of it."""

from __future__ import annotations

import email
import re
import socket
import textwrap
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from conftest import FIXTURE_NOW
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from briefing.render import wrap

BASE = "https://example.org/news/"
EDITION = "public/2022/04/29/newsletter.html"


def sender(root: Path, extra: str = "") -> None:
    config = root / "site.toml"
    config.write_text(config.read_text() + f'\n[newsletter]\nfrom_address = "desk@example.org"\n{extra}')


def test_every_edition_has_an_email_ready_html_and_text_part(fixture_site: Path, cli) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    editions = sorted(p.parent for p in (fixture_site / "public").glob("20*/*/*/index.html") if p.parent.name.isdigit())
    assert editions and all((d / "newsletter.html").is_file() and (d / "newsletter.txt").is_file() for d in editions)
    data = (fixture_site / EDITION).read_bytes()
    assert len(data) < 102 * 1024  # Gmail clips larger messages
    doc = lxml_html.fromstring(data)
    assert not doc.xpath("//link[@rel='stylesheet']") and not doc.xpath("//script")
    styles = doc.xpath("//style")
    assert len(styles) == 1 and styles[0].text.strip().startswith("@media (prefers-color-scheme: dark)")
    assert doc.xpath("//table[@width='600']"), "one 600 px column on a table"
    for element in doc.xpath("//body//*[@class]"):  # every styled element carries its style inline
        assert element.get("style"), element.get("class")
    links = doc.xpath("//a/@href")
    assert links and all(href.startswith(BASE) or href == "{{unsubscribe}}" for href in links)
    titles = doc.xpath("//h1[@class='headline']//text()") + doc.xpath("//h2[@class='headline']//text()")
    assert titles == ["NATO must have a global outlook, says Truss", "São Paulo schools reopen"]
    assert "Corrections and updates" in doc.text_content() and "misstated the number" in doc.text_content()
    preheader = doc.xpath("//div[@class='preheader']")[0]
    assert "display: none" in preheader.get("style") and preheader.text_content().startswith("The North Atlantic")
    sitemap = (fixture_site / "public/sitemap.xml").read_text()
    assert "newsletter" not in sitemap and "newsletter" not in (fixture_site / "public/feed.xml").read_text()


def test_the_plain_text_part_reads_as_it_is(fixture_site: Path, cli) -> None:
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    text = (fixture_site / "public/2022/04/29/newsletter.txt").read_text()
    lines = text.splitlines()
    assert all(len(line) <= 72 or re.fullmatch(r"https?://\S+", line) for line in lines)
    for url in ("2022/04/29/nato-global-outlook/", "2022/04/29/sao-paulo-schools-reopen/"):
        assert BASE + url in lines  # a story's address on a line of its own
    assert "<" not in text and "&amp;" not in text and "São Paulo" in text
    assert lines[0] == "FIXTURE DAILY"


def test_drafts_and_scheduled_stories_never_reach_a_newsletter(fixture_site: Path, cli) -> None:
    sender(fixture_site)
    run = cli("newsletter", "--now", FIXTURE_NOW, "--date", "2022-05-01")
    assert run.status == 1 and "no edition on 2022-05-01: no story was published that day" in run.err
    run = cli("newsletter", "--now", "2022-05-01T07:00")  # the embargo lifted at 06:00; the draft stays out
    assert run.status == 0, run.err
    text = (fixture_site / "public/2022/05/01/newsletter.txt").read_text()
    assert "Embargoed story about NATO" in text and "Unfinished draft" not in text
    assert "subject: Fixture Daily: Sunday 1 May 2022" in run.out


def test_the_eml_is_a_multipart_alternative_message(fixture_site: Path, cli, tmp_path: Path) -> None:
    sender(fixture_site, 'reply_to = "letters@example.org"\nsubject = "{title} | {lead}"\n')
    eml = tmp_path / "edition.eml"
    run = cli("newsletter", "--now", FIXTURE_NOW, "--date", "2022-04-29", "--eml", str(eml))
    assert run.status == 0, run.err
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == "Fixture Daily | NATO must have a global outlook, says Truss"
    assert mail["From"] == "Fixture Daily <desk@example.org>" and mail["Reply-To"] == "letters@example.org"
    assert mail["Date"] == "Sun, 01 May 2022 05:00:00 +0100"
    assert mail.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # the richest last, as clients pick it
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None and rich is not None
    crlf = plain.get_content()  # lines end in CRLF on the wire, as RFC 5322 has them
    assert crlf.replace("\r\n", "\n") == (fixture_site / "public/2022/04/29/newsletter.txt").read_text()
    assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == (fixture_site / EDITION).read_text().rstrip("\n")


def test_a_missing_sender_or_a_bad_newsletter_table_is_an_error(fixture_site: Path, cli, tmp_path: Path) -> None:
    run = cli("newsletter", "--now", FIXTURE_NOW, "--eml", str(tmp_path / "x.eml"))
    assert run.status == 1 and "from_address is empty" in run.err and not (tmp_path / "x.eml").exists()
    sender(fixture_site, 'smtp_security = "maybe"\n')
    run = cli("build", "--now", FIXTURE_NOW)
    assert run.status == 1 and 'newsletter.smtp_security must be "starttls", "tls" or "none"' in run.err


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[list[str], email.message.Message]] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.received.append((message["X-RcptTo"].split(","), message))


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (the controller checks its server by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_sending_through_a_real_smtp_server_once_per_list(fixture_site: Path, cli, tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server
    sender(fixture_site)
    subscribers = tmp_path / "list.txt"
    subscribers.write_text("# readers\nAnn Reader <ann@example.org>\nbo@example.org\n\nANN@example.org\n")
    send = ["newsletter", "--now", FIXTURE_NOW, "--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    send += ["--smtp-security", "none"]
    dry = cli(*send, "--to-list", str(subscribers), "--dry-run")
    assert dry.status == 0 and "would send to ann@example.org" in dry.out and inbox.received == []
    run = cli(*send, "--to-list", str(subscribers))
    assert run.status == 0, run.err
    assert sorted(rcpt for rcpt, _ in inbox.received) == [["ann@example.org"], ["bo@example.org"]]
    message = inbox.received[0][1]
    assert message["Subject"] == "Fixture Daily: Friday 29 April 2022" and message.is_multipart()
    assert message["To"] in {"ann@example.org", "bo@example.org"}
    again = cli(*send, "--to-list", str(subscribers))  # the same edition, the same list: refused
    assert again.status == 1 and "already went to every address on this list" in again.err
    assert len(inbox.received) == 2
    subscribers.write_text(subscribers.read_text() + "cy@example.org\n")  # a new reader: only they get it
    assert cli(*send, "--to-list", str(subscribers)).status == 0
    assert [rcpt for rcpt, _ in inbox.received[2:]] == [["cy@example.org"]]
    assert cli(*send, "--to-list", str(subscribers), "--force").status == 0
    assert len(inbox.received) == 6
    assert cli(*send, "--to", "desk@example.org").status == 0  # a test send is never refused
    assert cli(*send, "--to", "desk@example.org").status == 0
    assert len(inbox.received) == 8


def test_a_password_is_never_sent_unencrypted_off_this_machine(fixture_site: Path, cli, monkeypatch) -> None:
    sender(fixture_site)
    monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
    monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", "secret")
    run = cli(
        "newsletter",
        "--now",
        FIXTURE_NOW,
        "--send",
        "--to",
        "a@example.org",
        "--smtp-host",
        "192.0.2.1",
        "--smtp-security",
        "none",
    )
    assert run.status == 1 and "refusing to send a password to 192.0.2.1 unencrypted" in run.err


def test_the_newsletter_template_is_overridable(fixture_site: Path, cli) -> None:
    own = fixture_site / "templates/newsletter.txt"
    own.parent.mkdir(exist_ok=True)
    own.write_text("{{ site.title }} for {{ briefing.day }}: {{ stories | length }} stories\n")
    assert cli("build", "--now", FIXTURE_NOW).status == 0
    assert (
        fixture_site / "public/2022/04/29/newsletter.txt"
    ).read_text() == "Fixture Daily for 2022-04-29: 2 stories\n"


@pytest.mark.browser
@pytest.mark.parametrize("width", [600, 360])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_newsletter_in_chromium(page, fixture_site: Path, cli, http_root, width: int, scheme: str) -> None:
    """The column fits the window, every image has its size and alt text and the layout holds
    with images off, and the dark scheme darkens the sheet without breaking the light one."""
    story = fixture_site / "content/2022/04/29/nato-global.md"
    story.write_text(
        story.read_text().replace("tags:", "image: /static/favicon.svg\nimage_alt: The NATO flag\ntags:", 1)
    )
    public = fixture_site / "public"
    public.mkdir()
    base = http_root(public)
    assert cli("build", "--now", FIXTURE_NOW, "--base-url", base + "/").status == 0
    page.route("**/*.svg", lambda route: route.abort())  # images off
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(base + "/2022/04/29/newsletter.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sheet = page.locator("table.sheet")
    assert sheet.bounding_box()["width"] <= min(600, width)
    image = page.locator("img.image")
    assert image.get_attribute("alt") == "The NATO flag" and image.get_attribute("width") == "552"
    assert image.get_attribute("src").startswith(base + "/")
    background = page.evaluate("getComputedStyle(document.querySelector('table.sheet')).backgroundColor")
    assert background == ("rgb(20, 20, 20)" if scheme == "dark" else "rgb(253, 252, 248)")
    headline = page.evaluate("getComputedStyle(document.querySelector('.headline a')).color")
    assert headline == ("rgb(235, 232, 225)" if scheme == "dark" else "rgb(27, 27, 27)")


WORDS = st.sampled_from(["a", "bb", "well-known", "é", "https://example.org/a/long/address/" * 3, " ", "  ", "\n"])


@given(st.lists(WORDS, max_size=120).map("".join))
@settings(max_examples=300)
def test_wrap_fills_as_textwrap_does(text: str) -> None:
    for width in (20, 72):
        words = " ".join(text.split())  # runs of whitespace are one space
        assert wrap(text, width) == textwrap.fill(words, width, break_long_words=False, break_on_hyphens=False)
