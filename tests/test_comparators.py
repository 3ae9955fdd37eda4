"""Comparators: other areas' published figures, checked like any source, with their intervals, and a
difference in differences whose every number is computed here by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp_stats
from statsmodels.stats.proportion import proportion_confint

from rusmiddel_analysis.calc.comparators import EXACT, comparator_rows, difference_in_differences, differences, used_dispersion
from rusmiddel_analysis.calc.results import compute_results
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.config.strategy import StrategyError, load_strategy
from rusmiddel_analysis.ingest.problems import DataValidationError
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.ingest.validation import validate

from .conftest import canonical_frames, write_canonical, write_strategy_variant

Z95 = sp_stats.norm.ppf(0.975)


def figures() -> pd.DataFrame:
    """Valid comparator rows: a national share with its answers, a region's share with its own
    interval, the country's treatment starts with their number and the region's bare."""
    return pd.DataFrame(
        {
            "target_id": ["skole_alkohol"] * 2 + ["skole_alkohol"] * 2 + ["behandling_antal"] * 4,
            "area": ["Hele landet", "Hele landet", "Region Nordjylland", "Region Nordjylland"] + ["Hele landet"] * 2 + ["Region Nordjylland"] * 2,
            "year": [2015, 2017, 2015, 2017, 2015, 2018, 2015, 2018],
            "value": [44.0, 47.0, 42.0, 45.1, 11400, 14022, 1390, 1530],
            "numerator": [26400, 28200, None, None, 11400, 14022, None, None],
            "denominator": [60000, 60000, None, None, None, None, None, None],
            "ci_low": [None, None, 40.5, 43.6, None, None, None, None],
            "ci_high": [None, None, 43.5, 46.6, None, None, None, None],
        }
    )


def with_figures(tmp_path, table: pd.DataFrame):
    frames = canonical_frames() | {"sammenligning": table}
    return write_canonical(tmp_path / "raw", frames)


def test_valid_figures_are_processed_and_recorded(tmp_path, strategy):
    raw = with_figures(tmp_path, figures())
    manifest = process(raw, tmp_path / "processed", strategy)
    assert manifest["sources"]["sammenligning"]["rows"] == 8
    assert len(pd.read_parquet(tmp_path / "processed" / "sammenligning.parquet")) == 8


def test_without_comparators_everything_else_is_computed(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    manifest = process(raw, tmp_path / "processed", strategy)
    assert "sammenligning" not in manifest["sources"]
    results = compute_results(strategy, tmp_path / "processed")
    assert results.comparators.empty and results.differences.empty and not results.totals.empty


def _set(table, row, **values):
    table = table.astype(object)
    for column, value in values.items():
        table.loc[row, column] = value
    return table


@pytest.mark.parametrize(
    ("change", "rule", "column", "rows"),
    [
        (lambda t: _set(t, 0, target_id="skole_alkol"), "target_id one of the strategy's targets", "target_id", (2,)),
        (lambda t: _set(t, 2, value=142.0, ci_high=143.5), "a share's value at most 100", "value", (4,)),
        (lambda t: _set(t, 1, year=2021), "a year of the strategy, 2015-2019", "year", (3,)),
        (lambda t: pd.concat([t, t.iloc[[0]]], ignore_index=True), "unique target_id + area + year", None, (2, 10)),
        (lambda t: _set(t, 3, ci_low=46.0), "ci_low <= value <= ci_high", "value", (5,)),
        (lambda t: _set(t, 3, ci_high=None), "ci_low and ci_high given together", "ci_high", (5,)),
        (lambda t: _set(t, 0, numerator=30000), "a share's value within 0.5 points of 100 x numerator / denominator", "value", (2,)),
        (lambda t: _set(t, 1, denominator=None), "a share's numerator and denominator given together", "denominator", (3,)),
        (lambda t: _set(t, 0, numerator=70000), "numerator at most denominator", "numerator", (2,)),
        (lambda t: _set(t, 4, denominator=100000), "no denominator for a count of persons", "denominator", (6,)),
        (lambda t: _set(t, 5, numerator=14000), "a count's numerator equal to its value", "numerator", (7,)),
        (lambda t: _set(t, 6, value=1390.5), "a count of persons a whole number", "value", (8,)),
        (lambda t: _set(t, 0, value=-1.0), "at least 0", "value", (2,)),
    ],
    ids=[
        "unknown target",
        "share over 100",
        "year outside",
        "duplicate",
        "interval without its value",
        "half an interval",
        "value against its counts",
        "numerator alone",
        "numerator over denominator",
        "denominator of a count",
        "count against its numerator",
        "fraction of a person",
        "negative value",
    ],
)
def test_every_comparator_problem_names_file_column_rule_and_rows(tmp_path, strategy, change, rule, column, rows):
    raw = with_figures(tmp_path, change(figures()))
    with pytest.raises(DataValidationError) as caught:
        validate(raw, strategy)
    found = [(p.file.endswith("sammenligning.csv"), p.column, p.rows) for p in caught.value.problems if p.rule.startswith(rule)]
    assert found == [(True, column, rows)], [str(p) for p in caught.value.problems]


def test_areas_are_chosen_and_ordered_by_the_strategy_and_checked_against_the_files(tmp_path):
    path = write_strategy_variant(tmp_path, lambda raw: raw["settings"].update(comparators={"areas": ["Region Nordjylland", "Hele landet"]}))
    chosen = load_strategy(path)
    rows = comparator_rows(chosen, figures())
    assert list(dict.fromkeys(rows["area"])) == ["Region Nordjylland", "Hele landet"]
    assert list(dict.fromkeys(rows["target_id"])) == ["skole_alkohol", "behandling_antal"]  # the strategy's order
    only = load_strategy(write_strategy_variant(tmp_path, lambda raw: raw["settings"].update(comparators={"areas": ["Hele landet"]})))
    assert set(comparator_rows(only, figures())["area"]) == {"Hele landet"}
    assert list(dict.fromkeys(comparator_rows(load_strategy(), figures())["area"])) == ["Hele landet", "Region Nordjylland"]  # the files' order
    areas = {"areas": ["Hele landet", "Region Midt"]}
    missing = load_strategy(write_strategy_variant(tmp_path, lambda raw: raw["settings"].update(comparators=areas)))
    with pytest.raises(DataValidationError) as caught:
        validate(with_figures(tmp_path, figures()), missing)
    assert [p.rule for p in caught.value.problems] == ["every area settings.comparators.areas names in the files (missing: Region Midt)"]


@pytest.mark.parametrize(
    "block",
    [{"areas": "Hele landet"}, {"areas": ["Hele landet", "Hele landet"]}, {"areas": []}, {"areas": [""]}, {"area": ["Hele landet"]}],
    ids=["a text", "twice", "empty", "blank", "misspelt key"],
)
def test_the_loader_and_check_strategy_refuse_a_malformed_choice_of_areas(tmp_path, block, capsys):
    path = write_strategy_variant(tmp_path, lambda raw: raw["settings"].update(comparators=block))
    with pytest.raises(StrategyError, match=r"line \d+: field 'settings.comparators"):
        load_strategy(path)
    assert main(["check-strategy", str(path)]) == 2
    assert "settings.comparators" in capsys.readouterr().err


def test_each_comparator_gets_the_interval_its_figures_allow(strategy):
    rows = comparator_rows(strategy, figures()).set_index(["target_id", "area", "year"])
    national = rows.loc[("skole_alkohol", "Hele landet", 2015)]
    low, high = proportion_confint(26400, 60000, alpha=0.05, method="wilson")
    assert national["interval"] == "wilson" and (national["ci_low"], national["ci_high"]) == pytest.approx((100 * low, 100 * high), rel=1e-9)
    region = rows.loc[("skole_alkohol", "Region Nordjylland", 2017)]
    assert region["interval"] == "given" and (region["ci_low"], region["ci_high"]) == (43.6, 46.6)
    count = rows.loc[("behandling_antal", "Hele landet", 2018)]
    byar = (14022 * (1 - 1 / (9 * 14022) - Z95 / (3 * math.sqrt(14022))) ** 3, 14023 * (1 - 1 / (9 * 14023) + Z95 / (3 * math.sqrt(14023))) ** 3)
    assert count["interval"] == "poisson" and (count["ci_low"], count["ci_high"]) == pytest.approx(byar, rel=1e-9)
    bare = rows.loc[("behandling_antal", "Region Nordjylland", 2015)]
    assert bare["interval"] == EXACT and np.isnan(bare["ci_low"]) and np.isnan(bare["ci_high"])
    seven = lambda column: lambda t: t[column].where(t.index != 4, 7)
    small = comparator_rows(strategy, figures().assign(value=seven("value"), numerator=seven("numerator")))
    exact_low, exact_high = sp_stats.chi2.ppf(0.025, 14) / 2, sp_stats.chi2.ppf(0.975, 16) / 2
    row = small.set_index(["target_id", "area", "year"]).loc[("behandling_antal", "Hele landet", 2015)]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((exact_low, exact_high), rel=1e-9)


def municipality(years, values, lows=None, highs=None) -> pd.DataFrame:
    return pd.DataFrame({"year": years, "value": values, "ci_low": lows or [np.nan] * len(years), "ci_high": highs or [np.nan] * len(years)})


def test_a_share_difference_in_differences_by_hand(strategy):
    target = strategy.target("skole_alkohol")
    ours = municipality([2015, 2016, 2017], [41.0, 42.4, 44.0], [39.0, 40.1, 41.6], [43.0, 44.7, 46.4])
    theirs = comparator_rows(strategy, figures())
    national = theirs[(theirs["target_id"] == target.id) & (theirs["area"] == "Hele landet")]
    found = difference_in_differences(target, ours, national, 2017, 0.95)
    se_ours = [(43.0 - 39.0) / (2 * Z95), (46.4 - 41.6) / (2 * Z95)]
    w15, w17 = (proportion_confint(x, 60000, method="wilson") for x in (26400, 28200))
    se_theirs = [100 * (w15[1] - w15[0]) / (2 * Z95), 100 * (w17[1] - w17[0]) / (2 * Z95)]
    se = math.sqrt(sum(s * s for s in se_ours + se_theirs))
    assert (found.unit, found.baseline_year, found.year, found.area) == ("points", 2015, 2017, "Hele landet")
    assert (found.municipality_change, found.comparator_change) == pytest.approx((3.0, 3.0))
    assert found.difference == pytest.approx(0.0, abs=1e-12)
    assert (found.low, found.high) == pytest.approx((-Z95 * se, Z95 * se), rel=1e-9)
    assert not found.excludes_zero and not found.comparator_exact
    region = theirs[(theirs["target_id"] == target.id) & (theirs["area"] == "Region Nordjylland")]
    faster = municipality([2015, 2017], [41.0, 49.0], [40.0, 48.0], [42.0, 50.0])
    moved = difference_in_differences(target, faster, region, 2019, 0.95)
    se = math.sqrt(2 * (1 / Z95) ** 2 + 2 * (3.0 / (2 * Z95)) ** 2)
    assert moved.difference == pytest.approx(8.0 - 3.1) and (moved.low, moved.high) == pytest.approx((4.9 - Z95 * se, 4.9 + Z95 * se))
    assert moved.excludes_zero


def test_a_count_difference_in_differences_is_a_ratio_of_ratios(strategy):
    """Aalborg's goal is +15 % (611 -> 703); the country rose 23 % (11,400 -> 14,022): Aalborg's rise
    is 6.5 % less than the country's, on the log scale with Poisson variances (and the country's own)."""
    target = strategy.target("behandling_antal")
    ours = municipality([2015, 2018], [611.0, 703.0])
    rows = comparator_rows(strategy, figures())
    national = rows[(rows["target_id"] == target.id) & (rows["area"] == "Hele landet")]
    found = difference_in_differences(target, ours, national, 2018, 0.95)
    log_d = math.log(703 / 611) - math.log(14022 / 11400)
    se = math.sqrt(1 / 703 + 1 / 611 + 1 / 11400 + 1 / 14022)
    assert (found.unit, found.year) == ("percent", 2018)
    assert found.municipality_change == pytest.approx(100 * (703 / 611 - 1)) and found.comparator_change == pytest.approx(23.0, abs=1e-9)
    assert found.difference == pytest.approx(100 * ((703 / 611) / 1.23 - 1)) == pytest.approx(-6.45, abs=0.01)
    assert (found.low, found.high) == pytest.approx((100 * math.expm1(log_d - Z95 * se), 100 * math.expm1(log_d + Z95 * se)), rel=1e-9)
    region = rows[(rows["target_id"] == target.id) & (rows["area"] == "Region Nordjylland")]
    bare = difference_in_differences(target, ours, region, 2018, 0.95, dispersion=2.5)
    se = math.sqrt(2.5 * (1 / 703 + 1 / 611))  # the region's bare figures are exact; Aalborg overdispersed
    log_d = math.log(703 / 611) - math.log(1530 / 1390)
    assert bare.comparator_exact and (bare.low, bare.high) == pytest.approx((100 * math.expm1(log_d - Z95 * se), 100 * math.expm1(log_d + Z95 * se)))


def test_the_difference_uses_the_latest_year_both_have_and_needs_the_baseline(strategy):
    target = strategy.target("behandling_antal")
    rows = comparator_rows(strategy, figures())
    national = rows[(rows["target_id"] == target.id) & (rows["area"] == "Hele landet")]
    ours = municipality([2015, 2016, 2017, 2018, 2019], [611.0, 628.0, 649.0, 674.0, 705.0])
    assert difference_in_differences(target, ours, national, 2019, 0.95).year == 2018  # national 2019 not yet published
    assert difference_in_differences(target, ours, national, 2017, 0.95) is None  # no common year after the baseline
    assert difference_in_differences(target, ours[ours["year"] > 2015], national, 2019, 0.95) is None  # no baseline measured


def test_overdispersion_is_used_as_the_assessment_finds_it():
    assert used_dispersion(pd.Series({"dispersion": 3.0, "dispersion_p_value": 0.001, "confidence": 0.95})) == 3.0
    assert used_dispersion(pd.Series({"dispersion": 3.0, "dispersion_p_value": 0.2, "confidence": 0.95})) == 1.0
    assert used_dispersion(pd.Series({"dispersion": 0.4, "dispersion_p_value": 0.001, "confidence": 0.95})) == 1.0
    assert used_dispersion(None) == 1.0


# --- the demo's comparators ---------------------------------------------------------------


def test_demo_comparators_are_synthetic_processed_and_tell_a_mixed_story(demo_dirs, strategy):
    raw, processed = demo_dirs
    export = next((raw / "sammenligning").glob("*.csv")).read_text(encoding="utf-8-sig")
    assert "SYNTHETIC DEMO DATA" in export and "SYNTHETIC DEMO DATA" in (raw / "sammenligning" / "mapping.yaml").read_text(encoding="utf-8")
    assert json.loads((processed / "manifest.json").read_text())["sources"]["sammenligning"]["rows"] > 0
    figures = pd.read_parquet(processed / "sammenligning.parquet")
    starts = figures[(figures["target_id"] == "behandling_antal") & (figures["area"] == "Hele landet")].set_index("year")["value"]
    assert starts[2018] / starts[2015] == pytest.approx(1.23, abs=0.005)
    results = compute_results(strategy, processed)
    latest = results.difference("skole_hash", 2019).set_index("area")
    assert latest.loc["Hele landet", "excludes_zero"] and latest.loc["Hele landet", "difference"] > 0  # Aalborg improved, the country did not
    alike = results.difference("skole_alkohol", 2019).set_index("area")
    assert not alike.loc["Hele landet", "excludes_zero"]  # moved as the country did
    assert results.difference("skole_foraeldreaftale", 2019).set_index("area").loc["Hele landet", "high"] < 0  # the other way
    assert set(results.comparators["interval"]) == {"wilson", "given", "poisson", "exact"}
    expected = differences(strategy, results.totals, results.comparators, results.assessment)
    pd.testing.assert_frame_equal(results.differences, expected)
