"""Comparators: other areas' published figures, checked like any source, with their intervals, and a
difference in differences whose every number is computed here by hand.

Where the expected numbers come from: the processed comparator file, the municipality's own figures
counted from the processed data (tests/expected.py: a survey's share with its cluster-robust interval,
the persons starting treatment, their overdispersion by statsmodels' Poisson GLM) and each target's
status from the strategy file's decision table; docs/methodology.md 2.9's formulas written out here.
"""

from __future__ import annotations

import json
import math
import re

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

from . import expected
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


@pytest.mark.slow
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


# --- the pages: every number below is computed here from the comparator file and the totals ------


def words(fragment) -> str:
    """A fragment's text as a reader sees it (markup, embedded images and the no-break spaces gone)."""
    import html

    shown = re.sub(r"<[^>]+>", " ", re.sub(r"data:[^\"']+", " ", str(fragment)))
    return re.sub(r"\s+", " ", html.unescape(shown).replace("\u00a0", " "))


def comma(value: float, decimals: int = 1) -> str:
    """A number as the Danish pages write it: decimal comma, thousands with a point."""
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def by_hand(processed, strategy, target_id: str, area: str, first: int, last: int) -> dict:
    """The municipality's change, the area's and the difference in differences with its interval,
    from the processed comparator file and the municipality's own figures counted here from the
    processed data (tests/expected.py: a survey's share with its cluster-robust interval, the persons
    starting treatment and their overdispersion), as docs/methodology.md 2.9 gives them."""
    figures = pd.read_parquet(processed / "sammenligning.parquet")
    theirs = figures[(figures["target_id"] == target_id) & (figures["area"] == area)].set_index("year")
    target = strategy.target(target_id)
    if target.is_share:
        municipality = {y: expected.survey_share(processed, target_id, y) for y in (first, last)}
        wilson = {y: proportion_confint(theirs.loc[y, "numerator"], theirs.loc[y, "denominator"], alpha=0.05, method="wilson") for y in (first, last)}
        variances = [((municipality[y]["high"] - municipality[y]["low"]) / (2 * Z95)) ** 2 for y in (first, last)]
        variances += [(100 * (wilson[y][1] - wilson[y][0]) / (2 * Z95)) ** 2 for y in (first, last)]
        ours = municipality[last]["value"] - municipality[first]["value"]
        area_change = theirs.loc[last, "value"] - theirs.loc[first, "value"]
        d, se = ours - area_change, math.sqrt(sum(variances))
        return {"ours": ours, "theirs": area_change, "d": d, "low": d - Z95 * se, "high": d + Z95 * se}
    phi = expected.used_dispersion(processed, target_id, last)
    m0, m1 = expected.persons_starting(processed, first), expected.persons_starting(processed, last)
    c0, c1 = theirs.loc[first, "value"], theirs.loc[last, "value"]
    log_d = math.log(m1 / m0) - math.log(c1 / c0)
    se = math.sqrt(phi * (1 / m1 + 1 / m0) + 1 / c0 + 1 / c1)  # the country's starts counted: Poisson
    shown = lambda x: 100 * math.expm1(x)
    changes = {"ours": shown(math.log(m1 / m0)), "theirs": shown(math.log(c1 / c0)), "d": shown(log_d)}
    return changes | {"low": shown(log_d - Z95 * se), "high": shown(log_d + Z95 * se)}


@pytest.mark.slow
def test_a_target_page_says_how_much_more_the_municipality_moved_than_the_country(demo_dirs, strategy):
    """The demo's hash target in 2019: Aalborg improved, the country stood still. The sentence gives
    both changes, the difference in differences and its interval as computed here, and says it is
    more than chance; the table shows the same numbers with their signs."""
    from rusmiddel_analysis.present.target_report import TargetReport
    from rusmiddel_analysis.present.textcatalog import text

    raw, processed = demo_dirs
    hand = by_hand(processed, strategy, "skole_hash", "Hele landet", 2015, 2019)
    assert hand["low"] > 0 and abs(hand["theirs"]) < 0.05  # the demo's story: a change the country did not have
    section = words(TargetReport("skole_hash", 2019, processed_dir=processed, status_dir=raw / "status").comparison())
    country, municipality = text("comparators.areas.Hele landet.sentence"), strategy.municipality
    assert f"Fra 2015 til 2019 er andelen steget {comma(hand['ours'])} procentpoint i {municipality} og uændret i {country}." in section
    expected = (
        f"Andelen i {municipality} er dermed {comma(hand['d'])} procentpoint højere, end hvis den havde fulgt udviklingen i {country} "
        f"(95 %-konfidensinterval: {comma(hand['low'])}-{comma(hand['high'])} procentpoint højere). "
        "Forskellen er større, end tilfældigheder kan forklare."
    )
    assert expected in section
    row = f"Hele landet 2015-2019 +{comma(hand['ours'])} 0,0 +{comma(hand['d'])} {comma(hand['low'])} – {comma(hand['high'])}"
    assert row in section
    assert "Wilson-interval ud fra tæller og nævner" in section and "Region Nordjylland" in section


@pytest.mark.slow
def test_a_count_is_compared_in_percent_with_a_country_taken_as_counted(demo_dirs, strategy):
    """Treatment starts: Aalborg's rise against the country's as a ratio of ratios; the interval reaches
    both sides of 0, so the sentence says the difference may be chance; the region's bare figures are
    taken as exact and the page says so."""
    from rusmiddel_analysis.present.target_report import TargetReport

    raw, processed = demo_dirs
    hand = by_hand(processed, strategy, "behandling_antal", "Hele landet", 2015, 2019)
    assert hand["low"] < 0 < hand["high"] and hand["d"] < 0
    section = words(TargetReport("behandling_antal", 2019, processed_dir=processed, status_dir=raw / "status").comparison())
    assert f"er antallet steget {comma(hand['ours'])} procent i {strategy.municipality} og {comma(hand['theirs'])} procent i hele landet." in section
    lower = f"Antallet i {strategy.municipality} er dermed {comma(abs(hand['d']))} procent lavere, end hvis det havde fulgt udviklingen i hele landet"
    interval = f"(95 %-konfidensinterval: fra {comma(abs(hand['low']))} procent lavere til {comma(hand['high'])} procent højere)."
    assert f"{lower} {interval} Forskellen kan skyldes tilfældigheder." in section
    assert "Tallene for Region Nordjylland er offentliggjort uden usikkerhed og regnes her som eksakte." in section
    assert f"-{comma(abs(hand['d']))} % {comma(hand['low'])} – {comma(hand['high'])} %" in section


def a_difference(**values):
    """A difference in differences as calc/comparators.py hands it to a page (the numbers are the words' only)."""
    from rusmiddel_analysis.calc.comparators import Difference

    base = dict(
        target_id="behandling_antal",
        area="Hele landet",
        unit="percent",
        baseline_year=2015,
        year=2018,
        municipality_baseline=611.0,
        municipality_value=674.0,
        comparator_baseline=11400.0,
        comparator_value=14022.0,
        municipality_change=10.3,
        comparator_change=23.0,
        difference=-10.3,
        low=-18.0,
        high=-2.0,
        confidence=0.95,
        excludes_zero=True,
        comparator_exact=False,
    )
    return Difference(**{**base, **values})


def test_the_sentences_say_when_the_comparison_stops_early_and_the_unit_of_each_change(strategy):
    """National figures come late: a comparison that stops before the year the municipality measured
    says so, and one that stops before the report year (no measurement since) says why; a fall, a
    change the same way without its verb again, an interval wholly below 0; English on request."""
    from rusmiddel_analysis.present.comparisons import difference_sentences

    late = difference_sentences(strategy, a_difference(), 2019, 2019)
    assert late[0] == f"Fra 2015 til 2018 er antallet steget 10,3 procent i {strategy.municipality} og 23,0 procent i hele landet."
    assert late[1].endswith("(95 %-konfidensinterval: 2,0-18,0 procent lavere).") and "10,3 procent lavere" in late[1]
    assert late[-1] == "Der er endnu ingen tal for hele landet for 2019, så sammenligningen går til 2018."
    earlier = difference_sentences(strategy, a_difference(), 2019, 2018)
    assert earlier[-1] == f"Sammenligningen går til 2018, det seneste år med tal for både {strategy.municipality} og hele landet."
    assert difference_sentences(strategy, a_difference(year=2019), 2019, 2019)[-1] == "Forskellen er større, end tilfældigheder kan forklare."
    fell = a_difference(unit="points", municipality_change=-1.5, comparator_change=-0.5, difference=-1.0, low=-5.3, high=3.3, excludes_zero=False)
    said = difference_sentences(strategy, fell, 2018, 2018)
    assert said[0] == f"Fra 2015 til 2018 er andelen faldet 1,5 procentpoint i {strategy.municipality} og 0,5 procentpoint i hele landet."
    assert "fra 5,3 procentpoint lavere til 3,3 procentpoint højere" in said[1] and said[2] == "Forskellen kan skyldes tilfældigheder."
    english = difference_sentences(strategy, fell, 2018, 2018, "en")
    fell_en = f"From 2015 to 2018 the share fell 1.5 percentage points in {strategy.municipality}"
    assert english[0] == f"{fell_en} and 0.5 percentage points in the whole country."
    assert english[1].startswith(f"The share in {strategy.municipality} is thus 1.0 percentage points lower than if it had followed")


@pytest.mark.slow
def test_the_trend_plot_draws_each_area_beside_the_municipality(demo_dirs, strategy):
    """The comparators' lines hold the published figures (a share as published, a count scaled to the
    baseline by the area's baseline-year figure), beside the municipality's points, named in the legend
    after the municipality's measurements; the alt text names each area's first and last figure."""
    from matplotlib.container import ErrorbarContainer

    from rusmiddel_analysis.present import plots
    from rusmiddel_analysis.present.target_report import TargetReport

    raw, processed = demo_dirs
    figures = pd.read_parquet(processed / "sammenligning.parquet")
    for target_id in ("skole_alkohol", "behandling_antal"):
        report = TargetReport(target_id, 2018, processed_dir=processed, status_dir=raw / "status")
        target = report.target
        fig = plots.trend_plot(target, report.rows, report.assessment, "da", report.comparators, strategy.municipality)
        (ax,) = fig.axes
        legend = [t.get_text() for t in fig.legends[0].texts]
        assert legend[0].startswith(strategy.municipality)
        assert legend[1].startswith("Hele landet") and legend[2].startswith("Region Nordjylland")
        containers = {c.get_label(): c for c in ax.containers if isinstance(c, ErrorbarContainer)}
        national = containers[legend[1]]
        expected = figures[(figures["target_id"] == target_id) & (figures["area"] == "Hele landet") & (figures["year"] <= 2018)].sort_values("year")
        values = expected["value"].to_numpy(float)
        if not target.is_share:
            values = values * target.baseline_value / values[0]
            assert "omregnet til udgangspunktet 2015" in legend[1]
        line = national.lines[0]
        np.testing.assert_allclose(line.get_ydata(), values, rtol=1e-12)
        offsets = np.asarray(line.get_xdata(), float) - expected["year"].to_numpy(float)
        assert np.all(offsets != 0) and np.ptp(offsets) == 0  # beside the year, never on the municipality's point
        alt = plots.trend_alt_text(target, report.rows, report.assessment, "da", report.comparators)
        first, last = expected.iloc[0]["value"], expected.iloc[-1]["value"]
        shown = (lambda v: f"{comma(v)} %") if target.is_share else (lambda v: comma(v, 0))
        assert f"hele landet fra {shown(first)} i 2015 til {shown(last)} i 2018" in alt.replace("\u00a0", " ")


@pytest.mark.slow
def test_the_resume_names_the_targets_whose_reading_the_comparison_changes(demo_dirs, strategy):
    """2019: the targets that went well while the country (the first area) moved as well or better,
    and those behind that moved better than it beyond chance, classified here from the difference's
    interval and the target's direction, listed in one sentence of the resumé."""
    from rusmiddel_analysis.present.status_report import StatusReport

    raw, processed = demo_dirs
    results = compute_results(strategy, processed)
    year = results.differences[results.differences["report_year"] == 2019]
    first = year.groupby("target_id", sort=False).head(1).set_index("target_id")
    assert set(first["area"]) == {"Hele landet"}
    # by hand: each target's first area in the comparator file, its difference in differences from the
    # baseline to 2019 (both have 2019's figure) and the target's status from the decision table
    areas = pd.read_parquet(processed / "sammenligning.parquet").groupby("target_id", sort=False)["area"].first()
    assert set(areas) == {"Hele landet"} and set(areas.index) == set(first.index)
    same, ahead = [], []
    for target_id, status in expected.statuses(processed, 2019).items():
        if target_id not in areas.index:
            continue
        target = strategy.target(target_id)
        d = by_hand(processed, strategy, target_id, areas[target_id], target.baseline_year, 2019)
        better_beyond_chance = (d["low"] > 0) if target.higher_is_better else (d["high"] < 0)
        if status in ("achieved", "on_track", "maintained") and not better_beyond_chance:
            same.append(target.short_name.da)
        elif status not in ("achieved", "on_track", "maintained", "insufficient_data") and better_beyond_chance:
            ahead.append(target.short_name.da)
    assert same  # the demo's story: the country's treatment starts rose faster
    listed = lambda names: names[0] if len(names) == 1 else f"{', '.join(names[:-1])} og {names[-1]}"
    summary = words(StatusReport(2019, processed_dir=processed, status_dir=raw / "status").summary())
    sentence = f"På {len(same)} af de mål, det går godt for, har hele landet udviklet sig lige så godt eller bedre: {listed(same)}"
    if ahead:
        sentence += (
            f"; på {len(ahead)} af de mål, det ikke går godt nok for, har {strategy.municipality} udviklet sig bedre end hele landet: {listed(ahead)}"
        )
    assert f"{sentence}." in summary


def test_the_resume_lists_a_target_behind_that_did_better_than_its_area(strategy):
    """A target behind whose difference lies beyond chance on its better side, one going well while
    the area did better, and those the comparison does not change (behind and worse; no comparison)."""
    from rusmiddel_analysis.present.comparisons import resume_sentence

    ids = ["skole_alkohol", "skole_hash", "skole_stoffer", "behandling_antal"]
    assessment = pd.DataFrame({"target_id": ids, "status": ["needs_acceleration", "achieved", "not_achieved", "on_track"], "data_quality": ""})
    d = lambda area, difference, excludes: pd.Series({"area": area, "difference": difference, "excludes_zero": excludes})
    first = {
        "skole_alkohol": d("Hele landet", 3.0, True),
        "skole_hash": d("Region Nordjylland", -2.0, True),
        "skole_stoffer": d("Hele landet", -1.0, True),
    }
    names = {t: t.upper() for t in ids}
    said = resume_sentence(strategy, assessment, first, names)
    assert said == (
        f"På 1 af de mål, det ikke går godt nok for, har {strategy.municipality} udviklet sig bedre end hele landet: SKOLE_ALKOHOL; "
        "på 1 af de mål, det går godt for, har Region Nordjylland udviklet sig lige så godt eller bedre: SKOLE_HASH."
    )
    assert resume_sentence(strategy, assessment, {}, names) == ""


@pytest.mark.slow
def test_the_years_tables_hold_the_comparators_and_the_differences(demo_report, demo_dirs, strategy):
    """comparators.csv: every area's figure up to the year with its interval (Wilson's from its counts,
    here by hand); differences.csv: the year's difference in differences, the numbers computed here."""
    _, processed = demo_dirs
    figures = pd.read_csv(demo_report / "2017" / "comparators.csv")
    source = pd.read_parquet(processed / "sammenligning.parquet")
    assert len(figures) == int((source["year"] <= 2017).sum()) and figures["year"].max() == 2017
    row = figures[(figures["target_id"] == "skole_hash") & (figures["area"] == "Hele landet") & (figures["year"] == 2017)].iloc[0]
    low, high = proportion_confint(row["numerator"], row["denominator"], alpha=0.05, method="wilson")
    assert (row["ci_low"], row["ci_high"], row["interval"]) == (pytest.approx(100 * low), pytest.approx(100 * high), "wilson")
    table = pd.read_csv(demo_report / "2017" / "differences.csv")
    assert {"ci_low", "ci_high", "excludes_zero", "comparator_exact"} <= set(table.columns) and (table["year"] <= 2017).all()
    hand = by_hand(processed, strategy, "skole_hash", "Hele landet", 2015, 2017)
    found = table[(table["target_id"] == "skole_hash") & (table["area"] == "Hele landet")].iloc[0]
    assert (found["difference"], found["ci_low"], found["ci_high"]) == pytest.approx((hand["d"], hand["low"], hand["high"]), rel=1e-9)
    sheets = pd.read_excel(demo_report / "2017" / "assessment.xlsx", sheet_name=None)
    assert len(sheets["Sammenligning 2017"]) == len(table) and len(sheets["Andre områder 2017"]) == len(figures)
