"""A survey question's answers from either layout: one row per respondent, or a provider's counts.

A survey source may arrive as counts of answers per year and breakdown cell (ingest/counts.py),
for some years or all. `question_rows` gives the rows of one question from both layouts in one
frame, each row with the number of answers it stands for (`count`: 1 for a respondent), so that
the survey estimators (survey_indicators.py) take a counts row as a row with a frequency weight
and give the same value, interval, design effect, standardised share and coverage as the pupils'
own answers would, as far as the counts keep what each estimator needs (docs/methodology.md 2.8):

- the cluster-robust variance and the coverage comparison need each row's school (institution):
  a year whose counts have none gets Kish's (binomial) interval, no design effect and no coverage
  comparison (`no_cluster`);
- direct standardisation needs the strata (grade and gender; education type and gender): a year
  whose counts lack one of them is not standardised (`no_strata`);
- Kish's effective n needs the number of answers: a table of weighted counts (with decimals) is
  taken as that many answers (`weighted_counts`).

`estimation_limits` gives these codes per year; the totals carry them (column `estimation_limits`)
and the pages say each in one sentence (present/text: `estimation_limits.<code>`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import survey_indicators
from rusmiddel_analysis.calc.breakdowns import group_keys
from rusmiddel_analysis.ingest.counts import answers_to
from rusmiddel_analysis.ingest.schemas import COUNT, COUNTS, QUESTION, WEIGHT, Source

NO_CLUSTER, NO_STRATA, WEIGHTED_COUNTS = "no_cluster", "no_strata", "weighted_counts"
# the order the codes are listed in
LIMITS = (NO_CLUSTER, NO_STRATA, WEIGHTED_COUNTS)


def _year_has(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per row: whether its year's rows give `column` at all (a counts table without the column
    holds it as empty in every row of the year)."""
    if column not in rows.columns:
        return pd.Series(False, index=rows.index)
    return rows[column].notna().groupby(rows["year"]).transform("any").astype(bool)


def answer_rows(frame: pd.DataFrame, source: Source, question: str) -> pd.DataFrame:
    """The respondents' rows: year, breakdowns, weight, answer, count 1 and the layout's flags."""
    keep = [c for c in ("year", *source.subgroups, WEIGHT.name) if c in frame.columns]
    return frame[keep].assign(
        answer=frame[question], count=1, clustered=source.cluster in frame.columns, stratified=True, integral=True, layout="answers"
    )


def _answers_base(data, source: Source) -> pd.DataFrame:
    """answer_rows without a question's answer (a placeholder keeps its column's place), built once
    per ProcessedData: every question of the source shares it."""
    return data.derived(("answer rows", source.name), lambda: answer_rows(data(source.name), source, next(iter(data(source.name).columns))))


def counts_rows(counts: pd.DataFrame, source: Source, question: str) -> pd.DataFrame:
    """A counts table's rows of `question` (rows of no answers left out), with the layout's flags."""
    rows = counts[(counts[QUESTION] == question).fillna(False).to_numpy(bool)]
    rows = rows[rows[COUNT].astype(float) > 0]
    keep = [c for c in ("year", *source.subgroups, WEIGHT.name) if c in rows.columns]
    count = rows[COUNT].astype(float).to_numpy()
    stratified = pd.Series(True, index=rows.index)
    for column in source.standardise_by:
        stratified &= _year_has(rows, column)
    return rows[keep].assign(
        answer=answers_to(rows, source, question),
        count=count,
        clustered=_year_has(rows, source.cluster) if source.cluster else False,
        stratified=stratified,
        integral=count == np.floor(count),
        layout=COUNTS,
    )


def question_rows(data, source: Source, question: str, by: str | None = None) -> pd.DataFrame:
    """The rows of one question from the source's answers and counts (`data`: indicators.ProcessedData):
    year, breakdowns, weight, `answer` (in the column's type), `count` (answers a row stands for),
    `clustered`, `stratified`, `integral` and `layout`. With a breakdown `by`, a counts year
    without that column is left out (its groups are not known)."""
    parts = []
    if data.has(source.name):
        parts.append(_answers_base(data, source).assign(answer=data(source.name)[question]))
    if data.has(source.name, COUNTS):
        part = counts_rows(data(source.name, COUNTS), source, question)
        parts.append(part[_year_has(part, by).to_numpy(bool)] if by is not None else part)
    rows = pd.concat(parts, ignore_index=True)
    if by is not None and by not in rows.columns:  # only counts without the breakdown: no rows are left
        rows[by] = pd.NA
    if WEIGHT.name in rows.columns:  # a weight column is complete where it is given: a layout without one weighs 1
        rows[WEIGHT.name] = rows[WEIGHT.name].astype(float).fillna(1.0)
    if rows["integral"].all():
        rows["count"] = rows["count"].astype(np.int64)
    return rows


def _cached_head(data, source: Source, rows: pd.DataFrame, columns) -> int:
    """How many leading rows of `rows` (question_rows) are the source's respondents in their own
    types, so that what was derived from the respondents once holds for them: 0 when there are
    none, or when adding the counts rows changed a column's type (then nothing cached is used)."""
    if not data.has(source.name):
        return 0
    answers = data(source.name)
    if any(c in rows.columns and (c not in answers.columns or rows[c].dtype != answers[c].dtype) for c in columns):
        return 0
    return len(answers)


def design_codes(data, source: Source, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The cluster and stratum codes of question_rows' `rows`, as survey_indicators.cluster_codes and
    stratum_codes give them, with the respondents' part factorised once per ProcessedData."""
    cluster = source.cluster if source.cluster in rows.columns else None
    present = [c for c in source.standardise_by if c in rows.columns]
    head = _cached_head(data, source, rows, [c for c in (cluster, *present) if c])
    if head == 0:
        return survey_indicators.cluster_codes(rows[cluster] if cluster else None, len(rows)), survey_indicators.stratum_codes(rows, tuple(present))
    answers = data(source.name)
    if cluster:
        factorised = data.derived(("clusters", source.name), lambda: pd.factorize(answers[cluster]))
        clusters = survey_indicators.own_clusters(survey_indicators.extend_factorised(factorised, rows[cluster].iloc[head:]))
    else:
        clusters = np.arange(len(rows))
    if not present:
        return clusters, np.zeros(len(rows), dtype=int)
    factorised = data.derived(("strata", source.name, *present), lambda: pd.factorize(survey_indicators.stratum_keys(answers, present)))
    return clusters, survey_indicators.extend_factorised(factorised, survey_indicators.stratum_keys(rows.iloc[head:], present))


def groups_of(data, source: Source, rows: pd.DataFrame, by: str | None, merge: bool = False) -> pd.Series:
    """breakdowns.group_keys of question_rows' `rows`, with the respondents' part worked out once per ProcessedData."""
    head = _cached_head(data, source, rows, [by] if by is not None else [])
    if by is None or head == 0:
        return group_keys(rows, by, merge)
    # kept as codes of a few texts: a text per row would hold a million strings per breakdown
    codes, uniques = data.derived(("groups", source.name, by, merge), lambda: pd.factorize(group_keys(data(source.name), by, merge)))
    keys = uniques.to_numpy(object)[codes]
    return pd.Series(np.concatenate([keys, group_keys(rows.iloc[head:], by, merge).to_numpy(object)]), index=rows.index)


def estimation_limits(rows: pd.DataFrame) -> pd.Series:
    """Per year (the index): what the year's data cannot give, as codes joined by ';' (module
    docstring): no_cluster, no_strata, weighted_counts; '' when nothing is missing."""
    flags = rows.groupby("year").agg(clustered=("clustered", "all"), stratified=("stratified", "all"), integral=("integral", "all"))
    codes = {NO_CLUSTER: ~flags["clustered"], NO_STRATA: ~flags["stratified"], WEIGHTED_COUNTS: ~flags["integral"]}
    return pd.Series([";".join(code for code in LIMITS if codes[code][year]) for year in flags.index], index=flags.index.astype(int))


def limits_in(totals: pd.DataFrame, target_id: str, year: int) -> tuple[str, ...]:
    """The estimation-limit codes of a target's total in `year` (results' totals; empty when none), for
    a page to say each in its sentence (present/text: `estimation_limits.<code>`)."""
    rows = totals[(totals["target_id"] == target_id) & (totals["year"] == int(year)) & (totals["group"] == "all")]
    text = str(rows["estimation_limits"].iloc[0]) if len(rows) and "estimation_limits" in rows.columns else ""
    return tuple(code for code in text.split(";") if code)
