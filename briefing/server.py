"""Preview server: serves the output folder on 127.0.0.1, safely, with the right headers.

It knows nothing about the generator: it is handed the folder to serve.
"""

from __future__ import annotations

import http.server
import mimetypes
import posixpath
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
LOOPBACK = ("127.0.0.1", "localhost", "::1")


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

    def do_GET(self) -> None:  # noqa: N802
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        path, redirect = resolve(self.root, self.path, self.base_path)
        if redirect is not None:
            self.send_response(301)
            self.send_header("Location", redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 200
        if path is None:
            status, path = 404, self.root / "404.html"
        try:
            body = path.read_bytes()
        except OSError:
            status, body, path = 404, b"Not found\n", Path("404.txt")
        body = self.transform(path, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def transform(self, path: Path, body: bytes) -> bytes:
        """Hook for subclasses (live reload); serves the file as it is."""
        return body

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def make_server(
    root: Path, host: str, port: int, base_path: str = "/", handler: type[SiteHandler] = SiteHandler
) -> http.server.ThreadingHTTPServer:
    """A threaded HTTP server for root, bound to host:port (port 0 picks a free one)."""
    bound = type("BoundSiteHandler", (handler,), {"root": root, "base_path": base_path})
    server = http.server.ThreadingHTTPServer((host, port), bound)
    server.daemon_threads = True
    if host not in LOOPBACK:
        print(f"warning: serving on {host}, which other machines may reach", file=sys.stderr)
    return server
