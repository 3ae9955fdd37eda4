"""The analyst's workbench behind notebooks/explore.ipynb: any measure, by any dimension and year.

`Workbench` puts the run's results (calc/results.py) and the library's calculations behind a few
calls, so that a notebook cell asks a question and shows the answer: which measures there are,
one of them as a table or a seaborn plot by a dimension and year, a cross-table of two risk
behaviours with its relative risk, and a number checked by hand against the formula in
docs/methodology.md. Every table is disclosure-controlled as the reports are (a breakdown by school
is the analyst's own and is computed on demand, never published); nothing shows a person's row.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import indicators, stats
from rusmiddel_analysis.calc.breakdowns import ALL, supported_subgroups
from rusmiddel_analysis.calc.high_risk import DIMENSIONS
from rusmiddel_analysis.calc.results import load_results
from rusmiddel_analysis.config.files import has_manifest
from rusmiddel_analysis.config.paths import PROCESSED, in_project, no_processed_data
from rusmiddel_analysis.ingest.strategy_check import load_checked_strategy
from rusmiddel_analysis.present import high_risk_plots as hplots
from rusmiddel_analysis.present import narrative, plots
from rusmiddel_analysis.present.textcatalog import group_label

# the high-risk measures (calc/high_risk.py) and the dimensions each is published by
HIGH_RISK_MEASURES = {
    "co_occurrence": (),
    "behaviour_counts": DIMENSIONS,
    "multiple_behaviours": (),
    "early_debut": (),
    "debut_ages": (),
}
_RESULTS_TABLE = {"co_occurrence": "high_risk"}


class Shown:
    """A figure as a notebook shows it (SVG, as on the pages); `.figure` is the matplotlib Figure to
    change or save."""

    def __init__(self, figure):
        self.figure = figure

    def _repr_svg_(self) -> str:
        return plots.svg_bytes(self.figure).decode("utf-8")


class Workbench:
    """One strategy's processed data and results, for questions an analyst asks in JupyterLab."""

    def __init__(self, processed_dir=PROCESSED, strategy_file=None, lang: str = "da"):
        self.strategy = load_checked_strategy(in_project(strategy_file))
        self.processed_dir = in_project(processed_dir)
        if not has_manifest(self.processed_dir):
            raise ValueError(no_processed_data(self.processed_dir))
        self.lang = lang

    @cached_property
    def results(self):
        return load_results(self.strategy, self.processed_dir)

    @cached_property
    def data(self):
        """The processed sources, each read once, for the breakdowns computed on demand."""
        return indicators.ProcessedData(self.processed_dir)

    def target_or_first(self, measure: str | None):
        """The target named `measure`, or the strategy's first when it names none (or a high-risk measure)."""
        return self.strategy.target(measure) if measure in self.strategy.target_ids else self.strategy.targets[0]

    @property
    def latest_year(self) -> int:
        """The latest year with data: what a question without a year is about."""
        return int(self.results.totals["year"].max())

    def pair_or_first(self, exposure: str | None, outcome: str | None) -> tuple[str, str]:
        """The two behaviours asked about, or the first two of settings.high_risk.behaviours."""
        first, second = self.strategy.settings.high_risk.behaviours[:2]
        return exposure or first, outcome or (second if (exposure or first) != second else first)

    def measures(self) -> pd.DataFrame:
        """Every measure there is: the strategy's targets and the high-risk measures, with the
        dimensions each can be broken down by (a target's first, its school or institution, is the
        analyst's only)."""
        rows = [
            {"measure": t.id, "name": t.short_name(self.lang), "kind": "target", "dimensions": ", ".join(supported_subgroups(t))}
            for t in self.strategy.targets
        ]
        rows += [{"measure": m, "name": m.replace("_", " "), "kind": "high_risk", "dimensions": ", ".join(d)} for m, d in HIGH_RISK_MEASURES.items()]
        return pd.DataFrame(rows)

    def table(self, measure: str | None = None, by: str | None = None, year: int | None = None) -> pd.DataFrame:
        """A measure per year (or only `year`), in all or by `by`, disclosure control applied; no
        measure: the strategy's first target."""
        measure = measure or self.strategy.target_ids[0]
        if measure in self.strategy.target_ids:
            target = self.strategy.target(measure)
            if by is not None and by not in supported_subgroups(target):
                raise ValueError(f"'{measure}' cannot be broken down by '{by}'; valid: {', '.join(supported_subgroups(target))}")
            table = indicators.compute(self.strategy, self.data, by=by, targets=[measure])
        elif measure in HIGH_RISK_MEASURES:
            table = self._high_risk_table(measure, by)
        else:
            valid = ", ".join([*self.strategy.target_ids, *HIGH_RISK_MEASURES])
            raise ValueError(f"unknown measure '{measure}'; valid: {valid}")
        return (table[table["year"] == int(year)] if year is not None else table).reset_index(drop=True)

    def _high_risk_table(self, measure: str, by: str | None) -> pd.DataFrame:
        table = getattr(self.results, _RESULTS_TABLE.get(measure, measure))
        if measure != "behaviour_counts":
            if by is not None:
                raise ValueError(f"'{measure}' has no breakdown; it is published for all pupils")
            return table
        if by is not None and by not in HIGH_RISK_MEASURES[measure]:
            raise ValueError(f"'{measure}' cannot be broken down by '{by}'; valid: {', '.join(HIGH_RISK_MEASURES[measure])}")
        return table[table["dimension"] == (by or ALL)]

    def cross_table(self, exposure: str | None = None, outcome: str | None = None, year: int | None = None) -> pd.DataFrame:
        """The 2x2 table of two behaviours in `year` with its exact counts (the pages publish the shares
        and rounded group sizes only): pupils with and without the exposure (rows) who have and have
        not the outcome, the risk of the outcome in each row, and the relative risk with its interval.
        A hidden pair shows no numbers at all."""
        exposure, outcome = self.pair_or_first(exposure, outcome)
        row = self._pair(exposure, outcome, year or self.latest_year)
        cases = [row["exposed_cases"], row["unexposed_cases"]]
        totals = [row["exposed_n"], row["unexposed_n"]]
        table = pd.DataFrame(
            {
                "with outcome": cases,
                "without outcome": [t - c for t, c in zip(totals, cases, strict=True)],
                "pupils": totals,
                "risk (%)": [row["risk_exposed"], row["risk_unexposed"]],
            },
            index=pd.Index([f"{exposure}: yes", f"{exposure}: no"], name=f"{exposure} → {outcome}"),
        )
        table.attrs = {k: row[k] for k in ("relative_risk", "rr_low", "rr_high", "suppressed")}
        return table

    def _pair(self, exposure: str, outcome: str, year: int) -> pd.Series:
        pairs = self.results.pair_counts  # the exact counts: the analyst's own, never published
        found = pairs[(pairs["year"] == int(year)) & (pairs["exposure"] == exposure) & (pairs["outcome"] == outcome)]
        if found.empty:
            behaviours = ", ".join(self.strategy.settings.high_risk.behaviours)
            raise ValueError(f"no pair '{exposure}' -> '{outcome}' in {year}; behaviours: {behaviours}; years: {sorted(set(pairs['year']))}")
        return found.iloc[0]

    def check_relative_risk(self, exposure: str | None = None, outcome: str | None = None, year: int | None = None) -> pd.DataFrame:
        """The published relative risk and its MOVER-Wilson interval worked out by hand from the 2x2
        table, step by step beside the library's numbers (docs/methodology.md, section 8)."""
        exposure, outcome = self.pair_or_first(exposure, outcome)
        year = year or self.latest_year
        row = self._pair(exposure, outcome, year)
        if bool(row["suppressed"]):
            raise ValueError(f"the pair '{exposure}' -> '{outcome}' is hidden in {year} (disclosure control): nothing to check")
        a, n1, c, n0 = (float(row[k]) for k in ("exposed_cases", "exposed_n", "unexposed_cases", "unexposed_n"))
        confidence = self.strategy.settings.confidence
        p1, p2 = a / n1, c / n0
        (l1, u1), (l2, u2) = stats.proportion_ci(a, n1, confidence), stats.proportion_ci(c, n0, confidence)
        rr = p1 / p2
        below = np.sqrt(np.log(p1 / l1) ** 2 + np.log(u2 / p2) ** 2)
        above = np.sqrt(np.log(u1 / p1) ** 2 + np.log(p2 / l2) ** 2)
        steps = [
            ("risk among the exposed, p1 = a/n1 (%)", 100 * p1, row["risk_exposed"]),
            ("risk among the others, p2 = c/n0 (%)", 100 * p2, row["risk_unexposed"]),
            ("Wilson interval of p1 (%)", f"{100 * l1:.2f}-{100 * u1:.2f}", np.nan),
            ("Wilson interval of p2 (%)", f"{100 * l2:.2f}-{100 * u2:.2f}", np.nan),
            ("relative risk, p1/p2", rr, row["relative_risk"]),
            ("low = RR·exp(−√(ln(p1/l1)² + ln(u2/p2)²))", rr * np.exp(-below), row["rr_low"]),
            ("high = RR·exp(+√(ln(u1/p1)² + ln(p2/l2)²))", rr * np.exp(above), row["rr_high"]),
        ]
        return pd.DataFrame(steps, columns=["step", "by hand", "published"]).set_index("step")

    def plot(self, measure: str | None = None, by: str | None = None, year: int | None = None) -> Shown:
        return Shown(self._figure(measure, by, year))

    def _figure(self, measure: str | None, by: str | None, year: int | None):
        """A figure of a measure in the report's theme: a target's or the distribution's breakdown
        in `year`, the heatmap of the pairs, or a high-risk measure over the years."""
        year, measure = year or self.latest_year, measure or self.strategy.target_ids[0]
        if measure in self.strategy.target_ids:
            target = self.strategy.target(measure)
            rows = self.table(measure, by=by or supported_subgroups(target)[-1], year=year)
            return plots.subgroup_plot(target, rows, rows["by"].iloc[0] if len(rows) else by, int(year), self.lang)
        table = self.table(measure, by=by, year=year if measure == "behaviour_counts" else None)
        if measure == "behaviour_counts":
            source = self.strategy.settings.high_risk.source
            names = {g: g if g == ALL else group_label(by or ALL, g, self.lang, source) for g in table["group"].astype(str)}
            return hplots.distribution_plot(table, names, int(year), measure.replace("_", " "), self.lang)
        if measure == "co_occurrence":
            behaviours = self.strategy.settings.high_risk.behaviours
            labels = {b: narrative.capitalise(narrative.behaviour_words(b, self.lang)) for b in behaviours}
            return hplots.co_occurrence_heatmap(table[table["year"] == int(year)], behaviours, labels, int(year), self.lang)
        series = "behaviour" if "behaviour" in table.columns else None
        rows = table.assign(series=table[series] if series else measure)
        names = {k: narrative.capitalise(narrative.behaviour_words(k, self.lang)) for k in rows["series"].astype(str)}
        return hplots.trend_lines(rows, "series", names, measure.replace("_", " "), self.lang)
