"""Render stage: Jinja2 templates (the site's own, then the default theme) turn pages into bytes."""

from __future__ import annotations

import functools
import hashlib
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
import markdown

from . import __version__, syndication
from .config import SiteConfig, shown_path
from .content import PlainPage
from .errors import BriefingError, Problem
from .htmlscan import holds_text, lead_with
from .pages import Page
from .site import section_ref


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


def long_date(value: date) -> str:
    """'Friday 29 April 2022'."""
    return f"{value:%A} {value.day} {value:%B %Y}"


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
        )
        self.env.globals.update(
            site=config,
            entry_id=functools.partial(syndication.entry_id, config),
            entry_html=functools.partial(syndication.entry_html, config),
            authors=functools.partial(syndication.authors, config),
            json_feed=functools.partial(syndication.json_feed, config),
            article_ld=functools.partial(syndication.article_ld, config),
            itemlist_ld=functools.partial(syndication.itemlist_ld, config),
            media=lambda image: base_path + image.lstrip("/") if image.startswith("/") else image,
            absolute_media=functools.partial(syndication.media_url, config),
            site_pages=pages,  # the plain pages, for every page's footer
            section_url=lambda name: section_ref(name).url,
        )
        self.template_dirs = theme.template_dirs
        self.fingerprint = self._fingerprint()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256(f"{__version__}\0{markdown.__version__}\0{jinja2.__version__}".encode())
        digest.update(self.config.fingerprint().encode())
        digest.update(repr([(page.url, page.title) for page in self.pages]).encode())  # every footer
        for folder in self.template_dirs:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def page_key(self, page: Page) -> str:
        """The page's inputs key: its own data, the templates and the configuration."""
        return hashlib.sha256(f"{self.fingerprint}\0{page.key}".encode()).hexdigest()

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
