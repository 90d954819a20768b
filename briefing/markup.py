"""Markdown stage: an article body to HTML, its word count and its lede, cached by content hash."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

import markdown

EXTENSIONS = ["smarty", "toc", "tables", "footnotes", "sane_lists"]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # Typographic quotes and dashes: a news site prints “ ” ‘ ’ – — …, not typewriter marks.
    "smarty": {"smart_angled_quotes": False},
    # Every heading gets an id and a visible link to it, so a section can be cited.
    "toc": {"permalink": "#", "permalink_class": "anchor", "permalink_title": "Link to this section"},
    "footnotes": {"BACKLINK_TITLE": "Back to the text"},
}
SUMMARY_LIMIT = 300
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_SENTENCE_END = re.compile(r"[.!?…][”’\"')\]]*(?=\s)")


@dataclass(frozen=True, slots=True)
class Body:
    """An article body rendered: its HTML, its length in words, and its first paragraph as text."""

    html: str
    words: int
    lede: str


class Renderer:
    """Renders Markdown bodies, remembering each result by the hash of its text."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
        self._cache: dict[str, Body] = {}

    def render(self, text: str) -> Body:
        """The rendered body of `text`, from the cache when the same text was seen before."""
        key = hashlib.sha256(text.encode()).hexdigest()
        body = self._cache.get(key)
        if body is None:
            body = self._cache[key] = render_body(self._md, text)
        return body


def render_body(md: markdown.Markdown, text: str) -> Body:
    """Render one body with a Markdown instance (reset before use)."""
    md.reset()
    rendered = md.convert(text)
    plain = html.unescape(_TAG.sub(" ", rendered))
    first = _PARAGRAPH.search(rendered)
    lede = " ".join(html.unescape(_TAG.sub("", first.group(1))).split()) if first else ""
    return Body(html=rendered, words=len(plain.split()), lede=lede)


def shorten(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """`text` cut to at most about `limit` characters: at a sentence end if one is near, else
    at a word boundary with an ellipsis; never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= 20:
        return window[: ends[-1]].strip()
    cut = window.rsplit(" ", 1)[0].rstrip(" ,;:–—-")
    return cut + "…"
