"""Survey design, unknown outcomes and counts in context, against independent computations.

Constructed data whose truth is known: schools that differ and schools that do not, a changed
grade mix, institutions that join late, unknown treatment outcomes, overdispersed counts. Each
result is checked against statsmodels or a hand computation written out here, never against the
code's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from rusmiddel_analysis.calc import stats, survey, survey_indicators
from rusmiddel_analysis.calc.assessment import trend_rows
from rusmiddel_analysis.calc.disclosure import Rules
from rusmiddel_analysis.config.strategy import load_strategy

from .conftest import write_strategy_variant


def clustered_answers(rng, schools: int, pupils: int, share: float, sd: float, weighted: bool = False) -> pd.DataFrame:
    """Pupils at schools whose log-odds differ by N(0, sd²) (sd 0: schools that do not differ)."""
    logit = np.log(share / (1 - share)) + rng.normal(0, sd, size=schools)
    school = np.repeat(np.arange(schools), pupils)
    y = (rng.random(schools * pupils) < 1 / (1 + np.exp(-logit[school]))).astype(int)
    w = rng.uniform(0.5, 2.0, size=y.size) if weighted else np.ones(y.size)
    return pd.DataFrame({"school": school, "y": y, "w": w})


def statsmodels_cluster_variance(frame: pd.DataFrame) -> float:
    """The variance of the weighted mean by WLS on a constant with cluster-robust errors (statsmodels;
    its small-sample factor G/(G-1)·(N-1)/(N-K) is G/(G-1) with K = 1)."""
    fit = sm.WLS(frame["y"], np.ones(len(frame)), weights=frame["w"]).fit(cov_type="cluster", cov_kwds={"groups": frame["school"]})
    return float(fit.cov_params().iloc[0, 0])


@pytest.mark.parametrize("weighted", [False, True])
def test_cluster_robust_variance_equals_statsmodels(weighted):
    frame = clustered_answers(np.random.default_rng(1), 30, 120, 0.4, 0.4, weighted)
    share, variance, _, _ = survey.design_based_share(frame["y"], frame["w"], frame["school"])
    assert share == pytest.approx(np.average(frame["y"], weights=frame["w"]))
    assert variance == pytest.approx(statsmodels_cluster_variance(frame), rel=1e-10)


def test_schools_that_do_not_differ_keep_the_binomial_interval():
    frame = clustered_answers(np.random.default_rng(2), 48, 185, 0.41, 0.0)
    share, _, deff, n_eff = survey.design_based_share(frame["y"], frame["w"], frame["school"])
    x, n = int(frame["y"].sum()), len(frame)
    design = stats.proportion_ci(share * n_eff, n_eff)
    binomial = proportion_confint(x, n, method="wilson")
    width_ratio = (design[1] - design[0]) / (binomial[1] - binomial[0])
    assert 1.0 <= width_ratio < 1.15  # never narrower than the binomial, essentially the same
    assert deff < 1.35


def test_schools_that_differ_widen_the_interval_by_the_design_effect():
    frame = clustered_answers(np.random.default_rng(3), 48, 185, 0.41, 0.35)
    share, variance, deff, n_eff = survey.design_based_share(frame["y"], frame["w"], frame["school"])
    # the design effect is the cluster-robust variance (statsmodels) over the binomial one
    binomial_variance = share * (1 - share) / len(frame)
    assert deff == pytest.approx(statsmodels_cluster_variance(frame) / binomial_variance, rel=1e-9)
    # Kish: deff ≈ 1 + (m - 1) ICC, with the ICC estimated by one-way ANOVA (an independent estimate)
    groups = frame.groupby("school")["y"]
    m, k = 185, 48
    msb = m * ((groups.mean() - frame["y"].mean()) ** 2).sum() / (k - 1)
    msw = ((frame["y"] - groups.transform("mean")) ** 2).sum() / (k * (m - 1))
    icc = (msb - msw) / (msb + (m - 1) * msw)
    assert deff == pytest.approx(1 + (m - 1) * icc, rel=0.1)
    assert deff > 2 and n_eff == pytest.approx(len(frame) / deff)


def test_linearised_variance_of_a_domain_counts_every_cluster_of_the_year():
    # two groups over four clusters; group 1 only in clusters 0 and 1: C stays 4 for both
    answers = pd.DataFrame({"cluster": [0, 0, 1, 1, 2, 2, 3, 3], "group": [0, 1, 0, 1, 0, 0, 0, 0], "y": [1, 1, 0, 0, 1, 0, 1, 1]})
    sums = answers.groupby(["group", "cluster"]).agg(w=("y", "size"), wy=("y", "sum")).reset_index()
    share, variance = survey.linearised_share_variance(sums["group"].to_numpy(), sums["w"], sums["wy"], [4, 4])
    # by hand for group 1: p = 1/2, z = ((1 - 1/2), (0 - 1/2)) / 2, clusters 2 and 3 give z = 0
    assert share[1] == 0.5
    assert variance[1] == pytest.approx(4 / 3 * (0.25**2 + 0.25**2))


def test_direct_standardisation_matches_the_textbook_formula():
    rng = np.random.default_rng(4)
    n = 4000
    stratum = rng.integers(0, 6, n)
    y = (rng.random(n) < 0.2 + 0.1 * stratum).astype(int)
    standard = np.array([0.1, 0.2, 0.2, 0.2, 0.2, 0.1])
    frame = pd.DataFrame({"s": stratum, "y": y})
    by_stratum = frame.groupby("s")["y"].agg(["mean", "size"])
    expected = (standard * by_stratum["mean"]).sum()
    expected_var = (standard**2 * by_stratum["mean"] * (1 - by_stratum["mean"]) / by_stratum["size"]).sum()
    cells = frame.groupby("s")["y"].agg(w="size", wy="sum").reset_index()
    result = survey.standardised_share(cells["s"].to_numpy(), np.arange(len(cells)), cells["w"], cells["wy"], cells["w"], cells["wy"], standard, 0)
    assert result.value == pytest.approx(expected)
    assert result.variance_independent == pytest.approx(expected_var)
    assert np.isnan(result.variance) and result.coverage == 1


def test_standardisation_removes_a_changed_grade_mix():
    """The same within-grade shares in both years, fewer 10th-graders in the second: the crude share
    moves, the share standardised to the first year's mix does not."""
    rng = np.random.default_rng(5)
    within = {6: 0.9, 7: 0.7, 8: 0.5, 9: 0.3, 10: 0.1}
    frames = []
    for year, mix in ((2015, [0.22, 0.22, 0.22, 0.22, 0.12]), (2017, [0.235, 0.235, 0.235, 0.235, 0.06])):
        counts = (np.array(mix) * 10000).astype(int)
        grade = np.repeat(list(within), counts)
        y = np.concatenate(
            [np.r_[np.ones(int(round(c * within[g]))), np.zeros(c - int(round(c * within[g])))] for g, c in zip(within, counts, strict=True)]
        )
        frames.append(
            pd.DataFrame({"year": year, "grade": grade, "gender": "female", "school": rng.integers(0, 40, grade.size), "y": y.astype(bool)})
        )
    data = pd.concat(frames, ignore_index=True)
    work = survey_indicators.answers_frame(
        data, np.ones(len(data), bool), data["y"].to_numpy(), pd.Series("all", index=data.index), "school", ("grade", "gender")
    )
    crude = survey_indicators.design_shares(work, 0.95).set_index("year")["value"]
    standardised = survey_indicators.standardised_shares(work, 2015, 0.95).set_index("year")["standardised_value"]
    by_hand_2017 = 100 * sum(m * within[g] for m, g in zip([0.22, 0.22, 0.22, 0.22, 0.12], within, strict=True))
    assert crude[2017] - crude[2015] > 2  # the mix alone moves the crude share
    assert standardised[2017] == pytest.approx(by_hand_2017, abs=0.01)
    assert standardised[2017] == pytest.approx(standardised[2015], abs=0.01)


def school_years(plan: dict[int, list[int]], seed: int) -> pd.DataFrame:
    """60 pupils per school and year; schools 0-7 have a share of 0.3, later ones 0.6."""
    rng = np.random.default_rng(seed)
    rows = [
        pd.DataFrame({"year": year, "school": s, "y": rng.random(60) < (0.3 if s < 8 else 0.6)}) for year, schools in plan.items() for s in schools
    ]
    data = pd.concat(rows, ignore_index=True)
    return survey_indicators.answers_frame(
        data, np.ones(len(data), bool), data["y"].to_numpy(), pd.Series("all", index=data.index), "school", ()
    ), data


def test_common_cluster_comparison_and_when_it_is_hidden():
    # 2015: schools 0-9; 2019: schools 0-7 and two new ones (10, 11)
    work, data = school_years({2015: list(range(10)), 2019: [*range(8), 10, 11]}, 6)
    out = survey_indicators.common_cluster_shares(work, 2015, 0.95, Rules()).set_index("year")
    common = data[data["school"] < 8]
    assert out.at[2019, "common_clusters"] == 8
    assert out.at[2019, "coverage"] == pytest.approx(8 / 10)
    assert out.at[2019, "common_value"] == pytest.approx(100 * common.loc[common.year == 2019, "y"].mean())
    assert out.at[2019, "common_baseline_value"] == pytest.approx(100 * common.loc[common.year == 2015, "y"].mean())
    # a single school left out: its own share could be worked out by differencing, so none is shown
    work, _ = school_years({2015: list(range(9)), 2019: [*range(8), 10]}, 7)
    hidden = survey_indicators.common_cluster_shares(work, 2015, 0.95, Rules()).set_index("year")
    assert hidden.at[2019, "coverage"] < 1 and np.isnan(hidden.at[2019, "common_value"])


def test_outcome_bounds_by_hand():
    low, high = stats.outcome_bounds([10, 0], [20, 0], [5, 0])
    assert (low[0], high[0]) == (10 / 25, 15 / 25)
    assert np.isnan(low[1]) and np.isnan(high[1])
    with pytest.raises(ValueError, match="successes <= known"):
        stats.outcome_bounds(5, 4, 0)


def test_pearson_dispersion_equals_statsmodels_poisson_glm():
    counts = np.array([611, 700, 590, 720, 640, 760])
    years = np.arange(2014, 2020)
    result = stats.pearson_dispersion(counts, years, 0.95, 4)
    glm = sm.GLM(counts, sm.add_constant(years - years.mean()), family=sm.families.Poisson()).fit()
    assert result.statistic == pytest.approx(glm.pearson_chi2, rel=1e-8)
    assert result.phi == pytest.approx(glm.pearson_chi2 / glm.df_resid)
    assert result.overdispersed and result.used == result.phi
    smooth = stats.pearson_dispersion([611, 628, 649, 674, 705], range(2015, 2020), 0.95, 4)
    assert not smooth.overdispersed and smooth.used == 1.0  # a dispersion below 1 never narrows an interval
    assert np.isnan(stats.pearson_dispersion([611, 628, 649], range(2015, 2018), 0.95, 4).phi)


def test_overdispersion_widens_the_count_interval_and_weakens_the_tests():
    low, high = stats.count_ci(705)
    wide = stats.scaled_count_ci(705, 4.0)
    assert wide == pytest.approx((705 - 2 * (705 - low), 705 + 2 * (high - 705)))
    assert stats.scaled_count_ci(705, 1.0) == pytest.approx((low, high))
    direction, p = stats.quasi_poisson_test(705, 611, 4.0)
    z = (705 - 611) / np.sqrt(4 * 611)
    assert direction == 1 and p == pytest.approx(2 * (1 - __import__("scipy").stats.norm.cdf(z)))
    plain = stats.count_trend_test([611, 628, 649, 674, 705], range(2015, 2020))
    scaled = stats.count_trend_test([611, 628, 649, 674, 705], range(2015, 2020), dispersion=4.0)
    assert scaled.statistic == pytest.approx(plain.statistic / 4)


def test_trend_rows_start_at_the_method_break_and_leave_out_failing_years(tmp_path):
    def break_follow_up_target(raw):
        raw["method_breaks"] = [{"year": 2017, "targets": ["behandling_stof_effekt"], "da": "Ny metode.", "en": "New method."}]

    strategy = load_strategy(write_strategy_variant(tmp_path, break_follow_up_target))
    target = strategy.target("behandling_stof_effekt")
    rows = pd.DataFrame(
        {
            "year": [2015, 2016, 2017, 2018, 2019],
            "denominator": [200, 210, 220, 230, 240],
            "value": [35.0, 36.0, 38.0, 40.0, 42.0],
            "unknown_share": [0.05, 0.05, 0.05, 0.40, 0.05],  # 2018 breaks max_unknown_share
            "contact_rate": np.nan,
        }
    )
    used, excluded, break_year = trend_rows(strategy, target, rows, 2019)
    assert used["year"].tolist() == [2017, 2019]
    assert excluded == [2018] and break_year == 2017
    used, _, break_year = trend_rows(strategy, target, rows, 2016)  # the break lies after the report year
    assert break_year is None and used["year"].tolist() == [2015, 2016, 2017, 2019]


def _two_years(rng, schools: int, pupils: int, sd: float, leave: int) -> pd.DataFrame:
    """Two years of the same schools (a lasting school effect), the last `leave` schools only in the first."""
    effect = rng.normal(0, sd, size=schools)
    frames = []
    for later, share in ((False, 0.40), (True, 0.43)):
        kept = np.arange(schools - (leave if later else 0))
        school = np.repeat(kept, pupils)
        logit = np.log(share / (1 - share)) + effect[school]
        y = (rng.random(school.size) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(pd.DataFrame({"school": school, "later": later, "y": y, "w": rng.uniform(0.5, 2.0, size=y.size)}))
    return pd.concat(frames, ignore_index=True)


def test_a_change_with_the_schools_paired_equals_statsmodels_and_beats_two_independent_years():
    """The paired change's variance is the cluster-robust variance of the year coefficient (WLS of the
    answer on a constant and the later year, clustered by school; statsmodels without its small-sample
    factor, times G/(G-1)); with schools whose level lasts it is smaller than the two years' added."""
    frame = _two_years(np.random.default_rng(7), 12, 180, 0.5, leave=2)
    sums = frame.assign(wy=frame["y"] * frame["w"]).groupby(["later", "school"]).agg(w=("w", "sum"), wy=("wy", "sum")).reset_index()
    change, variance, df = survey.paired_change_variance(sums["school"].to_numpy(), sums["later"].to_numpy(), sums["w"], sums["wy"])
    design = sm.add_constant(frame["later"].astype(float).to_numpy())
    fit = sm.WLS(frame["y"], design, weights=frame["w"]).fit(cov_type="cluster", cov_kwds={"groups": frame["school"], "use_correction": False})
    groups = frame["school"].nunique()
    assert change == pytest.approx(fit.params.iloc[1]) and df == groups - 1
    assert variance == pytest.approx(fit.cov_params().iloc[1, 1] * groups / (groups - 1), rel=1e-10)
    apart = sum(survey.design_based_share(part["y"], part["w"], part["school"])[1] for _, part in frame.groupby("later"))
    assert variance < 0.6 * apart  # the lasting school effect drops out of the change


def test_a_subgroup_inside_one_school_keeps_the_binomial_interval():
    """A group whose answers all come from one school: its linearised variance is 0 (its residuals sum
    to 0 within the school), so the effective n falls back to Kish's and the interval to Wilson's on
    the group's answers, never an interval of no width."""
    rng = np.random.default_rng(11)
    frame = clustered_answers(rng, 10, 60, 0.4, 0.3)
    group = np.where(frame["school"] == 3, "g", "rest")
    work = survey_indicators.answers_frame(
        frame.assign(year=2017), np.ones(len(frame), bool), frame["y"].astype(bool).to_numpy(), pd.Series(group), "school", ()
    )
    shares = survey_indicators.design_shares(work.assign(cluster=frame["school"].to_numpy()), 0.95).set_index("group")
    inside = shares.loc["g"]
    x, n = frame.loc[group == "g", "y"].sum(), (group == "g").sum()
    n_df = stats.degrees_of_freedom_n(n, 9)
    low, high = proportion_confint(x * n_df / n, n_df, method="wilson")
    assert inside["effective_n"] == n and inside["ci_high"] - inside["ci_low"] > 5
    assert (inside["ci_low"], inside["ci_high"]) == pytest.approx((100 * low, 100 * high))


def test_an_estimated_dispersion_is_read_on_its_degrees_of_freedom():
    """phi = 4 estimated from 5 years (3 degrees of freedom): the interval's halves grow by
    2 x t_3/z, the change test reads z on t_3, the trend's X²/phi on F(1, 3) (scipy)."""
    sp = __import__("scipy").stats
    low, high = stats.count_ci(705)
    factor = 2 * sp.t.ppf(0.975, 3) / sp.norm.ppf(0.975)
    assert stats.scaled_count_ci(705, 4.0, 0.95, 3) == pytest.approx((705 - factor * (705 - low), 705 + factor * (high - 705)))
    assert stats.scaled_count_ci(705, 1.0, 0.95, 3) == pytest.approx((low, high))  # Poisson: nothing estimated to read on t
    _, p = stats.quasi_poisson_test(705, 611, 4.0, 3)
    assert p == pytest.approx(2 * sp.t.sf((705 - 611) / np.sqrt(4 * 611), 3))
    scaled = stats.count_trend_test([611, 628, 649, 674, 705], range(2015, 2020), dispersion=4.0, dispersion_df=3)
    assert scaled.p_value == pytest.approx(sp.f.sf(scaled.statistic, 1, 3))


def _cell_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """Per school and year: Σw, Σwy, Σw², Σw²y."""
    frame = frame.assign(wy=frame["y"] * frame["w"], w2=frame["w"] ** 2, w2y=frame["y"] * frame["w"] ** 2)
    return frame.groupby(["year", "school"]).agg(w=("w", "sum"), wy=("wy", "sum"), w2=("w2", "sum"), w2y=("w2y", "sum")).reset_index()


def test_a_design_based_trend_equals_statsmodels_and_with_two_years_is_the_paired_change():
    """Five years of weighted answers at 14 schools of 40-400 pupils (schools that join and leave): the
    slope and its variance are statsmodels' WLS of the answer on the year, clustered by school across
    the years (without its small-sample factor, times G/(G-1)); the independent-answers variance is its
    HC0. With two years the slope times their distance is the paired change, and its variance the
    paired variance over the distance squared: the trend and the change test read one estimator."""
    rng = np.random.default_rng(11)
    sizes = np.array([40, 50, 60, 80, 100, 120, 150, 180, 220, 280, 340, 400, 90, 70])
    effect = rng.normal(0, 0.35, size=len(sizes))
    frames = []
    for i, year in enumerate(range(2015, 2020)):
        school = np.repeat(np.arange(len(sizes)), sizes)[: sizes.sum() - (70 if year < 2017 else 0)]
        logit = -0.4 + 0.05 * i + effect[school]
        y = (rng.random(school.size) < 1 / (1 + np.exp(-logit))).astype(float)
        frames.append(pd.DataFrame({"year": year, "school": school, "y": y, "w": rng.uniform(0.5, 2.0, school.size)}))
    frame = pd.concat(frames, ignore_index=True)
    sums = _cell_sums(frame)
    cells = (sums["school"].to_numpy(), sums["year"], sums["w"], sums["wy"], sums["w2"], sums["w2y"])
    slope, variance, independent, df = survey.linear_trend_variance(*cells)
    x = sm.add_constant(frame["year"].to_numpy(float))
    fit = sm.WLS(frame["y"], x, weights=frame["w"]).fit(cov_type="cluster", cov_kwds={"groups": frame["school"], "use_correction": False})
    g = frame["school"].nunique()
    assert slope == pytest.approx(fit.params.iloc[1]) and df == g - 1
    assert variance == pytest.approx(fit.cov_params().iloc[1, 1] * g / (g - 1), rel=1e-9)
    assert independent == pytest.approx(sm.WLS(frame["y"], x, weights=frame["w"]).fit(cov_type="HC0").cov_params().iloc[1, 1], rel=1e-9)
    two = sums[sums["year"].isin([2015, 2018])]
    slope2, variance2, _, _ = survey.linear_trend_variance(two["school"].to_numpy(), two["year"], two["w"], two["wy"], two["w2"], two["w2y"])
    change, paired, _ = survey.paired_change_variance(two["school"].to_numpy(), (two["year"] == 2018).to_numpy(), two["w"], two["wy"])
    assert slope2 * 3 == pytest.approx(change) and variance2 * 9 == pytest.approx(paired, rel=1e-9)
    with pytest.raises(ValueError, match="at least 2 years"):
        survey.linear_trend_variance([0, 1], [2015, 2015], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0], [0.0, 1.0])


def test_a_paired_change_is_never_surer_than_the_pupils_own_variation(tmp_path):
    """Four schools with exactly 40 % in 2015 and 45 % in 2017 each: the schools' residuals are 0, so
    the paired variance is 0 and any change would be 'certain' (p = 0). Each year's pupils are new,
    so the standard error never falls below the two years' binomial ones added:
    √(0.40·0.60/400 + 0.45·0.55/400), read on t with 3 degrees of freedom."""
    from rusmiddel_analysis.calc.assessment import assess
    from rusmiddel_analysis.calc.indicators import compute
    from rusmiddel_analysis.ingest.process import process

    from .conftest import canonical_frames, write_canonical
    from .test_indicators import TODAY, pupils

    strategy = load_strategy()
    frames = canonical_frames()
    school = [f"S{i % 4}" for i in range(400)]
    frames["ungeprofil_skole"] = pd.concat(
        [pupils(2015, 160, 240, 0).assign(school=school), pupils(2017, 180, 220, 0, start=1000).assign(school=school)], ignore_index=True
    )
    process(write_canonical(tmp_path / "raw", frames), tmp_path / "processed", strategy, today=TODAY)
    table = compute(strategy, tmp_path / "processed")
    r = table[(table.target_id == "skole_alkohol") & (table.year == 2017)].iloc[0]
    se = 100 * np.sqrt(0.40 * 0.60 / 400 + 0.45 * 0.55 / 400)
    assert (r.change, r.change_se, r.change_df) == (pytest.approx(5.0), pytest.approx(se), 3)
    a = assess(strategy, table, 2017).set_index("target_id").loc["skole_alkohol"]
    assert a["change_p_value"] == pytest.approx(2 * __import__("scipy").stats.t.sf(5.0 / se, 3))


def test_a_counts_year_without_schools_is_an_independent_sample_beside_a_clustered_year():
    """2015 and 2016 answered at 6 schools; 2017 a counts table without school (yes and no counted).
    Nothing pairs 2017 with the schools, so the change 2015-2017 adds the two years' own variances:
    2015's cluster-robust one (C/(C-1) Σ_c ((y_c - p n_c)/n)², never below p(1-p)/n) and 2017's
    binomial one with each answer its own cluster (p(1-p)/n · n/(n-1)), read on 2015's C - 1; the
    trend over the three years is Σ_t ((t - t̄) n_t / S)² v_t with each year's own variance."""
    rng = np.random.default_rng(3)
    schools = np.repeat(np.arange(6), [30, 50, 80, 120, 200, 260])
    effect = rng.normal(0, 0.5, 6)
    answers = [
        pd.DataFrame({"year": year, "school": schools.astype(str), "y": rng.random(schools.size) < 1 / (1 + np.exp(0.3 - effect[schools]))})
        for year in (2015, 2016)
    ]
    counted = pd.DataFrame({"year": [2017, 2017], "school": [None, None], "y": [True, False], "count": [430, 310]})
    frame = pd.concat([*answers, counted.drop(columns="count")], ignore_index=True)
    counts = np.r_[np.ones(2 * schools.size, dtype=int), counted["count"].to_numpy()]
    clustered = frame["year"] < 2017
    work = survey_indicators.answers_frame(
        frame, np.ones(len(frame), bool), frame["y"].to_numpy(), pd.Series("all", index=frame.index), "school", (), counts, clustered
    )

    def own(year):
        if year == 2017:
            n, p = 740, 430 / 740
            return p * (1 - p) / n * n / (n - 1), np.inf
        part = frame[frame["year"] == year]
        p, n = part["y"].mean(), len(part)
        by_school = part.groupby("school")["y"].agg(["sum", "size"])
        c = len(by_school)
        design = c / (c - 1) * (((by_school["sum"] - p * by_school["size"]) / n) ** 2).sum()
        return max(design, p * (1 - p) / n), c - 1

    changes = survey_indicators.baseline_changes(work, 2015).set_index("year")
    p15 = frame.loc[frame["year"] == 2015, "y"].mean()
    (v15, df15), (v17, _) = own(2015), own(2017)
    assert changes.at[2017, "change"] == pytest.approx(100 * (430 / 740 - p15))
    assert changes.at[2017, "change_se"] == pytest.approx(100 * np.sqrt(v15 + v17), rel=1e-12) and changes.at[2017, "change_df"] == df15 == 5
    # 2016 is clustered like 2015: paired, with the binomial floor
    assert changes.at[2016, "change_df"] == 5
    trend = survey_indicators.design_trends(work, {2017: [2015, 2016, 2017]}).set_index("year").loc[2017]
    n = np.array([schools.size, schools.size, 740])
    t = np.array([2015, 2016, 2017]) - (n * [2015, 2016, 2017]).sum() / n.sum()
    spread = (n * t**2).sum()
    by_hand = sum((ti * ni / spread) ** 2 * own(year)[0] for ti, ni, year in zip(t, n, (2015, 2016, 2017), strict=True))
    assert trend["trend_se"] == pytest.approx(100 * np.sqrt(by_hand), rel=1e-12) and trend["trend_df"] == 5
    assert trend["trend_years"] == "2015;2016;2017"
