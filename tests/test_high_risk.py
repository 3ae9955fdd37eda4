"""High-risk groups: co-occurring risk behaviours against statsmodels, disclosure on the new
table, the demo's realistic co-occurrence, and high_risk.csv in every year's outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import proportion_confint

from rusmiddel_analysis.calc.disclosure import Rules
from rusmiddel_analysis.calc.high_risk import behaviour_counts, co_occurrence, early_debut, odds_ratio, relative_risk

BEHAVIOURS = ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"]


@pytest.mark.parametrize("a, n1, c, n0", [(40, 120, 30, 880), (12, 60, 45, 900), (90, 100, 300, 400)])
def test_relative_risk_and_odds_ratio_equal_statsmodels(a, n1, c, n0):
    table = Table2x2(np.array([[a, n1 - a], [c, n0 - c]]))
    rr, low, high = relative_risk(a, n1, c, n0)
    assert rr == pytest.approx(table.riskratio) and (low, high) == pytest.approx(table.riskratio_confint())
    value, or_low, or_high = odds_ratio(a, n1, c, n0)
    assert value == pytest.approx(table.oddsratio) and (or_low, or_high) == pytest.approx(table.oddsratio_confint())
    assert np.isnan(relative_risk(0, 10, 5, 50)[0]) and np.isnan(odds_ratio(10, 10, 5, 50)[0])
    with pytest.raises(ValueError, match="cases <= group size"):
        relative_risk(11, 10, 5, 50)


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


def test_behaviour_counts_and_early_debut():
    frame = pupils(3)
    counts = behaviour_counts(frame, BEHAVIOURS, Rules())
    answered = frame[BEHAVIOURS].notna().all(axis=1)
    k = frame.loc[answered, BEHAVIOURS].astype(int).sum(axis=1)
    assert counts["numerator"].tolist() == [int((k == i).sum()) for i in range(5)]
    assert counts["value"].sum() == pytest.approx(100)
    low, high = proportion_confint((k == 2).sum(), len(k), method="wilson")
    assert (counts.loc[2, "ci_low"], counts.loc[2, "ci_high"]) == pytest.approx((100 * low, 100 * high))
    by_grade = behaviour_counts(frame, BEHAVIOURS, Rules(), by="grade")
    assert set(by_grade["grade"]) == {6, 7, 8, 9, 10}
    early = early_debut(frame, BEHAVIOURS, [6, 7], Rules()).set_index("behaviour")
    young = frame[frame["grade"].isin([6, 7])]
    assert early.loc["alcohol_ever", "value"] == pytest.approx(100 * young["alcohol_ever"].astype(bool).mean())


def test_demo_pupils_who_smoke_try_hash_several_times_as_often_and_the_csv_says_so(demo_report):
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
    expected = Table2x2(
        np.array([[row.exposed_cases, row.exposed_n - row.exposed_cases], [row.unexposed_cases, row.unexposed_n - row.unexposed_cases]])
    )
    assert row.relative_risk == pytest.approx(expected.riskratio, abs=0.005)
    sheets = pd.read_excel(demo_report / "2017" / "assessment.xlsx", sheet_name=None)
    assert "Højrisiko 2017" in sheets


def test_the_status_page_names_the_strongest_co_occurrence(demo_report):
    """The committee's high-risk groups in one sentence on the year's page: the pair with the largest
    relative risk whose interval lies above 1, as high_risk.csv holds it."""
    import re

    from rusmiddel_analysis.present import formatting as fmt
    from rusmiddel_analysis.present.narrative import behaviour_words

    table = pd.read_csv(demo_report / "2017" / "high_risk.csv")
    certain = table[~table["suppressed"] & (table["rr_low"] > 1)]
    top = certain.loc[certain["relative_risk"].idxmax()]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (demo_report / "2017" / "index.html").read_text(encoding="utf-8")))
    ratio = fmt.number(top.relative_risk, decimals=1)
    sentence = f"Elever, der har {behaviour_words(top.exposure)}, har {ratio} gange så ofte {behaviour_words(top.outcome)}"
    assert sentence in page.replace("\u00a0", " ")
