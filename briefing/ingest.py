"""Ingest stage: raw wire copy becomes front-matter Markdown in content/YYYY/MM/DD/<slug>.md.

A wire item is plain text: optional blank lines or BOM, the token `date YYYY-MM-DD`, then the
body starting on the same line. Blank lines separate paragraphs; a short line without final
punctuation is a subheading; a last line such as `Image: AP` is a credit. Every word of the body
is kept, with whatever Markdown would interpret escaped, so the page reads like the wire.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from .config import SiteConfig, shown_path
from .errors import BriefingError
from .state.atomic import write_atomic
from .text import (
    CLOSERS,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    describe_removed,
    escape_markdown,
    remove_controls,
    shorten,
    shorten_title,
    slugify,
)

MAX_TAGS = 8
_DATE_TOKEN = re.compile(r"\A\s*date[ \t]+(\d{4})-(\d{2})-(\d{2})(?![\d-])[ \t]*", re.IGNORECASE)
_ANY_DATE = re.compile(r"\A\s*date[ \t]+(\S+)", re.IGNORECASE)
_CREDIT = re.compile(
    r"^(Image|Images|Photo|Photos|Photograph|Picture|Pictures|Video|Graphic|Credit)s?\s*:\s*(.{1,80})$", re.IGNORECASE
)
_FINAL_PUNCTUATION = ".!?:;,…"
_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(]*[A-Z0-9])")
_NAME = re.compile(
    r"(?<![\w’'-])((?:[A-Z][\w’'-]*|[A-Z]{2,})(?:[ \t]+(?:(?:of|de|da|del|der|von|van|la|le|al|bin)[ \t]+)*"
    r"(?:[A-Z][\w’'-]*))*)"
)
_ROLES = frozenset(
    """
    President Minister Secretary Chancellor Governor Mayor Senator General Chief Director Chairman
    Chairwoman Leader Commissioner Ambassador King Queen Prince Pope Premier Spokesman Spokeswoman
    Spokesperson CEO Judge Justice Officer Envoy Representative Speaker Deputy
    """.split()
)
_ADJECTIVE_ENDINGS = ("ern", "ian", "ese", "ish", "ean", "ic")
_NOT_NAMES = frozenset(
    """
    A An And As At But By During For From He Her His However I If In It Its Meanwhile Mr Mrs Ms Dr No
    Not On Or Our She So That The Their There These They This Those To We What When Where Which While
    Who Why With You Additionally Also After Before Since Under Over Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September October November
    December Image Photo
    """.split()
)


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
    day: date
    title: str
    summary: str
    tags: tuple[str, ...]
    image_credit: str | None
    blocks: tuple[Block, ...]


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


def parse_wire(raw: bytes, shown: str, vocabulary: Mapping[str, Iterable[str]], warnings: list[str]) -> WireItem:
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
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise BriefingError.one(shown, 1, f"impossible date {'-'.join(match.groups())}") from None
    blocks, credit = split_blocks(text[match.end() :])
    if not any(b.kind == "paragraph" for b in blocks) or not any(c.isalnum() for b in blocks for c in b.text):
        raise BriefingError.one(shown, 1, "has no text after the date")
    title, headline, blocks = take_title(blocks)
    lede = next(b.text for b in blocks if b.kind == "paragraph")
    return WireItem(
        source=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        day=day,
        title=title,
        summary=shorten(lede, SUMMARY_LIMIT),
        tags=find_tags(title if headline else None, blocks, vocabulary),
        image_credit=credit,
        blocks=tuple(blocks),
    )


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
    is the first sentence, shortened at a word boundary. Says which it was."""
    first = blocks[0].text
    if len(blocks) > 1 and is_subheading(first) and blocks[1].kind == "paragraph":
        return first, True, blocks[1:]
    title = shorten_title(_SENTENCE.split(first, maxsplit=1)[0])
    if not any(c.isalnum() for c in title):  # "." or "! ! !": a title of punctuation is no title
        text = " ".join(b.text for b in blocks)
        text = text[next(i for i, c in enumerate(text) if c.isalnum()) :]
        title = shorten_title(text)
        if not any(c.isalnum() for c in title):  # one token longer than a headline
            title = text[:TITLE_LIMIT]
    return title, False, blocks


def find_tags(headline: str | None, blocks: list[Block], vocabulary: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """At most eight tags, most salient first: vocabulary phrases found in the text, then
    capitalised names the text repeats (not only at sentence starts). Mentions in the
    headline and lede weigh double."""
    body = "\n".join(b.text for b in blocks)
    text = f"{headline}\n{body}" if headline else body
    lede_end = text.find("\n", len(headline) + 1 if headline else 0)
    lead = len(text) if lede_end < 0 else lede_end
    score: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    covered: list[tuple[int, int]] = []
    for tag, phrases in vocabulary.items():
        for phrase in sorted({tag, *phrases}):
            flags = re.IGNORECASE if phrase.islower() else 0  # "lithium" matches "Lithium"; "US" not "us"
            for m in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text, flags):
                score[tag] += 2 if m.start() < lead else 1
                first_seen[tag] = min(first_seen.get(tag, m.start()), m.start())
                covered.append((m.start(), m.end()))
    known = {p.casefold() for tag, phrases in vocabulary.items() for p in (tag, *phrases)}
    names = _repeated_names(text, covered, known)
    for name, (count, at) in names.items():
        score[name] += count
        first_seen[name] = at
    ranked = sorted(score, key=lambda t: (-score[t], first_seen[t], t))
    return tuple(ranked[:MAX_TAGS])


def _repeated_names(text: str, covered: list[tuple[int, int]], known: set[str]) -> dict[str, tuple[int, int]]:
    """Capitalised names seen at least twice, not only at sentence starts: name -> (count, first
    position). Titles are dropped ('French President Emmanuel Macron' is 'Emmanuel Macron'), and
    a surname alone counts toward the full name it ends ('Truss' toward 'Liz Truss')."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    mid_sentence: set[str] = set()
    for m in _NAME.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        words = [re.sub(r"(?:[’']s|[’'])$", "", w) for w in m.group(1).split()]
        at_start = m.start() == 0 or bool(re.search(r"(?:[.!?:\"”“]\s*|\n)$", text[max(0, m.start() - 3) : m.start()]))
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
            at_start = False
        roles = [i for i, w in enumerate(words) if w in _ROLES]
        if roles:
            words = words[roles[-1] + 1 :]
            at_start = False
        if not words or (len(words) == 1 and (len(words[0]) < 3 or words[0].endswith(_ADJECTIVE_ENDINGS))):
            continue
        name = " ".join(words)
        if name.casefold() in known or any(part.casefold() in known for part in name.split("-")):
            continue
        counts[name] += 1
        first.setdefault(name, m.start())
        if not at_start:
            mid_sentence.add(name)
    for name in sorted(counts, key=len):
        longer = [n for n in counts if n != name and n.endswith(" " + name)]
        if len(longer) == 1:
            counts[longer[0]] += counts.pop(name)
            first[longer[0]] = min(first[longer[0]], first.pop(name))
            if name in mid_sentence:
                mid_sentence.add(longer[0])
    return {n: (c, first[n]) for n, c in counts.items() if c >= 2 and n in mid_sentence}


def to_markdown(item: WireItem, slug: str, source_file: str) -> str:
    """The article file for a wire item."""
    front: dict[str, object] = {"title": item.title, "date": item.day, "slug": slug, "summary": item.summary}
    if item.tags:
        front["tags"] = list(item.tags)
    if item.image_credit:
        front["image_credit"] = item.image_credit
    front["source_file"] = source_file
    front["source_sha256"] = item.sha256
    yaml_text = "".join(  # one key per line; the tag list inline, as editors write it
        yaml.safe_dump(
            {key: value}, allow_unicode=True, width=10_000, default_flow_style=None if key == "tags" else False
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
            item = parse_wire(raw, shown, config.tags, report.warnings)
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
