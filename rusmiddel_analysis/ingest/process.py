"""Raw exports in, validated canonical Parquet out: `process` and reading what it wrote.

`process` validates every source (validation.py), writes one Parquet file per source (a survey
whose exports are counts: `<source>.counts.parquet`, and its manifest entry says which layout each
year arrived in) into a temporary folder and swaps it into place only when every source passed, so the processed folder
is never half-written. Raw files are only ever opened for reading, and a raw file that changes
while it is read stops the run.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from rusmiddel_analysis.config.files import replace_dir_atomically, sha256_bytes, write_manifest
from rusmiddel_analysis.config.paths import no_processed_data
from rusmiddel_analysis.config.version import __version__
from rusmiddel_analysis.ingest.demo import is_demo
from rusmiddel_analysis.ingest.problems import HINTS, DataValidationError, Problem
from rusmiddel_analysis.ingest.schemas import COUNTS, SOURCES
from rusmiddel_analysis.ingest.validation import SourceResult, strategy_years, validate


def process(raw_dir: str | Path, processed_dir: str | Path, strategy, today: dt.date | None = None) -> dict:
    """Validate every source and write the processed folder atomically; returns the manifest."""
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    results = validate(raw_dir, strategy, today)
    _check_some_data_in_years(raw_dir, strategy, results)
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}-new-", dir=processed_dir.parent))
    try:
        first, last = strategy_years(strategy)
        manifest: dict[str, Any] = {
            "library_version": __version__,
            "synthetic_demo_data": is_demo(raw_dir),
            "processed_on": (today or dt.date.today()).isoformat(),
            # what the processed data were made for: rows of other survey years were left out
            "strategy": {"id": strategy.id, "file": Path(strategy.path).name, "years": [first, last]},
            "sources": {},
        }
        for name, result in results.items():
            if result.has_data:
                manifest["sources"][name] = _write_source(staging, raw_dir, result)
        _check_raw_unchanged(raw_dir, results)
        write_manifest(staging, manifest)
        replace_dir_atomically(staging, processed_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def counts_file(name: str) -> str:
    """The processed file of a survey's counts layout."""
    return f"{name}.{COUNTS}.parquet"


def _write_source(staging: Path, raw_dir: Path, result: SourceResult) -> dict:
    """One source's processed files (its answers, its counts) and its manifest entry: rows, raw files,
    the layout of each year, declared missing, left-out rows, the export's date and the files' hashes."""
    name = result.source.name
    entry = {"rows": 0, "raw_files": result.files}
    layouts = {}
    for layout, frame, file in ((result.source.layout, result.frame, f"{name}.parquet"), (COUNTS, result.counts, counts_file(name))):
        if frame is None:
            continue
        frame.to_parquet(staging / file, index=False)
        prefix = "" if layout != COUNTS else f"{COUNTS}_"
        entry[f"{prefix}rows"] = len(frame)
        entry[f"{prefix}parquet_sha256"] = sha256_bytes((staging / file).read_bytes())
        if result.source.survey_year:
            layouts.update(dict.fromkeys((str(int(y)) for y in sorted(frame[result.source.survey_year].dropna().unique())), layout))
    if result.counts is not None:
        # which layout each year arrived in: one row per respondent ("answers") or counts
        entry["layout"] = dict(sorted(layouts.items()))
    entry.update(
        declared_missing=result.declared_missing,
        left_out_rows=result.left_out,
        # the newest export file's date: the nearest the exports say about when data were drawn
        exported_on=_newest_file_date(raw_dir / name),
    )
    return entry


def _newest_file_date(folder: Path) -> str | None:
    dates = [dt.date.fromtimestamp(p.stat().st_mtime) for p in folder.iterdir() if p.is_file() and p.name != "mapping.yaml"]
    return max(dates).isoformat() if dates else None


def _check_some_data_in_years(raw_dir: Path, strategy, results: dict[str, SourceResult]) -> None:
    """Refuse data that hold none of the strategy's years: every report would be empty."""
    first, last = strategy_years(strategy)
    for result in results.values():
        source = result.source
        for frame in (result.frame, result.counts):
            if frame is None or not len(frame) or source.optional:
                continue
            for column in source.year_columns:
                values = frame[column].dropna()
                years = values.dt.year if source.column(column).kind == "date" else values
                if years.between(first, last).any():
                    return
    rule = f"data for at least one of the strategy's years {first}-{last}"
    raise DataValidationError([Problem(str(raw_dir), rule, hint="check --strategy and --raw: the exports are for other years")])


def _check_raw_unchanged(raw_dir: Path, results: dict[str, SourceResult]) -> None:
    changed = []
    for name, result in results.items():
        for file, digest in result.files.items():
            path = raw_dir / name / file
            if not path.exists() or sha256_bytes(path.read_bytes()) != digest:
                changed.append(Problem(str(path), "unchanged while being processed", hint=HINTS["changed"]))
    if changed:
        raise DataValidationError(changed)


def read_processed(processed_dir: str | Path, source: str, columns: list[str] | None = None, layout: str | None = None) -> pd.DataFrame:
    """Read one processed source (`layout` COUNTS: its counts table); a missing file is a clear error naming the fix."""
    path = Path(processed_dir) / (counts_file(source) if layout == COUNTS else f"{source}.parquet")
    if not path.exists():
        raise FileNotFoundError(no_processed_data(processed_dir, source))
    return pd.read_parquet(path, columns=columns)


def available_years(strategy, processed_dir: str | Path) -> list[int]:
    """Every strategy year with data: the years of each source's year or date columns.

    Read from those columns alone, so the check is cheap.
    """
    import pyarrow.parquet as pq

    years: set[int] = set()
    for name, source in SOURCES.items():
        for path in (Path(processed_dir) / f"{name}.parquet", Path(processed_dir) / counts_file(name)):
            if not path.exists() or not source.year_columns:
                continue
            table = pq.read_table(path, columns=list(source.year_columns)).to_pandas()
            for column in source.year_columns:
                values = table[column].dropna()
                years.update(int(y) for y in (values.dt.year if source.column(column).kind == "date" else values).unique())
    return sorted(y for y in years if y in strategy.years)
