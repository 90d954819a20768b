"""The floor of a cold build: Python-Markdown, with briefing's extensions, converting every
article body of a site on every core, and nothing else.

    python benchmarks/floor.py SITE          # prints the seconds of the timed part

The bodies are read first (front matter split off, untimed) and handed to forked workers
exactly as a cold build hands them; the figure is the wall time from forking the pool to the
last body converted. A cold build cannot be faster than this while it keeps Python-Markdown.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import frontmatter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefing.markup import make_markdown  # noqa: E402


def _convert(texts: list[str]) -> int:
    md = make_markdown()
    size = 0
    for text in texts:
        md.reset()
        size += len(md.convert(text))
    return size


def floor(site: Path) -> float:
    """Seconds to convert every body of the site's articles on every core."""
    bodies = [frontmatter.load(path).content for path in sorted((site / "content").rglob("*.md"))]
    workers = os.cpu_count() or 1
    chunks = [bodies[i::workers] for i in range(workers)]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_convert, chunks)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"{floor(Path(sys.argv[1])):.3f}")
