"""`share`: the share of a survey's respondents whose answer to one question meets a success rule.

Among those who answered the question; with a `weight` column the weighted share with a Kish
effective sample size; the interval design-based over the schools or institutions
(docs/methodology.md, sections 1 and 3). Its totals also carry the standardised share, the
comparison over the clusters common with the baseline, the paired change from the baseline and
the design-based trend, which the assessment reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rusmiddel_analysis.calc import survey_counts, survey_indicators
from rusmiddel_analysis.calc.disclosure import Rules
from rusmiddel_analysis.calc.indicators import ProcessedData, success_mask, trend_years
from rusmiddel_analysis.config.indicator_types import IndicatorType, SpecCheck
from rusmiddel_analysis.ingest.demo.calibrate import share_truth
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.ingest.strategy_check import Problem, codes_of, column_of, where_else

RULES = ("equals", "in", "not_in")


class Share(IndicatorType):
    name = "share"
    unit = "percent"
    interval_words = "share_design"

    def check_spec(self, spec: SpecCheck) -> dict[str, Any]:
        spec.text("column")
        success = spec.required("success")
        if not isinstance(success, Mapping) or len(success) != 1 or next(iter(success)) not in RULES:
            spec.fail("must be one of {equals: v}, {in: [...]}, {not_in: [...]} or a code-set name", "success")
        for key in ("in", "not_in"):
            if isinstance(success.get(key), str) and success[key] not in spec.code_sets:
                spec.fail(f"unknown code set '{success[key]}'", "success")
        return {}

    def source_problems(self, strategy, target) -> list[Problem]:
        source, name = target.source, target.indicator["column"]
        col = column_of(source, name)
        if col is None:
            valid = ", ".join(c.name for c in SOURCES[source].columns if c.kind in ("bool", "code"))
            return [Problem(target.id, "indicator.column", f"no column '{name}' in source '{source}'{where_else(name, source)}; valid: {valid}")]
        if col.kind not in ("bool", "code"):
            return [Problem(target.id, "indicator.column", f"column '{name}' is {col.kind}; a share needs a yes/no or a code column")]
        return _success_problems(strategy, target, col)

    def calibrate_demo(self, profile: dict, strategy, target, pace: float) -> None:
        share_truth(profile, strategy, target, pace)

    def rows(self, target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
        return _share_rows(target, strategy, data, by, merge)

    def counted_answer(self, target) -> tuple[str, bool] | None:
        rule = target.indicator["success"]
        return (target.indicator["column"], rule["equals"]) if isinstance(rule.get("equals"), bool) else None

    def add_quality(self, report, page, latest: pd.DataFrame) -> None:
        if len(latest):
            report.add_answers_quality(page, latest.iloc[0])


def _success_problems(strategy, target, col) -> list[Problem]:
    """Does the success rule fit the column: its type, and for codes, the column's codes?"""
    ((kind, operand),) = target.indicator["success"].items()
    field = "indicator.success"
    if kind == "equals":
        if col.kind == "bool" and not isinstance(operand, bool):
            return [Problem(target.id, field, f"column '{col.name}' is yes/no: write equals: true or equals: false, not {operand!r}")]
        if col.kind == "code" and operand not in col.codes:
            return [Problem(target.id, field, f"unknown code {operand!r} for column '{col.name}'; valid: {', '.join(col.codes)}")]
        return []
    if col.kind != "code":
        return [Problem(target.id, field, f"'{kind}' needs a column of codes; '{col.name}' is {col.kind}: use equals")]
    unknown = [c for c in codes_of(strategy, operand) if c not in col.codes]
    if unknown:
        return [Problem(target.id, field, f"unknown code(s) {', '.join(map(repr, unknown))} for column '{col.name}'; valid: {', '.join(col.codes)}")]
    return []


def _share_rows(target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
    """One row per year and group: answers, successes, no-answers and the (weighted) share with its
    design-based interval; for the totals also the standardised share and the coverage comparison."""
    spec = target.indicator
    source = SOURCES[target.source]
    frame = survey_counts.question_rows(data, source, spec["column"], by)  # respondents' rows and counts' rows
    answered = frame["answer"].notna().to_numpy()
    success = success_mask(frame["answer"], spec["success"], strategy).fillna(False).to_numpy(bool) & answered
    flags = (frame["count"].to_numpy(), frame["clustered"].to_numpy(bool), frame["stratified"].to_numpy(bool))
    keys = survey_counts.groups_of(data, source, frame, by, merge)  # a counts table's groups are its breakdown cells' (residual ones too)
    codes = survey_counts.design_codes(data, source, frame)
    work = survey_indicators.answers_frame(frame, answered, success, keys, source.cluster, source.standardise_by, *flags, codes=codes)
    confidence = strategy.settings.confidence
    out = survey_indicators.design_shares(work, confidence)
    if by is not None or out.empty:
        return out
    out["estimation_limits"] = out["year"].map(survey_counts.estimation_limits(frame))
    years = set(out["year"])
    standard_year = target.baseline_year if target.baseline_year in years else min(years)
    out = out.merge(survey_indicators.standardised_shares(work, standard_year, confidence), on="year", how="left")
    common = survey_indicators.common_cluster_shares(work, target.baseline_year, confidence, Rules.from_settings(strategy.settings))
    changes = survey_indicators.baseline_changes(work, target.baseline_year)
    trends = survey_indicators.design_trends(work, trend_years(strategy, target, out))
    return out.merge(common, on="year", how="left").merge(changes, on="year", how="left").merge(trends, on="year", how="left")


INDICATOR_TYPE = Share()
