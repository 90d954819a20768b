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


def test_every_third_party_import_is_a_declared_dependency() -> None:
    import ast
    import importlib.metadata
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {  # the core, and the runtime extra `ingest --validate` needs
        re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in [*project["dependencies"], *project["optional-dependencies"]["validate"]]
    }
    distributions = importlib.metadata.packages_distributions()
    imported: dict[str, str] = {}
    for path in sorted((ROOT / "briefing").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "briefing":
                    imported.setdefault(top, path.name)
    assert imported, "found no third-party import at all"
    undeclared = {
        top: (where, distributions.get(top))
        for top, where in imported.items()
        if not {d.lower().replace("_", "-") for d in distributions.get(top, [top])} & declared
    }
    assert undeclared == {}, f"imported but not in pyproject's dependencies: {undeclared}"
