"""What a build remembers for the next: parsed articles by file stamp, rendered bodies by hash.

Kept in memory (watch and serve keep one `Store` for their whole run) and in an SQLite file in
the site's cache folder, so a fresh process starts warm. Anything stale or unreadable is simply
not found: the cache can be deleted at any time.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import operator
import os
import pickle
import sqlite3
import struct
from array import array
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar

import markdown

from .. import __version__
from .atomic import write_atomic

if TYPE_CHECKING:
    from ..content import ArticleSource
    from ..errors import Problem
    from ..markup import Body

SCHEMA = f"12 {__version__} {markdown.__version__}"
# What reading back a pickle this or another version wrote can raise: such a file is not found.
UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError)

V = TypeVar("V")


def register_compact(*classes: type) -> None:
    """Pickle each slotted dataclass as its constructor's arguments (registered with `copyreg`,
    so the classes themselves know nothing of the cache). The state-by-field pickling that
    dataclasses give slotted classes looks the fields up for every object; this loads a cache
    of ten thousand articles several times faster."""
    for cls in classes:
        copyreg.pickle(cls, _constructor_arguments(cls))


def _constructor_arguments(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in dataclasses.fields(cls)]
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))


_MEMO: dict[Path, tuple[tuple[int, int, int], Any]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def forget_written() -> None:
    """Drop what `write_pickle` kept: the next reads go to disk, as a fresh process's do."""
    _MEMO.clear()


def write_pickle(path: Path, data: Any, kept: Any) -> None:
    """Pickle data to path atomically, and keep `kept` (what data decodes to) for `read_pickle`. A
    watching process then never reads back the files only it writes (builds into one output
    folder hold its lock, so no other process writes them meanwhile)."""
    _write_kept(path, lambda handle: pickle.dump(data, handle, protocol=5), kept)


def _write_kept(path: Path, write: Callable[[BinaryIO], object], kept: Any) -> None:
    write_atomic(path, write)
    signature = _signature(path)
    if signature is not None:
        _MEMO[path] = (signature, kept)


def read_pickle(path: Path, decode: Callable[[Any], Any]) -> Any:
    """What `write_pickle` kept for path when the file is still that one, else decode(its pickle)."""
    return _read_kept(path, lambda handle: decode(pickle.load(handle)))


def _read_kept(path: Path, read: Callable[[BinaryIO], Any]) -> Any:
    signature = _signature(path)
    kept = _MEMO.get(path)
    if kept is not None and kept[0] == signature:
        return kept[1]
    with open(path, "rb") as handle:
        value = read(handle)
    if signature is not None:
        _MEMO[path] = (signature, value)
    return value


COMPACT_FROM = 500  # rows in a delta before it may be folded into the whole table
CHECKPOINT_FROM = 1000  # rows written by one flush from which the log is emptied after it


class Layered(Generic[V]):
    """A table in two files: the whole of it, written by full builds, and the rows changed since
    (`.delta`), written by quick ones, so a one-article build writes a few rows, not 13,000.
    Each file carries the token of the build that wrote the whole; a delta with another token
    is from before it and is ignored. Rows are stored as plain tuples (`encode`, `decode`):
    ten thousand tuples load several times faster than ten thousand objects."""

    def __init__(self, path: Path, version: int, encode: Callable[[V], Any], decode: Callable[[Any], V]) -> None:
        self.path, self.delta = path, path.with_name(path.name + ".delta")
        self.version, self.encode, self.decode = version, encode, decode

    def _decode(self, data: Any) -> tuple[str, dict[str, V | None]]:
        version, token, rows = data
        if version != self.version:
            raise ValueError("another version")
        return token, {key: None if row is None else self.decode(row) for key, row in rows.items()}

    def load(self) -> tuple[str, dict[str, V]] | None:
        """(token, rows), or None when there is no whole table (or it cannot be read)."""
        try:
            token, rows = read_pickle(self.path, self._decode)
        except UNREADABLE:
            return None
        try:
            delta_token, changed = read_pickle(self.delta, self._decode)
        except UNREADABLE:
            delta_token, changed = "", {}
        merged = dict(rows)  # one copy: `rows` may be what `read_pickle` keeps for the next build
        if delta_token == token:
            for key, row in changed.items():
                if row is None:  # the row went
                    merged.pop(key, None)
                else:
                    merged[key] = row
        return token, merged

    def save(self, token: str, rows: dict[str, V]) -> None:
        """Write the whole table."""
        self.delta.unlink(missing_ok=True)
        encoded = {key: self.encode(row) for key, row in rows.items()}
        write_pickle(self.path, (self.version, token, encoded), (token, rows))

    def save_changes(
        self, token: str, changed: Mapping[str, V | None], whole: Callable[[], Mapping[str, V]] | None = None
    ) -> None:
        """Write these rows (and those changed before them since the whole was written); a row
        None is one that went. Once the delta holds more than a quarter of the table's rows,
        the `whole` table is written instead, so that a day of quick builds does not leave a
        delta as large as the table to be read and written again by every build."""
        try:
            delta_token, earlier = read_pickle(self.delta, self._decode)
        except UNREADABLE:
            delta_token, earlier = token, {}
        rows = {**earlier, **changed} if delta_token == token else dict(changed)
        if whole is not None and len(rows) > COMPACT_FROM:
            table = whole()
            if len(rows) * 4 > len(table):
                self.save(token, dict(table))
                return
        write_pickle(
            self.delta,
            (self.version, token, {key: None if row is None else self.encode(row) for key, row in rows.items()}),
            (token, rows),
        )

    def remove(self) -> None:
        """Delete both files."""
        self.path.unlink(missing_ok=True)
        self.delta.unlink(missing_ok=True)


class Blobs:
    """Byte strings by number (0 to len - 1): those of the whole table on disk (`BlobTable`),
    read one at a time as they are asked for, under those put since. A quick build asks for a
    few hundred of 120,000, so it neither reads nor holds the rest."""

    __slots__ = ("_count", "_read", "_put")

    def __init__(self, count: int, read: Callable[[int], bytes], put: Mapping[int, bytes] | None = None) -> None:
        self._count, self._read, self._put = count, read, dict(put or {})

    @classmethod
    def of(cls, blobs: list[bytes]) -> Blobs:
        return cls(len(blobs), blobs.__getitem__)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, number: int) -> bytes:
        if not 0 <= number < self._count:
            raise IndexError(number)
        put = self._put.get(number)
        return put if put is not None else self._read(number)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Blobs.of, ([self[n] for n in range(self._count)],))

    def with_put(self, blobs: Mapping[int, bytes], count: int) -> Blobs:
        """These with `blobs` put in (numbers from len up add to them), `count` long."""
        return Blobs(count, self._read, {**self._put, **blobs})


class BlobTable:
    """A `Blobs` table in two files: the whole of it, written by full builds, and the blobs put
    since (`.delta`), written by quick ones, each carrying the token of the build that wrote the
    whole (as `Layered`). The whole file is a header (the offset of each blob) and the blobs one
    after another: loading it reads the header only."""

    def __init__(self, path: Path, version: int) -> None:
        self.path, self.delta = path, path.with_name(path.name + ".delta")
        self.version = version

    def load(self) -> tuple[str, Blobs] | None:
        """(token, blobs), or None when there is no whole table (or it cannot be read)."""
        try:
            token, whole = _read_kept(self.path, self._open)
        except UNREADABLE:
            return None
        try:
            delta_token, count, put = read_pickle(self.delta, self._decode_delta)
        except UNREADABLE:
            delta_token = ""
        if delta_token != token:
            return token, whole
        return token, whole.with_put(put, count)

    def _open(self, handle: BinaryIO) -> tuple[str, Blobs]:
        (size,) = struct.unpack("<Q", handle.read(8))
        version, token, offsets_bytes = pickle.loads(handle.read(size))
        if version != self.version:
            raise ValueError("another version")
        offsets = array("Q")
        offsets.frombytes(offsets_bytes)
        start = 8 + size
        if os.fstat(handle.fileno()).st_size != start + offsets[-1]:
            raise ValueError("the table was cut short")
        fd = os.dup(handle.fileno())  # kept open: the blobs are read from this file, even once replaced
        reader = _BlobReader(fd, start, offsets)
        return token, Blobs(len(offsets) - 1, reader.read)

    def _decode_delta(self, data: Any) -> tuple[str, int, dict[int, bytes]]:
        version, token, count, put = data
        if version != self.version:
            raise ValueError("another version")
        return token, count, put

    def save(self, token: str, blobs: Blobs) -> None:
        """Write the whole table."""
        self.delta.unlink(missing_ok=True)
        items = [blobs[n] for n in range(len(blobs))]
        offsets = array("Q", [0])
        for item in items:
            offsets.append(offsets[-1] + len(item))
        header = pickle.dumps((self.version, token, offsets.tobytes()), protocol=5)

        def write(handle: BinaryIO) -> None:
            handle.write(struct.pack("<Q", len(header)) + header)
            for item in items:
                handle.write(item)

        _write_kept(self.path, write, (token, Blobs.of(items)))

    def save_changes(self, token: str, put: Mapping[int, bytes], blobs: Blobs) -> None:
        """Write the blobs put now (and those put before them since the whole was written), or
        the whole table once they are more than a quarter of it (as `Layered.save_changes`)."""
        try:
            delta_token, _, earlier = read_pickle(self.delta, self._decode_delta)
        except UNREADABLE:
            delta_token, earlier = token, {}
        rows = {**earlier, **put} if delta_token == token else dict(put)
        if len(rows) > COMPACT_FROM and len(rows) * 4 > len(blobs):
            self.save(token, blobs)
            return
        data = (self.version, token, len(blobs), rows)
        write_pickle(self.delta, data, (token, len(blobs), rows))

    def remove(self) -> None:
        """Delete both files."""
        self.path.unlink(missing_ok=True)
        self.delta.unlink(missing_ok=True)


class _BlobReader:
    """Reads blob n from an open file: its bytes from offsets[n] to offsets[n + 1]."""

    def __init__(self, fd: int, start: int, offsets: array[int]) -> None:
        self.fd, self.start, self.offsets = fd, start, offsets

    def read(self, number: int) -> bytes:
        begin, end = self.offsets[number], self.offsets[number + 1]
        data = os.pread(self.fd, end - begin, self.start + begin)
        if len(data) != end - begin:
            raise EOFError("the table was cut short")
        return data

    def __del__(self) -> None:
        os.close(self.fd)


class Store:
    """Parsed articles and rendered bodies, in memory and (given a folder) on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self._articles: dict[str, tuple[str, ArticleSource, tuple[Problem, ...]]] = {}
        self._bodies: dict[str, Body] = {}
        self._new_articles: set[str] = set()
        self._new_bodies: set[str] = set()
        # bodies that may be unused once flushed: those of articles forgotten, or stored again,
        # since the last flush (looked up in the table), and those rendered now for no article
        # stored now (a file still being written, say)
        self._orphans: set[str] = set()
        self._db: sqlite3.Connection | None = None
        # articles as stored, not yet unpickled: all of them once a build asks for many (None
        # until then: a quick build reads the few it needs by path)
        self._rows: dict[str, tuple[str, bytes]] | None = None
        # rendered fragments of list pages (`Templates.fragment`): key -> html, the cards whose
        # fragments were asked for, and those made since the last flush (key -> card, theme, html)
        self._fragments: dict[str, str] = {}
        self._asked: set[str] = set()
        self._new_fragments: dict[str, tuple[str, str, str]] = {}
        # the stamps of every article file at the last build, for a watching process to refresh
        # by its file events instead of walking content/ again
        self.scan: dict[str, str | None] | None = None
        if folder is not None:
            self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / "cache.sqlite3", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # A commit does not wait for the disk (a checkpoint still does): a cache lost to a
            # power cut is only rebuilt, and WAL keeps the file whole. It saves a quick build
            # the 100-150 ms of a synced commit.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None or row[0] != SCHEMA:
                db.execute("DROP TABLE IF EXISTS articles")
                db.execute("DROP TABLE IF EXISTS bodies")
                db.execute("DROP TABLE IF EXISTS fragments")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,))
            # body_sha beside each article, so that bodies no article uses can be pruned in SQL
            db.execute(
                "CREATE TABLE IF NOT EXISTS articles (path TEXT PRIMARY KEY, stamp TEXT, body_sha TEXT, data BLOB)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS articles_by_body ON articles (body_sha)")
            db.execute("CREATE TABLE IF NOT EXISTS bodies (sha TEXT PRIMARY KEY, data BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, card TEXT, theme TEXT, html BLOB)")
            db.execute("CREATE INDEX IF NOT EXISTS fragments_by_card ON fragments (card)")
            self._db = db
        except (sqlite3.Error, OSError):
            self._db = None

    def article(self, path: str, stamp: str) -> tuple[ArticleSource, tuple[Problem, ...]] | None:
        """The article parsed from path when its file has the same stamp as then."""
        entry = self._articles.get(path)
        row = self._row(path) if entry is None else None
        if row is not None:
            row_stamp, data = row
            try:
                source, warnings = pickle.loads(data)
            except UNREADABLE:
                return None
            entry = self._articles[path] = (row_stamp, source, warnings)
        return (entry[1], entry[2]) if entry is not None and entry[0] == stamp else None

    def read_articles(self) -> None:
        """Read every stored article in one scan (they are unpickled when asked for): a build
        about to ask for each."""
        if self._rows is None:
            self._rows = {}
            if self._db is not None:
                try:
                    rows = self._db.execute("SELECT path, stamp, data FROM articles")
                    self._rows = {path: (stamp, data) for path, stamp, data in rows if path not in self._articles}
                except sqlite3.Error:
                    pass

    def _row(self, path: str) -> tuple[str, bytes] | None:
        if self._rows is not None:
            return self._rows.pop(path, None)
        if self._db is None:
            return None
        try:
            found = self._db.execute("SELECT stamp, data FROM articles WHERE path = ?", (path,)).fetchone()
        except sqlite3.Error:
            return None
        return None if found is None else (found[0], found[1])

    def put_article(self, path: str, stamp: str, source: ArticleSource, warnings: Iterable[Problem]) -> None:
        """Remember what path parsed to (its Markdown text is not kept: the body is)."""
        from dataclasses import replace

        self._articles[path] = (stamp, replace(source, body=""), tuple(warnings))
        self._new_articles.add(path)

    def keep_articles(self, paths: set[str]) -> None:
        """Forget articles whose files are gone."""
        self.read_articles()
        self.forget_articles((set(self._articles) | set(self._rows or ())) - paths)

    def forget_articles(self, gone: set[str]) -> None:
        """Forget these article files (and, when flushed, bodies no other article uses)."""
        for path in gone:
            self._articles.pop(path, None)
            if self._rows is not None:
                self._rows.pop(path, None)
        if gone and self._db is not None:
            self._orphans.update(self._body_shas(self._db, sorted(gone)))
            self._db.executemany("DELETE FROM articles WHERE path = ?", [(p,) for p in gone])

    def body(self, sha: str) -> Body | None:
        """The rendered body of the Markdown text with this hash."""
        if sha not in self._bodies:
            self.load_bodies([sha])
        return self._bodies.get(sha)

    def load_bodies(self, shas: Iterable[str]) -> None:
        """Bring these bodies from disk into memory: by key when few, in one scan when many."""
        wanted = [sha for sha in shas if sha not in self._bodies]
        if not wanted or self._db is None:
            return
        try:
            rows = self._select(self._db, "SELECT * FROM bodies", "sha", wanted, many=500)
            asked = set(wanted)
            for key, data in rows:
                if key in asked:  # a row no build asked for is not unpickled
                    self._bodies.setdefault(key, _unpack_body(data))
        except (sqlite3.Error, *UNREADABLE):
            pass

    def put_body(self, sha: str, body: Body) -> None:
        """Remember a rendered body."""
        self._bodies[sha] = body
        self._new_bodies.add(sha)

    def body_shas(self) -> set[str]:
        """The hash of every body held, in memory or on disk."""
        shas = set(self._bodies)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                shas.update(sha for (sha,) in self._db.execute("SELECT sha FROM bodies"))
        return shas

    def keep_bodies(self, shas: set[str]) -> None:
        """Forget bodies no article uses any more, in memory (the file is pruned by `flush`)."""
        for sha in set(self._bodies) - shas:
            del self._bodies[sha]

    def fragments(self, cards: Iterable[str]) -> dict[str, str]:
        """The rendered fragments (key -> html) of these cards (by digest), and of every card
        asked for before: read from disk by card when few, in one scan when many."""
        wanted = [card for card in set(cards) if card not in self._asked]
        self._asked.update(wanted)
        if wanted and self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                rows = self._select(self._db, "SELECT key, html FROM fragments", "card", wanted, 2000)
                self._fragments.update((key, html.decode()) for key, html in rows)
        return self._fragments

    @classmethod
    def _body_shas(cls, db: sqlite3.Connection, paths: list[str]) -> set[str]:
        """The bodies the stored articles at these paths use."""
        return {sha for (sha,) in cls._select(db, "SELECT body_sha FROM articles", "path", paths, len(paths) + 1)}

    @staticmethod
    def _select(db: sqlite3.Connection, query: str, column: str, keys: list[str], many: int) -> list[Any]:
        """The rows of `query` whose `column` is one of `keys`: looked up by key (500 to a
        statement) when fewer than `many`, else every row in one scan (for the caller to pick
        from: a scan is faster than that many lookups)."""
        if len(keys) >= many:
            return db.execute(query).fetchall()
        rows: list[Any] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows += db.execute(f"{query} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return rows

    def put_fragments(self, made: dict[str, tuple[str, str, str]]) -> None:
        """Remember fragments rendered now: key -> (card digest, theme, html)."""
        for key, (_, _, html) in made.items():
            self._fragments[key] = html
        self._new_fragments.update(made)

    def keep_fragments(self, cards: set[str], themes: set[str]) -> None:
        """Forget the fragments of cards no list shows now, or made with other templates (a
        build that planned every page knows both). What is in memory goes too: a watching
        process reads again what the next build asks for."""
        self._asked.clear()
        self._fragments.clear()
        if self._db is None:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS kept_cards (card TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM kept_cards")
                self._db.executemany("INSERT OR IGNORE INTO kept_cards VALUES (?)", ((c,) for c in cards))
                marks = ",".join("?" * len(themes))
                self._db.execute(
                    f"DELETE FROM fragments WHERE card NOT IN (SELECT card FROM kept_cards) OR theme NOT IN ({marks})",
                    sorted(themes),
                )
        except sqlite3.Error:
            pass

    def flush(self) -> None:
        """Write what is new to disk in one transaction."""
        if self._db is None or not (self._new_articles or self._new_bodies or self._new_fragments or self._orphans):
            self._new_articles.clear()
            self._new_bodies.clear()
            self._new_fragments.clear()
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                stored = {entry[1].body_sha for p in self._new_articles if (entry := self._articles.get(p)) is not None}
                self._orphans.update(self._body_shas(self._db, sorted(self._new_articles)), self._new_bodies - stored)
                # generators, not lists: ten thousand pickled bodies are never all in memory at once
                self._db.executemany(
                    "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?)",
                    (
                        (p, entry[0], entry[1].body_sha, pickle.dumps(entry[1:], protocol=5))
                        for p in sorted(self._new_articles)
                        if (entry := self._articles.get(p)) is not None
                    ),
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO bodies VALUES (?, ?)",
                    ((s, _pack_body(self._bodies[s])) for s in sorted(self._new_bodies) if s in self._bodies),
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO fragments VALUES (?, ?, ?, ?)",
                    (
                        (key, card, theme, html.encode())
                        for key, (card, theme, html) in sorted(self._new_fragments.items())
                    ),
                )
                # An edited body leaves its old rendering behind: keep only what articles use.
                # Only the bodies that may have lost their article are looked at (by the index
                # on body_sha): every body, a quarter of a second at 100,000, is not.
                self._db.executemany(
                    "DELETE FROM bodies WHERE sha = ? AND NOT EXISTS"
                    " (SELECT 1 FROM articles WHERE articles.body_sha = bodies.sha)",
                    ((sha,) for sha in sorted(self._orphans)),
                )
            if len(self._new_articles) + len(self._new_bodies) + len(self._new_fragments) >= CHECKPOINT_FROM:
                # Empty the write-ahead log now: left as large as a full build's writes (the
                # cache of 10,000 articles: 95 MB), it is read whole by the next process to
                # open the cache, a tenth of a second of the next edit at 10,000, 1.5 s at 100,000.
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self._new_articles.clear()
        self._new_bodies.clear()
        self._new_fragments.clear()
        self._orphans.clear()


# HTML goes to disk as UTF-8 bytes encoded here, never as text for pickle or SQLite to encode:
# both keep the UTF-8 copy they make inside the string (CPython caches it in every string that
# is not ASCII), which doubled the memory of every body and fragment a build writes, half a
# gigabyte of a cold build at 100,000 articles.


def _pack_body(body: Body) -> bytes:
    return pickle.dumps((body.html.encode(), body.words, body.lede.encode()), protocol=5)


def _unpack_body(data: bytes) -> Body:
    from ..markup import Body

    html, words, lede = pickle.loads(data)
    return Body(html.decode(), words, lede.decode())


def _register_the_build() -> None:
    """The domain classes a cache holds, registered once, when the cache is first imported."""
    from ..content import ArticleSource, Update
    from ..images import Picture, Rendition
    from ..markup import Body
    from ..site import Card, TagRef

    register_compact(Update, ArticleSource, Body, TagRef, Card, Picture, Rendition)


_register_the_build()
