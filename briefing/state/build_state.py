"""What the last build into an output folder saw: the hash of its inputs, when its output goes
stale by the clock, its warnings and its broken links."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from .atomic import write_atomic

if TYPE_CHECKING:
    from ..builder import BuildReport  # noqa: F401


class BuildState:
    """What the last build into an output folder saw, so an unchanged site costs a few stats."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def unchanged(self, inputs: str, now: datetime, manifest_file: Path, out_dir: Path) -> BuildReport | None:
        """The last build's report, as a no-op, when nothing it read has changed and its output
        is still there (a deleted output folder is built again)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("inputs") != inputs or not manifest_file.is_file() or not (out_dir / "index.html").is_file():
            return None
        until = data.get("valid_until")
        if until is not None and now >= datetime.fromisoformat(until):
            return None
        from ..builder import BuildReport  # the builder's type; imported here, as the builder imports this

        due = data.get("next_due")
        return BuildReport(
            pages=data["pages"],
            rendered=0,
            written=0,
            unchanged=data["pages"],
            deleted=0,
            seconds=0.0,
            warnings=tuple(Problem(*w) for w in data["warnings"]),
            next_due=(datetime.fromisoformat(due[0]), due[1]) if due else None,
        )

    def link_problems(self) -> list[tuple[str, Problem]] | None:
        """The broken links the last build found, by output file; None when unknown."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [(name, Problem(*problem)) for name, *problem in data["links"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, inputs: str, until: datetime | None, report: BuildReport, links: list[tuple[str, Problem]]) -> None:
        """Record what this build saw."""
        data = {
            "links": [[name, p.path, p.line, p.message, p.hint] for name, p in links],
            "inputs": inputs,
            "valid_until": until.isoformat() if until else None,
            "pages": report.pages,
            "warnings": [[w.path, w.line, w.message, w.hint] for w in report.warnings],
            "next_due": [report.next_due[0].isoformat(), report.next_due[1]] if report.next_due else None,
        }
        write_atomic(self.path, json.dumps(data))
