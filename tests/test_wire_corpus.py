"""The wire corpus (tests/wire/): every item's title, slug, date, dateline, agency and author
as a desk expects them, and the corpus figures held to their floors."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime

import pytest
from conftest import ROOT

from briefing.text import slugify

_spec = importlib.util.spec_from_file_location("ingest_figures", ROOT / "benchmarks" / "ingest_figures.py")
assert _spec is not None and _spec.loader is not None
figures = importlib.util.module_from_spec(_spec)
sys.modules["ingest_figures"] = figures
_spec.loader.exec_module(figures)

PARSED = figures.parsed()


@pytest.mark.parametrize(("name", "item", "expected"), PARSED, ids=[p[0] for p in PARSED])
def test_each_item_reads_as_a_desk_expects(name, item, expected) -> None:
    assert item.title == expected["title"]
    assert slugify(item.title) == expected["slug"]
    when = item.when.isoformat(sep=" ") if isinstance(item.when, datetime) else item.when.isoformat()
    assert isinstance(item.when, date) and when == expected["date"]
    assert item.dateline == expected.get("dateline")
    assert item.agency == expected.get("agency")
    assert list(item.authors) == expected.get("author", [])
    for leak in (item.agency, *item.authors):
        assert not leak or leak not in item.title + item.summary
    assert not item.summary or item.summary.split()[:4] != item.title.split()[:4]


def test_the_corpus_figures_hold() -> None:
    measured = figures.measure(PARSED)
    assert measured.items >= 40
    assert (measured.long_titles, measured.ellipsis_titles, measured.dangling_titles, measured.leaky_titles) == (
        0,
        0,
        0,
        0,
    )
    assert measured.fragment_tags == 0 and measured.untagged == 0 and measured.echoing_summaries == 0
    assert measured.recall >= 0.9
