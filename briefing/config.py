"""Site configuration: `site.toml` loaded once into a frozen, typed `SiteConfig`."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BriefingError, Problem

CONFIG_NAME = "site.toml"


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, slots=True)
class NewsletterConfig:
    """The `[newsletter]` table of site.toml: how the day's edition goes out by email. The
    look (subject, sender, footer, colours) is part of every newsletter page's inputs; the
    SMTP settings are read only when sending. User name and password come from the
    environment (BRIEFING_SMTP_USER, BRIEFING_SMTP_PASSWORD), never from this file."""

    subject: str = "{title}: {date}"  # {title}, {date} (the edition's long date), {lead} (its lead headline)
    from_name: str = ""  # the site title when empty
    from_address: str = ""
    reply_to: str = ""
    footer: str = "You are receiving this because you subscribed to {title}."
    address: str = ""  # the postal address a commercial email must carry
    unsubscribe: str = "{{unsubscribe}}"  # the sending service's own placeholder for the unsubscribe link
    accent: str = "#9e1b1b"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"  # "starttls", "tls" (implicit, usually port 465) or "none"

    def look(self) -> tuple[str, ...]:
        """What a newsletter page shows of this table (the SMTP settings are not shown)."""
        return (
            self.subject,
            self.from_name,
            self.from_address,
            self.reply_to,
            self.footer,
            self.address,
            self.unsubscribe,
            self.accent,
        )


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything a site says about itself in site.toml, with a default for each key."""

    title: str = field(default="Briefing", metadata=_doc("The publication's name, shown in the masthead."))
    description: str = field(
        default="The day's news in brief.", metadata=_doc("One line about the site, for the home page and metadata.")
    )
    base_url: str = field(
        default="https://example.org/",
        metadata=_doc("Where the site is published; may carry a path, such as https://example.org/news/."),
    )
    language: str = field(default="en", metadata=_doc("The language of the site, as a BCP 47 tag."))
    timezone: str = field(
        default="UTC", metadata=_doc("IANA time zone of the newsroom: days, dates and times are read and shown in it.")
    )
    author: str = field(default="", metadata=_doc("Byline for articles that name no author."))
    publisher: str = field(default="", metadata=_doc("The publisher's name; the title when empty."))
    publisher_logo: str = field(
        default="static/favicon.svg", metadata=_doc("The publisher's logo, a path inside the output folder.")
    )
    per_page: int = field(default=20, metadata=_doc("Articles on each page of a tag listing."))
    home_days: int = field(default=7, metadata=_doc("Earlier editions listed on the home page below its stories."))
    home_stories: int = field(
        default=30,
        metadata=_doc("Stories on the home page at least: the latest edition, then earlier days', by day."),
    )
    sitemap_urls: int = field(
        default=50_000,
        metadata=_doc("URLs in each sitemap at most (the protocol's limit, 50,000); past it, sitemap.xml is an index."),
    )
    card_images: bool = field(
        default=False,
        metadata=_doc(
            "Show a small photo on every story of a list that has one (a day's lead always shows its photo)."
        ),
    )
    feed_length: int = field(default=50, metadata=_doc("Newest articles in each feed."))
    feed_content: str = field(
        default="full", metadata=_doc('What feed entries carry besides the summary: "full" (the article) or "summary".')
    )
    domain: str = field(
        default="", metadata=_doc("Custom domain for the host; publish writes it to CNAME (empty: no CNAME).")
    )
    search: bool = field(
        default=True,
        metadata=_doc("Build a full-text search index with Pagefind (when installed) and offer the search box."),
    )
    related: int = field(default=5, metadata=_doc("Related articles (by shared tags) shown under an article."))
    sections: tuple[str, ...] = field(
        default=(), metadata=_doc("The site's sections (World, Business, Sport ...), in the masthead's order.")
    )
    tags: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict,
        metadata=_doc("Tag vocabulary for ingest: tag name = list of phrases that mean it."),
    )
    gazetteer: bool = field(
        default=True,
        metadata=_doc("Tag places, organisations and people ingest knows from its built-in gazetteer."),
    )
    ignore_tags: tuple[str, ...] = field(
        default=(), metadata=_doc("Tags ingest never gives, whatever the text says (a list of names).")
    )
    newsletter: NewsletterConfig = field(
        default_factory=NewsletterConfig,
        metadata=_doc("The email edition: [newsletter] subject, from_address, footer, SMTP settings ..."),
    )
    root: Path = field(default=Path("."), metadata={"internal": True})

    @property
    def base_path(self) -> str:
        """The path part of base_url, always ending in a slash: '/' or '/news/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def zone(self) -> ZoneInfo:
        """The publication time zone."""
        return ZoneInfo(self.timezone)

    @property
    def publisher_name(self) -> str:
        """The publisher, falling back to the site title."""
        return self.publisher or self.title

    @property
    def content_dir(self) -> Path:
        """Where the front-matter Markdown articles live."""
        return self.root / "content"

    @property
    def inbox_dir(self) -> Path:
        """Where raw wire copy is dropped for ingest."""
        return self.root / "inbox"

    @property
    def cache_dir(self) -> Path:
        """Build manifests and caches, kept beside the output and out of git."""
        return self.root / ".briefing-cache"

    def fingerprint(self) -> str:
        """Everything that affects rendering, as a stable string for inputs keys."""
        values = {f.name: getattr(self, f.name) for f in settable_fields() if f.name not in INGEST_ONLY}
        values["newsletter"] = self.newsletter.look()
        return repr(sorted(values.items()))


INGEST_ONLY = frozenset({"tags", "gazetteer", "ignore_tags"})  # read by ingest, never by a page


def settable_fields() -> list[dataclasses.Field[Any]]:
    """The keys a site.toml may set, in documentation order."""
    return [f for f in dataclasses.fields(SiteConfig) if not f.metadata.get("internal")]


def default_config(root: Path) -> SiteConfig:
    """The configuration of a site with an empty site.toml."""
    return SiteConfig(root=root.resolve())


def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> SiteConfig:
    """Read `root/site.toml` (optional), check every key, apply command-line overrides."""
    root = root.resolve()
    path = root / CONFIG_NAME
    shown = shown_path(path)
    text = ""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise BriefingError.one(shown, None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
            raise BriefingError.one(shown, int(match.group(1)) if match else None, message) from None
    data.update(overrides or {})

    known = {f.name: f for f in settable_fields()}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _key_line(text, key)
        spec = known.get(key)
        if spec is None:
            problems.append(Problem(shown, line, f"unknown key {key!r}", f"known keys: {', '.join(sorted(known))}"))
            continue
        checked = _check(key, value, spec.default if spec.default is not dataclasses.MISSING else {})
        if isinstance(checked, str):
            problems.append(Problem(shown, line, checked))
        else:
            values[key] = checked[0]
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(
                    shown,
                    _key_line(text, "timezone"),
                    f"unknown time zone {values['timezone']!r}",
                    "use an IANA name such as Europe/London",
                )
            )
    if values.get("feed_content", "full") not in ("full", "summary"):
        problems.append(
            Problem(
                shown,
                _key_line(text, "feed_content"),
                f'feed_content must be "full" or "summary", not {values["feed_content"]!r}',
            )
        )
    if isinstance(values.get("sitemap_urls"), int) and values["sitemap_urls"] > 50_000:
        problems.append(
            Problem(shown, _key_line(text, "sitemap_urls"), "sitemap_urls must be at most 50000, the protocol's limit")
        )
    if "base_url" in values and not re.match(r"^https?://[^/]+(/.*)?$", values["base_url"]):
        problems.append(
            Problem(shown, _key_line(text, "base_url"), f"base_url {values['base_url']!r} is not an http(s) URL")
        )
    if problems:
        raise BriefingError(problems)
    if "base_url" in values and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    return SiteConfig(root=root, **values)


def _check(key: str, value: Any, default: Any) -> tuple[Any] | str:
    """The value, converted to its field's type, or a message saying what is wrong."""
    if key == "newsletter":
        return _check_newsletter(value)
    if key == "tags":
        if not isinstance(value, dict):
            return "tags must be a table: tag name = list of phrases"
        vocabulary: dict[str, tuple[str, ...]] = {}
        for name, phrases in value.items():
            if isinstance(phrases, str):
                phrases = [phrases]
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                return f"tags.{name} must be a list of strings"
            vocabulary[name] = tuple(phrases)
        return (vocabulary,)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{key} must be a list of strings, not {value!r}"
        return (tuple(value),)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return f"{key} must be true or false, not {value!r}"
        return (value,)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return f"{key} must be a whole number of at least 1, not {value!r}"
        return (value,)
    if not isinstance(value, str):
        return f"{key} must be a string, not {value!r}"
    return (value,)


def _check_newsletter(value: Any) -> tuple[NewsletterConfig] | str:
    if not isinstance(value, dict):
        return "newsletter must be a table: [newsletter] with subject, from_address ..."
    known = {f.name: f.default for f in dataclasses.fields(NewsletterConfig)}
    checked: dict[str, Any] = {}
    for name, item in value.items():
        if name not in known:
            return f"unknown key newsletter.{name} (known keys: {', '.join(known)})"
        wanted = known[name]
        if isinstance(wanted, int) and (isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 65536):
            return f"newsletter.{name} must be a port number, not {item!r}"
        if isinstance(wanted, str) and not isinstance(item, str):
            return f"newsletter.{name} must be a string, not {item!r}"
        checked[name] = item
    if checked.get("smtp_security", "starttls") not in ("starttls", "tls", "none"):
        return f'newsletter.smtp_security must be "starttls", "tls" or "none", not {checked["smtp_security"]!r}'
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", checked.get("accent", "#000000")):
        return f"newsletter.accent must be a colour as #rrggbb, not {checked['accent']!r}"
    return (NewsletterConfig(**checked),)


def _key_line(text: str, key: str) -> int | None:
    """The line where a top-level key is set, for error messages (tomllib keeps none)."""
    match = re.search(rf"^\s*{re.escape(key)}\s*=|^\[{re.escape(key)}\]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def shown_path(path: Path) -> str:
    """A path as the user knows it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_toml(config: SiteConfig) -> str:
    """A site.toml with every key, its value and its one-line documentation."""
    lines = ["# Site configuration for briefing. Every key is optional; these are the defaults.", ""]
    for spec in settable_fields():
        if spec.name in ("tags", "newsletter"):  # tables come after every plain key
            continue
        lines.append(f"# {spec.metadata['doc']}")
        lines.append(f"{spec.name} = {_toml_value(getattr(config, spec.name))}")
        lines.append("")
    lines.append(f"# {SiteConfig.__dataclass_fields__['newsletter'].metadata['doc']}")
    lines.append("[newsletter]")
    for name in (f.name for f in dataclasses.fields(NewsletterConfig)):
        lines.append(f"{name} = {_toml_value(getattr(config.newsletter, name))}")
    lines.append("")
    lines.append(f"# {SiteConfig.__dataclass_fields__['tags'].metadata['doc']}")
    lines.append("[tags]")
    for name, phrases in config.tags.items():
        lines.append(f"{_toml_value(name)} = [{', '.join(_toml_value(p) for p in phrases)}]")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # A JSON string is a TOML basic string (the same escapes), but for DEL, which TOML
        # allows only escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return str(value)
