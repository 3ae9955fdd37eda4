"""The follow-up table (calc/follow_up.py): every episode whose call is due, counted by caller,
with the same disclosure rules as every other count. Expected values are counted by hand from the
episodes and calls the fixture writes (test_indicators.episodes_frame: 22 drug episodes ending in
2015, 4 of them reached at 6 months, 3 of those abstinent)."""

from __future__ import annotations

import numpy as np

from rusmiddel_analysis.calc.follow_up import follow_up_summary, follow_ups_due, success_codes_by_substance
from rusmiddel_analysis.calc.indicators import ProcessedData

from .test_indicators import known_processed  # noqa: F401 (a fixture)


def test_follow_up_summary_counts_every_due_episode_and_hides_small_counts(known_processed, strategy):  # noqa: F811
    summary = follow_up_summary(strategy, known_processed)
    s = summary[(summary.year == 2015) & (summary.months == 6) & (summary.contacted_by == "all")].iloc[0]
    assert (s.substance, s.episodes) == ("drugs", 22)
    assert np.isnan(s.reached) and np.isnan(s.contact_rate)  # 4 reached is a small count: hidden


def test_every_ended_episode_is_due_and_one_nobody_called_is_not_reached(known_processed):  # noqa: F811
    due = follow_ups_due(ProcessedData(known_processed), 6)
    assert len(due) == 22  # the alcohol episode has not ended
    assert int(due["reached"].sum()) == 4
    assert (due.loc[~due["reached"], "caller"] == "administrative").sum() == 18  # called, not reached


def test_the_success_codes_come_from_the_treatment_outcome_targets(strategy):
    codes = success_codes_by_substance(strategy)
    by_hand = {t.indicator["substance"]: frozenset(strategy.code_set(t.indicator["success"])) for t in strategy.targets if "substance" in t.indicator}
    assert codes == by_hand and set(codes) == {"alcohol", "drugs"}
