"""Problems with the author's material, as values: where, and what, in French."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file the author can open.

    `path` as the author knows it (« content/articles/x.md », « abonnes.csv »),
    or "" when no file is to blame; `line` 1-based, or None for the whole file;
    `message` French, without the place. Printed « path:line : message ».
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.path and self.line else self.path
        return f"{where}\u00a0: {self.message}" if where else self.message


class ProblemError(Exception):
    """An expected failure that stops an operation, carrying its `Problem`.

    Modules subclass it (SendError, CommentError…) so that callers catch what
    they expect by name; the message is the problem's French text.
    """

    def __init__(self, problem: Problem | str):
        self.problem = problem if isinstance(problem, Problem) else Problem("", None, str(problem))
        super().__init__(str(self.problem))
