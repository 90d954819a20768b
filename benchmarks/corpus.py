"""A deterministic synthetic news corpus: N front-matter Markdown articles of about 700 words.

    python benchmarks/corpus.py 10000 /tmp/corpus10k

Dates spread over about two years, several articles a day; 3 to 5 tags each from 300, drawn
with a skewed (Zipf-like) distribution; bodies with subheadings, lists, quotes, links, emphasis
and non-ASCII names. The same N gives the same bytes.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

SEED = 20221029
START = datetime(2021, 1, 1, 6, 0)
DAYS = 730
PEOPLE = [
    "Jacinda Ardern",
    "Olaf Scholz",
    "Emmanuel Macron",
    "Lula da Silva",
    "Recep Tayyip Erdoğan",
    "Zelenskyy",
    "Ursula von der Leyen",
    "Jens Stoltenberg",
    "Pedro Sánchez",
    "Mette Frederiksen",
    "Andrzej Duda",
    "Kishida Fumio",
    "Narendra Modi",
    "Cyril Ramaphosa",
    "Gabriel Boric",
    "Sanna Marin",
    "Nicolás Maduro",
    "Søren Kierkegaard",
    "Łukasz Kowalski",
    "Zoë Müller",
    "Björk Guðmundsdóttir",
    "Chloé Dubois",
]
PLACES = [
    "São Paulo",
    "Kraków",
    "Zürich",
    "Malmö",
    "Reykjavík",
    "Bogotá",
    "Düsseldorf",
    "Łódź",
    "Montréal",
    "Kyiv",
    "Odesa",
    "Taipei",
    "Nairobi",
    "Lagos",
    "Jakarta",
    "Seoul",
    "Brussels",
    "Madrid",
    "Lisbon",
    "Hanoi",
]
WORDS = (
    "government minister said officials would announce new measures after talks in the capital on Monday "
    "while critics warned that the plan could raise prices for households and businesses across the region "
    "analysts expect the central bank to respond as inflation remains high and growth slows in the second "
    "quarter despite strong exports of energy food and manufactured goods to neighbouring markets the "
    "opposition called for an inquiry into the deal which was signed late on Friday after months of "
    "negotiations between the two sides and their allies in parliament"
).split()
TOPICS = [f"Topic {i:03d}" for i in range(260)] + [p for p in PEOPLE] + [p for p in PLACES[:18]]


def sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.35:
        picked[rng.randrange(len(picked))] = rng.choice(PEOPLE)
    if rng.random() < 0.25:
        picked[rng.randrange(len(picked))] = f"in {rng.choice(PLACES)}"
    if rng.random() < 0.15:
        i = rng.randrange(len(picked))
        picked[i] = f"*{picked[i]}*"
    if rng.random() < 0.1:
        i = rng.randrange(len(picked))
        picked[i] = f"[{picked[i]}](https://example.com/{rng.randrange(10**6)})"
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(rng.randint(2, 4)))


def body(rng: random.Random) -> str:
    parts: list[str] = []
    words = 0
    while words < 700:
        roll = rng.random()
        if roll < 0.1 and parts:
            block = f"## {sentence(rng, rng.randint(3, 6)).rstrip('.')}"
        elif roll < 0.17:
            block = "\n".join(f"- {sentence(rng, rng.randint(5, 10))}" for _ in range(rng.randint(3, 5)))
        elif roll < 0.24:
            block = f"> “{sentence(rng, rng.randint(10, 18))}” — {rng.choice(PEOPLE)}"
        else:
            block = paragraph(rng)
        parts.append(block)
        words += len(block.split())
    return "\n\n".join(parts)


def zipf_tags(rng: random.Random, count: int) -> list[str]:
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(TOPICS))]
    chosen: list[str] = []
    while len(chosen) < count:
        tag = rng.choices(TOPICS, weights)[0]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def article(rng: random.Random, index: int, n: int) -> tuple[str, str]:
    """(relative path, file text) of article `index` of `n`."""
    when = START + timedelta(minutes=int(index * DAYS * 24 * 60 / n) + rng.randint(0, 50))
    title = sentence(rng, rng.randint(6, 11)).rstrip(".")
    slug = f"story-{index:05d}"
    tags = zipf_tags(rng, rng.randint(3, 5))
    summary = sentence(rng, rng.randint(18, 30))
    front = (
        f'---\ntitle: "{title}"\ndate: {when:%Y-%m-%dT%H:%M}:00+00:00\nslug: {slug}\n'
        f'tags: [{", ".join(tags)}]\nsummary: "{summary}"\nauthor: {rng.choice(PEOPLE)}\n---\n'
    )
    return f"content/{when:%Y/%m/%d}/{slug}.md", front + body(rng) + "\n"


SITE_TOML = """title = "Benchmark Daily"
description = "A synthetic corpus."
base_url = "https://bench.example.org/"
timezone = "UTC"
"""


def generate(n: int, root: Path) -> None:
    """Write site.toml and n articles under root."""
    rng = random.Random(SEED)
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for index in range(n):
        rel, text = article(rng, index, n)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
