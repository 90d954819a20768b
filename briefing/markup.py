"""Markdown stage: article bodies to HTML, word counts and ledes, cached by content hash."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import markdown

from .htmlscan import TAG
from .workers import count, forked_pool

if TYPE_CHECKING:
    from .state.cache import Store

# Typographic quotes and dashes are set by `typeset` below, on the finished HTML: the same
# result as the smarty extension for news copy at a small part of its cost.
EXTENSIONS = ["toc", "tables", "footnotes", "sane_lists"]
ANCHOR_CLASS = "anchor"  # of the `#` link after each heading
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # Every heading gets an id and a visible link to it, so a section can be cited.
    "toc": {"permalink": "#", "permalink_class": ANCHOR_CLASS, "permalink_title": "Link to this section"},
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


PARALLEL_FROM = 64  # bodies to render before it pays to start worker processes


def make_markdown() -> markdown.Markdown:
    """A Markdown converter with the site's extensions."""
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)


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


# Tags (with their quoted attribute values) and comments: what typography never touches.
_SEGMENTS = re.compile(f"({TAG.pattern})", re.DOTALL)
_RAW_TEXT = re.compile(r"<(/?)(code|pre|script|style|kbd|samp)\b", re.IGNORECASE)
# URLs and e-mail addresses in text (an autolink's visible text, say) are left as written.
_LITERAL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"]+|\b[\w.+-]+@[\w-]+\.[\w.-]+")
_OPENS_BEFORE = " \t\n([{\u2013\u2014“‘/"
_QUOTE = re.compile("[\"']")
# '90s, '22, 'n': an apostrophe stands for what was left out, even after a space.
_ELISION = re.compile(r"'(?=\d\d(?:s\b|\b)|n'|(?i:em|til|cause|tis|twas)\b)")


def typeset(rendered: str) -> str:
    """Curly quotes, en and em dashes and ellipses in the text of an HTML fragment; tags,
    attributes, comments, code, preformatted text, URLs and e-mail addresses are left alone."""
    out: list[str] = []
    raw_depth = 0
    before = " "
    for index, part in enumerate(_SEGMENTS.split(rendered)):
        if not part:
            continue
        if index % 2:  # a tag or a comment
            match = _RAW_TEXT.match(part)
            if match:
                raw_depth += -1 if match.group(1) else 1
            out.append(part)
            continue
        if raw_depth > 0:
            out.append(part)
            before = part[-1]
            continue
        if "://" in part or "@" in part or "www." in part:
            done = 0
            for literal in _LITERAL.finditer(part):
                if literal.start() > done:
                    out.append(_typeset_text(part[done : literal.start()], before))
                out.append(literal.group())
                before, done = "x", literal.end()  # a quote right after a URL closes
            if done < len(part):
                out.append(_typeset_text(part[done:], before))
            before = "x" if done == len(part) else out[-1][-1]
            continue
        out.append(_typeset_text(part, before))
        before = out[-1][-1]
    return "".join(out)


def _typeset_text(text: str, before: str) -> str:
    """Typography for one run of text; `before` is the character just before it."""
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    if "'" not in text and '"' not in text:
        return text
    elided = {m.start() for m in _ELISION.finditer(text)}
    pieces: list[str] = []
    done = 0  # text[:done] is in pieces
    curled = ""  # the quote just put in for text[done - 1], if that was one
    for match in _QUOTE.finditer(text):
        i = match.start()
        previous = (curled if i == done else text[i - 1]) if i else before
        opening = previous in _OPENS_BEFORE
        if text[i] == '"':
            curled = "“" if opening else "”"
        elif i in elided:
            curled = "’"
        else:
            # opening before a letter or digit, or before a tag (`'<strong>x</strong>'`)
            curled = "‘" if opening and (i + 1 == len(text) or text[i + 1].isalnum()) else "’"
        pieces += (text[done:i], curled)
        done = i + 1
    pieces.append(text[done:])
    return "".join(pieces)


def render_body(md: markdown.Markdown, text: str) -> Body:
    """Render one body with a Markdown instance (reset before use)."""
    md.reset()
    rendered = typeset(md.convert(text))
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
