"""`mapping.yaml`: how an export's column names and words map to the canonical format (docs/data-formats.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.config.echo import printable
from rusmiddel_analysis.config.files import read_yaml
from rusmiddel_analysis.ingest.problems import HINTS, NOT_SHOWN, Problem, plausible_name, shown_name
from rusmiddel_analysis.ingest.readers import RawTable
from rusmiddel_analysis.ingest.schemas import ANSWER, COUNTS, QUESTION, Source

# the sections of mapping.yaml and the options of `read:` (docs/data-formats.md)
SECTIONS = ("read", "columns", "values", "missing", "drop", "date_format")
READ_OPTIONS = ("encoding", "sep", "sheet", "decimal", "header_row")


@dataclass
class Mapping:
    path: Path | None = None
    read: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    missing: tuple = ()
    drop: tuple = ()
    date_format: dict = field(default_factory=dict)  # canonical date column -> strftime pattern

    def date_format_of(self, column: str) -> str | None:
        return self.date_format.get(column, self.date_format.get(ALL_DATES))

    @property
    def decimal(self) -> str:
        return str(self.read.get("decimal", "."))


ALL_DATES = "*"  # date_format given as one pattern: every date column


def load_mapping(folder: Path, source: Source | None = None) -> tuple[Mapping, list[Problem]]:
    """The folder's mapping.yaml, every section and option checked (unknown ones named, with the
    valid ones); no file is an empty mapping. A file that is not YAML (a syntax error, an alias
    bomb, not UTF-8) raises config.files.YamlFileError with its line."""
    path = folder / "mapping.yaml"
    if not path.exists():
        return Mapping(), []
    raw = read_yaml(path)[0] or {}  # not YAML at all: a YamlFileError, which stops the command (exit 2)
    problems = _key_problems(path, raw, source)
    if problems:
        return Mapping(), problems
    values = {canon: {str(k): v for k, v in (words or {}).items()} for canon, words in (raw.get("values") or {}).items()}
    date_format = raw.get("date_format") or {}
    return Mapping(
        path,
        raw.get("read") or {},
        {str(k): v for k, v in (raw.get("columns") or {}).items()},
        values,
        tuple(str(m) for m in raw.get("missing") or ()),
        tuple(raw.get("drop") or ()),
        {ALL_DATES: date_format} if isinstance(date_format, str) else {str(k): str(v) for k, v in date_format.items()},
    ), []


def _unknown(path: Path, where: str, found, valid) -> list[Problem]:
    extra = sorted(printable(k) if plausible_name(k) else NOT_SHOWN for k in found if k not in valid)
    if not extra:
        return []
    rule = f"only known names under {where} (found {', '.join(extra)}; valid: {', '.join(map(str, valid))})"
    return [Problem(str(path), rule, hint=HINTS["mapping"])]


# the form of each section: a mapping, a list of words, or date_format's pattern or mapping of patterns
SECTION_FORMS: dict[str, type | tuple[type, ...]] = {
    "read": dict,
    "columns": dict,
    "values": dict,
    "missing": list,
    "drop": list,
    "date_format": (str, dict),
}


def _form_problems(path: Path, raw: dict) -> list[Problem]:
    """Each section in its form (a list where a mapping belongs would end in a traceback; a word
    where a list belongs would be read letter by letter), and each `values:` entry a mapping."""
    problems = []
    for section, form in SECTION_FORMS.items():
        value = raw.get(section)
        if value is not None and not isinstance(value, form):
            what = "a mapping" if form is dict else "a list" if form is list else "a pattern or a mapping of patterns"
            problems.append(Problem(str(path), f"'{section}:' {what}", hint=HINTS["mapping"]))
    values = raw.get("values")
    for column, words in values.items() if isinstance(values, dict) else ():
        if words is not None and not isinstance(words, dict):
            problems.append(Problem(str(path), f"'values:' a mapping of words for {shown_name(column)}", hint=HINTS["mapping"]))
    return problems


def _valid_date_format(pattern) -> bool:
    """A strftime pattern pandas can parse dates with ('%Q' or a stray '%' cannot)."""
    if not isinstance(pattern, str) or "%" not in pattern:
        return False
    try:
        pd.to_datetime(pd.Series(["2001-02-03"]), format=pattern, errors="coerce")
    except ValueError:
        return False
    return True


def _date_format_problems(path: Path, dates) -> list[Problem]:
    """Every date_format pattern valid; a bad one is a problem naming its column, never a traceback."""
    patterns = dates if isinstance(dates, dict) else {ALL_DATES: dates}
    rule, hint = "a valid date_format", HINTS["date_format directives"]
    return [
        Problem(str(path), rule, column=None if column == ALL_DATES else str(column), hint=hint)
        for column, pattern in patterns.items()
        if not _valid_date_format(pattern)
    ]


def _key_problems(path: Path, raw, source: Source | None) -> list[Problem]:
    """Unknown sections, `read:` options, and `values:`/`date_format:` of columns the source lacks;
    sections of the wrong form and date_format patterns that are not valid."""
    if not isinstance(raw, dict):
        return [Problem(str(path), f"a mapping with the sections {', '.join(SECTIONS)}", hint=HINTS["mapping"])]
    problems, forms = _unknown(path, "the top level", raw, SECTIONS), _form_problems(path, raw)
    if forms:  # the checks below read the sections
        return problems + forms
    if raw.get("date_format") is not None:
        problems += _date_format_problems(path, raw["date_format"])
    read = raw.get("read") or {}
    problems += _unknown(path, "'read:'", read, READ_OPTIONS) if isinstance(read, dict) else []
    if isinstance(read, dict) and "header_row" in read and (not isinstance(read["header_row"], int) or read["header_row"] < 1):
        problems.append(Problem(str(path), "read.header_row a row number from 1", hint=HINTS["mapping"]))
    if isinstance(read, dict) and str(read.get("decimal", ".")) not in (".", ","):
        problems.append(Problem(str(path), "read.decimal '.' or ','", hint=HINTS["mapping"]))
    if source is not None:
        problems += _unknown(path, "'values:'", raw.get("values") or {}, source.mapping_names)
        dates = raw.get("date_format") or {}
        if isinstance(dates, dict):
            problems += _unknown(path, "'date_format:'", dates, [c.name for c in source.columns if c.kind == "date"])
    return problems


def apply_mapping(table: RawTable, mapping: Mapping, source: Source) -> tuple[pd.DataFrame, dict[str, str], list[Problem]]:
    """Rename and recode a raw table into canonical column names and words (still text)."""
    problems = []
    file = str(table.path)
    frame = table.frame
    for export_name in mapping.columns:
        if export_name not in frame.columns:
            problems.append(
                Problem(
                    file,
                    "mapping column exists",
                    column=mapping.columns[export_name],
                    export_column=export_name,
                    hint=f"mapping.yaml maps {shown_name(export_name)}, which this file lacks; " + HINTS["mapping column exists"],
                )
            )
    frame = frame.drop(columns=[c for c in mapping.drop if c in frame.columns])
    frame = frame.rename(columns=mapping.columns)
    export_names = {canon: export for export, canon in mapping.columns.items()}
    known = set(source.names)
    for column in frame.columns:
        if column not in known:
            known_hint = HINTS["counts column"] if source.layout == COUNTS else HINTS["known column"]
            hint = known_hint if plausible_name(column) else HINTS["name looks like a value"]
            problems.append(Problem(file, "known column", column=str(column), hint=hint))
    for col in source.columns:
        if col.required and col.name not in frame.columns:
            problems.append(Problem(file, "required column present", column=col.name, hint=HINTS["required column present"]))
    return _recode_all(frame[[c for c in source.names if c in frame.columns]], mapping), export_names, problems


def _recode_all(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Every column's words recoded by `values:`, and the `missing:` words made no answer. In a
    counts table the question names are recoded first, so an answer is recoded by its question's
    `values:` (the same mapping serves both layouts), then by `values: {answer: ...}`."""
    missing = {word: None for word in mapping.missing}
    for column in frame.columns:
        lookup = {word: _canonical_word(value) for word, value in mapping.values.get(column, {}).items()} | missing
        if column == ANSWER and QUESTION in frame.columns:
            frame[column] = _recode_answers(frame, mapping, lookup)
        elif lookup:
            frame[column] = _recode(frame[column], lookup)
    return frame


def _recode_answers(frame: pd.DataFrame, mapping: Mapping, general: dict) -> pd.Series:
    """A counts table's answers: each question's rows by that question's `values:` (before the general
    lookup's words), the other rows by the general lookup alone."""
    answers = frame[ANSWER]
    out = _recode(answers, general) if general else answers.astype("string")
    for question in frame[QUESTION].dropna().unique():
        words = mapping.values.get(str(question))
        if words:
            rows = (frame[QUESTION] == question).fillna(False).to_numpy(bool)
            out[rows] = _recode(answers[rows], general | {word: _canonical_word(value) for word, value in words.items()})
    return out


def _canonical_word(value) -> str | None:
    """A mapping target as canonical text: YAML null -> no answer, booleans -> 'true'/'false'."""
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _recode(series: pd.Series, lookup: dict) -> pd.Series:
    """Replace words via `lookup` (others unchanged); done on the distinct values, so it is fast on big files."""
    categorical = series.astype("category")
    categories = [lookup.get(c, c) for c in categorical.cat.categories]
    table = np.array([*categories, None], dtype=object)  # code -1 (missing) picks the trailing None
    return pd.Series(pd.array(table[categorical.cat.codes.to_numpy()], dtype="string"), index=series.index)
