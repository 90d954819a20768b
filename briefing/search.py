"""Search stage: Pagefind indexes the article pages, one index (a *shard*) per month.

Pagefind (PyPI `pagefind[bin]`) reads the built HTML; the article template marks what it
indexes (`data-pagefind-body`), the tags it filters by and the date it sorts by. Pagefind
cannot update an index, so the archive is split by month: `<out>/pagefind/YYYY-MM/` holds the
index of that month's article pages, and `<out>/pagefind/shards.json` lists the shards, newest
first, for the search page, which loads the newest and merges the others (`mergeIndex`).

A shard is re-indexed only when what it indexes changed: its digest is a hash of the digest of
each article page in it (the article's own data, not its neighbours or related links, which lie
outside `data-pagefind-body`) and of the theme and configuration. So a one-article edit costs
one month's index, not the archive's. Each shard is built into a fresh folder and swapped in
whole; `shards.json` is replaced last.

No indexer outlives the build that started it: each Pagefind process is killed by the kernel
when the thread that started it dies (Linux's parent-death signal), and it holds an exclusive
`flock` on `index.lock` (inherited through its file descriptor), which every indexing run takes
first, so a run waits out any indexer a killed build left behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .markup import ANCHOR_CLASS
from .state.atomic import write_atomic
from .workers import count, parent_death_signal

BUNDLE = "pagefind"
SHARDS_FILE = "shards.json"
# What Pagefind leaves out of the text it indexes and shows in excerpts: the `#` link after each
# heading. The theme marks its own chrome (byline, dateline, topics) with data-pagefind-ignore.
EXCLUDE = f"a.{ANCHOR_CLASS}"
UNUSED = ("pagefind-*ui.*", "pagefind-highlight.js")  # Pagefind's own UIs: the theme has its own
LOCK_WAIT = 60.0  # seconds to wait for an indexer another (killed) build left


@dataclass(frozen=True, slots=True)
class SearchReport:
    """What indexing did: whether search is on, why not, and the cost when it ran."""

    available: bool
    indexed: tuple[str, ...] = ()  # shards (re)indexed
    seconds: float = 0.0
    reason: str = ""


def available() -> bool:
    """Whether the Pagefind package (with its binary) is installed."""
    return importlib.util.find_spec("pagefind") is not None and importlib.util.find_spec("pagefind_bin") is not None


def shard_of(file: str) -> str:
    """The shard an article page belongs to: 'YYYY/MM/DD/slug/index.html' is 'YYYY-MM'."""
    year, month = file.split("/", 2)[:2]
    return f"{year}-{month}"


def shard_digests(pages: Iterable[tuple[str, str]], salt: str) -> dict[str, str]:
    """Each shard's digest, from (output file, article digest) of every article page and a
    salt standing for everything else the indexed text depends on (theme, configuration)."""
    grouped: dict[str, list[str]] = {}
    for file, digest in sorted(pages):
        grouped.setdefault(shard_of(file), []).append(f"{file}\0{digest}")
    return {shard: hashlib.sha256("\n".join([salt, *lines]).encode()).hexdigest() for shard, lines in grouped.items()}


def lock_file(manifest_file: Path) -> Path:
    """The lock indexers of one output folder hold, beside its manifest."""
    return manifest_file.with_suffix(".index.lock")


def remove_leftovers(out_dir: Path) -> None:
    """Delete the half-made shards a killed build may have left."""
    for name in (f".{BUNDLE}.new", f".{BUNDLE}.old"):
        shutil.rmtree(out_dir / name, ignore_errors=True)


def remove_bundle(out_dir: Path) -> None:
    """Delete the index of a site whose search was turned off."""
    shutil.rmtree(out_dir / BUNDLE, ignore_errors=True)


def indexed_shards(out_dir: Path) -> dict[str, str]:
    """The shards in the output and their digests; empty when there is no whole index."""
    try:
        listed = json.loads((out_dir / BUNDLE / SHARDS_FILE).read_text(encoding="utf-8"))
        shards = {str(s["name"]): str(s["digest"]) for s in listed["shards"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: digest for name, digest in shards.items() if (out_dir / BUNDLE / name / "pagefind.js").is_file()}


def index_site(out_dir: Path, wanted: Mapping[str, str], lock_file: Path) -> SearchReport:
    """Bring out_dir/pagefind/ to the wanted shards: index each whose digest changed or that is
    not whole (a killed run's), delete those no longer wanted, then list them in shards.json."""
    if not available():
        return SearchReport(False, reason="search is off: Pagefind is not installed (pip install 'pagefind[bin]')")
    started = time.perf_counter()
    with _index_lock(lock_file) as lock:
        remove_leftovers(out_dir)
        have = indexed_shards(out_dir)
        todo = sorted(shard for shard, digest in wanted.items() if have.get(shard) != digest)
        gone = sorted(set(have) - set(wanted))
        listing = out_dir / BUNDLE / SHARDS_FILE
        if not todo and not gone and listing.is_file():
            return SearchReport(True)
        fresh, old = out_dir / f".{BUNDLE}.new", out_dir / f".{BUNDLE}.old"
        fresh.mkdir()
        failed = _run_pagefind(out_dir, fresh, todo, lock)
        if failed:
            shutil.rmtree(fresh, ignore_errors=True)
            return SearchReport(True, reason=f"search index not rebuilt: Pagefind failed: {failed}")
        bundle = out_dir / BUNDLE
        bundle.mkdir(exist_ok=True)
        old.mkdir()
        for shard in todo + gone:
            if (bundle / shard).exists():
                (bundle / shard).rename(old / shard)
            if shard in wanted:
                (fresh / shard).rename(bundle / shard)
        for stray in bundle.iterdir():  # an index of the single-bundle layout, say
            if stray.name not in wanted and stray.name != SHARDS_FILE:
                stray.rename(old / stray.name)
        _write_listing(listing, wanted)
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(fresh, ignore_errors=True)
    return SearchReport(True, indexed=tuple(todo), seconds=time.perf_counter() - started)


def _run_pagefind(out_dir: Path, fresh: Path, shards: list[str], lock: IO[str]) -> str:
    """Index each shard into fresh/<shard>, a few at a time; what went wrong, or ''."""
    waiting = list(shards)
    running: list[tuple[str, subprocess.Popen[bytes]]] = []
    failure = ""
    try:
        while waiting or running:
            while waiting and len(running) < count(True):
                shard = waiting.pop(0)
                year, month = shard.split("-")
                command = [
                    sys.executable, "-m", "pagefind", "--site", str(out_dir), "--output-path", str(fresh / shard),
                    "--glob", f"{year}/{month}/*/*/index.html", "--exclude-selectors", EXCLUDE, "--silent",
                ]  # fmt: skip
                process = subprocess.Popen(
                    command,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    pass_fds=(lock.fileno(),),  # the lock is held as long as any indexer runs
                    preexec_fn=parent_death_signal,  # one system call, safe between fork and exec
                )
                running.append((shard, process))
            shard, process = running.pop(0)
            _, err = process.communicate()
            if process.returncode != 0 or not (fresh / shard / "pagefind.js").is_file():
                said = err.decode("utf-8", "replace").strip().splitlines()
                failure = failure or f"{shard}: {said[-1] if said else f'exit status {process.returncode}'}"
            for pattern in UNUSED:
                for unused in (fresh / shard).glob(pattern):
                    unused.unlink()
    finally:
        for _, process in running:
            process.kill()
            process.wait()
    return failure


def _write_listing(path: Path, wanted: Mapping[str, str]) -> None:
    """shards.json, newest shard first (the one the search page loads before merging the rest)."""
    shards = [{"name": name, "digest": wanted[name]} for name in sorted(wanted, reverse=True)]
    write_atomic(path, json.dumps({"version": 1, "shards": shards}, indent=1) + "\n")


@contextmanager
def _index_lock(path: Path) -> Iterator[IO[str]]:
    """Hold index.lock; wait (up to LOCK_WAIT seconds) for an indexer that still holds it."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
