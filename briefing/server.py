"""Preview server: serves the output folder on 127.0.0.1, safely, with the right headers.

It knows nothing about the generator: it is handed the folder to serve.
"""

from __future__ import annotations

import html
import http.server
import ipaddress
import json
import mimetypes
import posixpath
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}


def resolve(root: Path, url_path: str, base_path: str = "/") -> tuple[Path | None, str | None]:
    """The file a request path names inside root, or a redirect target for a folder without
    its slash; (None, None) when there is no such file or the path tries to leave root."""
    path = unquote(urlsplit(url_path).path)
    if "\0" in path or "\\" in path:
        return None, None
    if not path.startswith(base_path):
        return None, None
    rel = path[len(base_path) :]
    if any(part == ".." for part in rel.split("/")):
        return None, None
    normal = posixpath.normpath("/" + rel).lstrip("/")
    candidate = (root / normal) if normal not in ("", ".") else root
    real_root = root.resolve()
    try:
        real = candidate.resolve()
    except OSError:
        return None, None
    if not real.is_relative_to(real_root):
        return None, None
    if real.is_dir():
        if not path.endswith("/"):
            return None, path + "/"
        real = real / "index.html"
    return (real, None) if real.is_file() else (None, None)


def content_type(path: Path) -> str:
    """The Content-Type for a served file."""
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class SiteHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD for files in the output folder; 404.html for everything else."""

    root: Path
    base_path: str = "/"
    server_version = "briefing"

    def read_lock(self) -> AbstractContextManager[object]:
        """Held while a file is found and read; a build holds it while it swaps files in."""
        return nullcontext()

    def do_GET(self) -> None:  # noqa: N802
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        with self.read_lock():
            path, redirect, status, body = self._read()
        if redirect is not None:
            self.send_response(301)
            self.send_header("Location", redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.transform(path, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _read(self) -> tuple[Path, str | None, int, bytes]:
        path, redirect = resolve(self.root, self.path, self.base_path)
        if redirect is not None:
            return Path(), redirect, 301, b""
        status = 200
        if path is None:
            status, path = 404, self.root / "404.html"
        try:
            return path, None, status, path.read_bytes()
        except OSError:
            return Path("404.txt"), None, 404, b"Not found\n"

    def transform(self, path: Path, body: bytes) -> bytes:
        """Hook for subclasses (live reload); serves the file as it is."""
        return body

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


EVENTS_PATH = "__briefing/events"
_SCRIPT = """<script>
(() => {
  const base = %(base)s, since = %(epoch)d;
  function show(error) {
    let box = document.getElementById("briefing-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) { box = document.createElement("pre"); box.id = "briefing-error"; document.body.appendChild(box); }
    box.setAttribute("role", "alert");
    box.style.cssText = %(style)s;
    box.textContent = "Build failed\\n\\n" + error;
  }
  const events = new EventSource(base + "%(events)s?since=" + since);
  events.addEventListener("build", (message) => {
    const state = JSON.parse(message.data);
    show(state.error);
    const mine = state.changed.includes(location.pathname);
    const asset = state.changed.some((url) => !url.endsWith("/") && !url.endsWith(".html"));
    if (!state.error && (state.all || mine || asset)) location.reload();
  });
})();
</script>
"""
_OVERLAY_STYLE = (
    "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.25rem;"
    "background:#2b0b0b;color:#ffe0e0;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;"
    "z-index:2147483647;border-top:4px solid #ff5c5c"
)


class LiveState:
    """What connected browsers are told after each build: an epoch, the error if the build
    failed, and which URLs changed. Also the lock a build holds while it swaps files in.

    Epochs start from the clock (milliseconds since 1970, as MkDocs does), not from 0, so they
    grow across processes: a tab left open while `serve` restarts reconnects with an epoch of
    the old process, finds the new one ahead of it, and reloads once."""

    HISTORY = 64

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._cond = threading.Condition()
        self.epoch = time.time_ns() // 1_000_000
        self.error: str | None = None
        self._changes: dict[int, frozenset[str]] = {}
        self.closed = False

    def publish(self, error: str | None, changed_urls: Iterable[str]) -> None:
        """Record a finished build and wake every waiting browser."""
        with self._cond:
            self.epoch += 1
            self.error = error
            self._changes[self.epoch] = frozenset(changed_urls)
            self._changes.pop(self.epoch - self.HISTORY, None)
            self._cond.notify_all()

    def close(self) -> None:
        """Release every waiting browser connection (the server is stopping)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait(self, since: int, timeout: float) -> dict[str, object] | None:
        """The state once a build newer than `since` has finished; None on timeout or close."""
        with self._cond:
            self._cond.wait_for(lambda: self.epoch > since or self.closed, timeout)
            if self.epoch <= since or self.closed:
                return None
            known = since >= self.epoch - self.HISTORY + 1
            changes = (self._changes.get(e, frozenset()) for e in range(since + 1, self.epoch + 1)) if known else ()
            changed = sorted(set().union(*changes))
            return {"epoch": self.epoch, "error": self.error, "all": not known, "changed": changed}


class LiveHandler(SiteHandler):
    """SiteHandler plus live reload: an event stream, and a script (and the error, if the last
    build failed) injected into HTML responses only, never into files on disk."""

    live: LiveState
    keepalive_seconds = 15.0

    def read_lock(self) -> AbstractContextManager[object]:
        return self.live.lock

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path == self.base_path + EVENTS_PATH:
            self._events(url.query)
        else:
            super().do_GET()

    def transform(self, path: Path, body: bytes) -> bytes:
        if path.suffix != ".html":
            return body
        epoch, error = self.live.epoch, self.live.error
        script = _SCRIPT % {
            "base": json.dumps(self.base_path).replace("<", "\\u003c").replace(">", "\\u003e"),
            "epoch": epoch,
            "events": EVENTS_PATH,
            "style": json.dumps(_OVERLAY_STYLE),
        }
        if error:
            script = (
                f'<pre id="briefing-error" role="alert" style="{_OVERLAY_STYLE}">Build failed\n\n'
                f"{html.escape(error)}</pre>\n{script}"
            )
        marker = body.rfind(b"</body>")
        if marker < 0:
            return body + script.encode()
        return body[:marker] + script.encode() + body[marker:]

    def _events(self, query: str) -> None:
        try:
            since = int(parse_qs(query).get("since", ["0"])[0])
        except ValueError:
            since = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            while not self.live.closed:
                state = self.live.wait(since, self.keepalive_seconds)
                if state is None:
                    self.wfile.write(b": keepalive\n\n")
                else:
                    since = int(str(state["epoch"]))
                    self.wfile.write(f"event: build\ndata: {json.dumps(state)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def make_server(
    root: Path, host: str, port: int, base_path: str = "/", live: LiveState | None = None
) -> http.server.ThreadingHTTPServer:
    """A threaded HTTP server for root, bound to host:port (port 0 picks a free one); with
    live reload when given a LiveState."""
    fields: dict[str, object] = {"root": root, "base_path": base_path}
    if live is not None:
        fields["live"] = live
    bound = type("BoundSiteHandler", (LiveHandler if live is not None else SiteHandler,), fields)
    server = http.server.ThreadingHTTPServer((host, port), bound)
    server.daemon_threads = True
    warning = exposure_warning(host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return server


def exposure_warning(host: str) -> str | None:
    """A warning when host is not a loopback address, so other machines may reach the preview."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return f"serving on {host}, not on a loopback address: other machines may reach this preview"
