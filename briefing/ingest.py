"""Ingest stage: raw wire copy becomes front-matter Markdown in content/YYYY/MM/DD/<slug>.md.

A wire item is plain text: optional blank lines or BOM, the token `date YYYY-MM-DD` (and
optionally a time, `09:30`, with an offset or zone), then the body starting on the same line.
Blank lines separate paragraphs; a short line without final punctuation is a subheading; a last
line such as `Image: AP` is a credit. A byline line ("By Jane Smith") becomes the author, and a
leading dateline ("KYIV, May 6 (Reuters) -") the dateline and agency. Every word of the body is
kept, with whatever Markdown would interpret escaped, so the page reads like the wire.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from . import agency, images
from .config import SiteConfig, shown_path
from .errors import BriefingError
from .state.atomic import write_atomic
from .tagging import find_tags
from .text import (
    CLOSERS,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    describe_removed,
    escape_markdown,
    headline,
    remove_controls,
    sentences,
    shorten,
    slugify,
)
from .wire import take_byline, take_dateline

_DATE_TOKEN = re.compile(
    r"\A\s*(?i:date)[ \t]+(\d{4})-(\d{2})-(\d{2})(?![\d-])"
    r"(?:[ \tT]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])"
    r"(?:[ \t]*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Z][A-Za-z_]+/[A-Za-z_/+-]+)(?![\w/]))?)?[ \t]*",
)
_ANY_DATE = re.compile(r"\A\s*date[ \t]+(\S+)", re.IGNORECASE)
_CREDIT = re.compile(
    r"^(Image|Images|Photo|Photos|Photograph|Picture|Pictures|Video|Graphic|Credit)s?\s*:\s*(.{1,80})$", re.IGNORECASE
)
_FINAL_PUNCTUATION = ".!?:;,…"


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph or a subheading of wire copy, as written."""

    kind: str  # "paragraph" or "heading"
    text: str


@dataclass(frozen=True, slots=True)
class WireItem:
    """One item of wire copy, parsed: what its article's front matter and body are made from."""

    source: str
    sha256: str
    when: date | datetime  # a date alone when the header gives no time
    title: str
    summary: str
    tags: tuple[str, ...]
    image_credit: str | None
    blocks: tuple[Block, ...]
    authors: tuple[str, ...] = ()
    dateline: str | None = None
    agency: str | None = None
    # Of an agency item (ninjs, NewsML-G2, NITF): its identity, the body as Markdown, and what
    # the agency says of it beyond the plain-text fields.
    guid: str = ""
    version: int = 0
    markdown: str | None = None
    priority: int | None = None
    wire: dict[str, object] = field(default_factory=dict)
    updates: tuple[tuple[str, str], ...] = ()  # (kind, text), at the item's time
    withdrawn: str | None = None  # a withheld or canceled item: why its story is withdrawn
    image: str | None = None  # an https:// URL (recorded, never fetched)
    image_alt: str = ""
    image_caption: str = ""
    image_file: Path | None = None  # a photo sent beside the item, copied beside its article when written

    def photo_name(self, slug: str) -> str | None:
        """The file name of the item's photo beside its article (`<slug>.jpg`), when it has one."""
        return f"{slug}{self.image_file.suffix.lower()}" if self.image_file is not None else None

    @property
    def day(self) -> date:
        """The day of the item, as its header gives it."""
        return self.when.date() if isinstance(self.when, datetime) else self.when


@dataclass(slots=True)
class IngestReport:
    """What an ingest run did, one line per item."""

    written: list[tuple[str, str]] = field(default_factory=list)  # (article, raw file)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (raw file, reason)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False  # say what would be written; write nothing
    planned: list[tuple[str, WireItem]] = field(default_factory=list)  # (article, item) written or not

    def lines(self) -> list[tuple[bool, str]]:
        """(is_problem, line) for each item, in the order a reader wants them."""
        out = [(True, f"warning: {w}") for w in self.warnings]
        if self.dry_run:
            out += [(False, line) for article, item in self.planned for line in describe(article, item)]
        else:
            out += [(False, f"written {a} <- {r}") for a, r in self.written]
        out += [(False, f"unchanged {a} <- {r}") for a, r in self.unchanged]
        out += [(True, f"rejected {r}: {why}") for r, why in self.rejected]
        return out


def describe(article: str, item: WireItem) -> list[str]:
    """What a dry run says of one item: where it would go and what ingest made of it."""
    when = item.when.isoformat(sep=" ") if isinstance(item.when, datetime) else item.when.isoformat()
    return [
        f"would write {article} <- {item.source}",
        f"  title:    {item.title}",
        f"  date:     {when}",
        f"  dateline: {item.dateline or '-'}",
        f"  agency:   {item.agency or '-'}",
        f"  author:   {', '.join(item.authors) or '-'}",
        f"  tags:     {', '.join(item.tags) or '-'}",
        f"  summary:  {item.summary or '-'}",
    ]


def decode_wire(raw: bytes, shown: str, warnings: list[str]) -> str:
    """Text of a wire file: UTF-8 with or without BOM, else Windows-1252 (with a warning);
    line endings made LF."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        warnings.append(f"{shown}: not UTF-8; read as Windows-1252")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_wire(
    raw: bytes,
    shown: str,
    vocabulary: Mapping[str, Iterable[str]],
    warnings: list[str],
    gazetteer: bool = True,
    ignore: Iterable[str] = (),
) -> WireItem:
    """Parse one wire item; raise BriefingError with the reason it cannot be ingested."""
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise BriefingError.one(shown, None, "is empty")
    text = decode_wire(raw, shown, warnings)
    if "\0" in text:
        raise BriefingError.one(shown, None, "contains NUL bytes: not a text file")
    text, removed = remove_controls(text)
    if removed:
        warnings.append(f"{shown}:{removed[0][0]}: {describe_removed(removed)}")
    match = _DATE_TOKEN.match(text)
    if not match:
        found = _ANY_DATE.match(text)
        if found:
            raise BriefingError.one(shown, 1, f"impossible date {found.group(1)!r}", "write date YYYY-MM-DD")
        raise BriefingError.one(shown, 1, "no `date YYYY-MM-DD` at the start", "wire copy starts with date 2022-04-29")
    when = _when(match, shown)
    body, authors, byline_agency = take_byline(text[match.end() :])
    blocks, credit = split_blocks(body)
    if not any(b.kind == "paragraph" for b in blocks) or not any(c.isalnum() for b in blocks for c in b.text):
        raise BriefingError.one(shown, 1, "has no text after the date")
    title, from_headline, blocks = take_title(blocks)
    first = next(i for i, b in enumerate(blocks) if b.kind == "paragraph")
    dateline, rest = take_dateline(blocks[first].text)
    if dateline.place or dateline.agency:
        if not rest.strip():
            raise BriefingError.one(shown, 1, "has no text after its dateline")
        blocks[first] = Block("paragraph", rest)
        if not from_headline:
            title, _, blocks = take_title(blocks)
    return WireItem(
        source=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        when=when,
        title=title,
        summary=standfirst(blocks, from_headline),
        tags=find_tags(
            title if from_headline else None, [b.text for b in blocks], vocabulary, gazetteer=gazetteer, ignore=ignore
        ),
        image_credit=credit,
        blocks=tuple(blocks),
        authors=authors,
        dateline=dateline.place,
        agency=dateline.agency or byline_agency,
    )


def _when(match: re.Match[str], shown: str) -> date | datetime:
    """The date of the header, with its time (and offset or zone) when it gives one."""
    year, month, day_, hour, minute, second, zone = match.groups()
    try:
        day = date(int(year), int(month), int(day_))
    except ValueError:
        raise BriefingError.one(shown, 1, f"impossible date {year}-{month}-{day_}") from None
    if hour is None:
        return day
    try:
        at = datetime.combine(day, clock(int(hour), int(minute), int(second or 0)))
    except ValueError:
        raise BriefingError.one(shown, 1, f"impossible time {hour}:{minute}") from None
    if zone is None:
        return at  # read in the site's zone when the article is loaded
    if zone in ("Z", "UTC", "GMT"):
        return at.replace(tzinfo=UTC)
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= timedelta(hours=24):
            raise BriefingError.one(shown, 1, f"impossible offset {zone}")
        return at.replace(tzinfo=timezone(offset if zone[0] == "+" else -offset))
    try:
        return at.replace(tzinfo=ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise BriefingError.one(
            shown, 1, f"unknown time zone {zone!r}", "write an IANA name such as Europe/London"
        ) from None


def standfirst(blocks: list[Block], from_headline: bool) -> str:
    """The summary: the lede for an item with a headline of its own; for a headline made from
    the lede's first sentence, the rest of the lede or, for a one-sentence lede, the next
    paragraph (so a summary never starts with its headline's words); empty for a lone sentence."""
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    if from_headline:
        return shorten(paragraphs[0], SUMMARY_LIMIT)
    rest = " ".join(sentences(paragraphs[0])[1:])
    if not rest and len(paragraphs) > 1:
        rest = paragraphs[1]
    return shorten(rest, SUMMARY_LIMIT) if rest else ""


def split_blocks(body: str) -> tuple[list[Block], str | None]:
    """Paragraphs and subheadings of a body, and the credit line if the last line is one."""
    chunks = [" ".join(line.strip() for line in chunk.splitlines()).strip() for chunk in re.split(r"\n[ \t]*\n", body)]
    chunks = [" ".join(c.split()) for c in chunks if c.strip()]
    credit = None
    if chunks:
        last = _CREDIT.match(chunks[-1])
        if last:
            credit = last.group(2).strip()
            chunks.pop()
    blocks = [Block("heading" if i > 0 and is_subheading(c) else "paragraph", c) for i, c in enumerate(chunks)]
    if blocks and blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    return blocks, credit


def is_subheading(line: str) -> bool:
    """A short line without final punctuation."""
    bare = line.rstrip(CLOSERS)
    return 0 < len(line) <= 100 and len(line.split()) <= 14 and bool(bare) and bare[-1] not in _FINAL_PUNCTUATION


def take_title(blocks: list[Block]) -> tuple[str, bool, list[Block]]:
    """A headline-like first line becomes the title (and leaves the body); otherwise the title
    is a sub-editor's compression of the first sentence (`text.headline`). Says which it was."""
    first = blocks[0].text
    if len(blocks) > 1 and is_subheading(first) and blocks[1].kind == "paragraph":
        return first, True, blocks[1:]
    lede = next(b.text for b in blocks if b.kind == "paragraph")
    opening = sentences(lede)
    title = headline(opening[0]) if opening else ""
    if not any(c.isalnum() for c in title):  # "." or "! ! !": a title of punctuation is no title
        text = " ".join(b.text for b in blocks)
        text = text[next(i for i, c in enumerate(text) if c.isalnum()) :]
        title = headline(text)
        if not any(c.isalnum() for c in title):  # one token longer than a headline
            title = text[:TITLE_LIMIT]
    return title, False, blocks


# What ingest derives from wire copy; each is the desk's to change, and a changed one is kept
# when the agency sends the item again.
WIRE_FIELDS = (
    "title",
    "date",
    "slug",
    "summary",
    "author",
    "dateline",
    "agency",
    "tags",
    "image_credit",
    "image",
    "image_alt",
    "image_caption",
    "priority",
    "wire_guid",
    "wire_version",
    "wire",
)
RECORD_KEY = "ingested"  # front matter: a short hash of each wire field as ingest wrote it


def wire_front(item: WireItem, slug: str) -> dict[str, object]:
    """The front matter ingest derives from a wire item."""
    front: dict[str, object] = {"title": item.title, "date": item.when, "slug": slug, "summary": item.summary}
    if item.authors:
        front["author"] = item.authors[0] if len(item.authors) == 1 else list(item.authors)
    if item.dateline:
        front["dateline"] = item.dateline
    if item.agency:
        front["agency"] = item.agency
    if item.tags:
        front["tags"] = list(item.tags)
    image = item.image or item.photo_name(slug)
    if image:
        front["image"] = image
        if item.image_alt:
            front["image_alt"] = item.image_alt
        if item.image_caption:
            front["image_caption"] = item.image_caption
    if item.image_credit:
        front["image_credit"] = item.image_credit
    if item.priority is not None:
        front["priority"] = item.priority
    if item.guid:
        front["wire_guid"] = item.guid
        front["wire_version"] = item.version
    if item.wire:
        front["wire"] = item.wire
    return front


def field_digest(value: object) -> str:
    """A short, stable hash of a front-matter value (as YAML reads it back)."""
    return hashlib.sha256(json.dumps(value, default=str, ensure_ascii=False).encode()).hexdigest()[:12]


def to_markdown(item: WireItem, slug: str, source_file: str) -> str:
    """The article file for a wire item."""
    front = wire_front(item, slug)
    record = {key: field_digest(value) for key, value in front.items()}
    return render_article({**front, "source_file": source_file, "source_sha256": item.sha256, RECORD_KEY: record}, item)


def render_article(front: Mapping[str, object], item: WireItem) -> str:
    """Front matter, one key per line (lists and the record inline, as editors write them), and
    the body of the wire item."""
    yaml_text = "".join(
        yaml.safe_dump(
            {key: value},
            allow_unicode=True,
            width=10_000,
            default_flow_style=None if isinstance(value, list | dict) else False,
        )
        for key, value in front.items()
    )
    body = item.markdown
    if body is None:
        body = "\n\n".join(
            "## " + re.sub(r"#$", r"\\#", escape_markdown(block.text))
            if block.kind == "heading"
            else escape_markdown(block.text)
            for block in item.blocks
        )
    return f"---\n{yaml_text}---\n{body}\n"


def updated_article(existing: str, item: WireItem, source_file: str) -> tuple[str, list[str]]:
    """The article after a newer version of its wire item, and notes for the desk: the body and
    every wire field the desk has not changed since ingest are refreshed; a field the desk
    changed, and every key the desk added, is kept. The slug is never the wire's to change
    (a published URL stays), nor is the day (it is in the URL): a new time on the same day is
    taken, a new day is reported and left to the desk."""
    try:
        old = yaml.safe_load(existing.split("---\n", 2)[1]) if existing.startswith("---\n") else None
    except yaml.YAMLError:
        old = None
    if not isinstance(old, dict):
        raise BriefingError.one(item.source, None, "its article's front matter cannot be read: fix it first")
    found = old.get(RECORD_KEY)
    recorded: dict[str, str] = found if isinstance(found, dict) else {}
    fresh = wire_front(item, str(old.get("slug") or ""))
    notes: list[str] = []
    merged: dict[str, object] = {}
    for key in dict.fromkeys([*old, *fresh]):
        if key in (RECORD_KEY, "source_file", "source_sha256"):
            continue
        desk_owned = key not in WIRE_FIELDS or key == "slug" or recorded.get(key) != field_digest(old.get(key))
        if key in old and (desk_owned or key not in fresh and recorded.get(key) is None):
            merged[key] = old[key]
        elif key in fresh:
            merged[key] = fresh[key]
    old_day = _day_of(old.get("date"))
    if old_day is not None and old_day != item.day and "date" in merged and merged["date"] is fresh.get("date"):
        merged["date"] = old["date"]
        notes.append(f"the agency moved the item to {item.day}; it stays on {old_day} (change its date to move it)")
    # The record keeps what the wire gave: a field the desk changed keeps its old record, so it
    # still differs from it next time; a field taken from the wire is recorded anew.
    record = {
        key: field_digest(fresh[key]) if merged.get(key) is fresh.get(key) else recorded[key]
        for key in WIRE_FIELDS
        if key in merged and (merged.get(key) is fresh.get(key) or key in recorded)
    }
    if item.updates:  # a newer version that says what changed: the page, feeds and JSON-LD show it
        kept = [u for u in old.get("updates") or [] if isinstance(u, dict)]
        texts = {str(u.get("text")) for u in kept}
        at = item.when if isinstance(item.when, datetime) else datetime.combine(item.when, clock())
        merged["updates"] = kept + [{"at": at, "kind": k, "text": t} for k, t in item.updates if t not in texts]
    front = {**merged, "source_file": source_file, "source_sha256": item.sha256, RECORD_KEY: record}
    return render_article(front, item), notes


def _day_of(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


WIRE_SUFFIXES = (".txt", ".json", ".xml")  # in a folder; a file named is read whatever its name


def wire_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the wire files (*.txt, *.json, *.xml) inside folders named, in a
    stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [
                p
                for p in sorted(path.rglob("*"))
                if p.suffix.lower() in WIRE_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def ingest(
    config: SiteConfig, paths: Iterable[Path], dry_run: bool = False, schemas: Path | None = None
) -> IngestReport:
    """Ingest every wire file under paths into content/; never touch the raw files. A dry run
    reports what would be written and writes nothing. With `schemas` (a folder of the IPTC
    schemas), each agency item is first checked against its format's, and refused when it
    does not conform."""
    report = IngestReport(dry_run=dry_run)
    index = _Index(config.content_dir)
    for path in wire_files(paths):
        shown = shown_path(path)
        try:
            if path.stat().st_size > agency.MAX_BYTES:  # refused before a byte is read
                size = path.stat().st_size
                report.rejected.append((shown, f"is {size:,} bytes; a wire item is at most {agency.MAX_BYTES:,}"))
                continue
            raw = path.read_bytes()
        except OSError as exc:
            report.rejected.append((shown, f"cannot be read: {exc.strerror or exc}"))
            continue
        try:
            if agency.sniff(raw) == "text":
                items = [parse_wire(raw, shown, config.tags, report.warnings, config.gazetteer, config.ignore_tags)]
            else:
                stories = agency.read(raw)
                if schemas is not None and not _conforms(raw, stories[0].format, schemas, shown, report):
                    continue
                items = [story_item(story, raw, shown, config, path.parent) for story in stories]
        except BriefingError as exc:
            report.rejected.append((shown, "; ".join(p.message for p in exc.problems)))
            continue
        except agency.Refused as exc:
            report.rejected.append((shown, str(exc)))
            continue
        if len(items) == 1:  # a photo beside a message of several items is no one item's
            items = [with_photo(items[0], path)]
        for item in items:
            _place(config, item, _source_key(config, path), index, report)
    return report


def _conforms(raw: bytes, kind: str, schemas: Path, shown: str, report: IngestReport) -> bool:
    """Whether an agency file conforms to its schema; a file that does not is rejected, naming
    what is wrong by path; one no schema can check is let through with a warning."""
    from . import validate

    try:
        name, problems = validate.check(raw, kind, schemas)
    except validate.Unavailable as exc:
        report.warnings.append(f"{shown}: not validated: {exc}")
        return True
    if problems:
        more = f" (and {len(problems) - validate.SHOWN} more)" if len(problems) > validate.SHOWN else ""
        report.rejected.append((shown, f"does not conform to {name}: " + "; ".join(problems[: validate.SHOWN]) + more))
        return False
    return True


def story_item(story: agency.Story, raw: bytes, shown: str, config: SiteConfig, folder: Path | None = None) -> WireItem:
    """An agency item in the terms of the plain-text path: its headline (or one made from the
    lede, as for plain text), its abstract (or the standfirst the lede gives), tags from its
    subjects, genres, people, organisations and places merged with those found in the text,
    its urgency as the day's priority; an embargo is its time (so it waits, as a scheduled
    article does). Its body is the agency's, made Markdown. A withheld or canceled item
    withdraws the story its GUID names (see `_place`)."""
    if story.status != "usable":
        reason = " ".join(text for _, text in story.notes) or f"The agency marked it {story.status}."
        return WireItem(
            source=shown,
            sha256=hashlib.sha256(raw + story.guid.encode()).hexdigest(),
            when=story.modified or story.created or datetime.now(UTC),
            title=story.headline,
            summary="",
            tags=(),
            image_credit=None,
            blocks=(),
            guid=story.guid,
            version=story.version,
            withdrawn=reason,
        )
    paragraphs = [p for p in story.paragraphs if p]
    if not paragraphs or not story.markdown.strip():
        raise BriefingError.one(shown, None, f"{story.format} item {story.guid or ''} has no text".replace("  ", " "))
    when = story.embargo or story.created or story.modified
    if when is None:
        raise BriefingError.one(shown, None, f"{story.format} item {story.guid} gives no date or time")
    markdown = story.markdown
    dateline, rest = take_dateline(paragraphs[0])
    if dateline.place and rest.strip() and markdown.startswith(escape_markdown(paragraphs[0])):
        markdown = escape_markdown(rest.strip()) + markdown[len(escape_markdown(paragraphs[0])) :]
        paragraphs[0] = rest.strip()
    repeated = "## " + escape_markdown(story.headline.strip())  # an HTML body that opens with the headline
    if story.headline.strip() and markdown.startswith(repeated + "\n"):
        markdown = markdown[len(repeated) :].lstrip("\n")
        paragraphs = [p for p in paragraphs if p != story.headline.strip()] or paragraphs
    from_headline = bool(story.headline.strip())
    title = story.headline.strip()
    if len(title) > TITLE_LIMIT or not from_headline:
        opening = sentences(title or paragraphs[0])
        title = headline(opening[0] if opening and not from_headline else title or paragraphs[0])
    summary = shorten(story.summary, SUMMARY_LIMIT) if story.summary else ""
    if not summary:
        summary = standfirst([Block("paragraph", p) for p in paragraphs], from_headline)
    english = (story.language or "en").lower().startswith("en")
    found = find_tags(
        title, paragraphs, config.tags, gazetteer=config.gazetteer, ignore=config.ignore_tags, names=english
    )
    ignored = {name.casefold() for name in config.ignore_tags}
    tags: dict[str, str] = {}
    for name in (*story.tags, *found):
        if name.strip() and name.casefold() not in ignored:
            tags.setdefault(name.casefold(), name.strip())
    image, image_file = _picture(story.picture, folder, config)
    picture = story.picture if image or image_file else None
    wire = {
        "format": story.format,
        "language": story.language,
        "slugline": story.slugline,
        "subjects": list(story.subjects) or None,
        "copyright": story.copyright,
        "usage_terms": story.usage_terms,
    }
    return WireItem(
        source=shown,
        sha256=hashlib.sha256(raw + story.guid.encode()).hexdigest(),  # a message holds several items
        when=when,
        title=title,
        summary=summary,
        tags=tuple(tags.values()),
        image_credit=(picture.credit or None) if picture else None,
        blocks=tuple(Block("paragraph", p) for p in paragraphs),
        authors=story.authors,
        dateline=story.dateline or dateline.place,
        agency=story.provider or dateline.agency,
        guid=story.guid,
        version=story.version,
        markdown=markdown,
        priority=story.urgency,
        wire={key: value for key, value in wire.items() if value},
        updates=tuple((kind, text) for kind, text in story.notes if text),
        image=image,
        image_alt=picture.alt if picture else "",
        image_caption=picture.caption if picture else "",
        image_file=image_file,
    )


def _picture(picture: agency.Picture | None, folder: Path | None, config: SiteConfig) -> tuple[str | None, Path | None]:
    """Where a story's picture is for the site: an https:// rendition as its URL (never fetched),
    or a file named by a file name (or a relative or file:// href, of which only the name is
    taken) that sits beside the item, to be copied beside its article. Nothing outside the
    item's folder is ever read: the name alone is looked up there, and a link or a folder of
    that name is not a picture."""
    if picture is None or not picture.href:
        return None, None
    if picture.href.startswith("https://"):
        return picture.href, None
    if folder is None or re.match(r"^[a-z][a-z0-9+.-]*:", picture.href) and not picture.href.startswith("file:"):
        return None, None  # http:// (mixed content) or another scheme: not shown
    name = picture.href.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    candidate = folder / name
    if not name or name.startswith(".") or candidate.suffix.lower() not in images.SUFFIXES:
        return None, None
    if candidate.is_symlink() or not candidate.is_file():
        return None, None
    return None, candidate


def with_photo(item: WireItem, source: Path) -> WireItem:
    """The item with the photo sent beside its file (the same name, .jpg, .jpeg, .png or
    .webp), unless the item brings its own; its bytes are part of the item's hash, so a photo
    added or replaced later is a new version. What the photo says of itself is read only when
    the item is written (`photo_fields`): the inbox is read on every build."""
    if item.image is not None or item.image_file is not None:
        return item
    found = [source.with_suffix(suffix) for suffix in images.SUFFIXES]
    photo = next((p for p in found if p != source and p.is_file() and not p.is_symlink()), None)
    if photo is None or photo.stat().st_size > images.MAX_BYTES:
        return item
    digest = hashlib.sha256(item.sha256.encode() + photo.read_bytes()).hexdigest()
    return replace(item, sha256=digest, image_file=photo)


def photo_fields(item: WireItem, warnings: list[str]) -> WireItem:
    """An item whose photo came beside it, with the caption, credit line and alt text from the
    photo's IPTC IIM and XMP where the item gives none; without the photo when it cannot be
    used, which is reported by name. An agency item's own picture credit stands; a plain-text
    item's credit line ("Image: AP") is the credit only when the photo has none."""
    if item.image_file is None:
        return item
    try:
        images.check(item.image_file)
        said = images.embedded(item.image_file)
    except images.ImageProblem as exc:
        warnings.append(f"{shown_path(item.image_file)}: {exc}; the item goes in without it")
        return replace(item, image_file=None)
    from_agency = item.markdown is not None and item.image_credit
    return replace(
        item,
        image_caption=item.image_caption or said.caption,
        image_credit=item.image_credit if from_agency else said.credit or item.image_credit,
        image_alt=item.image_alt or said.alt or said.headline,
    )


def _source_key(config: SiteConfig, path: Path) -> str:
    """How an article names its raw file: relative to the site when inside it, else by name."""
    resolved = path.resolve()
    return resolved.relative_to(config.root).as_posix() if resolved.is_relative_to(config.root) else path.name


def _place(config: SiteConfig, item: WireItem, source_file: str, index: _Index, report: IngestReport) -> None:
    """Write the article for item: unchanged if this version is in already (from any path); the
    article of an earlier version of the same raw file is updated in place, keeping what the
    desk changed (a copy of the previous one is kept in the cache)."""
    day_dir = config.content_dir / f"{item.day:%Y/%m/%d}"
    same = index.find(day_dir, lambda sha, source: sha == item.sha256)
    if same is not None:
        report.unchanged.append((shown_path(same), item.source))
        return
    item = photo_fields(item, report.warnings)
    known = index.find_guid(item.guid) if item.guid else None
    if item.withdrawn is not None:
        _withdraw(config, item, known, index, report)
        return
    if known is not None and known[1] >= item.version:  # this version, or an older one, is in already
        report.unchanged.append((shown_path(known[0]), item.source))
        return
    if known is not None:
        earlier: Path | None = known[0]
    else:
        earlier = index.find(day_dir, lambda sha, source: source == source_file)
        if item.guid and earlier is not None and index.guid_of(earlier) not in ("", item.guid):
            earlier = None  # another item of the same message
    if earlier is not None:
        try:
            text, notes = updated_article(earlier.read_text(encoding="utf-8"), item, source_file)
        except (OSError, UnicodeDecodeError, BriefingError) as exc:
            reason = "; ".join(p.message for p in exc.problems) if isinstance(exc, BriefingError) else str(exc)
            report.rejected.append((item.source, f"cannot update {shown_path(earlier)}: {reason}"))
            return
        report.warnings += [f"{shown_path(earlier)}: {note}" for note in notes]
        if not report.dry_run:
            backup = config.cache_dir / "replaced" / f"{earlier.relative_to(config.content_dir)}.{time.time_ns()}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(earlier, backup)
            _copy_picture(item, earlier.parent, text)
            write_atomic(earlier, text)
        index.add(earlier, item.sha256, source_file, item.guid, item.version)
        report.written.append((shown_path(earlier), item.source))
        report.planned.append((shown_path(earlier), item))
        return
    base = slugify(item.title) or "item"
    slug, n = base, 1
    while (day_dir / f"{slug}.md").exists() or index.claimed(day_dir / f"{slug}.md"):
        n += 1
        slug = f"{base}-{n}"
    target = day_dir / f"{slug}.md"
    if not report.dry_run:
        text = to_markdown(item, slug, source_file)
        _copy_picture(item, day_dir, text)
        write_atomic(target, text)
    index.add(target, item.sha256, source_file, item.guid, item.version)
    report.written.append((shown_path(target), item.source))
    report.planned.append((shown_path(target), item))


def _copy_picture(item: WireItem, folder: Path, article: str) -> None:
    """The photo sent beside an item, beside its article (a page bundle), under the name the
    article's `image` gives (the desk may have chosen another photo: then it is left alone)."""
    if item.image_file is None:
        return
    front = yaml.safe_load(article.split("---\n", 2)[1])
    name = item.photo_name(str(front.get("slug")))
    if name is None or front.get("image") != name:
        return
    data = item.image_file.read_bytes()
    target = folder / name
    if not target.is_file() or target.read_bytes() != data:
        write_atomic(target, data)


def _withdraw(
    config: SiteConfig, item: WireItem, known: tuple[Path, int] | None, index: _Index, report: IngestReport
) -> None:
    """A withheld or canceled item: its story's article gets `withdrawn: reason` (the rest of
    the file as it was, so the desk can restore it by deleting the line)."""
    if known is None:
        report.rejected.append((item.source, f"withdraws {item.guid or 'an item'}, which no article here holds"))
        return
    path = known[0]
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        report.rejected.append((item.source, f"cannot withdraw {shown_path(path)}: its front matter cannot be read"))
        return
    end = text.index("\n---\n", 3)
    front = re.sub(r"^withdrawn:.*\n", "", text[4 : end + 1], flags=re.MULTILINE)
    line = yaml.safe_dump({"withdrawn": item.withdrawn}, allow_unicode=True, width=10_000)
    updated = f"---\n{front}{line}---\n{text[end + 5 :]}"
    if updated == text:
        report.unchanged.append((shown_path(path), item.source))
        return
    if not report.dry_run:
        write_atomic(path, updated)
    index.add(path, item.sha256, item.source, item.guid, max(known[1], item.version))
    report.written.append((shown_path(path), item.source))


_SOURCE_LINE = re.compile(r"^source_file: (.+)$", re.MULTILINE)
_SHA_LINE = re.compile(r"^source_sha256: ([0-9a-f]{64})$", re.MULTILINE)
_GUID_LINE = re.compile(r"^wire_guid: (.+)$", re.MULTILINE)
_VERSION_LINE = re.compile(r"^wire_version: (\d+)$", re.MULTILINE)


class _Index:
    """Which raw file (by hash and by path) each ingested article came from. An item's own day
    is read first, so the whole archive is read once per run, and only for a new item."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.read: set[Path] = set()
        self.entries: dict[Path, tuple[str, str]] = {}  # article -> (raw sha256, source_file)
        self.guids: dict[str, tuple[Path, int]] = {}  # an agency item's GUID -> (article, version)
        self.guid_at: dict[Path, str] = {}  # and the other way

    def find(self, day_dir: Path, match: Callable[[str, str], bool]) -> Path | None:
        """The first article, in path order, whose (sha256, source_file) matches."""
        for folder in (day_dir, self.content_dir):
            self._read(folder)
            for path in sorted(self.entries):
                if path.is_relative_to(folder) and match(*self.entries[path]):
                    return path
        return None

    def add(self, path: Path, sha: str, source: str, guid: str = "", version: int = 0) -> None:
        """Record an article just written (or, in a dry run, that would be)."""
        self.entries[path] = (sha, source)
        if guid:
            self.guids[guid] = (path, version)
            self.guid_at[path] = guid

    def find_guid(self, guid: str) -> tuple[Path, int] | None:
        """The article of an agency item, and the version it holds (the whole archive is read)."""
        self._read(self.content_dir)
        return self.guids.get(guid)

    def guid_of(self, path: Path) -> str:
        """The GUID of the agency item an article holds ("" for none)."""
        return self.guid_at.get(path, "")

    def claimed(self, path: Path) -> bool:
        """Whether an article of this run has the path (a dry run writes none)."""
        return path in self.entries

    def _read(self, folder: Path) -> None:
        if folder in self.read or any(folder.is_relative_to(done) for done in self.read) or not folder.is_dir():
            return
        self.read.add(folder)
        for path in folder.rglob("*.md"):
            if path in self.entries:
                continue
            try:
                head = path.read_text(encoding="utf-8", errors="replace")[:4096]
            except OSError:
                continue
            sha, source = _SHA_LINE.search(head), _SOURCE_LINE.search(head)
            if sha or source:
                source_file = yaml.safe_load(source.group(1)) if source else ""
                self.entries[path] = (sha.group(1) if sha else "", str(source_file))
            guid, version = _GUID_LINE.search(head), _VERSION_LINE.search(head)
            if guid:
                name = str(yaml.safe_load(guid.group(1)))
                if name not in self.guids:
                    self.guids[name] = (path, int(version.group(1)) if version else 0)
                    self.guid_at[path] = name
