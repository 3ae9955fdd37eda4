"""Validation: each source's exports parsed into canonical types and checked with pandera, every problem collected.

Problems name the file, the column, the rule, how many rows fail and the first few row numbers,
never the failing values: they can be personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.comparators import comparator_problems
from rusmiddel_analysis.ingest.counts import BREAKDOWNS, check_answers, file_layout, is_counts, layout_problems, mark_breakdowns
from rusmiddel_analysis.ingest.cpr import cpr_like_rows
from rusmiddel_analysis.ingest.mapping import Mapping, apply_mapping, load_mapping
from rusmiddel_analysis.ingest.parsing import parse_column, type_rule
from rusmiddel_analysis.ingest.problems import HINTS, MAX_ROWS_LISTED, DataValidationError, Problem, hint_for, rows_of
from rusmiddel_analysis.ingest.readers import SUPPORTED_SUFFIXES, RawTable, read_raw
from rusmiddel_analysis.ingest.schemas import COMPARATORS, COUNTS, EXTRA_CHECK_COLUMNS, SOURCES, Col, Source, pandera_schema

# Excel's serial day numbers of 1950 to 2100 (days since 1899-12-30): a date column exported as numbers
EXCEL_SERIAL_DAYS = (18264, 73051)


def typed_frame(
    frame: pd.DataFrame, source: Source, table: RawTable, export_names: dict, mapping: Mapping | None = None
) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """Parse every present canonical column; each type failure is one problem, with the hint that
    fits it. Returns the typed frame, the problems and the rows where any value failed to parse."""
    mapping = mapping or Mapping()
    problems, typed = [], {}
    unparsed = pd.Series(False, index=frame.index)
    for col in source.columns:
        if col.name not in frame.columns:
            continue
        date_format = mapping.date_format_of(col.name)
        values, bad = parse_column(frame[col.name], col, mapping.decimal, date_format)
        if bad.any():
            n, rows = rows_of(np.flatnonzero(bad.to_numpy()), table.row_numbers)
            hint = type_hint(col, frame[col.name][bad], mapping)
            problems.append(Problem(str(table.path), type_rule(col, date_format), col.name, n, rows, hint, export_names.get(col.name)))
            unparsed |= bad
        typed[col.name] = values
    return pd.DataFrame(typed, index=frame.index), problems, unparsed


def type_hint(col: Col, failing: pd.Series, mapping: Mapping) -> str:
    """The hint that fits what failed to parse (the values are looked at, never printed)."""
    sample = failing.dropna().head(50)
    if col.kind in ("int", "float") and mapping.decimal == "." and sample.str.fullmatch(r"-?\d+(\.\d{3})*,\d+").any():
        return HINTS["decimal"]
    if col.kind == "date" and sample.str.fullmatch(r"\d{1,2}[-./]\d{1,2}[-./]\d{4}").any():
        return HINTS["date_format"]
    if col.kind == "date" and pd.to_numeric(sample, errors="coerce").between(EXCEL_SERIAL_DAYS[0], EXCEL_SERIAL_DAYS[1]).any():
        return HINTS["excel serial date"]
    return HINTS["type"]


def validate_values(typed: pd.DataFrame, source: Source, table: RawTable, export_names: dict, today: dt.date) -> list[Problem]:
    """Run the pandera schema lazily and turn its failure cases into problems (row numbers, no values)."""
    import pandera.pandas as pa

    # Only the checks whose columns are present; missing columns are already reported.
    has = lambda names: all(n in typed.columns for n in names)
    sub = dataclasses.replace(
        source,
        columns=tuple(c for c in source.columns if c.name in typed.columns),
        key=source.key if has(source.key) else (),
        date_order=source.date_order if source.date_order and has(source.date_order) else None,
        extra_checks=tuple(x for x in source.extra_checks if has(EXTRA_CHECK_COLUMNS[x])),
    )
    schema = pandera_schema(sub, today)
    try:
        schema.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    # a frame-level check is reported once per column by pandera: it concerns the row, not a column
    column_of_case = cases["column"].where(cases["schema_context"] != "DataFrameSchema").fillna("")
    for (column, check), group in cases.groupby([column_of_case, cases["check"].astype(str)], sort=False):
        rule = "not empty" if check == "not_nullable" else check
        idx = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int).to_numpy()
        n, rows = rows_of(idx, table.row_numbers)
        problems.append(Problem(str(table.path), rule, column or None, n, rows, hint_for(rule), export_names.get(column)))
    return problems


@dataclass
class SourceResult:
    source: Source
    frame: pd.DataFrame | None
    files: dict[str, str]  # file name -> sha256
    declared_missing: dict[str, int]
    problems: list[Problem]
    left_out: int = 0  # rows of a survey year outside the strategy's years (an archive holds them all)
    counts: pd.DataFrame | None = None  # a survey's files in the counts layout (ingest/counts.py), combined

    @property
    def has_data(self) -> bool:
        return self.frame is not None or self.counts is not None


def source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def load_source(raw_dir: Path, source: Source, years: tuple[int, int], today: dt.date, strategy=None) -> SourceResult:
    """One source's files read, mapped, typed and checked (`strategy`: for the comparators' checks
    against the targets); the answers and the counts each combined, with every problem."""
    folder = raw_dir / source.name
    if not folder.is_dir() or not source_files(folder):
        if source.optional:
            return SourceResult(source, None, {}, {}, [])
        return SourceResult(
            source,
            None,
            {},
            {},
            [Problem(str(folder), "source present: at least one .csv, .xlsx, .sav or .parquet file", hint=HINTS["source present"])],
        )
    mapping, problems = load_mapping(folder, source)
    if problems:
        return SourceResult(source, None, {}, {}, problems)
    frames, files, declared, problems = _load_files(folder, mapping, source, today)
    if not frames or problems:
        return SourceResult(source, None, files, declared, problems)
    answers, counts, problems = _combined(frames, source, folder, strategy)
    if problems:
        return SourceResult(source, None, files, declared, problems)
    left_out = 0
    if answers is not None:
        answers, left_out = _within_years(answers, source, years)
        answers = _canonical_dtypes(answers, source)
    if counts is not None:
        counts, counts_left_out = _within_years(counts, source, years)
        counts, left_out = _canonical_dtypes(counts, source.counts_source()), left_out + counts_left_out
    return SourceResult(source, answers, files, declared, problems, left_out, counts)


def _load_files(folder: Path, mapping: Mapping, source: Source, today: dt.date) -> tuple[list, dict, dict, list[Problem]]:
    """Every export of the folder read and checked: (typed frames, file name -> sha256, declared
    missing per canonical column, problems)."""
    frames: list[pd.DataFrame] = []
    files: dict[str, str] = {}
    declared: dict[str, int] = {}
    problems: list[Problem] = []
    for path in source_files(folder):
        try:
            table = read_raw(path, mapping.read)
        except DataValidationError as exc:
            problems.extend(exc.problems)
            continue
        files[path.name] = table.sha256
        typed, file_problems = _load_file(table, mapping, source, today)
        positions = {name: i for i, name in enumerate(table.frame.columns, start=1)}
        for problem in file_problems:
            problem.locate(positions)  # a name that may be a value is shown by its position
        problems += file_problems
        if typed is None:
            continue
        for column, count in table.declared_missing.items():
            canon = mapping.columns.get(column, column)
            if canon in typed.columns:  # a dropped column's name is kept nowhere
                declared[canon] = declared.get(canon, 0) + count
        frames.append(typed)
    return frames, files, declared, problems


HELPER_COLUMNS = ["_file", "_row", "_layout", BREAKDOWNS]


def _combined(frames: list[pd.DataFrame], source: Source, folder: Path, strategy) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[Problem]]:
    """The files' answers and counts each combined, with the problems across files: a key twice,
    a year held in both layouts, (comparators) a row that does not fit the strategy's targets."""
    parts, problems = {}, []
    layouts = [source, source.counts_source()] if source.counts_layout else [source]
    for layout in layouts:
        chosen = [f for f in frames if f["_layout"].iat[0] == layout.layout]
        if chosen:
            combined = pd.concat(chosen, ignore_index=True)
            key = tuple(k for k in layout.key if k in combined.columns)
            problems += _cross_file_duplicates(combined, dataclasses.replace(layout, key=key), folder)
            parts[layout.layout] = combined
    answers, counts = parts.get(source.layout), parts.get(COUNTS)
    problems += layout_problems(answers, counts, source, folder)
    if source.name == COMPARATORS and strategy is not None and answers is not None:
        problems += comparator_problems(answers, strategy, folder)
    drop = lambda frame: None if frame is None else frame.drop(columns=[c for c in HELPER_COLUMNS if c in frame.columns])
    return drop(answers), drop(counts), problems


def _load_file(table: RawTable, mapping: Mapping, source: Source, today: dt.date) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One export checked: the CPR guard first (a file with a CPR number goes no further), then
    its layout (answers or counts), mapping, types and rules. Returns the typed frame (None after
    the CPR guard) and the problems."""
    cpr = _cpr_problems(table)
    if cpr:
        return None, cpr
    layout = file_layout(table, mapping, source)
    canonical, export_names, problems = apply_mapping(table, mapping, layout)
    typed, type_problems, unparsed = typed_frame(canonical, layout, table, export_names, mapping)
    problems += type_problems
    if is_counts(layout):  # each answer by its question's column; the key of the breakdowns the file has
        answer_problems, failed = check_answers(typed, source, table, export_names)
        problems, unparsed = problems + answer_problems, unparsed | failed
        layout = dataclasses.replace(layout, key=tuple(k for k in layout.key if k in typed.columns))
    # a value that did not parse is one problem: the rules that depend on it skip its rows
    problems += validate_values(typed[~unparsed], layout, table, export_names, today)
    if is_counts(layout):
        mark_breakdowns(typed, layout)
    typed["_file"] = table.path.name
    typed["_row"] = table.row_numbers
    typed["_layout"] = layout.layout
    return typed, problems


def _cpr_problems(table: RawTable) -> list[Problem]:
    """One problem per column with a CPR number in a cell or inside a cell's text: rows, never values."""
    problems = []
    for column, (positions, whole_cells) in cpr_like_rows(table.frame).items():
        n, rows = rows_of(positions, table.row_numbers)
        hint = HINTS["cpr"] if whole_cells else HINTS["cpr in text"]
        problems.append(Problem(str(table.path), "no CPR numbers", column=column, n_rows=n, rows=rows, hint=hint))
    return problems


def _within_years(frame: pd.DataFrame, source: Source, years: tuple[int, int]) -> tuple[pd.DataFrame, int]:
    """The rows of the strategy's years, and how many rows of other survey years were left out."""
    if not source.survey_year:
        return frame, 0
    inside = frame[source.survey_year].between(years[0], years[1])
    return frame[inside].reset_index(drop=True), int((~inside).sum())


def _cross_file_duplicates(combined: pd.DataFrame, source: Source, folder: Path) -> list[Problem]:
    if combined["_file"].nunique() < 2:
        return []
    across = combined.duplicated(list(source.key), keep=False) & ~combined.duplicated([*source.key, "_file"], keep=False)
    problems = []
    for name, group in combined[across].groupby("_file"):
        rows = tuple(int(r) for r in group["_row"].head(MAX_ROWS_LISTED))
        problems.append(
            Problem(
                str(folder / name),
                f"unique {' + '.join(source.key)} across the files of {source.name}",
                n_rows=len(group),
                rows=rows,
                hint=HINTS["unique"],
            )
        )
    return problems


def _canonical_dtypes(frame: pd.DataFrame, source: Source) -> pd.DataFrame:
    out = {}
    for col in source.columns:
        if col.name not in frame.columns:
            continue
        values = frame[col.name]
        if col.kind == "code":
            values = pd.Categorical(values.astype(object).where(values.notna(), None), categories=list(col.codes))
        elif col.kind == "int":
            small = bool(col.codes) or (col.high is not None and col.high < 30000)
            values = values.astype("Int16" if small else "Int32")
        out[col.name] = values
    return pd.DataFrame(out)


def strategy_years(strategy) -> tuple[int, int]:
    """The first and last year the strategy reads data for (its earliest baseline to its end)."""
    return strategy.years[0], strategy.years[-1]


def validate(raw_dir: str | Path, strategy, today: dt.date | None = None) -> dict[str, SourceResult]:
    """Load and check every source; raises DataValidationError listing every problem."""
    raw_dir = Path(raw_dir)
    today = today or dt.date.today()
    years = strategy_years(strategy)
    results = {name: load_source(raw_dir, source, years, today, strategy) for name, source in SOURCES.items()}
    problems = [p for r in results.values() for p in r.problems]
    if not problems:
        problems = _dangling_references(raw_dir, results)
    if problems:
        raise DataValidationError(problems)
    return results


def _dangling_references(raw_dir: Path, results: dict[str, SourceResult]) -> list[Problem]:
    """Rows whose reference (Source.refers_to) names no row of the source it refers to."""
    problems = []
    for name, result in results.items():
        if result.source.refers_to is None or result.frame is None:
            continue
        column, other, what = result.source.refers_to
        target = results[other].frame
        if target is None:
            continue
        dangling = ~result.frame[column].isin(target[column])
        if dangling.any():
            problems.append(
                Problem(
                    str(raw_dir / name), f"{column} refers to {what} in {other}", column=column, n_rows=int(dangling.sum()), hint=HINTS["reference"]
                )
            )
    return problems
