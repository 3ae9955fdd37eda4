"""Indicators and assessments on data whose answers are known by construction, and on the demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp_stats
from statsmodels.stats.proportion import proportion_confint

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.assessment import assess
from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.config.strategy import load_strategy
from rusmiddel_analysis.ingest.process import process

from .conftest import canonical_frames, target_entry, with_disclosure, write_canonical, write_strategy_variant

TODAY = dt.date(2020, 6, 1)


def pupils(year: int, not_tried: int, tried: int, no_answer: int, start: int = 0, weight=None) -> pd.DataFrame:
    """Pupils without a school (independent answers: the binomial interval); one school alone would
    leave no spread between schools to estimate a variance from."""
    n = not_tried + tried + no_answer
    frame = pd.DataFrame(
        {
            "respondent_id": [f"S{year}-{start + i}" for i in range(n)],
            "year": year,
            "grade": [6 + i % 5 for i in range(n)],
            "gender": ["male" if i % 2 else "female" for i in range(n)],
            "alcohol_ever": ["false"] * not_tried + ["true"] * tried + [""] * no_answer,
            "hash_ever": "false",
            "other_drugs_ever": "false",
            "parent_agreement": "true",
            "smoking_ever": "false",
        }
    )
    if weight is not None:
        frame["weight"] = weight
    return frame


def episodes_frame() -> pd.DataFrame:
    """Drug episodes ending in 2015: 7 successes, 13 failures, 2 unknown. Persons starting in 2015:
    p0..p21 (22 drug episodes) plus p0 again with an alcohol episode (counted once) -> 22 persons."""
    statuses = ["abstinent"] * 4 + ["reduced"] * 3 + ["unchanged"] * 10 + ["increased"] * 3 + ["unknown"] * 2
    rows = [
        {
            "person_id": f"p{i}",
            "episode_id": f"E{i}",
            "substance": "drugs",
            "start_date": "2015-01-10",
            "end_date": "2015-08-01",
            "end_status": s,
            "end_reason": "completed",
            "gender": "male",
            "birth_year": 1985,
            "psychiatric_disability": "false",
            "ethnic_minority": "false",
        }
        for i, s in enumerate(statuses)
    ]
    rows.append({**rows[0], "episode_id": "E-alc", "substance": "alcohol", "end_date": "", "end_status": "", "end_reason": ""})
    return pd.DataFrame(rows)


@pytest.fixture
def known_processed(tmp_path):
    frames = canonical_frames()
    frames["ungeprofil_skole"] = pd.concat([pupils(2015, 41, 59, 2), pupils(2017, 44, 56, 0, start=500)], ignore_index=True)
    frames["behandling_forloeb"] = episodes_frame()
    frames["behandling_opfoelgning"] = pd.DataFrame(
        {
            "episode_id": [f"E{i}" for i in range(22)],
            "months": 6,
            "contacted": ["true"] * 4 + ["false"] * 18,
            "contacted_by": "administrative",
            "status": ["abstinent"] * 3 + ["unchanged"] + [""] * 18,
        }
    )
    raw = write_canonical(tmp_path / "raw", frames)
    process(raw, tmp_path / "processed", load_strategy(), today=TODAY)
    return tmp_path / "processed"


def row(table, target_id, year, group="all"):
    hit = table[(table.target_id == target_id) & (table.year == year) & (table.group == group)]
    assert len(hit) == 1, (target_id, year, group)
    return hit.iloc[0]


def test_share_counts_only_answers_and_uses_wilson(known_processed, strategy):
    table = compute(strategy, known_processed)
    r = row(table, "skole_alkohol", 2015)
    assert (r.numerator, r.denominator, r.no_answer) == (41, 100, 2)
    low, high = proportion_confint(41, 100, method="wilson")
    assert (r.value, r.ci_low, r.ci_high) == pytest.approx((41.0, 100 * low, 100 * high))
    assert not r.suppressed
    assert list(table.columns[:9]) == ["target_id", "year", "group", "numerator", "denominator", "value", "ci_low", "ci_high", "suppressed"]


def test_weighted_share_uses_kish_effective_size(tmp_path, strategy):
    frames = canonical_frames()
    weights = [2.0] * 41 + [1.0] * 59
    frames["ungeprofil_skole"] = pupils(2015, 41, 59, 0, weight=weights)
    raw = write_canonical(tmp_path / "raw", frames)
    process(raw, tmp_path / "processed", strategy, today=TODAY)
    r = row(compute(strategy, tmp_path / "processed"), "skole_alkohol", 2015)
    share = 82 / 141
    n_eff = 141**2 / (41 * 4 + 59)
    low, high = proportion_confint(share * n_eff, n_eff, method="wilson")
    assert r.value == pytest.approx(100 * share)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high))
    assert (r.numerator, r.denominator) == (41, 100)  # unweighted counts, for disclosure control


def test_treatment_outcome_excludes_unknown_and_reports_its_share(known_processed, tmp_path):
    # the minimum denominator is a data-quality rule for the assessment, not for the indicator
    strategy = load_strategy()
    r = row(compute(strategy, known_processed), "behandling_stof_effekt", 2015)
    assert (r.numerator, r.denominator) == (7, 20)
    assert r.value == pytest.approx(35.0) and r.unknown_share == pytest.approx(2 / 22)


def test_persons_starting_counts_a_person_with_two_episodes_once(known_processed, strategy):
    r = row(compute(strategy, known_processed), "behandling_antal", 2015)
    assert r.numerator == 22 and r.value == 22
    assert (r.ci_low, r.ci_high) == pytest.approx(stats.count_ci(22))
    assert np.isnan(r.denominator)


def test_follow_up_definition_and_contact_rate(known_processed, tmp_path):
    def use_follow_up(raw):
        target_entry(raw, "behandling_stof_effekt")["indicator"].update(basis="follow_up", follow_up_months=6)

    strategy = load_strategy(write_strategy_variant(tmp_path, use_follow_up))
    r = row(compute(strategy, known_processed), "behandling_stof_effekt", 2015)
    # 3 of the 4 reached are a success: a group under 20 with a rest of 1 person, so the cell is hidden,
    # and with it the contact rate, which would give the 4 reached away
    assert r.suppressed and r.suppression == "small_group" and np.isnan(r.numerator) and np.isnan(r.value)
    assert np.isnan(r.contact_rate)

    open_data = with_disclosure(strategy, min_group_size=0, min_cell=0)  # in memory: what the rules hide
    unpublished = row(compute(open_data, known_processed), "behandling_stof_effekt", 2015)
    assert (unpublished.numerator, unpublished.denominator) == (3, 4)
    assert unpublished.contact_rate == pytest.approx(4 / 22)


def test_follow_up_definition_counts_the_status_among_those_reached(tmp_path):
    frames = canonical_frames()
    episodes = pd.concat([episodes_frame()] * 3, ignore_index=True)
    episodes["episode_id"] = [f"E{i}" for i in range(len(episodes))]
    episodes["person_id"] = [f"p{i}" for i in range(len(episodes))]
    frames["behandling_forloeb"] = episodes
    ended = [e for e, s in zip(episodes.episode_id, episodes.end_status, strict=True) if s]
    contacted = ["true"] * 40 + ["false"] * (len(ended) - 40)
    status = ["abstinent"] * 25 + ["unchanged"] * 15 + [""] * (len(ended) - 40)
    frames["behandling_opfoelgning"] = pd.DataFrame(
        {"episode_id": ended, "months": 6, "contacted": contacted, "contacted_by": "therapist", "status": status}
    )
    raw = write_canonical(tmp_path / "raw", frames)
    process(raw, tmp_path / "processed", load_strategy(), today=TODAY)

    def use_follow_up(raw):
        target_entry(raw, "behandling_stof_effekt")["indicator"].update(basis="follow_up", follow_up_months=6)

    strategy = load_strategy(write_strategy_variant(tmp_path, use_follow_up))
    r = row(compute(strategy, tmp_path / "processed"), "behandling_stof_effekt", 2015)
    drug_ended = [e for e, s, sub in zip(episodes.episode_id, episodes.end_status, episodes.substance, strict=True) if s and sub == "drugs"]
    assert len(drug_ended) == 66
    assert (r.numerator, r.denominator) == (25, 40) and r.value == pytest.approx(62.5)
    assert r.contact_rate == pytest.approx(40 / 66)


def test_subgroups_apply_disclosure_control(known_processed, strategy):
    by_gender = compute(strategy, known_processed, by="gender")
    r = row(by_gender, "skole_alkohol", 2015, "female")
    assert r.by == "gender" and r.denominator + row(by_gender, "skole_alkohol", 2015, "male").denominator == 100
    with pytest.raises(ValueError, match="unknown subgroup 'shoe_size'"):
        compute(strategy, known_processed, by="shoe_size")


def test_only_the_strategys_years_are_kept(demo_dirs, strategy, demo_indicators):
    _, processed = demo_dirs
    table = demo_indicators
    assert table.year.min() == 2015 and table.year.max() == 2019


# --- demo data -----------------------------------------------------------------------------------


def test_demo_2015_indicators_match_the_baselines(demo_dirs, strategy, demo_indicators):
    """The demo's 2015: the register's count and shares are the baselines (to a rounding of one point);
    a survey's share is a draw around the baseline, within its own interval's width of it."""
    _, processed = demo_dirs
    table = demo_indicators
    for target in strategy.targets:
        r = row(table, target.id, 2015)
        survey = target.indicator["type"] == "share"
        tolerance = 0 if target.unit == "persons" else r.ci_high - r.ci_low if survey else 1
        assert abs(r.value - target.baseline_value) <= tolerance, (target.id, r.value)


@pytest.mark.parametrize(
    "by", ["gender", "grade", "school", "education_type", "institution", "substance", "age_group", "psychiatric_disability", "ethnic_minority"]
)
def test_no_breakdown_of_demo_data_leaves_a_recoverable_cell(demo_dirs, strategy, by):
    _, processed = demo_dirs
    table = compute(strategy, processed, by=by)
    assert len(table) > 0
    for _, cells in table.groupby(["target_id", "year"]):
        # one unpublished cell would be the total minus the rest, unless the rest's counts are withheld
        # (a residual group left out beside large groups: docs/methodology.md, section 7)
        assert cells["suppressed"].sum() != 1 or (cells["suppression"] == "withheld").any()
    hidden = table[table.suppressed]
    assert hidden[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
    withheld = table[table.suppression == "withheld"]
    assert withheld[["numerator", "denominator"]].isna().all().all() and withheld[["value", "ci_low", "ci_high"]].notna().all().all()
    assert (withheld.unit == "percent").all() and not withheld.suppressed.any()
    rules = strategy.settings.disclosure
    shown_shares = table[(table.unit == "percent") & ~table.suppressed & (table.suppression != "withheld")]
    assert (shown_shares.denominator >= rules.min_group_size).all()
    rest = shown_shares.denominator - shown_shares.numerator
    small = lambda values: values.between(1, rules.min_cell - 1)
    assert not (small(shown_shares.numerator) | small(rest)).any()


def _by_hand(t, a, settings):
    """The decision table of docs/methodology.md, section 3, written out once more for one row:
    (status, the reference that decides it) on an oriented scale (higher is better)."""
    sign = 1 if t.higher_is_better else -1
    v, b, goal = sign * a.value, sign * t.baseline_value, sign * t.target_value
    if t.kind == "maintain":
        limit = goal - settings.maintain_margin_points
        return ("maintained" if v >= limit else "worsened"), sign * limit
    if t.target_value == 100:  # the prevalence scale: 100 - value, lower is better, goal = the tolerance
        v, b, goal = -(100 - a.value), -(100 - t.baseline_value), -settings.extreme_goal_tolerance
    if a.measured_year >= t.target_year:
        return ("achieved" if v >= goal else "not_achieved"), goal
    elapsed = (a.measured_year - t.baseline_year) / (t.target_year - t.baseline_year)
    if t.is_share:  # linear: the same for either wording
        r = (v - b) / ((goal - b) * elapsed)
        level = b + 0.95 * (goal - b) * elapsed
    else:  # compound growth of a count
        growth = (goal / b) ** (1 / (t.target_year - t.baseline_year)) - 1
        r = ((v / b) ** (1 / (a.measured_year - t.baseline_year)) - 1) / growth
        level = b * (1 + 0.95 * growth) ** (a.measured_year - t.baseline_year)
    assert a.progress_ratio == pytest.approx(r)
    status = "on_track" if r >= 0.95 else "needs_acceleration" if r >= 0.6 else "limited_progress" if r >= 0 else "deterioration"
    return status, level  # every pace status's certainty is about the on-track level


def _paired_change_p(processed, t, year) -> float:
    """The change since the baseline year in the survey's own data: WLS of the answer on a constant
    and the later year, clustered by school (statsmodels, without its small-sample factor, times
    G/(G-1)), never below the independent answers' (HC0) variance, read on t with G - 1 degrees of freedom."""
    import statsmodels.api as sm

    source = "ungeprofil_skole" if t.source == "ungeprofil_skole" else "ungeprofil_ungdom"
    cluster = "school" if source == "ungeprofil_skole" else "institution"
    frame = pd.read_parquet(processed / f"{source}.parquet")
    column, rule = t.indicator["column"], t.indicator["success"]
    frame = frame[frame["year"].isin([t.baseline_year, year]) & frame[column].notna()]
    if "equals" in rule:
        y = (frame[column].astype(bool) == rule["equals"]).astype(float)
    else:
        y = (~frame[column].astype(str).isin(["weekly", "several_times_weekly", "daily"])).astype(float)
    later = (frame["year"] == year).astype(float).to_numpy()
    groups_of = {"groups": pd.factorize(frame[cluster])[0], "use_correction": False}
    fit = sm.OLS(y.to_numpy(), sm.add_constant(later)).fit(cov_type="cluster", cov_kwds=groups_of)
    groups = frame[cluster].nunique()
    independent = sm.OLS(y.to_numpy(), sm.add_constant(later)).fit(cov_type="HC0").cov_params()[1, 1]  # the binomial floor
    se = np.sqrt(max(fit.cov_params()[1, 1] * groups / (groups - 1), independent))
    return 2 * sp_stats.t.sf(abs(fit.params[1] / se), groups - 1)


def test_assess_2017_statuses_reproduce_by_hand(demo_dirs, strategy, demo_indicators):
    """Each 2017 status and certainty recomputed from the formulas: the change test (the survey's two
    years with the schools paired, statsmodels; the register's two years, the two-sample z and the
    exact conditional test), Holm's correction (statsmodels), the ratio and the decision table."""
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportions_ztest

    _, processed = demo_dirs
    indicators = demo_indicators
    result = assess(strategy, indicators, 2017)
    assert result.target_id.tolist() == strategy.target_ids
    p_values = []
    for _, a in result.iterrows():
        t = strategy.target(a.target_id)
        if a.source_kind == "survey":
            assert a.change_basis == "baseline_data"
            p = _paired_change_p(processed, t, 2017)
        else:  # a register against its own 2015: both years vary (statsmodels' two-sample z; scipy's exact binomial test)
            base = row(indicators, t.id, 2015)
            assert a.change_basis == "baseline_data" and a.baseline_measured == base.value
            if t.is_share:
                p = proportions_ztest([a.numerator, base.numerator], [a.denominator, base.denominator])[1]
            else:
                p = sp_stats.binomtest(int(a.numerator), int(a.numerator + base.numerator), 0.5).pvalue
        assert a.change_p_value == pytest.approx(p, rel=1e-6), a.target_id
        p_values.append(p)
    adjusted = multipletests(p_values, method="holm")[1]
    assert result.change_p_adjusted.to_numpy() == pytest.approx(adjusted, rel=1e-6)
    for _, a in result.iterrows():
        t = strategy.target(a.target_id)
        status, reference = _by_hand(t, a, strategy.settings)
        assert a.status == status, a.target_id
        sign = 1 if t.higher_is_better else -1
        # a survey by its interval; a register by the worst-case bounds of its unknown outcomes (a count has none)
        low, high = (a.ci_low, a.ci_high) if a.source_kind == "survey" else (a.bound_low, a.bound_high) if t.is_share else (a.value, a.value)
        worst, best = sorted((sign * low, sign * high)) if t.target_value != 100 else sorted((low - 100, high - 100))
        past = status in ("achieved", "on_track", "maintained")
        certain = worst >= reference if past else best < reference
        expected = ("exact" if certain else "uncertain") if a.source_kind == "register" else "certain" if certain else "uncertain"
        assert a.certainty == expected, a.target_id
    # the demo shows a mix, and an uncertain status where the (cluster-robust) interval reaches across its line
    assert set(result.status) >= {"maintained", "needs_acceleration", "limited_progress"}
    assert set(result.certainty) >= {"exact", "certain", "uncertain"}


def test_effective_n_of_a_school_share_is_the_cluster_robust_one(demo_dirs, strategy, demo_indicators):
    """skole_alkohol 2017: n_eff = p(1-p)/v with v statsmodels' cluster-robust variance by school."""
    import statsmodels.api as sm

    _, processed = demo_dirs
    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    answered = pupils[(pupils["year"] == 2017) & pupils["alcohol_ever"].notna()]
    y = (~answered["alcohol_ever"].astype(bool)).astype(float).to_numpy()
    fit = sm.OLS(y, np.ones(len(y))).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(answered["school"])[0]})
    p = y.mean()
    n_eff = min(len(y), p * (1 - p) / fit.cov_params()[0, 0])
    r = row(demo_indicators, "skole_alkohol", 2017)
    assert r.effective_n == pytest.approx(n_eff, rel=1e-9)
    assert r.design_effect == pytest.approx(len(y) / n_eff, rel=1e-9) and r.design_effect > 2
    assert r.clusters == answered["school"].nunique()
    # Korn & Graubard: the Wilson interval on t with G - 1 degrees of freedom, i.e. on n_eff (z/t)^2
    schools = pupils.loc[pupils["year"] == 2017, "school"].nunique()
    n_df = n_eff * (sp_stats.norm.ppf(0.975) / sp_stats.t.ppf(0.975, schools - 1)) ** 2
    low, high = proportion_confint(p * n_df, n_df, method="wilson")
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high)) and r.design_df == schools - 1


def test_assess_uses_latest_measurement_and_flags_missing_ones(demo_dirs, strategy, demo_indicators):
    _, processed = demo_dirs
    indicators = demo_indicators
    y2016 = assess(strategy, indicators, 2016).set_index("target_id")
    assert y2016.loc["ungdom_hash", "status"] == "insufficient_data"  # the youth survey ran in 2015 and 2017
    assert y2016.loc["ungdom_hash", "data_quality"] == "no_measurement_since:2015"
    y2018 = assess(strategy, indicators, 2018).set_index("target_id")
    assert y2018.loc["ungdom_hash", "measured_year"] == 2017
    y2019 = assess(strategy, indicators, 2019).set_index("target_id")
    assert y2019.loc["skole_foraeldreaftale", "status"] == "not_achieved"
    assert y2019.loc["ungdom_hash", "status"] == "worsened"
    # 68 -> 66.5 -> 64 % with the institutions kept together across the years: the design-based trend
    # sees the fall the paired change test sees (Cochran-Armitage on effective counts did not, p = 0.06)
    assert y2019.loc["ungdom_hash", "trend"] == "decreasing" and y2019.loc["ungdom_hash", "change_significant"]


def test_data_quality_rules_make_a_year_insufficient(demo_dirs, tmp_path):
    _, processed = demo_dirs

    def strict(raw):
        raw["settings"]["data_quality"]["min_denominator"] = 300
        target_entry(raw, "behandling_alkohol_effekt")["indicator"].update(basis="follow_up", follow_up_months=6)

    strategy = load_strategy(write_strategy_variant(tmp_path, strict))
    result = assess(strategy, compute(strategy, processed), 2017).set_index("target_id")
    assert result.loc["behandling_stof_effekt", "status"] == "insufficient_data"
    assert result.loc["behandling_stof_effekt", "data_quality"].startswith("min_denominator:")
    # 2017: follow-up calls by administrative staff reached very few ("Tallene for 2017 kan ikke anvendes")
    assert "min_contact_rate:" in result.loc["behandling_alkohol_effekt", "data_quality"]
    assert result.loc["skole_alkohol", "data_quality"] == ""  # large groups unaffected


def test_vs_target_and_trend_columns(demo_dirs, strategy, demo_indicators):
    _, processed = demo_dirs
    result = assess(strategy, demo_indicators, 2017).set_index("target_id")
    a = result.loc["skole_alkohol"]
    assert a.vs_target == stats.compare_with_target(a.ci_low, a.ci_high, 50)
    # the trend: the answer regressed on the year, 2015-2017, the schools as clusters across the years
    # (statsmodels without its small-sample factor, times G/(G - 1)), read on t with G - 1
    import statsmodels.api as sm

    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    answered = pupils[(pupils["year"] <= 2017) & pupils["alcohol_ever"].notna()]
    y = (~answered["alcohol_ever"].astype(bool)).astype(float).to_numpy()
    x = sm.add_constant(answered["year"].to_numpy(float))
    groups = pd.factorize(answered["school"])[0]
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    g = groups.max() + 1
    independent = sm.OLS(y, x).fit(cov_type="HC0").cov_params()[1, 1]  # the binomial floor
    se = np.sqrt(max(fit.cov_params()[1, 1] * g / (g - 1), independent))
    p = 2 * sp_stats.t.sf(abs(fit.params[1]) / se, g - 1)
    assert (a.trend, a.trend_points, a.trend_p_value) == ("increasing" if p < 0.05 else "no_significant_change", 3, pytest.approx(p))
    assert result.loc["ungdom_alkohol", "trend"] == "cannot_calculate"
    assert result.loc["ungdom_alkohol", "trend_reason"] == "needs at least 3 measured years; has 2"


def grade_mix_pupils(year: int, counts: dict[int, int], start: int) -> pd.DataFrame:
    """Pupils of grades 6 and 10 at four schools; 80 % of 6th-graders and 20 % of 10th-graders have
    not tried alcohol, whatever the year: only the mix of grades changes."""
    frames = []
    for grade, n in counts.items():
        not_tried = int(n * (0.8 if grade == 6 else 0.2))
        frame = pupils(year, not_tried, n - not_tried, 0, start=start + 1000 * grade)
        frames.append(frame.assign(grade=grade, school=[f"S{i % 4}" for i in range(n)]))
    return pd.concat(frames, ignore_index=True)


def test_standardised_share_rate_and_bounds_through_compute(tmp_path, strategy):
    frames = canonical_frames()
    skole = pd.concat([grade_mix_pupils(2015, {6: 100, 10: 100}, 0), grade_mix_pupils(2017, {6: 150, 10: 50}, 50000)], ignore_index=True)
    frames["ungeprofil_skole"] = skole
    frames["behandling_forloeb"] = episodes_frame()
    frames["befolkning"] = pd.DataFrame({"year": [2015, 2016], "residents": [170000, 171000]})
    raw = write_canonical(tmp_path / "raw", frames)
    process(raw, tmp_path / "processed", strategy, today=TODAY)
    table = compute(strategy, tmp_path / "processed")
    # by hand: the 2015 mix of grade x gender, the 2017 share within each, summed
    y = skole["alcohol_ever"] == "false"
    cells = skole.assign(y=y).groupby(["year", "grade", "gender"])["y"].agg(["mean", "size"])
    standard = cells.loc[2015, "size"] / cells.loc[2015, "size"].sum()
    by_hand = (standard * cells.loc[2017, "mean"]).sum()
    r = row(table, "skole_alkohol", 2017)
    assert r.value == pytest.approx(100 * y[skole.year == 2017].mean())  # 65 %: the mix moved it
    assert r.standardised_value == pytest.approx(100 * by_hand) and by_hand == pytest.approx(0.5)
    assert r.standardised_low < r.standardised_value < r.standardised_high
    assert (r.clusters, r.coverage, r.common_clusters) == (4, 1.0, 4)
    # 7 successes, 13 failures and 2 unknown outcomes: 7/22 if both failed, 9/22 if both succeeded
    t = row(table, "behandling_stof_effekt", 2015)
    assert (t.bound_low, t.bound_high) == pytest.approx((100 * 7 / 22, 100 * 9 / 22))
    c = row(table, "behandling_antal", 2015)
    assert (c.population, c.rate) == (170000, pytest.approx(22 / 170000 * 10000))
    assert (c.rate_low, c.rate_high) == pytest.approx((c.ci_low / 17, c.ci_high / 17))


def test_a_count_of_0_keeps_its_rate_interval_under_overdispersion(strategy):
    """A count of 0 with the dispersion widened (phi = 2 on 3 degrees of freedom): the rate's interval
    is the widened count interval per 10,000 residents, 0 to sqrt(2) t_3/z x the exact Poisson upper
    limit chi2(0.975; 2)/2, never lost to 0/0 (the rate per count was read as rate / value)."""
    from rusmiddel_analysis.calc.assessment import _with_dispersion

    out = dict(numerator=0.0, value=0.0, rate=0.0, population=50000.0, ci_low=0.0, ci_high=3.69)
    dispersion = stats.Dispersion(phi=2.0, statistic=6.0, df=3, p_value=0.11, overdispersed=False, used=2.0, n_points=5)
    _with_dispersion(out, dispersion, strategy.settings)
    high = np.sqrt(2.0) * sp_stats.t.ppf(0.975, 3) / sp_stats.norm.ppf(0.975) * sp_stats.chi2.ppf(0.975, 2) / 2
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((0.0, high))
    assert (out["rate_low"], out["rate_high"]) == pytest.approx((0.0, high * 10000 / 50000))
