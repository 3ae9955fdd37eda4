"""The base of the report objects (target_report.py, status_report.py, high_risk_views.py): the
strategy, the year, the run's results (calc/results.py: computed once), the language, and the
words every page shares. Each method returns a ready fragment (fragments.py); nothing here
computes a number.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import pandas as pd

from rusmiddel_analysis.calc.results import Results, load_results
from rusmiddel_analysis.config.files import has_manifest, read_manifest
from rusmiddel_analysis.config.paths import PROCESSED, STATUS, in_project, no_processed_data
from rusmiddel_analysis.ingest.process import available_years
from rusmiddel_analysis.ingest.strategy_check import load_checked_strategy
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import narrative
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.fragments import Builder, HTMLFragment
from rusmiddel_analysis.present.html import Markup, html
from rusmiddel_analysis.present.textcatalog import setting_values, text


class ReportInputError(ValueError):
    """A report parameter that cannot be used (unknown target, year or language; missing data)."""


class Report:
    """The base of the report objects: the strategy, the year, the run's results, the language and
    the words every page shares (banner, reading guide, footer)."""

    def __init__(self, year: int, processed_dir=PROCESSED, status_dir=STATUS, lang: str = "da", strategy_file=None):
        if lang not in fmt.LOCALES:
            raise ReportInputError(f"unknown language '{lang}'; valid: {', '.join(fmt.LOCALES)}")
        self.lang = lang
        self.strategy = load_checked_strategy(in_project(strategy_file))
        self.processed_dir = in_project(processed_dir)
        self.status_dir = in_project(status_dir)
        if not has_manifest(self.processed_dir):
            raise ReportInputError(no_processed_data(self.processed_dir))
        if year is None:  # an analyst's first look: the latest year with data
            year = (available_years(self.strategy, self.processed_dir) or self.strategy.years)[-1]
        try:
            self.year = int(year)
        except (TypeError, ValueError):
            raise ReportInputError(f"year must be a whole year, not '{year}'") from None
        years = self.strategy.years
        if self.year not in years:
            raise ReportInputError(f"unknown year {self.year}; valid years: {years[0]}-{years[-1]}")

    @cached_property
    def results(self) -> Results:
        """The run's results when they are current, else computed now (calc/results.py)."""
        return load_results(self.strategy, self.processed_dir)

    @cached_property
    def manifest(self) -> dict:
        return read_manifest(self.processed_dir)

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic_demo_data"))

    def t(self, key: str, **values) -> str:
        """A catalogue sentence with the strategy's settings filled in (and `values`)."""
        return text(key, self.lang, **{**setting_values(self.strategy.settings, self.lang), **values})

    def _banner(self) -> str:
        return html("banner", self.t("report.demo_banner")) if self.synthetic else ""

    def _assessment_table(self, frame: pd.DataFrame) -> HTMLFragment:
        """The assessment columns as they are, for checking by hand in JupyterLab (an analyst-only cell)."""
        shown = frame.astype(object).where(frame.notna(), "")
        rows = [[str(index), *(str(v) for v in values)] for index, values in zip(shown.index, shown.to_numpy(), strict=True)]
        return Builder().table(pub.WORDS, ["", *map(str, frame.columns)], rows, [None] * len(rows)).build()

    def reading_guide(self, level: int = 2) -> Markup:
        """'Sådan læses rapporten': the page's technical words explained once, for a reader who is no statistician."""
        items = [self._interval_item(), *(self.t(f"report.reading.{key}") for key in ("significant", "certainty", "status", "ratio"))]
        return html("reading_guide", self.t("report.reading_heading"), items, level)

    def _interval_item(self) -> str:
        """The interval explained with an example from this year's report: the first survey target measured."""
        year = self.results.year_assessment(self.year)
        shown = year[(year["source_kind"] == "survey") & (year["measured_year"] == self.year) & year["ci_low"].notna()]
        if shown.empty:
            return self.t("report.reading.interval")
        row = shown.iloc[0]
        target = self.strategy.target(row["target_id"])
        interval = narrative.measured_interval(target, row["ci_low"], row["ci_high"], self.lang)
        value = narrative.measured(target, row["value"], self.lang)
        return self.t("report.reading.interval_example", name=target.short_name(self.lang), value=value, year=self.year, interval=interval)

    def footer(self) -> HTMLFragment:
        from rusmiddel_analysis.config.version import __version__

        stamp = self.t("report.generated", date=fmt.date(dt.date.today(), self.lang), version=__version__)
        return HTMLFragment(html("footer", stamp))
