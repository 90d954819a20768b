"""The one error type: a problem in a named file, at a line where there is one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with an input: `path:line: message`, and what to do about it."""

    path: str
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class BriefingError(Exception):
    """Raised with every problem found; the CLI prints each and exits 1."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[BriefingError], tuple[tuple[Problem, ...]]]:
        return BriefingError, (self.problems,)  # raised in a worker process, pickled to the build

    @classmethod
    def one(cls, path: str, line: int | None, message: str, hint: str | None = None) -> BriefingError:
        """An error holding a single problem."""
        return cls([Problem(path, line, message, hint)])


class UsageError(Exception):
    """Bad command-line usage; the CLI exits 2."""
