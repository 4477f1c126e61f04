"""Input errors that carry every problem found, each located by file, row and column.

Bad input is reported all at once (never just the first problem) so that a caseworker can fix a
file in one pass.  Messages never contain personal data about refugees beyond a case id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input.

    Parameters
    ----------
    message:
        What is wrong, in words a caseworker understands.
    source:
        File name (or a label such as ``"--landstal"`` for a command-line value).
    row:
        Line number in the file as a spreadsheet shows it (the header is row 1), if any.
    column:
        Column name, if any.
    """

    message: str
    source: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputError(Exception):
    """Invalid input; carries every :class:`Problem` found."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, headed by how many there are."""
        n = len(self.problems)
        head = "1 problem in the input:" if n == 1 else f"{n} problems in the input:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class ProblemCollector:
    """Accumulates problems while a whole input is checked, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        message: str,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problems.append(Problem(message, source, row, column))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
