"""Regenerate the README screenshots from the sample site with Debian's Chromium:

.venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from briefing.cli import main  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = [
    ("home.jpg", "/", 1280, 860),
    ("home-phone.jpg", "/", 390, 844),
    ("article.jpg", "/2022/04/29/nato-should-seek-to-boost-security-in-the-indo-pacific/", 390, 844),
    ("photo-article.jpg", "/2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company/", 1280, 1000),
    ("photo-article-phone.jpg", "/2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company/", 390, 844),
    ("photo-day.jpg", "/2022/04/30/", 1280, 900),
    ("newsletter.jpg", "/2022/05/01/newsletter.html", 600, 1100),
    ("newsletter-phone.jpg", "/2022/05/01/newsletter.html", 360, 800),
]
# every page type at phone width, for reviewing the theme (docs/screens/)
PAGE_TYPES = {
    "home": "/",
    "day": "/2022/04/29/",
    "photo-day": "/2022/04/30/",
    "photo-article": "/2022/04/30/twitters-board-accepted-elon-musks-offer-to-buy-the-company/",
    "article": "/2022/04/29/nato-should-seek-to-boost-security-in-the-indo-pacific/",
    "corrected-article": "/2022/04/28/us-economy-shrank-at-an-annual-rate-of-1-4-percent-in-the/",
    "section": "/sections/world/",
    "tag": "/tags/ukraine/",
    "tags": "/tags/",
    "month": "/2022/04/",
    "year": "/2022/",
    "archive": "/archive/",
    "subscribe": "/subscribe/",
    "page": "/about/",
    "search": "/search/",
    "404": "/404.html",
}
SHOTS += [(f"screens/{name}-390.jpg", path, 390, 844) for name, path in PAGE_TYPES.items()]


def shoot() -> None:
    """Build the sample site, serve it on 127.0.0.1 and screenshot each page in SHOTS."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "public"
        assert main(["--site", str(HERE.parent), "build", "--now", "2022-05-02", "--out", str(out)]) == 0
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, width, height in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(base + path, wait_until="networkidle")
                (HERE / name).parent.mkdir(exist_ok=True)
                page.screenshot(path=str(HERE / name), type="jpeg", quality=70)
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    shoot()
