"""The comparators' checks against the strategy: published figures for other areas, row by row.

The optional source `sammenligning` holds figures other publishers made public (the national
youth survey's shares, the region's, Statistics Denmark's treatment starts for the whole country),
one row per target, area and year. Their format (ingest/schemas.py) checks types, the key and
that numbers are not negative; what needs the strategy file is checked here: the target exists,
the value lies in its unit's range, the year in the strategy's years, an interval holds its value,
and a numerator (with a denominator for a share) agrees with the value. Comparators are already
public, so they are never disclosure-controlled, but a wrong one must never reach a page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.problems import HINTS, MAX_ROWS_LISTED, Problem
from rusmiddel_analysis.ingest.schemas import COMPARATOR_SHARE_TOLERANCE

INTERVAL = ("ci_low", "ci_high")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column as floats (NaN where it is empty or the file lacks it)."""
    return frame[name].astype(float) if name in frame.columns else pd.Series(np.nan, index=frame.index)


def _problems(frame: pd.DataFrame, failing: pd.Series, rule: str, column: str | None) -> list[Problem]:
    """One problem per file for the failing rows, with their row numbers."""
    rows = frame[failing.fillna(False).to_numpy(bool)]
    return [
        Problem(name, rule, column, len(group), tuple(int(r) for r in group["_row"].head(MAX_ROWS_LISTED)), HINTS["comparators"])
        for name, group in rows.groupby("_file", sort=True)
    ]


def _target_rules(frame: pd.DataFrame, strategy) -> list[tuple[pd.Series, str, str]]:
    """(failing rows, rule, column) for the rules about the target, its unit and the years."""
    units = {t.id: t.unit for t in strategy.targets}
    unit = frame["target_id"].map(units)
    first, last = strategy.years[0], strategy.period_end
    value = _column(frame, "value")
    percent = unit == "percent"
    return [
        (unit.isna(), f"target_id one of the strategy's targets ({', '.join(strategy.target_ids)})", "target_id"),
        (~frame["year"].astype(float).between(first, last), f"a year of the strategy, {first}-{last}", "year"),
        (percent & (value > 100), "a share's value at most 100 (percent, not a fraction)", "value"),
        (percent & ((_column(frame, "ci_high") > 100) | (_column(frame, "ci_low") > 100)), "a share's interval at most 100", "ci_high"),
        (~percent & unit.notna() & (value != np.floor(value)), "a count of persons a whole number", "value"),
    ]


def _interval_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str, str]]:
    """The publisher's interval: both ends or none, and holding the value."""
    low, high, value = _column(frame, "ci_low"), _column(frame, "ci_high"), _column(frame, "value")
    return [
        (low.isna() != high.isna(), "ci_low and ci_high given together", "ci_high" if low.notna().any() else "ci_low"),
        (low.notna() & high.notna() & ~((low <= value) & (value <= high)), "ci_low <= value <= ci_high", "value"),
    ]


def _count_rules(frame: pd.DataFrame, strategy) -> list[tuple[pd.Series, str, str]]:
    """A numerator (and a share's denominator) that agrees with the value."""
    percent = frame["target_id"].map({t.id: t.is_share for t in strategy.targets}).fillna(False).astype(bool)
    numerator, denominator, value = _column(frame, "numerator"), _column(frame, "denominator"), _column(frame, "value")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100 * numerator / denominator
    tolerance = COMPARATOR_SHARE_TOLERANCE
    return [
        (percent & (numerator.isna() != denominator.isna()), "a share's numerator and denominator given together", "denominator"),
        (percent & (numerator > denominator), "numerator at most denominator", "numerator"),
        (percent & ((share - value).abs() > tolerance), f"a share's value within {tolerance:g} points of 100 x numerator / denominator", "value"),
        (~percent & denominator.notna(), "no denominator for a count of persons (its numerator is the count)", "denominator"),
        (~percent & numerator.notna() & (numerator != value), "a count's numerator equal to its value", "numerator"),
    ]


def _named_areas(frame: pd.DataFrame, strategy, folder: Path) -> list[Problem]:
    """Every area settings.comparators.areas chooses must be in the files (a misspelt one would vanish)."""
    chosen = strategy.settings.comparators.areas or []
    missing = [a for a in chosen if a not in set(frame["area"].astype(str))]
    if not missing:
        return []
    rule = f"every area settings.comparators.areas names in the files (missing: {', '.join(missing)})"
    return [Problem(str(folder), rule, "area", hint=HINTS["comparators"])]


def comparator_problems(frame: pd.DataFrame, strategy, folder: Path) -> list[Problem]:
    """Every comparator row checked against the strategy (module docstring); `frame` is the files'
    typed rows with their _file and _row."""
    rules = _target_rules(frame, strategy) + _interval_rules(frame) + _count_rules(frame, strategy)
    located = frame.assign(_file=frame["_file"].map(lambda name: str(folder / name)))
    return [p for failing, rule, column in rules for p in _problems(located, failing, rule, column)] + _named_areas(frame, strategy, folder)
