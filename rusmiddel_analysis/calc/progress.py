"""Progress towards a quantified target: Eurostat's ratio of actual to required growth, the required
path and the level at which the ratio takes a given value. One function per method, vectorised.

Pure NumPy, so the report pages can draw the required path without the statistical libraries.
Source: Eurostat (2023), "Sustainable development in the European Union - Monitoring report",
annex: progress towards quantified targets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["progress_ratio", "required_path", "level_at_ratio"]


def _array(name: str, values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not be missing (NaN) at position(s) {_positions(np.isnan(arr))}")
    return arr


def _positions(mask: np.ndarray) -> str:
    where = np.flatnonzero(np.atleast_1d(mask))
    listed = ", ".join(str(i) for i in where[:5])
    return listed + (", ..." if len(where) > 5 else "")


def _out(arr: np.ndarray, scalar: bool):
    return float(arr) if scalar else arr


def progress_ratio(baseline_year, baseline_value, year, value, target_year, target_value):
    """Eurostat's ratio R of actual to required compound annual growth.

        CAGR_actual   = (value / baseline_value)^(1 / (year - baseline_year)) - 1
        CAGR_required = (target_value / baseline_value)^(1 / (target_year - baseline_year)) - 1
        R = CAGR_actual / CAGR_required

    R >= 1: at or ahead of the pace needed; 0 < R < 1: moving the right way too slowly; R < 0:
    moving away. Works for either polarity (both growths share the sign of the wanted change).
    NaN when the target equals the baseline (no growth is required: use the maintain rule).
    Needs baseline_value > 0, value >= 0 and year, target_year after baseline_year. Eurostat (2023).
    """
    scalar = all(np.ndim(v) == 0 for v in (baseline_year, baseline_value, year, value, target_year, target_value))
    by, bv, y, v, ty, tv = np.broadcast_arrays(
        *(
            _array(name, a)
            for name, a in (
                ("baseline_year", baseline_year),
                ("baseline_value", baseline_value),
                ("year", year),
                ("value", value),
                ("target_year", target_year),
                ("target_value", target_value),
            )
        )
    )
    if (bv <= 0).any():
        raise ValueError("baseline_value must be greater than 0: compound growth from 0 is undefined")
    if (v < 0).any() or (tv < 0).any():
        raise ValueError("value and target_value must be >= 0")
    if (y <= by).any():
        raise ValueError(f"year must come after baseline_year; found year <= baseline_year at position(s) {_positions(y <= by)}")
    if (ty <= by).any():
        raise ValueError("target_year must come after baseline_year")
    actual = (v / bv) ** (1 / (y - by)) - 1
    required = (tv / bv) ** (1 / (ty - by)) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(required != 0, actual / np.where(required != 0, required, 1), np.nan)
    return _out(ratio, scalar)


def required_path(baseline_year, baseline_value, target_year, target_value, years):
    """The value each year must take to reach the target on time at a constant compound growth.

        required(y) = baseline_value * (1 + CAGR_required)^(y - baseline_year)

    equal to the baseline in the baseline year and to the target in the target year (Eurostat 2023).
    """
    if baseline_value <= 0:
        raise ValueError("baseline_value must be greater than 0")
    if target_year <= baseline_year:
        raise ValueError("target_year must come after baseline_year")
    growth = (target_value / baseline_value) ** (1 / (target_year - baseline_year))
    scalar = np.ndim(years) == 0
    y = _array("years", years)
    return _out(baseline_value * growth ** (y - baseline_year), scalar)


def level_at_ratio(baseline_year, baseline_value, year, target_year, target_value, ratio):
    """The value in `year` at which Eurostat's ratio R equals `ratio` (the inverse of `progress_ratio`).

        CAGR_required = (target_value / baseline_value)^(1 / (target_year - baseline_year)) - 1
        level = baseline_value * (1 + ratio * CAGR_required)^(year - baseline_year)

    With ratio = 1 it is the required path; with the on-track threshold (0.95) it is the lowest
    value (highest, for lower-is-better targets) still counted as on track. Vectorised.
    """
    scalar = all(np.ndim(v) == 0 for v in (baseline_year, baseline_value, year, target_year, target_value, ratio))
    by, bv, y, ty, tv, r = np.broadcast_arrays(
        *(
            _array(name, a)
            for name, a in (
                ("baseline_year", baseline_year),
                ("baseline_value", baseline_value),
                ("year", year),
                ("target_year", target_year),
                ("target_value", target_value),
                ("ratio", ratio),
            )
        )
    )
    if (bv <= 0).any():
        raise ValueError("baseline_value must be greater than 0")
    if (ty <= by).any():
        raise ValueError("target_year must come after baseline_year")
    required = (tv / bv) ** (1 / (ty - by)) - 1
    return _out(bv * (1 + r * required) ** (y - by), scalar)
