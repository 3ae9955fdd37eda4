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
- UN ESCAP (2017), "Asia and the Pacific SDG Progress Report", technical note: anticipated progress
  by weighted regression giving more weight to recent years.
- Donner & Zou (2012), Stat. Methods Med. Res. 21:347-359: the relative risk's MOVER-Wilson interval;
  Woolf (1955), Ann. Hum. Genet. 19:251-253: the odds ratio's log interval.
- Hyndman & Fan (1996), "Sample quantiles in statistical packages", Am. Stat. 50:361-365: the
  weighted median (definition 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special as _special

from rusmiddel_analysis.calc.arrays import checked_array as _array
from rusmiddel_analysis.calc.arrays import positions as _positions
from rusmiddel_analysis.calc.arrays import scalar_or_array as _out
from rusmiddel_analysis.config.settings import StrategySettings

# the defaults are the strategy file's defaults (config/settings.py): one place for each
_DEFAULTS = StrategySettings()
CONFIDENCE = _DEFAULTS.confidence
TREND_CONFIDENCE = _DEFAULTS.trend_confidence
MIN_PROJECTION_POINTS = _DEFAULTS.min_projection_points

__all__ = [
    "z_value",
    "degrees_of_freedom_n",
    "probability_at_least",
    "difference_test",
    "proportion_ci",
    "count_ci",
    "weighted_share",
    "weighted_share_from_sums",
    "one_sample_proportion_test",
    "poisson_test",
    "two_count_test",
    "two_proportion_test",
    "holm_adjust",
    "trend_test",
    "slope_trend_test",
    "count_trend_test",
    "TrendResult",
    "relative_risk",
    "odds_ratio",
    "weighted_median",
    "outcome_bounds",
    "poisson_loglinear_fit",
    "pearson_dispersion",
    "Dispersion",
    "scaled_count_ci",
    "quasi_poisson_test",
    "compare_with_target",
    "projection",
    "Projection",
    "MIN_PROJECTION_POINTS",
]


# --- helpers --------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, e.g. 0.95; got {confidence}")
    return float(confidence)


# --- distributions (scipy.special: the same functions scipy.stats uses, without its import cost) ---


def _normal_quantile(q):
    return _special.ndtri(q)


def _normal_upper_tail(x):
    """P(Z > x) for a standard normal Z."""
    return _special.ndtr(-np.asarray(x, dtype=float))


def _chi2_quantile(q, df):
    """The q quantile of chi-square with `df` degrees of freedom (chdtri inverts the upper tail)."""
    return _special.chdtri(df, 1 - np.asarray(q, dtype=float))


def _chi2_upper_tail(x, df):
    return _special.chdtrc(df, x)


def _poisson_at_most(k, mean):
    return _special.pdtr(k, mean)


def _poisson_at_least(k, mean):
    """P(X >= k) for X ~ Poisson(mean); 1 for k <= 0."""
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(k <= 0, 1.0, _special.pdtrc(np.maximum(k - 1, 0), mean))


def _t_quantile(q, df):
    return _special.stdtrit(df, q)


def _t_cdf(x, df):
    """P(T <= x) for Student's t with `df` degrees of freedom; the normal where df is infinite or
    missing (no design: independent answers); NaN where df < 1 (one cluster: no variance to read)."""
    x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
    finite = np.isfinite(df) & (df >= 1)
    none = np.isfinite(df) & (df < 1)
    return np.where(none, np.nan, np.where(finite, _special.stdtr(np.where(finite, df, 1.0), x), _special.ndtr(x)))


def _two_sided_quantile(confidence, df):
    """t_{df, 1-(1-confidence)/2}, or z where df is infinite or missing (no design degrees of
    freedom); NaN where df < 1 (a design of one cluster estimates no variance)."""
    df = np.asarray(df, dtype=float)
    q = 1 - (1 - confidence) / 2
    finite = np.isfinite(df) & (df >= 1)
    none = np.isfinite(df) & (df < 1)
    return np.where(none, np.nan, np.where(finite, _t_quantile(q, np.where(finite, df, 1.0)), _normal_quantile(q)))


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard normal quantile z = Phi^-1(1 - (1 - confidence) / 2); 1.96 for 95 %."""
    return float(_normal_quantile(1 - (1 - _check_confidence(confidence)) / 2))


def degrees_of_freedom_n(n_eff, df, confidence: float = CONFIDENCE):
    """The effective sample size that gives a Wilson interval Korn & Graubard's degrees of freedom.

        n_df = n_eff · (z / t_{df})²,  z and t the two-sided quantiles at `confidence`

    A survey of C clusters estimates its variance from C − 1 degrees of freedom (df), so its
    interval must use t_{df} rather than z; in the Wilson formula that is the same as shrinking
    n_eff by (z / t)² (Korn & Graubard 1998, Survey Methodology 24:193-201; Dean & Pagano 2015,
    "Evaluating confidence interval methods for binomial proportions in clustered surveys",
    J. Surv. Stat. Methodol. 3(4):484-503). With df infinite or missing (no clusters) n_eff is
    returned as it is; with df < 1 (one cluster: no spread between clusters to estimate) it is NaN.
    """
    scalar = np.ndim(n_eff) == 0 and np.ndim(df) == 0
    n = _array("n_eff", n_eff)
    z = z_value(confidence)
    t = _two_sided_quantile(_check_confidence(confidence), np.nan_to_num(np.asarray(df, dtype=float), nan=np.inf))
    return _out(n * (z / t) ** 2, scalar)


def probability_at_least(estimate, reference, n, df=np.inf, share: bool = True):
    """The probability that the true value is at least `reference`, given the estimate: the score
    statistic against the reference, read on Student's t with the design's degrees of freedom.

        shares (fractions):  P = T_df( (p − r) / √(r (1 − r) / n) )
        counts:              P = Φ( (O − r) / √r )

    This is the one-sided p-value of the score test of "the truth is r", turned round: a
    confidence distribution from the test the interval inverts (the standard error taken at r, read
    on t), not a Bayesian posterior (no prior or likelihood is modelled; near 0 or 1 the two can
    differ). It is consistent with the Wilson interval: the interval at level 1 − α excludes r
    exactly when P is above 1 − α/2 or below α/2 (Wilson 1927; Korn & Graubard 1998 for the t). For a reference of 0 or 1 the
    probability is 1 when the estimate is at or past it, else 0. Vectorised; `n` may be an
    effective sample size.
    """
    scalar = all(np.ndim(v) == 0 for v in (estimate, reference, n, df))
    p, r, n, df = np.broadcast_arrays(_array("estimate", estimate), _array("reference", reference), _array("n", n), np.asarray(df, dtype=float))
    if (n <= 0).any():
        raise ValueError(f"n must be greater than 0; found n <= 0 at position(s) {_positions(n <= 0)}")
    se = np.sqrt(r * (1 - r) / n) if share else np.sqrt(np.maximum(r, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, (p - r) / np.where(se > 0, se, 1.0), np.where(p >= r, np.inf, -np.inf))
    return _out(np.where(np.isinf(statistic), (statistic > 0).astype(float), _t_cdf(statistic, df)), scalar)


def difference_test(difference, standard_error, df=np.inf):
    """Two-sided test that a difference is 0, from its standard error: (t, p).

        t = d / se,  p = 2 (1 − T_df(|t|))

    Used for the change between two years estimated from the same schools (survey.py's linearised
    variance of the difference, clusters paired), with the design's degrees of freedom (Korn &
    Graubard 1998). se 0 gives p = 1 for d = 0, else 0.
    """
    scalar = all(np.ndim(v) == 0 for v in (difference, standard_error, df))
    d, se, df = np.broadcast_arrays(_array("difference", difference), _array("standard_error", standard_error), np.asarray(df, dtype=float))
    if (se < 0).any():
        raise ValueError("standard_error must be 0 or more")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, d / np.where(se > 0, se, 1.0), np.where(d == 0, 0.0, np.sign(d) * np.inf))
    p = np.where(np.isinf(t), 0.0, 2 * (1 - _t_cdf(np.abs(t), df)))
    return _out(t, scalar), _out(p, scalar)


# --- intervals -------------------------------------------------------------------------------


def proportion_ci(successes, n, confidence: float = CONFIDENCE):
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
    low = np.where(x == 0, 0.0, low)  # exact ends: floating point can leave 1e-17
    high = np.where(x == n, 1.0, high)
    return _out(low, scalar), _out(high, scalar)


def count_ci(count, confidence: float = CONFIDENCE):
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
        exact_low = np.where(o > 0, _chi2_quantile(alpha / 2, 2 * o) / 2, 0.0)
    exact_high = _chi2_quantile(1 - alpha / 2, 2 * (o + 1)) / 2
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
    return weighted_share_from_sums(w.sum(), (w * y).sum(), (w**2).sum())


def weighted_share_from_sums(sum_w, sum_wy, sum_w2):
    """`weighted_share` from per-group sums, vectorised over groups: (sum w y / sum w, (sum w)^2 / sum w^2).

    For many groups at once (indicators.py aggregates the sums with one groupby). Needs sum_w > 0.
    """
    scalar = all(np.ndim(v) == 0 for v in (sum_w, sum_wy, sum_w2))
    w, wy, w2 = np.broadcast_arrays(*(_array(name, v) for name, v in (("sum_w", sum_w), ("sum_wy", sum_wy), ("sum_w2", sum_w2))))
    if (w <= 0).any() or (w2 <= 0).any():
        raise ValueError(f"sums of weights must be greater than 0; found others at position(s) {_positions((w <= 0) | (w2 <= 0))}")
    share, n_eff = wy / w, w * w / w2
    return (float(share), float(n_eff)) if scalar else (share, n_eff)


# --- tests of change -------------------------------------------------------------------------


def one_sample_proportion_test(share, n, reference, df=np.inf):
    """Two-sided score test of a share against a fixed reference share p0: (z, p).

        z = (p - p0) / sqrt(p0 (1 - p0) / n),  p-value = 2 (1 - Phi(|z|))

    with Student's t on `df` degrees of freedom in place of Phi for a survey of few clusters
    (Korn & Graubard 1998): the test the df-adjusted Wilson interval inverts.

    `share` and `reference` are fractions (0-1); `n` may be a Kish effective sample size for a
    weighted share. This is the test whose inversion is the Wilson interval (Wilson 1927;
    Agresti & Coull 1998), so at the same level the Wilson interval excludes p0 exactly when
    the test rejects. When p0 is 0 or 1 the test is degenerate: p = 1 if the share equals p0,
    else 0. z > 0 when the share is above the reference.
    """
    scalar = all(np.ndim(v) == 0 for v in (share, n, reference, df))
    p, n, p0, df = np.broadcast_arrays(_array("share", share), _array("n", n), _array("reference", reference), np.asarray(df, dtype=float))
    if (n <= 0).any():
        raise ValueError(f"n must be greater than 0; found n <= 0 at position(s) {_positions(n <= 0)}")
    outside = (p < 0) | (p > 1) | (p0 < 0) | (p0 > 1)
    if outside.any():
        raise ValueError(f"share and reference must be fractions between 0 and 1; found others at position(s) {_positions(outside)}")
    se = np.sqrt(p0 * (1 - p0) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p - p0) / np.where(se > 0, se, 1), np.sign(p - p0) * np.inf)
    pvalue = np.where(np.isinf(z), 0.0, 2 * (1 - _t_cdf(np.abs(np.where(np.isinf(z), 0.0, z)), df)))
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
    lower = _poisson_at_most(o, e)
    upper = _poisson_at_least(o, e)
    p = np.minimum(1.0, 2 * np.minimum(lower, upper))
    direction = np.sign(o - e).astype(int)
    if scalar:
        return int(direction), float(p)
    return direction, p


def two_count_test(count, baseline_count, dispersion=1.0, dispersion_df=np.inf):
    """Two-sided test that two yearly counts of a register come from one rate: (direction, p).

    Poisson variation (dispersion 1), the exact conditional test: given the total O₁ + O₂, the later
    count is binomial with probability ½ under equal rates (equal periods),

        p = min(1, 2 min(P(X <= O₂), P(X >= O₂))),  X ~ Binomial(O₁ + O₂, ½)

    (Przyborowski & Wilenski 1940, Biometrika 31:313-323; Krishnamoorthy & Thomson 2004, J. Stat.
    Plan. Inference 119:23-35, the C-test), the doubled smaller tail as in `poisson_test`. With
    overdispersion phi > 1 the quasi-Poisson test of the difference, its variance 2·phi·μ estimated
    by phi (O₁ + O₂),

        z = (O₂ − O₁) / √(phi (O₁ + O₂)),  p = 2 (1 − T_df(|z|))

    read on Student's t with the `dispersion_df` degrees of freedom phi was estimated on (k − 2 for
    k years; McCullagh & Nelder 1989, 6.2: with the dispersion estimated, the quasi-likelihood
    statistic is read on t or F rather than the normal or chi-square). Both years count with their
    own Poisson variation, which testing against the baseline year's count taken as exact ignored
    (16 % false 'beyond normal variation' for an unchanged register, against 5 %). Both counts 0
    give p = 1. direction is +1 when O₂ > O₁, -1 when O₂ < O₁.
    """
    scalar = all(np.ndim(v) == 0 for v in (count, baseline_count, dispersion, dispersion_df))
    o2, o1, phi, df = np.broadcast_arrays(
        _array("count", count), _array("baseline_count", baseline_count), _array("dispersion", dispersion), _array("dispersion_df", dispersion_df)
    )
    bad = (o1 < 0) | (o2 < 0) | (o1 != np.floor(o1)) | (o2 != np.floor(o2))
    if bad.any():
        raise ValueError(f"counts must be whole numbers >= 0; found others at position(s) {_positions(bad)}")
    if (phi < 1).any():
        raise ValueError("dispersion must be at least 1 (1 for Poisson variation)")
    total = o1 + o2
    k, size = o2.astype(np.int64), total.astype(np.int64)
    at_least = np.where(k > 0, _special.bdtrc(np.maximum(k - 1, 0), size, 0.5), 1.0)
    exact = np.minimum(1.0, 2 * np.minimum(_special.bdtr(k, size, 0.5), at_least))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total > 0, (o2 - o1) / np.sqrt(phi * np.where(total > 0, total, 1.0)), 0.0)
    quasi = 2 * (1 - _t_cdf(np.abs(z), df))
    p = np.where(total == 0, 1.0, np.where(phi > 1, quasi, exact))
    direction = np.sign(o2 - o1).astype(int)
    return (int(direction), float(p)) if scalar else (direction, p)


def two_proportion_test(successes, n, baseline_successes, baseline_n):
    """Two-sided test that two years' shares of a register are equal: (z, p).

        p̄ = (x₁ + x₂) / (n₁ + n₂),  z = (x₂/n₂ − x₁/n₁) / √(p̄ (1 − p̄) (1/n₁ + 1/n₂)),  p = 2 (1 − Φ(|z|))

    the pooled score test of a 2 × 2 table (its z² is Pearson's chi-square without continuity
    correction; Altman 1991, chapter 10). Both years vary binomially; the test against the baseline
    year's share taken as exact counted only the later year's variation. A pooled share of 0 or 1
    (every outcome the same in both years) gives z = 0 and p = 1. z > 0 when the later share is higher.
    """
    scalar = all(np.ndim(v) == 0 for v in (successes, n, baseline_successes, baseline_n))
    x2, n2, x1, n1 = np.broadcast_arrays(
        *(_array(name, v) for name, v in (("successes", successes), ("n", n), ("baseline_successes", baseline_successes), ("baseline_n", baseline_n)))
    )
    bad = (n1 <= 0) | (n2 <= 0) | (x1 < 0) | (x2 < 0) | (x1 > n1) | (x2 > n2)
    if bad.any():
        raise ValueError(f"needs n > 0 and 0 <= successes <= n in both years; found others at position(s) {_positions(bad)}")
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (x2 / n2 - x1 / n1) / np.where(se > 0, se, 1.0), 0.0)
    p = 2 * _normal_upper_tail(np.abs(z))
    return _out(z, scalar), _out(p, scalar)


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
    return TrendResult(
        float("nan"),
        float("nan"),
        "cannot_calculate",
        False,
        n_points,
        confidence,
        f"needs at least {MIN_TREND_POINTS} measured years; has {n_points}",
    )


def trend_test(successes, totals, years, confidence: float = TREND_CONFIDENCE, df: float = np.inf) -> TrendResult:
    """Chi-square test for linear trend in proportions (Cochran-Armitage), one degree of freedom.

    With scores s_i (the years), x_i successes of n_i, N = sum n_i, p = sum x_i / N and
    s_bar = sum n_i s_i / N:

        T  = sum x_i (s_i - s_bar)
        V  = p (1 - p) (sum n_i s_i^2 - N s_bar^2)
        X2 = T^2 / V,  p-value = P(chi2_1 > X2)

    For a survey of few clusters, X2 is read on F(1, df) (the square of Student's t on the design's
    `df` degrees of freedom) instead of chi2_1 (Korn & Graubard 1998). Significant at `confidence`
    (settings.trend_confidence, by default the change test's level); fewer than 3 points cannot be
    tested. Armitage (1955); Altman (1991), 10.7.4.
    """
    x, n, s = _array("successes", successes), _array("totals", totals), _array("years", years)
    if not (x.shape == n.shape == s.shape) or x.ndim != 1:
        raise ValueError("successes, totals and years must be one-dimensional and of equal length")
    confidence = _check_confidence(confidence)
    if (n <= 0).any() or ((x < 0) | (x > n)).any():
        raise ValueError("each total must be > 0 and each success count between 0 and its total")
    if len(np.unique(s)) < MIN_TREND_POINTS:
        return _too_few(len(np.unique(s)), confidence)
    if np.isfinite(df) and df < 1:
        return TrendResult(float("nan"), float("nan"), "cannot_calculate", False, len(s), confidence, "needs a design of at least 2 clusters")
    big_n = n.sum()
    p = x.sum() / big_n
    s_bar = (n * s).sum() / big_n
    t = (x * (s - s_bar)).sum()
    v = p * (1 - p) * ((n * s * s).sum() - big_n * s_bar**2)
    if v <= 0:  # every answer the same: no variation to test
        return TrendResult(0.0, 1.0, "no_significant_change", False, len(s), confidence)
    chi2 = t * t / v
    p = _chi2_upper_tail(chi2, 1) if not np.isfinite(df) else 2 * (1 - float(_t_cdf(np.sqrt(chi2), df)))
    return _trend_result(chi2, p, t, len(s), confidence)


def slope_trend_test(slope, standard_error, df=np.inf, n_points: int = MIN_TREND_POINTS, confidence: float = TREND_CONFIDENCE) -> TrendResult:
    """Test for trend from a fitted slope and its design-based standard error: t = b / se on `df`
    degrees of freedom, p = 2 (1 − T_df(|t|)); the statistic kept is t² (F(1, df)).

    For a survey share, the weighted regression of the answer on the year with the schools as
    clusters (survey.linear_trend_variance; Binder 1983; Korn & Graubard 1998 for the t on C − 1
    degrees of freedom). Fewer than 3 measured years cannot be tested; a design of fewer than 2
    clusters (df < 1) or no standard error cannot either.
    """
    confidence = _check_confidence(confidence)
    if n_points < MIN_TREND_POINTS:
        return _too_few(n_points, confidence)
    b, se, df = float(slope), float(standard_error), float(df)
    if not (np.isfinite(b) and se >= 0) or (np.isfinite(df) and df < 1):
        return TrendResult(float("nan"), float("nan"), "cannot_calculate", False, n_points, confidence, "needs a design of at least 2 clusters")
    t, p = difference_test(b, se, df)
    return _trend_result(t * t, p, b, n_points, confidence)


def count_trend_test(counts, years, confidence: float = TREND_CONFIDENCE, dispersion: float = 1.0, dispersion_df: float = np.inf) -> TrendResult:
    """Chi-square score test for a log-linear trend in counts over equal periods, one degree of freedom.

    Under no trend and given the total C, the counts are multinomial with equal probabilities;
    with k years of scores s_i and s_bar their plain mean:

        U  = sum c_i (s_i - s_bar)
        V  = C sum (s_i - s_bar)^2 / k
        X2 = U^2 / V,  p-value = P(chi2_1 > X2)

    The score test of beta = 0 in a Poisson model log E[c_i] = a + beta s_i (Breslow & Day 1987).
    With overdispersion phi > 1 (`pearson_dispersion`) the quasi-Poisson test uses X2 / phi, read on
    F(1, dispersion_df) since phi is itself estimated, on k − 2 degrees of freedom (McCullagh &
    Nelder 1989, 6.2): on chi2_1 a true phi of 3 gave 10-13 % false trends in 4-6 years.
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
    if not dispersion >= 1:
        raise ValueError(f"dispersion must be at least 1 (1 for Poisson variation); got {dispersion}")
    chi2 = u * u / (total * (dev * dev).sum() / len(s)) / dispersion
    estimated = dispersion > 1 and np.isfinite(dispersion_df)
    p = 2 * (1 - float(_t_cdf(np.sqrt(chi2), dispersion_df))) if estimated else _chi2_upper_tail(chi2, 1)
    return _trend_result(chi2, p, u, len(s), confidence)


def compare_with_target(ci_low, ci_high, target_value, higher_is_better=True):
    """Fingertips-style comparison of an interval with the target: better, worse or similar.

    better:  the whole interval lies past the target in the good direction
    worse:   the whole interval falls short of the target
    similar: the interval contains the target
    """
    scalar = all(np.ndim(v) == 0 for v in (ci_low, ci_high, target_value, higher_is_better))
    lo, hi, t, hib = np.broadcast_arrays(
        np.asarray(ci_low, float), np.asarray(ci_high, float), np.asarray(target_value, float), np.asarray(higher_is_better, bool)
    )
    if (lo > hi).any():
        raise ValueError("ci_low must not exceed ci_high")
    better = np.where(hib, lo > t, hi < t)
    worse = np.where(hib, hi < t, lo > t)
    result = np.select([better, worse], ["better", "worse"], default="similar")
    return str(result) if scalar else result


# --- two groups: relative risk and odds ratio --------------------------------------------------


def _two_by_two(a, n1, c, n0) -> tuple[bool, list[np.ndarray]]:
    """(all scalar, the cases and group sizes of a 2x2 table as float arrays), checked."""
    scalar = all(np.ndim(v) == 0 for v in (a, n1, c, n0))
    a, n1, c, n0 = (_array(name, v) for name, v in (("a", a), ("n1", n1), ("c", c), ("n0", n0)))
    if a.shape != n1.shape or c.shape != n0.shape or a.shape != c.shape:
        raise ValueError("a, n1, c and n0 must have the same shape")
    outside = (a < 0) | (c < 0) | (a > n1) | (c > n0)
    if outside.any():
        raise ValueError(f"needs 0 <= cases <= group size in both groups; found others at position(s) {_positions(outside)}")
    return scalar, [a, n1, c, n0]


def relative_risk(a, n1, c, n0, confidence: float = CONFIDENCE):
    """The relative risk a/n1 ÷ c/n0 with the MOVER-Wilson interval: (rr, low, high).

        RR = p1 / p2,  p1 = a/n1,  p2 = c/n0,  (l_i, u_i) Wilson's interval of p_i
        low  = exp( ln p1 − ln p2 − √((ln p1 − ln l1)² + (ln u2 − ln p2)²) )
        high = exp( ln p1 − ln p2 + √((ln u1 − ln p1)² + (ln p2 − ln l2)²) )

    The method of variance estimates recovery on the log scale with Wilson's limits (Donner & Zou
    2012, Stat. Methods Med. Res. 21:347-359; recommended by Fagerland, Lydersen & Laake 2015, Stat.
    Methods Med. Res. 24:224-254). Unlike Katz's log interval it keeps the exposed group's own
    uncertainty when every exposed person has the outcome (a = n1, where Katz's variance term
    1/a − 1/n1 is 0 and the interval too narrow). NaN where a or c is 0 (the ratio is 0 or
    unbounded; such a pair is hidden by disclosure control anyway).
    """
    scalar, (a, n1, c, n0) = _two_by_two(a, n1, c, n0)
    defined = (a > 0) & (c > 0) & (n1 > 0) & (n0 > 0)
    safe = lambda x, n: (np.where(defined, x, 1.0), np.where(defined, n, 1.0))
    (x1, m1), (x2, m2) = safe(a, n1), safe(c, n0)
    l1, u1 = proportion_ci(x1, m1, confidence)
    l2, u2 = proportion_ci(x2, m2, confidence)
    p1, p2 = x1 / m1, x2 / m2
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(p1) - np.log(p2)
        low = np.exp(log_rr - np.sqrt((np.log(p1) - np.log(l1)) ** 2 + (np.log(u2) - np.log(p2)) ** 2))
        high = np.exp(log_rr + np.sqrt((np.log(u1) - np.log(p1)) ** 2 + (np.log(p2) - np.log(l2)) ** 2))
    return tuple(_out(np.where(defined, v, np.nan), scalar) for v in (np.exp(log_rr), low, high))


def odds_ratio(a, n1, c, n0, confidence: float = CONFIDENCE):
    """The odds ratio with Woolf's log interval: (or, low, high).

        OR = a d / (b c),  b = n1 − a, d = n0 − c
        se(log OR) = √(1/a + 1/b + 1/c + 1/d)
        low, high = OR · exp(∓ z · se)

    Woolf (1955), "On estimating the relation between blood group and disease", Ann. Hum. Genet.
    19:251-253. Reported beside the relative risk for comparison with case-control studies; for a
    common outcome in a survey the relative risk is the measure a reader means (the odds ratio
    overstates it), so the pages use the relative risk (docs/methodology.md, section 8). NaN where a
    cell is 0.
    """
    scalar, (a, n1, c, n0) = _two_by_two(a, n1, c, n0)
    b, d = n1 - a, n0 - c
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = a * d / (b * c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        defined = (a > 0) & (b > 0) & (c > 0) & (d > 0)
        low, high = value * np.exp(-z * se), value * np.exp(z * se)
    return tuple(_out(np.where(defined, v, np.nan), scalar) for v in (value, low, high))


# --- a weighted median ----------------------------------------------------------------------------


def weighted_median(values, weights) -> float:
    """The weighted median: the smallest value at which the cumulative weight reaches half the total,

        median = min{ x_(i) : Σ_{j ≤ i} w_(j) ≥ ½ Σ_j w_j }   (values sorted, weights carried along)

    which for equal weights is the lower median, a value that occurs in the data (an age in whole
    years, never a half). Hyndman & Fan (1996), "Sample quantiles in statistical packages", Am.
    Stat. 50:361-365, definition 1, weighted. NaN for no values (or no weight).
    """
    x, w = _array("values", values), np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1:
        raise ValueError("values and weights must be one-dimensional and of equal length")
    if (w < 0).any() or np.isnan(w).any():
        raise ValueError("weights must be zero or more")
    if len(x) == 0 or w.sum() == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


# --- unknown outcomes ---------------------------------------------------------------------------


def outcome_bounds(successes, known, unknown):
    """The share if every unknown outcome had failed, and if every one had succeeded: (low, high) fractions.

        low  = x / (n + u)
        high = (x + u) / (n + u)

    with x successes among n known outcomes and u unknown ones. Worst-case (Manski) bounds: they
    assume nothing about why an outcome is unknown (Manski 1989, "Anatomy of the selection
    problem", J. Human Resources 24:343-360; Horowitz & Manski 2000, JASA 95:77-84). The share of
    known outcomes, x/n, always lies between them. NaN where n + u = 0.
    """
    scalar = all(np.ndim(v) == 0 for v in (successes, known, unknown))
    x, n, u = np.broadcast_arrays(_array("successes", successes), _array("known", known), _array("unknown", unknown))
    bad = (x < 0) | (x > n) | (u < 0)
    if bad.any():
        raise ValueError(f"needs 0 <= successes <= known and unknown >= 0; found others at position(s) {_positions(bad)}")
    total = n + u
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(total > 0, x / total, np.nan)
        high = np.where(total > 0, (x + u) / total, np.nan)
    return _out(low, scalar), _out(high, scalar)


# --- counts: overdispersion --------------------------------------------------------------------


def poisson_loglinear_fit(counts, years, iterations: int = 50):
    """Maximum-likelihood fit of log E[c_i] = a + b (s_i − s̄) to counts: (a, b, fitted means).

    Newton-Raphson on the Poisson log-likelihood (McCullagh & Nelder 1989, 2.5 and 6.2): with
    X = [1, s − s̄] and μ = exp(Xβ), β ← β + (X'diag(μ)X)⁻¹ X'(c − μ), started from the line
    through log(c + 0.5). Needs at least 2 distinct years and a total count above 0.
    """
    c, s = _array("counts", counts), _array("years", years)
    if c.shape != s.shape or c.ndim != 1:
        raise ValueError("counts and years must be one-dimensional and of equal length")
    if (c < 0).any() or c.sum() <= 0 or len(np.unique(s)) < 2:
        raise ValueError("needs counts >= 0 with a total above 0, over at least 2 distinct years")
    X = np.column_stack([np.ones_like(s), s - s.mean()])
    beta = np.linalg.lstsq(X, np.log(c + 0.5), rcond=None)[0]
    for _ in range(iterations):
        mu = np.exp(X @ beta)
        step = np.linalg.solve(X.T @ (mu[:, None] * X), X.T @ (c - mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return float(beta[0]), float(beta[1]), np.exp(X @ beta)


@dataclass(frozen=True)
class Dispersion:
    """Poisson variation around a log-linear trend, estimated from the trend's residuals.

    phi is the estimated dispersion X2 / df; `used` the factor the intervals and tests use:
    max(1, phi), so more variation than Poisson widens them and less never narrows them. The
    test (p_value, overdispersed) is reported, not used as a gate. NaN statistics and used = 1
    when there are too few years."""

    phi: float
    statistic: float
    df: int
    p_value: float
    overdispersed: bool
    used: float
    n_points: int


def pearson_dispersion(counts, years, confidence: float = CONFIDENCE, min_points: int = MIN_PROJECTION_POINTS) -> Dispersion:
    """How much more than Poisson variation the yearly counts show around a log-linear trend.

        μ_i from `poisson_loglinear_fit`,  X2 = Σ (c_i − μ_i)² / μ_i,  df = k − 2
        phi = X2 / df,  used = max(1, phi),  p-value = P(chi2_df > X2)

    The quasi-Poisson estimate of the dispersion from the trend model's residuals (Wedderburn 1974;
    McCullagh & Nelder 1989, 4.5.2 and 6.2; as for funnel plots in Spiegelhalter 2005, Stat. Med.
    24:1185-1202), used in the count's interval and tests whenever it is above 1: a pre-test on
    k − 2 degrees of freedom finds a real phi of 3 only about a third of the time, so it is not a
    gate; a phi below 1 is never used to narrow an interval. `overdispersed` says whether Pearson's
    test rejects at `confidence`. Fewer than `min_points` years (at least 3, so that df >= 1) give
    no estimate.
    """
    c, s = _array("counts", counts), _array("years", years)
    confidence = _check_confidence(confidence)
    k = len(np.unique(s))
    nan = float("nan")
    if k < max(3, min_points) or c.sum() <= 0:
        return Dispersion(nan, nan, max(k - 2, 0), nan, False, 1.0, k)
    _, _, mu = poisson_loglinear_fit(c, s)
    chi2 = float(((c - mu) ** 2 / mu).sum())
    df = len(c) - 2
    p = float(_chi2_upper_tail(chi2, df))
    over = bool(p < 1 - confidence and chi2 / df > 1)
    return Dispersion(chi2 / df, chi2, df, p, over, max(1.0, chi2 / df), k)


def scaled_count_ci(count, dispersion, confidence: float = CONFIDENCE, dispersion_df=np.inf):
    """`count_ci` widened for overdispersion: each half of the interval times √phi · t_df / z.

        f = √phi · t_{df} / z,   low = O − f (O − low_Poisson),  high = O + f (high_Poisson − O)

    The quasi-Poisson variance phi·μ (McCullagh & Nelder 1989, 6.2; Spiegelhalter 2005), and since
    phi is estimated on `dispersion_df` (k − 2) degrees of freedom, Student's t in place of the
    normal quantile (with z alone a true phi of 3 left 90-93 % coverage over 4-6 years). With phi = 1
    this is `count_ci`. The low end is never below 0.
    """
    phi, df = np.broadcast_arrays(_array("dispersion", dispersion), np.asarray(dispersion_df, dtype=float))
    if (phi < 1).any():
        raise ValueError("dispersion must be at least 1 (1 for Poisson variation)")
    low, high = count_ci(count, confidence)
    o = _array("count", count)
    stretch = np.where(phi > 1, _two_sided_quantile(confidence, df) / z_value(confidence), 1.0)
    root = np.sqrt(phi) * stretch
    low_s, high_s = np.maximum(o - root * (o - np.asarray(low)), 0.0), o + root * (np.asarray(high) - o)
    scalar = np.ndim(count) == 0 and np.ndim(dispersion) == 0 and np.ndim(dispersion_df) == 0
    return (float(low_s), float(high_s)) if scalar else (low_s, high_s)


def quasi_poisson_test(count, expected, dispersion, dispersion_df=np.inf):
    """Two-sided test of a count O against a fixed mean E under overdispersion phi: (direction, p).

        z = (O − E) / √(phi E),  p = 2 (1 − T_df(|z|))

    The quasi-Poisson score test (McCullagh & Nelder 1989, 6.2), read on Student's t with the
    `dispersion_df` degrees of freedom phi was estimated on (the normal when it is known). Use
    `poisson_test` (exact) when phi is 1. direction is +1 when O > E, -1 when O < E.
    """
    scalar = all(np.ndim(v) == 0 for v in (count, expected, dispersion, dispersion_df))
    values = (_array("count", count), _array("expected", expected), _array("dispersion", dispersion), np.asarray(dispersion_df, float))
    o, e, phi, df = np.broadcast_arrays(*values)
    if (e <= 0).any() or (phi < 1).any() or (o < 0).any():
        raise ValueError("needs count >= 0, expected > 0 and dispersion >= 1")
    z = (o - e) / np.sqrt(phi * e)
    p = 2 * (1 - _t_cdf(np.abs(z), df))
    direction = np.sign(o - e).astype(int)
    return (int(direction), float(p)) if scalar else (direction, p)


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


def projection(years, values, target_year, confidence: float = CONFIDENCE, min_points: int = MIN_PROJECTION_POINTS) -> Projection:
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
    s2 = (w * resid**2).sum() / (len(vals) - 2)
    se = np.sqrt(s2 * (1.0 + x0 @ np.linalg.solve(xtwx, x0)))
    t = _t_quantile(1 - (1 - confidence) / 2, len(vals) - 2)
    return Projection(value, float(value - t * se), float(value + t * se), float(beta[1]), n, confidence)
