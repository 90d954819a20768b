"""Rebuild tests/expected/site from tests/fixtures/site. Run it by hand, then review the diff:

python tests/regenerate_expected.py && git diff --stat tests/expected
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from briefing.cli import main  # noqa: E402

NOW = "2022-05-01T05:00"


def regenerate() -> int:
    """Build the fixture site into a scratch folder and copy its pages (not static/) over."""
    expected = HERE / "expected" / "site"
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        shutil.copytree(HERE / "fixtures" / "site", site)
        status = main(["--site", str(site), "build", "--now", NOW])
        if status:
            return status
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(site / "public", expected, ignore=shutil.ignore_patterns("static", "pagefind"))
    print(f"wrote {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(regenerate())
