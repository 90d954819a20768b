"""The benchmark's own measurements: what its tables report must be the builds' and not its own."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402


def test_peak_memory_is_the_childs_own_and_its_workers_not_the_benchmarks() -> None:
    held = b"x" * (400 * 1024 * 1024)  # the benchmark holding a corpus, resident
    small = run.run_process([sys.executable, "-c", "pass"])[1]
    grown = [sys.executable, "-c", "x = bytearray(120 * 1024 * 1024); import time; time.sleep(0.5)"]
    own = run.run_process(grown)[1]
    forked = "import os, time\nif os.fork() == 0:\n    x = bytearray(250 * 1024 * 1024); time.sleep(0.5); os._exit(0)\nos.wait()"
    worker = run.run_process([sys.executable, "-c", forked])[1]
    assert len(held) and small < 60
    assert 120 <= own < 200
    assert 250 <= worker < 330
