"""Assessment: where each target stands in a report year, and how sure that is.

`assess(strategy, indicators, year)` takes the indicator table from `indicators.compute` (the
rows with group 'all') and returns one row per target, using the latest measurement up to the
report year. How each column is computed (docs/methodology.md):

- value, ci_low, ci_high: the latest measurement and its interval (settings.confidence; for a
  survey of few clusters with Korn & Graubard's degrees of freedom, `design_df`).
- source_kind: `survey` (a sample) or `register` (counts everyone the target names), from the
  canonical formats or settings.source_kinds.
- change_p_value: the two-sided test of the change since the baseline. A survey whose baseline
  year is in the data: the two years' estimates compared, the schools paired (`change_basis`
  `baseline_data`); otherwise against the strategy's published baseline, taken as exact
  (`published_baseline`: the score test with the effective sample size; a count: the exact
  Poisson test, quasi-Poisson with the dispersion). change_p_adjusted: Holm-corrected across the
  year's targets; change_significant: change_p_adjusted < 1 - settings.change_confidence;
  beyond_normal_variation: the same, for a register (its change is exact, the test says whether it
  is more than ordinary year-to-year variation).
- status, certainty, verdict_reason: the decision table in `verdict.py`; `insufficient_data` when
  nothing was measured since the baseline or a data-quality rule of the strategy file fails (the
  reason is kept in `data_quality`).
- p_goal_met, p_on_track (surveys): the probability that the true value meets the goal (the target
  year, and a level to keep) / is at or past the on-track level (earlier years); each is empty in
  the other years (stats.probability_at_least).
- required_value: the required path in the measured year; on_track_value: the level that counts
  as on track (R = settings.progress_thresholds.on_track); progress_ratio: R (linear for shares,
  compound for counts; progress.py).
- watch, watch_reason: moved the wrong way since the baseline by more than chance (the change the
  change test tested, significant after Holm's correction: `beyond_chance`), or (a level to keep)
  fell more than half its margin below the level (`half_margin`): a target to watch whatever its
  status.
- vs_target: Fingertips' comparison of the interval with the (effective) goal.
- trend: the test for trend over the measured years up to the report year (settings.trend_confidence):
  a survey share's design-based slope (schools as clusters across the years, t on C − 1), a register
  share's Cochran-Armitage test, a count's log-linear score test.
- projected_*: time-weighted regression with a prediction interval, from at least
  settings.min_projection_points measured years, within the possible range; none once the target
  year itself is measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import progress, stats, verdict
from rusmiddel_analysis.calc.records import Caveat, QualityProblem, codes
from rusmiddel_analysis.calc.tables import Assessment, columns, numeric_columns
from rusmiddel_analysis.config.settings import DataQuality, StrategySettings
from rusmiddel_analysis.ingest.schemas import SOURCES

# The published columns of assessment.csv, named and typed in calc/tables.Assessment: never rename
# or drop one; new ones go at the end
COLUMNS = columns(Assessment)
# columns copied from the latest measurement's indicator row as they are
CARRIED = tuple(columns(Assessment, "carried"))
# the columns not typed as numbers (text, true/false)
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in numeric_columns(Assessment))


def data_quality_problems(row: pd.Series, target, rules: DataQuality) -> list[QualityProblem]:
    """The data-quality rules of the strategy file that a measurement breaks."""
    problems = []
    if target.is_share and pd.notna(row["denominator"]) and row["denominator"] < rules.min_denominator:
        problems.append(QualityProblem("min_denominator", float(row["denominator"]), float(rules.min_denominator)))
    if pd.notna(row.get("unknown_share")) and row["unknown_share"] > rules.max_unknown_share:
        problems.append(QualityProblem("max_unknown_share", float(row["unknown_share"]), float(rules.max_unknown_share)))
    if pd.notna(row.get("contact_rate")) and row["contact_rate"] < rules.min_contact_rate:
        problems.append(QualityProblem("min_contact_rate", float(row["contact_rate"]), float(rules.min_contact_rate)))
    clusters = row.get("design_df", np.nan) + 1  # a clustered survey's year: C clusters, C − 1 degrees of freedom
    if pd.notna(clusters) and clusters < rules.min_clusters:
        problems.append(QualityProblem("min_clusters", float(clusters), float(rules.min_clusters)))
    return problems


def source_kind(strategy, target) -> str:
    """`survey` or `register`: the canonical format's kind of the target's source, unless the
    strategy file says otherwise (settings.source_kinds)."""
    return strategy.settings.source_kinds.get(target.source, SOURCES[target.source].kind)


def change_test(target, latest, dispersion: float = 1.0, kind: str = "survey", dispersion_df: float = np.inf) -> tuple[float, str]:
    """Two-sided p-value of the change since the baseline, and what it compares with.

    Where the baseline year is in the data (`baseline_data`), both years count with their own
    variation: a survey's two estimates with the schools paired (stats.difference_test on the
    design's degrees of freedom; no test when one cluster answered in both years together); a
    register's share, the two-proportion test of the two years' outcomes (`baseline_numerator`,
    `baseline_denominator` of `latest`); a register's count, the exact conditional test of the two
    counts, quasi-Poisson with the dispersion on its `dispersion_df` degrees of freedom.
    Otherwise (`published_baseline`): a count's published baseline is the register's own count of
    that year and is tested as one; a share's is taken as exact, the score test with the effective
    sample size (the test whose inversion is the page's Wilson interval; Student's t on the design's
    degrees of freedom for a survey), and the page says so.
    """
    own = pd.notna(latest.get("baseline_measured"))
    if target.is_share and kind == "survey" and own:
        if pd.isna(latest.get("change_se")):  # one cluster in both years together: no variance, no test
            return float("nan"), "baseline_data"
        _, p = stats.difference_test(latest["value"] - latest["baseline_measured"], latest["change_se"], latest["change_df"])
        return float(p), "baseline_data"
    if target.is_share and own:
        args = (latest["numerator"], latest["denominator"], latest["baseline_numerator"], latest["baseline_denominator"])
        return float(stats.two_proportion_test(*args)[1]), "baseline_data"
    if target.is_share:
        n = latest.get("effective_n")
        n = latest["denominator"] if pd.isna(n) else n
        df = latest.get("design_df") if kind == "survey" and pd.notna(latest.get("design_df")) else np.inf
        _, p = stats.one_sample_proportion_test(latest["value"] / 100, n, target.baseline_value / 100, df)
        return float(p), "published_baseline"
    baseline = latest["baseline_numerator"] if own else target.baseline_value
    _, p = stats.two_count_test(latest["numerator"], baseline, max(dispersion, 1.0), dispersion_df)
    return float(p), "baseline_data" if own else "published_baseline"


def register_baseline(latest: pd.Series, rows: pd.DataFrame, target, kind: str) -> pd.Series:
    """A register's latest row with its baseline year's own figures (`baseline_measured`,
    `baseline_numerator`, `baseline_denominator`) when that year is in the data; a survey's row as it is
    (its indicator row carries the paired comparison already)."""
    base = rows[rows["year"] == target.baseline_year]
    if kind != "register" or base.empty or pd.isna(base["numerator"].iloc[0]) or (target.is_share and not base["denominator"].iloc[0] > 0):
        return latest
    first = base.iloc[0]
    own = pd.Series({"baseline_measured": first["value"], "baseline_numerator": first["numerator"], "baseline_denominator": first["denominator"]})
    return pd.concat([latest.drop(own.index, errors="ignore"), own])


def effective_counts(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(successes, answers) on the scale of the estimator the page shows: share x n_eff and n_eff.

    For an unweighted share n_eff is the number of answers, so these are the plain counts; for a
    weighted share they are Kish's effective counts, the first-order design correction of Rao &
    Scott (1981) (docs/methodology.md, section 5).
    """
    n = rows["effective_n"].where(rows["effective_n"].notna(), rows["denominator"]).astype(float)
    return rows["value"].astype(float) / 100 * n, n


def trend_of(target, rows: pd.DataFrame, confidence: float, dispersion: float = 1.0, dispersion_df: float = np.inf) -> stats.TrendResult:
    """The test for trend over the measured years `rows`. A survey share: the design-based slope its
    indicator row carries for exactly these years (the answer regressed on the year with the schools
    as clusters across the years, t on C − 1; the trend of the paired change test's evidence). A
    register's share (or a share without the design's columns): Cochran-Armitage on the (effective)
    counts. A count: the log-linear score test (quasi-Poisson with the dispersion, on F(1, k − 2))."""
    years = ";".join(str(int(y)) for y in rows["year"])
    if target.is_share and "trend_years" in rows.columns and len(rows) and pd.notna(rows["trend_years"].iloc[-1]):
        last = rows.iloc[-1]
        if last["trend_years"] != years:
            raise ValueError(
                f"{target.id}: the indicator's trend covers {last['trend_years']}, the assessment uses {years}; compute both with one strategy"
            )
        return stats.slope_trend_test(last["trend_slope"], last["trend_se"], last["trend_df"], len(rows), confidence)
    if target.is_share:
        successes, answers = effective_counts(rows)
        df = rows["design_df"].min() if "design_df" in rows.columns and rows["design_df"].notna().any() else np.inf
        return stats.trend_test(successes, answers, rows["year"], confidence, df)
    return stats.count_trend_test(rows["numerator"], rows["year"], confidence, dispersion, dispersion_df)


def applies_to(method_break, target) -> bool:
    """Whether a method break of the strategy file changes how `target` is measured."""
    sources = set(target.indicator_type.sources_read(target))
    return target.id in method_break.targets or bool(sources & set(method_break.sources))


def latest_break(strategy, target, year: int):
    """The latest method break for `target` up to `year` (None when there is none)."""
    breaks = [b for b in strategy.method_breaks if b.year <= year and applies_to(b, target)]
    return breaks[-1] if breaks else None


def trend_rows(strategy, target, rows: pd.DataFrame, year: int) -> tuple[pd.DataFrame, list[int], int | None]:
    """The measured years a trend and a projection may use: from the latest method break on, and
    without the years that break a data-quality rule. Returns (rows, excluded years, break year)."""
    broken = latest_break(strategy, target, year)
    failing = [int(r["year"]) for _, r in rows.iterrows() if data_quality_problems(r, target, strategy.settings.data_quality)]
    keep = ~rows["year"].isin(failing)
    if broken is not None:
        keep &= rows["year"] >= broken.year
    return rows[keep], failing, broken.year if broken is not None else None


def _empty_row(target, year: int, strategy=None) -> dict:
    out: dict[str, Any] = {c: np.nan for c in COLUMNS}
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
        source_kind=source_kind(strategy, target) if strategy is not None else "survey",
        watch=False,
    )
    return out


def _count_dispersion(strategy, target, used: pd.DataFrame) -> stats.Dispersion | None:
    """Pearson's test for overdispersion of a count target over the years its trend uses."""
    if target.is_share or len(used) < 3:
        return None
    settings = strategy.settings
    return stats.pearson_dispersion(used["numerator"], used["year"], settings.confidence, settings.min_dispersion_points)


def _with_dispersion(out: dict, dispersion: stats.Dispersion | None, settings: StrategySettings) -> None:
    """A count's interval (and rate interval) widened by the dispersion the test found."""
    if dispersion is None:
        return
    out.update(dispersion=dispersion.phi, dispersion_p_value=dispersion.p_value)
    if dispersion.used > 1 and pd.notna(out["numerator"]):
        low, high = stats.scaled_count_ci(int(out["numerator"]), dispersion.used, settings.confidence, dispersion.df)
        if pd.notna(out["population"]):
            per = float(settings.rate_per) / out["population"]  # a count of 0 keeps its rate interval
            out.update(rate_low=low * per, rate_high=high * per)
        out.update(ci_low=low, ci_high=high)


def measure_target(strategy, target, rows: pd.DataFrame, year: int) -> dict:
    """The measurement part of one target's assessment in `year` (no status yet): latest value,
    interval, change test, trend, projection and data quality, from its yearly rows (group 'all')."""
    settings = strategy.settings
    rows = rows[(rows["year"] <= year) & rows["value"].notna()].sort_values("year")
    out = _empty_row(target, year, strategy)
    out.update(measured_years=len(rows), confidence=settings.confidence, trend_confidence=settings.trend_confidence)
    since = rows[rows["year"] > target.baseline_year]
    if since.empty:
        reason = "before_baseline" if year < target.baseline_year else "baseline_year" if year == target.baseline_year else "no_measurement_since"
        out.update(status="insufficient_data", data_quality=codes([QualityProblem(reason, target.baseline_year)]))
        return out
    latest = register_baseline(since.iloc[-1], rows, target, out["source_kind"])
    used, excluded, break_year = trend_rows(strategy, target, rows, year)
    dispersion = _count_dispersion(strategy, target, used)
    phi, phi_df = (dispersion.used, dispersion.df) if dispersion is not None else (1.0, np.inf)
    p_value, basis = change_test(target, latest, phi, out["source_kind"], phi_df)
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
        change_p_value=p_value,
        change_basis=basis,
        method_break_year=break_year,
        excluded_years=";".join(str(y) for y in excluded),
        **{c: latest.get(c, np.nan) for c in CARRIED},
    )
    _with_dispersion(out, dispersion, settings)
    trend = trend_of(target, used, settings.trend_confidence, phi, phi_df)
    out.update(trend=trend.direction, trend_p_value=trend.p_value, trend_points=trend.n_points, trend_reason=trend.reason)
    if out["measured_year"] < target.target_year:  # once the target year is measured, there is nothing to project
        out.update(_projection(target, used, settings))
    problems = data_quality_problems(latest, target, settings.data_quality)
    if problems:
        out.update(status="insufficient_data", data_quality=codes(problems))
    out["caveats"] = codes(caveats(strategy, target, out))
    return out


def _projection(target, used: pd.DataFrame, settings: StrategySettings) -> dict:
    """The projection to the target year, within the values the measure can take (a share 0-100 %,
    a count from 0): a straight line can run past them, the measure cannot."""
    proj = stats.projection(used["year"], used["value"], target.target_year, settings.confidence, settings.min_projection_points)
    high = 100.0 if target.is_share else np.inf
    clip = lambda v: float(np.clip(v, 0.0, high)) if not np.isnan(v) else np.nan
    value = clip(proj.value)
    return dict(
        projected_value=value,
        projected_low=clip(proj.low),
        projected_high=clip(proj.high),
        projection_gap=value - target.target_value if not np.isnan(value) else np.nan,
    )


def caveats(strategy, target, out: dict) -> list[Caveat]:
    """What the page says beside the verdict (the status stands).

    standardisation_gap: the share standardised to the baseline's mix differs from the measured
    one by more than settings.caveats.max_standardisation_gap points; coverage: fewer than
    min_common_coverage of the answers come from schools/institutions that answered in both
    years; bounds_straddle_goal: an unknown outcome could decide whether the goal is met;
    method_break: the measurement changed between the baseline and the measured year;
    overdispersion: the count varies more than chance from year to year (Pearson's test).
    """
    rules = strategy.settings.caveats
    found = []
    gap = out["standardised_value"] - out["value"]
    if pd.notna(gap) and abs(gap) > rules.max_standardisation_gap:
        found.append(Caveat("standardisation_gap", float(gap)))
    if pd.notna(out["coverage"]) and out["coverage"] < rules.min_common_coverage:
        found.append(Caveat("coverage", float(out["coverage"])))
    if pd.notna(out["bound_low"]) and out["bound_low"] < target.target_value <= out["bound_high"]:
        found.append(Caveat("bounds_straddle_goal"))
    broken = [b.year for b in strategy.method_breaks if target.baseline_year < b.year <= out["measured_year"] and applies_to(b, target)]
    if broken:
        found.append(Caveat("method_break", float(broken[-1])))
    if pd.notna(out["dispersion"]) and out["dispersion"] > 1 and out["dispersion_p_value"] < 1 - strategy.settings.confidence:
        found.append(Caveat("overdispersion", float(out["dispersion"])))
    return found


def _scale(strategy, frame: pd.DataFrame, low="ci_low", high="ci_high") -> verdict.Scale:
    """The rows on their judging scale, with the interval (or another range: the bounds) `low`-`high`."""
    targets = [strategy.target(t) for t in frame["target_id"]]
    return verdict.judging_scale(
        frame["value"],
        frame[low],
        frame[high],
        frame["baseline_value"],
        frame["target_value"],
        [t.higher_is_better for t in targets],
        [t.is_share for t in targets],
        float(strategy.settings.extreme_goal_tolerance),
    )


def _certainty(strategy, frame: pd.DataFrame, status, scale: verdict.Scale, reference) -> np.ndarray:
    """A survey's certainty from its interval; a register's `exact` only where its status would be
    the same whatever the unknown outcomes were (the worst-case bounds, methodology 2.6, on the
    status's side of its line), else `uncertain`: a count of the known outcomes is exact, a status
    the missing ones could change is not (A7). A register without bounds (a count) is exact."""
    register = (frame["source_kind"] == "register").to_numpy()
    survey = verdict.certainty(status, scale, reference, np.zeros(len(frame), dtype=bool))
    if not register.any():
        return survey
    value = frame["value"].astype(float)
    bounds = frame.assign(
        _low=frame.get("bound_low", value).astype(float).fillna(value), _high=frame.get("bound_high", value).astype(float).fillna(value)
    )
    counted = verdict.certainty(status, _scale(strategy, bounds, "_low", "_high"), reference, np.zeros(len(frame), dtype=bool))
    return np.where(register, np.where(counted == verdict.CERTAIN, verdict.EXACT, verdict.UNCERTAIN), survey)


def probabilities(frame: pd.DataFrame, scale: verdict.Scale, reference) -> np.ndarray:
    """For each survey row: the probability that the true value is at or past `reference` (a
    judging-scale value, in the good direction), stats.probability_at_least with the effective
    sample size and the design's degrees of freedom; NaN for a register (its value is exact).

    A lower-is-better share is mirrored (100 − x), which the score statistic treats alike; a
    lower-is-better count takes the complement."""
    share = (frame["unit"] == "percent").to_numpy()
    n = frame["effective_n"].where(frame["effective_n"].notna(), frame["denominator"]).astype(float).to_numpy()
    df = frame["design_df"].astype(float).fillna(np.inf).to_numpy()
    usable = (frame["source_kind"] == "survey").to_numpy() & np.isfinite(scale.value)
    usable &= ~share | (np.nan_to_num(n) > 0)
    up, ref = scale.higher_is_better, np.broadcast_to(np.asarray(reference, float), len(frame))
    p = np.full(len(frame), np.nan)
    for is_share in (True, False):
        rows = usable & (share == is_share)
        if not rows.any():
            continue
        if is_share:
            mirror = lambda x, rows=rows: np.where(up[rows], x[rows], 100 - x[rows]) / 100
            p[rows] = stats.probability_at_least(mirror(scale.value), np.clip(mirror(ref), 0, 1), n[rows], df[rows])
        else:
            at_least = stats.probability_at_least(scale.value[rows], np.clip(ref[rows], 0, None), 1.0, df[rows], share=False)
            p[rows] = np.where(up[rows], at_least, 1 - at_least)
    return p


def _judge_progress(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status, certainty, probabilities and reference levels of `reach`/`at_least`/`at_most` rows."""
    thresholds = strategy.settings.progress_thresholds
    scale = _scale(strategy, frame)
    verdict.check_goal_ahead(scale, frame["target_id"])
    by, year, ty = frame["baseline_year"], frame["measured_year"].astype(float), frame["target_year"]
    compound = progress.compound_scale(frame["unit"] == "percent", scale.baseline, scale.target)
    value = np.where(compound, np.clip(scale.value, 0, None), scale.value)
    ratio = progress.progress_ratio(by, scale.baseline, year, value, ty, scale.target, compound)
    level = verdict.on_track_level(scale, by, year, ty, thresholds, compound)
    required = progress.level_at_ratio(by, scale.baseline, year, ty, scale.target, 1.0, compound)
    final = year.to_numpy() >= ty.to_numpy(float)
    status = verdict.progress_status(scale, ratio, final, thresholds)
    reference = verdict.reference(status, scale, level, np.nan)
    back = lambda x: verdict.from_judging_scale(x, scale, frame["target_value"])
    return frame.assign(
        status=status,
        verdict_reason=[verdict.REASONS[s] for s in status],
        certainty=_certainty(strategy, frame, status, scale, reference),
        # one probability a year: the goal met in the target year, the pace before it
        p_goal_met=np.where(final, probabilities(frame, scale, scale.target), np.nan),
        p_on_track=np.where(final, np.nan, probabilities(frame, scale, level)),
        progress_ratio=ratio,
        on_track_value=back(level),
        required_value=back(required),
        effective_target_value=back(scale.target),
        vs_target=stats.compare_with_target(scale.low, scale.high, scale.target, scale.higher_is_better),
    )


def _judge_maintain(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status and certainty of `maintain` rows: the level held within the administration's margin."""
    scale = _scale(strategy, frame)
    margin = verdict.maintain_margin(frame["unit"], frame["target_value"], strategy.settings)
    status = verdict.maintain_status(scale, margin)
    reference = verdict.reference(status, scale, np.nan, margin)
    lowest = np.where(scale.higher_is_better, scale.target - margin, scale.target + margin)
    return frame.assign(
        status=status,
        verdict_reason=[verdict.REASONS[s] for s in status],
        certainty=_certainty(strategy, frame, status, scale, reference),
        p_goal_met=probabilities(frame, scale, lowest),
        p_on_track=np.nan,
        maintain_margin=margin,
        required_value=frame["target_value"],
        effective_target_value=frame["target_value"],
        vs_target=stats.compare_with_target(scale.low, scale.high, scale.target, scale.higher_is_better),
    )


def judge_rows(strategy, frame: pd.DataFrame) -> pd.DataFrame:
    """Status, certainty, probabilities and reference levels for measured rows (the decision table,
    docs/methodology.md 3).

    `frame` needs target_id, kind, unit, value, ci_low, ci_high, baseline_value, target_value,
    baseline_year, measured_year, target_year, source_kind, effective_n, denominator and design_df;
    rows keep their index. Vectorised, so the simulation test judges thousands of draws with the
    same code.
    """
    pieces = []
    for kinds, judge in ((("reach", "at_least", "at_most"), _judge_progress), (("maintain",), _judge_maintain)):
        rows = frame["kind"].isin(kinds)
        if rows.any():
            pieces.append(judge(strategy, frame[rows]))
    return pd.concat(pieces).reindex(frame.index) if pieces else frame


def tested_change(strategy, frame: pd.DataFrame) -> np.ndarray:
    """The change the change test tested, oriented so that a move the good way is positive: against
    the baseline year's own estimate (`change_basis` baseline_data) or the published baseline."""
    sign = np.array([1.0 if strategy.target(t).higher_is_better else -1.0 for t in frame["target_id"]])
    measured = frame["baseline_measured"].astype(float) if "baseline_measured" in frame.columns else pd.Series(np.nan, index=frame.index)
    own = (frame.get("change_basis", pd.Series("", index=frame.index)) == "baseline_data") & measured.notna()
    reference = np.where(own, measured, frame["baseline_value"].astype(float))
    return sign * (frame["value"].astype(float).to_numpy() - reference)


def watch_reasons(strategy, frame: pd.DataFrame) -> list[str]:
    """Why each target is to be watched whatever its status ('' when it is not): `beyond_chance`, it
    moved the wrong way by more than chance, the same test and the same Holm correction as the
    page's sentence on the change (the direction of the change that test compared); `half_margin`, a
    level to keep fell more than half its margin below the level (an early warning that claims no
    significance). Both codes when both hold (docs/methodology.md 3.6)."""
    if frame.empty:
        return []
    alpha = 1 - strategy.settings.change_confidence
    adjusted = frame["change_p_adjusted"].astype(float).to_numpy()
    beyond = (np.nan_to_num(tested_change(strategy, frame)) < 0) & (np.nan_to_num(adjusted, nan=1.0) < alpha)
    sign = np.array([1.0 if strategy.target(t).higher_is_better else -1.0 for t in frame["target_id"]])
    below_level = sign * (frame["value"].astype(float) - frame["target_value"].astype(float)).to_numpy()
    margin = frame["maintain_margin"].astype(float).to_numpy()
    half = (frame["kind"] == "maintain").to_numpy() & (below_level < -margin / 2)
    return [";".join(code for code, on in (("beyond_chance", b), ("half_margin", h)) if on) for b, h in zip(beyond, half, strict=True)]


def watch(strategy, frame: pd.DataFrame) -> np.ndarray:
    """Targets to watch whatever their status (`watch_reasons` not empty)."""
    return np.array([bool(reason) for reason in watch_reasons(strategy, frame)], dtype=bool)


def assess(strategy, indicators: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per target for the report `year`, in the strategy's order (docs/methodology.md, section 3)."""
    year = int(year)
    totals = indicators[indicators["group"] == "all"] if "group" in indicators.columns else indicators
    frame = pd.DataFrame([measure_target(strategy, t, totals[totals["target_id"] == t.id], year) for t in strategy.targets], columns=COLUMNS)
    tested = frame["data_quality"].eq("") & frame["change_p_value"].notna()
    adjusted = stats.holm_adjust(frame["change_p_value"].where(tested).to_numpy(float))
    frame["change_p_adjusted"] = adjusted
    alpha = 1 - strategy.settings.change_confidence
    frame["change_significant"] = pd.Series(np.where(np.isnan(adjusted), None, adjusted < alpha), dtype=object)
    register = frame["source_kind"] == "register"
    frame["beyond_normal_variation"] = frame["change_significant"].where(register, None)
    open_rows = frame["status"].isna()
    judged = judge_rows(strategy, frame[open_rows]) if open_rows.any() else frame[open_rows]
    frame = pd.concat([frame[~open_rows].astype(object), judged.astype(object)]).reindex(frame.index)
    reasons = np.array(watch_reasons(strategy, frame), dtype=object)
    frame["watch_reason"] = np.where(open_rows.to_numpy(), reasons, "")
    frame["watch"] = frame["watch_reason"] != ""
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    frame[numeric] = frame[numeric].apply(pd.to_numeric)
    frame["measured_year"] = frame["measured_year"].astype("Int64")
    return frame[COLUMNS]
