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
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

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

    def lines(self) -> list[tuple[bool, str]]:
        """(is_problem, line) for each item, in the order a reader wants them."""
        out = [(True, f"warning: {w}") for w in self.warnings]
        out += [(False, f"written {a} <- {r}") for a, r in self.written]
        out += [(False, f"unchanged {a} <- {r}") for a, r in self.unchanged]
        out += [(True, f"rejected {r}: {why}") for r, why in self.rejected]
        return out


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


def to_markdown(item: WireItem, slug: str, source_file: str) -> str:
    """The article file for a wire item."""
    front: dict[str, object] = {"title": item.title, "date": item.when, "slug": slug, "summary": item.summary}
    if item.authors:
        front["author"] = item.authors[0] if len(item.authors) == 1 else list(item.authors)
    if item.dateline:
        front["dateline"] = item.dateline
    if item.agency:
        front["agency"] = item.agency
    if item.tags:
        front["tags"] = list(item.tags)
    if item.image_credit:
        front["image_credit"] = item.image_credit
    front["source_file"] = source_file
    front["source_sha256"] = item.sha256
    yaml_text = "".join(  # one key per line; the tag list inline, as editors write it
        yaml.safe_dump(
            {key: value},
            allow_unicode=True,
            width=10_000,
            default_flow_style=None if isinstance(value, list) else False,
        )
        for key, value in front.items()
    )
    body = "\n\n".join(
        "## " + re.sub(r"#$", r"\\#", escape_markdown(block.text))
        if block.kind == "heading"
        else escape_markdown(block.text)
        for block in item.blocks
    )
    return f"---\n{yaml_text}---\n{body}\n"


def wire_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the *.txt files inside folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [
                p
                for p in sorted(path.rglob("*.txt"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def ingest(config: SiteConfig, paths: Iterable[Path]) -> IngestReport:
    """Ingest every wire file under paths into content/; never touch the raw files."""
    report = IngestReport()
    index = _Index(config.content_dir)
    for path in wire_files(paths):
        shown = shown_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            report.rejected.append((shown, f"cannot be read: {exc.strerror or exc}"))
            continue
        try:
            item = parse_wire(raw, shown, config.tags, report.warnings, config.gazetteer, config.ignore_tags)
        except BriefingError as exc:
            report.rejected.append((shown, "; ".join(p.message for p in exc.problems)))
            continue
        _place(config, item, _source_key(config, path), index, report)
    return report


def _source_key(config: SiteConfig, path: Path) -> str:
    """How an article names its raw file: relative to the site when inside it, else by name."""
    resolved = path.resolve()
    return resolved.relative_to(config.root).as_posix() if resolved.is_relative_to(config.root) else path.name


def _place(config: SiteConfig, item: WireItem, source_file: str, index: _Index, report: IngestReport) -> None:
    """Write the article for item: unchanged if this version is in already (from any path); the
    article of an earlier version of the same raw file is replaced (a copy is kept in the cache)."""
    day_dir = config.content_dir / f"{item.day:%Y/%m/%d}"
    same = index.find(day_dir, lambda sha, source: sha == item.sha256)
    if same is not None:
        report.unchanged.append((shown_path(same), item.source))
        return
    earlier = index.find(day_dir, lambda sha, source: source == source_file)
    base = slugify(item.title) or "item"
    slug, n = base, 1
    while (day_dir / f"{slug}.md").exists() and day_dir / f"{slug}.md" != earlier:
        n += 1
        slug = f"{base}-{n}"
    target = day_dir / f"{slug}.md"
    if earlier is not None:
        backup = config.cache_dir / "replaced" / f"{earlier.relative_to(config.content_dir)}.{time.time_ns()}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(earlier, backup)
        earlier.unlink()
    write_atomic(target, to_markdown(item, slug, source_file))
    index.add(target, item.sha256, source_file)
    report.written.append((shown_path(target), item.source))


_SOURCE_LINE = re.compile(r"^source_file: (.+)$", re.MULTILINE)
_SHA_LINE = re.compile(r"^source_sha256: ([0-9a-f]{64})$", re.MULTILINE)


class _Index:
    """Which raw file (by hash and by path) each ingested article came from. An item's own day
    is read first, so the whole archive is read once per run, and only for a new item."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.read: set[Path] = set()
        self.entries: dict[Path, tuple[str, str]] = {}  # article -> (raw sha256, source_file)

    def find(self, day_dir: Path, match: Callable[[str, str], bool]) -> Path | None:
        """The first article, in path order, whose (sha256, source_file) matches."""
        for folder in (day_dir, self.content_dir):
            self._read(folder)
            for path in sorted(self.entries):
                if path.is_relative_to(folder) and match(*self.entries[path]):
                    return path
        return None

    def add(self, path: Path, sha: str, source: str) -> None:
        """Record an article just written."""
        self.entries = {p: e for p, e in self.entries.items() if p.exists()}
        self.entries[path] = (sha, source)

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
