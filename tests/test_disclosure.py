"""Disclosure control: primary rules, secondary suppression, nothing suppressed left behind."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rusmiddel_analysis.calc.disclosure import primary_suppression, suppress


def test_primary_rules():
    num = [41, 3, 98, 0, 10, 3, 0, 5, 12]
    den = [100, 100, 100, 100, 19, np.nan, np.nan, np.nan, 20]
    share = [True, True, True, True, True, False, False, False, True]
    assert primary_suppression(num, den, share).tolist() == ["", "small_cell", "small_cell", "", "small_group", "small_count", "", "", ""]


def _table(rows):
    return pd.DataFrame(rows, columns=["target_id", "year", "group", "numerator", "denominator", "value", "ci_low", "ci_high", "unit"])


def test_secondary_suppression_hides_the_next_smallest_cell():
    table = _table(
        [
            ("t", 2017, "a", 50, 100, 50.0, 40.0, 60.0, "percent"),
            ("t", 2017, "b", 3, 30, 10.0, 3.0, 26.0, "percent"),  # primary: 3 persons
            ("t", 2017, "c", 30, 60, 50.0, 37.0, 63.0, "percent"),  # next smallest: hidden too
            ("t", 2018, "a", 50, 100, 50.0, 40.0, 60.0, "percent"),
            ("t", 2018, "b", 10, 30, 33.3, 19.0, 51.0, "percent"),
        ]
    )
    out = suppress(table, ["target_id", "year"])
    assert out["suppression"].tolist() == ["", "small_cell", "secondary", "", ""]
    hidden = out[out["suppressed"]]
    assert hidden[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
    # the published total (83 of 190) minus the shown cell leaves only the sum of the two hidden ones
    assert 83 - out.loc[0, "numerator"] == 3 + 30


def test_small_counts():
    table = _table(
        [
            ("n", 2017, "male", 3, np.nan, 3.0, 0.6, 8.8, "persons"),
            ("n", 2017, "female", 600, np.nan, 600.0, 550, 650, "persons"),
            ("n", 2017, "other", 40, np.nan, 40.0, 28, 54, "persons"),
        ]
    )
    out = suppress(table, ["target_id", "year"])
    assert out["suppression"].tolist() == ["small_count", "", "secondary"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 60)), min_size=2, max_size=6))
def test_no_breakdown_is_left_with_exactly_one_hidden_cell(cells):
    rows = [("t", 2017, f"g{i}", min(x, n), n, 100 * min(x, n) / n, 0.0, 100.0, "percent") for i, (x, n) in enumerate(cells)]
    out = suppress(_table(rows), ["target_id", "year"])
    assert out["suppressed"].sum() != 1
    assert out.loc[out["suppressed"], "value"].isna().all()
    primary = primary_suppression([min(x, n) for x, n in cells], [n for _, n in cells], [True] * len(cells))
    assert (out["suppressed"].to_numpy() >= (primary != "")).all()  # every primary cell stays hidden


def test_hidden_rows_lose_their_detail_columns_too():
    table = _table(
        [
            ("t", 2017, "a", 50, 100, 50.0, 40.0, 60.0, "percent"),
            ("t", 2017, "b", 3, 30, 10.0, 3.0, 26.0, "percent"),
            ("t", 2017, "c", 30, 60, 50.0, 37.0, 63.0, "percent"),
        ]
    )
    table["no_answer"], table["unknown_share"], table["contact_rate"] = [5, 2, 4], [0.1, 0.2, 0.3], [0.5, 0.1, 0.4]
    out = suppress(table, ["target_id", "year"])
    assert out.loc[out.suppressed, ["no_answer", "unknown_share", "contact_rate"]].isna().all().all()
    assert out.loc[0, ["no_answer", "unknown_share", "contact_rate"]].tolist() == [5, 0.1, 0.5]


def test_follow_up_counts_and_rates_follow_the_same_rules():
    from rusmiddel_analysis.calc.disclosure import hidden

    # attempts of 3 persons; a contact rate of 18 of 19 (a group under 20); 30 of 60 shown
    assert hidden([3, 40, 60], np.nan, "persons").tolist() == [True, False, False]
    assert hidden([18, 30], [19, 60], "percent").tolist() == [True, False]


def test_all_or_none_cells_are_hidden_for_health_data_and_small_survey_groups():
    from rusmiddel_analysis.calc.disclosure import Rules

    rules = Rules()
    health, survey = rules.all_or_none_limit(True), rules.all_or_none_limit(False)
    # 0 of 30 and 30 of 30 in treatment data: hidden at any size; 0 of 30 pupils: hidden (under 50); 0 of 400 pupils: shown
    reasons = primary_suppression([0, 30, 0, 0, 12], [30, 30, 30, 400, 30], [True] * 5, rules, [health, health, survey, survey, health])
    assert reasons.tolist() == ["all_or_none", "all_or_none", "all_or_none", "", ""]
    # totals are not a breakdown: the rule does not apply to them
    assert primary_suppression([0], [30], [True], rules).tolist() == [""]
    assert Rules(all_or_none_health_data=False).all_or_none_limit(True) == 50


def test_the_hidden_cells_together_must_be_publishable():
    """Two hidden cells whose sum is still a small cell: the total minus the rest would give it, so a third is hidden."""
    table = _table(
        [
            ("t", 2017, "a", 2, 25, 8.0, 2.0, 25.0, "percent"),  # primary: 2 persons
            ("t", 2017, "b", 1, 22, 4.5, 1.0, 22.0, "percent"),  # primary: 1 person; a + b = 3 of 47, still small
            ("t", 2017, "c", 30, 60, 50.0, 37.0, 63.0, "percent"),  # hidden too: now 33 of 107
            ("t", 2017, "d", 40, 80, 50.0, 39.0, 61.0, "percent"),
        ]
    )
    out = suppress(table, ["target_id", "year"])
    assert out["suppression"].tolist() == ["small_cell", "small_cell", "secondary", ""]


def test_ties_are_broken_by_the_groups_name():
    table = _table([("t", 2017, g, 10, 40, 25.0, 10.0, 40.0, "percent") for g in ("z", "y", "x")])
    table.loc[0, ["numerator"]] = 2
    out = suppress(table, ["target_id", "year"])
    assert out.set_index("group")["suppression"].to_dict() == {"z": "small_cell", "y": "", "x": "secondary"}


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 60)), min_size=2, max_size=6), st.booleans())
def test_what_differencing_gives_is_always_publishable(cells, health):
    """The total minus the shown cells is the hidden cells' sum: it breaks no rule, or every cell is hidden."""
    from rusmiddel_analysis.calc.disclosure import Rules

    rules = Rules()
    rows = [("t", 2017, f"g{i}", min(x, n), n, 100 * min(x, n) / n, 0.0, 100.0, "percent") for i, (x, n) in enumerate(cells)]
    table = _table(rows)
    out = suppress(table, ["target_id", "year"], rules, rules.all_or_none_limit(health))
    hidden = out["suppressed"].to_numpy()
    if hidden.any() and not hidden.all():
        numerator, denominator = table.loc[hidden, "numerator"].sum(), table.loc[hidden, "denominator"].sum()
        assert primary_suppression(numerator, denominator, True, rules, rules.all_or_none_limit(health)) == ""
        assert hidden.sum() >= 2
