"""Worker processes for the stages that can use every core: parsing, Markdown, rendering.

Workers are forked, so they inherit the build's data instead of receiving it pickled; they die
with the build that forked them (even killed with -9), so no orphan goes on writing files.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

MAX_WORKERS = 8


def count(parallel: bool) -> int:
    """How many workers a stage may start."""
    return min(os.cpu_count() or 1, MAX_WORKERS) if parallel else 1


@contextmanager
def forked_pool(workers: int, share: Any = None) -> Iterator[ProcessPoolExecutor]:
    """A pool of forked workers, each holding `share` (what the build hands them, inherited by
    the fork, never pickled; a worker reads it with `shared()`). Everything the build holds is
    frozen out of the cycle collector's reach first: a worker's collector walking the
    inherited objects would copy every page of them, and each worker would grow to the size
    of the build."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # with multiprocessing: not for a build that forks none

    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(share,)) as pool:
            yield pool
    finally:
        gc.unfreeze()


_SHARED: list[Any] = [None]  # in a worker, what `forked_pool` was given


def shared() -> Any:
    """In a forked worker, what the build handed its pool."""
    return _SHARED[0]


def _start(share: Any) -> None:
    parent_death_signal()
    gc.enable()  # forked from a build that turned the collector off; a worker makes much garbage
    _SHARED[0] = share


def parent_death_signal() -> None:
    """Ask the kernel to kill this process when the thread that started it ends (Linux's
    PR_SET_PDEATHSIG, kept across exec); elsewhere a no-op. Safe as a `preexec_fn`: one
    system call through a function looked up before the fork."""
    if _PRCTL is not None:
        _PRCTL(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def _prctl() -> Callable[[int, int], int] | None:
    try:
        import ctypes

        function: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
        return function
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl() if sys.platform.startswith("linux") else None
