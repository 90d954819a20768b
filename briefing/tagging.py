"""Tags for wire copy, deterministically, at most eight, most salient first.

Sources, strongest first:
1. the site's `[tags]` vocabulary (a tag and the phrases that mean it);
2. the built-in gazetteer (`briefing.gazetteer`): countries and their demonyms ("Chinese"
   counts toward China), capitals and large cities, US states, international organisations
   and their acronyms;
3. people introduced by a title or role ("Secretary of State Antony Blinken", "Gov. Kathy
   Hochul"), from one mention, the title dropped; a surname alone later counts toward them;
4. companies with a legal suffix ("Equinor ASA", "Apple Inc."), named without the suffix;
5. multi-word names of institutions, parties, leagues and agencies ("Central Weather Bureau",
   "Labour Party"), from one mention, when not a sentence-initial accident;
6. capitalised names the text repeats, not only at sentence starts.

A mention in the headline or the lede weighs double. No tag is ever a fragment: none starts or
ends with a function word, and none is a lone title, weekday or month (`is_fragment`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from .text import ABBREVIATIONS, FUNCTION_WORDS

MAX_TAGS = 8
_WORD = r"[A-Z][\w’'-]*"
_NAME = re.compile(
    r"(?<![\w’'-])((?:[A-Z][\w’'-]*|[A-Z]{2,})(?:[ \t]+(?:(?:of|de|da|del|der|von|van|la|le|al|bin)[ \t]+)*"
    r"(?:[A-Z][\w’'-]*))*)"
)
ROLES = frozenset(
    """
    President Minister Secretary Chancellor Governor Mayor Senator General Chief Director Chairman
    Chairwoman Chair Leader Commissioner Ambassador King Queen Prince Princess Pope Premier Spokesman
    Spokeswoman Spokesperson CEO Judge Justice Officer Envoy Representative Speaker Deputy Coach
    Manager Captain Archbishop Bishop Cardinal Sheikh Emir Sultan Admiral Colonel Sergeant Rabbi
    Imam Professor Prosecutor Attorney Executive Founder Economist Analyst Minister-President
    """.split()
)
# A title that introduces a person: "Gov. X", "Prime Minister X", "Secretary of State X".
_TITLE = re.compile(
    r"(?:(?:Prime|Foreign|Finance|Defence|Defense|Interior|Health|Deputy|Vice|Chief|Foreign Affairs)\s+)*"
    r"(?:Secretary of State|Secretary-General|Secretary General|Foreign Secretary|Home Secretary"
    r"|Prime Minister|President|Chancellor|Minister|Secretary|Governor|Mayor|Senator|Senators|Speaker"
    r"|Gov\.|Sen\.|Rep\.|Gen\.|Lt\.|Col\.|Adm\.|Dr\.|Prof\.|Mr\.|Mrs\.|Ms\.|Mr|Mrs|Ms|Dr"
    r"|King|Queen|Prince|Princess|Pope|Judge|Justice|Ambassador|Commissioner|Archbishop|Cardinal"
    r"|Chief Executive|CEO|chief executive|coach|manager|captain|spokesman|spokeswoman|spokesperson"
    r"|Premier|Manager|Coach|Captain|Executive Director|Director|Chief Justice|President-elect"
    r"|Chairman|Chairwoman|chairman|chairwoman|leader|Leader)"
)
_PERSON = re.compile(
    rf"(?<![\w.])(?P<title>{_TITLE.pattern})\s+(?P<name>{_WORD}(?:\s+(?:(?:de|van|von|da|der|bin|al)\s+)?{_WORD}){{1,2}})"
)
_SURNAME_AFTER_HONORIFIC = re.compile(r"(?<![\w.])(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+(?P<name>[A-Z][\w’'-]+)")
_LEGAL = r"(?:Inc|Corp|Co|Ltd|LLC|plc|PLC|AG|SA|S\.A|ASA|SE|NV|N\.V|GmbH|AB|Oyj|SpA|S\.p\.A|Holdings|Group)"
_COMPANY = re.compile(rf"(?<![\w’'-])(?P<name>(?:{_WORD}|&)(?:\s+(?:{_WORD}|&)){{0,3}})\s+{_LEGAL}\b\.?")
_HEADS = (
    "Bureau League Party Agency Ministry Council Bank Court Parliament Commission Organization Organisation "
    "Union Fund Service Department Office Committee Association Federation Institute University Authority "
    "Army Navy Forces Guard Corporation Foundation Conference Assembly Congress Senate Cup Championship "
    "Championships Games Festival Summit Exchange Reserve Board Airlines Airways Motors Industries Police "
    "Administration Alliance Coalition Movement Front Network Society Tribunal Observatory Centre Center "
    "Hospital Museum School College Club Brigade Corps Cabinet Directorate Institution Secretariat City United FC "
    "Stadium Cathedral"
).split()
_WEEKDAYS_MONTHS = frozenset(
    """
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December
    """.split()
)
_GOVERNMENT = frozenset("Ministry Department Army Navy Forces Police Government Cabinet Office Embassy".split())
_INSTITUTION = re.compile(
    rf"(?<![\w’'-])(?P<name>(?:{_WORD}\s+(?:(?:of|for|and|on)\s+(?:the\s+)?)?){{1,4}}(?:{'|'.join(_HEADS)})"
    rf"(?:\s+(?:of|for)\s+(?:the\s+)?(?!{'|'.join(sorted(_WEEKDAYS_MONTHS))}){_WORD}(?:\s+{_WORD}){{0,2}})?)\b"
)
_NOT_NAMES = frozenset(
    """
    A An And As At But By During For From He Her His However I If In It Its Meanwhile Mr Mrs Ms Dr No
    Not On Or Our She So That The Their There These They This Those To We What When Where Which While
    Who Why With You Additionally Also After Before Since Under Over Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September October November
    December Image Photo Officials Police Some Many Several Most Both Each Every Other Another Such
    Sept Jan Feb Mar Apr Jun Jul Aug Oct Nov Dec Earlier Later Last Next Now Then Today Yesterday
    Despite Although Though Because Until Unless Whether Once Among Amid Against Between Into Through
    """.split()
)
_ADJECTIVE_ENDINGS = ("ern", "ian", "ese", "ish", "ean", "ic")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\"”“]\s+|\n)$")


def is_fragment(tag: str) -> bool:
    """Whether a tag is no name at all: starts or ends with a function word, is a lone title,
    role, weekday or month, or has no letter."""
    words = tag.split()
    if not words or not any(c.isalpha() for c in tag):
        return True
    first, last = words[0].strip(".").casefold(), words[-1].strip(".").casefold()
    if first in FUNCTION_WORDS or last in FUNCTION_WORDS:
        return True
    if len(words) == 1:
        bare = words[0].strip(".")
        return bare in ABBREVIATIONS or bare in ROLES or bare in _WEEKDAYS_MONTHS or bare in _NOT_NAMES
    if words[0].strip(".") in ROLES and words[-1] not in _HEADS:
        return True  # "Minister Smith", not "Premier League"
    return all(w in _WEEKDAYS_MONTHS for w in words)


class _Tally:
    """Scores and first positions of candidate tags, and the spans already accounted for."""

    def __init__(self, lead: int) -> None:
        self.lead = lead
        self.score: Counter[str] = Counter()
        self.first: dict[str, int] = {}
        self.strength: dict[str, int] = {}
        self.covered: list[tuple[int, int, int]] = []

    def seen(self, start: int, end: int, strongest: int = 9) -> bool:
        """Whether the span overlaps one accounted for by a source at least this strong."""
        return any(a < end and start < b and s <= strongest for a, b, s in self.covered)

    def add(self, tag: str, start: int, end: int, strength: int, weight: int = 1, cover: bool = True) -> None:
        self.score[tag] += weight * (2 if start < self.lead else 1)
        self.first[tag] = min(self.first.get(tag, start), start)
        self.strength[tag] = min(self.strength.get(tag, strength), strength)
        if cover:
            self.covered.append((start, end, strength))


def find_tags(
    headline: str | None,
    paragraphs: Iterable[str],
    vocabulary: Mapping[str, Iterable[str]],
    gazetteer: bool = True,
    ignore: Iterable[str] = (),
    names: bool = True,
) -> tuple[str, ...]:
    """At most eight tags for a wire item, most salient first (see the module's docstring).
    With `names` False (copy in a language other than English, whose capitalised words these
    rules would misread) only the vocabulary is looked for."""
    body = "\n".join(paragraphs)
    text = f"{headline}\n{body}" if headline else body
    lede_end = text.find("\n", len(headline) + 1 if headline else 0)
    tally = _Tally(len(text) if lede_end < 0 else lede_end)
    known: set[str] = set()
    for tag, phrases in vocabulary.items():
        for phrase in sorted({tag, *phrases}, key=lambda p: (-len(p), p)):
            known.add(phrase.casefold())
            flags = re.IGNORECASE if phrase.islower() else 0  # "lithium" matches "Lithium"; "US" not "us"
            for m in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text, flags):
                if not tally.seen(m.start(), m.end()):
                    tally.add(tag, m.start(), m.end(), 1)
    if gazetteer and names:
        _gazetteer_mentions(text, tally, known)
    if names:
        _people(text, tally, known)
        _companies(text, tally, known)
        _institutions(text, tally, known)
    spans = [(a, b) for a, b, _ in tally.covered]
    for name, (count, at) in (_repeated_names(text, spans, known) if names else {}).items():
        tally.score[name] += count
        tally.first[name] = min(tally.first.get(name, at), at)
        tally.strength.setdefault(name, 6)
    dropped = {i.casefold() for i in ignore}
    ranked = sorted(
        (t for t in tally.score if t.casefold() not in dropped and not is_fragment(t)),
        key=lambda t: (-tally.score[t], tally.strength[t], tally.first[t], t),
    )
    return tuple(_distinct(ranked)[:MAX_TAGS])


def _distinct(tags: list[str]) -> list[str]:
    """Tags that differ in more than case (the build refuses 'NATO' beside 'Nato')."""
    seen: set[str] = set()
    out = []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out


_TOKEN = re.compile(r"[A-Za-z0-9][\w’'.&+-]*")


def _gazetteer_mentions(text: str, tally: _Tally, known: set[str]) -> None:
    """Phrases of the gazetteer, longest first at each word, matched as written."""
    from .gazetteer import cities, phrases

    table = phrases()
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text)]
    i = 0
    while i < len(tokens):
        hit = None
        for n in (5, 4, 3, 2, 1):
            if i + n > len(tokens):
                continue
            start = tokens[i][0]
            last_start, last = tokens[i + n - 1]
            for ending in _endings(last):
                end = last_start + len(ending)
                phrase = text[start:end]
                if phrase in table and (n == 1 or " ".join(phrase.split()) == phrase):
                    hit = (phrase, start, end, n)
                    break
            if hit:
                break
        if hit is None:
            i += 1
            continue
        phrase, start, end, n = hit
        inside_a_name = phrase in cities() and (_capitalised_after(text, end) or _capitalised_before(text, start))
        if phrase.casefold() not in known and not tally.seen(start, end) and not inside_a_name:
            tally.add(table[phrase], start, end, 2)
        i += n


def _capitalised_after(text: str, end: int) -> bool:
    return bool(re.match(r" [A-Z][a-z]", text[end : end + 3]))


def _capitalised_before(text: str, start: int) -> bool:
    before = text[max(0, start - 30) : start]
    match = re.search(r"([A-Z][a-z]+) $", before)
    return match is not None and match.group(1) not in _NOT_NAMES


def _endings(token: str) -> list[str]:
    """A token as it may end a phrase: 'U.S.' as itself, 'Ukraine’s' as 'Ukraine', 'Japan.' as
    'Japan'."""
    out = [token]
    bare = re.sub(r"(?:[’']s|[’'])$", "", token)
    if bare != token:
        out.append(bare)
    if bare.endswith(".") and not re.fullmatch(r"(?:[A-Za-z]\.){2,}", bare):
        out.append(bare.rstrip("."))
    return out


def _people(text: str, tally: _Tally, known: set[str]) -> None:
    """People introduced by a title or role count from one mention; their surname alone, and
    'Mr. Surname', later count toward them."""
    people: dict[str, str] = {}  # surname -> full name
    for m in _PERSON.finditer(text):
        words = [re.sub(r"(?:[’']s|[’'])$", "", w) for w in m.group("name").split()]
        while words and (words[-1] in _NOT_NAMES or words[-1] in ROLES):
            words.pop()
        if len(words) < 2 or any(w in _NOT_NAMES or w in ROLES for w in words):
            continue
        name = " ".join(words)
        start = m.start("name")
        if name.casefold() in known or tally.seen(start, start + len(name)):
            continue
        tally.add(name, start, start + len(name), 3, weight=2)
        people.setdefault(words[-1], name)
    for surname, name in people.items():
        for m in re.finditer(rf"(?<![\w’'-]){re.escape(surname)}(?![\w-])", text):
            if not tally.seen(m.start(), m.end()):
                tally.add(name, m.start(), m.end(), 3)


def _companies(text: str, tally: _Tally, known: set[str]) -> None:
    for m in _COMPANY.finditer(text):
        words = m.group("name").split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        name = " ".join(words)
        if not words or name.casefold() in known:
            continue
        start = m.start("name") + m.group("name").find(words[0])
        if not tally.seen(start, start + len(name)):
            tally.add(name, start, m.end(), 4, weight=2)


def _institutions(text: str, tally: _Tally, known: set[str]) -> None:
    """Names of two words or more ending in an institution's head noun ('Central Weather
    Bureau', 'University of Oxford'); a word that only opens a sentence ('The', 'Officials') is
    not part of one. A demonym or a place inside one ('Norwegian Road Federation') still counts
    for itself."""
    from .gazetteer import phrases

    table = phrases()
    for m in _INSTITUTION.finditer(text):
        words = m.group("name").split()
        while words and (words[0] in _NOT_NAMES or words[0].casefold() in FUNCTION_WORDS or words[0] in ROLES):
            words.pop(0)
        if len(words) < 2 or re.search(r"[’']s$", words[0]):
            continue  # "Japan's Defence Ministry": the country is the tag
        if words[-1] in _GOVERNMENT and words[0] in table:
            continue  # "Japanese Defence Ministry", "Russian Army": the country is the tag
        name = " ".join(words)
        start = m.end() - len(name)
        if name.casefold() in known or name in table or tally.seen(start, m.end(), strongest=1):
            continue
        tally.add(name, start, m.end(), 5, weight=2, cover=False)


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
        at_start = m.start() == 0 or bool(_SENTENCE_START.search(text[max(0, m.start() - 3) : m.start()]))
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
            at_start = False
        roles = [i for i, w in enumerate(words) if w in ROLES]
        if roles:
            words = words[roles[-1] + 1 :]
            at_start = False
        while words and words[-1].casefold() in FUNCTION_WORDS:
            words.pop()
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
