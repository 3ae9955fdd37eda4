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

from . import stats
from .disclosure import hidden, suppress
from .ingest import read_processed

COLUMNS = ["target_id", "year", "group", "numerator", "denominator", "value", "ci_low", "ci_high", "suppressed",
           "by", "unit", "suppression", "no_answer", "unknown_share", "contact_rate", "effective_n"]

# Subgroup dimensions each source supports (age_group is derived from birth_year).
SUBGROUPS = {
    "ungeprofil_skole": ("gender", "grade", "school"),
    "ungeprofil_ungdom": ("gender", "education_type", "institution"),
    "behandling_forloeb": ("substance", "gender", "age_group", "psychiatric_disability", "ethnic_minority"),
}
ALL = "all"


def _natural_key(group: str) -> str:
    """Sort '6' < '10' and text alphabetically: numbers are zero-padded."""
    return str(group).zfill(8) if str(group).isdigit() else f"~{group}"


def supported_subgroups(target) -> tuple[str, ...]:
    return SUBGROUPS.get(target.source, ())


class _Data:
    """Processed sources, each read once per `compute` call."""

    def __init__(self, processed_dir):
        self.dir = Path(processed_dir)
        self._cache: dict[str, pd.DataFrame] = {}

    def __call__(self, source: str) -> pd.DataFrame:
        if source not in self._cache:
            self._cache[source] = read_processed(self.dir, source)
        return self._cache[source]

    def has(self, source: str) -> bool:
        return (self.dir / f"{source}.parquet").exists()


def _success_mask(series: pd.Series, rule: dict, strategy) -> pd.Series:
    (kind, operand), = rule.items()
    if kind == "equals":
        if isinstance(operand, bool):
            return series.astype("boolean") == operand
        return series.astype(object) == operand
    codes = list(strategy.code_set(operand))
    inside = series.astype(object).isin(codes)
    return inside if kind == "in" else ~inside


def _age_group(frame: pd.DataFrame, year: pd.Series, bands) -> pd.Series:
    age = year - frame["birth_year"].astype("float")
    labels = pd.Series(pd.NA, index=frame.index, dtype="object")
    for low, high, label in bands:
        labels[(age >= low) & (age <= high)] = label
    return labels


def _group_keys(frame: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series(ALL, index=frame.index)
    return frame[by].astype(object).map(lambda v: None if pd.isna(v) else str(v).lower() if isinstance(v, (bool, np.bool_)) else str(v))


def _share_rows(target, strategy, data: _Data, by: str | None) -> pd.DataFrame:
    spec = target.indicator
    frame = data(target.source)
    column = spec["column"]
    answered = frame[column].notna()
    success = _success_mask(frame[column], spec["success"], strategy).fillna(False).astype(bool)
    weights = frame["weight"] if "weight" in frame.columns else None  # validation guarantees no missing weight
    work = pd.DataFrame({"year": frame["year"].astype(int), "group": _group_keys(frame, by), "answered": answered,
                         "success": success & answered})
    if weights is not None:
        work["w"] = weights.astype(float)
    rows = []
    for (year, group), g in work.groupby(["year", "group"], sort=True, dropna=True):
        ans = g[g["answered"]]
        n, x = len(ans), int(ans["success"].sum())
        row = {"year": year, "group": group, "numerator": x, "denominator": n, "no_answer": int((~g["answered"]).sum())}
        if n == 0:
            row.update(value=np.nan, ci_low=np.nan, ci_high=np.nan, effective_n=np.nan)
        elif weights is not None:
            share, n_eff = stats.weighted_share(ans["success"].astype(float), ans["w"])
            low, high = stats.proportion_ci(share * n_eff, n_eff, strategy.settings["confidence"])
            row.update(value=100 * share, ci_low=100 * low, ci_high=100 * high, effective_n=n_eff)
        else:
            low, high = stats.proportion_ci(x, n, strategy.settings["confidence"])
            row.update(value=100 * x / n, ci_low=100 * low, ci_high=100 * high, effective_n=float(n))
        rows.append(row)
    return pd.DataFrame(rows)


def _episodes(data: _Data, strategy, year_from: str) -> pd.DataFrame:
    frame = data("behandling_forloeb").copy()
    frame["year"] = frame[year_from].dt.year
    frame["age_group"] = _age_group(frame, frame["year"], strategy.settings["age_bands"])
    return frame


def _treatment_outcome_rows(target, strategy, data: _Data, by: str | None) -> pd.DataFrame:
    spec = target.indicator
    success_codes = list(strategy.code_set(spec["success"]))
    known_codes = list(strategy.code_set(spec["known"]))
    episodes = _episodes(data, strategy, "end_date")
    episodes = episodes[(episodes["substance"] == spec["substance"]) & episodes["end_date"].notna()]
    basis = spec.get("basis", "end_of_treatment")
    if basis == "follow_up":
        follow = data("behandling_opfoelgning") if data.has("behandling_opfoelgning") else None
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
        row = {"year": int(year), "group": group, "numerator": x, "denominator": n,
               "unknown_share": float((~known).mean()) if len(g) else np.nan}
        if basis == "follow_up":
            row["contact_rate"] = float(g["contacted"].fillna(False).astype(bool).mean())
        if n:
            low, high = stats.proportion_ci(x, n, strategy.settings["confidence"])
            row.update(value=100 * x / n, ci_low=100 * low, ci_high=100 * high, effective_n=float(n))
        else:
            row.update(value=np.nan, ci_low=np.nan, ci_high=np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _persons_starting_rows(target, strategy, data: _Data, by: str | None) -> pd.DataFrame:
    episodes = _episodes(data, strategy, "start_date")
    episodes = episodes.assign(group=_group_keys(episodes, by))
    counts = episodes.groupby(["year", "group"], sort=True, dropna=True)["person_id"].nunique().reset_index(name="numerator")
    low, high = stats.count_ci(counts["numerator"].to_numpy(), strategy.settings["confidence"])
    return counts.assign(year=counts["year"].astype(int), denominator=np.nan, value=counts["numerator"].astype(float),
                         ci_low=low, ci_high=high)


ROW_BUILDERS = {"share": _share_rows, "treatment_outcome": _treatment_outcome_rows, "persons_starting": _persons_starting_rows}


def compute(strategy, processed_dir, by: str | None = None, targets: list[str] | None = None) -> pd.DataFrame:
    """Every target's indicator per year (and per subgroup `by`), disclosure control applied.

    `by` is one subgroup dimension (see SUBGROUPS); targets whose source lacks it are left out.
    """
    data = _Data(processed_dir)
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
    settings = strategy.settings["disclosure"]
    partition = ["target_id", "year"] if by is not None else []
    table = suppress(table, partition, int(settings["min_group_size"]), int(settings["min_cell"]))
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    sort_keys = {"target_id": lambda s: s.map(order), "year": lambda s: s, "group": lambda s: s.map(_natural_key)}
    table = table.sort_values(["target_id", "year", "group"], key=lambda s: sort_keys[s.name](s), kind="stable").reset_index(drop=True)
    table["year"] = table["year"].astype(int)
    return table[COLUMNS]


def follow_up_summary(strategy, processed_dir) -> pd.DataFrame:
    """Follow-up after treatment per end year, months and caller: attempts, reached, contact rate,
    and the share of those reached who are abstinent or reduced. Disclosure control applied.
    """
    data = _Data(processed_dir)
    if not data.has("behandling_opfoelgning"):
        return pd.DataFrame(columns=["year", "months", "contacted_by", "attempts", "reached", "contact_rate", "success_share"])
    follow = data("behandling_opfoelgning")
    episodes = data("behandling_forloeb")[["episode_id", "end_date"]]
    merged = follow.merge(episodes, on="episode_id", how="inner")
    merged["year"] = merged["end_date"].dt.year.astype(int)
    merged["reached"] = merged["contacted"].fillna(False).astype(bool)
    success_codes = list(strategy.code_set("treatment_success"))
    merged["success"] = merged["reached"] & merged["status"].astype(object).isin(success_codes)
    merged["contacted_by"] = merged["contacted_by"].astype(object).fillna("unknown")
    grouped = merged.groupby(["year", "months", "contacted_by"], sort=True).agg(
        attempts=("reached", "size"), reached=("reached", "sum"), successes=("success", "sum")).reset_index()
    grouped["contact_rate"] = grouped["reached"] / grouped["attempts"]
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["success_share"] = 100 * grouped["successes"] / grouped["reached"].where(grouped["reached"] > 0)
    # disclosure: attempts are a count of persons; the contact rate a share of the attempts (it
    # would give the reached count away); the success share a share of those reached
    rules = (int(strategy.settings["disclosure"]["min_group_size"]), int(strategy.settings["disclosure"]["min_cell"]))
    small_attempts = hidden(grouped["attempts"], np.nan, "persons", *rules)
    contact_hidden = hidden(grouped["reached"], grouped["attempts"], "percent", *rules) | small_attempts
    success_hidden = hidden(grouped["successes"], grouped["reached"], "percent", *rules) | contact_hidden
    grouped["attempts"] = grouped["attempts"].astype(float).mask(small_attempts)
    grouped["reached"] = grouped["reached"].astype(float).mask(contact_hidden)
    grouped["contact_rate"] = grouped["contact_rate"].mask(contact_hidden)
    grouped["success_share"] = grouped["success_share"].mask(success_hidden)
    return grouped.drop(columns="successes")
