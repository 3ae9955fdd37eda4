"""`treatment_outcome`: the share of one substance's treatment episodes that end with success.

Among the episodes that ended in the year with a known status (`basis: end_of_treatment`, the
default), or among those reached by the follow-up call 1, 6 or 12 months after the end
(`basis: follow_up`); success is a status in the success code set. The register counts every
episode, so the unknown outcomes bound the share from both sides (docs/methodology.md 2.6, 2.7).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.breakdowns import group_keys
from rusmiddel_analysis.calc.follow_up import follow_ups_due
from rusmiddel_analysis.calc.indicators import ProcessedData, age_group, episodes_by_year
from rusmiddel_analysis.config.indicator_types import IndicatorType, SpecCheck
from rusmiddel_analysis.ingest.demo.calibrate import treatment_success_truth
from rusmiddel_analysis.ingest.schemas import EPISODES, FOLLOW_UPS
from rusmiddel_analysis.ingest.strategy_check import Problem, codes_of, column_of

SUBSTANCES = ("alcohol", "drugs")
BASES = ("end_of_treatment", "follow_up")
FOLLOW_UP_MONTHS = (1, 6, 12)


class TreatmentOutcome(IndicatorType):
    name = "treatment_outcome"
    unit = "percent"
    fixed_breakdowns = ("substance",)

    def check_spec(self, spec: SpecCheck) -> dict[str, Any]:
        spec.choice("substance", SUBSTANCES)
        own: dict[str, Any] = {"basis": spec.choice("basis", BASES, default=BASES[0])}
        if own["basis"] == "follow_up":
            own["follow_up_months"] = spec.choice("follow_up_months", FOLLOW_UP_MONTHS, default=None)
        for key in ("success", "known"):
            spec.code_set(key)
        return own

    def sources_read(self, target) -> tuple[str, ...]:
        return (target.source, FOLLOW_UPS) if target.indicator["basis"] == "follow_up" else (target.source,)

    def source_problems(self, strategy, target) -> list[Problem]:
        spec, problems = target.indicator, register_problems(target, self.name)
        status = column_of(EPISODES, "end_status").codes
        for key in ("success", "known"):
            unknown = [c for c in codes_of(strategy, spec[key]) if c not in status]
            if unknown:
                listed = ", ".join(map(repr, unknown))
                problems.append(Problem(target.id, f"indicator.{key}", f"unknown status code(s) {listed}; valid: {', '.join(status)}"))
        missing = set(codes_of(strategy, spec["success"])) - set(codes_of(strategy, spec["known"]))
        if missing:
            problems.append(Problem(target.id, "indicator.known", f"the success codes {', '.join(sorted(missing))} must also count as known"))
        return problems

    def calibrate_demo(self, profile: dict, strategy, target, pace: float) -> None:
        treatment_success_truth(profile, target, pace)

    def rows(self, target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
        return _treatment_outcome_rows(target, strategy, data, by, merge)

    def follow_up_success(self, strategy, target) -> tuple[str, frozenset] | None:
        return target.indicator["substance"], frozenset(strategy.code_set(target.indicator["success"]))

    def add_quality(self, report, page, latest: pd.DataFrame) -> None:
        if len(latest):
            report.add_unknown_outcomes(page, latest.iloc[0])
        report.add_follow_up_table(page, report.target.indicator["substance"])


def register_problems(target, name: str) -> list[Problem]:
    """A treatment target is counted from the treatment register's episodes."""
    if target.source != EPISODES:
        return [Problem(target.id, "indicator.source", f"a {name} target is counted from '{EPISODES}', not '{target.source}'")]
    return []


def _treatment_base(target, strategy, data: ProcessedData) -> pd.DataFrame:
    """The episodes a treatment target counts, each with the status it is judged on (`status_used`)."""
    spec = target.indicator
    if spec["basis"] != "follow_up":
        episodes = episodes_by_year(data, strategy, "end_date")
        episodes = episodes[(episodes["substance"] == spec["substance"]) & episodes["end_date"].notna()]
        return episodes.assign(status_used=episodes["end_status"].astype(object), reached=pd.NA)
    if not data.has(FOLLOW_UPS):
        raise FileNotFoundError(f"target '{target.id}' uses follow-up, but there is no processed {FOLLOW_UPS}")
    base = follow_ups_due(data, spec["follow_up_months"])
    base = base[base["substance"] == spec["substance"]].copy()
    base["year"] = base["end_date"].dt.year
    base["age_group"] = age_group(base, base["year"], strategy.settings.age_bands)
    return base.assign(status_used=base["status"].astype(object).where(base["reached"]))


def _treatment_outcome_rows(target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
    """One row per end year and group: known outcomes, successes, the share with its interval, the
    unknown share, the bounds for the unknown outcomes and (follow-up) the contact rate."""
    spec = target.indicator
    base = _treatment_base(target, strategy, data)
    follow_up = spec["basis"] == "follow_up"
    status = base["status_used"]
    base = base.assign(
        group=group_keys(base, by, merge),
        known=status.isin(list(strategy.code_set(spec["known"]))),
        success=status.isin(list(strategy.code_set(spec["success"]))),
        # follow-up: an outcome is unknown when the citizen was not reached, or reached without a status
        unknown_status=~status.isin(list(strategy.code_set(spec["known"]))) & (base["reached"].fillna(True).astype(bool)),
    )
    rows = (
        base.groupby(["year", "group"], sort=True)
        .agg(
            denominator=("known", "sum"),
            numerator=("success", "sum"),
            episodes=("known", "size"),
            unknown_status=("unknown_status", "sum"),
            reached=("reached", lambda r: r.fillna(False).astype(bool).sum()),
        )
        .reset_index()
    )
    rows["year"] = rows["year"].astype(int)
    n, x = rows["denominator"].to_numpy(float), rows["numerator"].to_numpy(float)
    unknown = rows["episodes"].to_numpy(float) - n
    rows["unknown_share"] = rows["unknown_status"] / (rows["reached"] if follow_up else rows["episodes"]).where(lambda v: v > 0)
    if follow_up:
        rows["contact_rate"] = rows["reached"] / rows["episodes"]
    low_b, high_b = stats.outcome_bounds(x, n, unknown)
    rows["bound_low"], rows["bound_high"] = 100 * low_b, 100 * high_b
    rows[["value", "ci_low", "ci_high", "effective_n"]] = np.nan
    some = n > 0
    low, high = stats.proportion_ci(x[some], n[some], strategy.settings.confidence)
    rows.loc[some, ["value", "ci_low", "ci_high", "effective_n"]] = np.column_stack([100 * x[some] / n[some], 100 * low, 100 * high, n[some]])
    return rows.drop(columns=["episodes", "unknown_status", "reached"])


INDICATOR_TYPE = TreatmentOutcome()
