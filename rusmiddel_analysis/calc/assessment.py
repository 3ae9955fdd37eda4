"""Assessment: where each target stands in a report year, every status backed by its interval.

`assess(strategy, indicators, year)` takes the indicator table from `indicators.compute` (the
rows with group 'all') and returns one row per target, using the latest measurement up to the
report year. How each column is computed (docs/methodology.md):

- value, ci_low, ci_high: the latest measurement and its interval (settings.confidence).
- change_p_value: the two-sided test of the latest measurement against the strategy's baseline
  value (a share: the score test with the effective sample size, the test the Wilson interval
  inverts; a count: the exact Poisson test); change_p_adjusted: Holm-corrected across the year's
  targets; change_significant: change_p_adjusted < 1 - settings.change_confidence.
- status, verdict_reason: the decision table in `verdict.py`; `insufficient_data` when nothing
  was measured since the baseline or a data-quality rule of the strategy file fails (the reason
  is kept in `data_quality`).
- required_value: the required path in the measured year; on_track_value: the level that counts
  as on track (R = settings.progress_thresholds.on_track); progress_ratio: Eurostat's R.
- vs_target: Fingertips' comparison of the interval with the (effective) goal.
- trend: chi-square test for trend over the measured years up to the report year (99.8 %), on
  the effective counts of a weighted share.
- projected_*: time-weighted regression with a prediction interval, from at least
  settings.min_projection_points measured years; none once the target year itself is measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import progress, stats, verdict
from rusmiddel_analysis.ingest.schemas import FOLLOW_UPS

# The published columns of assessment.csv: never rename or drop one; new ones go at the end.
COLUMNS = [
    "target_id",
    "year",
    "measured_year",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "baseline_value",
    "target_value",
    "required_value",
    "progress_ratio",
    "status",
    "vs_target",
    "change_significant",
    "trend",
    "projected_value",
    "projected_low",
    "projected_high",
    "data_quality",
    # further detail for reports
    "baseline_year",
    "target_year",
    "unit",
    "kind",
    "change_p_value",
    "trend_p_value",
    "trend_points",
    "trend_reason",
    "measured_years",
    "unknown_share",
    "contact_rate",
    "projection_gap",
    # the verdict scheme (docs/methodology.md, section 3)
    "change_p_adjusted",
    "verdict_reason",
    "effective_target_value",
    "on_track_value",
    "maintain_margin",
    "effective_n",
    "confidence",
    "trend_min_points",
    # survey design, unknown outcomes and counts in context (docs/methodology.md 2.2-2.7)
    "design_effect",
    "clusters",
    "standardised_value",
    "standardised_low",
    "standardised_high",
    "common_clusters",
    "coverage",
    "common_value",
    "common_low",
    "common_high",
    "common_baseline_value",
    "bound_low",
    "bound_high",
    "population",
    "rate",
    "rate_low",
    "rate_high",
    "dispersion",
    "dispersion_p_value",
    # what the trend and projection use: from the latest method break on, without failing years
    "method_break_year",
    "excluded_years",
    "caveats",
    "trend_confidence",
]
# columns copied from the latest measurement's indicator row as they are
CARRIED = COLUMNS[COLUMNS.index("design_effect") : COLUMNS.index("rate_high") + 1]


TEXT_COLUMNS = (
    "target_id",
    "status",
    "vs_target",
    "change_significant",
    "trend",
    "data_quality",
    "unit",
    "kind",
    "trend_reason",
    "verdict_reason",
    "excluded_years",
    "caveats",
)


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


def change_test(target, latest, dispersion: float = 1.0) -> float:
    """Two-sided p-value of the latest measurement against the strategy's baseline value.

    Shares: the score test with the effective sample size (the design's: clusters and weights),
    the test whose inversion is the Wilson interval shown on the page. Counts: the exact Poisson
    test, or the quasi-Poisson test when the counts are overdispersed (`dispersion` > 1).
    """
    if target.is_share:
        n = latest.get("effective_n")
        n = latest["denominator"] if pd.isna(n) else n
        _, p = stats.one_sample_proportion_test(latest["value"] / 100, n, target.baseline_value / 100)
        return float(p)
    if target.baseline_value <= 0:
        return 0.0 if latest["numerator"] > 0 else 1.0
    if dispersion > 1:
        return float(stats.quasi_poisson_test(latest["numerator"], target.baseline_value, dispersion)[1])
    _, p = stats.poisson_test(int(latest["numerator"]), target.baseline_value)
    return float(p)


def effective_counts(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(successes, answers) on the scale of the estimator the page shows: share x n_eff and n_eff.

    For an unweighted share n_eff is the number of answers, so these are the plain counts; for a
    weighted share they are Kish's effective counts, the first-order design correction of Rao &
    Scott (1981) (docs/methodology.md, section 5).
    """
    n = rows["effective_n"].where(rows["effective_n"].notna(), rows["denominator"]).astype(float)
    return rows["value"].astype(float) / 100 * n, n


def trend_of(target, rows: pd.DataFrame, confidence: float, dispersion: float = 1.0) -> stats.TrendResult:
    """The test for trend over the measured years: Cochran-Armitage on effective counts for a share,
    the log-linear score test for a count (quasi-Poisson when overdispersed)."""
    if target.is_share:
        successes, answers = effective_counts(rows)
        return stats.trend_test(successes, answers, rows["year"], confidence)
    return stats.count_trend_test(rows["numerator"], rows["year"], confidence, dispersion)


def applies_to(method_break, target) -> bool:
    """Whether a method break of the strategy file changes how `target` is measured."""
    sources = {target.source} | ({FOLLOW_UPS} if target.indicator.get("basis") == "follow_up" else set())
    return target.id in method_break.targets or bool(sources & set(method_break.sources))


def latest_break(strategy, target, year: int):
    """The latest method break for `target` up to `year` (None when there is none)."""
    breaks = [b for b in strategy.method_breaks if b.year <= year and applies_to(b, target)]
    return breaks[-1] if breaks else None


def trend_rows(strategy, target, rows: pd.DataFrame, year: int) -> tuple[pd.DataFrame, list[int], int | None]:
    """The measured years a trend and a projection may use: from the latest method break on, and
    without the years that break a data-quality rule. Returns (rows, excluded years, break year)."""
    broken = latest_break(strategy, target, year)
    failing = [int(r["year"]) for _, r in rows.iterrows() if data_quality_problems(r, target, strategy.settings["data_quality"])]
    keep = ~rows["year"].isin(failing)
    if broken is not None:
        keep &= rows["year"] >= broken.year
    return rows[keep], failing, broken.year if broken is not None else None


def _empty_row(target, year: int) -> dict:
    out = {c: np.nan for c in COLUMNS}
    out.update(
        target_id=target.id,
        year=year,
        baseline_value=target.baseline_value,
        target_value=target.target_value,
        baseline_year=target.baseline_year,
        target_year=target.target_year,
        unit=target.unit,
        kind=target.kind,
        data_quality="",
        trend="cannot_calculate",
        change_significant=None,
        verdict_reason="",
        trend_min_points=stats.MIN_TREND_POINTS,
    )
    return out


def _count_dispersion(strategy, target, used: pd.DataFrame) -> stats.Dispersion | None:
    """Pearson's test for overdispersion of a count target over the years its trend uses."""
    if target.is_share or len(used) < 3:
        return None
    settings = strategy.settings
    return stats.pearson_dispersion(used["numerator"], used["year"], settings["confidence"], int(settings["min_dispersion_points"]))


def _with_dispersion(out: dict, dispersion: stats.Dispersion | None, confidence: float) -> None:
    """A count's interval (and rate interval) widened by the dispersion the test found."""
    if dispersion is None:
        return
    out.update(dispersion=dispersion.phi, dispersion_p_value=dispersion.p_value)
    if dispersion.used > 1 and pd.notna(out["numerator"]):
        low, high = stats.scaled_count_ci(int(out["numerator"]), dispersion.used, confidence)
        if pd.notna(out["population"]):
            per = out["rate"] / out["value"]  # rate_per / population
            out.update(rate_low=low * per, rate_high=high * per)
        out.update(ci_low=low, ci_high=high)


def measure_target(strategy, target, rows: pd.DataFrame, year: int) -> dict:
    """The measurement part of one target's assessment in `year` (no status yet): latest value,
    interval, change test, trend, projection and data quality, from its yearly rows (group 'all')."""
    settings = strategy.settings
    rows = rows[(rows["year"] <= year) & rows["value"].notna()].sort_values("year")
    out = _empty_row(target, year)
    out.update(measured_years=len(rows), confidence=settings["confidence"], trend_confidence=settings["trend_confidence"])
    since = rows[rows["year"] > target.baseline_year]
    if since.empty:
        reason = "before_baseline" if year < target.baseline_year else "baseline_year" if year == target.baseline_year else "no_measurement_since"
        out.update(status="insufficient_data", data_quality=f"{reason}:{target.baseline_year}")
        return out
    latest = since.iloc[-1]
    used, excluded, break_year = trend_rows(strategy, target, rows, year)
    dispersion = _count_dispersion(strategy, target, used)
    phi = dispersion.used if dispersion is not None else 1.0
    out.update(
        measured_year=int(latest["year"]),
        value=latest["value"],
        numerator=latest["numerator"],
        denominator=latest["denominator"],
        ci_low=latest["ci_low"],
        ci_high=latest["ci_high"],
        unknown_share=latest["unknown_share"],
        contact_rate=latest["contact_rate"],
        effective_n=latest.get("effective_n", np.nan),
        change_p_value=change_test(target, latest, phi),
        method_break_year=break_year,
        excluded_years=";".join(str(y) for y in excluded),
        **{c: latest.get(c, np.nan) for c in CARRIED},
    )
    _with_dispersion(out, dispersion, settings["confidence"])
    trend = trend_of(target, used, settings["trend_confidence"], phi)
    out.update(trend=trend.direction, trend_p_value=trend.p_value, trend_points=trend.n_points, trend_reason=trend.reason)
    if out["measured_year"] < target.target_year:  # once the target year is measured, there is nothing to project
        proj = stats.projection(used["year"], used["value"], target.target_year, settings["confidence"], int(settings["min_projection_points"]))
        out.update(
            projected_value=proj.value,
            projected_low=proj.low,
            projected_high=proj.high,
            projection_gap=proj.value - target.target_value if not np.isnan(proj.value) else np.nan,
        )
    problems = data_quality_problems(latest, target, settings["data_quality"])
    if problems:
        out.update(status="insufficient_data", data_quality=";".join(problems))
    out["caveats"] = ";".join(caveats(strategy, target, out))
    return out


def caveats(strategy, target, out: dict) -> list[str]:
    """What the page says beside the verdict (the status stands): codes with their numbers.

    standardisation_gap: the share standardised to the baseline's mix differs from the measured
    one by more than settings.caveats.max_standardisation_gap points; coverage: fewer than
    min_common_coverage of the answers come from schools/institutions that answered in both
    years; bounds_straddle_goal: an unknown outcome could decide whether the goal is met;
    method_break: the measurement changed between the baseline and the measured year;
    overdispersion: the count varies more than chance from year to year.
    """
    rules = strategy.settings["caveats"]
    found = []
    gap = out["standardised_value"] - out["value"]
    if pd.notna(gap) and abs(gap) > rules["max_standardisation_gap"]:
        found.append(f"standardisation_gap:{gap:+.2f}")
    if pd.notna(out["coverage"]) and out["coverage"] < rules["min_common_coverage"]:
        found.append(f"coverage:{out['coverage']:.3f}")
    if pd.notna(out["bound_low"]) and out["bound_low"] < target.target_value <= out["bound_high"]:
        found.append("bounds_straddle_goal")
    broken = [b.year for b in strategy.method_breaks if target.baseline_year < b.year <= out["measured_year"] and applies_to(b, target)]
    if broken:
        found.append(f"method_break:{broken[-1]}")
    if pd.notna(out["dispersion"]) and out["dispersion"] > 1 and out["dispersion_p_value"] < 1 - strategy.settings["confidence"]:
        found.append(f"overdispersion:{out['dispersion']:.2f}")
    return found


def _scale(strategy, frame: pd.DataFrame) -> verdict.Scale:
    targets = [strategy.target(t) for t in frame["target_id"]]
    return verdict.judging_scale(
        frame["value"],
        frame["ci_low"],
        frame["ci_high"],
        frame["baseline_value"],
        frame["target_value"],
        [t.higher_is_better for t in targets],
        [t.is_share for t in targets],
        float(strategy.settings["extreme_goal_tolerance"]),
    )


def _judge_progress(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status and reference levels of `reach`/`at_least`/`at_most` rows with a usable measurement."""
    thresholds = strategy.settings["progress_thresholds"]
    scale = _scale(strategy, frame)
    by, year, ty = frame["baseline_year"], frame["measured_year"].astype(float), frame["target_year"]
    ratio = progress.progress_ratio(by, scale.baseline, year, np.clip(scale.value, 0, None), ty, scale.target)
    level = verdict.on_track_level(scale, by, year, ty, thresholds)
    required = progress.level_at_ratio(by, scale.baseline, year, ty, scale.target, 1.0)
    final = year.to_numpy() >= ty.to_numpy(float)
    status, reason = verdict.progress_verdict(scale, level, ratio, final, frame["change_significant"].astype(bool), thresholds)
    back = lambda x: verdict.from_judging_scale(x, scale, frame["target_value"])
    return frame.assign(
        status=status,
        verdict_reason=reason,
        progress_ratio=ratio,
        on_track_value=back(level),
        required_value=back(required),
        effective_target_value=back(scale.target),
        vs_target=stats.compare_with_target(scale.low, scale.high, scale.target, scale.higher_is_better),
    )


def _judge_maintain(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status of `maintain` rows with a usable measurement: the non-inferiority rule around the level."""
    scale = _scale(strategy, frame)
    margin = verdict.maintain_margin(frame["unit"], frame["target_value"], strategy.settings)
    status, reason = verdict.maintain_verdict(scale, frame["change_significant"].astype(bool), margin)
    return frame.assign(
        status=status,
        verdict_reason=reason,
        maintain_margin=margin,
        required_value=frame["target_value"],
        effective_target_value=frame["target_value"],
        vs_target=stats.compare_with_target(scale.low, scale.high, scale.target, scale.higher_is_better),
    )


def judge_rows(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status, reason and reference levels for measured rows (the decision table, docs/methodology.md 3).

    `frame` needs target_id, kind, unit, value, ci_low, ci_high, baseline_value, target_value,
    baseline_year, measured_year, target_year and change_significant; rows keep their index.
    Vectorised, so the simulation test judges thousands of draws with the same code.
    """
    pieces = []
    for kinds, judge in ((("reach", "at_least", "at_most"), _judge_progress), (("maintain",), _judge_maintain)):
        rows = frame["kind"].isin(kinds)
        if rows.any():
            pieces.append(judge(strategy, frame[rows]))
    return pd.concat(pieces).reindex(frame.index) if pieces else frame


def assess(strategy, indicators: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per target for the report `year`, in the strategy's order (docs/methodology.md, section 3)."""
    year = int(year)
    totals = indicators[indicators["group"] == "all"] if "group" in indicators.columns else indicators
    frame = pd.DataFrame([measure_target(strategy, t, totals[totals["target_id"] == t.id], year) for t in strategy.targets], columns=COLUMNS)
    tested = frame["data_quality"].eq("") & frame["change_p_value"].notna()
    adjusted = stats.holm_adjust(frame["change_p_value"].where(tested).to_numpy(float))
    frame["change_p_adjusted"] = adjusted
    alpha = 1 - strategy.settings["change_confidence"]
    frame["change_significant"] = pd.Series(np.where(np.isnan(adjusted), None, adjusted < alpha), dtype=object)
    open_rows = frame["status"].isna()
    judged = judge_rows(strategy, frame[open_rows]) if open_rows.any() else frame[open_rows]
    frame = pd.concat([frame[~open_rows].astype(object), judged.astype(object)]).reindex(frame.index)
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    frame[numeric] = frame[numeric].apply(pd.to_numeric)
    frame["measured_year"] = frame["measured_year"].astype("Int64")
    return frame[COLUMNS]
