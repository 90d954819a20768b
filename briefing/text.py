"""Text rules: small pure functions over text, each tested as a table of real-world cases
(`tests/test_text.py`).

- input cleaning: `remove_controls`, the one place text is cleaned of characters no output
  may hold;
- typography: `typeset`, quotes, apostrophes, dashes and ellipses in rendered HTML;
- sentences: `sentences`, paragraph to sentences by a sentence-boundary library (pysbd);
- shortening: `shorten` (summaries) and `headline` (a sub-editor's compression of a lede's
  first sentence), never mid-word and never with an ellipsis in a headline;
- slugs: `slugify`;
- escaping: `escape_markdown`, wire copy as Markdown that renders as exactly its text.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from anyascii import anyascii

from .htmlscan import TAG

if TYPE_CHECKING:
    import pysbd

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


def typeset_text(text: str) -> str:
    """Typography for plain text (a headline, a summary): what `typeset` does to the text of
    HTML, with URLs and e-mail addresses left as written."""
    return _unescape(typeset(_escape(text)))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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


@functools.cache
def _segmenter() -> pysbd.Segmenter:
    import pysbd  # only ingest splits sentences: a build does not pay for importing it

    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, by pysbd's rules for English (U.S., Mr., St., Jan., Inc.,
    No. 10, a.m., $97.3 billion, a quotation closing a sentence ...), with three repairs: a
    piece that starts with a comma, a closing mark or a lower-case letter ('D-W.Va., said no.')
    continues the sentence before it, and so does a stub of four words or fewer ending in an
    abbreviation ('Martin Luther King Jr.'); a straight quote split off the end of a sentence
    goes back to it."""
    text = " ".join(text.split())
    if not text:
        return []
    out: list[str] = []
    for piece in _segmenter().segment(text):
        piece = piece.strip()
        if out and piece[:1] in "\"'" and piece[1:2] in ("", " "):  # a closing quote, split off
            out[-1] += piece[0]
            piece = piece[1:].strip()
        if not piece:
            continue
        if out and (piece[0] in ",;:)]”’" or piece[0].islower() or _stub(out[-1])):
            out[-1] = f"{out[-1]}{'' if piece[0] in ',;:)]”’' else ' '}{piece}"
        else:
            out.append(piece)
    return out


def _stub(sentence: str) -> bool:
    """'Martin Luther King Jr.': three words or fewer ending in an abbreviation are no sentence."""
    words = sentence.split()
    return len(words) <= 4 and words[-1].rstrip(".") in ABBREVIATIONS and sentence.endswith(".")


# Words a headline never ends on: function words, and abbreviations that want what follows.
FUNCTION_WORDS = frozenset(
    """
    a an the of in on at to for by with from as into onto over under after before about against
    between through during since until amid despite via per than and or but nor so yet that
    which who whom whose whether if its their his her our your my this these those is are was were
    be been being has have had will would shall should can could may might must do does did not
    within without across toward towards among around behind beyond near upon off out up down
    while when where because
    """.split()
)
# What a cut headline may not end on: words that want what follows (verbs and particles such as
# "was", "not", "over" can end a clause: "the pandemic was not over").
DANGLING = frozenset(
    """
    a an the of in on at to for by with from as into onto about against between through during since
    until amid despite via per than and or but nor so yet that which who whom whose whether if its
    their his her our your my this these those within without across toward towards among around
    behind beyond near upon while when where because after before
    """.split()
)
ABBREVIATIONS = frozenset(
    """
    Mr Mrs Ms Dr Prof Gov Sen Rep Gen Lt Col Capt Sgt Adm Cmdr Maj Rev Hon St Mt Ft Jan Feb Mar
    Apr Jun Jul Aug Sep Sept Oct Nov Dec Inc Corp Co Ltd Jr Sr No vs etc Messrs Pres Supt Insp
    Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Ky La Md Mass Mich Minn Miss Mo Mont Neb Nev
    Okla Ore Pa Tenn Tex Va Vt Wash Wis Wyo
    """.split()
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept\.|Sep\.|Oct\.|Nov\.|Dec\.)"
)
# "on Friday", "late on Tuesday", "on Sunday morning", "this week", "on May 2": when it happened
# is the dateline's job, not the headline's.
_TIME_PHRASE = re.compile(
    rf"(?:,\s*)?\s+(?:(?:(?:late|early|earlier|later)\s+)?on\s+{_WEEKDAY}(?:\s+(?:morning|afternoon|evening|night))?"
    rf"|(?:on\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s+\d{{4}})?"
    r"|(?:this|last|next)\s+(?:week|weekend|month|year|morning|afternoon|evening|night)"
    r"|(?:yesterday|today|tonight|overnight))\b(?=[\s,.;:!?]|$)"
)
# "The North Atlantic Treaty Organization (NATO)": the expansion goes, the acronym stays.
_EXPANSION = re.compile(
    r"\b((?:[A-Z][\w’'&-]*\s+(?:(?:of|for|and|the|on|de|in)\s+)*){1,9}[A-Z][\w’'-]*)\s+\(([A-Z][A-Za-z]{1,7})\)"
)
_ATTRIBUTION = re.compile(
    r"^(?:said|says|according to|reported|announced)\s+(?:[A-Z]|the\s+[A-Z])"
    r"|^(?:[\w.’'-]+\s+){0,7}(?:said|says|told\s+[\w.]+(?:\s+[\w.]+)?|added|announced|reported|warned|confirmed)$",
)
_CLAUSE_MARKS = (", ", "; ", " – ", " — ", " - ", ": ")
_PHRASE_START = re.compile(
    r" (?=(?:in|at|on|for|with|after|before|as|while|amid|over|from|to|by|during|despite|since|and|but"
    r"|which|who|that|because|following|ahead|near|across|against|under|within|without|directly)\s)"
)


def headline(sentence: str, limit: int = TITLE_LIMIT) -> str:
    """A lede's first sentence as a sub-editor would shorten it into a headline of at most
    `limit` characters, never with an ellipsis: an expansion followed by its acronym becomes
    the acronym, when-phrases ('on Friday') go, a trailing attribution (', officials said')
    goes, and, when still too long, brackets, 'which' clauses and asides go; what is still
    too long ends at a clause or phrase boundary, never inside brackets or quotes, and never
    on a function word or an abbreviation."""
    text = " ".join(sentence.split())
    text = _EXPANSION.sub(lambda m: m.group(2) if _is_acronym_of(m.group(2), m.group(1)) else m.group(0), text)
    text = re.sub(r"^(?:The|the)\s+(?=[A-Z]{2,}\b|(?:[A-Z]\.){2,})", "", text)
    text = _TIME_PHRASE.sub("", text)
    clauses = _top_level_split(text, (", ",))
    for i, clause in enumerate(clauses[1:], 1):
        if _ATTRIBUTION.search(clause.strip(" .!?")) and len(", ".join(clauses[:i])) >= 20:
            text = ", ".join(clauses[:i])
            break
    text = _drop_final_stop(text)
    if len(text) > limit:
        text = _drop_final_stop(re.sub(r"\s+\([^()]*\)", "", text))
    if len(text) > limit:
        text = _drop_final_stop(re.sub(r",\s+(?:which|who|whose|where)\b[^,]*(?:,|$)", "", text).rstrip(", "))
    if len(text) > limit:
        text = re.sub(r"\b(said|says|told \w+) that\b", r"\1", text)
    if len(text) > limit:
        text = _drop_appositives(text)
    if len(text) > limit:
        text = _cut(text, limit)
    return text[:1].upper() + text[1:]


def _drop_appositives(text: str) -> str:
    """'Sen. Joe Manchin, D-W.Va., said ...' -> 'Sen. Joe Manchin said ...': a short clause
    between commas, followed by one that goes on in lower case, is an aside."""
    clauses = _top_level_split(text, (", ",))
    i = 1
    while i < len(clauses) - 1:
        following = clauses[i + 1]
        if len(clauses[i].split()) <= 8 and following[:1].islower():
            joiner = (
                " " if re.match(r"(?:said|says|told|added|warned|is|was|has|had|will|would)\b", following) else ", "
            )
            clauses[i - 1 : i + 2] = [clauses[i - 1] + joiner + following]
        else:
            i += 1
    return ", ".join(clauses)


def _is_acronym_of(acronym: str, words: str) -> bool:
    initials = "".join(w[0] for w in words.split() if w[0].isupper())
    letters = acronym.rstrip("s") if acronym[-1] == "s" and acronym[:-1].isupper() else acronym
    return initials.upper().endswith(letters.upper()) and len(letters) >= 2


def _top_level_split(text: str, marks: tuple[str, ...]) -> list[str]:
    """text split at marks that stand outside brackets and quotation marks."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in '“”"':
            quoted = char == "“" or (char == '"' and not quoted)
        if depth == 0 and not quoted:
            mark = next((m for m in marks if text.startswith(m, i)), None)
            if mark is not None:
                parts.append(text[start:i])
                start = i = i + len(mark)
                continue
        i += 1
    parts.append(text[start:])
    return parts


def _cut(text: str, limit: int) -> str:
    """text ended at its last clause boundary within limit, else at a phrase boundary (before
    a preposition or conjunction), else at a word."""
    floor = min(30, limit // 2)
    best = ""
    for mark in _CLAUSE_MARKS:
        pieces = _top_level_split(text, (mark,))
        kept = pieces[0]
        for piece in pieces[1:]:
            if len(kept) + len(mark) + len(piece) > limit:
                break
            kept = kept + mark + piece
        if floor <= len(kept) <= limit and len(kept) > len(best):
            best = kept
    if len(best) >= limit * 0.6:
        return _tidy_end(best)
    for match in reversed(list(_PHRASE_START.finditer(text, 0, limit + 1))):
        candidate = _tidy_end(text[: match.start()])
        if len(candidate) >= limit * 0.6 and _balanced(candidate):  # a phrase, not a stub
            return candidate
    if best:
        return _tidy_end(best)
    words = text[: limit + 1].split(" ")[:-1] or [text[:limit]]
    while len(words) > 1 and not _balanced(" ".join(words)):
        words.pop()
    return _tidy_end(" ".join(words))


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count("“") == text.count("”") and text.count('"') % 2 == 0


def _drop_final_stop(text: str) -> str:
    """A headline has no full stop, but 'U.S.' keeps its own."""
    text = text.rstrip(" ,;:")
    if text.endswith(".") and not text.endswith("..") and not re.search(r"(?:\b[A-Za-z]\.){2,}$", text):
        text = text[:-1]
    return text


def _tidy_end(text: str) -> str:
    """No dangling function word, abbreviation or punctuation at the end."""
    words = text.rstrip(" ,;:–—-").split(" ")
    while len(words) > 1:
        last = words[-1].strip(CLOSERS + "“‘(").rstrip(".,;:")
        if last.lower() in DANGLING or last in ABBREVIATIONS or not any(c.isalnum() for c in last):
            words.pop()
            continue
        break
    return " ".join(words).rstrip(" ,;:–—-")


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
