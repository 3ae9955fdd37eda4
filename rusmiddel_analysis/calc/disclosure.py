"""Statistical disclosure control for every published table and plot.

Rules (thresholds from the strategy file's settings.disclosure; defaults shown), and the attack
each one stops (docs/methodology.md, section 7):

Primary suppression, cell by cell:
- `small_group`: a share whose group has fewer than `min_group_size` (20) answers;
- `small_cell`: a share whose numerator or rest of the group (denominator - numerator) is
  1 to `min_cell - 1` (1-4) persons;
- `small_count`: a count of 1-4 persons (shown as "<5");
- `all_or_none`: a subgroup share of 0 % or 100 % (everyone or no one in the group has the trait:
  attribute disclosure). Always for health data (`all_or_none_health_data`), and for survey
  groups under `all_or_none_min_group` (50) answers.

Secondary suppression, breakdown by breakdown (the cells of one target, year and dimension add up
to a published total): the cells hidden together must themselves form a publishable cell, since
the total minus the shown cells gives their sum. So a breakdown never has exactly one hidden cell,
and while the hidden cells' sum would break a primary rule, the next smallest shown cell is hidden
too (`secondary`; ties broken by the smaller cell, then the group's name), as Statistics Denmark's and the ONS's guidance
on complementary suppression describe.

Suppressed rows keep no trace of their values: numerator, denominator, value, interval and the
detail columns become missing, so nothing suppressed is present in what a notebook displays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rusmiddel_analysis.config.strategy import SETTINGS_DEFAULTS

DEFAULTS = SETTINGS_DEFAULTS["disclosure"]

VALUE_COLUMNS = ("numerator", "denominator", "value", "ci_low", "ci_high")
# detail that could also give a hidden cell away (a small group's no-answers, unknowns, contacts)
DETAIL_COLUMNS = (
    "no_answer",
    "unknown_share",
    "contact_rate",
    "effective_n",
    "design_effect",
    "clusters",
    "design_df",
    "standardised_value",
    "standardised_low",
    "standardised_high",
    "standardised_coverage",
    "common_clusters",
    "coverage",
    "common_value",
    "common_low",
    "common_high",
    "common_baseline_value",
    "baseline_measured",
    "change",
    "change_se",
    "change_df",
    "trend_slope",
    "trend_se",
    "trend_df",
    "trend_years",
    "bound_low",
    "bound_high",
    "population",
    "rate",
    "rate_low",
    "rate_high",
)
# the decimals a published share is given with in the published tables (the linked audit assumes them)
SHARE_DECIMALS = 1
SMALL_GROUP, SMALL_CELL, SMALL_COUNT, ALL_OR_NONE, SECONDARY = "small_group", "small_cell", "small_count", "all_or_none", "secondary"


@dataclass(frozen=True)
class Rules:
    """The disclosure settings of a strategy file, checked and typed."""

    min_group_size: int = DEFAULTS["min_group_size"]
    min_cell: int = DEFAULTS["min_cell"]
    all_or_none_health_data: bool = DEFAULTS["all_or_none_health_data"]
    all_or_none_min_group: int = DEFAULTS["all_or_none_min_group"]
    round_sizes: int = DEFAULTS["round_sizes"]

    @classmethod
    def from_settings(cls, settings: dict) -> Rules:
        d = settings["disclosure"]
        return cls(
            int(d["min_group_size"]), int(d["min_cell"]), bool(d["all_or_none_health_data"]), int(d["all_or_none_min_group"]), int(d["round_sizes"])
        )

    def all_or_none_limit(self, health_data: bool) -> float:
        """Groups below this size may not show 0 % or 100 % (infinite: never)."""
        return np.inf if (health_data and self.all_or_none_health_data) else float(self.all_or_none_min_group)


def primary_suppression(numerator, denominator, is_share, rules: Rules | None = None, all_or_none_limit=0.0) -> np.ndarray:
    """The reason each cell must be suppressed on its own ('' when it may be shown), vectorised.

    `all_or_none_limit` is the group size below which a share of 0 % or 100 % is hidden (0 for
    totals, which the rule does not cover; `Rules.all_or_none_limit` for subgroup cells).
    """
    rules = rules or Rules()
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    share = np.asarray(is_share, dtype=bool)
    limit = np.asarray(all_or_none_limit, dtype=float)
    small = lambda v: (v >= 1) & (v <= rules.min_cell - 1)
    with np.errstate(invalid="ignore"):
        rest = den - num
        all_or_none = share & ((num == 0) | (rest == 0)) & (den < limit)
        return np.select(
            [share & (den < rules.min_group_size), share & (small(num) | small(rest)), all_or_none, ~share & small(num)],
            [SMALL_GROUP, SMALL_CELL, ALL_OR_NONE, SMALL_COUNT],
            default="",
        )


def _complement(group: pd.DataFrame, reason: pd.Series, rules: Rules) -> list:
    """The cells of one breakdown to hide besides its primary ones, smallest first, until the hidden
    cells' sum is itself publishable (and never exactly one hidden cell)."""
    chosen = reason[group.index] != ""
    if not chosen.any():
        return []
    is_share = bool(group["unit"].iloc[0] == "percent")
    size = (group["denominator"] if is_share else group["numerator"]).fillna(0)
    # the smallest group first; then the smaller cell: for a share the smaller of its two sides
    # (with and without the trait, so a share and its complement hide alike), for a count the count
    cell = np.fmin(group["numerator"], group["denominator"] - group["numerator"]) if is_share else group["numerator"]
    order = group.assign(_size=size, _cell=cell.fillna(0), _name=group["group"].astype(str))
    order = order.sort_values(["_size", "_cell", "_name"]).index
    limit = group["_limit"].min()
    added = []
    for candidate in (c for c in order if not chosen[c]):
        aggregate = primary_suppression(group.loc[chosen, "numerator"].sum(), group.loc[chosen, "denominator"].sum(), is_share, rules, limit)
        if chosen.sum() >= 2 and aggregate == "":
            break
        chosen[candidate] = True
        added.append(candidate)
    return added


def secondary_suppression(table: pd.DataFrame, reason: pd.Series, lines: list, rules: Rules | None = None) -> pd.Series:
    """The reasons of `reason` with the complementary cells added (`secondary`).

    Each line is the index of cells bound by one published sum (a breakdown and its total). When
    tables are linked (a grade x behaviours table whose rows and columns both add up) a cell hidden
    for one line can leave another with a single hidden cell, so the lines are gone over again
    until none gains a cell: the classical rule that each line of a table has no hidden cell or at
    least two whose sum is publishable (Statistics Denmark; ONS, "Disclosure control guidance").
    `table` has group, numerator, denominator and unit, and `_limit` when shares may be 0 %/100 %.
    """
    rules = rules or Rules()
    if "_limit" not in table.columns:
        table = table.assign(_limit=0.0)
    reason = reason.copy()
    changed = True
    while changed:
        changed = False
        for line in lines:
            if not (reason.loc[line] != "").any():  # nothing hidden in the line: nothing to protect
                continue
            added = _complement(table.loc[line], reason, rules)
            if added:
                reason[added] = SECONDARY
                changed = True
    return reason


def suppress(table: pd.DataFrame, partition: list[str], rules: Rules | None = None, all_or_none_limit=0.0) -> pd.DataFrame:
    """Apply primary and secondary suppression to a tidy table.

    `table` has group, numerator, denominator (NaN for counts), value, ci_low, ci_high and `unit`
    ('percent' or 'persons'); `partition` names the columns whose combination forms one breakdown
    that adds up to a published total (e.g. target_id, year). `all_or_none_limit` (a number or one
    per row) is the group size under which 0 % and 100 % are hidden. Returns a copy with
    `suppressed` and `suppression` (the reason) and the values of suppressed rows removed.
    """
    rules = rules or Rules()
    out = table.copy()
    out["_limit"] = np.broadcast_to(np.asarray(all_or_none_limit, dtype=float), len(out))
    is_share = (out["unit"] == "percent").to_numpy()
    out["suppression"] = primary_suppression(out["numerator"], out["denominator"], is_share, rules, out["_limit"])
    if partition and len(out):
        lines = [group.index for _, group in out.groupby(partition, sort=False, dropna=False)]
        out["suppression"] = secondary_suppression(out, out["suppression"], lines, rules)
    out = out.drop(columns="_limit")
    out["suppressed"] = out["suppression"] != ""
    hidden_columns = [c for c in (*VALUE_COLUMNS, *DETAIL_COLUMNS) if c in out.columns]
    out.loc[out["suppressed"], hidden_columns] = np.nan
    return out


def hidden(numerator, denominator, unit: str, rules: Rules | None = None, all_or_none_limit=0.0) -> np.ndarray:
    """Which cells of a simple table (no breakdown to a published total) must be hidden."""
    table = pd.DataFrame(
        {
            "group": "",
            "numerator": np.asarray(numerator, float),
            "denominator": np.asarray(denominator, float),
            "value": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "unit": unit,
        }
    )
    return suppress(table, [], rules, all_or_none_limit)["suppressed"].to_numpy()
