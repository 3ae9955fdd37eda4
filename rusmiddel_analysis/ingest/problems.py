"""Problems in raw data, reported so that a person can fix them: file, column, rule, rows, hint.

A problem never quotes a failing value: raw data can be personal data. Nor does it quote a column
name that may be a value: an export without its header row makes its first data row the column
names (a CPR number, a name). A name is printed only when `plausible_name` says it looks like a
column name; otherwise the message names the column by its position ("column 3").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rusmiddel_analysis.config.echo import printable

MAX_ROWS_LISTED = 5

# A plausible name (docs/data-formats.md, "Validation and errors"): what a column name, a sheet name
# or a code word looks like, as opposed to a personal value
MAX_NAME_LENGTH = 64
MAX_NAME_WORDS = 10
DIGIT_RUN = re.compile(r"\d{5}")  # five digits in a row: every CPR number (DDMMYY), phone numbers, ids
DATE_LIKE = re.compile(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}")  # a date of birth, a date of contact
NUMBER_ONLY = re.compile(r"[\d\s.,:/+-]+")  # an age, a year, an amount
NOT_SHOWN = "(its name is not shown: it looks like a value)"

HINTS = {
    "not empty": "every row needs a value here; check the export for blank cells",
    "required column present": "add the column to the export, or map the export's name for it under 'columns:' in mapping.yaml",
    "known column": "map it to a canonical name under 'columns:' in mapping.yaml, or list it under 'drop:'",
    "mapping column exists": "correct the name under 'columns:' in mapping.yaml (names are case-sensitive)",
    "type": "recode the export's words under 'values:' in mapping.yaml (see docs/data-formats.md)",
    "code": "recode the export's words under 'values:' in mapping.yaml, or correct the export",
    "unique": "remove the duplicate rows from the export, or check that two files do not hold the same year",
    "cpr": "pseudonymise the column first: rusmiddel pseudonymise --in FILE --out FILE --column NAME",
    "cpr in text": "a text in these cells holds a CPR number: remove it from the export (a free-text field must never hold one)",
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
    "utf-16": (
        "the file is UTF-16 text ({variant}, as Excel's 'Unicode text' saves it): "
        "set 'read: {{encoding: {variant}}}' in mapping.yaml, or export it again as CSV UTF-8"
    ),
    "excel serial date": (
        "the dates are numbers such as 43101: Excel's serial day numbers (days since 1899-12-30); "
        "format the column as a date in Excel (Format Cells > Date) and export again"
    ),
    "date_format directives": (
        "date_format takes strftime directives: %d day, %m month, %Y four-digit year, %y two-digit year, "
        "%b month name (e.g. '%d-%m-%Y' or '%d.%m.%Y')"
    ),
    "sheet": "set 'read: {{sheet: NAME}}' (or the sheet's number, counting from 0) in mapping.yaml; {sheets}",
    "answer": (
        "recode the answer words under 'values:' in mapping.yaml, per question (values: {alcohol_ever: {Ja: true}}) "
        "or for every question (values: {answer: {...}})"
    ),
    "layout": "a year's answers come either one row per respondent or as counts; remove the other file of that year",
    "counts breakdowns": "every counts file of a year must break the answers down by the same columns (else pupils are counted twice)",
    "counts column": (
        "a counts table holds year, question, answer, count, an optional weight and the source's breakdown columns; "
        "map the column under 'columns:' in mapping.yaml or list it under 'drop:'"
    ),
    "comparators": "see docs/data-formats.md, the comparators (sammenligning)",
    "name looks like a value": "its name looks like a value, not a column name: is the header row missing? Export it again with its column names",
}


def _id_like(word: str) -> bool:
    """A word of eight or more characters with letters and at least four digits: a pseudonym, a case number."""
    return len(word) >= 8 and any(c.isalpha() for c in word) and sum(c.isdigit() for c in word) >= 4


def _person_name_like(words: list[str]) -> bool:
    """Two to four capitalised words and nothing else ('Jens Hansen', 'Anne-Mette K. Jensen')."""
    return 2 <= len(words) <= 4 and all(w.rstrip(".").replace("-", "").isalpha() and w.rstrip(".").istitle() for w in words)


def plausible_name(name) -> bool:
    """Does `name` look like a column name (or a sheet name, a code word) rather than a value?

    Plausible: at most 64 characters and 10 words; no run of five digits (so no CPR number, with
    or without its dash, no phone number, no id like 'S15-004711'), no date, not a number alone, no
    '@', no long word mixing letters and four or more digits (a pseudonym), and not two to four
    capitalised words alone (a person's name, such as 'Jens Hansen'). Real export headers pass:
    'Alder første gang: ryget', 'Klassetrin', 'Køn', 'Skolenavn', 'Q12_3'. A real name that fails
    (a header in Title Case, a year as a header) is only shown by its position instead.
    """
    text = printable(name).strip()
    words = text.split()
    return (
        0 < len(text) <= MAX_NAME_LENGTH
        and len(words) <= MAX_NAME_WORDS
        and "@" not in text
        and not DIGIT_RUN.search(text)
        and not DATE_LIKE.search(text)
        and not NUMBER_ONLY.fullmatch(text)
        and not any(_id_like(w) for w in words)
        and not _person_name_like(words)
    )


def shown_name(name, position: int | None = None) -> str:
    """A name from a file as a message shows it: quoted when plausible, else its 1-based position
    (or a note that it is not shown, when it has no position)."""
    if plausible_name(name):
        return f"'{printable(name).strip()}'"
    return str(position) if position else NOT_SHOWN


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
    # the columns' 1-based positions in the export: a name that may be a value is shown by position
    column_position: int | None = None
    export_position: int | None = None

    def __str__(self) -> str:
        where = printable(self.file)
        if self.column:
            where += f": column {shown_name(self.column, self.column_position)}"
            if self.export_column and self.export_column != self.column:
                where += f" (export column {shown_name(self.export_column, self.export_position)})"
        text = f"{where}: rule '{printable(self.rule)}'"
        if self.n_rows:
            listed = ", ".join(map(str, self.rows[:MAX_ROWS_LISTED]))
            more = ", ..." if self.n_rows > MAX_ROWS_LISTED else ""
            text += f": {self.n_rows} row{'s' if self.n_rows != 1 else ''} fail (row {listed}{more})"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def locate(self, positions: dict) -> None:
        """Record where its columns stand in the export (`positions`: name -> 1-based position)."""
        self.column_position = self.column_position or positions.get(self.column)
        self.export_position = self.export_position or positions.get(self.export_column)


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
