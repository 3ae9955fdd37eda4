"""Comparators: published figures for other areas beside the municipality's, and a difference in differences.

The optional source `sammenligning` (ingest/comparators.py checks it) holds figures other areas
published: the national youth survey's shares, the region's, Statistics Denmark's treatment starts
for the whole country. They are public already, so never disclosure-controlled.

- `comparator_rows`: per target, area and year, the figure with an interval where one can be
  had: the publisher's own (`given`); from a numerator and a denominator, Wilson's for a share
  (`wilson`, stats.proportion_ci); from a count, the Poisson interval (`poisson`, stats.count_ci);
  otherwise none, and the figure is taken as exact (`exact`: a register count of the whole country,
  a share of a census). The strategy file may choose and order the areas
  (settings.comparators.areas); by default every area of the files, in their order.
- `difference_in_differences`: how much more (or less) the municipality moved than the comparator
  since the target's baseline year, with its interval (docs/methodology.md 2.9).

Sources: the difference-in-differences estimator, Angrist & Pischke (2009), *Mostly Harmless
Econometrics*, 5.2; the variance of a difference of independent estimates and the delta method for
a log ratio, Armitage, Berry & Matthews (2002), *Statistical Methods in Medical Research*, 4th ed.,
4.5 and 5.2 (a ratio of two Poisson counts, as for a ratio of rates: Breslow & Day 1987, 2.3).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.tables import Comparators, columns

GIVEN, WILSON, POISSON, EXACT = "given", "wilson", "poisson", "exact"
COLUMNS = columns(Comparators)  # named and typed in calc/tables.py
# the scale of a change: percentage points for a share, percent for a count (a ratio of ratios)
POINTS, PERCENT = "points", "percent"


def _optional(frame: pd.DataFrame, name: str) -> np.ndarray:
    return np.array(frame[name], dtype=float) if name in frame.columns else np.full(len(frame), np.nan)


def _intervals(frame: pd.DataFrame, share: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's interval and how it was had (module docstring): given, wilson, poisson or exact."""
    low, high = _optional(frame, "ci_low"), _optional(frame, "ci_high")
    numerator, denominator = _optional(frame, "numerator"), _optional(frame, "denominator")
    method = np.where(~np.isnan(low), GIVEN, EXACT).astype(object)
    wilson = np.isnan(low) & share & ~np.isnan(numerator) & ~np.isnan(denominator)
    if wilson.any():
        w_low, w_high = stats.proportion_ci(numerator[wilson], denominator[wilson], confidence)
        low[wilson], high[wilson], method[wilson] = 100 * np.asarray(w_low), 100 * np.asarray(w_high), WILSON
    poisson = np.isnan(low) & ~share & ~np.isnan(numerator)
    if poisson.any():
        low[poisson], high[poisson] = stats.count_ci(numerator[poisson], confidence)
        method[poisson] = POISSON
    return low, high, method


def comparator_rows(strategy, frame: pd.DataFrame | None) -> pd.DataFrame:
    """The processed comparators (None: the municipality has none) with their intervals, one row per
    target, area and year (COLUMNS), in the strategy's order of targets and the chosen order of areas."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    areas = strategy.settings.comparators.areas or list(dict.fromkeys(frame["area"].astype(str)))
    targets = {t.id: i for i, t in enumerate(strategy.targets)}
    rows = frame[frame["area"].astype(str).isin(areas) & frame["target_id"].astype(str).isin(targets)].copy()
    rows["target_id"], rows["area"] = rows["target_id"].astype(str), rows["area"].astype(str)
    units = {t.id: t.unit for t in strategy.targets}
    rows["unit"] = rows["target_id"].map(units)
    low, high, method = _intervals(rows, (rows["unit"] == "percent").to_numpy(), float(strategy.settings.confidence))
    rows = rows.assign(ci_low=low, ci_high=high, interval=method, year=rows["year"].astype(int), value=rows["value"].astype(float))
    for column in ("numerator", "denominator"):
        rows[column] = _optional(rows, column)
    order = {"target_id": lambda s: s.map(targets), "area": lambda s: s.map({a: i for i, a in enumerate(areas)}), "year": lambda s: s}
    rows = rows.sort_values(["target_id", "area", "year"], key=lambda s: order[s.name](s), kind="stable")
    return rows[COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Difference:
    """A difference in differences between the municipality and one comparator area, for the pages.

    A share's changes are in percentage points (`unit` 'points'); a count's in percent (`unit`
    'percent': the municipality's ratio of the years over the comparator's, less 1, on the log scale
    for the interval). `excludes_zero`: the interval lies wholly on one side of 0, so the
    municipality moved differently from the comparator beyond chance at `confidence`."""

    target_id: str
    area: str
    unit: str
    baseline_year: int
    year: int
    municipality_baseline: float
    municipality_value: float
    comparator_baseline: float
    comparator_value: float
    municipality_change: float
    comparator_change: float
    difference: float
    low: float
    high: float
    confidence: float
    excludes_zero: bool
    comparator_exact: bool  # the comparator has no interval in either year: its change counts as exact


DIFFERENCE_COLUMNS = [f.name for f in fields(Difference)]


def _share_variance(low, high, z: float) -> float:
    """A share's variance from its interval: ((high − low) / 2z)² (0 for an exact figure)."""
    return 0.0 if pd.isna(low) or pd.isna(high) else float(((high - low) / (2 * z)) ** 2)


def _log_variance(value, low, high, method, z: float) -> float:
    """The variance of a count's log: 1/O for a Poisson count, from a given interval
    ((log high − log low) / 2z)², 0 for an exact figure (delta method: var(log O) = var(O)/O²)."""
    if method == POISSON:
        return 1.0 / float(value)
    if pd.isna(low) or pd.isna(high) or low <= 0:
        return 0.0
    return float(((np.log(high) - np.log(low)) / (2 * z)) ** 2)


def _pair(rows: pd.DataFrame, first: int, last: int) -> tuple[pd.Series, pd.Series] | None:
    """The rows of the baseline year and of the latest year, or None when either is missing."""
    by_year = rows.dropna(subset=["value"]).set_index("year")
    if first not in by_year.index or last not in by_year.index:
        return None
    return by_year.loc[first], by_year.loc[last]


def _changes(target, ours: tuple, theirs: tuple, z: float, dispersion: float) -> tuple[float, float, float, float]:
    """(municipality change, comparator change, difference, its standard error) on the scale the
    interval is made on: points for a share, the log of the ratio for a count.

        share:  D = (m_t − m_b) − (c_t − c_b),          Var D = var m_t + var m_b + var c_t + var c_b
        count:  D = log(m_t/m_b) − log(c_t/c_b),        Var D = φ (1/m_t + 1/m_b) + var log c_t + var log c_b

    each variance from the estimate's own interval (a comparator without one: 0), the years taken as
    independent samples, the municipality's count as Poisson (times φ when overdispersed)."""
    (mb, mt), (cb, ct) = ours, theirs
    if target.is_share:
        m_var = _share_variance(mb["ci_low"], mb["ci_high"], z) + _share_variance(mt["ci_low"], mt["ci_high"], z)
        c_var = _share_variance(cb["ci_low"], cb["ci_high"], z) + _share_variance(ct["ci_low"], ct["ci_high"], z)
        m_change, c_change = mt["value"] - mb["value"], ct["value"] - cb["value"]
    else:
        m_var = dispersion * (1 / mt["value"] + 1 / mb["value"])
        c_var = sum(_log_variance(r["value"], r["ci_low"], r["ci_high"], r["interval"], z) for r in (cb, ct))
        m_change, c_change = np.log(mt["value"] / mb["value"]), np.log(ct["value"] / cb["value"])
    return float(m_change), float(c_change), float(m_change - c_change), float(np.sqrt(m_var + c_var))


def difference_in_differences(target, municipality: pd.DataFrame, comparator: pd.DataFrame, year: int, confidence: float, dispersion: float = 1.0):
    """The municipality's change since the target's baseline year minus the comparator's change over
    the same years, with its interval: a `Difference`, or None when the municipality or the
    comparator lacks the baseline year, no later year up to `year` has both, or a count is 0.

    `municipality`: the target's yearly totals (year, value, ci_low, ci_high); `comparator`: one
    area's rows of `comparator_rows`. The later year is the latest up to `year` in which both have a
    figure (national figures often come a year late). The formula is `_changes`'s; the interval is
    D ± z·se (a count's then as percent, 100·(e^x − 1)); `dispersion` φ ≥ 1 is the count's
    overdispersion (docs/methodology.md 2.5 and 2.9)."""
    first = target.baseline_year
    later = sorted(set(municipality.loc[municipality["value"].notna(), "year"]) & set(comparator["year"]))
    later = [y for y in later if first < y <= year]
    ours, theirs = (_pair(municipality, first, later[-1]), _pair(comparator, first, later[-1])) if later else (None, None)
    if ours is None or theirs is None:
        return None
    if not target.is_share and min(ours[0]["value"], ours[1]["value"], theirs[0]["value"], theirs[1]["value"]) <= 0:
        return None  # a count of 0 has no log: no relative change
    z = stats.z_value(confidence)
    m_change, c_change, difference, se = _changes(target, ours, theirs, z, max(float(dispersion), 1.0))
    low, high = difference - z * se, difference + z * se
    shown = (lambda x: float(x)) if target.is_share else (lambda x: float(100 * np.expm1(x)))
    return Difference(
        target_id=target.id,
        area=str(comparator["area"].iloc[0]),
        unit=POINTS if target.is_share else PERCENT,
        baseline_year=first,
        year=int(later[-1]),
        municipality_baseline=float(ours[0]["value"]),
        municipality_value=float(ours[1]["value"]),
        comparator_baseline=float(theirs[0]["value"]),
        comparator_value=float(theirs[1]["value"]),
        municipality_change=shown(m_change),
        comparator_change=shown(c_change),
        difference=shown(difference),
        low=shown(low),
        high=shown(high),
        confidence=float(confidence),
        excludes_zero=bool(low > 0 or high < 0),
        comparator_exact=bool(theirs[0]["interval"] == EXACT and theirs[1]["interval"] == EXACT),
    )


def used_dispersion(row: pd.Series | None) -> float:
    """The overdispersion φ an assessment row's count uses (stats.pearson_dispersion's `used`): φ when
    its test found overdispersion at the row's confidence, else 1."""
    if row is None or pd.isna(row.get("dispersion")) or pd.isna(row.get("dispersion_p_value")):
        return 1.0
    over = row["dispersion"] > 1 and row["dispersion_p_value"] < 1 - row["confidence"]
    return float(row["dispersion"]) if over else 1.0


def differences(strategy, totals: pd.DataFrame, comparators: pd.DataFrame, assessment: pd.DataFrame) -> pd.DataFrame:
    """Every target's difference in differences with every comparator area, per report year of the
    strategy (column `report_year`, then DIFFERENCE_COLUMNS); a pair without the years it needs has no row."""
    rows = []
    confidence = float(strategy.settings.confidence)
    overall = totals[totals["group"] == "all"] if "group" in totals.columns else totals
    for target in strategy.targets:
        ours = overall[overall["target_id"] == target.id]
        for _, theirs in comparators[comparators["target_id"] == target.id].groupby("area", sort=False):
            for year in strategy.years:
                judged = assessment[(assessment["target_id"] == target.id) & (assessment["year"] == year)]
                phi = used_dispersion(judged.iloc[0] if len(judged) else None)
                found = difference_in_differences(target, ours, theirs, year, confidence, phi)
                if found is not None:
                    rows.append({"report_year": year, **asdict(found)})
    return pd.DataFrame(rows, columns=["report_year", *DIFFERENCE_COLUMNS])
