"""Survey exports as counts: the provider's tables of answers counted by year and breakdowns.

Many municipalities get the youth survey only as tables: how many pupils gave each answer to each
question, per school, grade and gender. A survey file whose columns, once `mapping.yaml` renamed
them, include `question`, `answer` or `count` (schemas.COUNTS_LAYOUT) is read as such a table
(`Source.counts_source` gives its format). Its answers are checked against each question's own
column (true/false, the codes, the range) and written in the canonical words; a source holds
either answers or counts for a year, never both, and every counts file of a year has the same
breakdown columns (two tables of one year by different breakdowns would count the same pupils
twice). docs/data-formats.md describes the layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.mapping import Mapping
from rusmiddel_analysis.ingest.parsing import parse_column, type_rule
from rusmiddel_analysis.ingest.problems import HINTS, MAX_ROWS_LISTED, Problem, rows_of
from rusmiddel_analysis.ingest.readers import RawTable
from rusmiddel_analysis.ingest.schemas import ANSWER, COUNTS, COUNTS_LAYOUT, QUESTION, Col, Source

# the frame column that keeps, per row of a counts file, the breakdown columns its file has
BREAKDOWNS = "_breakdowns"


def file_layout(table: RawTable, mapping: Mapping, source: Source) -> Source:
    """The format a file is in: the survey's counts layout when, once renamed, its columns include
    question, answer or count (a file with only some of them then lacks the others, by name)."""
    names = {mapping.columns.get(c, c) for c in table.frame.columns if c not in mapping.drop}
    return source.counts_source() if source.counts_layout and names & set(COUNTS_LAYOUT) else source


def is_counts(layout: Source) -> bool:
    return layout.layout == COUNTS


def answer_rule(col: Col) -> str:
    """What an answer to the question `col` must be, as a problem's rule says it."""
    if col.codes:
        return f"an answer to {col.name}: one of {', '.join(map(str, col.codes))}"
    if col.kind in ("int", "float") and col.low is not None and col.high is not None:
        return f"an answer to {col.name}: {type_rule(col)} from {col.low:g} to {col.high:g}"
    return f"an answer to {col.name}: {type_rule(col)}"


def _outside(values: pd.Series, col: Col) -> pd.Series:
    """Parsed answers outside the question's codes or range."""
    present = values.notna()
    if col.codes:
        return present & ~values.astype(object).isin(list(col.codes))
    bad = pd.Series(False, index=values.index)
    if col.low is not None:
        bad |= present & (values.astype(float) < col.low)
    if col.high is not None:
        bad |= present & (values.astype(float) > col.high)
    return bad.fillna(False)


def _canonical_text(values: pd.Series, col: Col) -> pd.Series:
    """Parsed answers in the canonical words: 'true'/'false', a code, a whole number as digits."""
    if col.kind == "bool":
        return values.map({True: "true", False: "false"}).astype("string")
    if col.kind == "int":
        return values.astype("Int64").astype("string")
    return values.astype("string")


def check_answers(typed: pd.DataFrame, source: Source, table: RawTable, export_names: dict) -> tuple[list[Problem], pd.Series]:
    """Each answer checked against its question's column (source: the survey's answers format), one
    problem per question whose answers fail; `typed`'s answers become the canonical words. Returns
    the problems and the rows that failed (the rules that depend on the answer skip them)."""
    failed = pd.Series(False, index=typed.index)
    if ANSWER not in typed.columns or QUESTION not in typed.columns:
        return [], failed
    problems, canonical = [], typed[ANSWER].astype("string")
    for question in [q for q in typed[QUESTION].dropna().unique() if q in source.questions]:
        rows = (typed[QUESTION] == question).fillna(False).to_numpy(bool)
        col = source.column(question)
        values, bad = parse_column(typed.loc[rows, ANSWER].astype("string"), col)
        bad = bad | _outside(values.mask(bad), col)
        if bad.any():
            n, listed = rows_of(np.flatnonzero(rows)[bad.to_numpy(bool)], table.row_numbers)
            problems.append(Problem(str(table.path), answer_rule(col), ANSWER, n, listed, HINTS["answer"], export_names.get(ANSWER)))
            failed[np.flatnonzero(rows)[bad.to_numpy(bool)]] = True
        canonical[rows] = _canonical_text(values.mask(bad), col).to_numpy()
    typed[ANSWER] = canonical
    return problems, failed


def mark_breakdowns(typed: pd.DataFrame, layout: Source) -> None:
    """Keep, on each row, which of the source's breakdown columns its file has."""
    typed[BREAKDOWNS] = ",".join(c for c in layout.subgroups if c in typed.columns)


def _file_problems(frame: pd.DataFrame, folder: Path, rule: str, hint: str) -> list[Problem]:
    """One problem per file for the rows of `frame` (with their _file and _row)."""
    return [
        Problem(str(folder / name), rule, n_rows=len(group), rows=tuple(int(r) for r in group["_row"].head(MAX_ROWS_LISTED)), hint=hint)
        for name, group in frame.groupby("_file", sort=True)
    ]


def layout_problems(answers: pd.DataFrame | None, counts: pd.DataFrame | None, source: Source, folder: Path) -> list[Problem]:
    """A year held both as answers and as counts (each counts file's rows of that year), and a year
    whose counts files break the answers down by different columns."""
    if counts is None:
        return []
    problems = []
    both = sorted(set(counts["year"].dropna().astype(int)) & (set(answers["year"].dropna().astype(int)) if answers is not None else set()))
    if both:
        rule = f"answers or counts for a year, never both ({source.name} has one row per respondent for {', '.join(map(str, both))})"
        problems += _file_problems(counts[counts["year"].isin(both)], folder, rule, HINTS["layout"])
    for year, group in counts.groupby("year", sort=True):
        if group[BREAKDOWNS].nunique() > 1:
            rule = f"the same breakdown columns in every counts file of {int(year)}"
            problems += _file_problems(group, folder, rule, HINTS["counts breakdowns"])
    return problems


def answers_to(counts: pd.DataFrame, source: Source, question: str) -> pd.Series:
    """A processed counts table's answers to `question` in that column's type (NA: no answer)."""
    values, _ = parse_column(counts[ANSWER].astype("string"), source.column(question))
    return values
