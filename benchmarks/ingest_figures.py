"""Figures of ingest on the test corpus of wire copy (tests/wire/): what a desk would check.

    .venv/bin/python benchmarks/ingest_figures.py

Each item of tests/wire/corpus.txt is parsed as `briefing ingest` parses it and compared with
tests/wire/expected.yaml. The golden test (tests/test_wire_corpus.py) holds the same figures
to their floors.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.ingest import WireItem, parse_wire  # noqa: E402
from briefing.tagging import is_fragment  # noqa: E402
from briefing.text import ABBREVIATIONS, DANGLING, TITLE_LIMIT  # noqa: E402

CORPUS = ROOT / "tests" / "wire"


def corpus() -> list[tuple[str, bytes, dict[str, object]]]:
    """(name, raw bytes, expectations) of every item, in file order."""
    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
    text = (CORPUS / "corpus.txt").read_text(encoding="utf-8")
    items = []
    for chunk in re.split(r"^=== ", text, flags=re.MULTILINE)[1:]:
        name, _, raw = chunk.partition("\n")
        items.append((name.strip(), raw.encode("utf-8"), expected[name.strip()]))
    return items


@dataclass
class Figures:
    """Counts over the corpus."""

    items: int = 0
    long_titles: int = 0  # over TITLE_LIMIT characters
    ellipsis_titles: int = 0
    dangling_titles: int = 0  # ending on a function word or an abbreviation
    leaky_titles: int = 0  # holding the dateline's place in capitals, the agency or the byline
    expected_tags: int = 0
    found_tags: int = 0
    fragment_tags: int = 0
    untagged: int = 0
    echoing_summaries: int = 0  # starting with their headline's first four words

    @property
    def recall(self) -> float:
        return self.found_tags / self.expected_tags if self.expected_tags else 1.0

    def lines(self) -> list[str]:
        return [
            f"items: {self.items}",
            f"titles over {TITLE_LIMIT} characters: {self.long_titles}",
            f"titles with an ellipsis: {self.ellipsis_titles}",
            f"titles ending on a function word or an abbreviation: {self.dangling_titles}",
            f"titles holding a dateline, agency or byline: {self.leaky_titles}",
            f"tag recall: {self.found_tags}/{self.expected_tags} ({self.recall:.1%})",
            f"fragment tags: {self.fragment_tags}",
            f"untagged items: {self.untagged}",
            f"summaries that start with their headline: {self.echoing_summaries}",
        ]


def measure(items: list[tuple[str, WireItem, dict[str, object]]]) -> Figures:
    """The figures of parsed items against their expectations."""
    figures = Figures()
    for _, item, expected in items:
        figures.items += 1
        title = item.title
        last = title.split()[-1].rstrip(".") if title.split() else ""
        figures.long_titles += len(title) > TITLE_LIMIT
        figures.ellipsis_titles += "…" in title or title.endswith("...")
        figures.dangling_titles += last.lower() in DANGLING or last in ABBREVIATIONS
        leaks = [item.agency or "", *(item.authors or ())]
        figures.leaky_titles += any(x and x in title for x in leaks) or bool(re.match(r"[A-Z]{3,}\b,", title))
        wanted = [str(t) for t in expected.get("tags", [])]  # type: ignore[union-attr]
        figures.expected_tags += len(wanted)
        figures.found_tags += sum(t in item.tags for t in wanted)
        figures.fragment_tags += sum(is_fragment(t) for t in item.tags)
        figures.untagged += not item.tags
        head = title.casefold().split()[:4]
        figures.echoing_summaries += bool(item.summary) and item.summary.casefold().split()[:4] == head
    return figures


def parsed() -> list[tuple[str, WireItem, dict[str, object]]]:
    """Every corpus item parsed with the built-in gazetteer and no site vocabulary."""
    return [(name, parse_wire(raw, name, {}, []), expected) for name, raw, expected in corpus()]


def main() -> None:
    print("\n".join(measure(parsed()).lines()))


if __name__ == "__main__":
    main()
