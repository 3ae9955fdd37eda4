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

Residual groups (breakdowns.residual_groups: gender "other", every `unknown`, their merged group):
a residual cell that breaks a rule, or is chosen as a complementary cell, is left out of its
breakdown (`left_out`): no row on the page or in the files, a note instead. And a group of
`large_group` (1,000) answers or more is never hidden to protect groups smaller than that: when
only such groups could be hidden, the line is *unprotected* (`unprotected`), and the caller marks
the lines of that source, year and dimension `protected`. In a protected line every residual group
is left out, and the large groups show their share and interval with their counts (numerator,
denominator and detail) withheld (`withheld`): the total minus the shown groups then leaves the
sizes of the large groups and of the hidden groups unknown, which the linear programs of
tests/test_residual.py and calc/linked.py check (docs/methodology.md, section 7).

Suppressed rows keep no trace of their values: numerator, denominator, value, interval and the
detail columns become missing, so nothing suppressed is present in what a notebook displays.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.tables import Indicators, columns
from rusmiddel_analysis.config.settings import Disclosure, StrategySettings

# an indicator row's published counts and share, and its detail that could also give a hidden cell
# away (a small group's no-answers, unknowns, contacts): named in calc/tables.Indicators
VALUE_COLUMNS = tuple(columns(Indicators, "counts", "estimate"))
DETAIL_COLUMNS = tuple(columns(Indicators, "detail"))
# the decimals a published share is given with in the published tables (the linked audit assumes them)
SHARE_DECIMALS = 1
SMALL_GROUP, SMALL_CELL, SMALL_COUNT, ALL_OR_NONE, SECONDARY = "small_group", "small_cell", "small_count", "all_or_none", "secondary"
# a residual group not shown in its breakdown; a large group shown with its counts withheld (its row is published)
LEFT_OUT, WITHHELD = "left_out", "withheld"
# the counts a withheld row does not publish (besides the detail columns)
COUNT_COLUMNS = tuple(columns(Indicators, "counts"))


@dataclass(frozen=True)
class Rules(Disclosure):
    """The disclosure settings of a strategy file: their fields, defaults and checks are
    config/settings.Disclosure's; this adds what the suppression needs of them."""

    @classmethod
    def from_settings(cls, settings: StrategySettings) -> Rules:
        return cls(**dataclasses.asdict(settings.disclosure))

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


def _size(group: pd.DataFrame, is_share: bool) -> pd.Series:
    """A cell's group size: a share's answers, a count's persons."""
    return (group["denominator"] if is_share else group["numerator"]).fillna(0)


def _candidates(group: pd.DataFrame, chosen: pd.Series, is_share: bool, rules: Rules) -> list:
    """The shown cells a line may hide to protect its hidden ones, smallest group first (then the
    smaller cell: for a share the smaller of its two sides, with and without the trait, so a share
    and its complement hide alike; for a count the count; then the group's name). In a breakdown
    into groups (`_residual` marks its residual groups) a share's group of rules.large_group answers
    or more is no candidate while only residual groups are to be protected, and none is needed in a
    protected line whose large groups' counts are withheld."""
    size = _size(group, is_share).to_numpy(float)
    cell = np.fmin(group["numerator"], group["denominator"] - group["numerator"]) if is_share else group["numerator"]
    order = np.lexsort((group["group"].astype(str).to_numpy(), cell.fillna(0).to_numpy(float), size))
    shown = ~chosen.to_numpy()
    if "_residual" in group.columns and is_share:  # a count has no share to show in place of its number
        large = size >= rules.large_group
        if group["_protected"].any() and (large & shown).any():
            return []
        if (group["_residual"].to_numpy() | shown).all():
            shown = shown & ~large
    return list(group.index[order[shown[order]]])


def _publishable_sum(group: pd.DataFrame, chosen: pd.Series, is_share: bool, rules: Rules) -> bool:
    """Whether the hidden cells of a line are at least two and their sum (the total minus the shown
    cells) breaks no rule."""
    aggregate = primary_suppression(
        group.loc[chosen, "numerator"].sum(), group.loc[chosen, "denominator"].sum(), is_share, rules, group["_limit"].min()
    )
    return chosen.sum() >= 2 and aggregate == ""


def _complement(group: pd.DataFrame, reason: pd.Series, rules: Rules) -> list:
    """The cells of one breakdown to hide besides its primary ones, smallest first, until the hidden
    cells' sum is itself publishable (and never exactly one hidden cell)."""
    chosen = reason[group.index] != ""
    if not chosen.any():
        return []
    is_share = bool(group["unit"].iloc[0] == "percent")
    added = []
    for candidate in _candidates(group, chosen, is_share, rules):
        if _publishable_sum(group, chosen, is_share, rules):
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
    if "_residual" in table.columns:  # a residual group that breaks a rule (or a protected line's) is left out
        reason[table["_residual"] & ((reason != "") | table["_protected"])] = LEFT_OUT
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


def _marked(table: pd.DataFrame, all_or_none_limit, residual, protected) -> pd.DataFrame:
    """`table` with the per-row columns the lines need: _limit, _residual, _protected."""
    rows = len(table)
    return table.assign(
        _limit=np.broadcast_to(np.asarray(all_or_none_limit, dtype=float), rows),
        _residual=np.broadcast_to(np.asarray(False if residual is None else residual, dtype=bool), rows),
        _protected=np.broadcast_to(np.asarray(False if protected is None else protected, dtype=bool), rows),
    )


def _reasons(out: pd.DataFrame, lines: list, rules: Rules) -> pd.Series:
    """Primary and secondary suppression of a marked table (residual groups left out)."""
    is_share = (out["unit"] == "percent").to_numpy()
    reason = pd.Series(primary_suppression(out["numerator"], out["denominator"], is_share, rules, out["_limit"]), index=out.index)
    reason = secondary_suppression(out, reason, lines, rules)
    reason[out["_residual"] & (reason != "")] = LEFT_OUT  # a residual group is shown or left out, never a hidden row
    return reason


def unprotected_lines(table: pd.DataFrame, reason: pd.Series, lines: list, rules: Rules) -> np.ndarray:
    """For each row of a suppressed table, whether its line (of shares) is left unprotected: cells
    are shown, and the hidden ones are a single cell or a sum that breaks a rule (what a line of
    breakdown groups has when only a group of rules.large_group answers or more could protect it)."""
    flagged = pd.Series(False, index=table.index)
    for line in lines:
        group, chosen = table.loc[line], reason[line] != ""
        is_share = bool(group["unit"].iloc[0] == "percent")
        if is_share and chosen.any() and not chosen.all() and not _publishable_sum(group, chosen, is_share, rules):
            flagged[line] = True
    return flagged.to_numpy()


def unprotected(table: pd.DataFrame, partition: list[str], rules: Rules | None = None, all_or_none_limit=0.0, residual=None) -> np.ndarray:
    """For each row, whether its line (a breakdown of shares) has hidden or left-out cells that only
    a group of rules.large_group answers or more could protect (`unprotected_lines`). The caller
    protects such a line's source, year and dimension (`suppress(..., protected=...)`)."""
    rules = rules or Rules()
    out = _marked(table, all_or_none_limit, residual, None)
    lines = [group.index for _, group in out.groupby(partition, sort=False, dropna=False)] if len(out) else []
    return unprotected_lines(out, _reasons(out, lines, rules), lines, rules)


def suppress(
    table: pd.DataFrame, partition: list[str], rules: Rules | None = None, all_or_none_limit=0.0, residual=None, protected=None
) -> pd.DataFrame:
    """Apply primary and secondary suppression to a tidy table.

    `table` has group, numerator, denominator (NaN for counts), value, ci_low, ci_high and `unit`
    ('percent' or 'persons'); `partition` names the columns whose combination forms one breakdown
    that adds up to a published total (e.g. target_id, year). `all_or_none_limit` (a number or one
    per row) is the group size under which 0 % and 100 % are hidden. `residual` (one per row)
    marks the residual groups of a breakdown, `protected` (one per row) the lines whose large
    groups' counts are withheld. Returns a copy with `suppressed` and `suppression` (the reason;
    `withheld` for a shown row without its counts) and the values of suppressed rows removed.
    """
    rules = rules or Rules()
    out = _marked(table, all_or_none_limit, residual, protected)
    lines = [group.index for _, group in out.groupby(partition, sort=False, dropna=False)] if partition and len(out) else []
    reason = _reasons(out, lines, rules)
    is_share = (out["unit"] == "percent").to_numpy()
    large = _size(out, True).to_numpy() >= rules.large_group
    reason[out["_protected"].to_numpy() & is_share & large & (reason == "").to_numpy()] = WITHHELD
    out = out.drop(columns=["_limit", "_residual", "_protected"]).assign(suppression=reason)
    out["suppressed"] = ~out["suppression"].isin(["", WITHHELD])
    hidden_columns = [c for c in (*VALUE_COLUMNS, *DETAIL_COLUMNS) if c in out.columns]
    out.loc[out["suppressed"], hidden_columns] = np.nan
    withheld_columns = [c for c in (*COUNT_COLUMNS, *DETAIL_COLUMNS) if c in out.columns]
    out.loc[out["suppression"] == WITHHELD, withheld_columns] = np.nan
    return out


def published(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of a breakdown that are published: every row but the residual groups left out."""
    return rows[rows["suppression"] != LEFT_OUT]


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
