"""Preview server, watch mode and live reload, with a real server process, real files and Chromium."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, FIXTURES, ROOT

from briefing.builder import BuildOptions, build
from briefing.config import load_config
from briefing.content import parse_when
from briefing.server import exposure_warning
from briefing.state.cache import Store
from briefing.watch import is_noise

ARTICLE = "content/2022/04/29/nato-global.md"
ARTICLE_URL = "/news/2022/04/29/nato-global-outlook/"
SUMMARY = re.compile(r"^\d+ pages: ", re.MULTILINE)


class Serving:
    """`briefing serve --port 0` in its own process, its output collected line by line."""

    def __init__(self, site: Path, *extra: str) -> None:
        self.site = site
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(ROOT / "build.py"), "serve", "--port", "0", "--now", FIXTURE_NOW, *extra],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        threading.Thread(target=self._collect, args=(self.proc.stdout, self.out), daemon=True).start()
        threading.Thread(target=self._collect, args=(self.proc.stderr, self.err), daemon=True).start()
        deadline = time.monotonic() + 30
        while not any(line.startswith("serving ") for line in self.out):
            assert self.proc.poll() is None and time.monotonic() < deadline, (self.out, self.err)
            time.sleep(0.05)
        line = next(line for line in self.out if line.startswith("serving "))
        self.url = re.search(r"(http://127\.0\.0\.1:\d+)/news/", line).group(1)  # type: ignore[union-attr]
        self.port = int(self.url.rsplit(":", 1)[1])

    @staticmethod
    def _collect(stream, into: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            into.append(line.rstrip("\n"))

    def builds(self) -> int:
        return len(SUMMARY.findall("\n".join(self.out)))

    def wait_builds(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.builds() < count:
            assert time.monotonic() < deadline, (self.out, self.err)
            time.sleep(0.05)

    def settle(self, seconds: float = 0.8) -> int:
        """Wait until no build has finished for `seconds`; the number of builds."""
        count, since = self.builds(), time.monotonic()
        while time.monotonic() - since < seconds:
            time.sleep(0.05)
            if self.builds() != count:
                count, since = self.builds(), time.monotonic()
        return count

    def request(self, method: str, path: str) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        return conn.getresponse()

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=10)
        time.sleep(0.1)
        return self.proc.returncode, "\n".join(self.err)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Serving]:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    (site / "templates").mkdir()
    shutil.copy(ROOT / "templates" / "article.html", site / "templates" / "article.html")
    (site / "inbox").mkdir()
    server = Serving(site)
    yield server
    server.stop()


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


@pytest.mark.browser
def test_an_article_edit_appears_in_the_open_page(page, served: Serving) -> None:
    page.goto(served.url + ARTICLE_URL)
    page.wait_for_function("window.EventSource !== undefined")
    time.sleep(0.3)  # the event stream connects
    started = time.monotonic()
    edit(served.site / ARTICLE, "She called it", "LIVE-EDIT-MARKER She called it")
    page.wait_for_function("document.body.innerText.includes('LIVE-EDIT-MARKER')", timeout=2000)
    print(f"\nsave to reloaded page: {time.monotonic() - started:.3f} s")


@pytest.mark.browser
def test_a_template_edit_appears_in_the_open_page(page, served: Serving) -> None:
    page.goto(served.url + ARTICLE_URL)
    time.sleep(0.3)
    edit(served.site / "templates/article.html", '<p class="standfirst">', '<p class="standfirst">TEMPLATE-MARKER ')
    page.wait_for_function("document.body.innerText.includes('TEMPLATE-MARKER')", timeout=2000)


@pytest.mark.browser
def test_a_broken_file_shows_an_overlay_until_it_is_fixed(page, served: Serving) -> None:
    page.goto(served.url + ARTICLE_URL)
    time.sleep(0.3)
    good = (served.site / ARTICLE).read_text()
    (served.site / ARTICLE).write_text(good.replace("tags: [NATO, Liz Truss, Taiwan]", "tags: [NATO"))
    overlay = page.locator("#briefing-error")
    overlay.wait_for(timeout=3000)
    assert "content/2022/04/29/nato-global.md:" in overlay.inner_text()
    assert "front matter is not valid YAML" in overlay.inner_text()
    assert any("error: content/2022/04/29/nato-global.md:" in line for line in served.err)
    assert "NATO must have a global outlook" in page.inner_text("h1")  # the last good page stays
    other = page.context.new_page()
    other.goto(served.url + "/news/tags/")
    assert "nato-global.md" in other.locator("#briefing-error").inner_text()  # on every HTML page
    (served.site / ARTICLE).write_text(good)
    overlay.wait_for(state="detached", timeout=3000)
    other.locator("#briefing-error").wait_for(state="detached", timeout=3000)


@pytest.mark.browser
def test_a_file_dropped_into_the_inbox_appears(page, served: Serving) -> None:
    page.goto(served.url + "/news/")
    time.sleep(0.3)
    (served.site / "inbox/flash.txt").write_text("date 2022-04-30 Flash headline from the wire\n\nA new item.\n")
    page.wait_for_function("document.body.innerText.includes('Flash headline from the wire')", timeout=3000)
    assert (served.site / "content/2022/04/30/flash-headline-from-the-wire.md").is_file()


def test_a_burst_of_saves_is_one_rebuild(served: Serving) -> None:
    served.settle()
    before = served.builds()
    path = served.site / ARTICLE
    text = path.read_text()
    for i in range(20):
        path.write_text(text.replace("She called it", f"Save {i}: she called it"))
        time.sleep(0.01)
    assert served.settle() - before <= 2
    page = served.request("GET", ARTICLE_URL).read().decode()
    assert "Save 19: she called it" in page


def test_vim_style_save_is_one_rebuild(served: Serving) -> None:
    served.settle()
    before = served.builds()
    folder = served.site / "content/2022/04/29"
    (folder / "4913").write_text("")
    (folder / "4913").unlink()
    (folder / ".nato-global.md.swp").write_bytes(b"swap")
    target = folder / "nato-global.md"
    (folder / "nato-global.md~").write_text(target.read_text())
    new = folder / ".nato-global.md.tmp"
    new.write_text(target.read_text().replace("She called it", "Vim saved: she called it"))
    os.replace(new, target)
    (folder / ".nato-global.md.swp").unlink()
    assert served.settle() - before == 1
    assert "Vim saved" in served.request("GET", ARTICLE_URL).read().decode()


def test_verbose_shows_the_builds_laps_and_no_librarys_debug_lines(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    server = Serving(site, "-v")
    try:
        server.settle()
        edit(site / ARTICLE, "She called it", "Verbose: she called it")
        server.wait_builds(2)
    finally:
        _, err = server.stop()
    laps = [line for line in err.splitlines() if re.match(r"(scan|render|write) +\d+ ms +\d+ MB peak$", line)]
    assert len(laps) >= 5, err  # the first build's and the rebuild's
    assert "InotifyEvent" not in err and "in-event" not in err, err[:2000]


def test_noise_files_alone_cause_no_rebuild(served: Serving) -> None:
    served.settle()
    before = served.builds()
    folder = served.site / "content"
    for name in (".x.md.swp", ".x.md.swx", "x.md~", ".#x.md", "4913", "x.md___jb_tmp___", ".DS_Store"):
        (folder / name).write_text("noise")
    assert served.settle() == before


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/news/../../etc/passwd",
        "/news/%2e%2e/%2e%2e/etc/passwd",
        "/news/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/news/..%2f..%2f..%2fetc%2fpasswd",
        "/news/%252e%252e/etc/passwd",
        "/news/..\\..\\etc\\passwd",
        "/news/static/../../../../etc/passwd",
    ],
)
def test_no_file_outside_the_output_is_served(served: Serving, path: str) -> None:
    response = served.request("GET", path)
    body = response.read()
    assert response.status in (403, 404)
    assert b"root:" not in body


def test_symlinks_out_of_the_output_are_not_followed(served: Serving) -> None:
    out = served.site / ".briefing-cache/serve"
    (out / "leak.txt").symlink_to("/etc/passwd")
    response = served.request("GET", "/news/leak.txt")
    assert response.status == 404 and b"root:" not in response.read()


def test_http_semantics(served: Serving) -> None:
    cases = {
        "/news/": "text/html; charset=utf-8",
        "/news/static/css/briefing.css": "text/css; charset=utf-8",
        "/news/static/favicon.svg": "image/svg+xml",
    }
    for path, kind in cases.items():
        response = served.request("GET", path)
        body = response.read()
        assert response.status == 200 and response.getheader("Content-Type") == kind
        assert int(response.getheader("Content-Length") or -1) == len(body)
        assert "no-cache" in (response.getheader("Cache-Control") or "")
    head = served.request("HEAD", "/news/")
    assert head.status == 200 and head.read() == b"" and int(head.getheader("Content-Length") or 0) > 0
    moved = served.request("GET", "/news/tags")
    assert moved.status == 301 and moved.getheader("Location") == "/news/tags/"
    missing = served.request("GET", "/news/no/such/page/")
    assert missing.status == 404 and b"Page not found" in missing.read()
    on_disk = (served.site / ".briefing-cache/serve/index.html").read_text()
    assert "EventSource" not in on_disk  # injected into responses only
    assert "EventSource" in served.request("GET", "/news/").read().decode()
    assert b"EventSource" not in served.request("GET", "/news/static/css/briefing.css").read()


def test_requests_during_rebuilds_are_never_truncated(served: Serving) -> None:
    path = served.site / ARTICLE
    text = path.read_text()
    stop = threading.Event()

    def keep_editing() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            path.write_text(text.replace("She called it", f"Edit {i}: " + "padding " * (i % 50) + "she called it"))
            time.sleep(0.3)

    editor = threading.Thread(target=keep_editing)
    editor.start()
    served.wait_builds(1)

    def fetch(n: int) -> tuple[int, int, int, bool]:
        response = served.request("GET", ARTICLE_URL if n % 2 else "/news/tags/nato/")
        body = response.read()
        return response.status, int(response.getheader("Content-Length") or -1), len(body), body.endswith(b"</html>\n")

    start = served.builds()
    results: list[tuple[int, int, int, bool]] = []
    try:
        with ThreadPoolExecutor(8) as pool:
            while len(results) < 1200 and (served.builds() < start + 3 or len(results) < 300):
                results += pool.map(fetch, range(100))
    finally:
        stop.set()
        editor.join()
    assert served.builds() >= start + 3
    assert all(status == 200 and declared == got and complete for status, declared, got, complete in results)


def test_ctrl_c_stops_cleanly(served: Serving) -> None:
    status, err = served.stop()
    assert status == 0 and "Traceback" not in err
    assert "stopped" in served.out


def test_non_loopback_hosts_are_warned_about() -> None:
    assert exposure_warning("127.0.0.1") is None and exposure_warning("::1") is None
    assert exposure_warning("localhost") is None and exposure_warning("127.0.0.2") is None
    assert "not on a loopback address" in (exposure_warning("0.0.0.0") or "")
    assert "not on a loopback address" in (exposure_warning("192.0.2.10") or "")


def test_editor_noise_patterns() -> None:
    for name in ("a/.x.swp", "a/.x.swx", "a/x~", "a/.#x", "a/4913", "a/x___jb_tmp___", "a/.DS_Store", "a/.git/HEAD"):
        assert is_noise(name), name
    for name in ("content/a.md", "templates/base.html", "inbox/wire.txt", "site.toml"):
        assert not is_noise(name), name


def test_a_rebuild_in_the_same_process_rereads_only_what_changed(fixture_site: Path) -> None:
    config = load_config(fixture_site)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    options = BuildOptions(out_dir=fixture_site / "public", now=now)
    caches = Store()
    assert build(config, options, caches).articles_read == 6
    edit(fixture_site / ARTICLE, "She called it", "She named it")
    report = build(config, options, caches)
    assert report.articles_read == 1
    settled = time.time() - 10  # as if the edit was a while ago (a file saved just now is always re-read)
    os.utime(fixture_site / ARTICLE, (settled, settled))
    assert "2022/04/29/nato-global-outlook/index.html" in report.changed_files
    assert build(config, options, caches).articles_read == 1  # a file saved just now is not trusted until settled
    assert build(config, options, caches).articles_read == 0


def test_twenty_clients_during_ten_rebuilds(served: Serving) -> None:
    """200 requests from 20 concurrent clients while 10 rebuilds run: no 5xx, no truncated body."""
    path = served.site / ARTICLE
    text = path.read_text()
    served.settle()
    start = served.builds()

    def edit_ten_times() -> None:
        for i in range(10):
            path.write_text(text.replace("She called it", f"Rebuild {i}: " + "more " * (i * 7) + "she called it"))
            served.wait_builds(start + i + 1, timeout=20)

    editor = threading.Thread(target=edit_ten_times)
    editor.start()
    paths = [ARTICLE_URL, "/news/", "/news/tags/nato/", "/news/feed.xml", "/news/static/css/briefing.css"]

    def fetch(n: int) -> tuple[int, int, int]:
        time.sleep(n * 0.01)  # spread over the rebuilds
        response = served.request("GET", paths[n % len(paths)])
        body = response.read()
        return response.status, int(response.getheader("Content-Length") or -1), len(body)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(fetch, range(200)))
    editor.join()
    assert served.builds() - start >= 10
    assert len(results) == 200
    assert all(status == 200 and declared == got for status, declared, got in results), results


@pytest.mark.browser
def test_an_open_tab_reloads_once_after_the_server_restarts(page, served: Serving) -> None:
    page.goto(served.url + ARTICLE_URL)
    page.wait_for_function("window.EventSource !== undefined")
    time.sleep(0.3)
    for word in ("one", "two"):  # a few builds, so the old process's epoch is not its first
        edit(served.site / ARTICLE, "She called it", f"{word} She called it")
        page.wait_for_function(f"document.body.innerText.includes('{word} She called it')", timeout=5000)
    served.stop()
    edit(served.site / ARTICLE, "She called it", "AFTER-RESTART She called it")
    again = Serving(served.site, "--port", str(served.port))
    try:
        # EventSource reconnects by itself (after about 3 s) to the new process, with its old epoch.
        page.wait_for_function("document.body.innerText.includes('AFTER-RESTART')", timeout=15_000)
        page.evaluate("window.stillHere = true")
        time.sleep(1.5)
        assert page.evaluate("window.stillHere === true")  # reloaded once, not again and again
    finally:
        again.stop()
