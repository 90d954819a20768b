"""Shared fixtures: small sites on disk, the CLI in-process, a real HTTP server, real Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefing.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
NODE_MODULES = Path(__file__).parent / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_TOOLS = os.environ.get("BRIEFING_REQUIRE_TOOLS") == "1"
FIXTURE_NOW = "2022-05-01T05:00"


def need(available: bool, reason: str) -> None:
    """Skip when a tool is missing; in CI (BRIEFING_REQUIRE_TOOLS=1) fail instead."""
    if not available:
        if REQUIRE_TOOLS:
            pytest.fail(f"{reason} (BRIEFING_REQUIRE_TOOLS=1)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """Debian's Chromium, never a downloaded browser."""
    need(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under root from {relative path: text or bytes}."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str | bytes]], Path]:
    """A site in tmp_path/site made from a dict of files; the current folder is the site."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = write_tree(tmp_path / "site", files)
        monkeypatch.chdir(root)
        return root

    return make


@pytest.fixture
def fixture_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/site; the current folder is the copy."""
    root = tmp_path / "site"
    # (not the cache a build of the fixture itself, for the expected output, leaves beside it)
    shutil.copytree(FIXTURES / "site", root, ignore=shutil.ignore_patterns(".briefing-cache", "public"))
    monkeypatch.chdir(root)
    return root


class Run:
    """The result of one CLI run: exit status, stdout, stderr."""

    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err

    def __repr__(self) -> str:
        return f"Run(status={self.status}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `briefing ARGS...` in this process and capture what it prints."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            status = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under folder with its bytes and mtime, for before/after comparisons. The
    Pagefind search bundle is left out: Pagefind's output is not byte-stable between runs."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "pagefind" not in p.relative_to(folder).parts
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def http_root() -> Iterator[Callable[[Path], str]]:
    """Serve a folder on 127.0.0.1 on a free port; returns the base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
