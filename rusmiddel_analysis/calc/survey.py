"""Survey design: cluster-robust variances, design effects and direct standardisation of shares.

The school and youth surveys are cluster samples: whole classes at each school (institution)
answer, and pupils at the same school are more alike than pupils drawn at random. Treating 9,000
pupils as 9,000 independent draws understates the uncertainty; these functions estimate it from
the spread between schools. Every function is vectorised, checks its input and says what is
wrong; docs/methodology.md (section 2.2 and 2.3) explains each with its formula.

Sources:
- Taylor linearisation of a ratio estimator with the ultimate-cluster (with-replacement)
  variance estimator: Wolter (2007), "Introduction to Variance Estimation", 2nd ed., ch. 6;
  Lohr (2022), "Sampling: Design and Analysis", 3rd ed., sections 5.2 and 9.1; the estimator of
  R's survey package and Stata's svy with a single stage and no strata.
- Domain (subgroup) estimation over all clusters of the sample: Lohr (2022), section 14.2.
- Design effect: Kish (1965), "Survey Sampling", section 8.2; Wilson interval with the effective
  sample size n/deff: Korn & Graubard (1998), Survey Methodology 24:193-201; Dean & Pagano (2015),
  J. Surv. Stat. Methodol. 3:484-503.
- Direct standardisation: Breslow & Day (1987), "Statistical Methods in Cancer Research, vol. II",
  section 2.3; for a survey share, the standardised estimator's linearised variance as in
  Lohr (2022), section 9.1 (a linear combination of domain ratios).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rusmiddel_analysis.calc.stats import _array, _positions

__all__ = [
    "linearised_share_variance",
    "paired_change_variance",
    "independent_change_variance",
    "linear_trend_variance",
    "design_based_share",
    "design_effect",
    "design_effective_n",
    "standardised_share",
    "StandardisedShare",
]


def _cells(names: tuple[str, ...], *arrays) -> list[np.ndarray]:
    values = [np.atleast_1d(_array(name, a)) for name, a in zip(names, arrays, strict=True)]
    if len({v.shape for v in values}) != 1 or values[0].ndim != 1:
        raise ValueError(f"{', '.join(names)} must be one-dimensional and of equal length")
    return values


def linearised_share_variance(group, sum_w, sum_wy, n_clusters):
    """Each group's weighted share and its Taylor-linearised, cluster-robust variance, from cluster sums.

    One entry of `group`, `sum_w` and `sum_wy` per cluster that has members of the group: the
    group's code (0, 1, ...), Σw and Σwy over the cluster's members who answered. `n_clusters[g]`
    is C, the number of clusters in the whole sample of group g's year (a subgroup is a domain: a
    cluster without members of it still counts, with z_c = 0). For group g:

        W = Σ_c w_c,  p = Σ_c (wy)_c / W
        z_c = ((wy)_c − p w_c) / W                (the linearised share, summed over the cluster)
        v = C / (C − 1) · Σ_c z_c²

    the ultimate-cluster variance estimator (Wolter 2007, ch. 6; Lohr 2022, 9.1). Returns
    (share, variance) indexed by group code; the variance is NaN where C < 2 (no spread between
    clusters can be seen) or the group has no answers.
    """
    g = np.atleast_1d(np.asarray(group))
    w, wy = _cells(("sum_w", "sum_wy"), sum_w, sum_wy)
    c = np.atleast_1d(_array("n_clusters", n_clusters))
    if g.shape != w.shape or not np.issubdtype(g.dtype, np.integer) or (g < 0).any() or (len(g) and g.max() >= len(c)):
        raise ValueError("group must hold whole codes 0..len(n_clusters)-1, one per cluster sum")
    if (w < 0).any() or ((wy < 0) | (wy > w * (1 + 1e-12))).any():
        raise ValueError(f"cluster sums must satisfy 0 <= sum_wy <= sum_w; found others at position(s) {_positions((w < 0) | (wy > w) | (wy < 0))}")
    big_w = np.bincount(g, w, minlength=len(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.bincount(g, wy, minlength=len(c)) / big_w
        z = (wy - share[g] * w) / big_w[g]
        variance = c / (c - 1) * np.bincount(g, z * z, minlength=len(c))
    variance = np.where((c >= 2) & (big_w > 0), variance, np.nan)
    return share, variance


def paired_change_variance(cluster, year_is_later, sum_w, sum_wy):
    """The change between two years' weighted shares, p₂ − p₁, and its linearised variance with the
    clusters (schools) paired where they answered in both years.

    One entry per cluster and year: the cluster's code (0, 1, ... over both years), whether the
    entry is the later year's, and Σw, Σwy over the cluster's members who answered that year.
    With W_t = Σ_c w_ct, p_t = Σ_c (wy)_ct / W_t and r_ct = ((wy)_ct − p_t w_ct) / W_t:

        z_c = r_c2 − r_c1                      (0 for a year in which the cluster did not answer)
        v   = C / (C − 1) · Σ_c (z_c − z̄)²,   C the clusters answering in either year

    the ultimate-cluster estimator of the difference of two ratio estimators, with a school's two
    years in one cluster so that their covariance is kept (Wolter 2007, 6.x; Lohr 2022, 9.1 and
    14.3; Kish 1965, 12.4 on overlapping samples). A school whose pupils are alike in both years
    drops out of the change, which is why the paired variance is smaller than the two years'
    variances added. Without clusters (each answer its own cluster) it is the sum of the two
    years' variances. Returns (change, variance, C − 1 degrees of freedom).
    """
    c = np.atleast_1d(np.asarray(cluster))
    later = np.atleast_1d(np.asarray(year_is_later, dtype=bool))
    w, wy = _cells(("sum_w", "sum_wy"), sum_w, sum_wy)
    if not (c.shape == later.shape == w.shape) or not np.issubdtype(c.dtype, np.integer) or (c < 0).any():
        raise ValueError("cluster must hold whole codes, one per cluster sum and year, like year_is_later")
    totals = np.array([w[~later].sum(), w[later].sum()])
    if (totals <= 0).any():
        raise ValueError("both years need answers")
    share = np.array([wy[~later].sum(), wy[later].sum()]) / totals
    t = later.astype(int)
    r = (wy - share[t] * w) / totals[t]
    z = np.bincount(c, np.where(later, r, -r))
    present = np.bincount(c, minlength=len(z)) > 0
    z, n = z[present], int(present.sum())
    variance = n / (n - 1) * ((z - z.mean()) ** 2).sum() if n >= 2 else np.nan
    return float(share[1] - share[0]), float(variance), n - 1


def independent_change_variance(year_is_later, sum_w, sum_wy, sum_w2, sum_w2y) -> float:
    """The variance of the change p₂ − p₁ with every answer its own cluster: the two years' binomial
    (Kish-weighted) variances added,

        v_ind = Σ_t (Σw²y (1 − 2 p_t) + p_t² Σw²)_t / W_t²      ( = Σ_t p_t (1 − p_t) / n_t unweighted)

    The floor of the paired variance (`paired_change_variance`): each year's pupils are new, so
    pairing the schools takes out their lasting level, never the pupils' own variation; a paired
    estimate below it is the between-school spread coming out small by chance, as a share's
    effective n is capped at Kish's (Kish 1965, 8.2; Breslow & Day 1987, 2.3 for the unweighted form).
    """
    later = np.atleast_1d(np.asarray(year_is_later, dtype=bool))
    w, wy, w2, w2y = _cells(("sum_w", "sum_wy", "sum_w2", "sum_w2y"), sum_w, sum_wy, sum_w2, sum_w2y)
    if later.shape != w.shape or not later.any() or later.all():
        raise ValueError("year_is_later must mark one entry per cluster sum, with entries in both years")
    total = 0.0
    for year in (~later, later):
        big_w = w[year].sum()
        p = wy[year].sum() / big_w
        total += (w2y[year].sum() * (1 - 2 * p) + p * p * w2[year].sum()) / big_w**2
    return float(total)


def linear_trend_variance(cluster, year, sum_w, sum_wy, sum_w2, sum_w2y):
    """The straight-line trend of a weighted share over the years, per year, and its linearised
    variance with the clusters (schools) kept together across the years: (slope, variance,
    variance_independent, C − 1).

    One entry per cluster and year: the cluster's code (the same school the same code in every
    year), the year, and Σw, Σwy, Σw², Σw²y over the cluster's answers that year. The weighted least
    squares line of the answer y (0/1) on the year s, with W_t, (WY)_t the year's sums,
    s̄ = Σ W_t s_t / W and ȳ = Σ (WY)_t / W:

        S = Σ_t W_t (s_t − s̄)²,   b = Σ_t (s_t − s̄) (WY)_t / S
        u_ct = (s_t − s̄) ((wy)_ct − (ȳ + b (s_t − s̄)) w_ct) / S     (the linearised slope, per cluster and year)
        v = C / (C − 1) · Σ_c (Σ_t u_ct)²,   C the clusters answering in any of the years
        v_ind = Σ_t (s_t − s̄)² (Σw²y (1 − 2 f_t) + f_t² Σw²)_t / S²,   f_t = ȳ + b (s_t − s̄)

    the ultimate-cluster (sandwich) variance of a regression coefficient under the design (Binder
    1983, Int. Stat. Rev. 51:279-292; Lohr 2022, ch. 11; R's svyglm and Stata's svy: regress with one
    stage), read on t with C − 1 degrees of freedom (Korn & Graubard 1998). A school's years are
    one cluster, as in `paired_change_variance`: with two years b is the change divided by their
    distance and v its paired variance over the distance squared, so the trend and the change test
    read the same evidence the same way. v_ind is the same estimator with every answer its own
    cluster (the binomial floor, as Kish's n caps a share's effective n). b and the variances are per
    year, as fractions.
    """
    cl = np.atleast_1d(np.asarray(cluster))
    s_year = np.atleast_1d(_array("year", year))
    w, wy, w2, w2y = _cells(("sum_w", "sum_wy", "sum_w2", "sum_w2y"), sum_w, sum_wy, sum_w2, sum_w2y)
    if not (cl.shape == s_year.shape == w.shape) or not np.issubdtype(cl.dtype, np.integer) or (cl < 0).any():
        raise ValueError("cluster must hold whole codes, one per cluster sum and year, like year")
    years, t = np.unique(s_year, return_inverse=True)
    if len(years) < 2 or (np.bincount(t, w) <= 0).any():
        raise ValueError("a trend needs answers in at least 2 years")
    big_w, big_wy = np.bincount(t, w), np.bincount(t, wy)
    centred = years - (big_w * years).sum() / big_w.sum()
    spread = (big_w * centred**2).sum()
    slope = (centred * big_wy).sum() / spread
    fitted = big_wy.sum() / big_w.sum() + slope * centred
    u = centred[t] * (wy - fitted[t] * w) / spread
    z = np.bincount(cl, u)
    present = np.bincount(cl, minlength=len(z)) > 0
    n = int(present.sum())
    variance = n / (n - 1) * (z[present] ** 2).sum() if n >= 2 else np.nan
    per_year = np.bincount(t, w2y) * (1 - 2 * fitted) + fitted**2 * np.bincount(t, w2)
    independent = (centred**2 * per_year).sum() / spread**2
    return float(slope), float(variance), float(independent), n - 1


def design_based_share(success, weights, clusters):
    """A weighted share from unit-level answers, with its cluster-robust variance, design effect and
    effective sample size: (share, variance, design_effect, effective_n).

    `success` 0/1 for each respondent who answered, `weights` > 0 (ones for an unweighted survey),
    `clusters` the school or institution of each. The variance is `linearised_share_variance`
    over the clusters; the design effect and the effective sample size are `design_effect` and
    `design_effective_n`. A convenience for analysts and tests; the indicators use the cluster sums.
    """
    y, w = _cells(("success", "weights"), success, weights)
    cluster = np.atleast_1d(np.asarray(clusters, dtype=object))
    if cluster.shape != y.shape:
        raise ValueError(f"clusters must have one entry per answer; got {cluster.shape} and {y.shape}")
    if (w <= 0).any() or ((y != 0) & (y != 1)).any():
        raise ValueError("weights must be greater than 0 and success 0 or 1")
    if y.size == 0:
        raise ValueError("design_based_share needs at least one answer")
    codes, index = np.unique(cluster.astype(str), return_inverse=True)
    share, variance = linearised_share_variance(np.zeros(len(codes), dtype=int), np.bincount(index, w), np.bincount(index, w * y), [len(codes)])
    kish = w.sum() ** 2 / (w * w).sum()
    n_eff = design_effective_n(share[0], variance[0], kish)
    return float(share[0]), float(variance[0]), float(y.size / n_eff), float(n_eff)


def design_effect(variance, share, n):
    """Kish's design effect: the variance over the variance of a simple random sample of the same size.

        deff = v / (p (1 − p) / n)

    Kish (1965), 8.2. With clusters, deff ≈ 1 + (m − 1)·ICC for clusters of m answers and an
    intra-class correlation ICC (Kish 1965, 5.4). NaN when p is 0 or 1 (no variance to compare).
    """
    scalar = all(np.ndim(v) == 0 for v in (variance, share, n))
    v, p, n = np.broadcast_arrays(_array("variance", variance), _array("share", share), _array("n", n))
    if (n <= 0).any() or ((p < 0) | (p > 1)).any() or (v < 0).any():
        raise ValueError("n must be greater than 0, share a fraction between 0 and 1 and variance at least 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.where((p > 0) & (p < 1), v / (p * (1 - p) / n), np.nan)
    return float(deff) if scalar else deff


def design_effective_n(share, variance, kish_n):
    """The effective sample size of a share under the survey design, never more than Kish's.

        n_eff = min(n_Kish, p (1 − p) / v)

    p(1 − p)/v is the number of independent answers that would give the design's variance v
    (Kish 1965; the Wilson interval with n_eff is Korn & Graubard's (1998) design-adjusted
    interval without their degrees-of-freedom factor, and Dean & Pagano's (2015) recommendation).
    The cap at Kish's n_Kish = (Σw)²/Σw² (the weighting alone) keeps an estimate of the
    between-cluster spread that comes out below zero by chance from claiming more precision than
    independent answers: where the schools do not differ, the interval stays the binomial one.
    Where v is missing (fewer than 2 clusters), 0, or p is 0 or 1, n_eff is n_Kish.
    """
    scalar = all(np.ndim(v) == 0 for v in (share, variance, kish_n))
    p, kish = np.broadcast_arrays(_array("share", share), _array("kish_n", kish_n))
    v = np.broadcast_to(np.asarray(variance, dtype=float), p.shape)
    if (kish <= 0).any() or ((p < 0) | (p > 1)).any():
        raise ValueError("kish_n must be greater than 0 and share a fraction between 0 and 1")
    usable = np.isfinite(v) & (v > 0) & (p > 0) & (p < 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(usable, np.minimum(kish, p * (1 - p) / np.where(usable, v, 1.0)), kish)
    return float(n_eff) if scalar else n_eff


@dataclass(frozen=True)
class StandardisedShare:
    """A directly standardised share (fraction) with its variances and the part of the standard it covers."""

    value: float
    variance: float  # cluster-robust (NaN without clusters)
    variance_independent: float  # as if every answer were its own cluster
    coverage: float  # Σ of the standard's weights over strata present in the year (1 when all are)

    @property
    def effective_n(self) -> float:
        """p(1 − p) over the larger of the two variances: the n of the Wilson interval."""
        v = np.fmax(self.variance, self.variance_independent)  # NaN only when both are
        if not (0 < self.value < 1) or not v > 0:
            return float("nan")
        return float(self.value * (1 - self.value) / v)


def standardised_share(stratum, cluster, sum_w, sum_wy, sum_w2, sum_w2y, standard, n_clusters) -> StandardisedShare:
    """Direct standardisation of a weighted share to a standard population's mix of strata.

    One entry per (cluster, stratum) cell of the year's answers: the stratum's code (0, 1, ...),
    the cluster's code, and Σw, Σwy, Σw², Σw²y over the cell's answers. `standard[s]` is stratum
    s's share of the standard population (the baseline year's mix); `n_clusters` C of the year.
    With a_s = standard[s] / Σ standard over the strata the year has (so strata missing from the
    year are left out and the rest re-weighted: `coverage` says how much of the standard is left):

        p_s = Σ(wy)_s / Σw_s,   p_std = Σ_s a_s p_s
        z_i = a_s(i) w_i (y_i − p_s(i)) / W_s(i)          (the linearised estimator)
        v = C / (C − 1) Σ_c (Σ_{i in c} z_i)²            (cluster-robust)
        v_ind = Σ_i z_i² = Σ_s a_s² (Σw²y (1 − 2p_s) + p_s² Σw²) / W_s²

    Without weights v_ind is the textbook Σ a_s² p_s(1 − p_s)/n_s (Breslow & Day 1987, 2.3).
    """
    s = np.atleast_1d(np.asarray(stratum))
    cl = np.atleast_1d(np.asarray(cluster))
    w, wy, w2, w2y = _cells(("sum_w", "sum_wy", "sum_w2", "sum_w2y"), sum_w, sum_wy, sum_w2, sum_w2y)
    weights = np.atleast_1d(_array("standard", standard))
    if s.shape != w.shape or cl.shape != w.shape or not np.issubdtype(s.dtype, np.integer) or not np.issubdtype(cl.dtype, np.integer):
        raise ValueError("stratum and cluster must be whole codes, one per cell")
    if (weights < 0).any() or (len(s) and s.max() >= len(weights)):
        raise ValueError("standard must give a weight >= 0 for every stratum code")
    big_w = np.bincount(s, w, minlength=len(weights))
    present = big_w > 0
    if not (weights[present] > 0).any():
        nan = float("nan")
        return StandardisedShare(nan, nan, nan, 0.0)
    coverage = weights[present].sum() / weights.sum()
    a = np.where(present, weights, 0.0) / weights[present].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        p_s = np.where(present, np.bincount(s, wy, minlength=len(weights)) / big_w, 0.0)
        factor = np.where(present, a / big_w, 0.0)
    value = float((a * p_s).sum())
    z_cell = factor[s] * (wy - p_s[s] * w)
    v_ind = float((factor[s] ** 2 * (w2y * (1 - 2 * p_s[s]) + p_s[s] ** 2 * w2)).sum())
    c = int(n_clusters)
    if c >= 2:
        z_cluster = np.bincount(cl, z_cell)
        variance = float(c / (c - 1) * (z_cluster**2).sum())
    else:
        variance = float("nan")
    return StandardisedShare(value, variance, v_ind, float(coverage))
