"""Results computed once per run: kept beside the processed data, read back, recomputed when stale, and the
same whether computed whole (a run) or on demand (an analyst's page)."""

from __future__ import annotations

import pandas as pd
import pytest

from rusmiddel_analysis.calc import results
from rusmiddel_analysis.calc.assessment import assess
from rusmiddel_analysis.calc.breakdowns import published_subgroups
from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.config.strategy import load_strategy

from .conftest import write_strategy_variant


@pytest.mark.slow
def test_whole_and_on_demand_results_agree_with_the_indicators(processed, strategy):
    whole = results.compute_results(strategy, processed)
    on_demand = results.Results("any", strategy=strategy, processed_dir=processed)
    totals = compute(strategy, processed)
    pd.testing.assert_frame_equal(whole.totals, totals, check_dtype=False)
    for year in strategy.years:
        expected = assess(strategy, totals, year)
        pd.testing.assert_frame_equal(whole.year_assessment(year), expected, check_dtype=False)
        pd.testing.assert_frame_equal(on_demand.year_assessment(year), expected, check_dtype=False)
    for target in strategy.targets:
        for by in published_subgroups(target):
            table = compute(strategy, processed, by=by)
            expected = table[(table["target_id"] == target.id) & (table["year"] == 2017)].reset_index(drop=True)
            pd.testing.assert_frame_equal(whole.breakdown(by, target.id, 2017), expected, check_dtype=False)
            pd.testing.assert_frame_equal(on_demand.breakdown(by, target.id, 2017), expected, check_dtype=False)
    assert set(whole.subgroups["by"]) == {by for t in strategy.targets for by in published_subgroups(t)}  # no single school


@pytest.mark.slow
def test_kept_results_are_read_back_and_recomputed_when_stale(processed, strategy, tmp_path):
    assert results.read_results(processed) is None
    made = results.ensure_results(strategy, processed)
    kept = results.read_results(processed)
    assert kept.fingerprint == made.fingerprint == results.fingerprint(strategy, processed)
    for name in results.TABLES:
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(made, name), check_dtype=False)
    assert results.load_results(strategy, processed)._tables.keys() == set(results.TABLES)  # read, not computed
    # another strategy file (a different margin) makes the kept results stale: computed afresh, nothing written
    variant = write_strategy_variant(tmp_path, lambda raw: raw["settings"].update(maintain_margin_points=1))
    other = load_strategy(variant)
    fresh = results.load_results(other, processed)
    assert fresh.fingerprint != kept.fingerprint and not fresh._tables
    assert results.read_results(processed).fingerprint == kept.fingerprint
    # a change to the processed data (a new manifest) too
    manifest = processed / "manifest.json"
    manifest.write_text(manifest.read_text() + " ", encoding="utf-8")
    assert results.fingerprint(strategy, processed) != kept.fingerprint
