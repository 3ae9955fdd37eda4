"""The verdict scheme: one status per target and year, every status backed by its interval.

docs/methodology.md, section 3, holds the decision table this module implements; the names of
the rules below are the `verdict_reason` codes of the assessment. Everything is vectorised: one
array element per target (or per simulated draw, tests/test_verdict_simulation.py).

All comparisons are made on an oriented scale where higher is better (a lower-is-better target
is mirrored first), against the strategy's own reference values: the baseline, the level that
counts as on track in the measured year, the goal, or the level to keep. A claim of progress
needs the pessimistic end of the interval past the level it claims; a claim of a fall needs the
fall to be statistically significant (the one-sample test against the baseline, Holm-corrected
across the year's targets); when the interval cannot decide, the status is `inconclusive`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rusmiddel_analysis.calc import progress

# why each status was given: the `verdict_reason` column, and the key of the sentence explaining it
REASONS = {
    "achieved": ("interval_past_goal",),
    "not_achieved": ("interval_short_of_goal",),
    "deterioration": ("significant_fall",),
    "on_track": ("interval_at_or_ahead_of_pace",),
    "needs_acceleration": ("improved_behind_pace",),
    "limited_progress": ("improved_far_behind_pace", "no_clear_progress_behind_pace"),
    "maintained": ("level_held_within_margin",),
    "worsened": ("significant_fall_below_level",),
    "inconclusive": ("interval_contains_goal", "interval_straddles_pace", "interval_wider_than_margin", "below_level_not_significant"),
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
    can never show exactly 0 %, and compound growth towards 0 is undefined, so the tolerance
    makes the goal reachable and the verdict the same for both framings.
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


def _oriented(scale: Scale):
    """(value, pessimistic end, optimistic end, baseline, target) mirrored so that higher is better."""
    sign = np.where(scale.higher_is_better, 1.0, -1.0)
    pessimistic = np.where(scale.higher_is_better, scale.low, -scale.high)
    optimistic = np.where(scale.higher_is_better, scale.high, -scale.low)
    return sign * scale.value, pessimistic, optimistic, sign, sign * scale.baseline, sign * scale.target


def progress_verdict(scale: Scale, on_track_level, ratio, final, change_significant, thresholds: dict):
    """Status and reason for `reach`/`at_least` targets (decision table, docs/methodology.md 3.1).

    On the oriented scale, with lo the pessimistic and hi the optimistic end of the interval:
      achieved            lo >= goal
      not_achieved        final year (or later) and hi < goal
      inconclusive        final year and the interval contains the goal
      deterioration       a significant fall from the baseline (Holm-corrected test)
      on_track            lo >= the on-track level (R = 0.95) in the measured year
      needs_acceleration  hi < the on-track level, a significant rise, R >= 0.6
      limited_progress    hi < the on-track level, and R < 0.6 or no significant rise
      inconclusive        otherwise: the interval straddles the on-track level
    """
    value, lo, hi, sign, base, goal = _oriented(scale)
    level = sign * np.asarray(on_track_level, float)
    final = np.asarray(final, bool)
    significant = np.asarray(change_significant, bool)
    ratio = np.asarray(ratio, float)
    improved = significant & (value > base)
    behind = ~final & (hi < level)
    fast_enough = improved & (ratio >= thresholds["needs_acceleration"])
    conditions = [
        lo >= goal,
        final & (hi < goal),
        final,
        ~final & significant & (value < base),
        ~final & (lo >= level),
        behind & fast_enough,
        behind & improved,
        behind,
    ]
    statuses = ["achieved", "not_achieved", "inconclusive", "deterioration", "on_track", "needs_acceleration", "limited_progress", "limited_progress"]
    reasons = [
        "interval_past_goal",
        "interval_short_of_goal",
        "interval_contains_goal",
        "significant_fall",
        "interval_at_or_ahead_of_pace",
        "improved_behind_pace",
        "improved_far_behind_pace",
        "no_clear_progress_behind_pace",
    ]
    return (np.select(conditions, statuses, default="inconclusive"), np.select(conditions, reasons, default="interval_straddles_pace"))


def maintain_verdict(scale: Scale, change_significant, margin):
    """Status and reason for `maintain` targets: a non-inferiority rule around the level to keep.

    With L the level (the strategy's target = baseline), delta the margin and the interval
    oriented so that higher is better:
      worsened      a significant fall below L (Holm-corrected one-sample test against L)
      maintained    hi >= L and lo >= L - delta (not below the level, and not possibly worse
                    than the margin): non-inferiority shown
      inconclusive  otherwise: the interval reaches below L - delta, or lies below L without
                    the fall being significant after the correction
    """
    value, lo, hi, _, level, _ = _oriented(scale)
    significant = np.asarray(change_significant, bool)
    margin = np.asarray(margin, float)
    worsened = significant & (value < level)
    maintained = ~worsened & (hi >= level) & (lo >= level - margin)
    below = ~worsened & ~maintained & (hi < level)
    return (
        np.select([worsened, maintained], ["worsened", "maintained"], default="inconclusive"),
        np.select(
            [worsened, maintained, below],
            ["significant_fall_below_level", "level_held_within_margin", "below_level_not_significant"],
            default="interval_wider_than_margin",
        ),
    )


def on_track_level(scale: Scale, baseline_year, year, target_year, thresholds: dict):
    """The lowest value (highest, lower-is-better) still counted as on track in `year`: R = on_track threshold."""
    return progress.level_at_ratio(baseline_year, scale.baseline, year, target_year, scale.target, thresholds["on_track"])


def maintain_margin(unit, level, settings: dict):
    """The non-inferiority margin in the target's unit: points for shares, a fraction of the level for counts."""
    unit = np.asarray(unit, dtype=object)
    return np.where(
        unit == "percent", float(settings["maintain_margin_points"]), float(settings["maintain_margin_relative"]) * np.asarray(level, float)
    )
