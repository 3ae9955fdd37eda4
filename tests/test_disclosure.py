"""Disclosure control: primary rules, secondary suppression, nothing suppressed left behind."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rusmiddel_analysis.disclosure import primary_suppression, suppress


def test_primary_rules():
    num = [41, 3, 98, 0, 10, 3, 0, 5, 12]
    den = [100, 100, 100, 100, 19, np.nan, np.nan, np.nan, 20]
    share = [True, True, True, True, True, False, False, False, True]
    assert primary_suppression(num, den, share).tolist() == [
        "", "small_cell", "small_cell", "", "small_group", "small_count", "", "", ""]


def _table(rows):
    return pd.DataFrame(rows, columns=["target_id", "year", "group", "numerator", "denominator", "value", "ci_low", "ci_high", "unit"])


def test_secondary_suppression_hides_the_next_smallest_cell():
    table = _table([
        ("t", 2017, "a", 50, 100, 50.0, 40.0, 60.0, "percent"),
        ("t", 2017, "b", 3, 30, 10.0, 3.0, 26.0, "percent"),    # primary: 3 persons
        ("t", 2017, "c", 30, 60, 50.0, 37.0, 63.0, "percent"),  # next smallest: hidden too
        ("t", 2018, "a", 50, 100, 50.0, 40.0, 60.0, "percent"),
        ("t", 2018, "b", 10, 30, 33.3, 19.0, 51.0, "percent"),
    ])
    out = suppress(table, ["target_id", "year"])
    assert out["suppression"].tolist() == ["", "small_cell", "secondary", "", ""]
    hidden = out[out["suppressed"]]
    assert hidden[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
    # the published total (83 of 190) minus the shown cell leaves only the sum of the two hidden ones
    assert 83 - out.loc[0, "numerator"] == 3 + 30


def test_small_counts():
    table = _table([("n", 2017, "male", 3, np.nan, 3.0, 0.6, 8.8, "persons"), ("n", 2017, "female", 600, np.nan, 600.0, 550, 650, "persons"),
                    ("n", 2017, "other", 40, np.nan, 40.0, 28, 54, "persons")])
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
    table = _table([("t", 2017, "a", 50, 100, 50.0, 40.0, 60.0, "percent"), ("t", 2017, "b", 3, 30, 10.0, 3.0, 26.0, "percent"),
                    ("t", 2017, "c", 30, 60, 50.0, 37.0, 63.0, "percent")])
    table["no_answer"], table["unknown_share"], table["contact_rate"] = [5, 2, 4], [0.1, 0.2, 0.3], [0.5, 0.1, 0.4]
    out = suppress(table, ["target_id", "year"])
    assert out.loc[out.suppressed, ["no_answer", "unknown_share", "contact_rate"]].isna().all().all()
    assert out.loc[0, ["no_answer", "unknown_share", "contact_rate"]].tolist() == [5, 0.1, 0.5]


def test_follow_up_counts_and_rates_follow_the_same_rules():
    from rusmiddel_analysis.disclosure import hidden

    # attempts of 3 persons; a contact rate of 18 of 19 (a group under 20); 30 of 60 shown
    assert hidden([3, 40, 60], np.nan, "persons").tolist() == [True, False, False]
    assert hidden([18, 30], [19, 60], "percent").tolist() == [True, False]
