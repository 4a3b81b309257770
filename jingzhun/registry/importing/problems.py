"""What a refused import reports: one `row,column,value,message` line per problem.

A badly wrong file can hold millions of problems, so the log keeps only the first few in
memory (for the terminal and for callers) and spills every one to a temporary CSV file that
`--errors` copies out.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ERROR_HEADER = ("row", "column", "value", "message")


class Problem(NamedTuple):
    """`row` is the spreadsheet row number (the header is row 1); 0 means the whole file."""

    row: int
    column: str
    value: str
    message: str


class ProblemLog:
    def __init__(self, *, keep: int = 1000) -> None:
        self.keep = keep
        self.kept: list[Problem] = []
        self.total = 0
        # Lives as long as the log (a refusal hands it to the caller), so no `with`.
        self._spill = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._spill)

    def add(self, row: int, column: str, value: object, message: str) -> None:
        problem = Problem(row, column, "" if value is None else str(value), message)
        self.total += 1
        if len(self.kept) < self.keep:
            self.kept.append(problem)
        self._writer.writerow(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.add(*problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def write_csv(self, path: Path | str) -> None:
        """Every problem, in the order found, under the header `row,column,value,message`."""
        self._spill.flush()
        self._spill.seek(0)
        with Path(path).open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerow(ERROR_HEADER)
            shutil.copyfileobj(self._spill, out)
        self._spill.seek(0, 2)

    def close(self) -> None:
        self._spill.close()


@dataclass
class ImportRefused(Exception):  # noqa: N818 - "refused" is the contract's word
    """The file was refused: nothing was written. `problems` holds the first `len(problems)`
    of `total`; `write_csv` writes them all."""

    kind: str
    problems: list[Problem]
    total: int
    log: ProblemLog | None = None

    def __str__(self) -> str:
        return f"{self.kind}: input refused, {self.total} problem(s); nothing was written"

    def write_csv(self, path: Path | str) -> None:
        if self.log is not None:
            self.log.write_csv(path)
            return
        with Path(path).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(ERROR_HEADER)
            writer.writerows(self.problems)
