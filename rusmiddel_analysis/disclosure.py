"""Statistical disclosure control for every published table and plot.

Rules (thresholds from the strategy file's settings.disclosure; defaults shown):
- a share is not shown when its group has fewer than `min_group_size` (20) answers, or when its
  numerator or the rest of the group is between 1 and `min_cell - 1` (1-4) persons;
- a count of 1-4 persons is shown as "<5";
- where a suppressed cell could be worked out from a total and the other cells of the same
  breakdown (exactly one suppressed cell among them), the next smallest cell is suppressed too.

Suppressed rows keep no trace of their values: numerator, denominator, value, interval and the
detail columns (no-answers, unknown share, contact rate) become missing, so nothing suppressed is
present in what a notebook displays or embeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUE_COLUMNS = ("numerator", "denominator", "value", "ci_low", "ci_high")
# detail that could also give a hidden cell away (a small group's no-answers, unknowns, contacts)
DETAIL_COLUMNS = ("no_answer", "unknown_share", "contact_rate", "effective_n")
SMALL_GROUP, SMALL_CELL, SMALL_COUNT, SECONDARY = "small_group", "small_cell", "small_count", "secondary"


def primary_suppression(numerator, denominator, is_share, min_group_size: int = 20, min_cell: int = 5) -> np.ndarray:
    """The reason each cell must be suppressed on its own ('' when it may be shown), vectorised."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    share = np.asarray(is_share, dtype=bool)
    small = lambda v: (v >= 1) & (v <= min_cell - 1)
    with np.errstate(invalid="ignore"):
        rest = den - num
        return np.select(
            [share & (den < min_group_size), share & (small(num) | small(rest)), ~share & small(num)],
            [SMALL_GROUP, SMALL_CELL, SMALL_COUNT],
            default="",
        )


def suppress(table: pd.DataFrame, partition: list[str], min_group_size: int = 20, min_cell: int = 5) -> pd.DataFrame:
    """Apply primary and secondary suppression to a tidy table.

    `table` has numerator, denominator (NaN for counts), value, ci_low, ci_high and `unit`
    ('percent' or 'persons'); `partition` names the columns whose combination forms one breakdown
    that adds up to a published total (e.g. target_id, year). Returns a copy with `suppressed`
    and `suppression` (the reason) and the values of suppressed rows removed.
    """
    out = table.copy()
    is_share = (out["unit"] == "percent").to_numpy()
    reason = primary_suppression(out["numerator"], out["denominator"], is_share, min_group_size, min_cell)
    out["suppression"] = reason
    if partition and len(out):
        size = np.where(is_share, out["denominator"].to_numpy(float), out["numerator"].to_numpy(float))
        out["_size"] = size
        for _, group in out.groupby(partition, sort=False, dropna=False):
            hidden = group["suppression"] != ""
            if hidden.sum() == 1 and len(group) > 1:
                shown = group[~hidden]
                next_smallest = shown["_size"].idxmin()
                out.loc[next_smallest, "suppression"] = SECONDARY
        out = out.drop(columns="_size")
    out["suppressed"] = out["suppression"] != ""
    hidden_columns = [c for c in (*VALUE_COLUMNS, *DETAIL_COLUMNS) if c in out.columns]
    out.loc[out["suppressed"], hidden_columns] = np.nan
    return out


def hidden(numerator, denominator, unit: str, min_group_size: int = 20, min_cell: int = 5) -> np.ndarray:
    """Which cells of a simple table (no breakdown to a published total) must be hidden."""
    table = pd.DataFrame({"numerator": np.asarray(numerator, float), "denominator": np.asarray(denominator, float),
                          "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "unit": unit})
    return suppress(table, [], min_group_size, min_cell)["suppressed"].to_numpy()


def display_value(row, formatter) -> str:
    """What a reader sees for a cell: the formatted value, '<5' for a small count, '–' for other suppression."""
    if row.get("suppressed"):
        return "<5" if row.get("suppression") == SMALL_COUNT else "–"
    return formatter(row)
