"""Survey sources as counts: the same numbers from a provider's tables as from the pupils' own answers.

The demo's processed school and youth surveys are aggregated here, independently of the package,
to counts per school x grade x gender (x education type) and question/answer; the counts are
written as raw exports and run through the whole chain (process -> indicators -> assessment ->
report). Every number that the counts can give must equal the answers' to rounding; what they
cannot give (clusters, strata, one row per pupil) is said, with a code, never guessed.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from rusmiddel_analysis.calc import high_risk, survey_counts
from rusmiddel_analysis.calc.breakdowns import RESIDUAL, residual_groups
from rusmiddel_analysis.calc.disclosure import SHARE_DECIMALS, Rules
from rusmiddel_analysis.calc.results import compute_results
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest.draft import draft_mapping, draft_yaml
from rusmiddel_analysis.ingest.problems import DataValidationError
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.ingest.validation import validate

from .conftest import canonical_frames, write_canonical

SCHOOL, YOUTH = "ungeprofil_skole", "ungeprofil_ungdom"
QUESTIONS = {
    SCHOOL: ["alcohol_ever", "hash_ever", "other_drugs_ever", "parent_agreement", "smoking_ever"],
    YOUTH: ["alcohol_frequency", "hash_ever", "other_drugs_ever"],
}
BREAKDOWNS = {SCHOOL: ["school", "grade", "gender"], YOUTH: ["institution", "gender", "education_type"]}
# every column of the assessment that a counts table by cluster and strata must reproduce
ASSESSED = [
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "effective_n",
    "design_effect",
    "clusters",
    "standardised_value",
    "standardised_low",
    "standardised_high",
    "common_clusters",
    "coverage",
    "common_value",
    "common_low",
    "common_high",
    "common_baseline_value",
    "change_p_value",
    "change_p_adjusted",
    "trend_p_value",
    "progress_ratio",
    "projected_value",
    "status",
    "verdict_reason",
    "caveats",
    "trend",
    "vs_target",
]


def answer_text(series: pd.Series) -> pd.Series:
    """An answer column as the canonical words of a counts table ('' for no answer)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.map({True: "true", False: "false"}).astype(object).where(series.notna(), "")
    return series.astype(object).where(series.notna(), "").astype(str)


def to_counts(frame: pd.DataFrame, breakdowns: list[str], questions: list[str], extra: list[str] | None = None) -> pd.DataFrame:
    """The answers counted per year, breakdown cell, question and answer: a provider's table."""
    keys = ["year", *breakdowns, *(extra or [])]
    parts = []
    for question in questions:
        part = frame[keys].astype(object).assign(question=question, answer=answer_text(frame[question]).to_numpy())
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    counted = long.groupby([*keys, "question", "answer"], dropna=False, sort=True).size().reset_index(name="count")
    return counted.astype({k: object for k in keys})


def counts_raw(raw, processed, target, sources=(SCHOOL, YOUTH), breakdowns=None, years=None) -> None:
    """A raw folder like the demo's, with the surveys replaced by counts of their processed answers
    (only `years` as counts: the other years keep one row per pupil)."""
    shutil.copytree(raw, target)
    for name in sources:
        folder = target / name
        shutil.rmtree(folder)
        folder.mkdir()
        answers = pd.read_parquet(processed / f"{name}.parquet")
        chosen = answers if years is None else answers[answers["year"].isin(years)]
        by = BREAKDOWNS[name] if breakdowns is None else [b for b in breakdowns if b in answers.columns]
        to_counts(chosen, by, QUESTIONS[name]).to_csv(folder / "counts.csv", index=False)
        if years is not None:
            answers[~answers["year"].isin(years)].to_csv(folder / "answers.csv", index=False)


@pytest.fixture(scope="module")
def counts_dirs(demo_dirs, tmp_path_factory, strategy):
    """The demo with both surveys as counts per school x grade x gender (education type): (raw, processed)."""
    raw, processed = demo_dirs
    root = tmp_path_factory.mktemp("counts")
    counts_raw(raw, processed, root / "raw")
    process(root / "raw", root / "processed", strategy)
    return root / "raw", root / "processed"


@pytest.fixture(scope="module")
def both_results(demo_dirs, counts_dirs, strategy):
    return compute_results(strategy, demo_dirs[1]), compute_results(strategy, counts_dirs[1])


# a tail probability turns the statistic's last-digit rounding (sums in another order) into ~1e-8
P_VALUES = ("change_p_value", "change_p_adjusted", "trend_p_value")


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> None:
    """Numbers equal to 1e-9 (relative; p-values 1e-7), texts equal, missing where missing."""
    assert len(ours) == len(theirs)
    for column in columns:
        a, b = ours[column].reset_index(drop=True), theirs[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            rtol = 1e-7 if column in P_VALUES else 1e-9
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=rtol, atol=1e-12, equal_nan=True, err_msg=column)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), column


def test_counts_are_processed_with_their_layout(counts_dirs):
    import json

    _, processed = counts_dirs
    manifest = json.loads((processed / "manifest.json").read_text())
    school = manifest["sources"][SCHOOL]
    assert school["layout"] == {str(y): "counts" for y in range(2015, 2020)}
    assert school["rows"] == 0 and school["counts_rows"] == len(pd.read_parquet(processed / f"{SCHOOL}.counts.parquet"))
    assert not (processed / f"{SCHOOL}.parquet").exists()
    assert manifest["sources"][YOUTH]["layout"] == {"2015": "counts", "2017": "counts", "2019": "counts"}


@pytest.mark.slow
def test_counts_by_cluster_and_strata_give_the_answers_assessment(both_results, strategy):
    answers, counts = both_results
    for year in strategy.years:
        assert_same(answers.year_assessment(year), counts.year_assessment(year), ASSESSED)
    shares = [t.id for t in strategy.targets if t.indicator["type"] == "share"]
    pick = lambda table: table[table["target_id"].isin(shares)].reset_index(drop=True)
    numbers = ["numerator", "denominator", "value", "ci_low", "ci_high", "effective_n", "design_effect", "clusters", "no_answer", "suppressed"]
    assert_same(pick(answers.totals), pick(counts.totals), [*numbers, "standardised_value", "standardised_coverage", "coverage", "estimation_limits"])
    assert_same(pick(answers.subgroups), pick(counts.subgroups), ["by", "group", *numbers])
    assert (pick(counts.totals)["estimation_limits"] == "").all()
    # the design is really there: the school survey's intervals are wider than the binomial ones
    row = counts.year_assessment(2017).set_index("target_id").loc["skole_alkohol"]
    assert row["design_effect"] > 1.5 and row["clusters"] == 48


@pytest.mark.slow
def test_counts_give_early_debut_and_say_why_the_other_high_risk_tables_are_empty(both_results, demo_dirs, strategy):
    answers, counts = both_results
    block = strategy.settings.high_risk
    frame = pd.read_parquet(demo_dirs[1] / f"{SCHOOL}.parquet")
    exact = high_risk.early_debut(frame, block.behaviours, block.early_grades, Rules.from_settings(strategy.settings), SCHOOL)
    shown = counts.early_debut[~counts.early_debut["suppressed"]].merge(exact, on=["year", "behaviour"], suffixes=("", "_answers"))
    assert len(shown) >= 16
    for column in ("value", "ci_low", "ci_high", "effective_n"):
        np.testing.assert_allclose(shown[column], shown[f"{column}_answers"], rtol=1e-9)
    assert counts.early_debut["denominator"].dropna().mod(10).eq(0).all()  # sizes rounded as published
    for name in ("high_risk", "behaviour_counts", "multiple_behaviours", "debut_ages"):
        assert getattr(counts, name).empty and not getattr(answers, name).empty, name
    unavailable = counts.high_risk_unavailable
    assert set(zip(unavailable["year"], unavailable["table"], unavailable["reason"], strict=True)) == {
        (y, t, "counts") for y in range(2015, 2020) for t in high_risk.PER_PUPIL
    }
    assert answers.high_risk_unavailable.empty


def test_counts_years_of_the_high_risk_survey_are_protected_at_the_worst_case(counts_dirs, demo_dirs, strategy, monkeypatch):
    """A counts year cannot give the high-risk distribution, whose "other" row makes every demo year
    of the school survey protected by gender (docs/methodology.md, section 7). Its targets alone
    would protect fewer years; taken at the worst case (distribution.counted_years), every counts
    year with a residual group is protected, as the same pupils' answers are."""
    from rusmiddel_analysis.calc import distribution
    from rusmiddel_analysis.calc.indicators import ProcessedData, protected_years

    every = {(SCHOOL, y) for y in range(2015, 2020)}
    counts = ProcessedData(counts_dirs[1])
    assert distribution.counted_years(strategy, counts, "gender") == every
    assert protected_years(strategy, counts, "gender") == protected_years(strategy, ProcessedData(demo_dirs[1]), "gender") == every
    monkeypatch.setattr(distribution, "counted_years", lambda *args: set())
    assert protected_years(strategy, ProcessedData(counts_dirs[1]), "gender") < every


def _attack(cells: pd.DataFrame, equal: list, upper: list, index: int) -> float:
    """The largest count the published numbers allow cell `index`: max x_i, A_eq x = b, A_ub x <= c."""
    from scipy.optimize import linprog

    cost = np.zeros(len(cells))
    cost[index] = -1.0
    res = linprog(
        cost,
        A_eq=np.array([r for r, _ in equal]) if equal else None,
        b_eq=[v for _, v in equal] if equal else None,
        A_ub=np.array([r for r, _ in upper]) if upper else None,
        b_ub=[v for _, v in upper] if upper else None,
        bounds=(0, None),
        method="highs",
    )
    assert res.status in (0, 3), res.message
    return np.inf if res.status == 3 else -res.fun


@pytest.mark.slow  # builds its own scenario (an audit or a simulation): seconds, not milliseconds
def test_no_cell_of_a_counts_year_can_be_narrowed_by_what_is_published(both_results, demo_dirs, strategy):
    """An attacker written out here: the pupils by grade, gender and answer to one behaviour, against
    every target total and breakdown and every early-debut row the counts' results publish (sizes
    rounded to tens, shares to one decimal; a breakdown's group whose counts are withheld by its
    share alone, residual_groups); no cell of 1-4 pupils can be pinned under 5."""
    _, counts = both_results
    block = strategy.settings.high_risk
    pupils = pd.read_parquet(demo_dirs[1] / f"{SCHOOL}.parquet")
    targets = {t.indicator["column"]: t.id for t in strategy.targets if t.source == SCHOOL and t.indicator["column"] in block.behaviours}
    attacked = 0
    for (year, behaviour), early in counts.early_debut.groupby(["year", "behaviour"]):
        rows = pupils[pupils["year"] == year]
        answer = np.where(rows[behaviour].isna(), 2, rows[behaviour].fillna(False).astype(int))
        cells = (
            pd.DataFrame({"grade": rows["grade"].astype(str), "gender": rows["gender"].astype(str), "answer": answer}).value_counts().reset_index()
        )
        equal, upper = [], []
        answered, tried = (cells["answer"] != 2).to_numpy(float), (cells["answer"] == 1).to_numpy(float)
        if behaviour in targets:
            mine = lambda table, tid=targets[behaviour], year=year: table[
                (table["target_id"] == tid) & (table["year"] == year) & ~table["suppressed"]
            ]
            for row in mine(counts.totals).itertuples():
                equal += [(answered, row.denominator), (answered - tried, row.numerator), (1 - answered, row.no_answer)]
            for row in mine(counts.subgroups).itertuples():
                members = [g for g in residual_groups(row.by) if g != RESIDUAL] if row.group == RESIDUAL else [str(row.group)]
                group = cells[row.by].isin(members).to_numpy(float)
                if np.isnan(row.denominator):  # counts withheld (a large group of a protected year): its share to one decimal
                    share = round(row.value, SHARE_DECIMALS)
                    shown = answered * group
                    upper += [
                        ((answered - tried) * group - (share + 0.05) / 100 * shown, 0.0),
                        ((share - 0.05) / 100 * shown - (answered - tried) * group, 0.0),
                    ]
                else:
                    equal += [(answered * group, row.denominator), ((answered - tried) * group, row.numerator)]
        for row in early[~early["suppressed"]].itertuples():
            group = answered * cells["grade"].isin([str(g) for g in block.early_grades]).to_numpy(float)
            upper += [(group, row.denominator + 5), (-group, 5 - row.denominator)]
            upper += [(tried * group - (row.value + 0.05) / 100 * group, 0.0), ((row.value - 0.05) / 100 * group - tried * group, 0.0)]
        for i in np.flatnonzero((cells["count"] >= 1) & (cells["count"] < 5)):
            attacked += 1
            assert _attack(cells, equal, upper, i) >= 5 - 1e-6, (year, behaviour, cells.iloc[i].to_dict())
    assert attacked >= 10  # small cells there are, and none is exposed


@pytest.mark.slow
def test_a_report_over_counts_publishes_the_answers_numbers(counts_dirs, demo_report, demo_dirs, tmp_path, strategy):
    """`rusmiddel report --year 2017` over the counts: every page passes the privacy gate, and each
    target's page says what the answers' page says (the SPSS export's note on its own 'ved ikke'
    codes aside: counts have no such codes)."""
    import json

    from rusmiddel_analysis.present.formatting import number
    from rusmiddel_analysis.present.textcatalog import text
    from rusmiddel_analysis.publish.jobs import Settings, describe_failure
    from rusmiddel_analysis.publish.run import run

    raw, processed = counts_dirs
    outputs = tmp_path / "outputs"
    summary = run(strategy, Settings(processed_dir=processed, status_dir=raw / "status", outputs_dir=outputs), years=[2017])
    assert not summary.failures, [describe_failure(f) for f in summary.failures]
    declared = json.loads((demo_dirs[1] / "manifest.json").read_text())["sources"][YOUTH]["declared_missing"]
    words = lambda path: re.sub(r"\s+", " ", re.sub(r"<[^>]+>|data:[^\"']+", " ", path.read_text(encoding="utf-8")))
    for target in strategy.targets:
        ours, theirs = words(outputs / "2017" / f"{target.id}.html"), words(demo_report / "2017" / f"{target.id}.html")
        column = target.indicator.get("column")
        if target.source == YOUTH and declared.get(column):
            theirs = theirs.replace(text("report.quality_declared_missing", n=number(declared[column])), "")
        assert re.sub(r"\s+", " ", ours) == re.sub(r"\s+", " ", theirs), target.id
    read = lambda folder, name: pd.read_csv(folder / "2017" / name)
    pd.testing.assert_frame_equal(read(outputs, "assessment.csv"), read(demo_report, "assessment.csv"), rtol=1e-9)
    pd.testing.assert_frame_equal(read(outputs, "subgroups.csv"), read(demo_report, "subgroups.csv"), rtol=1e-9)


@pytest.mark.slow
def test_counts_without_school_give_the_plain_interval_and_say_so(demo_dirs, tmp_path, strategy):
    raw, processed = demo_dirs
    counts_raw(raw, processed, tmp_path / "raw", sources=(SCHOOL,), breakdowns=["grade", "gender"])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    results = compute_results(strategy, tmp_path / "processed")
    answers = pd.read_parquet(processed / f"{SCHOOL}.parquet")
    pupils = answers[answers["year"] == 2017]["alcohol_ever"].dropna()
    x, n = int((~pupils.astype(bool)).sum()), len(pupils)
    row = results.year_assessment(2017).set_index("target_id").loc["skole_alkohol"]
    low, high = proportion_confint(x, n, alpha=1 - strategy.settings.confidence, method="wilson")
    assert (row["numerator"], row["denominator"]) == (x, n)
    assert row["ci_low"] == pytest.approx(100 * low, rel=1e-9) and row["ci_high"] == pytest.approx(100 * high, rel=1e-9)
    assert row["design_effect"] == pytest.approx(1.0) and np.isnan(row["clusters"]) and np.isnan(row["coverage"])
    assert row["standardised_value"] == pytest.approx(results.year_assessment(2017).set_index("target_id").loc["skole_alkohol", "standardised_value"])
    assert survey_counts.limits_in(results.totals, "skole_alkohol", 2017) == ("no_cluster",)
    assert survey_counts.limits_in(results.totals, "ungdom_hash", 2017) == ()  # the youth survey kept its answers


@pytest.mark.slow
def test_counts_without_school_test_change_and_trend_as_independent_answers(demo_dirs, tmp_path, strategy):
    """A counts row of c answers without its school is c answers, not one cluster: the change since
    2015 and the trend are tested as the pupils' own answers with each its own cluster (ordinary
    least squares of the answer on the year, HC0 variance times N/(N - 1)), on the normal."""
    import statsmodels.api as sm
    from scipy import stats as sp_stats

    raw, processed = demo_dirs
    counts_raw(raw, processed, tmp_path / "raw", sources=(SCHOOL,), breakdowns=["grade", "gender"])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    results = compute_results(strategy, tmp_path / "processed")
    totals = results.totals
    row = totals[(totals["target_id"] == "skole_alkohol") & (totals["group"] == "all")].set_index("year").loc[2019]
    assessed = results.year_assessment(2019).set_index("target_id").loc["skole_alkohol"]
    answers = pd.read_parquet(processed / f"{SCHOOL}.parquet").dropna(subset=["alcohol_ever"])

    def robust(years):
        part = answers[answers["year"].isin(years)]
        never = (~part["alcohol_ever"].astype(bool)).astype(float).to_numpy()
        fit = sm.OLS(never, sm.add_constant(part["year"].astype(float).to_numpy())).fit(cov_type="HC0")
        return fit.params[1], np.sqrt(fit.cov_params()[1, 1] * len(part) / (len(part) - 1))

    change, se = robust([2015, 2019])
    assert 100 * 4 * change == pytest.approx(row["change"], rel=1e-9)
    assert row["change_se"] == pytest.approx(100 * 4 * se, rel=1e-9) and row["change_df"] == np.inf
    assert assessed["change_basis"] == "baseline_data"
    assert assessed["change_p_value"] == pytest.approx(2 * sp_stats.norm.sf(abs(change / se)), rel=1e-7)
    years = [int(y) for y in row["trend_years"].split(";")]
    slope, se = robust(years)
    assert len(years) >= 3 and row["trend_slope"] == pytest.approx(100 * slope, rel=1e-9)
    assert row["trend_se"] == pytest.approx(100 * se, rel=1e-9) and row["trend_df"] == np.inf


@pytest.mark.slow
def test_counts_by_gender_alone_are_not_standardised_and_early_debut_needs_the_grade(demo_dirs, tmp_path, strategy):
    raw, processed = demo_dirs
    counts_raw(raw, processed, tmp_path / "raw", sources=(SCHOOL,), breakdowns=["gender"])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    results = compute_results(strategy, tmp_path / "processed")
    totals = results.totals[results.totals["target_id"] == "skole_hash"]
    assert totals["standardised_value"].isna().all() and totals["value"].notna().all()
    assert set(totals["estimation_limits"]) == {"no_cluster;no_strata"}
    assert results.early_debut.empty
    assert set(results.high_risk_unavailable.query("table == 'early_debut'")["reason"]) == {"no_grade"}
    # the gender breakdown is published, the grade breakdown (which the counts lack) is not
    by = results.subgroups[results.subgroups["target_id"] == "skole_hash"]
    assert set(by["by"]) == {"gender"}
    # the pages say both limits for every year they hold for, and why early debut is missing
    from rusmiddel_analysis.present.high_risk_views import HighRiskReport
    from rusmiddel_analysis.present.target_report import TargetReport
    from rusmiddel_analysis.present.textcatalog import text

    folders = dict(processed_dir=tmp_path / "processed", status_dir=raw / "status")
    said = words(TargetReport("skole_hash", 2019, **folders).quality())
    years, strata = "2015, 2016, 2017, 2018 og 2019", f"{text('report.groups.grade').lower()} og {text('report.groups.gender').lower()}"
    assert text("estimation_limits.no_strata", year=years, strata=strata) in said
    assert text("estimation_limits.no_cluster", year=years, cluster_word=text("report.clusters.school"), cluster_one="skole") in said
    assert said.index("optællinger uden skoler") < said.index("ikke fordelt på både")  # in the order of the codes
    assert text("high_risk_unavailable.no_grade", year=2019) in words(HighRiskReport(2019, **folders).early_debut())


def words(fragment) -> str:
    """A fragment's text as a reader sees it (markup and embedded images gone, spaces plain)."""
    import html

    shown = re.sub(r"<[^>]+>", " ", re.sub(r"data:[^\"']+", " ", str(fragment)))
    return re.sub(r"\s+", " ", html.unescape(shown).replace("\u00a0", " "))


@pytest.mark.slow
def test_a_counts_year_says_on_every_page_what_the_counts_cannot_give(demo_dirs, tmp_path, strategy):
    """The school survey's 2017-2019 as counts by grade and gender (no school): the target page says
    the plain interval's sentence for the years it holds for and names the plain interval in 'Data og
    metode'; the high-risk page says in each section that needs one row per pupil why 2018 has none
    (never that there are no answers), and so does the status report's brief; all pass the gate."""
    from rusmiddel_analysis.present.high_risk_views import HighRiskReport
    from rusmiddel_analysis.present.status_report import StatusReport
    from rusmiddel_analysis.present.target_report import TargetReport
    from rusmiddel_analysis.present.textcatalog import text
    from rusmiddel_analysis.publish.privacy import Gate

    from .test_privacy import rendered

    raw, processed = demo_dirs
    counts_raw(raw, processed, tmp_path / "raw", sources=(SCHOOL,), breakdowns=["grade", "gender"], years=[2017, 2018, 2019])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    folders = dict(processed_dir=tmp_path / "processed", status_dir=raw / "status")
    target = TargetReport("skole_hash", 2018, **folders)
    quality, definition = target.quality(), target.definition()
    clusters = dict(cluster_word=text("report.clusters.school"), cluster_one=text("estimation_limits.cluster_one.school"))
    assert text("estimation_limits.no_cluster", year="2017 og 2018", **clusters) in words(quality)
    assert f"Interval {text('report.def_interval_share')} Test" in words(definition) and "klyngerobust" not in words(definition)
    high = HighRiskReport(2018, **folders)
    counted, nothing = text("high_risk_unavailable.counts", year=2018), text("high_risk.no_data", year=2018)
    sections = [high.header(), high.co_occurrence(), high.distribution(), high.multiple_over_time(), high.debut_ages()]
    for section in sections:
        assert counted in words(section) and nothing not in words(section), words(section)[:200]
    assert "I 6. og 7. klasse havde" in words(high.summary())  # early debut is counted by grade
    brief = StatusReport(2018, **folders).high_risk()
    assert counted in words(brief)
    gate = Gate.for_run(strategy, compute_results(strategy, tmp_path / "processed"), tmp_path / "processed", "da")
    assert gate.check(*rendered(quality, definition, target.trend(), *sections, high.summary(), high.early_debut())) == []


@pytest.mark.slow
def test_answers_some_years_and_counts_others_give_the_answers_numbers(demo_dirs, tmp_path, strategy):
    raw, processed = demo_dirs
    counts_raw(raw, processed, tmp_path / "raw", sources=(SCHOOL,), years=[2017, 2018, 2019])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    mixed, answers = compute_results(strategy, tmp_path / "processed"), compute_results(strategy, processed)
    for year in (2017, 2019):
        assert_same(mixed.year_assessment(year), answers.year_assessment(year), ASSESSED)
    assert set(mixed.high_risk_unavailable["year"]) == {2017, 2018, 2019}
    assert set(mixed.high_risk["year"]) <= {2015, 2016} and not mixed.high_risk.empty


def weighted_pupils() -> pd.DataFrame:
    """Pupils at 6 schools with a weight per pupil (three weights), 2015 and 2017."""
    rng = np.random.default_rng(27)
    n = 1800
    return pd.DataFrame(
        {
            "respondent_id": [f"W{i}" for i in range(n)],
            "year": np.repeat([2015, 2017], n // 2),
            "school": rng.choice(list("ABCDEF"), n),
            "grade": rng.integers(6, 11, n),
            "gender": rng.choice(["male", "female"], n),
            "alcohol_ever": np.where(rng.random(n) < 0.05, "", np.where(rng.random(n) < 0.55, "true", "false")),
            "hash_ever": np.where(rng.random(n) < 0.07, "true", "false"),
            "other_drugs_ever": "false",
            "parent_agreement": np.where(rng.random(n) < 0.6, "true", "false"),
            "smoking_ever": np.where(rng.random(n) < 0.2, "true", "false"),
            "weight": rng.choice([0.8, 1.0, 1.5], n),
        }
    )


@pytest.mark.slow
def test_counts_with_a_weight_per_row_give_the_weighted_answers_numbers(tmp_path, strategy):
    pupils = weighted_pupils()
    frames = canonical_frames() | {SCHOOL: pupils}
    write_canonical(tmp_path / "a", frames)
    process(tmp_path / "a", tmp_path / "pa", strategy)
    typed = pd.read_parquet(tmp_path / "pa" / f"{SCHOOL}.parquet")
    counted = to_counts(typed, BREAKDOWNS[SCHOOL], QUESTIONS[SCHOOL], extra=["weight"])
    write_canonical(tmp_path / "c", canonical_frames() | {SCHOOL: counted})
    process(tmp_path / "c", tmp_path / "pc", strategy)
    ours, theirs = compute_results(strategy, tmp_path / "pc"), compute_results(strategy, tmp_path / "pa")
    assert_same(ours.year_assessment(2017), theirs.year_assessment(2017), ASSESSED)
    row = ours.totals.set_index(["target_id", "year"]).loc[("skole_alkohol", 2017)]
    year = typed[(typed["year"] == 2017) & typed["alcohol_ever"].notna()]
    w = year["weight"].astype(float)
    assert row["value"] == pytest.approx(100 * w[~year["alcohol_ever"].astype(bool)].sum() / w.sum(), rel=1e-12)
    assert row["design_effect"] >= len(year) / (w.sum() ** 2 / (w**2).sum()) - 1e-9  # at least the weighting's


def test_weighted_counts_are_taken_as_that_many_answers_and_say_so(tmp_path, strategy):
    counted = pd.DataFrame(
        {
            "year": [2015, 2015, 2017, 2017],
            "grade": [8, 8, 8, 8],
            "gender": ["female"] * 4,
            "question": "alcohol_ever",
            "answer": ["false", "true", "false", "true"],
            "count": [40.5, 59.25, 44.0, 56.0],
        }
    )
    write_canonical(tmp_path / "raw", canonical_frames() | {SCHOOL: counted})
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    totals = compute_results(strategy, tmp_path / "processed").totals.set_index(["target_id", "year"])
    row = totals.loc[("skole_alkohol", 2015)]
    assert row["value"] == pytest.approx(100 * 40.5 / 99.75) and row["effective_n"] == pytest.approx(99.75)
    low, _ = proportion_confint(40.5, 99.75, method="wilson")
    assert row["ci_low"] == pytest.approx(100 * low, rel=1e-9)
    assert row["estimation_limits"] == "no_cluster;weighted_counts"
    assert totals.loc[("skole_alkohol", 2017), "estimation_limits"] == "no_cluster"


# --- the counts layout in validation, mapping and draft-mapping -----------------------------


def counts_table() -> pd.DataFrame:
    """A valid counts table: 2015, two schools, two grades, one question and its answers."""
    rows = []
    for school in ("A", "B"):
        for grade in (6, 9):
            for answer, count in (("true", 12), ("false", 30), ("", 2)):
                cell = {"year": 2015, "school": school, "grade": grade, "gender": "female"}
                rows.append(cell | {"question": "alcohol_ever", "answer": answer, "count": count})
    return pd.DataFrame(rows)


def problems_of(raw, strategy) -> list:
    with pytest.raises(DataValidationError) as caught:
        validate(raw, strategy)
    return caught.value.problems


def test_a_valid_counts_table_validates(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw", canonical_frames() | {SCHOOL: counts_table()})
    results = validate(raw, strategy)
    assert results[SCHOOL].frame is None and len(results[SCHOOL].counts) == 12
    assert main(["validate", "--raw", str(raw)]) == 0


@pytest.mark.parametrize(
    ("change", "column", "rule", "rows"),
    [
        (lambda t: t.assign(question=t["question"].where(t.index != 3, "alcohol")), "question", "one of alcohol_ever", (5,)),
        (lambda t: t.assign(answer=t["answer"].where(t.index != 1, "maybe")), "answer", "an answer to alcohol_ever: true or false", (3,)),
        (lambda t: t.assign(count=t["count"].where(t.index != 4, -1)), "count", "at least 0", (6,)),
        (lambda t: t.assign(count=t["count"].astype(object).where(t.index != 0, "many")), "count", "a number", (2,)),
        (lambda t: pd.concat([t, t.iloc[[2]]], ignore_index=True), None, "unique year + school + gender + grade + question + answer", (4, 14)),
        (lambda t: t.assign(age=15), "age", "known column", ()),
        (lambda t: t.assign(school=t["school"].where(t.index != 7, "")), "school", "not empty", (9,)),
        (lambda t: t.drop(columns="count"), "count", "required column present", ()),
    ],
    ids=[
        "unknown question",
        "answer not a code",
        "negative count",
        "non-numeric count",
        "duplicate",
        "breakdown not of the source",
        "empty school",
        "no count",
    ],
)
def test_every_counts_problem_names_file_column_rule_and_rows(tmp_path, strategy, change, column, rule, rows):
    raw = write_canonical(tmp_path / "raw", canonical_frames() | {SCHOOL: change(counts_table())})
    found = [p for p in problems_of(raw, strategy) if p.file.endswith(f"{SCHOOL}.csv")]
    assert [(p.column, p.rows) for p in found if p.rule.startswith(rule)] == [(column, rows)], [str(p) for p in found]


def test_a_year_held_as_answers_and_as_counts_is_refused(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    counts_table().to_csv(raw / SCHOOL / "counts.csv", index=False)  # the answers file also holds 2015
    found = problems_of(raw, strategy)
    assert [(p.file.endswith("counts.csv"), p.n_rows) for p in found if p.rule.startswith("answers or counts for a year")] == [(True, 12)]
    assert "2015" in next(p.rule for p in found if p.rule.startswith("answers or counts"))


def test_counts_files_of_a_year_must_break_down_alike(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw", canonical_frames() | {SCHOOL: counts_table()})
    by_gender = counts_table().groupby(["year", "gender", "question", "answer"], as_index=False)["count"].sum()
    by_gender.to_csv(raw / SCHOOL / "by_gender.csv", index=False)
    found = [p for p in problems_of(raw, strategy) if p.rule == "the same breakdown columns in every counts file of 2015"]
    assert sorted(p.file.rsplit("/", 1)[1] for p in found) == ["by_gender.csv", f"{SCHOOL}.csv"]


def danish_counts_export(path) -> pd.DataFrame:
    """The counts table as a provider exports it: Danish names, words and a decimal comma."""
    table = counts_table()
    export = pd.DataFrame(
        {
            "År": table["year"],
            "Skole": table["school"],
            "Klassetrin": table["grade"].map(lambda g: f"{g}. klasse"),
            "Køn": "Pige",
            "Spørgsmål": "Prøvet alkohol",
            "Svar": table["answer"].map({"true": "Ja", "false": "Nej", "": "Ved ikke"}),
            "Antal": table["count"].map(lambda c: f"{c},0"),
        }
    )
    export.to_csv(path, sep=";", index=False, encoding="cp1252")
    return export


def test_a_drafted_mapping_reads_a_danish_counts_export_as_the_canonical_table(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    for file in (raw / SCHOOL).iterdir():
        file.unlink()
    danish_counts_export(raw / SCHOOL / "ungeprofil.csv")
    draft = draft_mapping(SCHOOL, raw / SCHOOL / "ungeprofil.csv")
    names = {"År": "year", "Skole": "school", "Klassetrin": "grade", "Køn": "gender", "Spørgsmål": "question", "Svar": "answer", "Antal": "count"}
    assert draft.columns == names
    assert draft.values["question"] == {"Prøvet alkohol": "alcohol_ever"} and draft.values["answer"] == {"Ja": True, "Nej": False}
    assert draft.missing == ["Ved ikke"] and draft.read["decimal"] == ","
    (raw / SCHOOL / "mapping.yaml").write_text(draft_yaml(draft, SCHOOL, raw / SCHOOL / "ungeprofil.csv"), encoding="utf-8")
    counted = validate(raw, strategy)[SCHOOL].counts
    expected = counts_table()
    assert counted["answer"].fillna("").tolist() == expected["answer"].tolist()
    assert counted["count"].astype(float).tolist() == expected["count"].astype(float).tolist()
    assert counted["grade"].tolist() == expected["grade"].tolist() and set(counted["gender"]) == {"female"}


def test_per_question_values_recode_each_questions_answers(tmp_path, strategy):
    """One mapping serves both layouts: `values: {alcohol_ever: {Ja: true}}` recodes that question's
    answers in a counts table, as it recodes the column in one row per pupil."""
    table = counts_table().assign(answer=lambda t: t["answer"].map({"true": "Ja", "false": "Nej", "": ""}))
    raw = write_canonical(tmp_path / "raw", canonical_frames() | {SCHOOL: table})
    (raw / SCHOOL / "mapping.yaml").write_text("values:\n  alcohol_ever: {Ja: true, Nej: false}\n", encoding="utf-8")
    counted = validate(raw, strategy)[SCHOOL].counts
    assert counted["answer"].fillna("").tolist() == counts_table()["answer"].tolist()
