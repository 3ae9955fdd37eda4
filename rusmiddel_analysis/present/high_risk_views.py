"""The "Højrisikogrupper" page of a year: pupils who combine risk behaviours and early debut.

Like the other report objects (target_report.py, status_report.py), each method returns one ready section: headings, plain
Danish sentences (narrative.py), seaborn figures with alt texts (high_risk_plots.py) and the table
behind every figure, each table declaring the disclosure-controlled cells it shows so that the
privacy gate can hold them against calc/high_risk.py's tables. Nothing here computes a number: the
test for trend is read from the results (calc/results.py, `multiple_trend`), as every figure is.
"""

from __future__ import annotations

import pandas as pd

from rusmiddel_analysis.calc.breakdowns import ALL, RESIDUAL, RESIDUAL_CODES
from rusmiddel_analysis.calc.high_risk import DIMENSIONS
from rusmiddel_analysis.config.paths import METHODOLOGY_PAGE
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import high_risk_plots as hplots
from rusmiddel_analysis.present import narrative
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.fragments import Builder, HTMLFragment, joined, show
from rusmiddel_analysis.present.html import Markup, html
from rusmiddel_analysis.present.report import Report
from rusmiddel_analysis.present.textcatalog import group_label

# the published numbers of each of the page's kinds of rows (a share's, unless named here)
_FIELDS = {pub.HIGH_RISK: pub.HIGH_RISK_FIELDS, pub.DEBUT_AGES: pub.DEBUT_FIELDS}


def _cell(kind: str, row, **key) -> dict:
    return pub.cell(pub.key_of(kind, **key), row, _FIELDS.get(kind, pub.SHARE_FIELDS))


class HighRiskReport(Report):
    """The high-risk groups of one report year (settings.high_risk of the strategy file)."""

    def __init__(self, year: int | None = None, **kwargs):
        super().__init__(year, **kwargs)
        block = self.strategy.settings.high_risk
        self.source, self.behaviours = block.source, block.behaviours
        self.early_grades, self.at_least = block.early_grades, block.multiple
        r, year = self.results, self.year
        self.pairs = r.high_risk[r.high_risk["year"] == year].reset_index(drop=True)
        self.counts = r.behaviour_counts[r.behaviour_counts["year"] == year].reset_index(drop=True)
        self.multiple = r.multiple_behaviours[r.multiple_behaviours["year"] <= year].reset_index(drop=True)
        self.early = r.early_debut[r.early_debut["year"] <= year].reset_index(drop=True)
        self.debut = r.debut_ages[r.debut_ages["year"] <= year].reset_index(drop=True)
        self.early_age = block.early_age

    @property
    def title_text(self) -> str:
        return self.t("high_risk.title", year=self.year)

    @property
    def has_data(self) -> bool:
        return not self.counts.empty

    def _missing(self, table: str) -> str:
        """Why a table has no rows this year (`high_risk_unavailable`: a year of counts, which cannot
        show who combines behaviours; counts without the grade), or that there are no answers."""
        missing = self.results.high_risk_unavailable
        reasons = missing[(missing["year"] == self.year) & (missing["table"] == table)]["reason"]
        return self.t(f"high_risk_unavailable.{reasons.iloc[0]}", year=self.year) if len(reasons) else self.t("high_risk.no_data", year=self.year)

    def _unavailable_this_year(self, table: str) -> str:
        """For a table shown for earlier years: why this year is not among them, when it is a year of counts."""
        missing = self.results.high_risk_unavailable
        return self._missing(table) if ((missing["year"] == self.year) & (missing["table"] == table)).any() else ""

    def _names(self) -> dict[str, str]:
        return {b: narrative.capitalise(narrative.behaviour_words(b, self.lang)) for b in self.behaviours}

    def _grades(self) -> str:
        return narrative.grades_words(self.early_grades, self.lang)

    def header(self) -> HTMLFragment:
        intro = self.t("high_risk.intro", behaviours=narrative.behaviours_words(self.behaviours, self.lang), grades=self._grades())
        parts = html("heading", 1, self.title_text) + self._banner() + html("paragraph", intro)
        everyone = self.counts[self.counts["dimension"] == ALL]
        if len(everyone):
            parts += html("paragraph", self.t("high_risk.base", year=self.year, n=fmt.number(everyone["denominator"].max(), self.lang)))
        else:
            parts += html("paragraph", self._missing("behaviour_counts"), "rm-note")
        return HTMLFragment(parts)

    def summary(self) -> HTMLFragment:
        """'Kort fortalt': the strongest co-occurrence, the entry behaviour, several behaviours and their trend, early debut."""
        this_year = self.multiple[self.multiple["year"] == self.year]
        confidence = self.strategy.settings.confidence
        sentences = [
            narrative.high_risk_sentence(self.pairs, confidence, self.lang),
            narrative.entry_sentence(self.pairs, self.behaviours[0], self.lang),
            narrative.multiple_sentence(this_year.iloc[0] if len(this_year) else None, self.at_least, len(self.behaviours), confidence, self.lang),
            self._trend_sentence(),
            self._early_summary(),
        ]
        items = Markup("").join(html("paragraph", s) for s in sentences if s)
        return HTMLFragment(html("heading", 2, self.t("high_risk.summary_heading")) + items)

    def _early_summary(self) -> str:
        """Early debut this year in a sentence: from the answers, or from a year of counts by grade."""
        this_year = self.early[self.early["year"] == self.year]
        if self.has_data or len(this_year):
            return narrative.early_sentence(this_year, self.early_grades, self.year, self.lang)
        return self._unavailable_this_year("early_debut")

    def _trend_sentence(self) -> str:
        return narrative.multiple_trend_sentence(self.results.multiple_trend_in(self.year), self.lang)

    def co_occurrence(self) -> HTMLFragment:
        """The heatmap of relative risks and the table of every pair behind it."""
        page = Builder().add(html("heading", 2, self.t("high_risk.pairs_heading")))
        if self.pairs.empty:
            return page.add(html("paragraph", self._missing("high_risk"), "rm-note")).build()
        page.add(html("paragraph", self.t("high_risk.pairs_intro", confidence=fmt.level(self.strategy.settings.confidence, self.lang))))
        names = self._names()
        cells = [_cell(pub.HIGH_RISK, r, year=self.year, exposure=r.exposure, outcome=r.outcome) for r in self.pairs.itertuples()]
        fig = hplots.co_occurrence_heatmap(self.pairs, self.behaviours, names, self.year, self.lang)
        page.figure(pub.HIGH_RISK, fig, self._heatmap_alt(names), cells)
        rows = [self._pair_row(r, cell, names) for r, cell in zip(self.pairs.itertuples(), cells, strict=True)]
        headers = [self.t(f"high_risk.{k}") for k in ("col_exposure", "col_outcome", "col_risk_exposed", "col_risk_unexposed", "col_ratio")]
        headers += [self.t("report.col_interval"), self.t("high_risk.col_exposed_n")]
        return page.table(pub.HIGH_RISK, headers, rows, cells, caption=self.t("high_risk.pairs_caption", year=self.year)).build()

    def _pair_row(self, r, cell: dict, names: dict[str, str]) -> list[str]:
        lang = self.lang
        if r.suppressed:
            return [names[r.exposure], names[r.outcome], *([fmt.HIDDEN] * 5)]
        ratio = show(cell, "relative_risk", "number", lang, decimals=1)
        interval = joined(show(cell, "rr_low", "number", lang, decimals=1), "-", show(cell, "rr_high", "number", lang, decimals=1))
        shares = [show(cell, "risk_exposed", "share", lang), show(cell, "risk_unexposed", "share", lang)]
        interval = interval if not fmt.missing(r.rr_low) else fmt.HIDDEN
        return [names[r.exposure], names[r.outcome], *shares, ratio, interval, show(cell, "exposed_n", "number", lang)]

    def _heatmap_alt(self, names: dict[str, str]) -> str:
        parts = " ".join(
            self.t(
                "high_risk.alt_pair",
                exposure=names[r.exposure],
                outcome=narrative.behaviour_words(r.outcome, self.lang),
                ratio=self._ratio_words(r),
            )
            for r in self.pairs.itertuples()
        )
        return self.t("high_risk.alt_heatmap", year=self.year, parts=parts)

    def _ratio_words(self, r) -> str:
        """A pair's ratio as the heatmap's description says it: "skjult" where the heatmap says so."""
        if r.suppressed:
            return self.t("plot.hidden")
        return fmt.number(r.relative_risk, self.lang, 1)

    def distribution(self) -> HTMLFragment:
        """The share of pupils with 0, 1, ... behaviours, in all and by grade and by gender."""
        n = len(self.behaviours)
        page = Builder().add(html("heading", 2, self.t("high_risk.distribution_heading")))
        if not self.has_data:
            return page.add(html("paragraph", self._missing("behaviour_counts"), "rm-note")).build()
        page.add(html("paragraph", self.t("high_risk.distribution_intro", n=n)))
        for dimension in (d for d in DIMENSIONS if d in set(self.counts["dimension"])):
            every = self.counts[self.counts["dimension"].isin([ALL, dimension])]
            rows = every[~every["left_out"].astype(bool)]  # a residual group left out is no row of the page
            names = {g: self._group_name(g, dimension) for g in rows["group"].astype(str)}
            words = self.t(f"report.groups.{dimension}").lower()
            title = self.t("high_risk.distribution_title", dimension=words, year=self.year)
            fig = hplots.distribution_plot(rows, names, self.year, title, self.lang)
            cells = [
                [
                    _cell(pub.BEHAVIOUR_COUNTS, r, year=r.year, dimension=r.dimension, group=r.group, behaviours=r.behaviours)
                    for r in part.itertuples()
                ]
                for _, part in rows.groupby(["dimension", "group"], sort=False)
            ]
            page.add(html("heading", 3, self.t(f"report.groups.{dimension}")))
            page.figure(
                pub.BEHAVIOUR_COUNTS,
                fig,
                self.t("high_risk.alt_distribution", n=n, dimension=words, year=self.year),
                [c for row in cells for c in row],
            )
            headers = [
                self.t(f"report.groups.{dimension}"),
                *(self.t("high_risk.col_count", k=k, n=n) for k in range(n + 1)),
                self.t(f"report.counted.{self.source}"),
            ]
            parts = [part for _, part in rows.groupby(["dimension", "group"], sort=False)]
            table_rows = [self._count_row(part, row_cells, names) for part, row_cells in zip(parts, cells, strict=True)]
            page.table(
                pub.BEHAVIOUR_COUNTS, headers, table_rows, cells, caption=self.t("high_risk.distribution_caption", dimension=words, year=self.year)
            )
            for note in self._distribution_notes(every, dimension):
                page.add(html("paragraph", note, "rm-note"))
        return page.build()

    def _distribution_notes(self, rows: pd.DataFrame, dimension: str) -> list[str]:
        """A residual group left out of the distribution (or its residual groups merged), and the large
        groups' sizes withheld."""
        notes = []
        kind = dimension if dimension in RESIDUAL_CODES else "other"
        if rows["left_out"].astype(bool).any():
            words = self.t(f"report.groups.{dimension}").lower()
            notes.append(self.t(f"report.residual_left_out.{kind}.{self.source}", dimension=words))
        elif (rows["group"] == RESIDUAL).any():
            notes.append(self.t(f"report.residual_merged.{kind}.{self.source}"))
        shown = rows[~rows["suppressed"].astype(bool) & (rows["dimension"] != ALL)]
        if shown["denominator"].isna().any():
            notes.append(self.t("high_risk.sizes_withheld"))
        return notes

    def _group_name(self, group: str, dimension: str) -> str:
        return self.t("high_risk.all_pupils") if group == ALL else group_label(dimension, group, self.lang, self.source)

    def _count_row(self, part: pd.DataFrame, cells: list[dict], names: dict[str, str]) -> list[str]:
        """A group's row of the distribution: the share with each number of behaviours, and the pupils
        counted (the first of its cells that shows them; a dash when they are withheld)."""
        shares = [show(cell, "value", "share", self.lang) for cell in cells]
        pupils = next((show(cell, "denominator", "number", self.lang) for cell in cells if cell["denominator"] is not None), fmt.HIDDEN)
        return [names[str(part["group"].iloc[0])], *shares, pupils]

    def multiple_over_time(self) -> HTMLFragment:
        """The share with at least `multiple` behaviours, year by year, with the test for trend."""
        k, n = self.at_least, len(self.behaviours)
        page = Builder().add(html("heading", 2, self.t("high_risk.multiple_heading", k=k)))
        if self.multiple.empty:
            return page.add(html("paragraph", self._missing("multiple_behaviours"), "rm-note")).build()
        title = self.t("high_risk.multiple_title", k=k, n=n)
        rows = self.multiple.assign(series="multiple")
        cells = [_cell(pub.MULTIPLE, r, year=r.year) for r in rows.itertuples()]
        fig = hplots.trend_lines(rows, "series", {"multiple": title}, title, self.lang)
        page.figure(pub.MULTIPLE, fig, self._lines_alt(rows, "series", {"multiple": title}, title), cells)
        table = [
            [
                str(int(r.year)),
                show(cell, "value", "share", self.lang),
                show(cell, ("ci_low", "ci_high"), "interval", self.lang, unit="percent"),
                show(cell, "denominator", "number", self.lang),
            ]
            for r, cell in zip(rows.itertuples(), cells, strict=True)
        ]
        headers = [self.t("report.col_year"), self.t("high_risk.col_share"), self.t("report.col_interval"), self.t(f"report.counted.{self.source}")]
        page.table(pub.MULTIPLE, headers, table, cells, caption=title)
        page.add(html("paragraph", self._trend_sentence()))
        this_year = self._unavailable_this_year("multiple_behaviours")
        return (page.add(html("paragraph", this_year, "rm-note")) if this_year else page).build()

    def early_debut(self) -> HTMLFragment:
        """The share in the early grades who have tried each behaviour, year by year."""
        grades = self._grades()
        page = Builder().add(html("heading", 2, self.t("high_risk.early_heading", grades=grades)))
        if self.early.empty:
            return page.add(html("paragraph", self._missing("early_debut"), "rm-note")).build()
        page.add(html("paragraph", self.t("high_risk.early_intro", grades=grades)))
        names, title = self._names(), self.t("high_risk.early_title", grades=grades)
        cells = [_cell(pub.EARLY_DEBUT, r, year=r.year, behaviour=r.behaviour) for r in self.early.itertuples()]
        fig = hplots.trend_lines(self.early, "behaviour", names, title, self.lang)
        page.figure(pub.EARLY_DEBUT, fig, self._lines_alt(self.early, "behaviour", names, title), cells)
        years = sorted(self.early["year"].astype(int).unique())
        rows, row_cells = [], []
        for behaviour, part in self.early.groupby("behaviour", sort=False):
            of_year = {int(r.year): _cell(pub.EARLY_DEBUT, r, year=r.year, behaviour=r.behaviour) for r in part.itertuples()}
            rows.append([names[behaviour], *(self._share_with_interval(of_year[y]) if y in of_year else "" for y in years)])
            row_cells.append(list(of_year.values()))
        headers = [self.t("high_risk.col_behaviour"), *map(str, years)]
        page.table(pub.EARLY_DEBUT, headers, rows, row_cells, caption=title)
        this_year = self._unavailable_this_year("early_debut")
        return (page.add(html("paragraph", this_year, "rm-note")) if this_year else page).build()

    def debut_ages(self) -> HTMLFragment:
        """Where the export has the optional debut-age columns: the median age at the first time and
        the share before `early_age`, year by year (nothing when it has none)."""
        if self.debut.empty:
            return HTMLFragment("")
        names, age = self._names(), self.early_age
        page = (
            Builder()
            .add(html("heading", 2, self.t("high_risk.debut_heading")))
            .add(html("paragraph", self.t("high_risk.debut_intro", early_age=age)))
        )
        if self._unavailable_this_year("debut_ages"):
            page.add(html("paragraph", self._unavailable_this_year("debut_ages"), "rm-note"))
        for r in self.debut[(self.debut["year"] == self.year) & self.debut["median_age"].notna()].itertuples():
            sentence = self.t(
                "high_risk.debut_sentence",
                behaviour=narrative.behaviour_words(r.behaviour, self.lang),
                median=fmt.number(r.median_age, self.lang),
                share=fmt.share(r.value, self.lang),
                early_age=age,
            )
            page.add(html("paragraph", sentence))
        title = self.t("high_risk.debut_title", early_age=age)
        ordered = self.debut.sort_values(["behaviour", "year"], key=self._behaviour_order)
        cells = [_cell(pub.DEBUT_AGES, r, year=r.year, behaviour=r.behaviour) for r in ordered.itertuples()]
        page.figure(
            pub.DEBUT_AGES,
            hplots.trend_lines(ordered, "behaviour", names, title, self.lang),
            self._lines_alt(ordered, "behaviour", names, title),
            cells,
        )
        headers = [
            self.t("high_risk.col_behaviour"),
            self.t("report.col_year"),
            self.t("high_risk.col_median_age"),
            self.t("high_risk.col_before_age", early_age=age),
        ]
        headers += [self.t("report.col_interval"), self.t("high_risk.col_told_age")]
        rows = [self._debut_row(r, cell, names) for r, cell in zip(ordered.itertuples(), cells, strict=True)]
        return page.table(pub.DEBUT_AGES, headers, rows, cells, caption=title).build()

    def _behaviour_order(self, column: pd.Series) -> pd.Series:
        return column.map({b: i for i, b in enumerate(self.behaviours)}) if column.name == "behaviour" else column

    def _debut_row(self, r, cell: dict, names: dict[str, str]) -> list[str]:
        if r.suppressed:
            return [names[r.behaviour], str(int(r.year)), *([fmt.HIDDEN] * 4)]
        return [
            names[r.behaviour],
            str(int(r.year)),
            show(cell, "median_age", "number", self.lang),
            show(cell, "value", "share", self.lang),
            show(cell, ("ci_low", "ci_high"), "interval", self.lang, unit="percent"),
            show(cell, "denominator", "number", self.lang),
        ]

    def _share_with_interval(self, cell: dict) -> str:
        if fmt.missing(cell["value"]):
            return fmt.HIDDEN
        interval = show(cell, ("ci_low", "ci_high"), "interval", self.lang, unit="percent")
        return joined(show(cell, "value", "share", self.lang), " (", interval, ")")

    def _lines_alt(self, rows: pd.DataFrame, series: str, names: dict[str, str], title: str) -> str:
        parts = []
        for key, part in rows.groupby(series, sort=False):
            shown = part.dropna(subset=["value"]).sort_values("year")
            if len(shown):
                first, last = shown.iloc[0], shown.iloc[-1]
                start, end = fmt.share(first["value"], self.lang), fmt.share(last["value"], self.lang)
                parts.append(
                    self.t("high_risk.alt_line_part", name=names[key], start=start, end=end, first=int(first["year"]), last=int(last["year"]))
                )
        years = rows["year"].astype(int)
        return self.t("high_risk.alt_lines", title=title, first=years.min(), last=years.max(), parts=" ".join(parts))

    def methods(self) -> HTMLFragment:
        """How the figures are made, in plain words, with the link to the methodology."""
        keys = ("method_shares", "method_ratio", "method_cause", "method_hidden", "method_data")
        parts = html("heading", 2, self.t("high_risk.methods_heading")) + Markup("").join(html("paragraph", self.t(f"high_risk.{k}")) for k in keys)
        return HTMLFragment(parts + html("paragraph", Markup(self.t("report.def_method_link", href=f"../{METHODOLOGY_PAGE}")), "rm-note"))
