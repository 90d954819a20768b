"""First search results in Chromium: the site's month shards against one index of the whole site.

    .venv/bin/python benchmarks/search_latency.py /tmp/briefing-bench/briefing-10000-search/public

Builds one Pagefind index of every article page of a built site into <site>/whole/, serves the
site on 127.0.0.1, and for each query opens a fresh browser context twice: the site's own
search page (`/search/?q=`, month shards merged in the browser) and a page with Pagefind's
default UI over the whole-site index. Each time counts from navigation to the first result
title on screen; prints median, min and max of both and their ratio.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.search import EXCLUDE  # noqa: E402

QUERIES = ["Scholz", "inflation minister", "Kierkegaard", "Zoë Müller", "Kraków budget", "ports Odesa", "central bank"]
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--disable-sync"]
WHOLE_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="/whole/pagefind-ui.css"><script src="/whole/pagefind-ui.js"></script></head>
<body><div id="search"></div><script>
const ui = new PagefindUI({element: "#search", bundlePath: "/whole/", baseUrl: "/", showSubResults: false});
ui.triggerSearch(new URLSearchParams(location.search).get("q"));
</script></body></html>
"""
SHOWN = """sel => [...document.querySelectorAll(sel)].some(
  e => e.textContent.trim() && !e.closest('.pagefind-ui__loading') && !e.textContent.includes('. . .'))"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("public", type=Path, help="a site built by briefing with search on")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    whole = args.public / "whole"
    shutil.rmtree(whole, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(args.public), "--output-path", str(whole)]
    subprocess.run([*command, "--glob", "*/*/*/*/index.html", "--exclude-selectors", EXCLUDE, "--silent"], check=True)
    (whole / "test.html").write_text(WHOLE_PAGE, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(args.public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"month shards (the search page)": [], "one index (Pagefind's UI)": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(args.rounds):
            for query in QUERIES:
                pages = [(f"/search/?q={query}", ".search__title")]
                pages.append((f"/whole/test.html?q={query}", ".pagefind-ui__result-title"))
                for spent, (url, selector) in zip(times.values(), pages, strict=True):
                    context = browser.new_context()
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(base + url)
                    page.wait_for_function(SHOWN, arg=selector, timeout=60_000)
                    spent.append(time.perf_counter() - started)
                    context.close()
        browser.close()
    server.shutdown()
    shutil.rmtree(whole)
    for name, spent in times.items():
        print(f"{name}: median {statistics.median(spent):.3f} s (min {min(spent):.3f}, max {max(spent):.3f})")
    shards, one = (statistics.median(t) for t in times.values())
    print(f"ratio (month shards / one index): {shards / one:.2f} over {len(QUERIES) * args.rounds} queries each")


if __name__ == "__main__":
    main()
