"""House style is checked with the tests: ruff (lint and format) and mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, need

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "briefing", "tests", "benchmarks", "docs", "build.py"],
        ["ruff", "format", "--check", "briefing", "tests", "benchmarks", "docs", "build.py"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_code_is_clean(command: list[str]) -> None:
    tool = BIN / command[0] if (BIN / command[0]).exists() else shutil.which(command[0])
    need(tool is not None, f"{command[0]} is not installed (pip install -e '.[lint]')")
    result = subprocess.run([str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
