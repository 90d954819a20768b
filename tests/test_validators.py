"""The Nu HTML Checker finds no errors in the sample site or the fixture site."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, NODE_MODULES, ROOT, need

from briefing.cli import main

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(folder: Path) -> list[str]:
    need(VNU.is_file() and shutil.which("java") is not None, "vnu.jar or java is missing (npm install in tests/)")
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", "--skip-non-html", "--errors-only", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    return [f"{m.get('url', '')}:{m.get('lastLine', '')}: {m['message']}" for m in messages]


@pytest.mark.parametrize(
    "site_dir, now", [(ROOT, "2022-05-02"), (FIXTURES / "site", "2022-05-01T05:00")], ids=["sample", "fixture"]
)
def test_html_is_valid(tmp_path: Path, site_dir: Path, now: str) -> None:
    if site_dir == FIXTURES / "site":  # a copy: a build leaves its cache beside the site
        site_dir = Path(shutil.copytree(site_dir, tmp_path / "site"))
    out = tmp_path / "public"
    assert main(["--site", str(site_dir), "build", "--now", now, "--out", str(out)]) == 0
    assert len(list(out.rglob("*.html"))) > 10
    for email in out.rglob("newsletter.html"):  # its merge tag is a URL once the sending service fills it in
        email.write_text(email.read_text().replace("{{unsubscribe}}", "https://example.org/unsubscribe?id=1"))
    assert vnu_errors(out) == []
