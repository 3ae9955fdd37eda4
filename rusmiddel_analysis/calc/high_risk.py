"""High-risk groups, as the committee asked after the midterm status: pupils who combine risk behaviours.

The school survey's yes/no behaviours (the strategy's `settings.high_risk.behaviours`, by default
smoking, alcohol, hash and other drugs) are looked at together, among the pupils who answered
every one of them in a year:

- `co_occurrence`: for each ordered pair (exposure, outcome), the risk of the outcome among pupils
  who have and who have not tried the exposure, their difference, the relative risk with its
  MOVER-Wilson interval and the odds ratio with its Woolf interval (`stats.relative_risk`, `stats.odds_ratio`);
- `behaviour_counts`: the share of pupils with 0, 1, 2, ... of the behaviours, in all and by grade
  and gender, and `multiple_behaviours`: the share with at least two, per year, with its trend;
- `early_debut`: the share who have tried each behaviour in the youngest grades
  (`settings.high_risk.early_grades`), and `debut_ages`: where the export has the optional
  debut-age columns, the median debut age and the share whose debut was before
  `settings.high_risk.early_age`.

Shares are the targets' own estimator (survey_indicators.design_shares: weighted, with the
cluster-robust interval), so a cell here equals the same cell on a target's page. Every cell is
disclosure-controlled with the strategy's rules, including the sums that link one table to another
(docs/methodology.md, section 8), and nothing is ever broken down by school.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.breakdowns import ALL, group_keys, residual_groups
from rusmiddel_analysis.calc.disclosure import LEFT_OUT, SHARE_DECIMALS, Rules, primary_suppression, secondary_suppression, suppress
from rusmiddel_analysis.calc.distribution import DIMENSIONS, distribution_reasons, distribution_table, tried_counts
from rusmiddel_analysis.calc.indicators import protected_years
from rusmiddel_analysis.calc.linked import LinkedSet, linked_targets, protect, protect_counts, publishable
from rusmiddel_analysis.calc.survey_counts import answer_rows, question_rows
from rusmiddel_analysis.calc.survey_indicators import answers_frame, cluster_codes, design_shares
from rusmiddel_analysis.calc.tables import (
    BehaviourCounts,
    CoOccurrence,
    DebutAges,
    EarlyDebut,
    MultipleBehaviours,
    MultipleTrend,
    Unavailable,
    columns,
)
from rusmiddel_analysis.config.settings import HighRisk
from rusmiddel_analysis.ingest.schemas import COUNTS, SOURCES

__all__ = [
    "co_occurrence",
    "behaviour_counts",
    "multiple_behaviours",
    "multiple_trend",
    "early_debut",
    "debut_ages",
    "published_tables",
    "CO_OCCURRENCE_COLUMNS",
    "SHARE_COLUMNS",
]

# the tables' columns, named and typed in calc/tables.py; a pair of behaviours: which pair, its
# counts, and the measures computed from them
PAIR_KEYS = columns(CoOccurrence, "keys")
PAIR_COUNTS = columns(CoOccurrence, "counts")
PAIR_SHARES, PAIR_RATIOS = columns(CoOccurrence, "risks"), columns(CoOccurrence, "ratios")
PAIR_MEASURES = [*PAIR_SHARES, *PAIR_RATIOS]
CO_OCCURRENCE_COLUMNS = [*PAIR_KEYS, *PAIR_COUNTS, *PAIR_MEASURES]
# a pair's numbers (hidden with the pair)
PAIR_NUMBERS = [*PAIR_COUNTS, *PAIR_MEASURES]
# the published columns of a share in the high-risk tables (the targets' estimator)
SHARE_COLUMNS = columns(MultipleBehaviours, "share")
# `left_out`: a residual group's row that the distribution does not show (breakdowns.residual_groups)
COUNT_COLUMNS = columns(BehaviourCounts)
MULTIPLE_COLUMNS = columns(MultipleBehaviours)
EARLY_COLUMNS = columns(EarlyDebut)
DEBUT_COLUMNS = columns(DebutAges)


def _answered_all(frame: pd.DataFrame, behaviours: list[str]) -> pd.DataFrame:
    """Pupils who answered every behaviour, as 0/1 columns, with their year (and grade, gender)."""
    present = [b for b in behaviours if b in frame.columns]
    complete = frame[present].notna().all(axis=1)
    out = frame.loc[complete, [c for c in ("year", "grade", "gender") if c in frame.columns]].copy()
    for b in present:
        out[b] = frame.loc[complete, b].astype(bool).astype(int)
    return out


def co_occurrence(frame: pd.DataFrame, behaviours: list[str], rules: Rules, confidence: float = stats.CONFIDENCE) -> pd.DataFrame:
    """One row per year and ordered pair of behaviours (columns CO_OCCURRENCE_COLUMNS), hidden whole
    when its 2x2 table breaks a disclosure rule."""
    pupils = _answered_all(frame, behaviours)
    rows = []
    for year, group in pupils.groupby("year", sort=True):
        for exposure in behaviours:
            for outcome in (b for b in behaviours if b != exposure):
                exposed = group[exposure] == 1
                rows.append(
                    {
                        "year": int(year),
                        "exposure": exposure,
                        "outcome": outcome,
                        "exposed_n": int(exposed.sum()),
                        "exposed_cases": int(group.loc[exposed, outcome].sum()),
                        "unexposed_n": int((~exposed).sum()),
                        "unexposed_cases": int(group.loc[~exposed, outcome].sum()),
                    }
                )
    table = pd.DataFrame(rows, columns=[*PAIR_KEYS, *PAIR_COUNTS])
    return _measures(table, rules, confidence)


def _measures(table: pd.DataFrame, rules: Rules, confidence: float) -> pd.DataFrame:
    a, n1, c, n0 = (table[k].to_numpy(float) for k in ("exposed_cases", "exposed_n", "unexposed_cases", "unexposed_n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["risk_exposed"], table["risk_unexposed"] = 100 * a / n1, 100 * c / n0
    table["risk_difference"] = table["risk_exposed"] - table["risk_unexposed"]
    table["relative_risk"], table["rr_low"], table["rr_high"] = stats.relative_risk(a, n1, c, n0, confidence)
    table["odds_ratio"], table["or_low"], table["or_high"] = stats.odds_ratio(a, n1, c, n0, confidence)
    # each of the four cells of the 2x2 table is a count of pupils: a small one hides the pair, and a
    # group where everyone or no one has the outcome is hidden as a target's breakdown hides it
    # (0 % or 100 % in a group under all_or_none_min_group answers)
    limit = rules.all_or_none_limit(False)
    unsafe = (primary_suppression(a, n1, True, rules, limit) != "") | (primary_suppression(c, n0, True, rules, limit) != "")
    unsafe = _pair_complements(table, unsafe, rules)
    table.loc[unsafe, PAIR_NUMBERS] = np.nan
    table["suppressed"] = unsafe
    return table


def _pair_complements(table: pd.DataFrame, unsafe: np.ndarray, rules: Rules) -> np.ndarray:
    """`unsafe` with the complementary pairs added. The pupils with both behaviours of each pair add
    up, over a year's pairs, to Σ_k C(k,2)·n_k of the published distribution of behaviours (each
    pupil with k behaviours is in C(k,2) pairs), so one hidden pair could be worked out from the
    others: a year's pairs are one line of secondary suppression, both directions of a pair together."""
    if not unsafe.any():
        return unsafe
    both = table["exposed_cases"].astype(float)
    pair = [" & ".join(sorted(p)) for p in zip(table["exposure"], table["outcome"], strict=True)]
    cells = pd.DataFrame({"year": table["year"], "group": pair, "numerator": both, "denominator": np.nan, "unit": "persons"})
    first = ~cells.duplicated(["year", "group"])
    unique = cells[first]
    reason = pd.Series(np.where(unsafe[first.to_numpy()], "primary", ""), index=unique.index)
    lines = [group.index for _, group in unique.groupby("year")]
    hidden_pairs = set(map(tuple, unique.loc[secondary_suppression(unique, reason, lines, rules) != "", ["year", "group"]].to_numpy()))
    return np.array([(y, g) in hidden_pairs for y, g in zip(cells["year"], cells["group"], strict=True)])


def _design(frame: pd.DataFrame, by: str | None, source: str, merge: bool = False) -> tuple[pd.Series, np.ndarray]:
    """Each row's group of `by` (`merge`: the residual groups as one) and its sampling cluster's code:
    what the shares of every trait over the same rows have in common, worked out once for them."""
    cluster = SOURCES[source].cluster
    return group_keys(frame, by, merge), cluster_codes(frame[cluster] if cluster in frame.columns else None, len(frame))


def _shares(frame: pd.DataFrame, answered, success, by: str | None, source: str, confidence: float, merge: bool = False, design=None) -> pd.DataFrame:
    """The targets' estimator for one yes/no trait per year and group of `by`: design_shares (no
    standardisation strata: a share by group is not standardised); `merge`: the residual groups as
    one; `design`: `_design` of the same rows, when already worked out."""
    spec = SOURCES[source]
    cluster = spec.cluster if spec.cluster in frame.columns else None
    groups, clusters = design if design is not None else _design(frame, by, source, merge)
    work = answers_frame(frame, answered, success, groups, cluster, (), codes=(clusters, np.zeros(len(frame), dtype=int)))
    out = design_shares(work, confidence)
    return out[out["denominator"] > 0]


def _distribution_shares(frame: pd.DataFrame, behaviours: list[str], dimension: str, merge: bool, source: str, confidence: float) -> pd.DataFrame:
    """One dimension's rows of the distribution: per year, group and number of behaviours k, the
    share of the pupils who answered every behaviour that have tried exactly k (the targets' estimator)."""
    complete, count = tried_counts(frame, behaviours)
    by = None if dimension == ALL else dimension
    design = _design(frame, by, source, merge)
    frames = [
        _shares(frame, complete, complete & (count == k), by, source, confidence, merge, design).assign(dimension=dimension, behaviours=k)
        for k in range(len(behaviours) + 1)
    ]
    return pd.concat(frames, ignore_index=True)


def behaviour_counts(
    frame: pd.DataFrame, behaviours: list[str], rules: Rules, source: str, confidence: float = stats.CONFIDENCE, protected=frozenset()
) -> pd.DataFrame:
    """Per year, in all (`dimension` 'all') and by grade and by gender: the share (percent) of the
    pupils who answered every behaviour that have tried exactly 0, 1, ..., k of them, with the
    targets' interval. Columns: year, dimension, group, behaviours, SHARE_COLUMNS, suppressed, left_out.

    Secondary suppression runs over both sums of the table: a group's shares add up to its pupils,
    and a number of behaviours' groups add up to all pupils with that number (`distribution.count_lines`). A
    residual group (gender "other", unknown) is shown whole or left out whole (`left_out`). In a
    `protected` (dimension, year) (indicators.protected_years) the residual groups are left out and
    the groups of rules.large_group pupils or more show their shares without their size."""
    table = distribution_table(frame, rules, source, lambda d, m: _distribution_shares(frame, behaviours, d, m, source, confidence))
    reason, _ = distribution_reasons(table, rules, protected)
    withheld = (table["_protected"] & (table["denominator"] >= rules.large_group) & (reason == "")).to_numpy()
    table["suppressed"] = (reason != "").to_numpy()
    table["left_out"] = (reason == LEFT_OUT).to_numpy()
    table.loc[table["suppressed"], SHARE_COLUMNS] = np.nan
    table.loc[withheld, ["numerator", "denominator", "effective_n"]] = np.nan
    table = table.sort_values(["year", "dimension", "group", "behaviours"], key=_dimension_order, kind="stable")
    return table[COUNT_COLUMNS].reset_index(drop=True)


def _dimension_order(column: pd.Series) -> pd.Series:
    """all first, then the dimensions; groups that are whole numbers (grades) in numeric order."""
    if column.name == "dimension":
        return column.map({ALL: 0, **{d: i + 1 for i, d in enumerate(DIMENSIONS)}})
    if column.name == "group":
        return column.astype(str).map(lambda g: g.zfill(6) if g.isdigit() else g)
    return column


def _combined_hidden(part_hidden: pd.Series, line_hidden: pd.Series) -> bool:
    """Whether a published sum of some cells of a line (grades 6-7 of a grade breakdown; pupils with
    two or more behaviours) would let a hidden cell be worked out: it may be shown when none of its
    cells is hidden, or when every hidden cell of the line is among its cells (the sum of a line's
    hidden cells is known from its total anyway)."""
    inside, everywhere = int(part_hidden.sum()), int(line_hidden.sum())
    return 0 < inside < everywhere


def multiple_behaviours(
    frame: pd.DataFrame,
    behaviours: list[str],
    rules: Rules,
    source: str,
    counts: pd.DataFrame,
    at_least: int = 2,
    confidence: float = stats.CONFIDENCE,
) -> pd.DataFrame:
    """Per year: the share (percent) of pupils with at least `at_least` of the behaviours, with the
    targets' interval; hidden when a cell of it breaks a rule or would uncover a hidden cell of the
    year's distribution (`counts`, from behaviour_counts)."""
    complete, count = tried_counts(frame, behaviours)
    table = _shares(frame, complete, complete & (count >= at_least), None, source, confidence).drop(columns="group")
    unsafe = primary_suppression(table["numerator"], table["denominator"], True, rules) != ""
    everyone = counts[counts["dimension"] == ALL]
    for i, year in enumerate(table["year"]):
        line = everyone[everyone["year"] == year]
        unsafe[i] |= _combined_hidden(line.loc[line["behaviours"] >= at_least, "suppressed"], line["suppressed"])
    table["suppressed"] = unsafe
    table.loc[table["suppressed"], SHARE_COLUMNS] = np.nan
    return table[MULTIPLE_COLUMNS].reset_index(drop=True)


def multiple_trend(rows: pd.DataFrame, confidence: float = stats.TREND_CONFIDENCE) -> stats.TrendResult:
    """The trend of the share with several behaviours over the years shown: Cochran-Armitage on the
    effective counts (share x n_eff of n_eff, Rao & Scott's first-order design correction;
    assessment.effective_counts). Not the targets' design-based slope (survey.linear_trend_variance):
    the published rows hold no school's sums, and no change test on the page has to agree with it."""
    from rusmiddel_analysis.calc.assessment import effective_counts

    shown = rows[~rows["suppressed"].astype(bool)]
    if shown.empty:
        return stats.trend_test([], [], [], confidence)
    successes, answers = effective_counts(shown)
    return stats.trend_test(successes, answers, shown["year"], confidence)


TREND_COLUMNS = columns(MultipleTrend)


def multiple_trends(multiple: pd.DataFrame, report_years, confidence: float = stats.TREND_CONFIDENCE) -> pd.DataFrame:
    """Per report year: `multiple_trend` over the published shares with several behaviours of the
    years up to it (what the high-risk page and the status report show), with the first and last
    year it reads (NaN when no year is shown). Columns: TREND_COLUMNS (stats.TrendResult's fields)."""
    rows = []
    for year in report_years:
        upto = multiple[multiple["year"] <= int(year)]
        years = upto.loc[~upto["suppressed"].astype(bool), "year"].astype(int)
        result = multiple_trend(upto, confidence)
        first, last = (int(years.min()), int(years.max())) if len(years) else (np.nan, np.nan)
        rows.append({"report_year": int(year), "first_year": first, "last_year": last, **dataclasses.asdict(result)})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def early_debut(
    frame: pd.DataFrame,
    behaviours: list[str],
    early_grades: list[int],
    rules: Rules,
    source: str,
    confidence: float = stats.CONFIDENCE,
    protected=frozenset(),
):
    """Per year and behaviour: the share (percent) of the pupils in the early grades who have tried
    it, with the targets' interval. Hidden when it breaks a rule, or when it would uncover a hidden
    cell of the behaviour's breakdown by grade (computed and suppressed as a target's page does, in
    the `protected` (dimension, year)s of indicators.protected_years too)."""
    if "grade" not in frame.columns:
        return pd.DataFrame(columns=EARLY_COLUMNS)
    spec = SOURCES[source]
    rows = {b: answer_rows(frame, spec, b) for b in behaviours}
    return early_debut_of_rows(rows, early_grades, rules, source, confidence, protected, same_rows=True)


def _row_shares(rows: pd.DataFrame, answered, success, by: str | None, source: str, confidence: float, design=None) -> pd.DataFrame:
    """`_shares` for a question's rows of either layout (calc/survey_counts.py: a counts row stands
    for its count of answers, a year without its clusters gets Kish's interval)."""
    spec = SOURCES[source]
    groups, clusters = design if design is not None else _design(rows, by, source)
    codes = (clusters, np.zeros(len(rows), dtype=int))
    work = answers_frame(rows, answered, success, groups, spec.cluster, (), rows["count"].to_numpy(), rows["clustered"].to_numpy(bool), codes=codes)
    out = design_shares(work, confidence)
    return out[out["denominator"] > 0]


def early_debut_of_rows(
    rows: dict[str, pd.DataFrame],
    early_grades: list[int],
    rules: Rules,
    source: str,
    confidence: float = stats.CONFIDENCE,
    protected=frozenset(),
    same_rows: bool = False,
):
    """`early_debut` from each behaviour's question rows (survey_counts.question_rows, so a counts
    table by grade gives it too): a share per behaviour among the early grades' answers. The grade
    breakdown it must not uncover is suppressed as a target's page suppresses it, with its residual
    groups and the `protected` (dimension, year)s, counts years as answers years. `same_rows`: every
    behaviour's rows are the same pupils' (answer_rows of one frame), so their groups and clusters
    are worked out once."""
    health = rules.all_or_none_limit(SOURCES[source].health_data)
    frames, designs = [], None
    for b, part in rows.items():
        if "grade" not in part.columns or part.empty:
            continue
        if designs is None or not same_rows:
            designs = _design(part, "grade", source), _design(part, None, source)
            early = part["grade"].isin(early_grades).fillna(False).to_numpy(bool)
        answered = part["answer"].notna().to_numpy()
        tried = part["answer"].fillna(False).astype(bool).to_numpy() & answered
        grades = _row_shares(part, answered, tried, "grade", source, confidence, designs[0]).assign(unit="percent")
        grades = _suppressed_by_grade(grades, rules, health, protected)
        combined = _row_shares(part, answered & early, tried & early, None, source, confidence, designs[1]).drop(columns="group")
        unsafe = primary_suppression(combined["numerator"], combined["denominator"], True, rules) != ""
        for i, year in enumerate(combined["year"]):
            line = grades[grades["year"] == year]
            unsafe[i] |= _combined_hidden(line.loc[line["group"].isin([str(g) for g in early_grades]), "suppressed"], line["suppressed"])
        frames.append(combined.assign(behaviour=b, suppressed=unsafe))
    if not frames:
        return pd.DataFrame(columns=EARLY_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table.loc[table["suppressed"], SHARE_COLUMNS] = np.nan
    return table[EARLY_COLUMNS].sort_values(["year"], kind="stable").reset_index(drop=True)


def _suppressed_by_grade(grades: pd.DataFrame, rules: Rules, limit: float, protected=frozenset()) -> pd.DataFrame:
    """Which cells of a behaviour's breakdown by grade a target's page hides (indicators.compute's rule)."""
    residual = grades["group"].isin(residual_groups("grade")).to_numpy()
    shielded = np.array([("grade", int(y)) in protected for y in grades["year"]], dtype=bool)
    return suppress(grades, ["year"], rules, limit, residual, shielded)


def debut_ages(frame: pd.DataFrame, columns: dict[str, str], early_age: int, rules: Rules, source: str, confidence: float = stats.CONFIDENCE):
    """Per year and behaviour whose debut-age column the export has: among the pupils who have tried
    it and gave their age at the first time, the weighted median debut age and the share (percent)
    whose debut was before `early_age`, with the targets' interval. Both are hidden when the share
    breaks a rule (fewer than min_group_size ages, or 1 to min_cell - 1 on either side of the age)."""
    weights = frame["weight"].to_numpy(float) if "weight" in frame.columns else np.ones(len(frame))
    frames = []
    for behaviour, column in columns.items():
        if column not in frame.columns or behaviour not in frame.columns or frame[column].notna().sum() == 0:
            continue
        age = frame[column].astype(float).to_numpy()
        told = frame[behaviour].fillna(False).astype(bool).to_numpy() & ~np.isnan(age)
        rows = _shares(frame, told, told & (age < early_age), None, source, confidence).drop(columns="group")
        years = frame["year"].to_numpy()
        rows["median_age"] = [stats.weighted_median(age[told & (years == y)], weights[told & (years == y)]) for y in rows["year"]]
        frames.append(rows.assign(behaviour=behaviour))
    if not frames:
        return pd.DataFrame(columns=DEBUT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["suppressed"] = primary_suppression(table["numerator"], table["denominator"], True, rules) != ""
    table.loc[table["suppressed"], [*SHARE_COLUMNS, "median_age"]] = np.nan
    return table[DEBUT_COLUMNS].sort_values(["year"], kind="stable").reset_index(drop=True)


# the high-risk tables that need one row per pupil (never from a counts table), and the reasons a
# table has no rows in a year: the year is counts, or (early debut) its counts have no grade
PER_PUPIL = ("high_risk", "behaviour_counts", "multiple_behaviours", "debut_ages")
NO_GRADE = "no_grade"
UNAVAILABLE_COLUMNS = columns(Unavailable)
EMPTY = {
    "high_risk": columns(CoOccurrence),
    "behaviour_counts": COUNT_COLUMNS,
    "multiple_behaviours": MULTIPLE_COLUMNS,
    "early_debut": EARLY_COLUMNS,
    "debut_ages": DEBUT_COLUMNS,
}


def _exact_tables(
    frame: pd.DataFrame, block: HighRisk, rules: Rules, source: str, confidence: float, protected=frozenset()
) -> dict[str, pd.DataFrame]:
    """The high-risk tables with their exact counts, each hidden by its own rules (`protected`: the
    (dimension, year)s whose residual groups are left out and large groups' sizes withheld)."""
    behaviours = block.behaviours
    counts = behaviour_counts(frame, behaviours, rules, source, confidence, protected)
    return {
        "high_risk": co_occurrence(frame, behaviours, rules, confidence),
        "behaviour_counts": counts,
        "multiple_behaviours": multiple_behaviours(frame, behaviours, rules, source, counts, block.multiple, confidence),
        "early_debut": early_debut(frame, behaviours, block.early_grades, rules, source, confidence, protected),
        "debut_ages": debut_ages(frame, block.debut_ages, block.early_age, rules, source, confidence),
    }


def _hide(tables: dict[str, pd.DataFrame], rows: dict[str, set[int]]) -> None:
    """Hide whole rows the linked audit chose: every number of the row, as its own rules would."""
    for name, index in rows.items():
        if index:
            ordered = sorted(index)
            numbers = PAIR_NUMBERS if name == "high_risk" else SHARE_COLUMNS
            tables[name].loc[ordered, "suppressed"] = True
            tables[name].loc[ordered, numbers] = np.nan


def _counted_years(data, source: str, years: tuple[int, int]) -> pd.DataFrame | None:
    """The source's counts table within the strategy's years (None when it has none)."""
    if not data.has(source, COUNTS):
        return None
    counts = data(source, COUNTS)
    return counts[counts["year"].between(*years)]


def unavailable(counts: pd.DataFrame | None, behaviours: list[str]) -> pd.DataFrame:
    """Per year of counts and high-risk table that needs one row per pupil (or, for early debut, the
    grade): why the table has no rows that year (UNAVAILABLE_COLUMNS; reasons in UNAVAILABLE)."""
    if counts is None or counts.empty:
        return pd.DataFrame(columns=UNAVAILABLE_COLUMNS)
    rows = [{"year": int(y), "table": name, "reason": COUNTS} for y in sorted(counts["year"].unique()) for name in PER_PUPIL]
    asked = counts[counts["question"].isin(behaviours)]
    graded = asked["grade"].notna().groupby(asked["year"]).any() if "grade" in asked.columns else pd.Series(False, index=asked["year"].unique())
    rows += [{"year": int(y), "table": "early_debut", "reason": NO_GRADE} for y, has in graded.items() if not has]
    return pd.DataFrame(rows, columns=UNAVAILABLE_COLUMNS).sort_values(["year"], kind="stable").reset_index(drop=True)


def _with_counted_early_debut(
    exact: dict[str, pd.DataFrame], data, block: HighRisk, rules: Rules, source: str, confidence: float, years, protected=frozenset()
) -> dict:
    """The counts years' early debut (from the counts by grade) added to the answers years' table,
    protected as the answers years' (`protected`: indicators.protected_years); returns each
    behaviour's counts rows, for the linked audit."""
    spec = SOURCES[source]
    counted = {}
    for b in block.behaviours:
        rows = question_rows(data, spec, b)
        counted[b] = rows[(rows["layout"] == COUNTS) & rows["year"].between(*years)]
    early = early_debut_of_rows(counted, block.early_grades, rules, source, confidence, protected)
    if not early.empty:
        both = pd.concat([exact["early_debut"], early], ignore_index=True) if not exact["early_debut"].empty else early
        exact["early_debut"] = both.sort_values(["year"], kind="stable").reset_index(drop=True)
    return counted


def published_tables(strategy, data, totals: pd.DataFrame, subgroups: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every high-risk table of the strategy's years as it is published (settings.high_risk): each
    computed with the targets' estimator and its own rules; then the linked audit over them and the
    targets' totals and breakdowns (calc/linked.py), which hides rows until no cell can be narrowed
    to under min_cell pupils; then the counts with a behaviour withheld and the group sizes rounded
    (linked.publishable). Also `pair_counts`: the pairs' exact 2x2 counts, hidden as published, for
    the analyst's workbench (never published), and `high_risk_unavailable`: the years of a counts
    table, in which only early debut (by grade) can be computed (`unavailable`)."""
    block, settings = strategy.settings.high_risk, strategy.settings
    source, years = block.source, (strategy.years[0], strategy.period_end)
    empty = {name: pd.DataFrame(columns=columns) for name, columns in EMPTY.items()}
    counts = _counted_years(data, source, years)
    frame = data(source) if data.has(source) else None
    if frame is None and counts is None:
        return {**empty, "pair_counts": empty["high_risk"], "high_risk_unavailable": unavailable(None, block.behaviours)}
    frame = frame[frame["year"].between(*years)] if frame is not None else None
    rules = Rules.from_settings(settings)
    # the (dimension, year)s whose breakdowns are protected, answers and counts years alike (a counts
    # year has no distribution to decide from: distribution.counted_years)
    protected = frozenset((d, y) for d in DIMENSIONS for s, y in protected_years(strategy, data, d) if s == source)
    exact = _exact_tables(frame, block, rules, source, settings.confidence, protected) if frame is not None else dict(empty)
    counted = _with_counted_early_debut(exact, data, block, rules, source, settings.confidence, years, protected) if counts is not None else {}
    weighted = _weighted(frame) or any(not rows["integral"].all() or _weighted(rows) for rows in counted.values())
    linked = LinkedSet(
        block.behaviours,
        block.early_grades,
        block.multiple,
        linked_targets(strategy, source, block.behaviours),
        {**exact, "totals": totals, "subgroups": subgroups},
        SHARE_DECIMALS,
        rules.round_sizes,
        weighted,
    )
    hidden = protect(frame, linked, rules.min_cell) if frame is not None else {}
    for name, rows in protect_counts(counted, linked, rules.min_cell).items():
        hidden[name] = hidden.get(name, set()) | rows
    _hide(exact, hidden)
    published = {name: publishable(table, rules.round_sizes) for name, table in exact.items()}
    return {**published, "pair_counts": exact["high_risk"], "high_risk_unavailable": unavailable(counts, block.behaviours)}


def _weighted(frame: pd.DataFrame | None) -> bool:
    """Whether a survey's rows carry weights that differ (weighted shares are not ratios of counts)."""
    return frame is not None and "weight" in frame.columns and frame["weight"].nunique(dropna=True) > 1
