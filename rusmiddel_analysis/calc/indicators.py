"""Indicators: each target's value per year (and subgroup) from processed data, with its interval.

`compute(strategy, processed_dir, by=None)` returns a tidy frame, one row per target, year and
group: target_id, year, group, numerator, denominator, value, ci_low, ci_high, suppressed, then
by, unit, suppression and data-quality columns (no_answer, unknown_share, contact_rate).
`value` is in the target's unit (percent 0-100 or persons). Disclosure control is applied to
every row (disclosure.py), so the frame is safe to publish.

Each indicator type counts its own rows (config/indicator_types.py, one module per type in
rusmiddel_analysis/indicator_types/; definitions in the strategy file, methods in
docs/methodology.md); this module holds what they share (the processed data read once, a success
rule's mask, age groups, the trend's years, a count's rate) and everything after the rows:
residual groups, disclosure control, the order of the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.assessment import trend_rows
from rusmiddel_analysis.calc.breakdowns import (
    ALL,
    RESIDUAL,
    group_order,
    published_subgroups,
    residual_groups,
    supported_subgroups,
)
from rusmiddel_analysis.calc.disclosure import Rules, primary_suppression, published, suppress, unprotected
from rusmiddel_analysis.calc.distribution import unprotected_years
from rusmiddel_analysis.calc.tables import Indicators, columns
from rusmiddel_analysis.ingest.process import counts_file, read_processed
from rusmiddel_analysis.ingest.schemas import COUNTS, EPISODES, SOURCES

# the indicator table's columns and the follow-up summary's, named and typed in calc/tables.py
COLUMNS = columns(Indicators)
# the columns only some indicator types fill: missing in a type's rows means not applicable (NaN)
OPTIONAL_COLUMNS = columns(Indicators, "detail", "limits")


class ProcessedData:
    """The processed sources, each read once however many indicators are computed from them."""

    def __init__(self, processed_dir):
        self.dir = Path(processed_dir)
        self._cache: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._memo: dict[tuple, tuple] = {}
        self._derived: dict[tuple, object] = {}

    @classmethod
    def of(cls, processed) -> ProcessedData:
        """`processed` as given when it already is ProcessedData, else the folder's."""
        return processed if isinstance(processed, ProcessedData) else cls(processed)

    def __call__(self, source: str, layout: str | None = None) -> pd.DataFrame:
        """A processed source (`layout` COUNTS: a survey's counts table, ingest/counts.py)."""
        if (source, layout) not in self._cache:
            self._cache[source, layout] = read_processed(self.dir, source, layout=layout)
        return self._cache[source, layout]

    def has(self, source: str, layout: str | None = None) -> bool:
        return (self.dir / (counts_file(source) if layout == COUNTS else f"{source}.parquet")).exists()

    def memo(self, strategy, key: tuple, make):
        """What `make()` computes from these data and `strategy`, once (the strategy is kept with
        it, so that its id names it while it is cached)."""
        key = (id(strategy), *key)
        if key not in self._memo:
            self._memo[key] = (strategy, make())
        return self._memo[key][1]

    def derived(self, key: tuple, make):
        """What `make()` computes from these data alone (no strategy: a source's cluster codes, its
        respondents' rows without the answer), once however many targets and breakdowns use it."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]


def success_mask(series: pd.Series, rule: dict, strategy) -> pd.Series:
    """Which answers meet a success rule ({equals: v}, {in: codes}, {not_in: codes}; codes may name a code set)."""
    ((kind, operand),) = rule.items()
    if kind == "equals":
        if isinstance(operand, bool):
            return series.astype("boolean") == operand
        return series.astype(object) == operand
    codes = list(strategy.code_set(operand))
    inside = series.astype(object).isin(codes)
    return inside if kind == "in" else ~inside


def age_group(frame: pd.DataFrame, year: pd.Series, bands) -> pd.Series:
    """The strategy's age band of each row (missing, then the unknown group, when no band holds the age)."""
    age = year - frame["birth_year"].astype("float")
    labels = pd.Series(pd.NA, index=frame.index, dtype="object")
    for low, high, label in bands:
        labels[(age >= low) & (age <= high)] = label
    return labels


def trend_years(strategy, target, rows: pd.DataFrame) -> dict[int, list[int]]:
    """For each measured year, the years a report with it as the latest measurement reads the trend
    over (assessment.trend_rows: the strategy's years from the latest method break on, without
    the years that break a data-quality rule)."""
    rows = rows[rows["year"].between(target.baseline_year, strategy.period_end) & rows["value"].notna()].sort_values("year")
    return {int(y): trend_rows(strategy, target, rows[rows["year"] <= y], int(y))[0]["year"].astype(int).tolist() for y in rows["year"]}


def episodes_by_year(data: ProcessedData, strategy, year_from: str) -> pd.DataFrame:
    """The treatment register's episodes, each with the year of `year_from` and its age group."""
    frame = data(EPISODES).copy()
    frame["year"] = frame[year_from].dt.year
    frame["age_group"] = age_group(frame, frame["year"], strategy.settings.age_bands)
    return frame


def with_rate(counts: pd.DataFrame, population: pd.DataFrame, per: float) -> pd.DataFrame:
    """The count per `per` residents beside the count: rate = O / N x per, its interval the count's
    divided the same way (the population is a register count, taken as exact). Years without a
    population figure get none."""
    residents = population.set_index("year")["residents"].astype(float)
    out = counts.assign(population=counts["year"].map(residents))
    for column, source in (("rate", "value"), ("rate_low", "ci_low"), ("rate_high", "ci_high")):
        out[column] = out[source] / out["population"] * per
    return out


def _built(strategy, data: ProcessedData, target, by: str | None, merge: bool = False) -> pd.DataFrame:
    """A target's rows per year (and group of `by`) in the strategy's years, before disclosure
    control: the baseline year to the end of the period. Computed once per run."""

    def make():
        rows = target.indicator_type.rows(target, strategy, data, by, merge)
        return rows[rows["year"].between(target.baseline_year, strategy.period_end)] if not rows.empty else rows

    return data.memo(strategy, ("rows", target.id, by, merge), make)


def _limit(target, rules: Rules) -> float:
    """The group size under which a subgroup share of the target may not show 0 % or 100 %."""
    return rules.all_or_none_limit(SOURCES[target.source].health_data)


def target_rows(strategy, data: ProcessedData, target, by: str | None) -> pd.DataFrame:
    """A target's rows as its breakdown `by` publishes them (before suppression): in a year where a
    residual group breaks a rule and the breakdown has several, they are one merged group
    (breakdowns.RESIDUAL), which disclosure control then shows or leaves out."""
    rows = _built(strategy, data, target, by)
    if by is None or rows.empty:
        return rows
    rules = Rules.from_settings(strategy.settings)
    residual = rows["group"].isin(residual_groups(by))
    breaks = primary_suppression(rows["numerator"], rows["denominator"], target.unit == "percent", rules, _limit(target, rules)) != ""
    part = rows[residual].assign(_breaks=breaks[residual.to_numpy()])
    years = [y for y, p in part.groupby("year") if len(p) >= 2 and p["_breaks"].any()]
    if not years:
        return rows
    merged = _built(strategy, data, target, by, merge=True)
    merged = merged[merged["year"].isin(years) & (merged["group"] == RESIDUAL)]
    kept = rows[~(residual & rows["year"].isin(years))]
    return pd.concat([kept, merged], ignore_index=True).sort_values("year", kind="stable").reset_index(drop=True)


def _suppress_breakdowns(strategy, table: pd.DataFrame, by: str, rules: Rules, protected=None) -> pd.DataFrame:
    """Primary and secondary suppression of breakdowns by `by`, each target's year a line."""
    targets = {t.id: t for t in strategy.targets}
    limit = table["target_id"].map(lambda tid: _limit(targets[tid], rules)).to_numpy(float)
    residual = table["group"].isin(residual_groups(by)).to_numpy()
    return suppress(table, ["target_id", "year"], rules, limit, residual, protected)


def protected_years(strategy, data: ProcessedData, by: str) -> frozenset[tuple[str, int]]:
    """The (source, year)s whose breakdowns by `by` are protected: some published table of the
    source and year by `by` (a target's breakdown, or the high-risk distribution) has hidden or
    left-out cells that only a group of settings.disclosure.large_group answers or more could
    protect. In every breakdown of shares by `by` of such a source and year the residual groups are
    left out and the large groups' counts withheld (docs/methodology.md, section 7)."""

    def make():
        rules = Rules.from_settings(strategy.settings)
        found = set()
        for target in (t for t in strategy.targets if by in supported_subgroups(t)):
            rows = target_rows(strategy, data, target, by)
            if rows.empty:
                continue
            table = rows.assign(target_id=target.id, unit=target.unit)
            flagged = unprotected(table, ["target_id", "year"], rules, _limit(target, rules), table["group"].isin(residual_groups(by)).to_numpy())
            found |= {(target.source, int(y)) for y in table.loc[flagged, "year"]}
        found |= unprotected_years(strategy, data, by)
        return frozenset(found)

    return data.memo(strategy, ("protected", by), make)


def compute(strategy, processed_dir, by: str | None = None, targets: list[str] | None = None) -> pd.DataFrame:
    """Every target's indicator per year (and per subgroup `by`), disclosure control applied.

    `by` is one subgroup dimension (`supported_subgroups`); targets whose source lacks it are left
    out. Missing values form the group `unknown`, so a breakdown's groups add up to the total; a
    residual group too small to publish is merged or left out (`suppression` 'left_out'), and in a
    protected year (`protected_years`) the large groups' counts are withheld ('withheld').
    `processed_dir` may be a folder or a ProcessedData that several calls share.
    """
    data = ProcessedData.of(processed_dir)
    frames = []
    for target in strategy.targets:
        if targets is not None and target.id not in targets:
            continue
        if by is not None and by not in supported_subgroups(target):
            continue
        rows = target_rows(strategy, data, target, by)
        if not rows.empty:
            frames.append(rows.assign(target_id=target.id, unit=target.unit, by=by or ALL))
    if not frames:
        if by is not None and not any(by in supported_subgroups(t) for t in strategy.targets):
            valid = sorted({d for t in strategy.targets for d in supported_subgroups(t)})
            raise ValueError(f"unknown subgroup '{by}'; valid: {', '.join(valid)}")
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    limits = table["estimation_limits"].astype(object)
    table["estimation_limits"] = limits.where(limits.notna(), "")
    rules = Rules.from_settings(strategy.settings)
    if by is None:  # totals: the rules for single cells; 0 % and 100 % are a finding, not a breakdown
        table = suppress(table, [], rules)
    else:
        shielded = protected_years(strategy, data, by)
        sources = table["target_id"].map({t.id: t.source for t in strategy.targets})
        protected = (table["unit"] == "percent") & pd.Series([(s, int(y)) in shielded for s, y in zip(sources, table["year"], strict=True)])
        table = _suppress_breakdowns(strategy, table, by, rules, protected.to_numpy())
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    sort_keys = {"target_id": lambda s: s.map(order), "year": lambda s: s, "group": lambda s: s.map(group_order(strategy, by))}
    table = table.sort_values(["target_id", "year", "group"], key=lambda s: sort_keys[s.name](s), kind="stable").reset_index(drop=True)
    table["year"] = table["year"].astype(int)
    return table[COLUMNS]


def published_breakdowns(strategy, processed_dir, data_years: dict[str, int]) -> pd.DataFrame:
    """Every breakdown the reports publish: each target's published dimensions in its data year.

    `data_years` maps a target id to the year its page shows (the latest measurement up to the
    report year). The rows are exactly those of `compute(..., by=...)` that the target pages show,
    hidden cells included (with their reason and no numbers), residual groups left out not, in the
    strategy's order.
    """
    frames = []
    for by in dict.fromkeys(by for t in strategy.targets if t.id in data_years for by in published_subgroups(t)):
        ids = [t.id for t in strategy.targets if t.id in data_years and by in published_subgroups(t)]
        table = published(compute(strategy, processed_dir, by=by, targets=ids))
        frames.append(table[table["year"] == table["target_id"].map(data_years)])
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values("target_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
