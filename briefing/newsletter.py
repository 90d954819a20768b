"""The day's edition as an email: the newsletter pages a build writes (`/YYYY/MM/DD/newsletter.html`
and `.txt`), made into one multipart/alternative message and sent through SMTP.

The pages are rendered by the build like every other page (templates `newsletter.html` and
`newsletter.txt`, overridable), so what is mailed is exactly what the site's archive shows:
drafts and scheduled stories are never in it. This module only finds an edition, makes the
MIME message with Python's email package, and sends it, keeping in `.briefing-cache/` which
addresses each edition went to so that a list is never sent the same edition twice.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from .config import SiteConfig, shown_path
from .errors import BriefingError
from .render import long_date
from .state.atomic import write_atomic

GMAIL_CLIPS = 102 * 1024  # Gmail shows "[Message clipped]" past this many bytes of HTML
USER_VARIABLE, PASSWORD_VARIABLE = "BRIEFING_SMTP_USER", "BRIEFING_SMTP_PASSWORD"
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


@dataclass(frozen=True, slots=True)
class Edition:
    """One day's newsletter as the build wrote it."""

    day: date
    html_file: Path
    text_file: Path
    html: str
    text: str
    lead: str  # the lead story's headline

    def subject(self, config: SiteConfig) -> str:
        """The subject line from the [newsletter] pattern: {title}, {date} and {lead}."""
        fields = {"title": config.title, "date": long_date(self.day), "lead": self.lead}
        return re.sub(r"\{(title|date|lead)\}", lambda m: fields[m.group(1)], config.newsletter.subject)


def find_edition(out_dir: Path, day: date | None) -> Edition:
    """The newsletter of `day` (default: the latest edition) in a built site."""
    files = sorted(out_dir.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/newsletter.html"))
    days = {date(*map(int, f.parent.relative_to(out_dir).parts)): f for f in files}
    if not days:
        raise BriefingError.one(shown_path(out_dir), None, "no edition to send: no story is published yet")
    wanted = day or max(days)
    if wanted not in days:
        raise BriefingError.one(
            shown_path(out_dir),
            None,
            f"no edition on {wanted.isoformat()}: no story was published that day",
            f"the latest edition is {max(days).isoformat()}",
        )
    html_file = days[wanted]
    text_file = html_file.with_suffix(".txt")
    html = html_file.read_text(encoding="utf-8")
    headline = LexborHTMLParser(html).css_first(".headline")
    lead = headline.text(strip=True) if headline is not None else ""
    return Edition(wanted, html_file, text_file, html, text_file.read_text(encoding="utf-8"), lead)


def message(config: SiteConfig, edition: Edition, to: str, when: datetime) -> EmailMessage:
    """The edition as a multipart/alternative message (plain text first, then HTML) to one address."""
    settings = config.newsletter
    if not settings.from_address:
        raise BriefingError.one(
            "site.toml", None, "no sender: [newsletter] from_address is empty", 'set from_address = "news@example.org"'
        )
    host = urlsplit(config.base_url).hostname or "localhost"
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = edition.subject(config)
    mail["From"] = formataddr((settings.from_name or config.title, settings.from_address))
    mail["To"] = to
    if settings.reply_to:
        mail["Reply-To"] = settings.reply_to
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = make_msgid(f"{edition.day:%Y%m%d}", domain=host)
    if settings.unsubscribe.startswith(("https://", "mailto:")):  # a real address, not a service's merge tag
        mail["List-Unsubscribe"] = f"<{settings.unsubscribe}>"
    mail.set_content(edition.text)
    mail.add_alternative(edition.html, subtype="html")
    return mail


def recipients(path: Path) -> list[str]:
    """The addresses in a list file: one per line (`Name <address>` or the address alone);
    blank lines and lines starting with # are skipped. A line with no address is an error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefingError.one(shown_path(path), None, f"cannot read the list: {exc}") from None
    found: list[str] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _ADDRESS.search(line)
        if match is None:
            raise BriefingError.one(shown_path(path), number, f"not an email address: {line!r}")
        if match.group(0).lower() not in {a.lower() for a in found}:
            found.append(match.group(0))
    return found


class SentRecord:
    """Which addresses each edition went to, in `.briefing-cache/newsletters-sent.json`,
    written after every message so that a send cut short is resumed, never repeated."""

    def __init__(self, config: SiteConfig) -> None:
        self.path = config.cache_dir / "newsletters-sent.json"
        try:
            self.sent: dict[str, list[str]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.sent = {}

    def of(self, day: date) -> set[str]:
        return {a.lower() for a in self.sent.get(day.isoformat(), [])}

    def add(self, day: date, address: str) -> None:
        self.sent.setdefault(day.isoformat(), []).append(address.lower())
        write_atomic(self.path, json.dumps(self.sent, indent=1, sort_keys=True))


@dataclass(frozen=True, slots=True)
class Server:
    """Where to send: host, port and security (from [newsletter], overridden on the command line)."""

    host: str
    port: int
    security: str  # "starttls", "tls" or "none"


def send(
    config: SiteConfig, edition: Edition, addresses: Iterable[str], server: Server, when: datetime, record: SentRecord
) -> Iterator[str]:
    """Send one message per address, yielding each address once it is accepted."""
    user, password = os.environ.get(USER_VARIABLE, ""), os.environ.get(PASSWORD_VARIABLE, "")
    if user and server.security == "none" and not _loopback(server.host):
        raise BriefingError.one(
            "site.toml",
            None,
            f"refusing to send a password to {server.host} unencrypted",
            'use smtp_security = "starttls" or "tls"',
        )
    try:
        if server.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=60)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password)
            for address in addresses:
                smtp.send_message(message(config, edition, address, when))
                record.add(edition.day, address)
                yield address
    except (OSError, smtplib.SMTPException) as exc:
        where = f"{server.host}:{server.port}"
        raise BriefingError.one(
            where, None, f"sending failed: {exc}", "the addresses sent so far are recorded"
        ) from None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False
