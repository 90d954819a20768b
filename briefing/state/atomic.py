"""Writing a file so that a reader, or a build killed half-way, sees it whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes | str | Callable[[BinaryIO], object]) -> None:
    """Write data to a temporary file beside path (named for this process, so two processes
    never share one), then rename it over path; folders are made as needed. `data` may be a
    function that writes to the open file: a table of a hundred megabytes is then written as
    it is made, never held whole in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)  # a full disk: leave no partial file behind
        raise
