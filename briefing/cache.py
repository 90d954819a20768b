"""What a build remembers for the next: parsed articles by file stamp, rendered bodies by hash.

Kept in memory (watch and serve keep one `Store` for their whole run) and in an SQLite file in
the site's cache folder, so a fresh process starts warm. Anything stale or unreadable is simply
not found: the cache can be deleted at any time.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import markdown

from . import __version__

if TYPE_CHECKING:
    from .content import ArticleSource
    from .errors import Problem
    from .markup import Body

SCHEMA = f"3 {__version__} {markdown.__version__}"


class Store:
    """Parsed articles and rendered bodies, in memory and (given a folder) on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self._articles: dict[str, tuple[str, ArticleSource, tuple[Problem, ...]]] = {}
        self._bodies: dict[str, Body] = {}
        self._new_articles: set[str] = set()
        self._new_bodies: set[str] = set()
        self._db: sqlite3.Connection | None = None
        self._bodies_loaded = False
        if folder is not None:
            self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / "cache.sqlite3", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS articles (path TEXT PRIMARY KEY, stamp TEXT, data BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS bodies (sha TEXT PRIMARY KEY, data BLOB)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None or row[0] != SCHEMA:
                db.execute("DELETE FROM articles")
                db.execute("DELETE FROM bodies")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,))
            for path, stamp, data in db.execute("SELECT path, stamp, data FROM articles"):
                source, warnings = pickle.loads(data)
                self._articles[path] = (stamp, source, warnings)
            self._db = db
        except (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            self._articles.clear()
            self._db = None

    def article(self, path: str, stamp: str) -> tuple[ArticleSource, tuple[Problem, ...]] | None:
        """The article parsed from path when its file has the same stamp as then."""
        entry = self._articles.get(path)
        return (entry[1], entry[2]) if entry is not None and entry[0] == stamp else None

    def put_article(self, path: str, stamp: str, source: ArticleSource, warnings: Iterable[Problem]) -> None:
        """Remember what path parsed to (its Markdown text is not kept: the body is)."""
        from dataclasses import replace

        self._articles[path] = (stamp, replace(source, body=""), tuple(warnings))
        self._new_articles.add(path)

    def keep_articles(self, paths: set[str]) -> None:
        """Forget articles whose files are gone."""
        gone = set(self._articles) - paths
        for path in gone:
            del self._articles[path]
        if gone and self._db is not None:
            self._db.executemany("DELETE FROM articles WHERE path = ?", [(p,) for p in gone])

    def body(self, sha: str) -> Body | None:
        """The rendered body of the Markdown text with this hash."""
        if sha not in self._bodies and not self._bodies_loaded and self._db is not None:
            self._bodies_loaded = True
            try:
                for key, data in self._db.execute("SELECT sha, data FROM bodies"):
                    self._bodies.setdefault(key, pickle.loads(data))
            except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
                pass
        return self._bodies.get(sha)

    def put_body(self, sha: str, body: Body) -> None:
        """Remember a rendered body."""
        self._bodies[sha] = body
        self._new_bodies.add(sha)

    def keep_bodies(self, shas: set[str]) -> None:
        """Forget bodies no article uses any more (in memory; the file is pruned when it grows)."""
        for sha in set(self._bodies) - shas:
            del self._bodies[sha]

    def flush(self) -> None:
        """Write what is new to disk in one transaction."""
        if self._db is None or not (self._new_articles or self._new_bodies):
            self._new_articles.clear()
            self._new_bodies.clear()
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO articles VALUES (?, ?, ?)",
                    [
                        (p, self._articles[p][0], pickle.dumps(self._articles[p][1:], protocol=5))
                        for p in sorted(self._new_articles)
                        if p in self._articles
                    ],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO bodies VALUES (?, ?)",
                    [
                        (s, pickle.dumps(self._bodies[s], protocol=5))
                        for s in sorted(self._new_bodies)
                        if s in self._bodies
                    ],
                )
        except sqlite3.Error:
            pass
        self._new_articles.clear()
        self._new_bodies.clear()
