"""Text rules that apply to everything that comes in: small pure functions, tested as tables.

`remove_controls` is the one place input text is cleaned of characters no output may hold.
"""

from __future__ import annotations

import re

# C0 controls but tab and line feed (carriage returns are line endings, made LF before this),
# DEL and the C1 controls, and the noncharacters HTML and XML refuse: none is text a reader can
# see, and each makes an XML feed or sitemap malformed or an HTML page invalid.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def remove_controls(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text without control characters, and (line, code point) of each one removed."""
    found = [(text.count("\n", 0, m.start()) + 1, f"U+{ord(m.group()):04X}") for m in _CONTROLS.finditer(text)]
    return (_CONTROLS.sub("", text), found) if found else (text, [])


def describe_removed(found: list[tuple[int, str]]) -> str:
    """'removed control characters (U+001A) on lines 3, 7': one message for a file's findings."""
    points = ", ".join(dict.fromkeys(point for _, point in found))
    lines = sorted({line for line, _ in found})
    where = ", ".join(map(str, lines[:5])) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
    noun = "character" if len(found) == 1 else "characters"
    return f"removed control {noun} ({points}) on line{'s' if len(lines) > 1 else ''} {where}"
