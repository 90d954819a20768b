"""Load stage: content/**/*.md (YAML front matter + Markdown) into `ArticleSource` values.

Every problem in every file is collected, with its line, before anything fails.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml
from frontmatter.default_handlers import YAMLHandler

from . import images
from .config import SiteConfig, shown_path
from .errors import BriefingError, Problem
from .state.stamps import photo_folders, walk
from .text import describe_removed, remove_controls, slugify
from .workers import count, forked_pool, shared

if TYPE_CHECKING:
    from collections.abc import Callable

    from .markup import Body
    from .state.cache import Store

KNOWN_KEYS = frozenset(
    {
        "title",
        "date",
        "slug",
        "tags",
        "summary",
        "author",
        "image_credit",
        "image_caption",
        "aliases",
        "dateline",
        "agency",
        "image",
        "image_alt",
        "draft",
        "priority",
        "section",
        "updates",
        "template",
        "source_file",
        "source_sha256",
        "ingested",
        "wire_guid",
        "wire_version",
        "wire",
        "withdrawn",
    }
)
IN_EXTRA = frozenset({"wire"})  # known, and handed to templates as article.extra all the same
UPDATE_KINDS = ("correction", "update")
DEFAULT_PRIORITY = 5  # between the lead (1) and what the desk pushes down (6 and more)
MAX_TITLE = 300
ALIAS_SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$")  # no "..", no "%2e", no backslash
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEMPLATE_RE = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.html$")
_BOUNDARY = YAMLHandler.FM_BOUNDARY


@dataclass(frozen=True, slots=True)
class Update:
    """A correction or update note, shown on the article; the newest sets its modified time."""

    at: datetime
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """One article as its file says it, before its Markdown is rendered."""

    path: str  # relative to the site root, with forward slashes
    title: str
    date: datetime  # aware, in the site's zone
    slug: str
    tags: tuple[str, ...]
    summary: str | None
    authors: tuple[str, ...]
    image_credit: str | None
    image_caption: str | None
    image: str | None
    image_alt: str
    draft: bool
    updates: tuple[Update, ...]
    extra: dict[str, Any]
    template: str
    template_line: int
    dateline: str | None  # the place the story was filed from ("Kyiv")
    agency: str | None  # the wire agency that filed it ("Reuters")
    aliases: tuple[str, ...]  # old URLs of the article, each a redirect page
    priority: int  # the desk's order within its day: 1 leads, DEFAULT_PRIORITY when not given
    section: str | None  # one of site.toml `sections`
    withdrawn: str | None  # why the story was withdrawn; its URL then says so, and nothing lists it
    body: str  # the Markdown text; empty once the article is in the cache (its body is, by body_sha)
    body_sha: str  # hash of the Markdown text: the key of its rendered body
    digest: str  # hash of the path and the file's bytes (and of its photo's renditions)
    picture: images.Picture | None = None  # `image`, made into renditions (see briefing.images)

    @property
    def modified(self) -> datetime:
        """The time of the newest correction or update, else the publication time."""
        return max((u.at for u in self.updates), default=self.date)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the load stage found: each file's article and warnings (not errors), in file order."""

    by_path: dict[str, tuple[ArticleSource, tuple[Problem, ...]]]
    read: int  # files parsed (not taken from the cache)

    @property
    def articles(self) -> list[ArticleSource]:
        """Every article, in file order."""
        return [source for source, _ in self.by_path.values()]

    @property
    def warnings(self) -> list[Problem]:
        """Every warning, in file order."""
        return [w for _, notes in self.by_path.values() for w in notes]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml when present
    """SafeLoader that keeps dates as text (we parse them, with lines), refuses duplicate
    keys, and records the line of each top-level key."""

    key_lines: dict[str, int]
    line_offset: int = 0  # lines of the file before the YAML text, for messages


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.MarkedYAMLError(problem="a key must be plain text", problem_mark=key_node.start_mark)
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"key {key!r} is given twice (first on line {seen[key] + loader.line_offset + 1})",
                problem_mark=key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    if not hasattr(loader, "key_lines"):
        loader.key_lines = {str(k): line for k, line in seen.items()}
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_articles(
    config: SiteConfig,
    store: Store | None = None,
    stamps: dict[str, str | None] | None = None,
    parallel: bool = True,
    bodies: Callable[[ArticleSource], bool] | None = None,
) -> Loaded:
    """Read every article under content/ (from the store when its file is unchanged); raise one
    BriefingError listing every problem. `stamps` (file -> `file_stamp`) saves a second walk.
    `bodies` says which articles the build shows: when there are many files to parse, the
    workers that parse them also render the Markdown of those it accepts that the store lacks,
    and the bodies go into the store (one pass over the files, not two, and no Markdown text
    sent back and forth)."""
    if store is None:
        from .state.cache import Store  # the cache imports this module's classes to pickle them

        store = Store()
    if stamps is None:
        stamps = walk(config)
    problems: list[Problem] = []
    by_path: dict[str, tuple[ArticleSource, tuple[Problem, ...]] | None] = {}
    unread: list[str] = []
    store.read_articles()
    for key, stamp in stamps.items():
        cached = store.article(key, stamp) if stamp is not None else None
        # a photo under static/ replaced (a page bundle's is in the stamp already)
        by_path[key] = cached if cached is None or cached[0].picture is None or cached[0].picture.current else None
        if by_path[key] is None:
            unread.append(key)
    pictured = photo_folders(unread)
    photos = [os.path.dirname(key) in pictured for key in unread]
    results, rendered = _parse_all(config, unread, parallel, photos, bodies, store)
    for sha, body in rendered.items():
        store.put_body(sha, body)
    for key, parsed in zip(unread, results, strict=True):
        if isinstance(parsed, BriefingError):
            problems.extend(parsed.problems)
            del by_path[key]
            continue
        stamp = stamps[key]
        if stamp is not None:
            store.put_article(key, stamp, *parsed)
        by_path[key] = parsed
    store.keep_articles(set(stamps))
    if problems:
        raise BriefingError(problems)
    return Loaded({key: parsed for key, parsed in by_path.items() if parsed is not None}, len(unread))


Parsed = tuple[ArticleSource, tuple[Problem, ...]]  # an article and its warnings
PARALLEL_FROM = 200  # files to parse before it pays to start worker processes
PHOTOS_PARALLEL_FROM = 2  # or photos beside them: a photo's renditions take half a second


@dataclass(frozen=True, slots=True)
class _Wanted:
    """Which parsed articles' bodies a parsing worker renders: those the build shows, and whose
    rendering the store does not hold."""

    shown: Callable[[ArticleSource], bool]
    known: frozenset[str]  # the body hashes in the store

    def __call__(self, source: ArticleSource) -> bool:
        return source.body_sha not in self.known and self.shown(source)


def _parse_all(
    config: SiteConfig,
    keys: list[str],
    parallel: bool,
    photos: list[bool] | None = None,
    bodies: Callable[[ArticleSource], bool] | None = None,
    store: Store | None = None,
) -> tuple[list[Parsed | BriefingError], dict[str, Body]]:
    """Each file parsed (its photo made into renditions), or its error: on every core when
    there are many, or photos beside some (`photos`: whether each has), dealt out evenly. On
    every core, the bodies of the articles `bodies` accepts and the `store` lacks are rendered
    too (by body hash; those articles then come without their Markdown text)."""
    workers = count(parallel)
    heavy = photos or [False] * len(keys)
    if (len(keys) < PARALLEL_FROM and sum(heavy) < PHOTOS_PARALLEL_FROM) or workers < 2:
        return _parse_chunk(config, keys), {}
    order = sorted(range(len(keys)), key=lambda i: not heavy[i])  # the photos' articles first, in turn
    shares = [order[w::workers] for w in range(workers)]
    wanted = None if bodies is None or store is None else _Wanted(bodies, frozenset(store.body_shas()))
    with forked_pool(workers, wanted) as pool:
        results = list(pool.map(_parse_and_render, [config] * workers, [[keys[i] for i in share] for share in shares]))
    parsed: list[Parsed | BriefingError] = [BriefingError(())] * len(keys)
    rendered: dict[str, Body] = {}
    for share, (result, made) in zip(shares, results, strict=True):
        rendered.update(made)
        for index, item in zip(share, result, strict=True):
            parsed[index] = item
    return parsed, rendered


def _parse_and_render(config: SiteConfig, keys: list[str]) -> tuple[list[Parsed | BriefingError], dict[str, Body]]:
    """A worker's share of the files parsed, and the bodies it was asked for rendered."""
    from .markup import make_markdown, render_body

    parsed = _parse_chunk(config, keys)
    wanted: _Wanted | None = shared()
    md = None
    bodies: dict[str, Body] = {}
    if wanted is None:
        return parsed, bodies
    for index, item in enumerate(parsed):
        if isinstance(item, BriefingError) or not wanted(item[0]):
            continue
        source = item[0]
        if source.body_sha not in bodies:
            md = md or make_markdown()
            bodies[source.body_sha] = render_body(md, source.body)
        parsed[index] = (replace(source, body=""), item[1])
    return parsed, bodies


def _parse_chunk(config: SiteConfig, keys: list[str]) -> list[Parsed | BriefingError]:
    parsed: list[Parsed | BriefingError] = []
    for key in keys:
        try:
            article, notes = load_article(Path(key), config)
        except BriefingError as exc:
            parsed.append(exc)
            continue
        parsed.append((article, tuple(notes)))
    return parsed


def load_article(path: Path, config: SiteConfig) -> tuple[ArticleSource, list[Problem]]:
    """Parse one file; return the article and its warnings, or raise with every problem in it."""
    shown, relative, raw, data, lines, body, removed = _read_front(path, config)
    fields = _Fields(shown, data, lines, config.zone, config.sections)
    article = fields.article(relative, body, hashlib.sha256(relative.encode() + b"\0" + raw).hexdigest())
    if article.image is not None:
        caption, credit = article.image_caption or "", article.image_credit or ""
        picture, notes = images.picture(config, path, article.image, article.image_alt, caption, credit)
        fields.warnings.extend(notes)
        if picture is not None and not article.image_alt.strip():
            hint = "say in a sentence what the photo shows, for readers who cannot see it"
            fields.warnings.append(Problem(shown_path(path), lines.get("image"), "the photo has no image_alt", hint))
        if picture is not None:
            digest = hashlib.sha256(f"{article.digest}\0{picture.key}".encode()).hexdigest()
            article = replace(article, picture=picture, digest=digest)
    if removed:
        hint = "they are invisible and would make feeds malformed; save the file without them"
        fields.warnings.insert(0, Problem(shown, removed[0][0], describe_removed(removed), hint))
    return article, fields.warnings


def _read_front(
    path: Path, config: SiteConfig
) -> tuple[str, str, bytes, dict[str, Any], dict[str, int], str, list[tuple[int, str]]]:
    """(shown path, site-relative path, bytes, front matter, line of each key, body, control
    characters removed) of a front-matter Markdown file; raise with what is wrong."""
    shown = shown_path(path)
    relative = path.relative_to(config.root).as_posix()
    if path.is_symlink() and not path.resolve().is_relative_to(config.root):
        raise BriefingError.one(shown, None, "is a link to a file outside the site", "copy the file in instead")
    if path.is_dir():
        raise BriefingError.one(shown, None, "is a folder, but its name ends in .md like an article")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BriefingError.one(shown, None, f"cannot be read: {exc.strerror}") from None
    text, removed = remove_controls(decode(raw, shown))
    front, body, offset = split(text, shown)
    try:
        loader = _Loader(front)
        loader.line_offset = offset
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = offset + mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem]))
        raise BriefingError.one(shown, line, f"front matter is not valid YAML: {message}") from None
    except yaml.YAMLError as exc:
        raise BriefingError.one(shown, offset + 1, f"front matter is not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BriefingError.one(shown, offset + 1, "front matter must be a set of `key: value` lines")
    key_lines = getattr(loader, "key_lines", {})
    return shown, relative, raw, data, {k: offset + v + 1 for k, v in key_lines.items()}, body, removed


PAGES_FOLDER = "pages"  # content/pages/<slug>.md: plain pages, never articles
PAGE_KEYS = frozenset({"title", "slug", "summary", "order"})
RESERVED_SLUGS = frozenset({"static", "pagefind", "tags", "sections", "archive", "subscribe", "search", "img"})


@dataclass(frozen=True, slots=True)
class PlainPage:
    """A page of its own (About, Corrections policy, Contact): content/pages/<slug>.md, written
    at /<slug>/, linked from every page's footer, and kept out of editions, feeds and news
    sitemaps."""

    path: str
    title: str
    slug: str
    summary: str
    order: int  # footer order: smaller first, then by title
    html: str

    @property
    def url(self) -> str:
        return f"/{self.slug}/"

    @property
    def digest(self) -> str:
        """What the page shows: the key of its own page."""
        return hashlib.sha256(repr((self.url, self.title, self.summary, self.html)).encode()).hexdigest()


def load_pages(config: SiteConfig) -> tuple[PlainPage, ...]:
    """The plain pages under content/pages/, in footer order; raise with every problem."""
    from .markup import make_markdown, render_body

    folder = config.content_dir / PAGES_FOLDER
    if not folder.is_dir():
        return ()
    pages: list[PlainPage] = []
    problems: list[Problem] = []
    md = make_markdown()
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith((".", "_")):
            continue
        try:
            shown, relative, _, data, lines, body, _ = _read_front(path, config)
            fields = _Fields(shown, data, lines, config.zone)
            title = fields.text("title", required=True)
            slug = fields.slug(title) if "slug" in data else slugify(path.stem) or "page"
            if slug in RESERVED_SLUGS:
                fields.problem("slug", f"slug {slug!r} is taken by the site itself", "give the page another slug")
            order = data.get("order", 100)
            if isinstance(order, bool) or not isinstance(order, int):
                fields.problem("order", f"order must be a whole number, not {order!r}")
                order = 100
            for key in data:
                if key not in PAGE_KEYS:
                    fields.problem(
                        str(key),
                        f"unknown front-matter key {key!r} for a page",
                        f"a page takes {', '.join(sorted(PAGE_KEYS))}",
                    )
            summary = fields.text("summary") or ""
            if fields.problems:
                raise BriefingError(fields.problems)
            assert title is not None
            pages.append(PlainPage(relative, title, slug, summary, order, render_body(md, body).html))
        except BriefingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BriefingError(problems)
    return tuple(sorted(pages, key=lambda page: (page.order, page.title.casefold(), page.slug)))


def decode(raw: bytes, shown: str) -> str:
    """The file's text: UTF-8, a leading BOM dropped, line endings made LF; NUL bytes refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BriefingError.one(
            shown, line, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for bad, name in (("\0", "a NUL byte"), ("\ufeff", "a byte-order mark in the middle of the text")):
        if bad in text:
            raise BriefingError.one(shown, text.count("\n", 0, text.index(bad)) + 1, f"contains {name}")
    return text


def split(text: str, shown: str) -> tuple[str, str, int]:
    """Front matter, body, and the number of lines before the front matter's first line."""
    if not text.strip():
        raise BriefingError.one(shown, 1, "is empty", "an article starts with front matter between --- lines")
    opening = _BOUNDARY.match(text)
    closing = _BOUNDARY.search(text, opening.end()) if opening else None
    if not opening or not closing:
        raise BriefingError.one(
            shown, 1, "has no front matter", "start the file with a line of ---, then title: and date:, then ---"
        )
    start = text.index("\n", opening.start()) + 1 if "\n" in text[opening.start() :] else opening.end()
    return text[start : closing.start()], text[closing.end() :].lstrip("\n"), text.count("\n", 0, start)


class _Fields:
    """Checks front-matter values one by one, collecting every problem with its line."""

    def __init__(
        self, shown: str, data: dict[str, Any], lines: dict[str, int], zone: ZoneInfo, sections: tuple[str, ...] = ()
    ) -> None:
        self.shown, self.data, self.lines, self.zone, self.sections = shown, data, lines, zone, sections
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, key: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.shown, self.lines.get(key, 1), message, hint))

    def article(self, path: str, body: str, digest: str) -> ArticleSource:
        title = self.text("title", required=True)
        if title and len(title) > MAX_TITLE:
            self.problem("title", f"title is {len(title)} characters long; at most {MAX_TITLE} fit a headline")
        when = self.when("date", required=True)
        slug = self.slug(title)
        tags = self.strings("tags")
        authors = self.strings("author", one_allowed=True)
        summary = self.text("summary", may_be_empty=True)  # empty: a flash, shown by its headline alone
        credit = self.text("image_credit")
        image = self.image()
        image_alt = self.text("image_alt") or ""
        draft = self.data.get("draft", False)
        if not isinstance(draft, bool):
            self.problem("draft", f"draft must be true or false, not {draft!r}")
        updates = self.updates()
        template = self.template()
        aliases = self.aliases()
        priority = self.priority()
        section = self.section()
        extra = {k: v for k, v in self.data.items() if k not in KNOWN_KEYS or k in IN_EXTRA}
        for key in extra:
            if key in IN_EXTRA:
                continue
            self.warnings.append(
                Problem(
                    self.shown,
                    self.lines.get(str(key), 1),
                    f"unknown front-matter key {key!r}",
                    "kept; templates see it as article.extra",
                )
            )
        if self.problems:
            raise BriefingError(self.problems)
        assert title is not None and when is not None
        return ArticleSource(
            path=path,
            title=title,
            date=when,
            slug=slug,
            tags=tags,
            summary=summary,
            authors=authors,
            image_credit=credit,
            image_caption=self.text("image_caption"),
            image=image,
            image_alt=image_alt,
            draft=bool(draft),
            updates=updates,
            extra=extra,
            template=template,
            template_line=self.lines.get("template", 1),
            dateline=self.text("dateline"),
            agency=self.text("agency"),
            aliases=aliases,
            priority=priority,
            section=section,
            withdrawn=self.withdrawn(),
            body=body,
            body_sha=hashlib.sha256(body.encode()).hexdigest(),
            digest=digest,
        )

    def text(self, key: str, required: bool = False, may_be_empty: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problems.append(
                    Problem(self.shown, 1, f"missing {key}", f"add a `{key}:` line to the front matter")
                )
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, f"{key} must be text, not {_kind(value)}")
            return None
        text = " ".join(str(value).split())
        if not text and not may_be_empty:
            self.problem(key, f"{key} is empty")
            return None
        return text

    def when(self, key: str, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problems.append(
                    Problem(self.shown, 1, f"missing {key}", f"add a `{key}: YYYY-MM-DD` line to the front matter")
                )
            return None
        parsed = parse_when(value, self.zone)
        if parsed is None:
            self.problem(key, f"{key} {value!r} is not a date", "write YYYY-MM-DD or YYYY-MM-DDTHH:MM+01:00")
        return parsed

    def slug(self, title: str | None) -> str:
        value = self.data.get("slug")
        if value is None:
            return slugify(title or "") or "article"
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self.problem(
                "slug",
                f"slug {value!r} is not a plain URL segment",
                "use lower-case letters, digits and hyphens, such as nato-global-outlook",
            )
            return "article"
        return value

    def strings(self, key: str, one_allowed: bool = False) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if one_allowed and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(
                key, f"{key} must be a list of non-empty strings, not {_kind(value)}", f"write {key}: [First, Second]"
            )
            return ()
        return tuple(dict.fromkeys(" ".join(v.split()) for v in value))

    def section(self) -> str | None:
        """The article's section: one the site names in site.toml `sections`."""
        value = self.text("section")
        if value is not None and value not in self.sections:
            known = ", ".join(self.sections) or "none: add `sections = [...]` to site.toml"
            self.problem("section", f"section {value!r} is not one of the site's sections", f"the sections are {known}")
            return None
        return value

    def withdrawn(self) -> str | None:
        """Why the story was withdrawn (`withdrawn: true` gives no reason), or None."""
        value = self.data.get("withdrawn")
        if value is None or value is False:
            return None
        if value is True:
            return ""
        if not isinstance(value, str):
            self.problem("withdrawn", f"withdrawn must be true or a reason, not {value!r}", "write withdrawn: Legal")
            return None
        return " ".join(value.split())

    def priority(self) -> int:
        """The desk's order within the day: 1 is the lead, larger numbers lower."""
        value = self.data.get("priority", DEFAULT_PRIORITY)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                "priority",
                f"priority must be a whole number of at least 1, not {value!r}",
                f"1 leads the day; stories without one are {DEFAULT_PRIORITY}",
            )
            return DEFAULT_PRIORITY
        return value

    def aliases(self) -> tuple[str, ...]:
        """Old URLs of the article, as site paths ('/2022/04/29/old-slug/'): plain segments only,
        so an alias can never write outside the output folder."""
        found = []
        for value in self.strings("aliases", one_allowed=True):
            path = value if value.endswith((".html", "/")) else value + "/"
            segments = path.strip("/").split("/")
            if not path.startswith("/") or not all(ALIAS_SEGMENT.match(s) for s in segments) or path == "/":
                self.problem(
                    "aliases",
                    f"alias {value!r} is not a path in the site",
                    "write the old URL's path, such as /2022/04/29/old-slug/",
                )
                continue
            found.append(path)
        return tuple(found)

    def image(self) -> str | None:
        value = self.text("image")
        if value is None:
            return None
        if images.kind(value) is None:
            self.problem(
                "image",
                f"image {value!r} is not a file name, site path or URL",
                "write a file name beside the article (nato.jpg), a path such as /static/x.jpg, or https://...",
            )
            return None
        return value

    def template(self) -> str:
        value = self.data.get("template", "article.html")
        if not isinstance(value, str) or not TEMPLATE_RE.match(value) or ".." in value:
            self.problem("template", f"template {value!r} is not a template name", "write a name such as feature.html")
            return "article.html"
        return value

    def updates(self) -> tuple[Update, ...]:
        value = self.data.get("updates")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("updates", "updates must be a list of entries with at, kind and text")
            return ()
        found: list[Update] = []
        for index, entry in enumerate(value, 1):
            if not isinstance(entry, dict) or set(entry) - {"at", "kind", "text"}:
                self.problem("updates", f"update {index} must have only at, kind and text")
                continue
            at = parse_when(entry.get("at"), self.zone)
            kind, text = entry.get("kind", "update"), entry.get("text")
            if at is None:
                self.problem("updates", f"update {index}: at {entry.get('at')!r} is not a date and time")
            if kind not in UPDATE_KINDS:
                self.problem("updates", f"update {index}: kind must be correction or update, not {kind!r}")
            if not isinstance(text, str) or not text.strip():
                self.problem("updates", f"update {index}: text is missing")
            if at is not None and kind in UPDATE_KINDS and isinstance(text, str) and text.strip():
                found.append(Update(at, kind, " ".join(text.split())))
        return tuple(sorted(found, key=lambda u: u.at))


def parse_when(value: Any, zone: ZoneInfo) -> datetime | None:
    """A date or datetime (text or YAML value) as an aware datetime in the site's zone.

    A date alone is midnight in the site's zone; a time without an offset is read in that
    zone too, never as UTC.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = (
                datetime.fromisoformat(text) if len(text) > 10 else datetime.combine(date.fromisoformat(text), time())
            )
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), repr(value))
