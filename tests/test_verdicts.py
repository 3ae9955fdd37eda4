"""The verdict scheme on constructed years whose truth is known, and the status vocabulary in both languages."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp_stats

from rusmiddel_analysis.calc import stats, verdict
from rusmiddel_analysis.calc.assessment import COLUMNS, assess
from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.config.strategy import load_strategy
from rusmiddel_analysis.ingest.problems import DataValidationError
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.ingest.validation import validate
from rusmiddel_analysis.present import narrative, statuses
from rusmiddel_analysis.present.textcatalog import catalogue

from .conftest import canonical_frames, target_entry, write_canonical, write_strategy_variant

TODAY = dt.date(2020, 6, 1)


def survey(year: int, n: int, column: str, yes: int, prefix: str, **columns) -> pd.DataFrame:
    """n respondents of one year, of whom exactly `yes` answer true in `column`."""
    frame = pd.DataFrame(
        {"respondent_id": [f"{prefix}{year}-{i}" for i in range(n)], "year": year, column: ["true"] * yes + ["false"] * (n - yes), **columns}
    )
    return frame


def pupils(year, n, column, yes):
    base = dict(
        school="A",
        grade=8,
        gender="female",
        alcohol_ever="false",
        hash_ever="false",
        other_drugs_ever="false",
        parent_agreement="true",
        smoking_ever="false",
    )
    base.pop(column)
    return survey(year, n, column, yes, "S", **base)


def students(year, n, not_tried):
    base = dict(institution="X", education_type="stx", gender="male", age=17, alcohol_frequency="monthly", other_drugs_ever="false")
    return survey(year, n, "hash_ever", n - not_tried, "U", **base)


def episodes(year: int, substance: str, successes: int, failures: int, start: int) -> pd.DataFrame:
    statuses_ = ["reduced"] * successes + ["unchanged"] * failures
    return pd.DataFrame(
        {
            "person_id": [f"p{start + i}" for i in range(len(statuses_))],
            "episode_id": [f"E{start + i}" for i in range(len(statuses_))],
            "substance": substance,
            "start_date": f"{year}-01-10",
            "end_date": f"{year}-09-01",
            "end_status": statuses_,
            "end_reason": "completed",
            "gender": "male",
            "birth_year": 1980,
            "psychiatric_disability": "false",
            "ethnic_minority": "false",
        }
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The issue's constructed years: 2015 on the baselines, 2017 with the changes whose truth is known."""
    root = tmp_path_factory.mktemp("scenario")
    frames = canonical_frames()
    frames["ungeprofil_skole"] = pd.concat(
        [
            pupils(2015, 9000, "parent_agreement", 5580),  # 62.0 %
            pupils(2017, 9000, "parent_agreement", 5301),
        ],  # 58.9 %
        ignore_index=True,
    )
    frames["ungeprofil_ungdom"] = pd.concat(
        [
            students(2015, 2000, 1360),  # 68.0 %
            students(2017, 2000, 1360),
        ],
        ignore_index=True,
    )  # unchanged
    frames["behandling_forloeb"] = pd.concat(
        [
            episodes(2015, "drugs", 98, 182, 0),
            episodes(2017, "drugs", 160, 120, 1000),  # 35 % -> 57 % of 280
            episodes(2015, "alcohol", 205, 155, 2000),
            episodes(2017, "alcohol", 196, 164, 3000),  # 56.9 % -> 54.4 % of 360
        ],
        ignore_index=True,
    )
    del frames["behandling_opfoelgning"]
    raw = write_canonical(root / "raw", frames)
    process(raw, root / "processed", load_strategy(), today=TODAY)
    return root / "processed"


def test_constructed_years_get_verdicts_that_hold(scenario, strategy):
    a = assess(strategy, compute(strategy, scenario), 2017).set_index("target_id")
    # 62.0 -> 58.9 % among 9,000 pupils: a real fall, found
    assert a.loc["skole_foraeldreaftale", "status"] == "deterioration"
    assert a.loc["skole_foraeldreaftale", "change_p_adjusted"] < 0.05
    # 35 -> 57 % among 280 finished treatments against "at least 45 %": achieved
    assert a.loc["behandling_stof_effekt", "status"] == "achieved"
    assert a.loc["behandling_stof_effekt", "ci_low"] > 45
    # 56.9 -> 54.4 % among 360 (the p = 0.5 case): noise, not painted red
    alcohol = a.loc["behandling_alkohol_effekt"]
    assert alcohol["status"] == "inconclusive" and alcohol["verdict_reason"] == "interval_straddles_pace"
    assert alcohol["change_p_value"] > 0.3
    # 2,000 answers and an unchanged share: maintained
    assert a.loc["ungdom_hash", "status"] == "maintained"


def test_an_interval_wholly_below_the_level_is_never_maintained(strategy):
    # 66.5 % of 6,000 gives 65.3-67.7 %, wholly below the 68 % to keep (the case)
    low, high = (100 * v for v in stats.proportion_ci(3990, 6000))
    assert (round(low, 1), round(high, 1)) == (65.3, 67.7)
    scale = verdict.judging_scale(66.5, low, high, 68, 68, True, True, 0.5)
    for significant in (True, False):  # whether or not the fall survives the correction for many tests
        status, _ = verdict.maintain_verdict(scale, significant, 3.0)
        assert status != "maintained"
    # and an unchanged share among 2,000 answers is maintained whatever the correction
    low, high = (100 * v for v in stats.proportion_ci(1360, 2000))
    status, reason = verdict.maintain_verdict(verdict.judging_scale(68, low, high, 68, 68, True, True, 0.5), False, 3.0)
    assert (status, reason) == ("maintained", "level_held_within_margin")


def test_a_zero_or_hundred_percent_goal_gets_the_same_verdict_however_it_is_framed(demo_dirs, strategy, tmp_path):
    """'98 -> 100 % have not tried drugs' and '2 -> 0 % have tried' are one goal: judged on the prevalence scale."""
    _, processed = demo_dirs

    def tried_instead(raw):
        entry = target_entry(raw, "skole_stoffer")
        entry.update(polarity="lower_is_better", baseline={"year": 2015, "value": 2}, target={"year": 2019, "value": 0})
        entry["indicator"]["success"] = {"equals": True}

    flipped = load_strategy(write_strategy_variant(tmp_path, tried_instead))
    for year in (2016, 2017, 2018, 2019):
        original = assess(strategy, compute(strategy, processed), year).set_index("target_id").loc["skole_stoffer"]
        framed = assess(flipped, compute(flipped, processed), year).set_index("target_id").loc["skole_stoffer"]
        assert (original["status"], original["verdict_reason"]) == (framed["status"], framed["verdict_reason"]), year
        assert original["progress_ratio"] == pytest.approx(framed["progress_ratio"])
        assert original["effective_target_value"] == pytest.approx(99.5) and framed["effective_target_value"] == pytest.approx(0.5)
        assert original["on_track_value"] == pytest.approx(100 - framed["on_track_value"])


def test_weighted_shares_are_tested_with_their_effective_sample_size(tmp_path, strategy):
    frames = canonical_frames()
    pupils_2017 = pupils(2017, 400, "alcohol_ever", 200)
    pupils_2017["weight"] = [3.0] * 100 + [1.0] * 300  # 100 of the 200 who tried count three times
    frames["ungeprofil_skole"] = pd.concat(
        [pupils(2015, 400, "alcohol_ever", 236).assign(weight=1.0), pupils(2016, 400, "alcohol_ever", 220).assign(weight=1.0), pupils_2017],
        ignore_index=True,
    )
    raw = write_canonical(tmp_path / "raw", frames)
    process(raw, tmp_path / "processed", strategy, today=TODAY)
    a = assess(strategy, compute(strategy, tmp_path / "processed"), 2017).set_index("target_id").loc["skole_alkohol"]
    share = 200 / (100 * 3 + 100 + 200)  # never drunk: 200 of weight 1, against 600 in all
    n_eff = 600**2 / (100 * 9 + 300)
    _, p = stats.one_sample_proportion_test(share, n_eff, 0.41)
    assert a["value"] == pytest.approx(100 * share) and a["effective_n"] == pytest.approx(n_eff)
    assert a["change_p_value"] == pytest.approx(p)
    assert (a["numerator"], a["denominator"]) == (200, 400)  # unweighted counts, for disclosure control
    # the trend test too runs on the effective counts (share x n_eff, n_eff), written out by hand
    x, n, years = np.array([400 - 236, 400 - 220, share * n_eff]), np.array([400, 400, n_eff]), np.array([2015, 2016, 2017])
    pooled, centre = x.sum() / n.sum(), (n * years).sum() / n.sum()
    chi2 = (x * (years - centre)).sum() ** 2 / (pooled * (1 - pooled) * ((n * years**2).sum() - n.sum() * centre**2))
    assert a["trend_p_value"] == pytest.approx(sp_stats.chi2.sf(chi2, 1))


def test_a_missing_weight_is_a_validation_error(tmp_path, strategy):
    frames = canonical_frames()
    frames["ungeprofil_skole"] = frames["ungeprofil_skole"].assign(weight=["1.0", "", "2.0", "1.5"])
    with pytest.raises(DataValidationError, match="column 'weight': rule 'not empty': 1 row fail"):
        validate(write_canonical(tmp_path / "raw", frames), strategy, today=TODAY)


def test_holm_correction_covers_the_years_targets(demo_dirs, strategy):
    _, processed = demo_dirs
    a = assess(strategy, compute(strategy, processed), 2017)
    tested = a["change_p_value"].notna() & a["data_quality"].eq("")
    assert a.loc[tested, "change_p_adjusted"].to_numpy() == pytest.approx(stats.holm_adjust(a.loc[tested, "change_p_value"]))
    assert (a.loc[tested, "change_significant"] == (a.loc[tested, "change_p_adjusted"] < 0.05)).all()


def test_no_projection_from_fewer_points_than_the_methodology_allows(demo_dirs, strategy):
    _, processed = demo_dirs
    indicators = compute(strategy, processed)
    in_2017 = assess(strategy, indicators, 2017)
    assert in_2017["projected_value"].isna().all()  # three measured years at most
    in_2018 = assess(strategy, indicators, 2018).set_index("target_id")
    assert not np.isnan(in_2018.loc["skole_alkohol", "projected_value"])  # four school-survey years
    assert np.isnan(in_2018.loc["ungdom_hash", "projected_value"])  # the youth survey: two


# --- one vocabulary --------------------------------------------------------------------------------


def _contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_status_renders_in_both_languages(lang):
    words = catalogue(lang)
    css = statuses.stylesheet()
    for status in statuses.STATUSES:
        assert words[f"status.{status.key}"] and words[f"status_short.{status.key}"]
        badge = statuses.status_badge(status.key, lang)
        assert words[f"status.{status.key}"] in badge and status.symbol in badge and f"rm-status-{status.key}" in badge
        # the badge's colour, from the same vocabulary, in the pages' stylesheet
        # (no data hollow: its colour on white, with a dashed edge; either way the same contrast)
        filled = f".rm-status-{status.key} {{ background: {status.colour}; color: #fff; }}"
        hollow = f".rm-status-{status.key} {{ background: #fff; color: {status.colour}; border: 1px dashed {status.colour}; }}"
        assert (hollow if status.key in statuses.HOLLOW else filled) in css
        assert _contrast_with_white(status.colour) >= 4.5, status.key
        assert f"narrative.summary_{status.group}" in words or status.group == "baseline"
    assert set(verdict.REASONS) | {"insufficient_data"} == set(statuses.ASSESSED)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_verdict_reason_has_a_sentence_that_fills(strategy, lang):
    rows = {
        "skole_alkohol": dict(value=44.0, ci_low=43.0, ci_high=45.0, on_track_value=45.1, maintain_margin=np.nan),
        "ungdom_hash": dict(value=67.0, ci_low=65.8, ci_high=68.2, on_track_value=np.nan, maintain_margin=3.0),
    }
    for status, reasons in verdict.REASONS.items():
        for reason in reasons:
            target = strategy.target(
                "ungdom_hash"
                if reason in ("level_held_within_margin", "significant_fall_below_level", "interval_wider_than_margin", "below_level_not_significant")
                else "skole_alkohol"
            )
            row = pd.Series(
                dict(
                    rows[target.id],
                    target_id=target.id,
                    year=2017,
                    measured_year=2017,
                    status=status,
                    verdict_reason=reason,
                    progress_ratio=0.7,
                    required_value=45.3,
                    effective_target_value=50.0,
                    change_significant=True,
                    data_quality="",
                )
            )
            sentence = narrative.status_sentence(target, row, lang)
            assert sentence and "{" not in sentence and "nan" not in sentence.lower(), (reason, sentence)


def test_the_summary_counts_every_status_once():
    assessed = list(statuses.ASSESSED)
    counts = statuses.counts_by_group(assessed)
    assert sum(counts.values()) == len(assessed)
    assert list(counts) == ["good", "behind", "open", "bad", "unknown"]


# --- rusmiddel assess ------------------------------------------------------------------------------


def test_assess_command_writes_the_table_without_pages(demo_dirs, strategy, tmp_path, capsys):
    _, processed = demo_dirs
    assert main(["assess", "--year", "2017", "--year", "2019", "--processed", str(processed)]) == 0
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(printed.columns) == COLUMNS
    assert COLUMNS[:14] == [
        "target_id",
        "year",
        "measured_year",
        "value",
        "numerator",
        "denominator",
        "ci_low",
        "ci_high",
        "baseline_value",
        "target_value",
        "required_value",
        "progress_ratio",
        "status",
        "vs_target",
    ]
    indicators = compute(strategy, processed)
    expected = pd.concat([assess(strategy, indicators, y) for y in (2017, 2019)], ignore_index=True)
    assert printed["status"].tolist() == expected["status"].tolist()
    assert printed["year"].tolist() == [2017] * 10 + [2019] * 10
    out = tmp_path / "verdicts.csv"
    assert main(["assess", "--processed", str(processed), "--output", str(out)]) == 0
    assert sorted(pd.read_csv(out)["year"].unique()) == [2015, 2016, 2017, 2018, 2019]
    assert not list(tmp_path.glob(".*tmp"))
    assert main(["assess", "--processed", str(tmp_path / "none")]) == 2
    assert "no processed data" in capsys.readouterr().err


@pytest.mark.parametrize("target_id", ["skole_alkohol", "behandling_antal", "ungdom_hash", "skole_stoffer"])
@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019])
def test_every_demo_narrative_renders_in_both_languages(demo_dirs, strategy, target_id, year):
    _, processed = demo_dirs
    row = assess(strategy, compute(strategy, processed), year).set_index("target_id", drop=False).loc[target_id]
    for lang in ("da", "en"):
        story = narrative.target_narrative(strategy, strategy.target(target_id), row, lang)
        assert story and "{" not in story and "nan" not in story.lower()
