"""Progress towards a quantified target: the ratio of actual to required progress, the required path
and the level at which the ratio takes a given value. One function per method, vectorised.

Two scales, chosen per target (`compound_scale`):
- **linear**, in the target's unit (percentage points for a share): the same for any wording of a
  goal, since "93 -> 97 % have not tried" and "7 -> 3 % have tried" are mirror images
  (100 - x) and a straight line stays a straight line under the mirror;
- **compound** growth (Eurostat's): for a count of persons, whose growth the strategy states as a
  percentage ("15 % more citizens").

Pure NumPy, so the report pages can draw the required path without the statistical libraries.
Source: Eurostat (2023), "Sustainable development in the European Union - Monitoring report",
annex: progress towards quantified targets; docs/methodology.md, section 3.1.
"""

from __future__ import annotations

import numpy as np

from rusmiddel_analysis.calc.arrays import checked_arrays as _arrays
from rusmiddel_analysis.calc.arrays import positions as _positions
from rusmiddel_analysis.calc.arrays import scalar_or_array as _out

__all__ = ["progress_ratio", "required_path", "level_at_ratio", "compound_scale"]

_NAMES = ("baseline_year", "baseline_value", "year", "value", "target_year", "target_value", "ratio", "compound")


def compound_scale(is_share, baseline_value, target_value) -> np.ndarray:
    """Whether a target's progress is measured as compound growth: a count whose baseline and goal
    are above 0 (growth from or to 0 is undefined); shares and other counts are linear."""
    share, b, t = np.broadcast_arrays(np.asarray(is_share, bool), np.asarray(baseline_value, float), np.asarray(target_value, float))
    return ~share & (b > 0) & (t > 0)


def _required_step(bv, ty, tv, by, compound):
    """The required progress per year: compound growth (t/b)^(1/(T−t₀)) − 1, or (t − b)/(T − t₀) on the linear scale."""
    span = ty - by
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(compound, (tv / np.where(compound, bv, 1.0)) ** (1 / span) - 1, 0.0)
    return np.where(compound, growth, (tv - bv) / span)


def _checked(by, bv, ty, compound, y=None):
    if (compound & (bv <= 0)).any():
        raise ValueError("compound growth needs baseline_value > 0: growth from 0 is undefined (use the linear scale)")
    if (ty <= by).any():
        raise ValueError("target_year must come after baseline_year")
    if y is not None and (y <= by).any():
        raise ValueError(f"year must come after baseline_year; found year <= baseline_year at position(s) {_positions(y <= by)}")


def progress_ratio(baseline_year, baseline_value, year, value, target_year, target_value, compound=False):
    """The ratio R of actual to required progress since the baseline.

        compound:  R = ((v/b)^(1/(y−t₀)) − 1) / ((t/b)^(1/(T−t₀)) − 1)     (Eurostat 2023)
        linear:    R = (v − b) / ((t − b) (y − t₀)/(T − t₀))

    R >= 1: at or ahead of the pace needed; 0 < R < 1: the right way too slowly; R < 0: away.
    Works for either polarity (actual and required progress share the sign of the wanted change).
    NaN when the goal equals the baseline (nothing is required: the maintain rule).
    """
    scalar, (by, bv, y, v, ty, tv, c) = _arrays(
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        year=year,
        value=value,
        target_year=target_year,
        target_value=target_value,
        compound=compound,
    )
    c = c.astype(bool)
    _checked(by, bv, ty, c, y)
    if (c & (v < 0)).any():
        raise ValueError("value must be >= 0 for compound growth")
    required = _required_step(bv, ty, tv, by, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = np.where(c, (v / np.where(c, bv, 1.0)) ** (1 / (y - by)) - 1, (v - bv) / (y - by))
        ratio = np.where(required != 0, actual / np.where(required != 0, required, 1), np.nan)
    return _out(ratio, scalar)


def level_at_ratio(baseline_year, baseline_value, year, target_year, target_value, ratio, compound=False):
    """The value in `year` at which the ratio R equals `ratio` (the inverse of `progress_ratio`).

        compound:  level = b (1 + ratio · g)^(y − t₀),  g = (t/b)^(1/(T−t₀)) − 1
        linear:    level = b + ratio · (t − b)(y − t₀)/(T − t₀)

    With ratio = 1 it is the required path; with the on-track threshold (0.95) the lowest value
    (highest, for lower-is-better targets) still counted as on track. Vectorised.
    """
    scalar, (by, bv, y, ty, tv, r, c) = _arrays(
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        year=year,
        target_year=target_year,
        target_value=target_value,
        ratio=ratio,
        compound=compound,
    )
    c = c.astype(bool)
    _checked(by, bv, ty, c)
    step = _required_step(bv, ty, tv, by, c)
    with np.errstate(invalid="ignore"):
        level = np.where(c, bv * (1 + r * step) ** (y - by), bv + r * step * (y - by))
    return _out(level, scalar)


def required_path(baseline_year, baseline_value, target_year, target_value, years, compound=False):
    """The value each year must take to reach the goal on time: equal to the baseline in the
    baseline year and to the goal in the target year (`level_at_ratio` with ratio 1)."""
    return level_at_ratio(baseline_year, baseline_value, years, target_year, target_value, 1.0, compound)
