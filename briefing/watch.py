"""Watch stage: file events from watchdog, debounced into one rebuild per burst of saves.

The watchdog thread only records that something relevant changed and when. The build loop
(in the caller's thread) waits until the events stop for a moment, then calls `rebuild()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

QUIET_SECONDS = 0.05  # a burst of saves is over when nothing has happened for this long
WATCHED_DIRS = ("content", "templates", "static", "inbox")
WATCHED_FILES = ("site.toml",)


def is_noise(path: str) -> bool:
    """Editors' temp, swap and backup files, and anything under .git/: never a reason to rebuild."""
    parts = PurePath(path).parts
    if ".git" in parts or not parts:
        return True
    name = parts[-1]
    return (
        name.endswith((".swp", ".swx", ".swo", "~", ".tmp", ".kate-swp"))
        or name.startswith((".#", "#"))
        or name in ("4913", ".DS_Store")
        or "___jb_tmp___" in name
        or "___jb_old___" in name
    )


class Changes(FileSystemEventHandler):
    """Records the time of the last relevant event; the build loop waits on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.event = threading.Event()
        self.last = 0.0
        self.first = 0.0  # when the first event of the current burst came
        self.paths: set[str] = set()
        self._lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Note a change unless it is noise or a mere read."""
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # a folder is "modified" whenever a file in it, even a swap file, comes or goes
        paths = [str(event.src_path)]
        if getattr(event, "dest_path", ""):
            paths.append(str(event.dest_path))
        relevant = [p for p in paths if not is_noise(p) and self._watched(p)]
        if not relevant:
            return
        with self._lock:
            if not self.paths:
                self.first = time.monotonic()
            self.paths.update(relevant)
            self.last = time.monotonic()
        self.event.set()

    def _watched(self, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.root)
        except ValueError:
            return False
        if len(rel.parts) > 1:
            return rel.parts[0] in WATCHED_DIRS
        return rel.name in WATCHED_FILES or rel.name in WATCHED_DIRS

    def wait(self, stop: threading.Event, quiet: float = QUIET_SECONDS) -> set[str] | None:
        """Block until a burst of changes is over; the changed paths, or None when stopped."""
        while not self.event.wait(0.25):
            if stop.is_set():
                return None
        while True:
            with self._lock:
                remaining = self.last + quiet - time.monotonic()
            if remaining <= 0 or stop.is_set():
                break
            time.sleep(remaining)
        with self._lock:
            self.event.clear()
            paths, self.paths = self.paths, set()
        return None if stop.is_set() else paths


def start_observer(root: Path, changes: Changes) -> tuple[BaseObserver, set[str]]:
    """A watchdog observer on the site's config file and those source folders that exist."""
    observer = Observer()
    observer.schedule(changes, str(root), recursive=False)
    observer.daemon = True
    observer.start()
    return observer, watch_new_folders(observer, root, changes, set())


def watch_new_folders(observer: BaseObserver, root: Path, changes: Changes, watched: set[str]) -> set[str]:
    """Start watching source folders created since the last look (templates/ made later, say)."""
    for name in WATCHED_DIRS:
        if name not in watched and (root / name).is_dir():
            observer.schedule(changes, str(root / name), recursive=True)
            watched = watched | {name}
    return watched


def watch_loop(root: Path, rebuild: Callable[[Iterable[str]], object], stop: threading.Event) -> None:
    """Call rebuild(changed paths) after each burst of changes under root, until stop is set."""
    root = root.resolve()
    changes = Changes(root)
    observer, watched = start_observer(root, changes)
    try:
        while True:
            paths = changes.wait(stop)
            if paths is None:
                return
            watched = watch_new_folders(observer, root, changes, watched)
            first = changes.first
            rebuild(sorted(paths))
            print(f"rebuilt {time.monotonic() - first:.3f} s after the first change", flush=True)
    finally:
        observer.stop()
        observer.join(timeout=2)
