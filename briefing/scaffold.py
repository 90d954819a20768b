"""`new DIR`: a site folder with every setting at its default and one article, ready to build."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .config import CONFIG_NAME, default_config, render_toml, shown_path
from .errors import BriefingError

WELCOME = """\
---
title: Welcome to your briefing
date: {day}
tags: [Newsroom]
summary: This is the first article of a new briefing site. Edit it, or drop wire copy into inbox/.
---
Each article is a Markdown file under `content/`, with front matter between the two `---`
lines: a `title`, a `date`, and optionally `tags`, a `summary`, an `author` and more.

## What happens next

Run `briefing serve` and open <http://127.0.0.1:8000/>: every save shows up in the browser.
"""


def scaffold(target: Path, today: date | None = None) -> None:
    """Create a new site in target, which must be missing or empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BriefingError.one(
            shown_path(target), None, "already exists and is not empty", "choose a new folder for the site"
        )
    day = today or date.today()
    article = target / "content" / f"{day:%Y/%m/%d}" / "welcome.md"
    article.parent.mkdir(parents=True)
    article.write_text(WELCOME.format(day=day.isoformat()), encoding="utf-8")
    (target / "inbox").mkdir()
    (target / CONFIG_NAME).write_text(render_toml(default_config(target)), encoding="utf-8")
    (target / ".gitignore").write_text("/public/\n/.briefing-cache/\n", encoding="utf-8")
