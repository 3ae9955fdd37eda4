"""Raw exports in, validated canonical Parquet out.

For each source folder under the raw directory: read every export (CSV, Excel, SPSS,
Parquet) once as bytes, refuse CPR-like columns, apply the folder's `mapping.yaml`,
parse each column into its canonical type, validate values with pandera, and collect
every problem at once. `process` writes one Parquet file per source into a temporary
folder and swaps it into place only when every source passed, so the processed folder is
never half-written. Raw files are only ever opened for reading.

Problems name the file, the column, the rule, how many rows fail and the first few row
numbers, never the failing values: they can be personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rusmiddel_analysis.config.files import replace_dir_atomically, sha256_bytes, write_manifest
from rusmiddel_analysis.ingest.cpr import cpr_like_counts
from rusmiddel_analysis.ingest.schemas import EXTRA_CHECK_COLUMNS, FALSE_WORDS, SOURCES, TRUE_WORDS, Col, Source, pandera_schema

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".sav", ".parquet")
OPTIONAL_SOURCES = ("behandling_opfoelgning",)
MAX_ROWS_LISTED = 5

TYPE_RULES = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "date": "an ISO date YYYY-MM-DD",
}

HINTS = {
    "not empty": "every row needs a value here; check the export for blank cells",
    "required column present": "add the column to the export, or map the export's name for it under 'columns:' in mapping.yaml",
    "known column": "map it to a canonical name under 'columns:' in mapping.yaml, or list it under 'drop:'",
    "mapping column exists": "correct the name under 'columns:' in mapping.yaml (names are case-sensitive)",
    "type": "recode the export's words under 'values:' in mapping.yaml (see docs/data-formats.md)",
    "code": "recode the export's words under 'values:' in mapping.yaml, or correct the export",
    "unique": "remove the duplicate rows from the export, or check that two files do not hold the same year",
    "cpr": "pseudonymise the column first: rusmiddel pseudonymise --in FILE --out FILE --column NAME",
    "encoding": "set 'read: {encoding: cp1252}' (or the right encoding) in mapping.yaml",
    "unreadable": "open the file in the program that made it and export it again",
    "empty": "the file has no data rows; remove it or export it again",
    "future": "dates after today are impossible; check the export's date columns",
    "order": "the end date lies before the start date; correct the export",
    "range": "the value lies outside the allowed range (docs/data-formats.md)",
    "survey year": "a survey year outside the strategy's years; check the 'year' column or the strategy file",
    "reference": "follow-up rows must refer to an episode in behandling_forloeb",
    "changed": "a raw file changed while it was being read; wait until the copy is finished and run again",
    "source present": "put the export in this folder, or run 'rusmiddel demo-data' for synthetic demo data",
    "mapping": "see docs/data-formats.md for the form of mapping.yaml",
}


@dataclass
class Problem:
    """One broken rule in one file: where, what, how many rows and the first row numbers."""

    file: str
    rule: str
    column: str | None = None
    n_rows: int = 0
    rows: tuple[int, ...] = ()
    hint: str = ""
    export_column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f": column '{self.column}'"
            if self.export_column and self.export_column != self.column:
                where += f" (export column '{self.export_column}')"
        text = f"{where}: rule '{self.rule}'"
        if self.n_rows:
            listed = ", ".join(map(str, self.rows[:MAX_ROWS_LISTED]))
            more = ", ..." if self.n_rows > MAX_ROWS_LISTED else ""
            text += f": {self.n_rows} row{'s' if self.n_rows != 1 else ''} fail (row {listed}{more})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class DataValidationError(Exception):
    """Raw data that cannot be processed; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the raw data:\n"
                         + "\n".join(f"- {p}" for p in problems))


# --- mapping -----------------------------------------------------------------------------

@dataclass
class Mapping:
    path: Path | None = None
    read: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    missing: tuple = ()
    drop: tuple = ()


def load_mapping(folder: Path) -> tuple[Mapping, list[Problem]]:
    path = folder / "mapping.yaml"
    if not path.exists():
        return Mapping(), []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return Mapping(), [Problem(str(path), f"valid YAML ({exc.__class__.__name__})", hint=HINTS["mapping"])]
    allowed = {"read", "columns", "values", "missing", "drop"}
    if not isinstance(raw, dict) or set(raw) - allowed:
        extra = sorted(set(raw) - allowed) if isinstance(raw, dict) else []
        return Mapping(), [Problem(str(path), f"only the sections {', '.join(sorted(allowed))}" + (f" (found {', '.join(extra)})" if extra else ""),
                                   hint=HINTS["mapping"])]
    values = {canon: {str(k): v for k, v in (words or {}).items()} for canon, words in (raw.get("values") or {}).items()}
    return Mapping(path, raw.get("read") or {}, {str(k): v for k, v in (raw.get("columns") or {}).items()},
                   values, tuple(str(m) for m in raw.get("missing") or ()), tuple(raw.get("drop") or ())), []


# --- reading -------------------------------------------------------------------------------

@dataclass
class RawTable:
    path: Path
    frame: pd.DataFrame               # every column as pandas "string", NA for no answer
    row_numbers: np.ndarray           # the row number a person sees in the file, per frame row
    sha256: str
    declared_missing: dict[str, int] = field(default_factory=dict)


def _as_text(series: pd.Series) -> pd.Series:
    """Any column as trimmed pandas strings; whole floats lose '.0'; dates become ISO; blanks are NA."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").astype("string")
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & (series == np.floor(series))
        out = series.astype("string")
        out[whole] = series[whole].astype("int64").astype("string")
        return out
    if isinstance(series.dtype, pd.StringDtype):
        text = series.str.strip()
        return text.mask(text == "")
    if series.dtype == object:
        def one(v):
            if isinstance(v, (dt.datetime, pd.Timestamp)):
                return v.strftime("%Y-%m-%d")
            if isinstance(v, dt.date):
                return v.isoformat()
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return v
        series = series.map(one)
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def read_raw(path: Path, mapping: Mapping) -> RawTable:
    """Read one export once, as bytes; raises `Problem` wrapped in DataValidationError on failure."""
    data = path.read_bytes()
    digest = sha256_bytes(data)
    suffix = path.suffix.lower()
    declared: dict[str, int] = {}
    try:
        if suffix == ".csv":
            encoding = mapping.read.get("encoding", "utf-8-sig")
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise DataValidationError([Problem(str(path), f"text in the encoding {encoding}", hint=HINTS["encoding"])]) from None
            first_line = text.split("\n", 1)[0]
            sep = mapping.read.get("sep") or (";" if first_line.count(";") > first_line.count(",") else ",")
            # pyarrow's reader: multi-threaded, and straight into Arrow-backed strings
            frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), sep=sep, dtype="string[pyarrow]", keep_default_na=False,
                                engine="pyarrow")
            header_rows = 1
        elif suffix == ".xlsx":
            frame = pd.read_excel(io.BytesIO(data), sheet_name=mapping.read.get("sheet", 0), dtype=object, engine="openpyxl")
            header_rows = 1
        elif suffix == ".sav":
            frame, declared = _read_sav(data)
            header_rows = 0
        elif suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data))
            header_rows = 0
        else:  # pragma: no cover - filtered by the caller
            raise ValueError(suffix)
    except DataValidationError:
        raise
    except Exception as exc:  # any reader failure: say which file, not the reader's internals
        problem = Problem(str(path), f"a readable {suffix[1:]} file ({exc.__class__.__name__})", hint=HINTS["unreadable"])
        raise DataValidationError([problem]) from None
    frame = frame.rename(columns=lambda c: str(c).strip())
    frame = pd.DataFrame({c: _as_text(frame[c]) for c in frame.columns}) if len(frame.columns) else frame
    frame = frame.dropna(how="all").reset_index(names="_position")
    row_numbers = frame.pop("_position").to_numpy() + 1 + header_rows
    if frame.empty:
        raise DataValidationError([Problem(str(path), "at least one data row", hint=HINTS["empty"])])
    return RawTable(path, frame, row_numbers, digest, declared)


def _read_sav(data: bytes) -> tuple[pd.DataFrame, dict[str, int]]:
    """An SPSS file with value labels applied and user-defined missing codes made explicit.

    Values inside a variable's user-missing ranges ("Ved ikke", "Ønsker ikke at svare")
    become no-answer, and how many there were per column is kept for the data-quality notes.
    """
    import pyreadstat

    with tempfile.NamedTemporaryFile(suffix=".sav") as tmp:
        tmp.write(data)
        tmp.flush()
        frame, meta = pyreadstat.read_sav(tmp.name, user_missing=True, apply_value_formats=False)
    declared = {}
    for column, ranges in (meta.missing_ranges or {}).items():
        values = pd.to_numeric(frame[column], errors="coerce")
        missing = pd.Series(False, index=frame.index)
        for r in ranges:
            missing |= values.between(r["lo"], r["hi"])
        declared[column] = int(missing.sum())
        frame[column] = frame[column].mask(missing)
    for column, labels in (meta.variable_value_labels or {}).items():
        codes = frame[column]
        labelled = codes.map(labels)  # a vectorised dictionary look-up
        # a code without a label keeps its number, shown as text (so an unmapped code fails visibly)
        frame[column] = labelled.where(labelled.notna(), codes).astype(object)
    return frame, declared


def read_table_for_pseudonymise(path: Path) -> tuple[pd.DataFrame, str]:
    """A table as-is for `rusmiddel pseudonymise` (CSV, Excel or Parquet), with its CSV separator."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") > first.count(",") else ","
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False), sep
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=object), ","
    if suffix == ".parquet":
        return pd.read_parquet(path), ","
    raise ValueError(f"{path}: pseudonymise reads .csv, .xlsx or .parquet")


# --- mapping, parsing, validation ------------------------------------------------------------

def apply_mapping(table: RawTable, mapping: Mapping, source: Source) -> tuple[pd.DataFrame, dict[str, str], list[Problem]]:
    """Rename and recode a raw table into canonical column names and words (still text)."""
    problems = []
    file = str(table.path)
    frame = table.frame
    for export_name in mapping.columns:
        if export_name not in frame.columns:
            problems.append(Problem(file, "mapping column exists", column=mapping.columns[export_name], export_column=export_name,
                                    hint=f"mapping.yaml maps '{export_name}', which this file lacks; " + HINTS["mapping column exists"]))
    frame = frame.drop(columns=[c for c in mapping.drop if c in frame.columns])
    frame = frame.rename(columns=mapping.columns)
    export_names = {canon: export for export, canon in mapping.columns.items()}
    known = set(source.names)
    for column in frame.columns:
        if column not in known:
            problems.append(Problem(file, "known column", column=str(column), hint=HINTS["known column"]))
    for col in source.columns:
        if col.required and col.name not in frame.columns:
            problems.append(Problem(file, "required column present", column=col.name, hint=HINTS["required column present"]))
    frame = frame[[c for c in source.names if c in frame.columns]]
    missing_words = set(mapping.missing)
    for column in frame.columns:
        lookup = {word: _canonical_word(value) for word, value in mapping.values.get(column, {}).items()}
        lookup.update({word: None for word in missing_words})
        if lookup:
            frame[column] = _recode(frame[column], lookup)
    return frame, export_names, problems


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


def parse_column(text: pd.Series, col: Col) -> tuple[pd.Series, pd.Series]:
    """Parse canonical text into the column's type; returns (values, rows that failed to parse)."""
    present = text.notna()
    if col.kind in ("int", "float"):
        numbers = pd.to_numeric(text, errors="coerce")
        bad = present & numbers.isna()
        if col.kind == "int":
            fractional = numbers.notna() & (numbers != np.floor(numbers))
            bad |= fractional
            numbers = numbers.mask(fractional).astype("Int64")
        else:
            numbers = numbers.astype("Float64")
        return numbers, bad
    if col.kind == "bool":
        lowered = text.str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_WORDS).fillna(False)] = True
        values[lowered.isin(FALSE_WORDS).fillna(False)] = False
        return values, present & values.isna()
    if col.kind == "date":
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        return dates, present & dates.isna()
    return text.astype("string"), pd.Series(False, index=text.index)


def _rows(positions, row_numbers: np.ndarray) -> tuple[int, tuple[int, ...]]:
    """How many rows fail, and the first few as the row numbers a person sees in the file."""
    positions = np.unique(np.asarray(positions, dtype=int))
    return len(positions), tuple(int(row_numbers[p]) for p in positions[:MAX_ROWS_LISTED])


def _hint_for(rule: str) -> str:
    if rule == "not empty":
        return HINTS["not empty"]
    if rule.startswith("unique"):
        return HINTS["unique"]
    if rule.startswith("one of"):
        return HINTS["code"]
    if rule.startswith("survey year"):
        return HINTS["survey year"]
    if rule == "not in the future":
        return HINTS["future"]
    if " not before " in rule:
        return HINTS["order"]
    return HINTS["range"]


def typed_frame(frame: pd.DataFrame, source: Source, table: RawTable, export_names: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse every present canonical column; type failures become problems."""
    problems, typed = [], {}
    for col in source.columns:
        if col.name not in frame.columns:
            continue
        values, bad = parse_column(frame[col.name], col)
        if bad.any():
            n, rows = _rows(np.flatnonzero(bad.to_numpy()), table.row_numbers)
            problems.append(Problem(str(table.path), TYPE_RULES[col.kind], col.name, n, rows, HINTS["type"], export_names.get(col.name)))
        typed[col.name] = values
    return pd.DataFrame(typed, index=frame.index), problems


def validate_values(typed: pd.DataFrame, source: Source, table: RawTable, export_names: dict,
                    years: tuple[int, int], today: dt.date) -> list[Problem]:
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
    schema = pandera_schema(sub, years, today)
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
        n, rows = _rows(idx, table.row_numbers)
        problems.append(Problem(str(table.path), rule, column or None, n, rows, _hint_for(rule), export_names.get(column)))
    return problems


# --- sources -------------------------------------------------------------------------------

@dataclass
class SourceResult:
    source: Source
    frame: pd.DataFrame | None
    files: dict[str, str]                  # file name -> sha256
    declared_missing: dict[str, int]
    problems: list[Problem]


def source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def load_source(raw_dir: Path, source: Source, years: tuple[int, int], today: dt.date) -> SourceResult:
    folder = raw_dir / source.name
    if not folder.is_dir() or not source_files(folder):
        if source.name in OPTIONAL_SOURCES:
            return SourceResult(source, None, {}, {}, [])
        return SourceResult(source, None, {}, {}, [Problem(str(folder), "source present: at least one .csv, .xlsx, .sav or .parquet file",
                                                           hint=HINTS["source present"])])
    mapping, problems = load_mapping(folder)
    if problems:
        return SourceResult(source, None, {}, {}, problems)
    frames, files, declared = [], {}, {}
    for path in source_files(folder):
        try:
            table = read_raw(path, mapping)
        except DataValidationError as exc:
            problems.extend(exc.problems)
            continue
        files[path.name] = table.sha256
        cpr = cpr_like_counts(table.frame)
        if cpr:
            for column, count in cpr.items():
                problems.append(Problem(str(path), f"no CPR numbers ({count} value{'s' if count != 1 else ''} look like CPR numbers)",
                                        column=column, hint=HINTS["cpr"]))
            continue
        canonical, export_names, mapping_problems = apply_mapping(table, mapping, source)
        for column, count in table.declared_missing.items():
            canon = mapping.columns.get(column, column)
            declared[canon] = declared.get(canon, 0) + count
        typed, type_problems = typed_frame(canonical, source, table, export_names)
        problems += mapping_problems + type_problems
        problems += validate_values(typed, source, table, export_names, years, today)
        typed["_file"] = path.name
        typed["_row"] = table.row_numbers
        frames.append(typed)
    if not frames or problems:
        return SourceResult(source, None, files, declared, problems)
    combined = pd.concat(frames, ignore_index=True)
    problems += _cross_file_duplicates(combined, source, folder)
    combined = combined.drop(columns=["_file", "_row"])
    return SourceResult(source, _canonical_dtypes(combined, source), files, declared, problems)


def _cross_file_duplicates(combined: pd.DataFrame, source: Source, folder: Path) -> list[Problem]:
    if combined["_file"].nunique() < 2:
        return []
    across = combined.duplicated(list(source.key), keep=False) & ~combined.duplicated([*source.key, "_file"], keep=False)
    problems = []
    for name, group in combined[across].groupby("_file"):
        rows = tuple(int(r) for r in group["_row"].head(MAX_ROWS_LISTED))
        problems.append(Problem(str(folder / name), f"unique {' + '.join(source.key)} across the files of {source.name}",
                                n_rows=len(group), rows=rows, hint=HINTS["unique"]))
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
            values = values.astype("Int16" if (col.high or 0) < 30000 else "Int32")
        out[col.name] = values
    return pd.DataFrame(out)


def strategy_years(strategy) -> tuple[int, int]:
    return min(t.baseline_year for t in strategy.targets), strategy.period_end


def validate(raw_dir: str | Path, strategy, today: dt.date | None = None) -> dict[str, SourceResult]:
    """Load and check every source; raises DataValidationError listing every problem."""
    raw_dir = Path(raw_dir)
    today = today or dt.date.today()
    years = strategy_years(strategy)
    results = {name: load_source(raw_dir, source, years, today) for name, source in SOURCES.items()}
    problems = [p for r in results.values() for p in r.problems]
    forloeb, opf = results["behandling_forloeb"].frame, results["behandling_opfoelgning"].frame
    if not problems and forloeb is not None and opf is not None:
        orphan = ~opf["episode_id"].isin(forloeb["episode_id"])
        if orphan.any():
            problems.append(Problem(str(raw_dir / "behandling_opfoelgning"), "episode_id refers to an episode in behandling_forloeb",
                                    column="episode_id", n_rows=int(orphan.sum()), hint=HINTS["reference"]))
    if problems:
        raise DataValidationError(problems)
    return results


def process(raw_dir: str | Path, processed_dir: str | Path, strategy, today: dt.date | None = None) -> dict:
    """Validate every source and write the processed folder atomically; returns the manifest."""
    from rusmiddel_analysis.config.version import __version__

    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    results = validate(raw_dir, strategy, today)
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}-new-", dir=processed_dir.parent))
    try:
        from rusmiddel_analysis.ingest.demo import is_demo

        manifest = {"library_version": __version__, "synthetic_demo_data": is_demo(raw_dir), "sources": {}}
        for name, result in results.items():
            if result.frame is None:
                continue
            target = staging / f"{name}.parquet"
            result.frame.to_parquet(target, index=False)
            manifest["sources"][name] = {
                "rows": len(result.frame),
                "raw_files": result.files,
                "declared_missing": result.declared_missing,
                "parquet_sha256": sha256_bytes(target.read_bytes()),
            }
        _check_raw_unchanged(raw_dir, results)
        write_manifest(staging, manifest)
        replace_dir_atomically(staging, processed_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def _check_raw_unchanged(raw_dir: Path, results: dict[str, SourceResult]) -> None:
    changed = []
    for name, result in results.items():
        for file, digest in result.files.items():
            path = raw_dir / name / file
            if not path.exists() or sha256_bytes(path.read_bytes()) != digest:
                changed.append(Problem(str(path), "unchanged while being processed", hint=HINTS["changed"]))
    if changed:
        raise DataValidationError(changed)


def read_processed(processed_dir: str | Path, source: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one processed source; a missing file is a clear error naming the fix."""
    path = Path(processed_dir) / f"{source}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"no processed data for '{source}' in {processed_dir}; run 'rusmiddel process' first")
    return pd.read_parquet(path, columns=columns)
