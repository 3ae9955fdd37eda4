"""Follow-up after treatment: the calls made 1, 6 or 12 months after an episode ended.

`follow_ups_due` lists every ended episode whose follow-up is due, with the call's outcome (the
treatment-outcome type judges a follow-up target on it); `follow_up_summary` is the table the
target pages publish: per end year, months, substance and caller, the
episodes, those reached, the contact rate and the share of successes among those reached, with
disclosure control applied (docs/methodology.md 2.7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.breakdowns import ALL, NOT_CALLED, UNKNOWN
from rusmiddel_analysis.calc.disclosure import Rules, hidden, suppress
from rusmiddel_analysis.calc.indicators import ProcessedData
from rusmiddel_analysis.calc.tables import FollowUp, columns
from rusmiddel_analysis.ingest.schemas import EPISODES, FOLLOW_UPS, SOURCES


def register_end(data: ProcessedData) -> pd.Timestamp:
    """The last date the treatment register covers: its latest start or end date."""
    episodes = data(EPISODES)
    return max(episodes["start_date"].max(), episodes["end_date"].max())


def follow_ups_due(data: ProcessedData, months: int) -> pd.DataFrame:
    """Every ended episode whose follow-up after `months` is due, with the follow-up's contact,
    caller and status. Due: the date has come by the register's end, or someone tried to call.
    An episode nobody called is not reached (contacted False, caller `not_called`): drop-outs are
    never called, so they count against the contact rate."""
    episodes = data(EPISODES)
    episodes = episodes[episodes["end_date"].notna()]
    follow = data(FOLLOW_UPS)
    follow = follow.loc[follow["months"] == months, ["episode_id", "contacted", "contacted_by", "status"]]
    come = episodes["end_date"] + pd.DateOffset(months=int(months)) <= register_end(data)
    due = episodes[come | episodes["episode_id"].isin(follow["episode_id"])]
    merged = due.merge(follow, on="episode_id", how="left", indicator="_called")
    merged["reached"] = merged["contacted"].astype("boolean").fillna(False).astype(bool)
    called_by = merged["contacted_by"].astype(object).where(merged["contacted_by"].notna(), UNKNOWN)
    merged["caller"] = np.where(merged["_called"] == "both", called_by, NOT_CALLED)
    return merged.drop(columns="_called")


def success_codes_by_substance(strategy) -> dict[str, frozenset]:
    """The success codes a follow-up call checks, per substance (each type says which of its
    targets a follow-up judges, config/indicator_types.py `follow_up_success`)."""
    judged = (t.indicator_type.follow_up_success(strategy, t) for t in strategy.targets)
    return dict(pair for pair in judged if pair is not None)


FOLLOW_UP_COLUMNS = columns(FollowUp)


def _follow_up_counts(strategy, data: ProcessedData) -> pd.DataFrame:
    """Per end year, months, substance and caller (`not_called` for episodes nobody called, `all`
    for every finished episode whose follow-up is due): episodes, reached and successes."""
    success_codes = success_codes_by_substance(strategy)
    frames = []
    for months in sorted(data(FOLLOW_UPS)["months"].dropna().unique().astype(int)):
        due = follow_ups_due(data, months)
        success = [
            status in success_codes.get(substance, ()) for substance, status in zip(due["substance"], due["status"].astype(object), strict=True)
        ]
        due = due.assign(year=due["end_date"].dt.year.astype(int), months=months, success=due["reached"].to_numpy() & np.array(success, dtype=bool))
        frames += [due, due.assign(caller=ALL)]
    if not frames:
        return pd.DataFrame(columns=["year", "months", "substance", "contacted_by", "episodes", "reached", "successes"])
    keys = ["year", "months", "substance", "caller"]
    rows = pd.concat(frames)
    # the years the follow-up was run: a year in which nobody was called has no follow-up to show
    called_years = set(rows.loc[~rows["caller"].isin([ALL, NOT_CALLED]), "year"])
    counts = (
        rows[rows["year"].isin(called_years)]
        .groupby(keys, sort=True, observed=True)
        .agg(episodes=("reached", "size"), reached=("reached", "sum"), successes=("success", "sum"))
    )
    return counts.reset_index().rename(columns={"caller": "contacted_by"}).astype({"substance": object})


def _hidden_counts(table: pd.DataFrame, column: str, rules: Rules) -> np.ndarray:
    """Which callers' counts in `column` to hide: primary and complementary suppression within each
    year, months and substance (the callers add up to the published `all` row)."""
    parts = table[table["contacted_by"] != ALL]
    cells = parts.assign(
        group=parts["contacted_by"],
        numerator=parts[column].astype(float),
        denominator=np.nan,
        value=np.nan,
        ci_low=np.nan,
        ci_high=np.nan,
        unit="persons",
    )
    masked = suppress(cells, ["year", "months", "substance"], rules)["suppressed"]
    total = table["contacted_by"] == ALL
    return masked.reindex(table.index, fill_value=False).to_numpy() | (total & hidden(table[column], np.nan, "persons", rules)).to_numpy()


def follow_up_summary(strategy, processed_dir) -> pd.DataFrame:
    """Follow-up after treatment per end year, months, substance and caller: episodes, reached,
    contact rate and the share of those reached who are abstinent or reduced, disclosure control
    applied. The `all` row holds every finished episode whose follow-up is due, so its contact
    rate counts a drop-out nobody called as not reached; `usable` says whether it meets the
    strategy's min_contact_rate (docs/methodology.md 2.7).
    """
    data = ProcessedData.of(processed_dir)
    if not data.has(FOLLOW_UPS):
        return pd.DataFrame(columns=FOLLOW_UP_COLUMNS)
    table = _follow_up_counts(strategy, data)
    table["contact_rate"] = table["reached"] / table["episodes"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["success_share"] = 100 * table["successes"] / table["reached"].where(table["reached"] > 0)
    is_all = table["contacted_by"] == ALL
    table["usable"] = pd.Series(np.where(is_all, table["contact_rate"] >= strategy.settings.data_quality.min_contact_rate, None), dtype=object)
    # counts of persons: primary and complementary suppression; shares hidden with what they are shares of
    rules = Rules.from_settings(strategy.settings)
    episodes_hidden = _hidden_counts(table, "episodes", rules)
    reached_hidden = _hidden_counts(table, "reached", rules) | episodes_hidden
    contact_hidden = hidden(table["reached"], table["episodes"], "percent", rules) | reached_hidden
    health = rules.all_or_none_limit(SOURCES[FOLLOW_UPS].health_data)
    success_hidden = (
        hidden(table["successes"], table["reached"], "percent", rules, health) | _hidden_counts(table, "successes", rules) | contact_hidden
    )
    table["episodes"] = table["episodes"].astype(float).mask(episodes_hidden)
    table["reached"] = table["reached"].astype(float).mask(reached_hidden)
    table["contact_rate"] = table["contact_rate"].mask(contact_hidden)
    table["success_share"] = table["success_share"].mask(success_hidden)
    table["usable"] = table["usable"].mask(contact_hidden)
    # within a year and months: the callers, then those nobody called, then all of them
    last = {UNKNOWN: 1, NOT_CALLED: 2, ALL: 3}
    table = table.assign(_order=table["contacted_by"].map(lambda c: last.get(c, 0))).sort_values(
        ["year", "months", "substance", "_order", "contacted_by"]
    )
    return table[FOLLOW_UP_COLUMNS].reset_index(drop=True)
