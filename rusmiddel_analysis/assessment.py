"""Assessment: where each target stands in a report year.

`assess(strategy, indicators, year)` takes the indicator table from `indicators.compute` (the
rows with group 'all') and returns one row per target, using the latest measurement up to the
report year. Every column follows a documented method (docs/methodology.md):

- status: Eurostat's progress categories for `reach`/`at_least` targets (progress_status);
  `maintained`/`worsened` for `maintain` targets (significance of the change from the baseline
  year, 95 %); `insufficient_data` when nothing was measured since the baseline or a data-quality
  rule of the strategy file fails (the reason is kept in `data_quality`).
- vs_target: Fingertips' comparison of the interval with the target value.
- change_significant: two-proportion z-test (shares) or conditional binomial test (counts)
  between the baseline year's measurement and the latest one, at settings.change_confidence (95 %).
- trend: chi-square test for trend over every measured year up to the report year, at 99.8 %.
- projected_*: time-weighted regression projected to the target year.
- required_value: the required path (constant compound growth) in the measured year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats

COLUMNS = ["target_id", "year", "measured_year", "value", "numerator", "denominator", "ci_low", "ci_high",
           "baseline_value", "target_value", "required_value", "progress_ratio", "status", "vs_target",
           "change_significant", "trend", "projected_value", "projected_low", "projected_high", "data_quality",
           # further detail for reports
           "baseline_year", "target_year", "unit", "kind", "change_p_value", "trend_p_value", "trend_points",
           "trend_reason", "measured_years", "unknown_share", "contact_rate", "projection_gap"]

def data_quality_problems(row: pd.Series, target, rules: dict) -> list[str]:
    """The data-quality rules of the strategy file that a measurement breaks (codes with numbers)."""
    problems = []
    if target.is_share and pd.notna(row["denominator"]) and row["denominator"] < rules["min_denominator"]:
        problems.append(f"min_denominator:{int(row['denominator'])}<{int(rules['min_denominator'])}")
    if pd.notna(row.get("unknown_share")) and row["unknown_share"] > rules["max_unknown_share"]:
        problems.append(f"max_unknown_share:{row['unknown_share']:.3f}>{rules['max_unknown_share']}")
    if pd.notna(row.get("contact_rate")) and row["contact_rate"] < rules["min_contact_rate"]:
        problems.append(f"min_contact_rate:{row['contact_rate']:.3f}<{rules['min_contact_rate']}")
    return problems


def _change_test(target, base_row, latest_row, confidence: float) -> tuple[bool | None, float]:
    """Is the latest measurement significantly different from the baseline year's? (significant, p)."""
    if base_row is None:
        return None, float("nan")
    if target.is_share:
        _, p = stats.two_proportion_test(base_row["numerator"], base_row["denominator"], latest_row["numerator"], latest_row["denominator"])
    else:
        _, p = stats.count_comparison_test(int(base_row["numerator"]), int(latest_row["numerator"]))
    return bool(p < 1 - confidence), float(p)


def assess_target(strategy, target, rows: pd.DataFrame, year: int) -> dict:
    """The assessment of one target in `year` from its yearly indicator rows (group 'all')."""
    settings = strategy.settings
    rows = rows[(rows["year"] <= year) & rows["value"].notna()].sort_values("year")
    out = {c: np.nan for c in COLUMNS}
    out.update(target_id=target.id, year=year, baseline_value=target.baseline_value, target_value=target.target_value,
               baseline_year=target.baseline_year, target_year=target.target_year, unit=target.unit, kind=target.kind,
               data_quality="", trend="cannot_calculate", change_significant=None, measured_years=len(rows))
    since = rows[rows["year"] > target.baseline_year]
    if since.empty:
        reason = "baseline_year" if year <= target.baseline_year else "no_measurement_since"
        out.update(status="insufficient_data", data_quality=f"{reason}:{target.baseline_year}")
        return out
    latest = since.iloc[-1]
    base = rows[rows["year"] == target.baseline_year]
    base_row = base.iloc[0] if len(base) else None
    out.update(measured_year=int(latest["year"]), value=latest["value"], numerator=latest["numerator"],
               denominator=latest["denominator"], ci_low=latest["ci_low"], ci_high=latest["ci_high"],
               unknown_share=latest["unknown_share"], contact_rate=latest["contact_rate"])
    out["required_value"] = stats.required_path(target.baseline_year, target.baseline_value, target.target_year,
                                                target.target_value, latest["year"]) if target.kind != "maintain" else target.baseline_value
    out["vs_target"] = stats.compare_with_target(latest["ci_low"], latest["ci_high"], target.target_value, target.higher_is_better)
    out["change_significant"], out["change_p_value"] = _change_test(target, base_row, latest, settings["change_confidence"])

    if target.is_share:
        trend = stats.trend_test(rows["numerator"], rows["denominator"], rows["year"], settings["trend_confidence"])
    else:
        trend = stats.count_trend_test(rows["numerator"], rows["year"], settings["trend_confidence"])
    out.update(trend=trend.direction, trend_p_value=trend.p_value, trend_points=trend.n_points, trend_reason=trend.reason)

    proj = stats.projection(rows["year"], rows["value"], target.target_year, settings["confidence"])
    out.update(projected_value=proj.value, projected_low=proj.low, projected_high=proj.high,
               projection_gap=proj.value - target.target_value if not np.isnan(proj.value) else np.nan)

    problems = data_quality_problems(latest, target, settings["data_quality"])
    if problems:
        out.update(status="insufficient_data", data_quality=";".join(problems))
        return out
    if target.kind == "maintain":
        worse = latest["value"] < target.baseline_value if target.higher_is_better else latest["value"] > target.baseline_value
        out["status"] = "worsened" if (worse and out["change_significant"]) else "maintained"
        return out
    ratio = stats.progress_ratio(target.baseline_year, target.baseline_value, latest["year"], latest["value"],
                                 target.target_year, target.target_value)
    out["progress_ratio"] = ratio
    out["status"] = stats.progress_status(latest["value"], target.target_value, ratio, latest["year"], target.target_year,
                                          target.higher_is_better, settings["progress_thresholds"])
    return out


def assess(strategy, indicators: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per target for the report `year`, in the strategy's order."""
    year = int(year)
    totals = indicators[indicators["group"] == "all"] if "group" in indicators.columns else indicators
    rows = [assess_target(strategy, t, totals[totals["target_id"] == t.id], year) for t in strategy.targets]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["measured_year"] = frame["measured_year"].astype("Int64")
    return frame


def summary_counts(assessment: pd.DataFrame) -> dict[str, int]:
    """How many targets have each status."""
    return assessment["status"].value_counts().to_dict()
