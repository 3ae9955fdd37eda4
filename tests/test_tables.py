"""The results tables' models (calc/tables.py): the demo's real tables match them as computed, as
kept and as read back; a table with a renamed or missing column, or a column of another type, is
refused with a message that names the table, its columns and the checks, never a cell's value; the
modules' column lists are the models' own."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rusmiddel_analysis.calc import assessment, comparators, disclosure, high_risk, indicators, results, stats, tables
from rusmiddel_analysis.calc.tables import MODELS, TableError, columns


@pytest.fixture
def follow_up(demo_dirs, strategy) -> pd.DataFrame:
    """The demo's follow-up summary, as the results compute it (a real table, quick to compute)."""
    _, processed = demo_dirs
    return results.Results("any", strategy=strategy, processed_dir=processed).follow_up


def refused(name: str, frame: pd.DataFrame, *, kept: bool = False) -> str:
    """The message with which `frame` is refused as results table `name` (as written, or as read back)."""
    with pytest.raises(TableError) as caught:
        (tables.check if kept else tables.conform)(name, frame)
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # pandera's message, with values, is not chained
    return str(caught.value)


def cell_texts(frame: pd.DataFrame) -> set[str]:
    """Every cell of `frame` as text, the way a message would print it (numbers of two digits or more)."""
    texts = set()
    for value in frame.to_numpy().ravel():
        if isinstance(value, str) or (isinstance(value, (int, float, np.number)) and not pd.isna(value) and abs(float(value)) >= 10):
            texts |= {str(value)} if isinstance(value, str) else {str(value), f"{float(value):g}"}
    return texts


def test_the_demo_follow_up_summary_matches_its_model_and_keeps_its_values(follow_up):
    assert not follow_up.empty and list(follow_up.columns) == columns(tables.FollowUp)
    conformed = tables.conform("follow_up", follow_up)
    pd.testing.assert_frame_equal(conformed, follow_up, check_dtype=False)
    assert conformed["year"].dtype == np.int64 and conformed["episodes"].dtype == np.float64
    assert set(conformed["usable"].dropna().map(type)) == {bool}  # true, false or None, as the pages read it


def test_a_renamed_or_missing_column_is_refused_by_name(follow_up):
    message = refused("follow_up", follow_up.rename(columns={"reached": "reached_persons"}))
    assert message.startswith("results table 'follow_up' does not match its model FollowUp: ")
    assert "unexpected column 'reached_persons'" in message and "missing column 'reached'" in message
    assert "missing column 'success_share'" in refused("follow_up", follow_up.drop(columns="success_share"))
    swapped = [{"episodes": "contact_rate", "contact_rate": "episodes"}.get(c, c) for c in follow_up.columns]
    assert "column out of order 'episodes'" in refused("follow_up", follow_up[swapped])
    # as read back too: a kept table is checked with its types as they are
    assert "missing column 'reached'" in refused("follow_up", follow_up.drop(columns="reached"), kept=True)


def test_a_column_of_another_type_is_refused_naming_the_column_and_never_a_value(follow_up):
    secret = follow_up.assign(episodes=[f"{n:.0f} episodes of person {i}" for i, n in enumerate(follow_up["episodes"].fillna(0))])
    message = refused("follow_up", secret)
    assert "column 'episodes' fails coerce_dtype('float64')" in message
    assert "episodes of person" not in message and not cell_texts(follow_up) & set(message.replace(",", " ").replace("'", " ").split())
    # a kept table whose numbers were written as text, read back as it is
    assert "column 'episodes' fails dtype('float64')" in refused("follow_up", follow_up.astype({"episodes": str}), kept=True)
    # a true/false column holding another word, and a key missing in a row
    usable = follow_up.astype({"usable": object})
    usable.loc[usable.index[0], "usable"] = "kontaktet 245 borgere"
    message = refused("follow_up", usable)
    assert "column 'usable' fails true or false" in message and "245" not in message and "borgere" not in message
    keyless = follow_up.astype({"substance": object})
    keyless.loc[keyless.index[0], "substance"] = None
    assert "column 'substance' fails not_nullable" in refused("follow_up", keyless)


def test_an_empty_table_is_kept_with_its_models_types():
    """A source the data do not have gives an empty table, which is kept typed (read back as such)."""
    empty = tables.conform("high_risk_unavailable", pd.DataFrame(columns=high_risk.UNAVAILABLE_COLUMNS))
    assert empty.empty and empty["year"].dtype == np.int64 and pd.api.types.is_string_dtype(empty["table"])
    tables.check("high_risk_unavailable", empty)


def test_a_table_that_does_not_match_is_never_written(tmp_path, follow_up):
    broken = results.Results("any", {"totals": follow_up})  # the follow-up summary is no indicator table
    with pytest.raises(TableError, match="results table 'totals' does not match its model Indicators: unexpected column 'months'"):
        results.write_results(broken, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_modules_column_lists_are_the_models():
    assert indicators.COLUMNS == columns(tables.Indicators)
    assert indicators.OPTIONAL_COLUMNS == [*disclosure.DETAIL_COLUMNS, "estimation_limits"]
    assert disclosure.VALUE_COLUMNS == ("numerator", "denominator", "value", "ci_low", "ci_high")
    assert disclosure.COUNT_COLUMNS == ("numerator", "denominator") and "trend_years" in disclosure.DETAIL_COLUMNS
    assert assessment.COLUMNS == columns(tables.Assessment) and set(assessment.CARRIED) < set(assessment.COLUMNS)
    assert set(assessment.CARRIED) <= set(disclosure.DETAIL_COLUMNS)  # copied from the indicator row, hidden with it
    assert "watch" in assessment.TEXT_COLUMNS and "change_significant" in assessment.TEXT_COLUMNS and "measured_year" not in assessment.TEXT_COLUMNS
    assert high_risk.EMPTY["high_risk"] == [*high_risk.CO_OCCURRENCE_COLUMNS, "suppressed"] == columns(tables.CoOccurrence)
    assert high_risk.PAIR_NUMBERS == ["exposed_n", "exposed_cases", "unexposed_n", "unexposed_cases", *high_risk.PAIR_MEASURES]
    assert high_risk.PAIR_MEASURES == [*high_risk.PAIR_SHARES, *high_risk.PAIR_RATIOS] and "relative_risk" in high_risk.PAIR_RATIOS
    assert high_risk.SHARE_COLUMNS == [*disclosure.VALUE_COLUMNS, "effective_n"]
    assert high_risk.TREND_COLUMNS == ["report_year", "first_year", "last_year", *(f.name for f in dataclasses.fields(stats.TrendResult))]
    assert comparators.COLUMNS == columns(tables.Comparators)
    assert columns(tables.Differences) == ["report_year", *comparators.DIFFERENCE_COLUMNS]  # comparators.Difference's fields
    assert results.TABLES == tuple(MODELS)


@pytest.mark.slow
def test_every_demo_results_table_matches_its_model_as_computed_kept_and_read_back(processed, strategy):
    made = results.ensure_results(strategy, processed)  # every table conformed as it is written
    kept = results.read_results(processed)  # and checked as it is read back
    for name in results.TABLES:
        computed, read = getattr(made, name), getattr(kept, name)
        assert list(read.columns) == list(computed.columns) == columns(MODELS[name]), name
        pd.testing.assert_frame_equal(read, tables.conform(name, computed), obj=name)  # the types as kept
        pd.testing.assert_frame_equal(read, computed, check_dtype=False, obj=name)  # the values as computed
    # a kept table changed behind the run's back is refused by name when read
    folder = processed / results.FOLDER
    kept.assessment.rename(columns={"status": "state"}).to_parquet(folder / "assessment.parquet", index=False)
    with pytest.raises(TableError, match="results table 'assessment' .*unexpected column 'state'"):
        results.read_results(processed)


def test_reading_a_results_table_imports_no_dask(follow_up, tmp_path):
    """pandera's dask typing would import dask.dataframe into every report kernel (calc/tables.py);
    a new process that loads the report views and checks a kept table has not imported dask."""
    kept = tmp_path / "follow_up.parquet"
    tables.conform("follow_up", follow_up).to_parquet(kept, index=False)
    script = (
        "import sys, pandas as pd\n"
        "import rusmiddel_analysis.present.target_report\n"
        "from rusmiddel_analysis.calc import tables\n"
        "tables.check('follow_up', pd.read_parquet(sys.argv[1]))\n"
        "print(sorted(m for m in sys.modules if m == 'dask' or m.startswith('dask.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(kept)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
