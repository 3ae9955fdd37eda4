"""The distribution of the high-risk page (pupils by how many of the behaviours they have tried, in all
and by grade and gender): its counts and its disclosure control, which both the high-risk tables
(high_risk.behaviour_counts) and the targets' breakdowns (indicators.protected_years) need.

A residual group of a dimension (breakdowns.residual_groups) is one row of the distribution, shown
whole or left out whole; its cells in the columns (a number of behaviours over a dimension's groups
and all pupils) are protected like any breakdown's (disclosure.py): never by hiding a group of
settings.disclosure.large_group pupils or more. A year whose distribution cannot protect it without
one is *unprotected* (`unprotected_years`), and indicators.protected_years protects every table of
that year by the dimension (docs/methodology.md, section 7). A year held as counts has no
distribution (calc/survey_counts.py); whether it would have needed that cannot be known, so it is
taken at the worst case wherever its counts have a residual group (`counted_years`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.breakdowns import ALL, RESIDUAL, group_keys, residual_groups
from rusmiddel_analysis.calc.disclosure import LEFT_OUT, Rules, primary_suppression, secondary_suppression, unprotected_lines
from rusmiddel_analysis.ingest.schemas import COUNT, COUNTS, QUESTION, SOURCES

DIMENSIONS = ("grade", "gender")


def tried_counts(frame: pd.DataFrame, behaviours: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(answered every behaviour, how many of them the pupil has tried) for each row of the survey."""
    present = frame[behaviours]
    complete = present.notna().all(axis=1).to_numpy()
    count = present.fillna(False).astype(bool).sum(axis=1).to_numpy()
    return complete, count


def distribution_counts(frame: pd.DataFrame, behaviours: list[str], dimension: str, merge: bool) -> pd.DataFrame:
    """The same rows as high_risk's distribution with their counts only (numerator, denominator):
    what disclosure control decides on, without the estimator."""
    complete, count = tried_counts(frame, behaviours)
    pupils = pd.DataFrame(
        {"year": frame["year"].to_numpy(int), "group": group_keys(frame, None if dimension == ALL else dimension, merge).to_numpy()}
    )
    pupils = pupils[complete].assign(k=count[complete])
    sizes = pupils.groupby(["year", "group"]).size().rename("denominator")
    tried = pupils.groupby(["year", "group", "k"]).size()
    rows = [
        sizes.reset_index().assign(
            behaviours=k, numerator=lambda d, k=k: [tried.get((y, g, k), 0) for y, g in zip(d["year"], d["group"], strict=True)]
        )
        for k in range(len(behaviours) + 1)
    ]
    return pd.concat(rows, ignore_index=True).assign(dimension=dimension)


def distribution_table(frame: pd.DataFrame, rules: Rules, source: str, rows_of) -> pd.DataFrame:
    """The distribution's rows, in all and by each dimension (`rows_of(dimension, merge)`), with the
    residual groups of a year merged where one of their cells breaks a rule and there are several;
    marked for disclosure control (unit, _limit, _residual)."""
    parts = [rows_of(ALL, False)]
    limit = rules.all_or_none_limit(SOURCES[source].health_data)
    for dimension in (d for d in DIMENSIONS if d in frame.columns):
        rows = rows_of(dimension, False)
        residual = rows["group"].isin(residual_groups(dimension))
        breaks = primary_suppression(rows["numerator"], rows["denominator"], True, rules, limit) != ""
        part = rows[residual].assign(_breaks=breaks[residual.to_numpy()])
        years = [y for y, p in part.groupby("year") if p["group"].nunique() >= 2 and p["_breaks"].any()]
        if years:
            merged = rows_of(dimension, True)
            rows = pd.concat([rows[~(residual & rows["year"].isin(years))], merged[merged["year"].isin(years) & (merged["group"] == RESIDUAL)]])
        parts.append(rows)
    table = pd.concat(parts, ignore_index=True).assign(unit="percent")
    table["_limit"] = np.where(table["dimension"] == ALL, 0.0, limit)
    table["_residual"] = [d != ALL and g in residual_groups(d) for d, g in zip(table["dimension"], table["group"], strict=True)]
    return table


def distribution_reasons(table: pd.DataFrame, rules: Rules, protected) -> tuple[pd.Series, list]:
    """Why each cell of the distribution is not shown ('' when it is), and the table's lines. A
    residual group's row is shown whole or left out whole (a cell of it breaks a rule or is needed
    as a complementary cell, or its dimension and year are `protected`); secondary suppression runs
    over both sums of the table (`count_lines`) until nothing changes."""
    table["_protected"] = [(d, int(y)) in protected for d, y in zip(table["dimension"], table["year"], strict=True)]
    lines = count_lines(table)
    reason = pd.Series(primary_suppression(table["numerator"], table["denominator"], True, rules, table["_limit"]), index=table.index)
    keys = ["year", "dimension", "group"]
    while True:
        out = (table["_residual"] & ((reason != "") | table["_protected"])).groupby([table[k] for k in keys]).transform("any")
        reason[out] = LEFT_OUT
        new = secondary_suppression(table, reason, lines, rules)
        if new.equals(reason):
            return reason, lines
        reason = new


def count_lines(table: pd.DataFrame) -> list:
    """The sums of a distribution table: each group's row over the numbers of behaviours, and each
    number's column over a dimension's groups together with the cell of all pupils."""
    lines = [group.index for _, group in table.groupby(["year", "dimension", "group"], sort=False)]
    everyone = table[table["dimension"] == ALL]
    overall = pd.Series(everyone.index, index=pd.MultiIndex.from_frame(everyone[["year", "behaviours"]]))
    for (year, _dimension, k), group in table[table["dimension"] != ALL].groupby(["year", "dimension", "behaviours"], sort=False):
        lines.append(group.index.append(pd.Index([overall[(year, k)]])) if (year, k) in overall.index else group.index)
    return lines


def unprotected_years(strategy, data, by: str) -> set[tuple[str, int]]:
    """The (source, year)s whose distribution by `by` (a dimension of the high-risk page) has
    left-out residual cells that only a group of settings.disclosure.large_group pupils or more could
    protect (disclosure.unprotected_lines): indicators.protected_years protects their breakdowns.
    A year of counts has no distribution to decide from and is taken at its worst (`counted_years`)."""
    block = strategy.settings.high_risk
    source = block.source
    if by not in DIMENSIONS:
        return set()
    counted = counted_years(strategy, data, by)
    if not data.has(source):
        return counted

    def make():
        frame = data(source)
        frame = frame[frame["year"].between(strategy.years[0], strategy.period_end)]
        rules = Rules.from_settings(strategy.settings)
        table = distribution_table(frame, rules, source, lambda d, m: distribution_counts(frame, block.behaviours, d, m))
        reason, lines = distribution_reasons(table, rules, frozenset())
        flagged = table[unprotected_lines(table, reason, lines, rules)]
        return {(str(d), source, int(y)) for d, y in zip(flagged["dimension"], flagged["year"], strict=True)}

    return counted | {(s, y) for d, s, y in data.memo(strategy, ("high-risk unprotected",), make) if d == by}


def counted_years(strategy, data, by: str) -> set[tuple[str, int]]:
    """The (source, year)s of the high-risk survey held as counts (calc/survey_counts.py) whose
    counts of the behaviours by `by` have a residual group. The distribution needs each pupil's
    answers to every behaviour, so a counts year cannot say whether its residual row would have
    needed a large group's protection; it is taken at the worst case, as if it had, so its
    breakdowns by `by` are protected (residual groups left out, large groups' counts withheld)
    as those of the same pupils' answers would be (docs/methodology.md, section 7)."""
    block = strategy.settings.high_risk
    source = block.source
    if by not in DIMENSIONS or not data.has(source, COUNTS):
        return set()
    counts = data(source, COUNTS)
    if by not in counts.columns:
        return set()
    asked = counts["year"].between(strategy.years[0], strategy.period_end) & counts[QUESTION].isin(block.behaviours).fillna(False)
    rows = counts[asked.to_numpy(bool) & (counts[COUNT].astype(float) > 0).to_numpy(bool)]
    # a year whose table lacks the column has no breakdown by it (survey_counts.question_rows)
    rows = rows[rows[by].notna().groupby(rows["year"]).transform("any").astype(bool)]
    residual = group_keys(rows, by).isin(residual_groups(by)).to_numpy(bool)
    return {(source, int(y)) for y in rows.loc[residual, "year"].unique()}
