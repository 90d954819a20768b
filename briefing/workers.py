"""Worker processes for the stages that can use every core: parsing, Markdown, rendering.

Workers are forked, so they inherit the build's data instead of receiving it pickled; they die
with the build that forked them (even killed with -9), so no orphan goes on writing files.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

MAX_WORKERS = 8


def count(parallel: bool) -> int:
    """How many workers a stage may start."""
    return min(os.cpu_count() or 1, MAX_WORKERS) if parallel else 1


@contextmanager
def forked_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[ProcessPoolExecutor]:
    """A pool of forked workers. Everything the build holds is frozen out of the cycle
    collector's reach first: a worker's collector walking the inherited objects would copy every
    page of them, and each worker would grow to the size of the build."""
    import multiprocessing

    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(initializer, initargs)
        ) as pool:
            yield pool
    finally:
        gc.unfreeze()


def _start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent()
    gc.enable()  # forked from a build that turned the collector off; a worker makes much garbage
    if initializer is not None:
        initializer(*initargs)


def die_with_parent() -> None:
    """In a worker process: be killed when the process that forked it dies. Linux only;
    elsewhere a no-op."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
