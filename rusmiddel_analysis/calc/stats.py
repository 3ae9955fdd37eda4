"""Statistical methods, one function per method, each written from its published formula.

Every function works on scalars and on NumPy arrays (scalars in, scalars out), checks its
input and says what is wrong. docs/methodology.md explains each method with a worked example.

Sources:
- Wilson (1927), "Probable inference, the law of succession, and statistical inference",
  JASA 22:209-212; as used by Public Health England's Fingertips (PHE, "Technical Guide:
  Confidence Intervals", 2018).
- Byar's approximation and exact Poisson limits: Breslow & Day (1987), "Statistical Methods in
  Cancer Research, vol. II", IARC; PHE Technical Guide (2018).
- Kish (1965), "Survey Sampling": effective sample size (sum w)^2 / sum w^2.
- Armitage (1955), "Tests for linear trends in proportions and frequencies", Biometrics 11:375-386;
  Altman (1991), "Practical Statistics for Medical Research", section 10.7.4 (chi-square for trend).
- Eurostat (2023), "Sustainable development in the European Union - Monitoring report", annex:
  progress towards quantified targets (the ratio of actual to required compound annual growth).
- UN ESCAP (2017), "Asia and the Pacific SDG Progress Report", technical note: anticipated progress
  by weighted regression giving more weight to recent years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sp

__all__ = [
    "z_value", "proportion_ci", "count_ci", "weighted_share", "two_proportion_test", "count_comparison_test",
    "one_sample_proportion_test", "poisson_test", "holm_adjust", "trend_test", "count_trend_test", "TrendResult",
    "progress_ratio", "required_path", "level_at_ratio", "progress_status", "compare_with_target", "projection", "Projection",
    "MIN_PROJECTION_POINTS",
]


# --- helpers --------------------------------------------------------------------------------

def _array(name: str, values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not be missing (NaN) at position(s) {_positions(np.isnan(arr))}")
    return arr


def _positions(mask: np.ndarray) -> str:
    where = np.flatnonzero(np.atleast_1d(mask))
    listed = ", ".join(str(i) for i in where[:5])
    return listed + (", ..." if len(where) > 5 else "")


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, e.g. 0.95; got {confidence}")
    return float(confidence)


def _out(arr: np.ndarray, scalar: bool):
    return float(arr) if scalar else arr


def z_value(confidence: float = 0.95) -> float:
    """The two-sided standard normal quantile z = Phi^-1(1 - (1 - confidence) / 2); 1.96 for 95 %."""
    return float(_sp.norm.ppf(1 - (1 - _check_confidence(confidence)) / 2))


# --- intervals -------------------------------------------------------------------------------

def proportion_ci(successes, n, confidence: float = 0.95):
    """Wilson score interval for a proportion, as fractions (low, high).

    With p = x/n and z the two-sided normal quantile:

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
        low, high = centre -/+ half

    Wilson (1927); PHE Fingertips technical guide (2018). `n` may be a Kish effective sample
    size (not a whole number) for weighted shares. Needs n > 0 and 0 <= successes <= n.
    """
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    x, n = np.broadcast_arrays(_array("successes", successes), _array("n", n))
    if (n <= 0).any():
        raise ValueError(f"n must be greater than 0; found n <= 0 at position(s) {_positions(n <= 0)}")
    if ((x < 0) | (x > n)).any():
        raise ValueError(f"successes must lie between 0 and n; found values outside at position(s) {_positions((x < 0) | (x > n))}")
    z = z_value(confidence)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    low = np.where(x == 0, 0.0, low)   # exact ends: floating point can leave 1e-17
    high = np.where(x == n, 1.0, high)
    return _out(low, scalar), _out(high, scalar)


def count_ci(count, confidence: float = 0.95):
    """Confidence interval for a count O (low, high): Byar's approximation for O >= 10, exact below.

    Byar (O >= 10):
        low  = O (1 - 1/(9 O) - z / (3 sqrt(O)))^3
        high = (O + 1) (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))^3
    Exact Poisson (O < 10), from the chi-square distribution:
        low  = chi2_quantile(alpha/2, 2 O) / 2        (0 when O = 0)
        high = chi2_quantile(1 - alpha/2, 2 (O + 1)) / 2

    Breslow & Day (1987); PHE Fingertips technical guide (2018). Needs whole counts >= 0.
    """
    scalar = np.ndim(count) == 0
    o = np.atleast_1d(_array("count", count))
    if (o < 0).any() or (o != np.floor(o)).any():
        bad = (o < 0) | (o != np.floor(o))
        raise ValueError(f"count must be a whole number >= 0; found other values at position(s) {_positions(bad)}")
    confidence = _check_confidence(confidence)
    z = z_value(confidence)
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        byar_low = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        byar_high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
        exact_low = np.where(o > 0, _sp.chi2.ppf(alpha / 2, 2 * o) / 2, 0.0)
    exact_high = _sp.chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
    low = np.where(o >= 10, byar_low, exact_low)
    high = np.where(o >= 10, byar_high, exact_high)
    if scalar:
        return float(low[0]), float(high[0])
    return low, high


def weighted_share(success, weights):
    """Weighted share and Kish effective sample size: (sum w y / sum w, (sum w)^2 / sum w^2).

    `success` holds 0/1 (or booleans) for those who answered, `weights` their survey weights
    (> 0). The share's interval is then `proportion_ci(share * n_eff, n_eff)`. Kish (1965).
    """
    y = _array("success", success)
    w = _array("weights", weights)
    if y.shape != w.shape:
        raise ValueError(f"success and weights must have the same length; got {y.shape} and {w.shape}")
    if (w <= 0).any():
        raise ValueError(f"weights must be greater than 0; found others at position(s) {_positions(w <= 0)}")
    if ((y != 0) & (y != 1)).any():
        raise ValueError(f"success must be 0 or 1; found others at position(s) {_positions((y != 0) & (y != 1))}")
    if y.size == 0:
        raise ValueError("weighted_share needs at least one answer")
    total = w.sum()
    return float((w * y).sum() / total), float(total ** 2 / (w ** 2).sum())


# --- tests of change -------------------------------------------------------------------------

def two_proportion_test(x1, n1, x2, n2):
    """Two-sided z-test for the difference of two proportions, pooled variance: (z, p).

        p = (x1 + x2) / (n1 + n2);  z = (x2/n2 - x1/n1) / sqrt(p (1 - p) (1/n1 + 1/n2))

    z > 0 when the second proportion is the larger. p = 1 when both proportions are 0 or 1.
    Altman (1991), section 10.7.2.
    """
    scalar = all(np.ndim(v) == 0 for v in (x1, n1, x2, n2))
    x1, n1, x2, n2 = np.broadcast_arrays(*(_array(name, v) for name, v in (("x1", x1), ("n1", n1), ("x2", x2), ("n2", n2))))
    for x, n, label in ((x1, n1, "1"), (x2, n2, "2")):
        if (n <= 0).any() or ((x < 0) | (x > n)).any():
            raise ValueError(f"group {label}: need n > 0 and 0 <= x <= n")
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (x2 / n2 - x1 / n1) / se, 0.0)
    p = 2 * _sp.norm.sf(np.abs(z))
    return _out(z, scalar), _out(p, scalar)


def count_comparison_test(count1, count2):
    """Two-sided test that two Poisson counts over equal periods have the same rate: (direction, p).

    Conditional on the total, count2 ~ Binomial(count1 + count2, 1/2) under equal rates; the
    p-value is the exact two-sided binomial test. direction is +1 when count2 > count1.
    Breslow & Day (1987), section 2.
    """
    c1, c2 = int(count1), int(count2)
    if c1 < 0 or c2 < 0 or c1 != count1 or c2 != count2:
        raise ValueError(f"counts must be whole numbers >= 0; got {count1} and {count2}")
    if c1 + c2 == 0:
        return 0, 1.0
    p = _sp.binomtest(c2, c1 + c2, 0.5).pvalue
    return int(np.sign(c2 - c1)), float(p)


def one_sample_proportion_test(share, n, reference):
    """Two-sided score test of a share against a fixed reference share p0: (z, p).

        z = (p - p0) / sqrt(p0 (1 - p0) / n),  p-value = 2 (1 - Phi(|z|))

    `share` and `reference` are fractions (0-1); `n` may be a Kish effective sample size for a
    weighted share. This is the test whose inversion is the Wilson interval (Wilson 1927;
    Agresti & Coull 1998), so at the same level the Wilson interval excludes p0 exactly when
    the test rejects. When p0 is 0 or 1 the test is degenerate: p = 1 if the share equals p0,
    else 0. z > 0 when the share is above the reference.
    """
    scalar = all(np.ndim(v) == 0 for v in (share, n, reference))
    p, n, p0 = np.broadcast_arrays(_array("share", share), _array("n", n), _array("reference", reference))
    if (n <= 0).any():
        raise ValueError(f"n must be greater than 0; found n <= 0 at position(s) {_positions(n <= 0)}")
    outside = (p < 0) | (p > 1) | (p0 < 0) | (p0 > 1)
    if outside.any():
        raise ValueError(f"share and reference must be fractions between 0 and 1; found others at position(s) {_positions(outside)}")
    se = np.sqrt(p0 * (1 - p0) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p - p0) / np.where(se > 0, se, 1), np.sign(p - p0) * np.inf)
    pvalue = np.where(np.isinf(z), 0.0, 2 * _sp.norm.sf(np.abs(z)))
    pvalue = np.where((se == 0) & (p == p0), 1.0, pvalue)
    z = np.where((se == 0) & (p == p0), 0.0, z)
    return _out(z, scalar), _out(pvalue, scalar)


def poisson_test(count, expected):
    """Exact two-sided test that a count O comes from a Poisson distribution with mean E: (direction, p).

        p = min(1, 2 min(P(X <= O), P(X >= O))),  X ~ Poisson(E)

    The doubled smaller tail, the same convention as the exact Poisson interval in `count_ci`
    (Breslow & Day 1987; Armitage, Berry & Matthews 2002, section 5.5). direction is +1 when
    O > E, -1 when O < E. Vectorised; needs whole counts >= 0 and E > 0.
    """
    scalar = np.ndim(count) == 0 and np.ndim(expected) == 0
    o, e = np.broadcast_arrays(_array("count", count), _array("expected", expected))
    if (o < 0).any() or (o != np.floor(o)).any():
        raise ValueError(f"count must be a whole number >= 0; found others at position(s) {_positions((o < 0) | (o != np.floor(o)))}")
    if (e <= 0).any():
        raise ValueError(f"expected must be greater than 0; found others at position(s) {_positions(e <= 0)}")
    lower = _sp.poisson.cdf(o, e)
    upper = _sp.poisson.sf(o - 1, e)
    p = np.minimum(1.0, 2 * np.minimum(lower, upper))
    direction = np.sign(o - e).astype(int)
    if scalar:
        return int(direction), float(p)
    return direction, p


def holm_adjust(p_values):
    """Holm's step-down adjusted p-values; NaN (no test) stays NaN and does not count as a test.

    With the m available p-values sorted p(1) <= ... <= p(m):

        p_adj(i) = min(1, max_{j <= i} (m - j + 1) p(j))

    Rejecting where p_adj < alpha keeps the chance of any false finding among the m tests at
    most alpha (Holm 1979, "A simple sequentially rejective multiple test procedure",
    Scand. J. Statist. 6:65-70).
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError("p_values must be one-dimensional")
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    out = np.full_like(p, np.nan)
    values = p[present]
    m = len(values)
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, stepped)
    out[present] = adjusted
    return out


@dataclass(frozen=True)
class TrendResult:
    """Result of a trend test: direction is increasing, decreasing, no_significant_change or cannot_calculate."""

    statistic: float
    p_value: float
    direction: str
    significant: bool
    n_points: int
    confidence: float
    reason: str = ""


MIN_TREND_POINTS = 3


def _trend_result(statistic, p, score_sign, n_points, confidence) -> TrendResult:
    significant = bool(p < 1 - confidence)
    direction = ("increasing" if score_sign > 0 else "decreasing") if significant else "no_significant_change"
    return TrendResult(float(statistic), float(p), direction, significant, n_points, confidence)


def _too_few(n_points, confidence) -> TrendResult:
    return TrendResult(float("nan"), float("nan"), "cannot_calculate", False, n_points, confidence,
                       f"needs at least {MIN_TREND_POINTS} measured years; has {n_points}")


def trend_test(successes, totals, years, confidence: float = 0.998) -> TrendResult:
    """Chi-square test for linear trend in proportions (Cochran-Armitage), one degree of freedom.

    With scores s_i (the years), x_i successes of n_i, N = sum n_i, p = sum x_i / N and
    s_bar = sum n_i s_i / N:

        T  = sum x_i (s_i - s_bar)
        V  = p (1 - p) (sum n_i s_i^2 - N s_bar^2)
        X2 = T^2 / V,  p-value = P(chi2_1 > X2)

    Significant at `confidence` (99.8 % as in Fingertips); fewer than 3 points cannot be tested.
    Armitage (1955); Altman (1991), 10.7.4.
    """
    x, n, s = _array("successes", successes), _array("totals", totals), _array("years", years)
    if not (x.shape == n.shape == s.shape) or x.ndim != 1:
        raise ValueError("successes, totals and years must be one-dimensional and of equal length")
    confidence = _check_confidence(confidence)
    if (n <= 0).any() or ((x < 0) | (x > n)).any():
        raise ValueError("each total must be > 0 and each success count between 0 and its total")
    if len(np.unique(s)) < MIN_TREND_POINTS:
        return _too_few(len(np.unique(s)), confidence)
    big_n = n.sum()
    p = x.sum() / big_n
    s_bar = (n * s).sum() / big_n
    t = (x * (s - s_bar)).sum()
    v = p * (1 - p) * ((n * s * s).sum() - big_n * s_bar ** 2)
    if v <= 0:  # every answer the same: no variation to test
        return TrendResult(0.0, 1.0, "no_significant_change", False, len(s), confidence)
    chi2 = t * t / v
    return _trend_result(chi2, _sp.chi2.sf(chi2, 1), t, len(s), confidence)


def count_trend_test(counts, years, confidence: float = 0.998) -> TrendResult:
    """Chi-square score test for a log-linear trend in counts over equal periods, one degree of freedom.

    Under no trend and given the total C, the counts are multinomial with equal probabilities;
    with k years of scores s_i and s_bar their plain mean:

        U  = sum c_i (s_i - s_bar)
        V  = C sum (s_i - s_bar)^2 / k
        X2 = U^2 / V,  p-value = P(chi2_1 > X2)

    The score test of beta = 0 in a Poisson model log E[c_i] = a + beta s_i (Breslow & Day 1987).
    """
    c, s = _array("counts", counts), _array("years", years)
    if c.shape != s.shape or c.ndim != 1:
        raise ValueError("counts and years must be one-dimensional and of equal length")
    if (c < 0).any():
        raise ValueError("counts must be >= 0")
    confidence = _check_confidence(confidence)
    if len(np.unique(s)) < MIN_TREND_POINTS:
        return _too_few(len(np.unique(s)), confidence)
    total = c.sum()
    if total == 0:
        return TrendResult(0.0, 1.0, "no_significant_change", False, len(s), confidence)
    dev = s - s.mean()
    u = (c * dev).sum()
    chi2 = u * u / (total * (dev * dev).sum() / len(s))
    return _trend_result(chi2, _sp.chi2.sf(chi2, 1), u, len(s), confidence)


# --- progress towards a target ----------------------------------------------------------------

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
    by, bv, y, v, ty, tv = np.broadcast_arrays(*(_array(name, a) for name, a in (
        ("baseline_year", baseline_year), ("baseline_value", baseline_value), ("year", year), ("value", value),
        ("target_year", target_year), ("target_value", target_value))))
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
    by, bv, y, ty, tv, r = np.broadcast_arrays(*(_array(name, a) for name, a in (
        ("baseline_year", baseline_year), ("baseline_value", baseline_value), ("year", year),
        ("target_year", target_year), ("target_value", target_value), ("ratio", ratio))))
    if (bv <= 0).any():
        raise ValueError("baseline_value must be greater than 0")
    if (ty <= by).any():
        raise ValueError("target_year must come after baseline_year")
    required = (tv / bv) ** (1 / (ty - by)) - 1
    return _out(bv * (1 + r * required) ** (y - by), scalar)


def progress_status(value, target_value, ratio, year, target_year, higher_is_better=True,
                    thresholds: dict | None = None):
    """Eurostat's progress category of a point estimate, vectorised (no interval: see `verdict.py` for the status).

    achieved            value has reached the target (in the polarity's direction)
    not_achieved        otherwise, when year >= target_year
    on_track            R >= 0.95
    needs_acceleration  0.6 <= R < 0.95
    limited_progress    0 <= R < 0.6
    deterioration       R < 0
    Thresholds come from the strategy file (settings.progress_thresholds).
    """
    th = {"on_track": 0.95, "needs_acceleration": 0.6, "limited_progress": 0.0, **(thresholds or {})}
    scalar = all(np.ndim(v) == 0 for v in (value, target_value, ratio, year, target_year, higher_is_better))
    v, tv, r, y, ty, hib = np.broadcast_arrays(np.asarray(value, float), np.asarray(target_value, float),
                                               np.asarray(ratio, float), np.asarray(year, float),
                                               np.asarray(target_year, float), np.asarray(higher_is_better, bool))
    reached = np.where(hib, v >= tv, v <= tv)
    status = np.select(
        [reached, y >= ty, r >= th["on_track"], r >= th["needs_acceleration"], r >= th["limited_progress"]],
        ["achieved", "not_achieved", "on_track", "needs_acceleration", "limited_progress"],
        default="deterioration",
    )
    return str(status) if scalar else status


def compare_with_target(ci_low, ci_high, target_value, higher_is_better=True):
    """Fingertips-style comparison of an interval with the target: better, worse or similar.

    better:  the whole interval lies past the target in the good direction
    worse:   the whole interval falls short of the target
    similar: the interval contains the target
    """
    scalar = all(np.ndim(v) == 0 for v in (ci_low, ci_high, target_value, higher_is_better))
    lo, hi, t, hib = np.broadcast_arrays(np.asarray(ci_low, float), np.asarray(ci_high, float),
                                         np.asarray(target_value, float), np.asarray(higher_is_better, bool))
    if (lo > hi).any():
        raise ValueError("ci_low must not exceed ci_high")
    better = np.where(hib, lo > t, hi < t)
    worse = np.where(hib, hi < t, lo > t)
    result = np.select([better, worse], ["better", "worse"], default="similar")
    return str(result) if scalar else result


# --- projection -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Projection:
    value: float
    low: float
    high: float
    slope: float
    n_points: int
    confidence: float


def projection_weights(years) -> np.ndarray:
    """Time weights for the projection: 1 for the first measured year, rising by 1 each year after.

    The recent years count more, as in UN ESCAP's anticipated-progress method (2017).
    """
    y = _array("years", years)
    return y - y.min() + 1


MIN_PROJECTION_POINTS = 4


def projection(years, values, target_year, confidence: float = 0.95,
               min_points: int = MIN_PROJECTION_POINTS) -> Projection:
    """Weighted least-squares line through the measured values, projected to `target_year`,
    with a prediction interval for the value that will be measured there.

    With weights w_i (see `projection_weights`) and X = [1, year]:

        beta   = (X' W X)^-1 X' W y
        value  = x0' beta, x0 = [1, target_year]
        s^2    = sum w_i r_i^2 / (n - 2)
        se     = sqrt(s^2 (1 / w0 + x0' (X' W X)^-1 x0)),  w0 = 1
        low, high = value -/+ t_{n-2, 1-alpha/2} se

    The interval is a prediction interval: it covers where the next measurement can fall (the
    line's own uncertainty plus a new year's scatter), not only where the line lies. The new
    year gets weight w0 = 1, the smallest weight, so its scatter is taken as large as the
    least-trusted year's. Fewer than `min_points` measured years give no projection (NaN): with
    3 points the residual variance rests on one degree of freedom (t = 12.7 at 95 %), which
    says nothing useful; 4 points give 2 degrees of freedom (t = 4.3). UN ESCAP (2017) for
    the weighting; Draper & Smith (1998), section 3.3, for the prediction interval.
    """
    y_years, vals = _array("years", years), _array("values", values)
    if y_years.shape != vals.shape:
        raise ValueError("years and values must have the same length")
    confidence = _check_confidence(confidence)
    if min_points < 3:
        raise ValueError(f"min_points must be at least 3 (a prediction interval needs a residual degree of freedom); got {min_points}")
    n = len(np.unique(y_years))
    nan = float("nan")
    if n < min_points:
        return Projection(nan, nan, nan, nan, n, confidence)
    w = projection_weights(y_years)
    centre = y_years.mean()  # centring keeps X'WX well conditioned
    X = np.column_stack([np.ones_like(y_years), y_years - centre])
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * vals))
    x0 = np.array([1.0, target_year - centre])
    value = float(x0 @ beta)
    resid = vals - X @ beta
    s2 = (w * resid ** 2).sum() / (len(vals) - 2)
    se = np.sqrt(s2 * (1.0 + x0 @ np.linalg.solve(xtwx, x0)))
    t = _sp.t.ppf(1 - (1 - confidence) / 2, len(vals) - 2)
    return Projection(value, float(value - t * se), float(value + t * se), float(beta[1]), n, confidence)
