"""Markdown stage: article bodies to HTML, word counts and ledes, cached by content hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import markdown

from .htmlscan import words_and_lede
from .text import typeset
from .workers import count, forked_pool

if TYPE_CHECKING:
    from .state.cache import Store

# Typographic quotes and dashes are set by `text.typeset`, on the finished HTML: the same
# result as the smarty extension for news copy at a small part of its cost.
ANCHOR_CLASS = "anchor"  # of the `#` link after each heading


def _extensions() -> list[markdown.Extension]:
    """The site's extensions, as classes: named by string, Python-Markdown looks them up among
    every installed package's entry points, 10 ms of each fresh process."""
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    return [
        # Every heading gets an id and a visible link to it, so a section can be cited.
        TocExtension(permalink="#", permalink_class=ANCHOR_CLASS, permalink_title="Link to this section"),
        TableExtension(),
        FootnoteExtension(BACKLINK_TITLE="Back to the text"),
        SaneListExtension(),
    ]


@dataclass(frozen=True, slots=True)
class Body:
    """An article body rendered: its HTML, its length in words, and its first paragraph as text."""

    html: str
    words: int
    lede: str


PARALLEL_FROM = 64  # bodies to render before it pays to start worker processes


def make_markdown() -> markdown.Markdown:
    """A Markdown converter with the site's extensions."""
    return markdown.Markdown(extensions=_extensions())


def render_bodies(texts: dict[str, str], store: Store, parallel: bool = True) -> dict[str, Body]:
    """Rendered bodies by hash of their Markdown text: from the store, the rest rendered (on
    every core when there are many) and put in the store."""
    bodies: dict[str, Body] = {}
    missing: list[tuple[str, str]] = []
    for sha, text in texts.items():
        body = store.body(sha)
        if body is None:
            missing.append((sha, text))
        else:
            bodies[sha] = body
    workers = count(parallel)
    if len(missing) >= PARALLEL_FROM and workers > 1:
        chunks = [[t for _, t in missing[i::workers]] for i in range(workers)]
        with forked_pool(workers) as pool:
            results = list(pool.map(_render_chunk, chunks))
        rendered = {sha: results[i % workers][i // workers] for i, (sha, _) in enumerate(missing)}
    else:
        md = make_markdown()
        rendered = {sha: render_body(md, text) for sha, text in missing}
    for sha, body in rendered.items():
        store.put_body(sha, body)
    bodies.update(rendered)
    return bodies


def _render_chunk(texts: list[str]) -> list[Body]:
    md = make_markdown()
    return [render_body(md, text) for text in texts]


def render_body(md: markdown.Markdown, text: str) -> Body:
    """Render one body with a Markdown instance (reset before use)."""
    md.reset()
    rendered = typeset(md.convert(text))
    words, lede = words_and_lede(rendered)
    return Body(html=rendered, words=words, lede=lede)
