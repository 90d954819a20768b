"""Render stage: Jinja2 templates (the site's own, then the default theme) turn pages into bytes."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import markdown
import markupsafe

from . import __version__, syndication
from .config import SiteConfig, shown_path
from .content import PlainPage
from .errors import BriefingError, Problem
from .htmlscan import holds_text, lead_with
from .pages import Page
from .site import section_ref
from .state.atomic import write_atomic


@dataclass(frozen=True, slots=True)
class Theme:
    """Where templates and static files come from: the site's folders first, then the defaults."""

    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "_theme"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent


def find_theme(config: SiteConfig) -> Theme:
    """The site's templates/ and static/ where they exist, backed by the default theme's."""
    default = default_theme_dir()

    def layers(name: str) -> tuple[Path, ...]:
        own = config.root / name
        dirs = [own] if own.is_dir() else []
        if (default / name).resolve() != own.resolve():
            dirs.append(default / name)
        return tuple(dirs)

    return Theme(layers("templates"), layers("static"))


@functools.lru_cache(maxsize=4096)  # a list page shows the same few days again and again
def join_names(names: tuple[str, ...] | list[str]) -> str:
    """A byline's names as a desk writes them: 'Ann Reporter and Bo Writer', 'A, B and C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@functools.lru_cache(maxsize=4096)  # a list page shows the same few days again and again
def long_date(value: date) -> str:
    """'Friday 29 April 2022'."""
    return f"{value:%A} {value.day} {value:%B %Y}"


@functools.cache
def _inliner() -> Any:
    """An email's styles, moved into style attributes; a <style data-css-inline="keep"> (the
    dark scheme's @media rules) stays. Nothing is fetched: a <link> to a remote stylesheet is
    dropped. (Imported when a newsletter is rendered: not every build renders one.)"""
    import css_inline

    return css_inline.CSSInliner(load_remote_stylesheets=False)


def _inline_css(html: str) -> markupsafe.Markup:
    return markupsafe.Markup(_inliner().inline(str(html)))


def _load_references(path: Path) -> dict[str, list[str] | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_references(path: Path, named: dict[str, list[str] | None]) -> None:
    with contextlib.suppress(OSError):  # a cache folder that cannot be written: parsed again next time
        write_atomic(path, json.dumps(named, sort_keys=True))


def wrap(text: str, width: int = 72) -> str:
    """Text filled to lines of `width` at spaces, runs of whitespace made one space: what
    textwrap.fill gives with long and hyphenated words left whole (an address stays on one
    line), at a tenth of its cost."""
    lines: list[str] = []
    line = ""
    for word in str(text).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


class Templates:
    """The Jinja2 environment of one build, and the fingerprint of every template in it."""

    def __init__(self, config: SiteConfig, theme: Theme, pages: tuple[PlainPage, ...] = ()) -> None:
        self.config = config
        self.pages = pages
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(d) for d in theme.template_dirs]),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one environment per build: templates cannot change under it
            # Compiled templates are kept between builds (keyed by their source), as Markdown is.
            # Jinja folds filters of constants ('/tags/' | rel) into the compiled code, so the
            # cache must be one per configuration.
            bytecode_cache=_bytecode_cache(
                config.cache_dir / "templates" / hashlib.sha256(config.fingerprint().encode()).hexdigest()[:16]
            ),
        )
        base_path = config.base_path
        self.env.filters.update(
            rel=lambda url: base_path + str(url).lstrip("/"),
            abs=lambda url: config.base_url + str(url).lstrip("/"),
            longdate=long_date,
            clock=lambda value: f"{value:%H:%M}",
            isotime=syndication.rfc3339,
            in_body=lambda text, html: holds_text(str(html), str(text)),
            lead_with=lambda html, lead: lead_with(str(html), str(lead)),
            monthday=lambda value: f"{value:%B} {value.day}",
            names=join_names,
            shortdate=lambda value: f"{value.day} {value:%B %Y}",
            inline_css=_inline_css,
            wrap=wrap,
            srcset=lambda picture: ", ".join(f"{base_path}{r.url.lstrip('/')} {r.width}w" for r in picture.renditions),
        )
        self.env.globals.update(
            site=config,
            entry_id=functools.partial(syndication.entry_id, config),
            entry_html=functools.partial(syndication.entry_html, config),
            authors=functools.partial(syndication.authors, config),
            json_feed=functools.partial(syndication.json_feed, config),
            article_ld=functools.partial(syndication.article_ld, config),
            sitemap_urls=functools.partial(syndication.sitemap_urls, config),
            itemlist_ld=functools.partial(syndication.itemlist_ld, config),
            media=lambda image: base_path + image.lstrip("/") if image.startswith("/") else image,
            absolute_media=functools.partial(syndication.media_url, config),
            site_pages=pages,  # the plain pages, for every page's footer
            section_url=lambda name: section_ref(name).url,
            fragment=self.fragment,
        )
        self.template_dirs = theme.template_dirs
        self._sources: dict[str, bytes] = {}  # every template by name, the site's own over the default
        for folder in reversed(self.template_dirs):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    self._sources[path.relative_to(folder).as_posix()] = path.read_bytes()
        self._base = hashlib.sha256(
            f"{__version__}\0{markdown.__version__}\0{jinja2.__version__}\0{config.fingerprint()}\0".encode()
            + repr([(page.url, page.title) for page in pages]).encode()  # every footer
        ).hexdigest()
        self.fingerprint = self._digest(sorted(self._sources))
        self._used: dict[str, str] = {}
        self._names = self._referenced(config.cache_dir / "templates" / "references.json")
        # fragments: key -> html, those known (from the store, for the pages to render), and
        # those rendered in this build (key -> card digest, theme, html; a forked worker hands
        # its own back with each chunk)
        self.remembered: dict[str, str] = {}
        self.made: dict[str, tuple[str, str, str]] = {}
        self._macros: dict[tuple[str, str], Any] = {}

    def fragment(self, template: str, macro: str, item: Any, *args: Any, **kwargs: Any) -> markupsafe.Markup:
        """`{{ fragment("_macros.html", "card", item, 2, True) }}`: the macro called as
        `{% import %}` calls it (without the page's variables), its HTML kept by the item's
        digest, the arguments and the templates it comes from: a tag page shifted by one
        story, or a card shown on many pages, is joined from fragments rendered before. An
        item without a digest is rendered every time."""
        digest = getattr(item, "digest", None)
        if not isinstance(digest, str):
            return markupsafe.Markup(self._macro(template, macro)(item, *args, **kwargs))
        theme = self.uses(template)
        key = f"{theme[:20]} {macro} {digest} {args!r} {sorted(kwargs.items())!r}"
        html = self.remembered.get(key)
        if html is None:
            html = self.remembered[key] = str(self._macro(template, macro)(item, *args, **kwargs))
            self.made[key] = (digest, theme, html)
        return markupsafe.Markup(html)

    def _macro(self, template: str, name: str) -> Any:
        found = self._macros.get((template, name))
        if found is None:
            found = self._macros[template, name] = getattr(self.env.get_template(template).module, name)
        return found

    def themes(self) -> set[str]:
        """The digest `uses` gives each template: what fragments made now are keyed by."""
        return {self.uses(name) for name in self._sources}

    def _digest(self, names: Iterable[str]) -> str:
        digest = hashlib.sha256(self._base.encode())
        for name in names:
            digest.update(b"\0" + name.encode() + b"\0" + self._sources.get(name, b"\0missing"))
        return digest.hexdigest()

    def uses(self, name: str) -> str:
        """The digest of the templates a page of template `name` is rendered with: the template
        and, transitively, what it extends, includes and imports (macros come in by import). A
        name computed while rendering cannot be known beforehand, so a template that has one
        counts as using every template."""
        if name not in self._used:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                named = self._names.get(current, [])
                if named is None:
                    seen = set(self._sources)
                    break
                todo.extend(named)
            self._used[name] = self._digest(sorted(seen))
        return self._used[name]

    def _referenced(self, cache: Path) -> dict[str, list[str] | None]:
        """What each template names (see `uses`). Parsing every template takes a third of a
        second, so what each source names is kept by its hash in the cache folder. A template
        that does not parse names nothing: the render reports its error."""
        known = _load_references(cache)
        names: dict[str, list[str] | None] = {}
        for name, source in self._sources.items():
            digest = hashlib.sha256(source).hexdigest()
            if digest not in known:
                try:
                    text = source.decode("utf-8", "replace")
                    found = list(jinja2.meta.find_referenced_templates(self.env.parse(text)))
                except jinja2.TemplateSyntaxError:
                    found = []
                known[digest] = None if None in found else [n for n in found if n is not None]
                _save_references(cache, known)
            names[name] = known[digest]
        return names

    def page_key(self, page: Page) -> str:
        """The page's inputs key: its own data, the templates it is rendered with and the
        configuration. Editing tag.html changes the keys of tag pages only."""
        return hashlib.sha256(f"{self.uses(page.template)}\0{page.key}".encode()).hexdigest()

    def check(self) -> None:
        """Compile every template now, so a syntax error is reported even if no page needs it."""
        problems = []
        for name in sorted(set(self.env.list_templates(extensions=["html", "xml", "json", "txt"]))):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(self._syntax_problem(exc))
        if problems:
            raise BriefingError(problems)

    def render(self, page: Page) -> bytes:
        """The page's bytes, or a BriefingError naming the template file and line at fault."""
        try:
            template = self.env.get_template(page.template)
        except jinja2.TemplateNotFound as exc:
            if exc.name == page.template:
                raise BriefingError.one(
                    page.origin,
                    page.origin_line,
                    f"unknown template {page.template!r}",
                    f"add templates/{page.template}, or remove the template line",
                ) from None
            raise self._render_error(exc, page) from None
        except jinja2.TemplateSyntaxError as exc:
            raise BriefingError([self._syntax_problem(exc)]) from None
        try:
            return template.render({**page.context, "page_url": page.url}).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise BriefingError([self._syntax_problem(exc)]) from None
        except Exception as exc:  # a template may raise anything; report it where it happened
            raise self._render_error(exc, page) from None

    def _syntax_problem(self, exc: jinja2.TemplateSyntaxError) -> Problem:
        where = shown_path(Path(exc.filename)) if exc.filename else f"templates/{exc.name}"
        return Problem(where, exc.lineno, f"template syntax error: {exc.message}")

    def _render_error(self, exc: BaseException, page: Page) -> BriefingError:
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if any(Path(frame.filename).is_relative_to(d) for d in self.template_dirs)
        ]
        message = str(exc) if not isinstance(exc, jinja2.TemplateNotFound) else f"unknown template {exc.name!r}"
        text = f"template error while rendering {page.url}: {message}"
        if frames:
            return BriefingError.one(shown_path(Path(frames[-1].filename)), frames[-1].lineno, text)
        return BriefingError.one(page.origin, page.origin_line, text)
