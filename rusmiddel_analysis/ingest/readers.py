"""Reading exports: every raw file read once as bytes, into text columns with the row numbers a person sees.

CSV (the separator sniffed from the header line unless the mapping sets it), Excel, SPSS (value
labels applied, user-missing codes made explicit) and Parquet.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.config.files import sha256_bytes
from rusmiddel_analysis.ingest.problems import HINTS, DataValidationError, Problem, plausible_name, shown_name

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".sav", ".parquet")


@dataclass
class RawTable:
    path: Path
    frame: pd.DataFrame  # every column as pandas "string", NA for no answer
    row_numbers: np.ndarray  # the row number a person sees in the file, per frame row
    sha256: str
    declared_missing: dict[str, int] = field(default_factory=dict)


def sniff_separator(text: str) -> str:
    """A CSV's separator from its header line: ';' (Danish Excel) when it has more of them than ',' ."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


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


def read_raw(path: Path, read: dict) -> RawTable:
    """Read one export once, as bytes, with the mapping's `read:` options (encoding, sep, sheet,
    header_row: the 1-based row holding the column names, rows above it skipped).

    Raises DataValidationError with the file's problem when it cannot be read."""
    data = path.read_bytes()
    digest = sha256_bytes(data)
    suffix = path.suffix.lower()
    declared: dict[str, int] = {}
    header_row = int(read.get("header_row", 1))
    try:
        if suffix == ".csv":
            encoding = read.get("encoding", "utf-8-sig")
            text = _decode(path, data, encoding)
            text = text.split("\n", header_row - 1)[-1] if header_row > 1 else text  # a title block above the names
            sep = read.get("sep") or sniff_separator(text)
            _check_csv_header(path, text, sep, "header_row" in read)
            # pyarrow's reader: multi-threaded, and straight into Arrow-backed strings
            frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), sep=sep, dtype="string[pyarrow]", keep_default_na=False, engine="pyarrow")
            header_rows = header_row
        elif suffix == ".xlsx":
            book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
            _check_sheet(path, book.sheet_names, read.get("sheet", 0))
            frame = pd.read_excel(book, sheet_name=read.get("sheet", 0), dtype=object, header=header_row - 1)
            _check_excel_header(path, frame, "header_row" in read)
            header_rows = header_row
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


def utf16_variant(data: bytes) -> str | None:
    """The UTF-16 encoding a file is in ('utf-16' with its byte-order mark, else 'utf-16-le' or
    'utf-16-be' by where its zero bytes stand), or None: UTF-16 text of Latin letters is half zero bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4096]
    if len(head) < 4 or head.count(0) * 3 < len(head):
        return None
    return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"


def _decode(path: Path, data: bytes, encoding: str) -> str:
    """A CSV's text in the declared encoding; a file that is not, is one problem with the hint that
    fits: UTF-16 (zero bytes, or its byte-order mark) or, for other text, cp1252."""
    variant = None if encoding.lower().replace("_", "-").startswith("utf-16") else utf16_variant(data)
    try:
        if variant is None:
            return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    hint = HINTS["utf-16"].format(variant=variant) if variant else HINTS["encoding"]
    raise DataValidationError([Problem(str(path), f"text in the encoding {encoding}", hint=hint)])


def _check_sheet(path: Path, sheets: list, sheet) -> None:
    """The sheet `read.sheet` names is in the workbook (by name, or by number from 0); otherwise one
    problem naming it, and the workbook's sheets whose names may be shown."""
    by_number = isinstance(sheet, int) and not isinstance(sheet, bool)
    if (by_number and 0 <= sheet < len(sheets)) or (isinstance(sheet, str) and sheet in sheets):
        return
    wanted = f"number {sheet}" if by_number else shown_name(sheet)
    shown = [shown_name(name) for name in sheets if plausible_name(name)]
    listed = f"the workbook's {len(sheets)} sheet(s): {', '.join(shown) or 'none with a name that may be shown'}"
    hidden = len(sheets) - len(shown)
    listed += f" and {hidden} whose name is not shown" if hidden and shown else ""
    raise DataValidationError([Problem(str(path), f"a sheet {wanted} in the workbook", hint=HINTS["sheet"].format(sheets=listed))])


def _header_problem(path: Path) -> DataValidationError:
    return DataValidationError([Problem(str(path), "column names on the first row", hint=HINTS["header_row"])])


def _check_csv_header(path: Path, text: str, sep: str, declared: bool) -> None:
    """A title block above the header: the first line has far fewer separators than the next."""
    lines = [line for line in text.split("\n", 3)[:3]]
    if not declared and len(lines) >= 2 and lines[0].count(sep) * 2 < lines[1].count(sep):
        raise _header_problem(path)


def _check_excel_header(path: Path, frame: pd.DataFrame, declared: bool) -> None:
    """A title block above the header: most 'column names' are the blank cells of a title row."""
    blank = sum(str(c).startswith("Unnamed:") for c in frame.columns)
    if not declared and len(frame.columns) > 1 and blank * 2 >= len(frame.columns):
        raise _header_problem(path)


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
    declared: dict[str, int] = {}
    ranges_of: dict[str, list] = meta.missing_ranges or {}  # each range {"lo": ..., "hi": ...}
    for column, ranges in ranges_of.items():
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
        sep = sniff_separator(text)
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False), sep
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=object), ","
    if suffix == ".parquet":
        return pd.read_parquet(path), ","
    raise ValueError(f"{path}: pseudonymise reads .csv, .xlsx or .parquet")
