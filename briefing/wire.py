"""The conventions of wire copy: bylines, datelines and agencies, each a pure function over
text, tested as tables in `tests/test_text.py`.

A byline is a line of its own near the top ("By Jane Smith", "By Jane Smith and John Doe",
"By Jane Smith, Reuters"). A dateline opens the first paragraph in the agencies' usual forms:
"KYIV, May 6 (Reuters) -", "LONDON (AP) —", "WASHINGTON, May 2 -", "ST. PETERSBURG, Russia
(AP) —". The place is written in capitals on the wire and kept in normal case ("Kyiv").
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

# Agencies as bylines and datelines name them, and the short name a desk uses.
AGENCIES = {
    "associated press": "AP",
    "the associated press": "AP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "bloomberg": "Bloomberg",
    "press association": "PA",
    "pa media": "PA",
    "deutsche presse-agentur": "dpa",
    "united press international": "UPI",
    "kyodo": "Kyodo",
    "kyodo news": "Kyodo",
    "xinhua": "Xinhua",
    "yonhap": "Yonhap",
    "anadolu": "Anadolu",
    "interfax": "Interfax",
    "tass": "TASS",
    "efe": "EFE",
    "ansa": "ANSA",
}
_SHORT_AGENCIES = frozenset(
    "AP AFP PA UPI dpa DPA ANSA EFE TT NTB ANP APA AAP CP PTI ANI IANS CNA TASS RIA KNA BTA MTI PAP CTK STT".split()
)
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:(?:de|van|von|da|del|der|al|bin|le|la)\s+)?[A-Z][\w.'’-]*){0,3}"
_BYLINE = re.compile(
    rf"^By\s+(?P<names>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*?)"
    rf"(?:\s*[,;/|]\s*(?P<agency>[A-Z][\w.&' -]{{1,40}}))?\s*$",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|July|Aug(?:ust|\.)?"
    r"|Sept(?:ember|\.)?|Sep\.|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_PLACE_CAPS = r"[A-Z][A-Z.'’-]+(?:[ -][A-Z][A-Z.'’-]*)*"  # KYIV, NEW YORK, ST. PETERSBURG
_PLACE_TITLE = r"[A-Z][a-z.'’-]+(?: [A-Z][a-z.'’-]+)*"  # Kyiv (only with a date or an agency)
_REGION = r"[A-Z][A-Za-z.'’-]+(?: [A-Z][A-Za-z.'’-]+)?"
_DATELINE = re.compile(
    rf"^(?:(?P<caps>{_PLACE_CAPS})|(?P<title>{_PLACE_TITLE}))"
    rf"(?:,\s*(?P<region>{_REGION}))??"
    rf"(?:,\s*(?P<date>{_MONTH}\s+\d{{1,2}}))?"
    rf"\s*(?:\((?P<agency>[A-Za-z][\w.&' -]{{1,30}})\))?"
    r"\s*(?:[-–—]{1,2}|:)\s+(?=\S)"
)
_LOWER_PARTICLES = frozenset("es de del la le al el of on upon sur am an der den da di du van von y".split())


class Dateline(NamedTuple):
    """Where a story was filed from, in normal case, and the agency that filed it."""

    place: str | None
    agency: str | None


def agency_name(text: str) -> str | None:
    """An agency as a desk writes it ('Associated Press' -> 'AP'), or None if it is not one."""
    text = " ".join(text.split()).strip(" .")
    if text in _SHORT_AGENCIES:
        return "dpa" if text == "DPA" else text
    return AGENCIES.get(text.casefold())


def take_byline(body: str) -> tuple[str, tuple[str, ...], str | None]:
    """The body without its byline line, the authors it names and the agency it adds. Only the
    first three lines are looked at: a byline stands at the top."""
    lines = body.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > 3:
            break
        match = _BYLINE.match(line.strip())
        if match is None or len(line.strip()) > 100:
            continue
        names = [n.strip() for n in re.split(r"\s*(?:,|\band\b|&)\s*", match.group("names")) if n.strip()]
        agency = match.group("agency")
        known = agency_name(agency) if agency else None
        if agency and known is None:  # "By Jane Smith, John Doe and Ann Lee": more names, not an agency
            names += [n.strip() for n in re.split(r"\s*(?:,|\band\b|&)\s*", agency) if n.strip()]
        if names and names[-1] and agency_name(names[-1]):  # "By Reuters staff" style
            known = known or agency_name(names.pop())
        names = [normal_case(n) if n.isupper() else n for n in names if not n.casefold().endswith(" staff")]
        if not names and known is None:
            continue
        return "\n".join(lines[:i] + lines[i + 1 :]), tuple(names), known
    return body, (), None


def take_dateline(paragraph: str) -> tuple[Dateline, str]:
    """The dateline at the start of a paragraph, and the paragraph without it. A place in
    title case counts only with a date or an agency ('Kyiv, May 6 (Reuters) -'); one in
    capitals also with a dash alone ('WASHINGTON -')."""
    match = _DATELINE.match(paragraph)
    if match is None:
        return Dateline(None, None), paragraph
    agency_text = match.group("agency")
    agency = agency_name(agency_text) if agency_text else None
    if agency_text and agency is None and not re.fullmatch(r"[A-Z][\w.&-]{1,20}(?: [A-Z][\w]+){0,2}", agency_text):
        return Dateline(None, None), paragraph
    if agency_text and agency is None:
        agency = agency_text.strip()
    place = match.group("caps") or match.group("title")
    if match.group("caps") is None and not (agency_text or match.group("date")):
        return Dateline(None, None), paragraph
    if match.group("caps") and not (agency_text or match.group("date")) and len(place) < 3:
        return Dateline(None, None), paragraph
    where = normal_case(place) if place.isupper() else place
    if match.group("region"):
        region = match.group("region")
        where = f"{where}, {normal_case(region) if region.isupper() else region}"
    return Dateline(where, agency), paragraph[match.end() :]


def normal_case(text: str) -> str:
    """A name written in capitals, as it is spelled: 'NEW YORK' -> 'New York', 'DAR ES SALAAM'
    -> 'Dar es Salaam' (the gazetteer's spelling where it has the place)."""
    known = _gazetteer_spellings().get(text.casefold())
    if known:
        return known
    words = re.split(r"([ -])", text.lower())
    out = []
    for i, word in enumerate(words):
        if i and word in _LOWER_PARTICLES:
            out.append(word)
        elif word.startswith("mc") and len(word) > 2:
            out.append("Mc" + word[2:].capitalize())
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return "".join(out)


@functools.cache
def _gazetteer_spellings() -> dict[str, str]:
    """Place names as the gazetteer spells them, by their case-folded form."""
    from .gazetteer import place_names

    return {name.casefold(): name for name in place_names()}
