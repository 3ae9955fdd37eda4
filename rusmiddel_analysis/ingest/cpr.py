"""The CPR guard and pseudonymisation.

A Danish CPR number is DDMMYY-SSSS (the dash optional) whose first six digits are a real
date. Raw exports must never carry one, neither as a cell nor inside a text ('Vestbjergskolen
Jens Hansen 010203-1234'): `cpr_like_rows` finds the cells that hold one (and says where, never
which), and `pseudonymise_file` replaces an identifying column with a keyed hash (HMAC-SHA256)
so the same citizen gets the same pseudonym every year without the number itself ever reaching
the project.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

# the shape of a CPR number: DDMMYY, an optional dash, four digits (the date is checked separately)
CPR_SHAPE = r"\d{6}-?\d{4}"
# the shape inside a longer text, standing on its own: not glued to a letter or a digit (a hex
# pseudonym such as 'ab0102031234cdef' holds digit runs of any shape); the group is the date
CPR_IN_TEXT = r"(?<![^\W_])(\d{6})-?\d{4}(?![^\W_])"
KEY_ENV = "RUSMIDDEL_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16


def cpr_like(values: pd.Series) -> pd.Series:
    """True where a value looks like a CPR number: 10 digits (optional dash after 6) with a valid DDMMYY date.

    Numbers read from spreadsheets lose a leading zero, so a 9-digit integer is zero-padded first.
    Each distinct value is checked once, and only values of a CPR number's length go through the
    pattern and the date check, so a million-row column costs little.
    """
    present = values.dropna()
    distinct = pd.Series(present.unique())
    text = distinct.astype(str).astype("string[pyarrow]").str.strip().str.replace(r"\.0$", "", regex=True)
    length = text.str.len()
    candidates = text[length.between(9, 11)]
    candidates = candidates.where(~candidates.str.fullmatch(r"\d{9}"), "0" + candidates)
    shaped = candidates[candidates.str.fullmatch(CPR_SHAPE)]
    dates = pd.to_datetime(shaped.str.slice(0, 6).astype(object), format="%d%m%y", errors="coerce")
    hits = set(distinct[shaped.index[dates.notna().to_numpy()]])
    result = pd.Series(False, index=values.index)
    if hits:
        result.loc[present.index] = present.isin(hits).to_numpy()
    return result


def cpr_in_text(values: pd.Series) -> pd.Series:
    """True where a text holds a CPR number anywhere in it: the CPR shape standing on its own (not
    glued to a letter or a digit), whose first six digits are a real date. Ids ('S00001',
    'F-2016-00042'), pseudonyms, dates and the numbers of an answer do not match; each distinct
    text is searched once."""
    present = values.dropna()
    distinct = pd.Series(present.unique())
    text = distinct.astype(str).astype("string[pyarrow]")
    # a quick pass for the bare shape (Arrow's regex engine), then the exact pattern on the few left
    long = text[text.str.len() >= 10]
    shaped = long[long.str.contains(CPR_SHAPE)]
    found = shaped.astype(object).str.extractall(CPR_IN_TEXT)
    result = pd.Series(False, index=values.index)
    if found.empty:
        return result
    dates = pd.to_datetime(found[0], format="%d%m%y", errors="coerce")
    hits = set(distinct[found.index.get_level_values(0)[dates.notna().to_numpy()]])
    if hits:
        result.loc[present.index] = present.isin(hits).to_numpy()
    return result


def cpr_like_rows(frame: pd.DataFrame) -> dict[str, tuple]:
    """Columns with cells that hold a CPR number: column -> (the rows' positions, whether every
    hit is a whole cell, as in an id column, rather than a number inside a text)."""
    found = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue  # cannot hold a CPR number
        whole, inside = cpr_like(series), cpr_in_text(series)
        hits = whole | inside
        if hits.any():
            found[str(column)] = (np.flatnonzero(hits.to_numpy()), not (inside & ~whole).any())
    return found


def pseudonym(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of each value (dash and spaces removed) under `key`, as 16 hex digits.

    16 hex digits (64 bits) keep collisions negligible for a municipality's citizens while
    staying readable in a spreadsheet. Empty values stay empty.
    """

    def one(value):
        if pd.isna(value):
            return None
        normalised = re.sub(r"[\s-]", "", str(value)).removesuffix(".0")
        return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    return values.map(one).astype("string")


class PseudonymiseError(ValueError):
    pass


def load_key(key_file: str | Path | None, repo_root: Path | None = None) -> bytes:
    """The pseudonymisation key: from --key-file (outside the repository) or $RUSMIDDEL_PSEUDONYM_KEY."""
    if key_file:
        path = Path(key_file).resolve()
        found = repo_root or _repo_root()
        root = found.resolve() if found else None
        if root and (root == path or root in path.parents):
            raise PseudonymiseError(f"the key file {key_file} lies inside the repository {root}; keep keys outside it")
        if not path.is_file():
            raise PseudonymiseError(f"key file {key_file} not found")
        key = path.read_bytes().strip()
    else:
        key = os.environ.get(KEY_ENV, "").encode("utf-8")
        if not key:
            raise PseudonymiseError(f"no key: set {KEY_ENV} or pass --key-file (a file outside the repository)")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymiseError(f"the key is shorter than {MIN_KEY_BYTES} bytes; use a long random key")
    return key


def _repo_root() -> Path | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return None


def pseudonymise_file(in_path: str | Path, out_path: str | Path, column: str, key: bytes) -> int:
    """Write `in_path` to `out_path` with `column` replaced by its pseudonym; returns the row count.

    Reads and writes CSV (`;` or `,`), Excel and Parquet by file extension. Refuses to
    overwrite its input: raw exports are immutable.
    """
    from rusmiddel_analysis.config.echo import printable
    from rusmiddel_analysis.config.files import write_table_atomically
    from rusmiddel_analysis.ingest.readers import read_table_for_pseudonymise

    in_path, out_path = Path(in_path), Path(out_path)
    if in_path.resolve() == out_path.resolve():
        raise PseudonymiseError("--out must differ from --in: raw exports are never changed in place")
    if not in_path.is_file():
        raise PseudonymiseError(f"{printable(in_path)}: file not found")
    if in_path.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise PseudonymiseError(f"{printable(in_path)}: pseudonymise reads .csv, .xlsx or .parquet")
    try:
        frame, csv_sep = read_table_for_pseudonymise(in_path)
    except Exception as exc:  # any reader failure; its words may quote the text, so only its kind is named
        raise PseudonymiseError(f"{printable(in_path)}: cannot read it as {in_path.suffix or 'a table'} ({exc.__class__.__name__})") from None
    if column not in frame.columns:
        # the file's column names are never listed: without a header row they are a row of CPR numbers
        raise PseudonymiseError(
            f"{printable(in_path)}: none of its {len(frame.columns)} columns is named '{printable(column)}' "
            "(the names are not listed: they may hold personal data); check --column and the file's header row"
        )
    frame[column] = pseudonym(frame[column], key)
    write_table_atomically(frame, out_path, csv_sep)
    return len(frame)
