"""Text rules: small pure functions over text, each tested as a table of real-world cases
(`tests/test_text.py`).

- input cleaning: `remove_controls`, the one place text is cleaned of characters no output
  may hold;
- typography: `typeset`, quotes, apostrophes, dashes and ellipses in rendered HTML;
- shortening: `shorten` (summaries) and `shorten_title` (headlines), never mid-word;
- slugs: `slugify`;
- escaping: `escape_markdown`, wire copy as Markdown that renders as exactly its text.
"""

from __future__ import annotations

import re

from anyascii import anyascii

from .htmlscan import TAG

# C0 controls but tab and line feed (carriage returns are line endings, made LF before this),
# DEL and the C1 controls, and the noncharacters HTML and XML refuse: none is text a reader can
# see, and each makes an XML feed or sitemap malformed or an HTML page invalid.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def remove_controls(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text without control characters, and (line, code point) of each one removed."""
    found = [(text.count("\n", 0, m.start()) + 1, f"U+{ord(m.group()):04X}") for m in _CONTROLS.finditer(text)]
    return (_CONTROLS.sub("", text), found) if found else (text, [])


def describe_removed(found: list[tuple[int, str]]) -> str:
    """'removed control characters (U+001A) on lines 3, 7': one message for a file's findings."""
    points = ", ".join(dict.fromkeys(point for _, point in found))
    lines = sorted({line for line, _ in found})
    where = ", ".join(map(str, lines[:5])) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
    noun = "character" if len(found) == 1 else "characters"
    return f"removed control {noun} ({points}) on line{'s' if len(lines) > 1 else ''} {where}"


SUMMARY_LIMIT = 300  # characters of a derived summary, about
TITLE_LIMIT = 90  # characters of a derived headline, at most
CLOSERS = "\"'”’)]»"
_SENTENCE_END = re.compile(r"[.!?…][”’\"')\]]*(?=\s)")
_STOP_TAIL = {"the", "a", "an", "of", "in", "on", "to", "and", "or", "for", "at", "by", "with", "from", "as", "that"}


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


def shorten_title(sentence: str, limit: int = TITLE_LIMIT) -> str:
    """A sentence as a headline: its final stop dropped; if too long, cut at a clause break or
    a word boundary (never mid-word), without a dangling 'the' or 'of', and marked with '…'."""
    sentence = sentence.strip()
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= limit:
        return sentence
    clause = max((sentence.rfind(mark, 0, limit + 10) for mark in (", ", "; ", " – ", " — ")), default=-1)
    if clause >= limit // 2:
        return sentence[:clause].rstrip() + "…"
    words = sentence[: limit + 1].split(" ")[:-1]
    while len(words) > 1 and words[-1].lower().strip(CLOSERS + "“‘(") in _STOP_TAIL:
        words.pop()
    return " ".join(words).rstrip(",;:–—-") + "…"


def slugify(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word to at most `limit` characters:
    'São Paulo' -> 'sao-paulo'."""
    words = re.findall(r"[a-z0-9]+", anyascii(text).lower().replace("'", "").replace("’", ""))
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word[:limit]
    return slug


def escape_markdown(text: str) -> str:
    """One line of text that Python-Markdown renders as exactly this text (typography aside):
    inline syntax everywhere, block syntax at the start of the line."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    text = re.sub(r"^([-+>#])", r"\\\1", text)
    return re.sub(r"^(\d+)\.", r"\1\\.", text)
