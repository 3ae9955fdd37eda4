"""Every method against an independent reference: statsmodels, scipy, or a worked example."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp
from statsmodels.stats.contingency_tables import Table, Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from rusmiddel_analysis.calc import progress, stats

# --- Wilson --------------------------------------------------------------------------------


@pytest.mark.parametrize("x, n", [(0, 10), (10, 10), (1, 1), (0, 1), (41, 100), (3633, 8861), (5, 7)])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_wilson_matches_statsmodels(x, n, confidence):
    low, high = stats.proportion_ci(x, n, confidence)
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12) and high == pytest.approx(ref_high, abs=1e-12)


def test_wilson_worked_example():
    # x = 41, n = 100, z = 1.959964: centre = (0.41 + z^2/200) / (1 + z^2/100) = 0.413390,
    # half = z/(1 + z^2/100) * sqrt(0.41*0.59/100 + z^2/40000) = 0.094656
    low, high = stats.proportion_ci(41, 100)
    assert (round(low, 4), round(high, 4)) == (0.3187, 0.5080)


def test_wilson_edges_are_exact_and_arrays_work():
    low, high = stats.proportion_ci(np.array([0, 5, 5]), np.array([5, 5, 10]))
    assert low[0] == 0.0 and high[1] == 1.0
    assert isinstance(low, np.ndarray) and low.shape == (3,)


@pytest.mark.parametrize(
    "x, n, message",
    [
        (5, 0, "n must be greater than 0"),
        (6, 5, "successes must lie between 0 and n"),
        (-1, 5, "successes must lie between 0 and n"),
        (float("nan"), 5, "must not be missing"),
    ],
)
def test_wilson_rejects_bad_input(x, n, message):
    with pytest.raises(ValueError, match=message):
        stats.proportion_ci(x, n)


def test_confidence_must_be_a_fraction():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        stats.proportion_ci(1, 2, confidence=95)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 100000), frac=st.floats(0, 1), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998]))
def test_wilson_properties(n, frac, conf):
    x = round(frac * n)
    low, high = stats.proportion_ci(x, n, conf)
    assert 0 <= low <= x / n <= high <= 1
    wider_low, wider_high = stats.proportion_ci(x, n, min(conf + 0.001, 0.999))
    assert wider_low <= low + 1e-12 and wider_high >= high - 1e-12


# --- counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 4, 9])
def test_count_ci_exact_below_ten_matches_gamma_quantiles(count):
    # exact Poisson limits written through the gamma distribution (an independent route)
    low, high = stats.count_ci(count, 0.95)
    ref_low = 0.0 if count == 0 else sp.gamma.ppf(0.025, count)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(sp.gamma.ppf(0.975, count + 1), abs=1e-9)


def test_count_ci_byar_worked_example():
    # O = 611, z = 1.959964:
    # low  = 611 * (1 - 1/5499 - 1.959964/(3*sqrt(611)))^3
    # high = 612 * (1 - 1/5508 + 1.959964/(3*sqrt(612)))^3
    z = 1.959963984540054
    ref_low = 611 * (1 - 1 / (9 * 611) - z / (3 * math.sqrt(611))) ** 3
    ref_high = 612 * (1 - 1 / (9 * 612) + z / (3 * math.sqrt(612))) ** 3
    low, high = stats.count_ci(611)
    assert (low, high) == pytest.approx((ref_low, ref_high), rel=1e-12)
    assert (round(low, 1), round(high, 1)) == (563.5, 661.4)
    # Byar approximates the exact limits closely at this size
    assert low == pytest.approx(sp.gamma.ppf(0.025, 611), rel=1e-3)


def test_count_ci_switches_method_at_ten_and_rejects_fractions():
    low, high = stats.count_ci(np.array([9, 10]))
    assert low[0] == pytest.approx(sp.gamma.ppf(0.025, 9))
    assert low[1] == pytest.approx(10 * (1 - 1 / 90 - stats.z_value() / (3 * math.sqrt(10))) ** 3)
    with pytest.raises(ValueError, match="whole number >= 0"):
        stats.count_ci(2.5)


@settings(max_examples=100, deadline=None)
@given(count=st.integers(0, 5000))
def test_count_ci_contains_the_count(count):
    low, high = stats.count_ci(count)
    assert 0 <= low <= count <= high


# --- weighted ----------------------------------------------------------------------------


def test_weighted_share_and_kish():
    y = np.array([1, 0, 1, 1, 0])
    w = np.array([1.0, 2.0, 1.0, 0.5, 0.5])
    share, n_eff = stats.weighted_share(y, w)
    assert share == pytest.approx(2.5 / 5.0)
    assert n_eff == pytest.approx(25 / (1 + 4 + 1 + 0.25 + 0.25))
    assert stats.weighted_share(y, np.ones(5)) == pytest.approx((0.6, 5.0))
    with pytest.raises(ValueError, match="weights must be greater than 0"):
        stats.weighted_share(y, np.array([1, 0, 1, 1, 1.0]))


# --- tests of change ------------------------------------------------------------------------

# --- trend ---------------------------------------------------------------------------------


def test_trend_test_matches_statsmodels_linear_by_linear():
    x, n, years = np.array([3690, 3810, 3960, 4120]), np.array([9000, 8900, 9100, 8950]), np.array([2015, 2016, 2017, 2018])
    result = stats.trend_test(x, n, years)
    ref = Table(np.column_stack([x, n - x])).test_ordinal_association(row_scores=years, col_scores=np.array([1, 0]))
    big_n = n.sum()
    # statsmodels uses the hypergeometric variance (N - 1); Armitage's statistic uses N
    assert result.statistic == pytest.approx(ref.zscore**2 * big_n / (big_n - 1), rel=1e-9)
    assert result.direction == "increasing" and result.significant


def test_trend_test_worked_example():
    # Altman-style hand computation: x = (10, 15, 20), n = (100, 100, 100), scores 1, 2, 3
    # N = 300, p = 0.15, s_bar = 2, T = 10*(-1) + 0 + 20*1 = 10, V = 0.15*0.85*(1400 - 1200) = 25.5
    result = stats.trend_test([10, 15, 20], [100, 100, 100], [1, 2, 3])
    assert result.statistic == pytest.approx(100 / 25.5)
    assert result.p_value == pytest.approx(sp.chi2.sf(100 / 25.5, 1))
    assert result.direction == "increasing"  # p = 0.048 is below 0.05, the change test's level (the default)
    assert stats.trend_test([10, 15, 20], [100, 100, 100], [1, 2, 3], confidence=0.998).direction == "no_significant_change"
    # few clusters: the same statistic on F(1, 11) (the square of t with 11 degrees of freedom) is not significant
    few = stats.trend_test([10, 15, 20], [100, 100, 100], [1, 2, 3], df=11)
    assert few.p_value == pytest.approx(sp.f.sf(100 / 25.5, 1, 11)) and few.direction == "no_significant_change"


def test_degrees_of_freedom_shrink_the_effective_n_as_t_widens_the_interval():
    """Korn & Graubard: n_df = n_eff (z/t_df)^2, so the Wilson interval uses t where it used z."""
    n = stats.degrees_of_freedom_n(1000.0, 11, 0.95)
    assert n == pytest.approx(1000 * (sp.norm.ppf(0.975) / sp.t.ppf(0.975, 11)) ** 2)
    assert stats.degrees_of_freedom_n(1000.0, np.inf) == pytest.approx(1000.0)
    # the Wilson interval with n_df excludes p0 exactly when the t-based score test rejects
    low, high = stats.proportion_ci(0.55 * n, n)
    _, p = stats.one_sample_proportion_test(0.55, 1000.0, low, df=11)
    assert p == pytest.approx(0.05, abs=1e-6)


def test_probability_at_least_is_the_score_statistic_on_t():
    expected = sp.t.cdf((0.49 - 0.5) / np.sqrt(0.5 * 0.5 / 2000), 11)
    assert stats.probability_at_least(0.49, 0.5, 2000, 11) == pytest.approx(expected)
    assert stats.probability_at_least(705.0, 703.0, 1.0, share=False) == pytest.approx(sp.norm.cdf(2 / np.sqrt(703)))
    # a reference of 0 or 1: certain either way
    assert stats.probability_at_least([0.0, 0.02], 0.0, 100).tolist() == [1.0, 1.0]
    assert stats.probability_at_least(0.98, 1.0, 100) == 0.0


def test_difference_test_reads_t_with_the_designs_degrees_of_freedom():
    t, p = stats.difference_test(1.0, 0.6, 11)
    assert t == pytest.approx(1 / 0.6) and p == pytest.approx(2 * sp.t.sf(1 / 0.6, 11))
    assert stats.difference_test(0.0, 0.0)[1] == 1.0 and stats.difference_test(1.0, 0.0)[1] == 0.0


def test_trend_needs_three_points_and_says_so():
    result = stats.trend_test([10, 15], [100, 100], [2015, 2017])
    assert result.direction == "cannot_calculate" and "at least 3 measured years; has 2" in result.reason


def test_count_trend_worked_example():
    # counts 611, 628, 649 over 2015-2017: C = 1888, s - s_bar = (-1, 0, 1),
    # U = -611 + 649 = 38, V = 1888 * 2 / 3, X2 = 38^2 / V
    result = stats.count_trend_test([611, 628, 649], [2015, 2016, 2017])
    assert result.statistic == pytest.approx(38**2 / (1888 * 2 / 3))
    assert result.direction == "no_significant_change"
    big = stats.count_trend_test([100, 200, 400], [1, 2, 3])
    assert big.direction == "increasing"


def test_count_trend_agrees_with_poisson_regression_score_direction():
    counts, years = np.array([50, 70, 95, 120]), np.array([0.0, 1, 2, 3])
    fit = sm.GLM(counts, sm.add_constant(years), family=sm.families.Poisson()).fit()
    result = stats.count_trend_test(counts, years)
    wald = (fit.params[1] / fit.bse[1]) ** 2
    assert result.direction == "increasing" and result.statistic == pytest.approx(wald, rel=0.15)


# --- progress -----------------------------------------------------------------------------------


def test_progress_ratio_worked_example():
    # compound (a count, Eurostat): 611 in 2015 -> 649 in 2017, goal 703 in 2019:
    # actual = (649/611)^(1/2) - 1, required = (703/611)^(1/4) - 1
    r = progress.progress_ratio(2015, 611, 2017, 649, 2019, 703, compound=True)
    assert r == pytest.approx(((649 / 611) ** 0.5 - 1) / ((703 / 611) ** 0.25 - 1))
    assert round(r, 4) == 0.8582
    # linear (a share): 41 % in 2015 -> 44 % in 2017, goal 50 % in 2019: R = 3 / (9 * 2/4) = 0.6667
    assert progress.progress_ratio(2015, 41, 2017, 44, 2019, 50) == pytest.approx(3 / 4.5)


def test_the_linear_ratio_is_the_same_for_either_wording_of_a_share():
    """ "93 -> 97 % have not tried" and "7 -> 3 % have tried" are one goal: the same ratio and the
    mirrored level, where compound growth gives different ones (the issue's 0.3-1 point)."""
    have_not = progress.progress_ratio(2015, 93, 2017, 94.1, 2019, 97)
    have = progress.progress_ratio(2015, 7, 2017, 5.9, 2019, 3)
    assert have_not == pytest.approx(have) == pytest.approx(1.1 / 2)
    level = progress.level_at_ratio(2015, 93, 2017, 2019, 97, 0.95)
    assert 100 - level == pytest.approx(progress.level_at_ratio(2015, 7, 2017, 2019, 3, 0.95))
    compound_have_not = progress.level_at_ratio(2015, 93, 2017, 2019, 97, 0.95, compound=True)
    compound_have = progress.level_at_ratio(2015, 7, 2017, 2019, 3, 0.95, compound=True)
    assert abs((100 - compound_have_not) - compound_have) > 0.3


def test_progress_ratio_edge_cases():
    assert math.isnan(progress.progress_ratio(2015, 34, 2017, 35, 2019, 34))  # target equals baseline
    assert progress.progress_ratio(2015, 98, 2017, 100, 2019, 100) > 1  # a target of 100 %, reached early
    assert progress.progress_ratio(2015, 41, 2017, 55, 2019, 50) > 1  # already past the target
    assert progress.progress_ratio(2015, 62, 2017, 59.5, 2019, 75) < 0  # moving away
    # decreasing is better: 20 % smokers -> 18 %, target 15 %: both changes negative, R positive
    r = progress.progress_ratio(2015, 20, 2017, 18, 2019, 15, compound=True)
    assert r == pytest.approx(((18 / 20) ** 0.5 - 1) / ((15 / 20) ** 0.25 - 1)) and 0 < r < 1
    # a baseline of 0 on the linear scale (the crash): 0 -> 2 of a goal of 8 by 2019
    assert progress.progress_ratio(2015, 0, 2017, 2, 2019, 8) == pytest.approx(2 / 4)
    assert progress.level_at_ratio(2015, 10, 2017, 2019, 0, 1.0) == pytest.approx(5)  # a count's goal of 0: linear
    with pytest.raises(ValueError, match="year must come after baseline_year"):
        progress.progress_ratio(2015, 41, 2015, 41, 2019, 50)
    with pytest.raises(ValueError, match="compound growth needs baseline_value > 0"):
        progress.progress_ratio(2015, 0, 2017, 4, 2019, 5, compound=True)
    assert progress.compound_scale([True, False, False, False], [41, 611, 0, 10], [50, 703, 5, 0]).tolist() == [False, True, False, False]


def test_progress_ratio_vectorised():
    r = progress.progress_ratio(2015, np.array([41, 62]), np.array([2017, 2018]), np.array([44, 60]), 2019, np.array([50, 75]))
    assert r.shape == (2,) and r[0] == pytest.approx(progress.progress_ratio(2015, 41, 2017, 44, 2019, 50))


def test_required_path_runs_from_baseline_to_target():
    path = progress.required_path(2015, 611, 2019, 703, np.arange(2015, 2020), compound=True)
    assert path[0] == pytest.approx(611) and path[-1] == pytest.approx(703)
    assert path[2] == pytest.approx(611 * (703 / 611) ** 0.5)
    linear = progress.required_path(2015, 41, 2019, 50, np.arange(2015, 2020))
    assert linear.tolist() == pytest.approx([41, 43.25, 45.5, 47.75, 50])


@pytest.mark.parametrize(
    "low, high, target, hib, expected",
    [
        (51, 55, 50, True, "better"),
        (44, 49, 50, True, "worse"),
        (48, 52, 50, True, "similar"),
        (44, 49, 50, False, "better"),
        (51, 55, 50, False, "worse"),
    ],
)
def test_compare_with_target(low, high, target, hib, expected):
    assert stats.compare_with_target(low, high, target, hib) == expected


# --- projection -----------------------------------------------------------------------------


def test_projection_prediction_interval_matches_statsmodels_wls():
    years = np.array([2015, 2016, 2017, 2018.0])
    values = np.array([41, 42.4, 44, 46.5])
    proj = stats.projection(years, values, 2019)
    fit = sm.WLS(values, sm.add_constant(years), weights=years - 2014).fit()
    # the new year's observation with weight 1, the smallest weight
    pred = fit.get_prediction(np.array([[1, 2019.0]]), weights=np.array([1.0]))
    low, high = pred.conf_int(obs=True, alpha=0.05)[0]
    assert proj.value == pytest.approx(pred.predicted_mean[0])
    assert (proj.low, proj.high) == pytest.approx((low, high))
    line_low, line_high = pred.conf_int(alpha=0.05)[0]
    assert proj.low < line_low and proj.high > line_high  # wider than the line's own interval


def test_projection_needs_the_minimum_number_of_points():
    three = stats.projection([2015, 2016, 2017], [34, 33.5, 33], 2019)
    assert math.isnan(three.value) and three.n_points == 3
    assert stats.projection([2015, 2016, 2017], [34, 33.5, 33], 2019, min_points=3).value == pytest.approx(32.0)
    with pytest.raises(ValueError, match="min_points must be at least 3"):
        stats.projection([2015, 2017], [34, 33.5], 2019, min_points=2)


def test_projection_weights_favour_recent_years():
    assert stats.projection_weights([2015, 2017, 2019]).tolist() == [1, 3, 5]


# --- tests against a fixed reference, and the correction for many tests ---------------------------


@pytest.mark.parametrize("x, n, p0", [(44, 100, 0.41), (4050, 9000, 0.41), (30, 30, 0.9), (0, 50, 0.02)])
def test_one_sample_score_test_matches_statsmodels(x, n, p0):
    z, p = stats.one_sample_proportion_test(x / n, n, p0)
    ref_z, ref_p = proportions_ztest(x, n, value=p0, prop_var=p0)
    assert z == pytest.approx(ref_z) and p == pytest.approx(ref_p)


def test_one_sample_test_is_the_inversion_of_wilson():
    # the Wilson interval excludes p0 exactly when the score test rejects at the same level
    for x, n in ((41, 100), (530, 1200), (12, 40)):
        low, high = stats.proportion_ci(x, n, 0.95)
        for p0 in np.linspace(0.05, 0.95, 181):
            _, p = stats.one_sample_proportion_test(x / n, n, p0)
            assert (p < 0.05) == (p0 < low or p0 > high), (x, n, p0)


def test_one_sample_test_degenerate_reference_and_bad_input():
    assert stats.one_sample_proportion_test(1.0, 50, 1.0) == (0.0, 1.0)
    assert stats.one_sample_proportion_test(0.98, 50, 1.0)[1] == 0.0
    with pytest.raises(ValueError, match="fractions between 0 and 1"):
        stats.one_sample_proportion_test(41, 100, 0.41)


@pytest.mark.parametrize("count, expected", [(649, 611), (580, 611), (3, 10.5), (0, 2.0), (611, 611)])
def test_poisson_test_matches_the_exact_tails(count, expected):
    direction, p = stats.poisson_test(count, expected)
    lower, upper = sp.poisson.cdf(count, expected), sp.poisson.sf(count - 1, expected)
    assert p == pytest.approx(min(1.0, 2 * min(lower, upper)))
    assert direction == int(np.sign(count - expected))


def test_holm_matches_statsmodels_and_skips_missing_tests():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005, 0.5])
    adjusted = stats.holm_adjust(p)
    present = ~np.isnan(p)
    ref = multipletests(p[present], method="holm")[1]
    assert np.isnan(adjusted[2]) and adjusted[present] == pytest.approx(ref)
    # worked example: sorted 0.005, 0.01, 0.03, 0.04, 0.5 times 5, 4, 3, 2, 1 -> 0.025, 0.04, 0.09, 0.09 (running max), 0.5
    assert adjusted[present].tolist() == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.5])


def test_level_at_ratio_inverts_the_progress_ratio():
    level = progress.level_at_ratio(2015, 41, 2017, 2019, 50, 0.95)
    assert progress.progress_ratio(2015, 41, 2017, level, 2019, 50) == pytest.approx(0.95)
    assert progress.level_at_ratio(2015, 41, 2017, 2019, 50, 1.0) == pytest.approx(progress.required_path(2015, 41, 2019, 50, 2017))
    lower = progress.level_at_ratio(2015, 20, 2017, 2019, 15, 0.95)  # lower is better: the level lies above the path
    assert progress.required_path(2015, 20, 2019, 15, 2017) < lower < 20


def test_a_design_of_one_cluster_reads_on_no_distribution():
    """Korn & Graubard's degrees of freedom are C - 1: a design of one cluster (df 0) estimates no
    variance, so its tests and intervals are undefined (NaN, cannot_calculate), never read on the
    normal as if the design had infinitely many (the trend test gave p = 0.0067 at df 0, the normal's,
    against 0.225 at df 1); df 1 is Student's t with one degree of freedom (scipy)."""
    _, p0 = stats.difference_test(2.0, 0.5, 0.0)
    _, p1 = stats.difference_test(2.0, 0.5, 1.0)
    assert np.isnan(p0) and p1 == pytest.approx(2 * sp.t.sf(4.0, 1))
    assert np.isnan(stats.degrees_of_freedom_n(1000.0, 0.0))
    assert stats.degrees_of_freedom_n(1000.0, np.nan) == 1000.0  # no design: independent answers
    assert np.isnan(stats.probability_at_least(0.45, 0.5, 1000.0, 0.0))
    x, n, years = np.array([400.0, 430.0, 470.0]), np.array([1000.0] * 3), np.array([2015, 2016, 2017])
    none = stats.trend_test(x, n, years, 0.95, 0.0)
    assert (none.direction, none.reason) == ("cannot_calculate", "needs a design of at least 2 clusters") and np.isnan(none.p_value)
    one = stats.trend_test(x, n, years, 0.95, 1.0)
    assert one.p_value == pytest.approx(sp.f.sf(one.statistic, 1, 1))


# --- a register's two years ----------------------------------------------------------------------


@pytest.mark.parametrize("later, baseline", [(705, 611), (649, 611), (562, 611), (3, 0), (0, 4), (12, 12)])
def test_two_counts_exact_test_is_the_conditional_binomial(later, baseline):
    """Given the total, the later count is Binomial(total, 1/2) under one rate: scipy's exact binomial
    test (its two-sided p for p = 1/2 is the doubled smaller tail)."""
    direction, p = stats.two_count_test(later, baseline)
    assert p == pytest.approx(sp.binomtest(later, later + baseline, 0.5).pvalue, rel=1e-9)
    assert direction == np.sign(later - baseline)
    assert stats.two_count_test(0, 0) == (0, 1.0)


def test_two_counts_quasi_poisson_test_reads_on_t_with_the_dispersions_degrees_of_freedom():
    """phi = 2.4 estimated on 3 degrees of freedom: z = (705 - 611) / sqrt(2.4 x 1316), read on t_3."""
    _, p = stats.two_count_test(705, 611, 2.4, 3)
    z = 94 / math.sqrt(2.4 * 1316)
    assert p == pytest.approx(2 * sp.t.sf(z, 3))
    with pytest.raises(ValueError, match="whole numbers"):
        stats.two_count_test(704.5, 611)
    with pytest.raises(ValueError, match="dispersion must be at least 1"):
        stats.two_count_test(705, 611, 0.5, 3)


@pytest.mark.parametrize("x2, n2, x1, n1", [(196, 360, 205, 360), (160, 280, 98, 280), (45, 99, 30, 101), (0, 60, 0, 55)])
def test_two_proportions_equal_statsmodels(x2, n2, x1, n1):
    z, p = stats.two_proportion_test(x2, n2, x1, n1)
    if x1 + x2 == 0:  # nothing varies: no evidence of a change
        assert (z, p) == (0.0, 1.0)
        return
    ref_z, ref_p = proportions_ztest([x2, x1], [n2, n1])
    assert (z, p) == (pytest.approx(ref_z), pytest.approx(ref_p))
    with pytest.raises(ValueError, match="0 <= successes <= n"):
        stats.two_proportion_test(61, 60, 1, 55)


# --- two groups: relative risk and odds ratio; the weighted median (moved from calc/high_risk.py) ---


def mover_wilson(a, n1, c, n0) -> tuple[float, float]:
    """The MOVER-Wilson interval written out from statsmodels' Wilson limits (Donner & Zou 2012)."""
    l1, u1 = proportion_confint(a, n1, method="wilson")
    l2, u2 = proportion_confint(c, n0, method="wilson")
    p1, p2 = a / n1, c / n0
    low = np.exp(np.log(p1 / p2) - np.sqrt(np.log(p1 / l1) ** 2 + np.log(u2 / p2) ** 2))
    high = np.exp(np.log(p1 / p2) + np.sqrt(np.log(u1 / p1) ** 2 + np.log(p2 / l2) ** 2))
    return low, high


@pytest.mark.parametrize("a, n1, c, n0", [(40, 120, 30, 880), (12, 60, 45, 900), (90, 100, 300, 400), (22, 22, 300, 800)])
def test_relative_risk_and_odds_ratio_against_statsmodels(a, n1, c, n0):
    """The ratio and the odds ratio with its interval equal statsmodels' Table2x2; the relative risk's
    interval is MOVER-Wilson (statsmodels' Wilson limits combined by hand), close to Koopman's score
    interval (statsmodels) where no cell is at its edge; when every exposed pupil has the outcome
    (22 of 22) it keeps the exposed group's uncertainty, which Katz's interval drops."""
    table = Table2x2(np.array([[a, n1 - a], [c, n0 - c]]))
    rr, low, high = stats.relative_risk(a, n1, c, n0)
    assert rr == pytest.approx((a / n1) / (c / n0)) and (low, high) == pytest.approx(mover_wilson(a, n1, c, n0))
    if a < n1:  # statsmodels adds 0.5 to a table with an empty cell
        assert rr == pytest.approx(table.riskratio)
    if a < n1:
        score = confint_proportions_2indep(a, n1, c, n0, method="score", compare="ratio")
        assert (low, high) == pytest.approx(score, rel=0.06)
    else:  # Katz's variance term for the exposed, 1/a - 1/n1, is 0: its interval is too narrow
        katz_low = rr * np.exp(-1.959964 * np.sqrt(1 / c - 1 / n0))
        assert low < katz_low and np.isfinite(high)
    value, or_low, or_high = stats.odds_ratio(a, n1, c, n0)
    if a < n1:
        assert value == pytest.approx(table.oddsratio) and (or_low, or_high) == pytest.approx(table.oddsratio_confint())
    assert np.isnan(stats.relative_risk(0, 10, 5, 50)[0]) and np.isnan(stats.odds_ratio(10, 10, 5, 50)[0])
    with pytest.raises(ValueError, match="cases <= group size"):
        stats.relative_risk(11, 10, 5, 50)


def test_weighted_median_by_hand():
    assert stats.weighted_median([15, 12, 13, 14], [1, 1, 1, 1]) == 13  # the lower median: an age that occurs
    assert stats.weighted_median([12, 13, 14], [1, 1, 5]) == 14  # half the weight is reached at 14
    assert np.isnan(stats.weighted_median([], []))
    with pytest.raises(ValueError, match="zero or more"):
        stats.weighted_median([12, 13], [1, -1])


def test_relative_risk_and_odds_ratio_take_arrays_give_scalars_for_scalars_and_refuse_a_missing_count():
    rr, low, high = stats.relative_risk([40, 12], [120, 60], [30, 45], [880, 900])
    assert rr == pytest.approx([(40 / 120) / (30 / 880), (12 / 60) / (45 / 900)]) and (low < rr).all() and (rr < high).all()
    value, or_low, or_high = stats.odds_ratio(40, 120, 30, 880)
    assert isinstance(value, float) and value == pytest.approx(40 * 850 / (80 * 30)) and or_low < value < or_high
    with pytest.raises(ValueError, match="a must not be missing"):
        stats.relative_risk(np.nan, 10, 5, 50)
    with pytest.raises(ValueError, match="values must not be missing"):
        stats.weighted_median([12, np.nan], [1, 1])
