"""The indicator-type registry (config/indicator_types.py): every layer asks a target's type, so a
new type is one module and one line in the registry. The proof is a type that lives only here,
`persons_completing` (distinct citizens whose treatment episode ended for a given reason in the
year): registered, it loads from a strategy file with the loader's checks and messages, is checked
against the canonical formats, counted, assessed and shown on a target page, with no library
module changed. Its expected counts are counted by hand from the processed episodes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.assessment import assess
from rusmiddel_analysis.calc.breakdowns import group_keys, published_subgroups
from rusmiddel_analysis.calc.indicators import compute, episodes_by_year
from rusmiddel_analysis.config import indicator_types
from rusmiddel_analysis.config.indicator_types import IndicatorType, SpecCheck
from rusmiddel_analysis.config.strategy import StrategyError, load_strategy
from rusmiddel_analysis.ingest.process import read_processed
from rusmiddel_analysis.ingest.schemas import EPISODES
from rusmiddel_analysis.ingest.strategy_check import Problem, StrategyCheckError, column_of, load_checked_strategy
from rusmiddel_analysis.present.html import html
from rusmiddel_analysis.present.target_report import TargetReport

from .conftest import target_entry, write_strategy_variant

NEW_ID = "behandling_afsluttet"
QUALITY_NOTE = "Forløb afsluttet af anden grund tælles ikke."


class PersonsCompleting(IndicatorType):
    """Distinct citizens with an episode that ended for `reason` in the year (test-only)."""

    name = "persons_completing"
    unit = "persons"

    def check_spec(self, spec: SpecCheck) -> dict:
        return {"reason": spec.text("reason")}

    def source_problems(self, strategy, target) -> list[Problem]:
        codes = column_of(EPISODES, "end_reason").codes
        if target.indicator["reason"] not in codes:
            return [Problem(target.id, "indicator.reason", f"unknown end reason; valid: {', '.join(codes)}")]
        return []

    def rows(self, target, strategy, data, by, merge=False) -> pd.DataFrame:
        episodes = episodes_by_year(data, strategy, "end_date")
        ended = episodes[episodes["end_reason"] == target.indicator["reason"]].drop_duplicates(["year", "person_id"])
        counts = ended.assign(group=group_keys(ended, by, merge)).groupby(["year", "group"]).size().reset_index(name="numerator")
        low, high = stats.count_ci(counts["numerator"].to_numpy(), strategy.settings.confidence)
        return counts.assign(year=counts["year"].astype(int), denominator=np.nan, value=counts["numerator"].astype(float), ci_low=low, ci_high=high)

    def add_quality(self, report, page, latest) -> None:
        page.add(html("paragraph", QUALITY_NOTE))


@pytest.fixture
def registered():
    indicator_types.register(PersonsCompleting())
    yield
    indicator_types.unregister("persons_completing")


def _with_new_target(reason="completed", **changes):
    def mutate(raw):
        entry = {**target_entry(raw, "behandling_antal"), "id": NEW_ID, "kind": "at_least"}
        entry.pop("target")
        entry["baseline"] = {"year": 2015, "value": 100}
        entry["target"] = {"year": 2019, "value": 120}
        entry["indicator"] = {**entry["indicator"], "type": "persons_completing", "reason": reason, **changes}
        raw["targets"].append(entry)

    return mutate


def test_the_built_in_types_are_found_by_name_and_an_unknown_one_names_the_valid():
    assert indicator_types.names()[:3] == ("share", "treatment_outcome", "persons_starting")
    assert indicator_types.indicator_type("share").unit == "percent"
    with pytest.raises(KeyError, match="valid: share, treatment_outcome, persons_starting"):
        indicator_types.indicator_type("mean_age")


def test_a_type_without_a_unit_is_refused():
    class Nameless(IndicatorType):
        name = "nameless"

    with pytest.raises(ValueError, match="needs a name and a unit \\(percent or persons\\)"):
        indicator_types.register(Nameless())


def test_an_unregistered_type_is_refused_by_the_loader_with_its_line(tmp_path):
    with pytest.raises(StrategyError, match=r"line \d+: target 'behandling_afsluttet', field 'indicator.type': must be one of share, "):
        load_strategy(write_strategy_variant(tmp_path, _with_new_target()))


def test_a_registered_types_own_fields_are_checked_by_the_loader_and_against_the_formats(tmp_path, registered):
    with pytest.raises(StrategyError, match=r"field 'indicator.reason': missing required field"):
        load_strategy(write_strategy_variant(tmp_path, _with_new_target(reason=None)))
    with pytest.raises(StrategyCheckError, match=r"field 'indicator.reason': unknown end reason; valid: completed, dropped_out"):
        load_checked_strategy(write_strategy_variant(tmp_path, _with_new_target(reason="graduated")))


def test_a_new_type_is_counted_assessed_and_shown_without_a_library_change(tmp_path, registered, demo_dirs):
    raw, processed = demo_dirs
    path = write_strategy_variant(tmp_path, _with_new_target())
    strategy = load_checked_strategy(path)
    target = strategy.target(NEW_ID)
    assert target.indicator["reason"] == "completed" and published_subgroups(target) == published_subgroups(strategy.target("behandling_antal"))

    # by hand: distinct citizens per year among the episodes that ended as completed
    episodes = read_processed(processed, EPISODES)
    ended = episodes[episodes["end_reason"] == "completed"]
    by_hand = ended.groupby(ended["end_date"].dt.year)["person_id"].nunique()
    table = compute(strategy, processed, targets=[NEW_ID])
    shown = table.set_index("year")["numerator"]
    years = [y for y in by_hand.index if strategy.target(NEW_ID).baseline_year <= y <= strategy.period_end]
    assert shown.loc[years].astype(int).tolist() == by_hand.loc[years].astype(int).tolist()

    row = assess(strategy, compute(strategy, processed), 2017).set_index("target_id").loc[NEW_ID]
    assert row["source_kind"] == "register" and row["value"] == by_hand.loc[2017]

    folder = tmp_path / "processed"
    shutil.copytree(processed, folder)
    report = TargetReport(NEW_ID, 2017, processed_dir=folder, status_dir=raw / "status", strategy_file=path)
    rendered = {s: str(getattr(report, s)()) for s in ("header", "verdict", "goal", "trend", "comparison", "subgroups", "methods", "definition")}
    assert rendered.pop("comparison") == ""  # no other area's figures for the new target: no section
    assert all(rendered.values())  # every other section of the page renders for the new type
    assert QUALITY_NOTE in str(report.quality())
    assert "Tallet omfatter alle, målet handler om" in str(report.verdict())  # the general sentence for an exact count
    assert report._method_rows()[0][1] == report.t("report.def_interval_count")
