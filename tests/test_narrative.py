"""Narrative sentences word for word, in Danish and English, for fixed assessments."""

import numpy as np
import pandas as pd
import pytest

from rusmiddel_analysis import formatting as fmt
from rusmiddel_analysis import narrative
from rusmiddel_analysis.textcatalog import catalogue, text


def row(**values):
    base = dict(target_id="skole_alkohol", year=2017, measured_year=2017, value=45.0, ci_low=44.0, ci_high=46.0,
                numerator=4050, denominator=9000, progress_ratio=0.6, status="needs_acceleration", change_significant=True,
                data_quality="", trend="increasing", projected_value=47.0, projected_low=45.0, projected_high=49.0)
    base.update(values)
    return pd.Series(base)


def test_the_issue_example_word_for_word(strategy):
    t = strategy.target("skole_alkohol")
    assert narrative.target_narrative(strategy, t, row()) == (
        "Andelen af elever i 6.-10. klasse, der ikke har prøvet at drikke alkohol, er steget fra 41 % i 2015 til 45 % i 2017 "
        "(95 %-konfidensinterval 44-46 %). Målet for 2019 er 50 %. Udviklingen svarer til 60 % af den nødvendige fremgang, "
        "så målet kræver en hurtigere udvikling.").replace(" %", "\u00a0%")


def test_english(strategy):
    t = strategy.target("skole_alkohol")
    assert narrative.target_narrative(strategy, t, row(), "en") == (
        "The share of pupils in grades 6-10 who have not tried drinking alcohol rose from 41% in 2015 to 45% in 2017 "
        "(95% confidence interval 44-46%). The target for 2019 is 50%. Progress amounts to 60% of the progress needed, "
        "so the target needs faster progress.")


NBSP = "\u00a0"


@pytest.mark.parametrize("status, values, da, en", [
    ("achieved", {"value": 50.4}, "Målet er nået.", "The target has been reached."),
    ("on_track", {"progress_ratio": 1.06}, f"Udviklingen svarer til 106{NBSP}% af den nødvendige fremgang, så målet er inden for rækkevidde.",
     "Progress amounts to 106% of the progress needed, so the target is within reach."),
    ("limited_progress", {"progress_ratio": 0.21},
     f"Udviklingen svarer kun til 21{NBSP}% af den nødvendige fremgang, så målet nås ikke uden en markant hurtigere udvikling.",
     "Progress amounts to only 21% of the progress needed, so the target will not be reached without much faster progress."),
    ("deterioration", {"value": 39.0}, "Udviklingen går den modsatte vej af målet.", "The development runs opposite to the target."),
    ("not_achieved", {"value": 49.0, "measured_year": 2019}, "Målet er ikke nået: der mangler 1 procentpoint.",
     "The target has not been reached: 1 percentage point short."),
    ("not_achieved", {"value": 49.6, "measured_year": 2019}, "Målet er ikke nået: der mangler 0,4 procentpoint.",
     "The target has not been reached: 0.4 percentage points short."),
])
def test_status_sentences(strategy, status, values, da, en):
    t = strategy.target("skole_alkohol")
    r = row(status=status, **values)
    assert narrative.status_sentence(t, r, "da") == da
    assert narrative.status_sentence(t, r, "en") == en


def test_maintain_sentences(strategy):
    t = strategy.target("ungdom_hash")
    held = row(target_id=t.id, value=66.5, status="maintained", change_significant=False)
    assert narrative.status_sentence(t, held) == "Niveauet er fastholdt: ændringen siden 2015 er ikke statistisk signifikant."
    better = row(target_id=t.id, value=70.0, status="maintained", change_significant=True)
    assert narrative.status_sentence(t, better, "en") == "The level has been more than held: it has improved significantly since 2015."
    worse = row(target_id=t.id, value=64.0, status="worsened", change_significant=True)
    assert narrative.status_sentence(t, worse) == (
        "Niveauet er ikke fastholdt: det er forværret med 4 procentpoint siden 2015, og ændringen er statistisk signifikant.")


def test_counts_singular_and_plural(strategy):
    t = strategy.target("behandling_antal")
    assert narrative.amount(t, 1) == "1 borger" and narrative.amount(t, 54) == "54 borgere"
    assert narrative.amount(t, 1, "en") == "1 citizen" and narrative.amount(t, 1234, "en") == "1,234 citizens"
    r = row(target_id=t.id, value=649.0, ci_low=600.0, ci_high=701.0, progress_ratio=0.86)
    assert narrative.change_sentence(strategy, t, r) == (
        "Antallet af borgere, der påbegynder misbrugsbehandling, er steget fra 611 i 2015 til 649 i 2017 "
        "(95 %-konfidensinterval 600-701).").replace(" %", NBSP + "%")


def test_insufficient_data_sentences(strategy):
    t = strategy.target("behandling_alkohol_effekt")
    r = row(target_id=t.id, status="insufficient_data", data_quality="min_contact_rate:0.120<0.5")
    assert narrative.status_sentence(t, r) == (
        f"Status kan ikke opgøres for 2017: tallene kan ikke anvendes, da der kun er opnået kontakt til 12{NBSP}% "
        f"af borgerne ved opfølgningen (der kræves mindst 50{NBSP}%).")
    none = row(target_id="ungdom_hash", year=2016, measured_year=np.nan, status="insufficient_data", data_quality="no_measurement_since:2015")
    assert narrative.target_narrative(strategy, strategy.target("ungdom_hash"), none, "en") == (
        "The share of students in upper secondary education who have not tried smoking hash has not been measured since 2015 (68%), "
        "so no status can be given for 2016. The target is to hold the level of 68% until 2019.")


def test_trend_and_projection_sentences(strategy):
    t = strategy.target("skole_alkohol")
    assert narrative.trend_sentence(row(), [2015, 2016, 2017, 2018]) == (
        f"Over de 3 målte år (2015-2017) er der en statistisk signifikant stigende tendens (test for trend på 99,8{NBSP}%-niveau).")
    assert narrative.trend_sentence(row(trend="cannot_calculate"), [2015, 2017], "en") == (
        "The trend cannot be calculated: 2 years have been measured and the test needs at least 3.")
    assert narrative.projection_sentence(t, row(), "en") == (
        "If the development continues as so far, the share of pupils in grades 6-10 who have not tried drinking alcohol "
        "is expected to be 47% in 2019 (95% interval 45-49%), below the target of 50%.")


def test_summary_sentence():
    a = pd.DataFrame({"status": ["achieved", "on_track", "needs_acceleration", "deterioration", "insufficient_data"]})
    assert narrative.summary_sentence(a, 2017) == (
        "I 2017 er 5 mål opgjort: 2 er nået, på rette vej eller fastholdt; 1 kræver en hurtigere udvikling; "
        "1 går den forkerte vej, er ikke nået eller ikke fastholdt; 1 kan ikke opgøres.")


def test_number_formatting_is_danish_by_default():
    assert fmt.number(1234.5, "da", 1) == "1.234,5" and fmt.number(1234.5, "en", 1) == "1,234.5"
    assert fmt.percent(41, "da") == f"41{NBSP}%" and fmt.percent(41, "en") == "41%"
    assert fmt.interval(94.52, 95.43, "percent", "da") == f"94,5-95,4{NBSP}%"
    assert fmt.points(3, "da") == "3 procentpoint"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        fmt.number(1, "fr")


def test_catalogues_have_the_same_keys_and_placeholders():
    import string

    da, en = catalogue("da"), catalogue("en")
    assert set(da) == set(en)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(str(s)) if f}
    for key in da:
        assert fields(da[key]) == fields(en[key]), key
    with pytest.raises(KeyError, match="no entry 'status.unknown_status'"):
        text("status.unknown_status")


def test_the_baseline_year_is_shown_as_the_baseline(strategy):
    from rusmiddel_analysis.badges import status_badge

    t = strategy.target("behandling_antal")
    r = row(target_id=t.id, year=2015, measured_year=np.nan, status="insufficient_data", data_quality="baseline_year:2015")
    assert narrative.target_narrative(strategy, t, r) == (
        "2015 er strategiens udgangspunkt: antallet af borgere, der påbegynder misbrugsbehandling, var 611 ifølge strategien. "
        "Målet for 2019 er 703.")
    assert ">Udgangspunkt<" in status_badge("insufficient_data", "da", "baseline_year:2015")
    assert ">Mangler data<" in status_badge("insufficient_data", "da", "no_measurement_since:2015", short=True)
    summary = pd.DataFrame({"status": ["insufficient_data"] * 2, "data_quality": ["baseline_year:2015"] * 2})
    assert narrative.summary_sentence(summary, 2015, "en") == "2015 is the strategy's baseline; the targets are assessed from 2016."
