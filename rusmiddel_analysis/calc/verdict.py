"""The verdict scheme: per target and year, where the measurement stands and how sure that is.

docs/methodology.md, section 3, holds the decision table this module implements. Every status has
two parts:

- the **status**, decided by the measurement itself: in the target year (or later) whether the goal
  is met (`achieved` / `not_achieved`; `maintained` / `worsened` for a level to keep), in earlier
  years the pace (Eurostat's categories `on_track`, `needs_acceleration`, `limited_progress`,
  `deterioration`, from the ratio R of actual to required progress; `maintained` / `worsened`);
- the **certainty**: `exact` for a register, which counts everyone the target names, where its
  unknown outcomes could not change the status (assessment._certainty); `certain` when a survey's
  whole interval lies on the status's side of the line of the committee's question (the goal met,
  the on-track level reached, the level minus the margin held); `uncertain` otherwise.

So a politician reads one line ("Nået: 705 borgere mod målet på 703"), and a statistician sees the
claim it makes and how often it is wrong (the seeded simulation, tests/test_verdict_simulation.py).
Everything is vectorised: one array element per target (or per simulated draw). All comparisons are
made on an oriented scale where higher is better (a lower-is-better target is mirrored first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rusmiddel_analysis.calc import progress
from rusmiddel_analysis.calc.stats import _positions
from rusmiddel_analysis.config.settings import ProgressThresholds, StrategySettings

EXACT, CERTAIN, UNCERTAIN = "exact", "certain", "uncertain"
CERTAINTIES = (EXACT, CERTAIN, UNCERTAIN)
# statuses that say the truth lies at or past their reference (the others: short of it)
AT_OR_PAST = ("achieved", "on_track", "maintained")

# why each status was given: the `verdict_reason` column
REASONS = {
    "achieved": "value_at_or_past_goal",
    "not_achieved": "value_short_of_goal",
    "on_track": "at_or_ahead_of_pace",
    "needs_acceleration": "behind_pace",
    "limited_progress": "far_behind_pace",
    "deterioration": "moving_away",
    "maintained": "within_margin",
    "worsened": "beyond_margin",
}


@dataclass(frozen=True)
class Scale:
    """Where a target is judged: its own scale, or (for a 0 % / 100 % goal) the prevalence scale."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    baseline: np.ndarray
    target: np.ndarray
    higher_is_better: np.ndarray
    prevalence: np.ndarray  # True where a 0 %/100 % goal is judged on the prevalence scale


def judging_scale(value, low, high, baseline, target, higher_is_better, is_share, tolerance: float) -> Scale:
    """Move a 0 %/100 % goal to the prevalence scale with a tolerance; leave other targets as they are.

    "No pupil has tried drugs" can be framed as 98 % -> 100 % who have not tried or as
    2 % -> 0 % who have. Both become the prevalence q of the behaviour the goal wants gone
    (q = 100 - value for a 100 % goal, q = value for a 0 % goal), judged lower-is-better
    against the goal q <= tolerance (settings.extreme_goal_tolerance, e.g. 0.5 points). A survey
    can never show exactly 0 %, so the tolerance makes the goal reachable and the verdict the same
    for both framings.
    """
    v, lo, hi, b, t, hib, share = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (value, low, high, baseline, target)), np.asarray(higher_is_better, bool), np.asarray(is_share, bool)
    )
    extreme = share & ((t == 0) | (t == 100))
    flip = extreme & (t == 100)
    q = lambda x: np.where(flip, 100 - x, x)
    return Scale(
        value=np.where(extreme, q(v), v),
        low=np.where(extreme, np.where(flip, 100 - hi, lo), lo),
        high=np.where(extreme, np.where(flip, 100 - lo, hi), hi),
        baseline=np.where(extreme, q(b), b),
        target=np.where(extreme, tolerance, t),
        higher_is_better=np.where(extreme, False, hib),
        prevalence=extreme,
    )


def from_judging_scale(x, scale: Scale, original_target) -> np.ndarray:
    """A value on the judging scale back on the target's own scale (100 - q for a 100 % goal)."""
    x = np.asarray(x, float)
    return np.where(scale.prevalence & (np.asarray(original_target, float) == 100), 100 - x, x)


def oriented(scale: Scale, x) -> np.ndarray:
    """A value of the judging scale mirrored so that higher is better."""
    return np.where(scale.higher_is_better, 1.0, -1.0) * np.asarray(x, float)


def oriented_interval(scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """(pessimistic end, optimistic end) of the interval on the oriented scale."""
    return np.where(scale.higher_is_better, scale.low, -scale.high), np.where(scale.higher_is_better, scale.high, -scale.low)


def progress_status(scale: Scale, ratio, final, thresholds: ProgressThresholds) -> np.ndarray:
    """The status of `reach`/`at_least`/`at_most` targets, from the measurement itself.

    In the target year (or later): `achieved` when the value is at or past the goal, else
    `not_achieved`. Earlier, from Eurostat's ratio R of actual to required progress (progress.py):
    `on_track` R >= on_track (0.95), `needs_acceleration` R >= needs_acceleration (0.6),
    `limited_progress` R >= limited_progress (0), `deterioration` below (moving away).
    """
    final, r = np.broadcast_arrays(np.asarray(final, bool), np.asarray(ratio, float))
    undefined = ~final & ~np.isfinite(r)
    if undefined.any():
        # never a status by default: a NaN ratio (nothing required, or no value) has no pace to judge
        raise ValueError(f"the ratio of actual to required progress is undefined at position(s) {_positions(undefined)}; no pace status can be given")
    met = oriented(scale, scale.value) >= oriented(scale, scale.target)
    earlier = np.select(
        [r >= thresholds.on_track, r >= thresholds.needs_acceleration, r >= thresholds.limited_progress],
        ["on_track", "needs_acceleration", "limited_progress"],
        default="deterioration",
    )
    return np.where(final, np.where(met, "achieved", "not_achieved"), earlier)


def check_goal_ahead(scale: Scale, target_ids) -> None:
    """A `reach`/`at_least`/`at_most` goal must lie past its baseline on the judging scale (for a
    0 %/100 % goal: the baseline's prevalence above the tolerance); else the required progress is
    0 or runs backwards and every pace status would be inverted. The strategy loader refuses such a
    file; this guards frames built by hand."""
    behind = ~(oriented(scale, scale.target) > oriented(scale, scale.baseline))
    if behind.any():
        ids = ", ".join(sorted({str(t) for t in np.asarray(target_ids, dtype=object)[np.atleast_1d(behind)]}))
        raise ValueError(f"the goal of {ids} does not lie past its baseline on the judging scale; nothing would be required to meet it")


def maintain_status(scale: Scale, margin) -> np.ndarray:
    """The status of `maintain` targets: `maintained` when the value is no further than the margin
    from the level on the wrong side (v >= L − δ, oriented), else `worsened`. A non-inferiority
    question (Piaggio et al. 2012): the margin is the largest fall the administration accepts."""
    return np.where(oriented(scale, scale.value) >= oriented(scale, scale.target) - np.asarray(margin, float), "maintained", "worsened")


def reference(status, scale: Scale, on_track_level, margin) -> np.ndarray:
    """The oriented line a status's certainty is about: the goal (achieved, not achieved), the
    on-track level (every pace status: on track, or behind it however far, deterioration included),
    the level minus the margin (maintained, worsened).

    One line per question the committee asks (met, on pace, held), so the certainty and the
    probability the page quotes answer the same question and a worse value never makes a weaker
    claim: with the baseline as deterioration's line, 62.5 % was "limited progress, certain" and
    61.5 % "deterioration, uncertain" beside a 1 % probability of being on pace. The category among
    the behind statuses is the measurement's own; "certain" does not cover it (methodology 3.5)."""
    status = np.asarray(status, dtype=object)
    margin = np.nan_to_num(np.asarray(margin, float))
    return np.select(
        [np.isin(status, ["achieved", "not_achieved"]), np.isin(status, ["maintained", "worsened"])],
        [oriented(scale, scale.target), oriented(scale, scale.target) - margin],
        default=oriented(scale, on_track_level),
    )


def certainty(status, scale: Scale, reference_value, exact) -> np.ndarray:
    """`exact` for a register; else `certain` when the whole interval lies on the status's side of
    its reference (at or past it for achieved, on track and maintained; short of it otherwise),
    `uncertain` when the interval reaches across it."""
    low, high = oriented_interval(scale)
    past = np.isin(np.asarray(status, dtype=object), AT_OR_PAST)
    sure = np.where(past, low >= reference_value, high < reference_value)
    return np.where(np.asarray(exact, bool), EXACT, np.where(sure, CERTAIN, UNCERTAIN))


def on_track_level(scale: Scale, baseline_year, year, target_year, thresholds: ProgressThresholds, compound):
    """The lowest value (highest, lower-is-better) still counted as on track in `year`: R = on_track threshold."""
    return progress.level_at_ratio(baseline_year, scale.baseline, year, target_year, scale.target, thresholds.on_track, compound)


def maintain_margin(unit, level, settings: StrategySettings):
    """The non-inferiority margin in the target's unit: points for shares, a fraction of the level for counts."""
    unit = np.asarray(unit, dtype=object)
    return np.where(unit == "percent", float(settings.maintain_margin_points), float(settings.maintain_margin_relative) * np.asarray(level, float))
