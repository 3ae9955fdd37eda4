"""Canonical text parsed into the canonical types: whole numbers, numbers, true/false and dates.

One function per step, shared by validation (an export's columns), the counts layout (each
question's answers) and the calculations that read a counts table's answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.schemas import FALSE_WORDS, TRUE_WORDS, Col

TYPE_RULES = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "date": "a date in the format {date_format}",
}
ISO_DATE = "%Y-%m-%d"


def type_rule(col: Col, date_format: str | None = None) -> str:
    return TYPE_RULES[col.kind].format(date_format=date_format or ISO_DATE)


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Numbers from text; with a decimal comma, '1.234,5' is 1234.5 (the dot then groups thousands)."""
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _dates(text: pd.Series, date_format: str | None) -> pd.Series:
    """Dates in the declared format; an ISO date (as Excel's own date cells are read) is accepted too."""
    dates = pd.to_datetime(text, format=ISO_DATE, errors="coerce")
    if date_format and date_format != ISO_DATE:
        dates = pd.to_datetime(text, format=date_format, errors="coerce").fillna(dates)
    return dates


def parse_column(text: pd.Series, col: Col, decimal: str = ".", date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse canonical text into the column's type; returns (values, rows that failed to parse)."""
    present = text.notna()
    if col.kind in ("int", "float"):
        numbers = _numbers(text, decimal)
        bad = present & numbers.isna()
        if col.kind == "int":
            fractional = numbers.notna() & (numbers != np.floor(numbers))
            bad |= fractional
            numbers = numbers.mask(fractional).astype("Int64")
        else:
            numbers = numbers.astype("Float64")
        return numbers, bad
    if col.kind == "bool":
        lowered = text.str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_WORDS).fillna(False)] = True
        values[lowered.isin(FALSE_WORDS).fillna(False)] = False
        return values, present & values.isna()
    if col.kind == "date":
        dates = _dates(text, date_format)
        return dates, present & dates.isna()
    return text.astype("string"), pd.Series(False, index=text.index)
