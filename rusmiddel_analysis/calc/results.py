"""Indicators and assessments computed once per run and kept beside the processed data.

`compute_results` computes everything the pages, tables and the privacy gate read, once: every
target's yearly totals, every breakdown (disclosure control applied), the follow-up summary and
the assessment of every strategy year. `write_results` keeps it as Parquet in
`<processed>/results/`, stamped with a fingerprint of what it was computed from (the processed
data's manifest, the strategy file and the calculation code), each table in its model's types
(calc/tables.py); `load_results` reads it back, each table checked against its model, or
computes it afresh (without writing) when it is missing or stale, so an analyst in JupyterLab
gets the same objects with one call and never a stale number.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from rusmiddel_analysis.calc.breakdowns import published_subgroups
from rusmiddel_analysis.calc.tables import MODELS, check, conform
from rusmiddel_analysis.config.files import MANIFEST, replace_dir_atomically, sha256_bytes, sha256_file
from rusmiddel_analysis.config.paths import PACKAGE

if TYPE_CHECKING:  # imported when used: indicators imports this module's neighbours
    from rusmiddel_analysis.calc.indicators import ProcessedData

FOLDER = "results"
STAMP = "results.json"
# the kept tables, each with its model (calc/tables.py)
TABLES = tuple(MODELS)
# the code results depend on: a change to any of it makes a kept artefact stale
CODE = ("calc", "ingest", "config", "indicator_types")


class Results:
    """The run's results: every table read from the kept artefact, or computed on demand from the
    processed data and kept in memory (an analyst's page computes only what it shows)."""

    def __init__(self, fingerprint: str, tables: dict[str, pd.DataFrame] | None = None, strategy=None, processed_dir=None):
        self.fingerprint = fingerprint
        self._tables = dict(tables or {})
        self._strategy, self._processed = strategy, processed_dir
        self._years: dict[int, pd.DataFrame] = {}
        self._breakdowns: dict[tuple[str, str], pd.DataFrame] = {}
        self._data: ProcessedData | None = None

    def _table(self, name: str, make) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = make()
        return self._tables[name]

    @property
    def data(self):
        """The processed sources, each read once for every table computed here."""
        from rusmiddel_analysis.calc.indicators import ProcessedData

        if self._data is None:
            self._data = ProcessedData(self._processed)
        return self._data

    @property
    def totals(self) -> pd.DataFrame:
        """indicators.compute: one row per target and year (group 'all')."""
        from rusmiddel_analysis.calc.indicators import compute

        return self._table("totals", lambda: compute(self._strategy, self.data))

    @property
    def subgroups(self) -> pd.DataFrame:
        """Every published breakdown of every target and year (`by` names it)."""
        from rusmiddel_analysis.calc.indicators import compute

        dimensions = dict.fromkeys(d for t in self._strategy.targets for d in published_subgroups(t)) if self._strategy else {}
        return self._table("subgroups", lambda: pd.concat([compute(self._strategy, self.data, by=by) for by in dimensions], ignore_index=True))

    @property
    def follow_up(self) -> pd.DataFrame:
        """follow_up.follow_up_summary."""
        from rusmiddel_analysis.calc.follow_up import follow_up_summary

        return self._table("follow_up", lambda: follow_up_summary(self._strategy, self.data))

    @property
    def high_risk(self) -> pd.DataFrame:
        """high_risk.co_occurrence as published: every year's pairs of risk behaviours (linked.publishable)."""
        return self._high_risk_table("high_risk")

    @property
    def pair_counts(self) -> pd.DataFrame:
        """Every year's pairs with their exact 2x2 counts, hidden as published: the analyst's own (never published)."""
        return self._high_risk_table("pair_counts")

    @property
    def behaviour_counts(self) -> pd.DataFrame:
        """high_risk.behaviour_counts: pupils with 0, 1, ... of the behaviours, in all, by grade and gender."""
        return self._high_risk_table("behaviour_counts")

    @property
    def multiple_behaviours(self) -> pd.DataFrame:
        """high_risk.multiple_behaviours: the share with at least settings.high_risk.multiple behaviours, per year."""
        return self._high_risk_table("multiple_behaviours")

    @property
    def multiple_trend(self) -> pd.DataFrame:
        """high_risk.multiple_trends: per report year of the strategy, the test for trend of the share
        with several behaviours over the years shown up to it (the pages read it, never test)."""
        from rusmiddel_analysis.calc.high_risk import multiple_trends

        strategy = self._strategy
        return self._table("multiple_trend", lambda: multiple_trends(self.multiple_behaviours, strategy.years, strategy.settings.trend_confidence))

    def multiple_trend_in(self, year: int):
        """The row of `multiple_trend` for report `year` (direction, p_value, first_year, last_year, ...)."""
        table = self.multiple_trend
        rows = table[table["report_year"] == int(year)]
        if rows.empty:
            raise KeyError(f"no test for trend of the share with several behaviours for report year {year}")
        return rows.iloc[0]

    @property
    def early_debut(self) -> pd.DataFrame:
        """high_risk.early_debut: the share in the early grades (settings.high_risk.early_grades) who have tried each behaviour."""
        return self._high_risk_table("early_debut")

    @property
    def debut_ages(self) -> pd.DataFrame:
        """high_risk.debut_ages: the median debut age and the share of an early debut, where the export has the ages."""
        return self._high_risk_table("debut_ages")

    @property
    def high_risk_unavailable(self) -> pd.DataFrame:
        """high_risk.unavailable: per year of a counts table and high-risk table that needs one row per
        pupil (or, for early debut, the grade), the reason it has no rows (`counts`, `no_grade`)."""
        return self._high_risk_table("high_risk_unavailable")

    def _high_risk_table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            from rusmiddel_analysis.calc.high_risk import published_tables

            self._tables.update(published_tables(self._strategy, self.data, self.totals, self.subgroups))
        return self._tables[name]

    @property
    def comparators(self) -> pd.DataFrame:
        """comparators.comparator_rows: the comparator areas' figures per target and year, with their
        intervals (empty without the optional comparator source)."""
        from rusmiddel_analysis.calc.comparators import comparator_rows
        from rusmiddel_analysis.ingest.schemas import COMPARATORS

        return self._table("comparators", lambda: comparator_rows(self._strategy, self.data(COMPARATORS) if self.data.has(COMPARATORS) else None))

    @property
    def differences(self) -> pd.DataFrame:
        """comparators.differences: each target's difference in differences with each comparator area,
        per report year (`report_year`), so a page reads it without computing."""
        from rusmiddel_analysis.calc.comparators import differences

        return self._table("differences", lambda: differences(self._strategy, self.totals, self.comparators, self.assessment))

    def difference(self, target_id: str, year: int) -> pd.DataFrame:
        """One target's differences in differences in report `year`, one row per comparator area in the
        chosen order (empty when it has none)."""
        table = self.differences
        return table[(table["target_id"] == target_id) & (table["report_year"] == int(year))].reset_index(drop=True)

    @property
    def assessment(self) -> pd.DataFrame:
        """assessment.assess for every year of the strategy."""
        return self._table("assessment", lambda: pd.concat([self.year_assessment(y) for y in self._strategy.years], ignore_index=True))

    def year_assessment(self, year: int) -> pd.DataFrame:
        """The assessment table of one report year, one row per target in the strategy's order."""
        from rusmiddel_analysis.calc.assessment import assess

        if "assessment" in self._tables:
            table = self._tables["assessment"]
            return table[table["year"] == int(year)].reset_index(drop=True)
        if int(year) not in self._years:
            self._years[int(year)] = assess(self._strategy, self.totals, int(year))
        return self._years[int(year)]

    def data_years(self, year: int) -> dict[str, int]:
        """The year whose data each target's page shows in report `year`: its latest measurement, or
        the report year itself when it has none."""
        return {
            row.target_id: int(row.measured_year) if pd.notna(row.measured_year) else int(year) for row in self.year_assessment(year).itertuples()
        }

    def breakdown(self, by: str, target_id: str, year: int) -> pd.DataFrame:
        """One target's breakdown by `by` in `year` (disclosure control applied)."""
        from rusmiddel_analysis.calc.indicators import compute

        if "subgroups" in self._tables:
            rows = self._tables["subgroups"]
            rows = rows[(rows["by"] == by) & (rows["target_id"] == target_id)]
        else:  # one target's breakdown is suppressed on its own, so computing it alone gives the same cells
            if (by, target_id) not in self._breakdowns:
                self._breakdowns[by, target_id] = compute(self._strategy, self.data, by=by, targets=[target_id])
            rows = self._breakdowns[by, target_id]
        return rows[rows["year"] == int(year)].reset_index(drop=True)

    def published_breakdowns(self, strategy, data_years: dict[str, int]) -> pd.DataFrame:
        """Every breakdown the reports publish: each target's published dimensions in its data year,
        hidden cells included and residual groups left out not (disclosure.published), in the
        strategy's order and each breakdown's group order."""
        from rusmiddel_analysis.calc.disclosure import published

        frames = [self.breakdown(by, t.id, data_years[t.id]) for t in strategy.targets if t.id in data_years for by in published_subgroups(t)]
        return published(pd.concat(frames, ignore_index=True)).reset_index(drop=True) if frames else self.subgroups.iloc[0:0]

    def complete(self) -> Results:
        """Every table computed (what the artefact keeps)."""
        for name in TABLES:
            getattr(self, name)
        return self


def fingerprint(strategy, processed_dir: Path) -> str:
    """What results are computed from: the processed data's manifest, the strategy file and the code."""
    digest = [sha256_file(Path(processed_dir) / MANIFEST), sha256_file(Path(strategy.path))]
    for package in CODE:
        for path in sorted((PACKAGE / package).rglob("*")):
            if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                digest.append(f"{path.relative_to(PACKAGE)}:{sha256_file(path)}")
    return sha256_bytes("\n".join(digest).encode())


def compute_results(strategy, processed_dir: Path) -> Results:
    """Everything a run publishes, computed once: every target's totals, every published breakdown
    (a single school's or institution's figures are the analyst's, computed on demand with
    indicators.compute), the follow-up summary and every year's assessment."""
    return Results(fingerprint(strategy, processed_dir), strategy=strategy, processed_dir=processed_dir).complete()


def write_results(results: Results, processed_dir: Path) -> None:
    """Keep results in `<processed>/results/`, swapped into place whole, each table in its model's
    types (a table that does not match its model raises tables.TableError and nothing is kept)."""
    processed_dir = Path(processed_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER}-new-", dir=processed_dir))
    try:
        for name in TABLES:
            conform(name, getattr(results, name)).to_parquet(staging / f"{name}.parquet", index=False)
        (staging / STAMP).write_text(json.dumps({"fingerprint": results.fingerprint}), encoding="utf-8")
        replace_dir_atomically(staging, processed_dir / FOLDER, keep=())
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_results(processed_dir: Path, current: str | None = None) -> Results | None:
    """The kept results, or None when there are none, when they were computed from something other
    than `current` (a fingerprint), or when a table is missing (kept by an older version). A kept
    table that does not match its model raises tables.TableError."""
    folder = Path(processed_dir) / FOLDER
    if not (folder / STAMP).exists():
        return None
    stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    if (current is not None and stamp.get("fingerprint") != current) or not all((folder / f"{name}.parquet").exists() for name in TABLES):
        return None
    tables = {name: check(name, pd.read_parquet(folder / f"{name}.parquet")) for name in TABLES}
    return Results(stamp["fingerprint"], tables)


def load_results(strategy, processed_dir: Path) -> Results:
    """The kept results when they are current, else results computed on demand (nothing is written)."""
    current = fingerprint(strategy, processed_dir)
    kept = read_results(processed_dir, current)
    return kept if kept is not None else Results(current, strategy=strategy, processed_dir=processed_dir)


def ensure_results(strategy, processed_dir: Path) -> Results:
    """The run's results: the kept ones when current, else computed and kept for the notebooks."""
    current = fingerprint(strategy, processed_dir)
    kept = read_results(processed_dir, current)
    if kept is not None:
        return kept
    results = compute_results(strategy, processed_dir)
    write_results(results, processed_dir)
    return results
