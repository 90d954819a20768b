"""Search stage: Pagefind indexes the written article pages into <out>/pagefind/.

Pagefind (PyPI `pagefind[bin]`) reads the built HTML and ships its own search UI; the article
template marks what it indexes (`data-pagefind-body`), the tags it filters by and the date it
sorts by. The index is rebuilt only when an HTML file changed, into a fresh folder that is
then swapped in, so a served site always has a whole index.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BUNDLE = "pagefind"


@dataclass(frozen=True, slots=True)
class SearchReport:
    """What indexing did: whether search is on, why not, and the cost when it ran."""

    available: bool
    indexed: bool = False
    seconds: float = 0.0
    reason: str = ""


def remove_leftovers(out_dir: Path) -> None:
    """Delete the half-made bundle a killed build may have left."""
    for name in (f".{BUNDLE}.new", f".{BUNDLE}.old"):
        shutil.rmtree(out_dir / name, ignore_errors=True)


def remove_bundle(out_dir: Path) -> None:
    """Delete the index of a site whose search was turned off."""
    shutil.rmtree(out_dir / BUNDLE, ignore_errors=True)


def available() -> bool:
    """Whether the Pagefind package (with its binary) is installed."""
    return importlib.util.find_spec("pagefind") is not None and importlib.util.find_spec("pagefind_bin") is not None


def index_site(out_dir: Path, html_changed: bool) -> SearchReport:
    """Index out_dir with Pagefind when HTML changed (or no index exists yet)."""
    if not available():
        return SearchReport(False, reason="search is off: Pagefind is not installed (pip install 'pagefind[bin]')")
    bundle = out_dir / BUNDLE
    if not html_changed and (bundle / "pagefind.js").is_file():
        return SearchReport(True)
    started = time.perf_counter()
    fresh = out_dir / f".{BUNDLE}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(out_dir), "--output-path", str(fresh), "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not (fresh / "pagefind.js").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        said = (result.stderr or result.stdout).strip().splitlines()
        return SearchReport(True, reason=f"search index not rebuilt: Pagefind failed: {said[-1] if said else '?'}")
    old = out_dir / f".{BUNDLE}.old"
    shutil.rmtree(old, ignore_errors=True)
    if bundle.exists():
        bundle.rename(old)
    fresh.rename(bundle)
    shutil.rmtree(old, ignore_errors=True)
    return SearchReport(True, indexed=True, seconds=time.perf_counter() - started)
