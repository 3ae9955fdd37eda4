"""Problems in raw data, reported so that a person can fix them: file, column, rule, rows, hint.

A problem never quotes a failing value: raw data can be personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ROWS_LISTED = 5

HINTS = {
    "not empty": "every row needs a value here; check the export for blank cells",
    "required column present": "add the column to the export, or map the export's name for it under 'columns:' in mapping.yaml",
    "known column": "map it to a canonical name under 'columns:' in mapping.yaml, or list it under 'drop:'",
    "mapping column exists": "correct the name under 'columns:' in mapping.yaml (names are case-sensitive)",
    "type": "recode the export's words under 'values:' in mapping.yaml (see docs/data-formats.md)",
    "code": "recode the export's words under 'values:' in mapping.yaml, or correct the export",
    "unique": "remove the duplicate rows from the export, or check that two files do not hold the same year",
    "cpr": "pseudonymise the column first: rusmiddel pseudonymise --in FILE --out FILE --column NAME",
    "encoding": "set 'read: {encoding: cp1252}' (or the right encoding) in mapping.yaml",
    "unreadable": "open the file in the program that made it and export it again",
    "empty": "the file has no data rows; remove it or export it again",
    "future": "dates after today are impossible; check the export's date columns",
    "order": "the end date lies before the start date; correct the export",
    "range": "the value lies outside the allowed range (docs/data-formats.md)",
    "survey year": "a survey year outside the strategy's years; check the 'year' column or the strategy file",
    "reference": "follow-up rows must refer to an episode in behandling_forloeb",
    "changed": "a raw file changed while it was being read; wait until the copy is finished and run again",
    "source present": "put the export in this folder, or run 'rusmiddel demo-data' for synthetic demo data",
    "mapping": "see docs/data-formats.md for the form of mapping.yaml",
    "decimal": "the numbers have a decimal comma: set 'read: {decimal: \",\"}' in mapping.yaml",
    "date_format": "the dates are day-month-year: set 'date_format: \"%d-%m-%Y\"' (or the export's pattern) in mapping.yaml",
    "header_row": "the column names are not on the first row: set 'read: {header_row: N}' in mapping.yaml (N: the row of the names)",
}


@dataclass
class Problem:
    """One broken rule in one file: where, what, how many rows and the first row numbers."""

    file: str
    rule: str
    column: str | None = None
    n_rows: int = 0
    rows: tuple[int, ...] = ()
    hint: str = ""
    export_column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f": column '{self.column}'"
            if self.export_column and self.export_column != self.column:
                where += f" (export column '{self.export_column}')"
        text = f"{where}: rule '{self.rule}'"
        if self.n_rows:
            listed = ", ".join(map(str, self.rows[:MAX_ROWS_LISTED]))
            more = ", ..." if self.n_rows > MAX_ROWS_LISTED else ""
            text += f": {self.n_rows} row{'s' if self.n_rows != 1 else ''} fail (row {listed}{more})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class DataValidationError(Exception):
    """Raw data that cannot be processed; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the raw data:\n" + "\n".join(f"- {p}" for p in problems))


def rows_of(positions, row_numbers: np.ndarray) -> tuple[int, tuple[int, ...]]:
    """How many rows fail, and the first few as the row numbers a person sees in the file."""
    positions = np.unique(np.asarray(positions, dtype=int))
    return len(positions), tuple(int(row_numbers[p]) for p in positions[:MAX_ROWS_LISTED])


def hint_for(rule: str) -> str:
    if rule == "not empty":
        return HINTS["not empty"]
    if rule.startswith("unique"):
        return HINTS["unique"]
    if rule.startswith("one of"):
        return HINTS["code"]
    if rule.startswith("survey year"):
        return HINTS["survey year"]
    if rule == "not in the future":
        return HINTS["future"]
    if " not before " in rule:
        return HINTS["order"]
    return HINTS["range"]
