"""Indicators: each target's value per year (and subgroup) from processed data, with its interval.

`compute(strategy, processed_dir, by=None)` returns a tidy frame, one row per target, year and
group: target_id, year, group, numerator, denominator, value, ci_low, ci_high, suppressed, then
by, unit, suppression and data-quality columns (no_answer, unknown_share, contact_rate).
`value` is in the target's unit (percent 0-100 or persons). Disclosure control is applied to
every row (disclosure.py), so the frame is safe to publish.

How each indicator type is counted (definitions in the strategy file; docs/methodology.md):
- share: among respondents who answered the question, the share meeting the success rule; with
  a `weight` column, the weighted share with a Kish effective sample size for the interval.
- treatment_outcome: episodes of the substance that ended in the year with a known status
  (end of treatment), or the status at the 1-, 6- or 12-month follow-up among those reached;
  success is a status in the success code set.
- persons_starting: distinct persons with an episode starting in the year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats, survey_counts, survey_indicators
from rusmiddel_analysis.calc.assessment import trend_rows
from rusmiddel_analysis.calc.breakdowns import (
    ALL,
    BOTH,
    NOT_CALLED,
    RESIDUAL,
    UNKNOWN,
    group_keys,
    group_order,
    published_subgroups,
    residual_groups,
    supported_subgroups,
)
from rusmiddel_analysis.calc.disclosure import Rules, hidden, primary_suppression, published, suppress, unprotected
from rusmiddel_analysis.calc.distribution import unprotected_years
from rusmiddel_analysis.calc.tables import FollowUp, Indicators, columns
from rusmiddel_analysis.ingest.process import counts_file, read_processed
from rusmiddel_analysis.ingest.schemas import COUNTS, EPISODES, FOLLOW_UPS, POPULATION, SOURCES

# the indicator table's columns and the follow-up summary's, named and typed in calc/tables.py
COLUMNS = columns(Indicators)
# the columns only some indicator types fill: missing in a type's rows means not applicable (NaN)
OPTIONAL_COLUMNS = columns(Indicators, "detail", "limits")


class ProcessedData:
    """The processed sources, each read once however many indicators are computed from them."""

    def __init__(self, processed_dir):
        self.dir = Path(processed_dir)
        self._cache: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._memo: dict[tuple, tuple] = {}
        self._derived: dict[tuple, object] = {}

    @classmethod
    def of(cls, processed) -> ProcessedData:
        """`processed` as given when it already is ProcessedData, else the folder's."""
        return processed if isinstance(processed, ProcessedData) else cls(processed)

    def __call__(self, source: str, layout: str | None = None) -> pd.DataFrame:
        """A processed source (`layout` COUNTS: a survey's counts table, ingest/counts.py)."""
        if (source, layout) not in self._cache:
            self._cache[source, layout] = read_processed(self.dir, source, layout=layout)
        return self._cache[source, layout]

    def has(self, source: str, layout: str | None = None) -> bool:
        return (self.dir / (counts_file(source) if layout == COUNTS else f"{source}.parquet")).exists()

    def memo(self, strategy, key: tuple, make):
        """What `make()` computes from these data and `strategy`, once (the strategy is kept with
        it, so that its id names it while it is cached)."""
        key = (id(strategy), *key)
        if key not in self._memo:
            self._memo[key] = (strategy, make())
        return self._memo[key][1]

    def derived(self, key: tuple, make):
        """What `make()` computes from these data alone (no strategy: a source's cluster codes, its
        respondents' rows without the answer), once however many targets and breakdowns use it."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]


def _success_mask(series: pd.Series, rule: dict, strategy) -> pd.Series:
    ((kind, operand),) = rule.items()
    if kind == "equals":
        if isinstance(operand, bool):
            return series.astype("boolean") == operand
        return series.astype(object) == operand
    codes = list(strategy.code_set(operand))
    inside = series.astype(object).isin(codes)
    return inside if kind == "in" else ~inside


def _age_group(frame: pd.DataFrame, year: pd.Series, bands) -> pd.Series:
    """The strategy's age band of each row (missing, then the unknown group, when no band holds the age)."""
    age = year - frame["birth_year"].astype("float")
    labels = pd.Series(pd.NA, index=frame.index, dtype="object")
    for low, high, label in bands:
        labels[(age >= low) & (age <= high)] = label
    return labels


def _share_rows(target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
    """One row per year and group: answers, successes, no-answers and the (weighted) share with its
    design-based interval; for the totals also the standardised share and the coverage comparison."""
    spec = target.indicator
    source = SOURCES[target.source]
    frame = survey_counts.question_rows(data, source, spec["column"], by)  # respondents' rows and counts' rows
    answered = frame["answer"].notna().to_numpy()
    success = _success_mask(frame["answer"], spec["success"], strategy).fillna(False).to_numpy(bool) & answered
    flags = (frame["count"].to_numpy(), frame["clustered"].to_numpy(bool), frame["stratified"].to_numpy(bool))
    keys = survey_counts.groups_of(data, source, frame, by, merge)  # a counts table's groups are its breakdown cells' (residual ones too)
    codes = survey_counts.design_codes(data, source, frame)
    work = survey_indicators.answers_frame(frame, answered, success, keys, source.cluster, source.standardise_by, *flags, codes=codes)
    confidence = strategy.settings["confidence"]
    out = survey_indicators.design_shares(work, confidence)
    if by is not None or out.empty:
        return out
    out["estimation_limits"] = out["year"].map(survey_counts.estimation_limits(frame))
    years = set(out["year"])
    standard_year = target.baseline_year if target.baseline_year in years else min(years)
    out = out.merge(survey_indicators.standardised_shares(work, standard_year, confidence), on="year", how="left")
    common = survey_indicators.common_cluster_shares(work, target.baseline_year, confidence, Rules.from_settings(strategy.settings))
    changes = survey_indicators.baseline_changes(work, target.baseline_year)
    trends = survey_indicators.design_trends(work, trend_years(strategy, target, out))
    return out.merge(common, on="year", how="left").merge(changes, on="year", how="left").merge(trends, on="year", how="left")


def trend_years(strategy, target, rows: pd.DataFrame) -> dict[int, list[int]]:
    """For each measured year, the years a report with it as the latest measurement reads the trend
    over (assessment.trend_rows: the strategy's years from the latest method break on, without
    the years that break a data-quality rule)."""
    rows = rows[rows["year"].between(target.baseline_year, strategy.period_end) & rows["value"].notna()].sort_values("year")
    return {int(y): trend_rows(strategy, target, rows[rows["year"] <= y], int(y))[0]["year"].astype(int).tolist() for y in rows["year"]}


def _episodes(data: ProcessedData, strategy, year_from: str) -> pd.DataFrame:
    frame = data(EPISODES).copy()
    frame["year"] = frame[year_from].dt.year
    frame["age_group"] = _age_group(frame, frame["year"], strategy.settings["age_bands"])
    return frame


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


def _treatment_base(target, strategy, data: ProcessedData) -> pd.DataFrame:
    """The episodes a treatment target counts, each with the status it is judged on (`status_used`)."""
    spec = target.indicator
    if spec.get("basis", "end_of_treatment") != "follow_up":
        episodes = _episodes(data, strategy, "end_date")
        episodes = episodes[(episodes["substance"] == spec["substance"]) & episodes["end_date"].notna()]
        return episodes.assign(status_used=episodes["end_status"].astype(object), reached=pd.NA)
    if not data.has(FOLLOW_UPS):
        raise FileNotFoundError(f"target '{target.id}' uses follow-up, but there is no processed {FOLLOW_UPS}")
    base = follow_ups_due(data, spec["follow_up_months"])
    base = base[base["substance"] == spec["substance"]].copy()
    base["year"] = base["end_date"].dt.year
    base["age_group"] = _age_group(base, base["year"], strategy.settings["age_bands"])
    return base.assign(status_used=base["status"].astype(object).where(base["reached"]))


def _treatment_outcome_rows(target, strategy, data: ProcessedData, by: str | None, merge: bool = False) -> pd.DataFrame:
    """One row per end year and group: known outcomes, successes, the share with its interval, the
    unknown share, the bounds for the unknown outcomes and (follow-up) the contact rate."""
    spec = target.indicator
    base = _treatment_base(target, strategy, data)
    follow_up = spec.get("basis", "end_of_treatment") == "follow_up"
    status = base["status_used"]
    base = base.assign(
        group=group_keys(base, by, merge),
        known=status.isin(list(strategy.code_set(spec["known"]))),
        success=status.isin(list(strategy.code_set(spec["success"]))),
        # follow-up: an outcome is unknown when the citizen was not reached, or reached without a status
        unknown_status=~status.isin(list(strategy.code_set(spec["known"]))) & (base["reached"].fillna(True).astype(bool)),
    )
    rows = (
        base.groupby(["year", "group"], sort=True)
        .agg(
            denominator=("known", "sum"),
            numerator=("success", "sum"),
            episodes=("known", "size"),
            unknown_status=("unknown_status", "sum"),
            reached=("reached", lambda r: r.fillna(False).astype(bool).sum()),
        )
        .reset_index()
    )
    rows["year"] = rows["year"].astype(int)
    n, x = rows["denominator"].to_numpy(float), rows["numerator"].to_numpy(float)
    unknown = rows["episodes"].to_numpy(float) - n
    rows["unknown_share"] = rows["unknown_status"] / (rows["reached"] if follow_up else rows["episodes"]).where(lambda v: v > 0)
    if follow_up:
        rows["contact_rate"] = rows["reached"] / rows["episodes"]
    low_b, high_b = stats.outcome_bounds(x, n, unknown)
    rows["bound_low"], rows["bound_high"] = 100 * low_b, 100 * high_b
    rows[["value", "ci_low", "ci_high", "effective_n"]] = np.nan
    some = n > 0
    low, high = stats.proportion_ci(x[some], n[some], strategy.settings["confidence"])
    rows.loc[some, ["value", "ci_low", "ci_high", "effective_n"]] = np.column_stack([100 * x[some] / n[some], 100 * low, 100 * high, n[some]])
    return rows.drop(columns=["episodes", "unknown_status", "reached"])


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
    people = _persons_once(_episodes(data, strategy, "start_date"), by, merge)
    counts = people.groupby(["year", "group"], sort=True)["person_id"].size().reset_index(name="numerator")
    counts["numerator"] = counts["numerator"].astype(int)
    low, high = stats.count_ci(counts["numerator"].to_numpy(), strategy.settings["confidence"])
    counts = counts.assign(year=counts["year"].astype(int), denominator=np.nan, value=counts["numerator"].astype(float), ci_low=low, ci_high=high)
    if by is None and data.has(POPULATION):
        counts = with_rate(counts, data(POPULATION), float(strategy.settings["rate_per"]))
    return counts


def with_rate(counts: pd.DataFrame, population: pd.DataFrame, per: float) -> pd.DataFrame:
    """The count per `per` residents beside the count: rate = O / N x per, its interval the count's
    divided the same way (the population is a register count, taken as exact). Years without a
    population figure get none."""
    residents = population.set_index("year")["residents"].astype(float)
    out = counts.assign(population=counts["year"].map(residents))
    for column, source in (("rate", "value"), ("rate_low", "ci_low"), ("rate_high", "ci_high")):
        out[column] = out[source] / out["population"] * per
    return out


ROW_BUILDERS = {"share": _share_rows, "treatment_outcome": _treatment_outcome_rows, "persons_starting": _persons_starting_rows}


def _built(strategy, data: ProcessedData, target, by: str | None, merge: bool = False) -> pd.DataFrame:
    """A target's rows per year (and group of `by`) in the strategy's years, before disclosure
    control: the baseline year to the end of the period. Computed once per run."""

    def make():
        rows = ROW_BUILDERS[target.indicator["type"]](target, strategy, data, by, merge)
        return rows[rows["year"].between(target.baseline_year, strategy.period_end)] if not rows.empty else rows

    return data.memo(strategy, ("rows", target.id, by, merge), make)


def _limit(target, rules: Rules) -> float:
    """The group size under which a subgroup share of the target may not show 0 % or 100 %."""
    return rules.all_or_none_limit(SOURCES[target.source].health_data)


def target_rows(strategy, data: ProcessedData, target, by: str | None) -> pd.DataFrame:
    """A target's rows as its breakdown `by` publishes them (before suppression): in a year where a
    residual group breaks a rule and the breakdown has several, they are one merged group
    (breakdowns.RESIDUAL), which disclosure control then shows or leaves out."""
    rows = _built(strategy, data, target, by)
    if by is None or rows.empty:
        return rows
    rules = Rules.from_settings(strategy.settings)
    residual = rows["group"].isin(residual_groups(by))
    breaks = primary_suppression(rows["numerator"], rows["denominator"], target.unit == "percent", rules, _limit(target, rules)) != ""
    part = rows[residual].assign(_breaks=breaks[residual.to_numpy()])
    years = [y for y, p in part.groupby("year") if len(p) >= 2 and p["_breaks"].any()]
    if not years:
        return rows
    merged = _built(strategy, data, target, by, merge=True)
    merged = merged[merged["year"].isin(years) & (merged["group"] == RESIDUAL)]
    kept = rows[~(residual & rows["year"].isin(years))]
    return pd.concat([kept, merged], ignore_index=True).sort_values("year", kind="stable").reset_index(drop=True)


def _suppress_breakdowns(strategy, table: pd.DataFrame, by: str, rules: Rules, protected=None) -> pd.DataFrame:
    """Primary and secondary suppression of breakdowns by `by`, each target's year a line."""
    targets = {t.id: t for t in strategy.targets}
    limit = table["target_id"].map(lambda tid: _limit(targets[tid], rules)).to_numpy(float)
    residual = table["group"].isin(residual_groups(by)).to_numpy()
    return suppress(table, ["target_id", "year"], rules, limit, residual, protected)


def protected_years(strategy, data: ProcessedData, by: str) -> frozenset[tuple[str, int]]:
    """The (source, year)s whose breakdowns by `by` are protected: some published table of the
    source and year by `by` (a target's breakdown, or the high-risk distribution) has hidden or
    left-out cells that only a group of settings.disclosure.large_group answers or more could
    protect. In every breakdown of shares by `by` of such a source and year the residual groups are
    left out and the large groups' counts withheld (docs/methodology.md, section 7)."""

    def make():
        rules = Rules.from_settings(strategy.settings)
        found = set()
        for target in (t for t in strategy.targets if by in supported_subgroups(t)):
            rows = target_rows(strategy, data, target, by)
            if rows.empty:
                continue
            table = rows.assign(target_id=target.id, unit=target.unit)
            flagged = unprotected(table, ["target_id", "year"], rules, _limit(target, rules), table["group"].isin(residual_groups(by)).to_numpy())
            found |= {(target.source, int(y)) for y in table.loc[flagged, "year"]}
        found |= unprotected_years(strategy, data, by)
        return frozenset(found)

    return data.memo(strategy, ("protected", by), make)


def compute(strategy, processed_dir, by: str | None = None, targets: list[str] | None = None) -> pd.DataFrame:
    """Every target's indicator per year (and per subgroup `by`), disclosure control applied.

    `by` is one subgroup dimension (`supported_subgroups`); targets whose source lacks it are left
    out. Missing values form the group `unknown`, so a breakdown's groups add up to the total; a
    residual group too small to publish is merged or left out (`suppression` 'left_out'), and in a
    protected year (`protected_years`) the large groups' counts are withheld ('withheld').
    `processed_dir` may be a folder or a ProcessedData that several calls share.
    """
    data = ProcessedData.of(processed_dir)
    frames = []
    for target in strategy.targets:
        if targets is not None and target.id not in targets:
            continue
        if by is not None and by not in supported_subgroups(target):
            continue
        rows = target_rows(strategy, data, target, by)
        if not rows.empty:
            frames.append(rows.assign(target_id=target.id, unit=target.unit, by=by or ALL))
    if not frames:
        if by is not None and not any(by in supported_subgroups(t) for t in strategy.targets):
            valid = sorted({d for t in strategy.targets for d in supported_subgroups(t)})
            raise ValueError(f"unknown subgroup '{by}'; valid: {', '.join(valid)}")
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    limits = table["estimation_limits"].astype(object)
    table["estimation_limits"] = limits.where(limits.notna(), "")
    rules = Rules.from_settings(strategy.settings)
    if by is None:  # totals: the rules for single cells; 0 % and 100 % are a finding, not a breakdown
        table = suppress(table, [], rules)
    else:
        shielded = protected_years(strategy, data, by)
        sources = table["target_id"].map({t.id: t.source for t in strategy.targets})
        protected = (table["unit"] == "percent") & pd.Series([(s, int(y)) in shielded for s, y in zip(sources, table["year"], strict=True)])
        table = _suppress_breakdowns(strategy, table, by, rules, protected.to_numpy())
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    sort_keys = {"target_id": lambda s: s.map(order), "year": lambda s: s, "group": lambda s: s.map(group_order(strategy, by))}
    table = table.sort_values(["target_id", "year", "group"], key=lambda s: sort_keys[s.name](s), kind="stable").reset_index(drop=True)
    table["year"] = table["year"].astype(int)
    return table[COLUMNS]


def published_breakdowns(strategy, processed_dir, data_years: dict[str, int]) -> pd.DataFrame:
    """Every breakdown the reports publish: each target's published dimensions in its data year.

    `data_years` maps a target id to the year its page shows (the latest measurement up to the
    report year). The rows are exactly those of `compute(..., by=...)` that the target pages show,
    hidden cells included (with their reason and no numbers), residual groups left out not, in the
    strategy's order.
    """
    frames = []
    for by in dict.fromkeys(by for t in strategy.targets if t.id in data_years for by in published_subgroups(t)):
        ids = [t.id for t in strategy.targets if t.id in data_years and by in published_subgroups(t)]
        table = published(compute(strategy, processed_dir, by=by, targets=ids))
        frames.append(table[table["year"] == table["target_id"].map(data_years)])
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    order = {tid: i for i, tid in enumerate(strategy.target_ids)}
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values("target_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def success_codes_by_substance(strategy) -> dict[str, frozenset]:
    """The success codes of each substance's treatment-outcome target (the strategy names the code set)."""
    return {
        t.indicator["substance"]: frozenset(strategy.code_set(t.indicator["success"]))
        for t in strategy.targets
        if t.indicator["type"] == "treatment_outcome"
    }


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
    table["usable"] = pd.Series(np.where(is_all, table["contact_rate"] >= strategy.settings["data_quality"]["min_contact_rate"], None), dtype=object)
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
