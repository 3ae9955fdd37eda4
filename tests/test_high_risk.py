"""High-risk groups: co-occurring risk behaviours against statsmodels, disclosure on the new
table, the demo's realistic co-occurrence, and high_risk.csv in every year's outputs.

Where the expected numbers come from: the pupils (processed data, counted with pandas) and the
strategy file's `settings.high_risk` and disclosure rules; statsmodels for the 2x2 measures. A page's
number is also checked against high_risk.csv / high_risk_groups.csv (the two outputs agree), never
only against them.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table2x2

from rusmiddel_analysis.calc.disclosure import Rules
from rusmiddel_analysis.calc.high_risk import (
    behaviour_counts,
    co_occurrence,
    early_debut,
    multiple_behaviours,
    multiple_trend,
)

from .test_stats import mover_wilson

BEHAVIOURS = ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"]
SOURCE = "ungeprofil_skole"


def test_a_pair_where_everyone_has_the_outcome_in_a_small_group_is_hidden():
    """22 of 22 smokers who tried alcohol is 100 % of a group under 50: hidden, as a target's breakdown hides it."""
    frame = pd.DataFrame(
        {
            "year": 2017,
            "smoking_ever": pd.array([True] * 22 + [False] * 400, dtype="boolean"),
            "alcohol_ever": pd.array([True] * 22 + [True] * 150 + [False] * 250, dtype="boolean"),
        }
    )
    table = co_occurrence(frame, ["smoking_ever", "alcohol_ever"], Rules()).set_index(["exposure", "outcome"])
    assert table.loc[("smoking_ever", "alcohol_ever"), "suppressed"] and table["suppressed"].all()


def pupils(seed: int, n: int = 3000) -> pd.DataFrame:
    """Pupils whose behaviours share a propensity: smokers try hash several times as often."""
    rng = np.random.default_rng(seed)
    grade = rng.integers(6, 11, n)
    propensity = rng.normal(0, 1, n) + 0.6 * (grade - 8)
    frame = pd.DataFrame({"year": 2017, "grade": grade, "gender": rng.choice(["male", "female"], n)})
    for name, (shift, slope) in {
        "smoking_ever": (-1.5, 1.2),
        "alcohol_ever": (0.0, 1.0),
        "hash_ever": (-2.5, 1.4),
        "other_drugs_ever": (-4.0, 1.2),
    }.items():
        frame[name] = pd.array(rng.random(n) < 1 / (1 + np.exp(-(shift + slope * propensity))), dtype="boolean")
    frame.loc[rng.random(n) < 0.02, "hash_ever"] = pd.NA  # some did not answer
    return frame


def table_of(row) -> Table2x2:
    """statsmodels' 2x2 table of a published pair: exposed and unexposed, cases and non-cases."""
    cases = [[row.exposed_cases, row.exposed_n - row.exposed_cases], [row.unexposed_cases, row.unexposed_n - row.unexposed_cases]]
    return Table2x2(np.array(cases, dtype=float))


def test_co_occurrence_counts_and_measures_by_hand():
    frame = pupils(1)
    table = co_occurrence(frame, BEHAVIOURS, Rules()).set_index(["exposure", "outcome"])
    answered = frame[BEHAVIOURS].notna().all(axis=1)
    smokers = frame[answered & frame["smoking_ever"].astype(bool)]
    others = frame[answered & ~frame["smoking_ever"].astype(bool)]
    row = table.loc[("smoking_ever", "hash_ever")]
    assert (row.exposed_n, row.exposed_cases) == (len(smokers), smokers["hash_ever"].sum())
    assert (row.unexposed_n, row.unexposed_cases) == (len(others), others["hash_ever"].sum())
    expected = Table2x2(
        np.array([[row.exposed_cases, row.exposed_n - row.exposed_cases], [row.unexposed_cases, row.unexposed_n - row.unexposed_cases]])
    )
    assert row.relative_risk == pytest.approx(expected.riskratio) and row.relative_risk > 2
    assert row.risk_difference == pytest.approx(100 * (smokers["hash_ever"].mean() - others["hash_ever"].mean()))
    assert len(table) == 4 * 3 and not table["suppressed"].any()


def test_a_pair_with_a_small_cell_is_hidden_whole():
    frame = pupils(2, n=400)
    frame["other_drugs_ever"] = pd.array([True] * 3 + [False] * 397, dtype="boolean")  # 3 pupils: a small cell
    table = co_occurrence(frame, BEHAVIOURS, Rules()).set_index(["exposure", "outcome"])
    hidden = table.loc[("other_drugs_ever", "hash_ever")]
    assert hidden.suppressed and all(np.isnan(hidden[c]) for c in ("exposed_n", "exposed_cases", "relative_risk", "rr_low", "risk_exposed"))
    assert table.loc[("hash_ever", "other_drugs_ever")].suppressed  # the same three pupils, seen from the other side


def surveyed(seed: int = 3) -> pd.DataFrame:
    """Three years of pupils at 30 schools (the sampling clusters), with design weights."""
    rng = np.random.default_rng(seed)
    frame = pd.concat([pupils(seed + y, 1500).assign(year=2015 + y) for y in range(3)], ignore_index=True)
    return frame.assign(school=rng.integers(0, 30, len(frame)).astype(str), weight=rng.uniform(0.5, 1.5, len(frame)))


def test_behaviour_counts_by_hand_with_the_targets_estimator():
    frame = surveyed()
    counts = behaviour_counts(frame, BEHAVIOURS, Rules(), SOURCE)
    answered = frame[BEHAVIOURS].notna().all(axis=1)
    k = frame[BEHAVIOURS].fillna(False).astype(int).sum(axis=1)
    pupils_2016 = frame[answered & (frame["year"] == 2016)]
    everyone = counts[(counts["year"] == 2016) & (counts["dimension"] == "all")].set_index("behaviours")
    assert everyone["numerator"].tolist() == [int((k[pupils_2016.index] == i).sum()) for i in range(5)]
    assert (everyone["denominator"] == len(pupils_2016)).all()
    # the weighted share, as on a target's page: sum of weights with k behaviours over all weights
    w = pupils_2016["weight"]
    assert everyone.loc[2, "value"] == pytest.approx(100 * w[k[pupils_2016.index] == 2].sum() / w.sum())
    grade_8 = counts[(counts["year"] == 2016) & (counts["dimension"] == "grade") & (counts["group"] == "8")]
    assert grade_8["denominator"].max() == int((pupils_2016["grade"] == 8).sum())
    assert set(counts["dimension"]) == {"all", "grade", "gender"}


def lines_of(counts: pd.DataFrame):
    """Every sum of a distribution table: each group's row, and each number's column with all pupils."""
    for _, row in counts.groupby(["year", "dimension", "group"]):
        yield row
    for (year, _dimension, k), column in counts[counts["dimension"] != "all"].groupby(["year", "dimension", "behaviours"]):
        everyone = counts[(counts["year"] == year) & (counts["dimension"] == "all") & (counts["behaviours"] == k)]
        yield pd.concat([column, everyone])


def test_no_sum_of_the_distribution_has_exactly_one_hidden_cell():
    """A group's shares add up to its pupils and a number's groups add up to all pupils with it: a
    line with one hidden cell would give it away, so each has none or at least two."""
    frame = surveyed(5)
    rare = frame["grade"] == 6
    frame.loc[rare, "other_drugs_ever"] = pd.array([False] * int(rare.sum()), dtype="boolean")
    frame.loc[frame.index[rare][:3], ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"]] = True  # 3 with all four
    counts = behaviour_counts(frame, BEHAVIOURS, Rules(), SOURCE)
    hidden_cell = counts[(counts["year"] == 2015) & (counts["dimension"] == "grade") & (counts["group"] == "6") & (counts["behaviours"] == 4)]
    assert hidden_cell["suppressed"].all() and hidden_cell["numerator"].isna().all()
    for line in lines_of(counts):
        assert line["suppressed"].sum() != 1, line
    assert counts.loc[counts["suppressed"], "value"].isna().all()


def test_a_hidden_pair_cannot_be_worked_out_from_the_other_pairs():
    """Each pupil with k behaviours is in C(k,2) pairs, so the pairs' joint counts add up to a sum
    the distribution publishes: one hidden pair is hidden together with another."""
    frame = pupils(2, n=400)
    frame["other_drugs_ever"] = pd.array([True] * 3 + [False] * 397, dtype="boolean")
    table = co_occurrence(frame, BEHAVIOURS, Rules())
    answered = frame[BEHAVIOURS].notna().all(axis=1)
    k = frame.loc[answered, BEHAVIOURS].astype(int).sum(axis=1)
    full = co_occurrence(frame, BEHAVIOURS, Rules(min_cell=1, min_group_size=0))
    one_way = full[full["exposure"] < full["outcome"]]
    assert one_way["exposed_cases"].sum() == sum(comb(int(i), 2) for i in k)  # the attack is real
    hidden = table[table["suppressed"]]
    assert len({tuple(sorted(p)) for p in zip(hidden["exposure"], hidden["outcome"], strict=True)}) >= 2


def test_early_debut_by_hand_and_never_uncovering_a_hidden_grade():
    frame = surveyed(7)
    early = early_debut(frame, BEHAVIOURS, [6, 7], Rules(), SOURCE).set_index(["year", "behaviour"])
    young = frame[frame["grade"].isin([6, 7]) & (frame["year"] == 2017) & frame["alcohol_ever"].notna()]
    row = early.loc[(2017, "alcohol_ever")]
    assert (row.numerator, row.denominator) == (young["alcohol_ever"].astype(bool).sum(), len(young))
    assert row.value == pytest.approx(100 * young.loc[young["alcohol_ever"].astype(bool), "weight"].sum() / young["weight"].sum())
    # hash in grade 6 is a small cell whose complement is grade 10: 6+7 shown would give grade 6 away
    frame.loc[frame["grade"] == 6, "hash_ever"] = pd.array([False] * int((frame["grade"] == 6).sum()), dtype="boolean")
    frame.loc[frame.index[frame["grade"] == 6][:2], "hash_ever"] = True
    early = early_debut(frame, BEHAVIOURS, [6, 7], Rules(), SOURCE).set_index(["year", "behaviour"])
    assert early.loc[(2015, "hash_ever"), "suppressed"] and np.isnan(early.loc[(2015, "hash_ever"), "value"])


def test_the_trend_of_several_behaviours_is_the_targets_test():
    from rusmiddel_analysis.calc.stats import trend_test

    frame = surveyed(9)
    counts = behaviour_counts(frame, BEHAVIOURS, Rules(), SOURCE)
    rows = multiple_behaviours(frame, BEHAVIOURS, Rules(), SOURCE, counts, at_least=2)
    answered = frame[BEHAVIOURS].notna().all(axis=1)
    k = frame[BEHAVIOURS].fillna(False).astype(int).sum(axis=1)
    assert rows["numerator"].tolist() == [int(((k >= 2) & answered & (frame["year"] == y)).sum()) for y in (2015, 2016, 2017)]
    n = rows["effective_n"]
    expected = trend_test(rows["value"] / 100 * n, n, rows["year"])
    assert multiple_trend(rows).p_value == pytest.approx(expected.p_value)


def test_demo_pupils_who_smoke_try_hash_several_times_as_often_and_the_csv_says_so(demo_report, demo_dirs):
    """The published pair agrees with statsmodels' Table2x2 on the 2x2 table counted here from the
    processed data; the CSV holds the group sizes rounded to tens and never the counts with the outcome."""
    table = pd.read_csv(demo_report / "2017" / "high_risk.csv")
    assert list(table.columns[:11]) == [
        "exposure",
        "outcome",
        "exposed_n",
        "exposed_cases",
        "unexposed_n",
        "unexposed_cases",
        "risk_exposed",
        "risk_unexposed",
        "risk_difference",
        "relative_risk",
        "rr_low",
    ]
    row = table[(table.exposure == "smoking_ever") & (table.outcome == "hash_ever")].iloc[0]
    assert row.rr_low > 2  # the demo's co-occurrence is realistic, and certain
    pupils = pd.read_parquet(demo_dirs[1] / "ungeprofil_skole.parquet")
    pupils = pupils[(pupils["year"] == 2017) & pupils[BEHAVIOURS].notna().all(axis=1)]
    smokers, others = pupils[pupils["smoking_ever"].astype(bool)], pupils[~pupils["smoking_ever"].astype(bool)]
    a, c = int(smokers["hash_ever"].sum()), int(others["hash_ever"].sum())
    expected = Table2x2(np.array([[a, len(smokers) - a], [c, len(others) - c]]))
    assert row.relative_risk == pytest.approx(expected.riskratio, abs=0.005)
    assert row.risk_exposed == pytest.approx(100 * a / len(smokers), abs=0.05)
    assert table["exposed_cases"].isna().all() and table["unexposed_cases"].isna().all()
    assert row.exposed_n % 10 == 0 and abs(row.exposed_n - len(smokers)) <= 5
    sheets = pd.read_excel(demo_report / "2017" / "assessment.xlsx", sheet_name=None)
    assert "Højrisiko 2017" in sheets


def test_the_status_page_gives_the_fixed_high_risk_measures(demo_report, demo_dirs, strategy):
    """The committee's high-risk groups in brief on the year's page: the same measures every year (the
    share with several behaviours beside the first year, early debut beside the first year), as
    high_risk_groups.csv holds them and as counted here from the pupils, never the year's strongest
    pair (which changes by chance)."""
    import re

    pupils = pd.read_parquet(demo_dirs[1] / "ungeprofil_skole.parquet")
    table = pd.read_csv(demo_report / "2017" / "high_risk_groups.csv")
    several = table[table["measure"] == "multiple_behaviours"].set_index("year")["value"]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (demo_report / "2017" / "index.html").read_text(encoding="utf-8"))).replace("\u00a0", " ")
    block = strategy.settings.high_risk
    stated = rf"I 2017 havde (\d+) % af eleverne prøvet mindst {block.multiple} af de {len(block.behaviours)} former for risikoadfærd"
    shown = re.search(stated + r" \(prøvet at ryge, prøvet at drikke alkohol, prøvet hash og prøvet andre stoffer\); i 2015 var det (\d+) %", page)
    assert shown, "the share with several behaviours, named, beside the first year"
    assert abs(int(shown[1]) - several[2017]) <= 0.55 and abs(int(shown[2]) - several[2015]) <= 0.55  # whole percent; the file has one decimal
    for year, said in ((2017, shown[1]), (2015, shown[2])):  # by hand: the pupils who answered every behaviour
        assert abs(int(said) - several_by_hand(pupils, year, block)) <= 0.5, year
    early = table[(table["measure"] == "early_debut") & (table["behaviour"] == "alcohol_ever")].set_index("year")["value"]
    alcohol = re.search(r"(\d+) % prøvet at drikke alkohol \((\d+) % i 2015\)", page.split("6. og 7. klasse havde")[1])
    assert alcohol and abs(int(alcohol[1]) - early[2017]) <= 0.55 and abs(int(alcohol[2]) - early[2015]) <= 0.55
    for year, said in ((2017, alcohol[1]), (2015, alcohol[2])):  # by hand: the early grades' pupils who answered
        young = pupils[(pupils["year"] == year) & pupils["grade"].isin(block.early_grades) & pupils["alcohol_ever"].notna()]
        assert abs(int(said) - 100 * young["alcohol_ever"].astype(bool).mean()) <= 0.5, year
    assert "gange så ofte" not in page  # no pair of the year in the committee's document


def several_by_hand(pupils: pd.DataFrame, year: int, block) -> float:
    """The share (0-100) of the year's pupils who answered every behaviour and have tried at least
    `multiple` of them, counted with pandas (the demo has no weights)."""
    complete = pupils[(pupils["year"] == year) & pupils[block.behaviours].notna().all(axis=1)]
    return 100 * float((complete[block.behaviours].astype(int).sum(axis=1) >= block.multiple).mean())


def smokers_and_hash(processed, year: int) -> tuple[int, int, int, int]:
    """The year's 2x2 table of smoking (exposure) and hash (outcome) among the pupils who answered
    every behaviour: (a, n1, c, n0), counted with pandas."""
    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    pupils = pupils[(pupils["year"] == year) & pupils[BEHAVIOURS].notna().all(axis=1)]
    smokers, others = pupils[pupils["smoking_ever"].astype(bool)], pupils[~pupils["smoking_ever"].astype(bool)]
    return int(smokers["hash_ever"].sum()), len(smokers), int(others["hash_ever"].sum()), len(others)


def visible(path) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))).replace("\u00a0", " ")


def test_every_year_has_a_high_risk_page_linked_from_the_year_and_the_front_page(demo_report, demo_dirs):
    from rusmiddel_analysis.present import formatting as fmt

    from .expected import danish

    page = (demo_report / "2017" / "high-risk.html").read_text(encoding="utf-8")
    words = visible(demo_report / "2017" / "high-risk.html")
    assert "<title>Højrisikogrupper 2017" in page and 'lang="da"' in page
    table = pd.read_csv(demo_report / "2017" / "high_risk.csv")
    row = table[(table.exposure == "smoking_ever") & (table.outcome == "hash_ever")].iloc[0]
    shown = f"Prøvet at ryge Prøvet hash {fmt.percent(row.risk_exposed).replace(chr(160), ' ')}"
    ratio, pupils = fmt.number(row.relative_risk, decimals=1), fmt.number(row.exposed_n)
    assert shown in words and f"{ratio} " in words.split(shown)[1][:40] and pupils in words.split(shown)[1][:60]
    # the same row from the 2x2 table counted here: the smokers' share with hash, the relative risk, the smokers to the ten
    a, n1, c, n0 = smokers_and_hash(demo_dirs[1], 2017)
    shown = f"Prøvet at ryge Prøvet hash {danish(100 * a / n1)} %"
    after = words.split(shown)[1]
    assert f"{danish((a / n1) / (c / n0), 1)} " in after[:40] and danish(10 * round(n1 / 10)) in after[:60]
    # heatmap, 2 distributions, lines of several behaviours, of early debut and of debut ages
    assert page.count("<img") == 6 and "Figur: hvor mange gange så ofte" in page
    for heading in ("Kort fortalt", "Hvad hænger sammen?", "Hvor mange har prøvet flere ting?", "Tidlig debut: 6. og 7. klasse"):
        assert heading in words
    assert 'href="high-risk.html"' in (demo_report / "2017" / "index.html").read_text(encoding="utf-8")
    assert 'href="2017/high-risk.html"' in (demo_report / "index.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in page  # back to the year's status


def test_the_page_in_english(demo_dirs):
    from rusmiddel_analysis.present.high_risk_views import HighRiskReport

    raw, processed = demo_dirs
    report = HighRiskReport(2017, processed_dir=processed, status_dir=raw / "status", lang="en")
    summary = str(report.summary())
    assert "times as often" in summary and "grades 6 and 7" in summary and "Højrisiko" not in str(report.header())


def test_debut_ages_by_hand_and_hidden_when_few_gave_their_age():
    from rusmiddel_analysis.calc.high_risk import debut_ages
    from rusmiddel_analysis.calc.stats import weighted_median

    frame = surveyed(11)
    rng = np.random.default_rng(0)
    tried = frame["smoking_ever"].fillna(False).astype(bool)
    frame["smoking_debut_age"] = pd.array(np.where(tried, rng.integers(9, 17, len(frame)), pd.NA), dtype="Int64")
    table = debut_ages(frame, {"smoking_ever": "smoking_debut_age", "hash_ever": "hash_debut_age"}, 14, Rules(), SOURCE)
    assert set(table["behaviour"]) == {"smoking_ever"}  # no hash ages in this export: nothing made up
    row = table[table["year"] == 2016].iloc[0]
    told = frame[(frame["year"] == 2016) & tried]
    assert (row.numerator, row.denominator) == ((told["smoking_debut_age"] < 14).sum(), len(told))
    assert row.value == pytest.approx(100 * told.loc[told["smoking_debut_age"] < 14, "weight"].sum() / told["weight"].sum())
    assert row.median_age == weighted_median(told["smoking_debut_age"].astype(float), told["weight"])
    few = frame[frame["year"] == 2015].copy()
    few.loc[few.index[10:], "smoking_debut_age"] = pd.NA  # at most ten ages
    hidden = debut_ages(few, {"smoking_ever": "smoking_debut_age"}, 14, Rules(), SOURCE).iloc[0]
    assert hidden.suppressed and np.isnan(hidden.median_age) and np.isnan(hidden.value)


def test_the_year_publishes_the_pages_other_numbers_as_data(demo_report, demo_dirs, strategy):
    from rusmiddel_analysis.present import formatting as fmt

    from .expected import danish

    groups = pd.read_csv(demo_report / "2017" / "high_risk_groups.csv")
    assert set(groups["measure"]) == {"behaviour_counts", "multiple_behaviours", "early_debut", "debut_ages"}
    debut = groups[(groups["measure"] == "debut_ages") & (groups["year"] == 2017) & (groups["behaviour"] == "alcohol_ever")].iloc[0]
    words = visible(demo_report / "2017" / "high-risk.html")
    # the CSV gives the share to one decimal (58.5), the page the whole percent of the unrounded share
    # (58.517 -> 59 %): either whole percent the CSV's rounding allows
    shown = {fmt.share(debut.value + half).replace(chr(160), " ") for half in (-0.05, 0.05)}
    assert any(f"var {fmt.number(debut.median_age)} år eller yngre første gang, og {share}" in words for share in shown)
    # by hand: the pupils who tried alcohol and gave their age, the lower median age and the share before the early age
    pupils = pd.read_parquet(demo_dirs[1] / "ungeprofil_skole.parquet")
    block = strategy.settings.high_risk
    tried = pupils[(pupils["year"] == 2017) & pupils["alcohol_ever"].fillna(False).astype(bool)]
    ages = tried[block.debut_ages["alcohol_ever"]].dropna().astype(int).sort_values().to_numpy()
    median = ages[int(np.ceil(len(ages) / 2)) - 1]  # the first age whose running count reaches half
    share = 100 * (ages < block.early_age).mean()
    assert f"var {median} år eller yngre første gang, og {danish(share)} %" in words
    assert "Højrisikogrupper 2017" in pd.read_excel(demo_report / "2017" / "assessment.xlsx", sheet_name=None)


def test_the_workbench_answers_an_analysts_questions(demo_dirs):
    """Any measure by a dimension and year, a cross-table with its relative risk (against
    statsmodels), the hand check, and clear errors for a question that cannot be answered."""
    from rusmiddel_analysis.present.explore import Workbench

    _, processed = demo_dirs
    bench = Workbench(processed)
    assert {"skole_hash", "behaviour_counts", "co_occurrence", "debut_ages"} <= set(bench.measures()["measure"])
    by_grade = bench.table("skole_hash", by="grade", year=2017)
    assert set(by_grade["group"]) == {"6", "7", "8", "9", "10"} and (by_grade["year"] == 2017).all()
    assert set(bench.table("behaviour_counts", by="gender", year=2017)["dimension"]) == {"gender"}
    cross = bench.cross_table("smoking_ever", "hash_ever", 2017)
    expected = Table2x2(cross[["with outcome", "without outcome"]].to_numpy(float))
    assert cross.attrs["relative_risk"] == pytest.approx(expected.riskratio)
    (a, b), (c, d) = cross[["with outcome", "without outcome"]].to_numpy(float)
    assert (cross.attrs["rr_low"], cross.attrs["rr_high"]) == pytest.approx(mover_wilson(a, a + b, c, c + d))
    steps = bench.check_relative_risk("smoking_ever", "hash_ever", 2017).dropna()
    assert np.allclose(steps["by hand"].astype(float), steps["published"].astype(float))
    with pytest.raises(ValueError, match="cannot be broken down by 'school'"):
        bench.table("behaviour_counts", by="school")
    with pytest.raises(ValueError, match="unknown measure 'alkohol'; valid: skole_alkohol"):
        bench.table("alkohol")


def test_early_debut_hides_grades_as_the_targets_pages_do(demo_dirs, strategy):
    """The early-grade share is only safe beside a target's breakdown by grade if both hide the same
    grades: for every target on a high-risk behaviour, the grade cells hidden when computing early
    debut are the ones the target's page hides (its success is 'not tried', ours 'tried')."""
    from rusmiddel_analysis.calc.disclosure import Rules as DisclosureRules
    from rusmiddel_analysis.calc.high_risk import _shares, _suppressed_by_grade
    from rusmiddel_analysis.calc.indicators import ProcessedData, compute

    from .expected import breaks_primary

    _, processed = demo_dirs
    data = ProcessedData(processed)
    frame = data(SOURCE).copy()
    # 2017: three 6th-graders tried other drugs and two tried hash, small cells with complements
    sixth = frame.index[(frame["year"] == 2017) & (frame["grade"] == 6)]
    frame.loc[sixth, ["hash_ever", "other_drugs_ever"]] = False
    frame.loc[sixth[:3], "other_drugs_ever"] = True
    frame.loc[sixth[3:5], "hash_ever"] = True
    data._cache[SOURCE, None] = frame  # the targets' computation reads the same planted data
    rules = DisclosureRules.from_settings(strategy.settings)
    by_grade = compute(strategy, data, by="grade")
    checked = planted = 0
    for target in strategy.targets:
        column = target.indicator.get("column")
        if target.source != SOURCE or column not in BEHAVIOURS:
            continue
        answered = frame[column].notna().to_numpy()
        tried = frame[column].fillna(False).astype(bool).to_numpy() & answered
        ours = _suppressed_by_grade(
            _shares(frame, answered, tried, "grade", SOURCE, strategy.settings.confidence).assign(unit="percent"),
            rules,
            rules.all_or_none_limit(False),
        )
        ours = ours[ours["year"].between(target.baseline_year, strategy.period_end)]
        theirs = by_grade[by_grade["target_id"] == target.id]
        key = lambda t: dict(zip(zip(t["year"].astype(int), t["group"].astype(str), strict=True), t["suppressed"], strict=True))
        assert key(ours) == key(theirs), target.id
        # the planted 6th grade by hand: 1-4 of its answering pupils have tried it, a small cell both tables hide
        sixth_grade = frame[(frame["year"] == 2017) & (frame["grade"] == 6) & frame[column].notna()]
        tried_there = int(sixth_grade[column].astype(bool).sum())
        if breaks_primary(len(sixth_grade) - tried_there, len(sixth_grade), health_data=False):
            assert key(theirs)[(2017, "6")] and key(ours)[(2017, "6")], target.id
            planted += 1
        checked += int(theirs["suppressed"].sum())
    assert checked >= 4 and planted == 2  # each planted small cell and its complement


# --- the figures: a hidden cell is marked "skjult", never drawn as a zero ---------------------


def _texts(fig) -> list[str]:
    from rusmiddel_analysis.present.plots import svg_bytes

    svg_bytes(fig)
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_hidden_pair_in_the_heatmap_says_hidden_and_differs_from_the_diagonal():
    from rusmiddel_analysis.present.high_risk_plots import co_occurrence_heatmap
    from rusmiddel_analysis.present.textcatalog import text

    pairs = pd.DataFrame([(e, o) for e in BEHAVIOURS for o in BEHAVIOURS if e != o], columns=["exposure", "outcome"]).assign(
        relative_risk=2.0, suppressed=False
    )
    hidden = (pairs["exposure"] == "smoking_ever") & (pairs["outcome"] == "other_drugs_ever")
    pairs.loc[hidden, ["relative_risk", "suppressed"]] = [np.nan, True]
    fig = co_occurrence_heatmap(pairs, BEHAVIOURS, {b: b for b in BEHAVIOURS}, 2019)
    ax = fig.axes[0]
    cells = [p for p in ax.patches if p.get_gid() == "hidden"]
    assert len(cells) == 1 and cells[0].get_hatch()
    row, col = BEHAVIOURS.index("smoking_ever"), BEHAVIOURS.index("other_drugs_ever")
    assert (int(cells[0].get_x()), int(cells[0].get_y())) == (col, row)  # in its own cell, not on the diagonal
    shown = [t for t in ax.texts if t.get_text() == text("plot.hidden")]
    assert len(shown) == 1 and shown[0].get_position() == (col + 0.5, row + 0.5)
    assert _texts(fig).count("2,0") == len(pairs) - 1


def test_a_hidden_share_of_the_distribution_is_a_marked_band_not_a_bar():
    from matplotlib.patches import Rectangle

    from rusmiddel_analysis.present.high_risk_plots import distribution_plot
    from rusmiddel_analysis.present.textcatalog import text

    counts = pd.DataFrame(
        [(g, k, v) for g, shares in (("all", [50, 30, 15, 4, 1]), ("6", [80, 20, 0, 0, 0])) for k, v in enumerate(shares)],
        columns=["group", "behaviours", "value"],
    ).assign(suppressed=False)
    hidden = (counts["group"] == "6") & counts["behaviours"].isin([2, 3, 4])
    counts.loc[hidden, ["value", "suppressed"]] = [np.nan, True]
    counts.loc[(counts["group"] == "6") & (counts["behaviours"] == 1), "value"] = 0.0  # a true zero stays a zero
    fig = distribution_plot(counts, {"all": "Alle", "6": "6. klasse"}, 2019, "title")
    ax = fig.axes[0]
    bands = [p for p in ax.patches if p.get_gid() == "hidden"]
    bars = [bar for bars in ax.containers for bar in bars]
    assert len(bars) == 7  # the five shares of all pupils and the two shown in 6th grade, the zero among them
    assert not [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() and p not in bars + bands]
    assert len(bands) == 1 and bands[0].get_hatch()  # the three neighbours as one band at their bars' place
    left, right = bands[0].get_x(), bands[0].get_x() + bands[0].get_width()
    assert not [b for b in bars if left < b.get_x() + b.get_width() / 2 < right]
    assert 1 - 0.4 + 0.8 * 2 / 5 == pytest.approx(left) and 1 + 0.4 == pytest.approx(right)
    assert _texts(fig).count(text("plot.hidden")) == 1


def test_a_line_breaks_at_a_hidden_year_and_says_so():
    from rusmiddel_analysis.present.high_risk_plots import trend_lines
    from rusmiddel_analysis.present.textcatalog import text

    rows = pd.DataFrame(
        [(y, b, v) for b, base in (("hash_ever", 3.0), ("alcohol_ever", 30.0)) for y, v in zip(range(2015, 2020), [base] * 5, strict=True)],
        columns=["year", "behaviour", "value"],
    ).assign(suppressed=False)
    rows["ci_low"], rows["ci_high"] = rows["value"] - 1, rows["value"] + 1
    hidden = (rows["behaviour"] == "hash_ever") & (rows["year"] == 2017)
    rows.loc[hidden, ["value", "ci_low", "ci_high", "suppressed"]] = [np.nan, np.nan, np.nan, True]
    fig = trend_lines(rows, "behaviour", {"hash_ever": "Hash", "alcohol_ever": "Alkohol"}, "title")
    ax = fig.axes[0]
    hash_line = ax.lines[0]
    assert list(hash_line.get_xdata()) == list(range(2015, 2020)) and np.isnan(hash_line.get_ydata()[2])  # not joined over 2017
    assert not np.isnan(ax.lines[1].get_ydata()).any()
    assert len([p for p in ax.patches if p.get_gid() == "hidden"]) == 1
    assert _texts(fig).count(text("plot.hidden")) == 1


def test_the_results_keep_each_report_years_trend_so_the_pages_only_read_it():
    from rusmiddel_analysis.calc.high_risk import multiple_trends

    frame = surveyed(9)
    counts = behaviour_counts(frame, BEHAVIOURS, Rules(), SOURCE)
    rows = multiple_behaviours(frame, BEHAVIOURS, Rules(), SOURCE, counts, at_least=2)
    trends = multiple_trends(rows, [2016, 2017]).set_index("report_year")
    for year in (2016, 2017):
        expected = multiple_trend(rows[rows["year"] <= year])
        assert trends.at[year, "direction"] == expected.direction and trends.at[year, "n_points"] == expected.n_points
        assert trends.at[year, "p_value"] == pytest.approx(expected.p_value, nan_ok=True)
        assert (trends.at[year, "first_year"], trends.at[year, "last_year"]) == (2015, year)
    assert trends.at[2016, "direction"] == "cannot_calculate"  # two years cannot be tested
