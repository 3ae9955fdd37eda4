"""Indicators: each target's value per year (and subgroup) from processed data, with its interval.

`compute(strategy, processed_dir, by=None)` returns a tidy frame, one row per target, year and
group: target_id, year, group, numerator, denominator, value, ci_low, ci_high, suppressed, then
by, unit, suppression and data-quality columns (no_answer, unknown_share, contact_rate).
`value` is in the target's unit (percent 0-100 or persons). Disclosure control is applied to
every row (disclosure.py), so the frame is safe to publish.

How each indicator type is counted (definitions in the strategy file; docs/methodology.md):
- share: among respondents who answered the question, the share meeting the success rule; with
  a `weight` column, the weighted share with a Kish effective sample size for the interval.
- treatment_outcome: episodes of the substance that ended in the year with a known status
  (end of treatment), or the status at the 1-, 6- or 12-month follow-up among those reached;
  success is a status in the success code set.
- persons_starting: distinct persons with an episode starting in the year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.breakdowns import ALL, BOTH, UNKNOWN, group_order, published_subgroups, supported_subgroups
from rusmiddel_analysis.calc.disclosure import Rules, hidden, suppress
from rusmiddel_analysis.ingest.process import read_processed
from rusmiddel_analysis.ingest.schemas import EPISODES, FOLLOW_UPS, SOURCES

COLUMNS = [
    "target_id",
    "year",
    "group",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "by",
    "unit",
    "suppression",
    "no_answer",
    "unknown_share",
    "contact_rate",
    "effective_n",
]


class ProcessedData:
    """The processed sources, each read once however many indicators are computed from them."""

    def __init__(self, processed_dir):
        self.dir = Path(processed_dir)
        self._cache: dict[str, pd.DataFrame] = {}

    @classmethod
    def of(cls, processed) -> ProcessedData:
        """`processed` as given when it already is ProcessedData, else the folder's."""
        return processed if isinstance(processed, ProcessedData) else cls(processed)

    def __call__(self, source: str) -> pd.DataFrame:
        if source not in self._cache:
            self._cache[source] = read_processed(self.dir, source)
        return self._cache[source]

    def has(self, source: str) -> bool:
        return (self.dir / f"{source}.parquet").exists()


def _success_mask(series: pd.Series, rule: dict, strategy) -> pd.Series:
    ((kind, operand),) = rule.items()
    if kind == "equals":
        if isinstance(operand, bool):
            return series.astype("boolean") == operand
        return series.astype(object) == operand
    codes = list(strategy.code_set(operand))
    inside = series.astype(object).isin(codes)
    return inside if kind == "in" else ~inside


def _age_group(frame: pd.DataFrame, year: pd.Series, bands) -> pd.Series:
    """The strategy's age band of each row (missing, then the unknown group, when no band holds the age)."""
    age = year - frame["birth_year"].astype("float")
    labels = pd.Series(pd.NA, index=frame.index, dtype="object")
    for low, high, label in bands:
        labels[(age >= low) & (age <= high)] = label
    return labels


def _group_keys(frame: pd.DataFrame, by: str | None) -> pd.Series:
    """The group of each row in breakdown `by`: its value as text (yes/no as 'true'/'false'), `unknown`
    where it is missing."""
    if by is None:
        return pd.Series(ALL, index=frame.index)
    column = frame[by]
    text = column.astype("string")
    if pd.api.types.is_bool_dtype(column.dtype):
        text = text.str.lower()
    return text.fillna(UNKNOWN).astype(object)


def _share_rows(target, strategy, data: ProcessedData, by: str | None) -> pd.DataFrame:
    """One row per year and group: answers, successes, no-answers and the (weighted) share with its interval."""
    spec = target.indicator
    frame = data(target.source)
    answered = frame[spec["column"]].notna().to_numpy()
    success = _success_mask(frame[spec["column"]], spec["success"], strategy).fillna(False).to_numpy(bool) & answered
    # validation guarantees a weight on every row when the column is there
    weights = frame["weight"].to_numpy(float) if "weight" in frame.columns else np.ones(len(frame))
    work = pd.DataFrame(
        {
            "year": frame["year"].to_numpy(int),
            "group": pd.Categorical(_group_keys(frame, by)),
            "answered": answered,
            "success": success,
            "w": np.where(answered, weights, 0.0),
            "wy": np.where(success, weights, 0.0),
            "w2": np.where(answered, weights**2, 0.0),
        }
    )
    sums = (
        work.groupby(["year", "group"], sort=True, observed=True)
        .agg(
            denominator=("answered", "sum"),
            numerator=("success", "sum"),
            rows=("answered", "size"),
            w=("w", "sum"),
            wy=("wy", "sum"),
            w2=("w2", "sum"),
        )
        .reset_index()
    )
    sums["group"] = sums["group"].astype(object)
    out = sums.assign(no_answer=sums["rows"] - sums["denominator"], value=np.nan, ci_low=np.nan, ci_high=np.nan, effective_n=np.nan)
    some = out["denominator"] > 0
    share, n_eff = stats.weighted_share_from_sums(out.loc[some, "w"], out.loc[some, "wy"], out.loc[some, "w2"])
    low, high = stats.proportion_ci(share * n_eff, n_eff, strategy.settings["confidence"])
    out.loc[some, ["value", "ci_low", "ci_high", "effective_n"]] = np.column_stack([100 * share, 100 * low, 100 * high, n_eff])
    return out.drop(columns=["rows", "w", "wy", "w2"])


def _episodes(data: ProcessedData, strategy, year_from: str) -> pd.DataFrame:
    frame = data(EPISODES).copy()
    frame["year"] = frame[year_from].dt.year
    frame["age_group"] = _age_group(frame, frame["year"], strategy.settings["age_bands"])
    return frame


def _treatment_outcome_rows(target, strategy, data: ProcessedData, by: str | None) -> pd.DataFrame:
    spec = target.indicator
    success_codes = list(strategy.code_set(spec["success"]))
    known_codes = list(strategy.code_set(spec["known"]))
    episodes = _episodes(data, strategy, "end_date")
    episodes = episodes[(episodes["substance"] == spec["substance"]) & episodes["end_date"].notna()]
    basis = spec.get("basis", "end_of_treatment")
    if basis == "follow_up":
        follow = data(FOLLOW_UPS) if data.has(FOLLOW_UPS) else None
        if follow is None:
            raise FileNotFoundError(f"target '{target.id}' uses follow-up, but there is no processed behandling_opfoelgning")
        follow = follow[follow["months"] == spec["follow_up_months"]]
        merged = episodes.merge(follow, on="episode_id", how="inner")
        merged["status_used"] = merged["status"].astype(object).where(merged["contacted"].fillna(False).astype(bool))
        base = merged
    else:
        base = episodes.assign(status_used=episodes["end_status"].astype(object), contacted=pd.NA)
    base = base.assign(group=_group_keys(base, by))
    rows = []
    for (year, group), g in base.groupby(["year", "group"], sort=True, dropna=True):
        status = g["status_used"]
        known = status.isin(known_codes)
        n, x = int(known.sum()), int(status.isin(success_codes).sum())
        row = {"year": int(year), "group": group, "numerator": x, "denominator": n, "unknown_share": float((~known).mean()) if len(g) else np.nan}
        if basis == "follow_up":
            row["contact_rate"] = float(g["contacted"].fillna(False).astype(bool).mean())
        if n:
            low, high = stats.proportion_ci(x, n, strategy.settings["confidence"])
            row.update(value=100 * x / n, ci_low=100 * low, ci_high=100 * high, effective_n=float(n))
        else:
            row.update(value=np.nan, ci_low=np.nan, ci_high=np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _persons_once(episodes: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """One row per person and year, so a breakdown's groups add up to the count of persons.

    The group is taken from the person's first episode starting in the year; for the substance
    breakdown it is the substance, or `both` for a person starting treatment for both.
    """
    ordered = episodes.sort_values(["start_date", "episode_id"], kind="stable")
    people = ordered.drop_duplicates(["year", "person_id"]).copy()
    people["group"] = _group_keys(people, by)
    if by == "substance":
        kinds = ordered.groupby(["year", "person_id"])["substance"].nunique()
        several = kinds[kinds > 1].index
        people.loc[people.set_index(["year", "person_id"]).index.isin(several), "group"] = BOTH
    return people


def _persons_starting_rows(target, strategy, data: ProcessedData, by: str | None) -> pd.DataFrame:
    people = _persons_once(_episodes(data, strategy, "start_date"), by)
    counts = people.groupby(["year", "group"], sort=True)["person_id"].size().reset_index(name="numerator")
    counts["numerator"] = counts["numerator"].astype(int)
    low, high = stats.count_ci(counts["numerator"].to_numpy(), strategy.settings["confidence"])
    return counts.assign(year=counts["year"].astype(int), denominator=np.nan, value=counts["numerator"].astype(float), ci_low=low, ci_high=high)


ROW_BUILDERS = {"share": _share_rows, "treatment_outcome": _treatment_outcome_rows, "persons_starting": _persons_starting_rows}


def compute(strategy, processed_dir, by: str | None = None, targets: list[str] | None = None) -> pd.DataFrame:
    """Every target's indicator per year (and per subgroup `by`), disclosure control applied.

    `by` is one subgroup dimension (`supported_subgroups`); targets whose source lacks it are left
    out. Missing values form the group `unknown`, so a breakdown's groups add up to the total.
    `processed_dir` may be a folder or a ProcessedData that several calls share.
    """
    data = ProcessedData.of(processed_dir)
    frames = []
    for target in strategy.targets:
        if targets is not None and target.id not in targets:
            continue
        if by is not None and by not in supported_subgroups(target):
            continue
        rows = ROW_BUILDERS[target.indicator["type"]](target, strategy, data, by)
        if not rows.empty:  # only the strategy's years: the baseline year to the end of the period
            rows = rows[rows["year"].between(target.baseline_year, strategy.period_end)]
        if rows.empty:
            continue
        frames.append(rows.assign(target_id=target.id, unit=target.unit, by=by or ALL))
    if not frames:
        if by is not None and not any(by in supported_subgroups(t) for t in strategy.targets):
            valid = sorted({d for t in strategy.targets for d in supported_subgroups(t)})
            raise ValueError(f"unknown subgroup '{by}'; valid: {', '.join(valid)}")
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    for column in ("no_answer", "unknown_share", "contact_rate", "effective_n"):
        if column not in table.columns:
            table[column] = np.nan
    rules = Rules.from_settings(strategy.settings)
    if by is None:  # totals: the rules for single cells; 0 % and 100 % are a finding, not a breakdown
        table = suppress(table, [], rules)
    else:
        health = table["target_id"].map({t.id: SOURCES[t.source].health_data for t in strategy.targets})
        table = suppress(table, ["target_id", "year"], rules, [rules.all_or_none_limit(h) for h in health])
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    sort_keys = {"target_id": lambda s: s.map(order), "year": lambda s: s, "group": lambda s: s.map(group_order(strategy, by))}
    table = table.sort_values(["target_id", "year", "group"], key=lambda s: sort_keys[s.name](s), kind="stable").reset_index(drop=True)
    table["year"] = table["year"].astype(int)
    return table[COLUMNS]


def published_breakdowns(strategy, processed_dir, data_years: dict[str, int]) -> pd.DataFrame:
    """Every breakdown the reports publish: each target's published dimensions in its data year.

    `data_years` maps a target id to the year its page shows (the latest measurement up to the
    report year). The rows are exactly those of `compute(..., by=...)` that the target pages show,
    hidden cells included (with their reason and no numbers), in the strategy's order.
    """
    frames = []
    for by in dict.fromkeys(by for t in strategy.targets if t.id in data_years for by in published_subgroups(t)):
        ids = [t.id for t in strategy.targets if t.id in data_years and by in published_subgroups(t)]
        table = compute(strategy, processed_dir, by=by, targets=ids)
        frames.append(table[table["year"] == table["target_id"].map(data_years)])
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values("target_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def follow_up_summary(strategy, processed_dir) -> pd.DataFrame:
    """Follow-up after treatment per end year, months and caller: attempts, reached, contact rate,
    and the share of those reached who are abstinent or reduced. Disclosure control applied.
    """
    data = ProcessedData.of(processed_dir)
    if not data.has(FOLLOW_UPS):
        return pd.DataFrame(columns=["year", "months", "contacted_by", "attempts", "reached", "contact_rate", "success_share"])
    follow = data(FOLLOW_UPS)
    episodes = data(EPISODES)[["episode_id", "end_date"]]
    merged = follow.merge(episodes, on="episode_id", how="inner")
    merged["year"] = merged["end_date"].dt.year.astype(int)
    merged["reached"] = merged["contacted"].fillna(False).astype(bool)
    success_codes = list(strategy.code_set("treatment_success"))
    merged["success"] = merged["reached"] & merged["status"].astype(object).isin(success_codes)
    merged["contacted_by"] = merged["contacted_by"].astype(object).fillna("unknown")
    grouped = (
        merged.groupby(["year", "months", "contacted_by"], sort=True)
        .agg(attempts=("reached", "size"), reached=("reached", "sum"), successes=("success", "sum"))
        .reset_index()
    )
    grouped["contact_rate"] = grouped["reached"] / grouped["attempts"]
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["success_share"] = 100 * grouped["successes"] / grouped["reached"].where(grouped["reached"] > 0)
    # disclosure: attempts are a count of persons; the contact rate a share of the attempts (it
    # would give the reached count away); the success share a share of those reached
    # a success share of 0 % or 100 % is hidden like any treatment subgroup's (attribute disclosure)
    rules = Rules.from_settings(strategy.settings)
    small_attempts = hidden(grouped["attempts"], np.nan, "persons", rules)
    contact_hidden = hidden(grouped["reached"], grouped["attempts"], "percent", rules) | small_attempts
    health = rules.all_or_none_limit(SOURCES[FOLLOW_UPS].health_data)
    success_hidden = hidden(grouped["successes"], grouped["reached"], "percent", rules, health) | contact_hidden
    grouped["attempts"] = grouped["attempts"].astype(float).mask(small_attempts)
    grouped["reached"] = grouped["reached"].astype(float).mask(contact_hidden)
    grouped["contact_rate"] = grouped["contact_rate"].mask(contact_hidden)
    grouped["success_share"] = grouped["success_share"].mask(success_hidden)
    return grouped.drop(columns="successes")
