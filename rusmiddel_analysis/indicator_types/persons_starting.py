"""`persons_starting`: the number of distinct persons with a treatment episode starting in the year.

A register count (everyone the target names), with Byar's interval as the year-to-year variation
and, where the population is known, the rate per `settings.rate_per` residents
(docs/methodology.md 2.4, 2.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.breakdowns import BOTH, group_keys
from rusmiddel_analysis.calc.indicators import ProcessedData, episodes_by_year, with_rate
from rusmiddel_analysis.config.indicator_types import IndicatorType
from rusmiddel_analysis.indicator_types.treatment_outcome import register_problems
from rusmiddel_analysis.ingest.demo.calibrate import persons_starting_truth
from rusmiddel_analysis.ingest.schemas import POPULATION
from rusmiddel_analysis.ingest.strategy_check import Problem


class PersonsStarting(IndicatorType):
    name = "persons_starting"
    unit = "persons"

    def source_problems(self, strategy, target) -> list[Problem]:
        return register_problems(target, self.name)

    def calibrate_demo(self, profile: dict, strategy, target, pace: float) -> None:
        persons_starting_truth(profile, target, pace)

    def rows(self, target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
        return _persons_starting_rows(target, strategy, data, by, merge)


def _persons_once(episodes: pd.DataFrame, by: str | None, merge: bool = False) -> pd.DataFrame:
    """One row per person and year, so a breakdown's groups add up to the count of persons.

    The group is taken from the person's first episode starting in the year; for the substance
    breakdown it is the substance, or `both` for a person starting treatment for both.
    """
    ordered = episodes.sort_values(["start_date", "episode_id"], kind="stable")
    people = ordered.drop_duplicates(["year", "person_id"]).copy()
    people["group"] = group_keys(people, by, merge)
    if by == "substance":
        kinds = ordered.groupby(["year", "person_id"])["substance"].nunique()
        several = kinds[kinds > 1].index
        people.loc[people.set_index(["year", "person_id"]).index.isin(several), "group"] = BOTH
    return people


def _persons_starting_rows(target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
    people = _persons_once(episodes_by_year(data, strategy, "start_date"), by, merge)
    counts = people.groupby(["year", "group"], sort=True)["person_id"].size().reset_index(name="numerator")
    counts["numerator"] = counts["numerator"].astype(int)
    low, high = stats.count_ci(counts["numerator"].to_numpy(), strategy.settings.confidence)
    counts = counts.assign(year=counts["year"].astype(int), denominator=np.nan, value=counts["numerator"].astype(float), ci_low=low, ci_high=high)
    if by is None and data.has(POPULATION):
        counts = with_rate(counts, data(POPULATION), float(strategy.settings.rate_per))
    return counts


INDICATOR_TYPE = PersonsStarting()
