"""The target page: what one target's notebook shows, a method per section, each returning a ready
HTML fragment (fragments.py) from the run's results (report.py).

A notebook cell calls one method and its output is the section (headings, verdict box,
figures with alt text, tables with header cells). All numbers come from the run's results
(calc/results.py: indicators and assessments computed once); all words from the text
catalogue; all markup from the template macros (html.py); nothing is typed into a notebook.
Only published rows (disclosure control applied) ever reach a fragment, and every fragment
declares the tables and figures it publishes, with the data behind each row (published.py), so
that the privacy gate can check the data itself, not the markup.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from rusmiddel_analysis.calc.breakdowns import ALL, RESIDUAL, RESIDUAL_CODES, published_subgroups
from rusmiddel_analysis.calc.disclosure import LEFT_OUT, WITHHELD, published
from rusmiddel_analysis.calc.survey_counts import LIMITS, NO_CLUSTER, limits_in
from rusmiddel_analysis.config.paths import METHODOLOGY_PAGE
from rusmiddel_analysis.ingest.schemas import FOLLOW_UPS, SOURCES
from rusmiddel_analysis.present import comparisons, narrative, plots
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.fragments import (
    Builder,
    HTMLFragment,
    assessment_cell,
    joined,
    measured,
    measured_interval,
    show,
    subgroup_cell,
    total_cell,
)
from rusmiddel_analysis.present.html import Markup, html
from rusmiddel_analysis.present.report import Report, ReportInputError
from rusmiddel_analysis.present.statuses import shown_status, status_badge
from rusmiddel_analysis.present.textcatalog import catalogue, group_label, unit_label


class TargetReport(Report):
    """Everything the target report shows for one target and year."""

    def __init__(self, target_id: str | None = None, year: int | None = None, **kwargs):
        super().__init__(year, **kwargs)
        try:
            self.target = self.strategy.target(target_id) if target_id is not None else self.strategy.targets[0]
        except KeyError as exc:
            raise ReportInputError(exc.args[0]) from None
        # every target's indicators: the test of change is corrected across all of the year's targets
        everything = self.results.totals
        self.year_assessment = self.results.year_assessment(self.year)
        self.assessment = self.year_assessment.set_index("target_id", drop=False).loc[self.target.id]
        self.indicators = everything[everything["target_id"] == self.target.id]
        self.rows = self.indicators[(self.indicators["group"] == "all") & (self.indicators["year"] <= self.year)]

    @property
    def title_text(self) -> str:
        return self.t("report.target_title", name=self.target.short_name(self.lang), year=self.year)

    def header(self) -> HTMLFragment:
        focus = self.strategy.focus_area(self.target.focus_area)
        effort = self.strategy.core_effort(focus.core_effort)
        context = f"{self.strategy.name(self.lang)} · {effort.name(self.lang)} · {focus.name(self.lang)}"
        return HTMLFragment(html("heading", 1, self.title_text) + self._banner() + html("paragraph", context, "rm-context"))

    def verdict(self) -> HTMLFragment:
        a, target, lang = self.assessment, self.target, self.lang
        value = lambda v: fmt.value(v, target.unit, lang)
        rows = [[self.t("report.verdict_status"), status_badge(a["status"], lang, a["data_quality"], certainty=a["certainty"])]]
        cells: list[dict | None] = [None]
        if not fmt.missing(a["measured_year"]):
            cell = assessment_cell(target.id, self.year, a)
            shown = measured(cell, "value", target, lang)
            if a["source_kind"] != "register":  # a register's count is exact: its interval is the year-to-year variation sentence
                shown = joined(shown, " (", measured_interval(cell, "ci_low", "ci_high", target, lang), ")")
            rows.append([self.t("report.verdict_value", year=int(a["measured_year"])), shown])
            cells.append(cell)
            for label, text in self._context_items(cell):
                rows.append([label, text])
                cells.append(cell)
        words = [
            (self.t("report.verdict_baseline", year=target.baseline_year), value(target.baseline_value)),
            (self.t("report.verdict_target", year=target.target_year), value(target.target_value)),
        ]
        if not fmt.missing(a["progress_ratio"]):
            words.append((self.t("report.verdict_ratio"), fmt.percent(100 * a["progress_ratio"], lang)))
        words += self._reference_items()
        rows += [[k, v] for k, v in words]
        cells += [None] * len(words)
        story = narrative.target_narrative(self.strategy, target, a, lang)
        caveats = " ".join(narrative.caveat_sentences(self.strategy, target, a, lang))
        table = Builder().table(pub.TOTALS, None, rows, cells, css_class="rm-table rm-verdict-table").build()
        key = shown_status(a["status"], a["data_quality"])
        box = html("verdict", key, self.t("report.verdict_heading"), Markup(str(table)), story, self.t("report.verdict_caveats"), caveats)
        return HTMLFragment(box, table.declaration)

    def _context_items(self, cell: dict) -> list[tuple[str, str]]:
        """The measurement seen another way, beside the value the verdict judges: standardised to the
        baseline's mix, the range the unknown outcomes allow, or the count per residents (the
        numbers of the assessment's declared `cell`)."""
        a, target, lang = self.assessment, self.target, self.lang
        items = []
        if not fmt.missing(a["standardised_value"]):
            shown = measured(cell, "standardised_value", target, lang)
            interval = measured_interval(cell, "standardised_low", "standardised_high", target, lang)
            label = self.t("report.verdict_standardised", year=target.baseline_year, strata=narrative.strata_words(target, lang))
            items.append((label, joined(shown, " (", interval, ")")))
        if not fmt.missing(a["bound_low"]):
            items.append((self.t("report.verdict_bounds"), measured_interval(cell, "bound_low", "bound_high", target, lang)))
        if not fmt.missing(a["rate"]):
            per = fmt.number(self.strategy.settings.rate_per, lang)
            rate = lambda name: show(cell, name, "number", lang, decimals=1)
            shown = joined(rate("rate"), " (", rate("rate_low"), "-", rate("rate_high"), ")")
            items.append((self.t("report.verdict_rate", per=per, year=int(a["measured_year"])), shown))
        return items

    def _reference_items(self) -> list[tuple[str, str]]:
        """The levels the verdict compares the interval with (docs/methodology.md, section 3)."""
        a, lang = self.assessment, self.lang
        if fmt.missing(a["measured_year"]) or a["status"] == "insufficient_data":
            return []
        value = lambda v: narrative.measured(self.target, v, lang)
        year = int(a["measured_year"])
        if self.target.kind == "maintain":
            return [
                (self.t("report.verdict_level"), value(self.target.target_value)),
                (self.t("report.verdict_margin"), narrative.amount(self.target, a["maintain_margin"], lang)),
            ]
        items = []
        if year < self.target.target_year:  # in the target year the verdict compares with the goal alone
            items += [
                (self.t("report.verdict_required", year=year), value(a["required_value"])),
                (self.t("report.verdict_on_track", year=year), value(a["on_track_value"])),
            ]
        if a["effective_target_value"] != self.target.target_value:
            items.append((self.t("report.verdict_effective_target"), value(a["effective_target_value"])))
        return items

    def assessment_detail(self) -> HTMLFragment:
        """This target's full assessment row (docs/methodology.md names each column)."""
        return self._assessment_table(self.assessment.to_frame(self.target.id))

    def goal(self) -> HTMLFragment:
        items = [
            (self.t("report.goal_label"), self.target.goal(self.lang)),
            (self.t("report.criterion_label"), self.target.success_criterion(self.lang)),
        ]
        measured_at = catalogue(self.lang).get(f"report.measured_at.{self.target.source}") if self.target.is_share else None
        if measured_at:  # what a share of this source measures: the status when treatment ends
            items.append((self.t("report.measured_at_label"), measured_at))
        return HTMLFragment(html("heading", 2, self.t("report.goal_heading")) + html("definitions", items))

    def trend(self) -> HTMLFragment:
        fig = plots.trend_plot(self.target, self.rows, self.assessment, self.lang, self.comparators, self.strategy.municipality)
        alt = plots.trend_alt_text(self.target, self.rows, self.assessment, self.lang, self.comparators)
        cells = [total_cell(self.target.id, r.year, r) for r in self.rows.itertuples()]
        drawn = cells + [comparisons.comparator_cell(r) for r in self.comparators.itertuples()]
        extra = self._trend_extra_column()
        rows = [
            [
                str(int(r.year)),
                measured(cell, "value", self.target, self.lang),
                measured_interval(cell, "ci_low", "ci_high", self.target, self.lang),
                *([show(cell, "denominator", "number", self.lang)] if self.target.is_share else []),
                *([extra[1](cell)] if extra else []),
            ]
            for r, cell in zip(self.rows.itertuples(), cells, strict=True)
        ]
        headers = [self.t("report.col_year"), self.t("report.col_measurement"), self._interval_header(), *self._counted_header()]
        return (
            Builder()
            .add(html("heading", 2, self.t("report.trend_heading")))
            .figure(pub.TOTALS, fig, alt, drawn)
            .table(pub.TOTALS, headers + ([extra[0]] if extra else []), rows, cells)
            .build()
        )

    def _trend_extra_column(self):
        """(header, cell text of a yearly row's declared cell) of the trend table's extra column, or None:
        the standardised share, the range for unknown outcomes, or the count per residents."""
        target, lang, rows = self.target, self.lang, self.rows
        if rows["standardised_value"].notna().any():
            return self.t("report.col_standardised"), lambda cell: measured(cell, "standardised_value", target, lang)
        if rows["bound_low"].notna().any():
            return self.t("report.col_bounds"), lambda cell: measured_interval(cell, "bound_low", "bound_high", target, lang)
        if rows["rate"].notna().any():
            per = fmt.number(self.strategy.settings.rate_per, lang)
            return self.t("report.col_rate", per=per), lambda cell: show(cell, "rate", "number", lang, decimals=1)
        return None

    @cached_property
    def comparators(self) -> pd.DataFrame:
        """Other areas' published figures for this target up to the report year (calc/comparators.py;
        empty without the optional comparator source)."""
        rows = self.results.comparators
        return rows[(rows["target_id"] == self.target.id) & (rows["year"] <= self.year)].reset_index(drop=True)

    def comparison(self) -> HTMLFragment:
        """'Sammenligning med andre områder': per area, both changes since the baseline year and the
        difference in differences in words (present/comparisons.py), the table of the differences and
        the table of the areas' figures drawn in the trend plot. Nothing without comparators."""
        if self.comparators.empty:
            return HTMLFragment("")
        lang, target = self.lang, self.target
        page = Builder().add(html("heading", 2, self.t("comparators.heading")))
        page.add(html("paragraph", self.t("comparators.intro", municipality=self.strategy.municipality)))
        found = self.results.difference(target.id, self.year)
        measured = None if fmt.missing(self.assessment["measured_year"]) else int(self.assessment["measured_year"])
        for area in dict.fromkeys(self.comparators["area"]):
            rows = found[found["area"] == area]
            if len(rows):
                sentences = comparisons.difference_sentences(self.strategy, rows.iloc[0], self.year, measured, lang)
            else:
                sentences = [self.t("comparators.no_difference", baseline=target.baseline_year, area=plots.area_words(area, lang))]
            page.add(html("paragraph", " ".join(sentences)))
        if len(found):
            headers, rows, cells, caption = comparisons.difference_table(self.strategy, target, found, self.year, lang)
            page.table(pub.DIFFERENCES, headers, rows, cells, caption=caption)
            note = self.t(f"comparators.difference_note.{found['unit'].iloc[0]}", municipality=self.strategy.municipality)
            page.add(html("paragraph", note, "rm-note"))
        headers, rows, cells, caption = comparisons.figures_table(target, self.comparators, lang)
        page.table(pub.COMPARATORS, headers, rows, cells, caption=caption)
        return page.add(html("paragraph", comparisons.intervals_note(self.comparators, lang), "rm-note")).build()

    @cached_property
    def measured_year(self) -> int:
        """The year whose data the page shows: the latest measurement up to the report year."""
        return self.results.data_years(self.year)[self.target.id]

    def subgroup_rows(self, by: str) -> pd.DataFrame:
        """The breakdown's rows the page shows: every group but the residual groups left out."""
        return published(self.results.breakdown(by, self.target.id, self.measured_year)).reset_index(drop=True)

    def subgroup_notes(self, by: str) -> list[str]:
        """What the page says about a breakdown's residual groups: left out, or shown merged, and,
        when they are protected that way, the large groups' counts withheld."""
        rows = self.results.breakdown(by, self.target.id, self.measured_year)
        kind = by if by in RESIDUAL_CODES else "other"  # a catch-all code has its own words; `unknown` alone the dimension's
        dimension = self.t(f"report.groups.{by}").lower()
        notes = []
        if (rows["suppression"] == LEFT_OUT).any():
            notes.append(self.t(f"report.residual_left_out.{kind}.{self.target.source}", dimension=dimension))
        elif (rows["group"] == RESIDUAL).any():
            notes.append(self.t(f"report.residual_merged.{kind}.{self.target.source}"))
        if (rows["suppression"] == WITHHELD).any():
            notes.append(self.t("report.counts_withheld"))
        return notes

    def _counted_header(self) -> list[str]:
        """The header of the column of what a share counts (pupils, students, ended courses); a count has none."""
        return [unit_label(self.target.source, self.lang)] if self.target.is_share else []

    def _subgroup_row(self, by: str, r, cell: dict) -> list[str]:
        label = group_label(by, str(r.group), self.lang, self.target.source)
        counted = 1 if self.target.is_share else 0
        if r.suppressed:
            return [label, fmt.HIDDEN, fmt.HIDDEN, *([fmt.HIDDEN] * counted)]
        unit, lang = self.target.unit, self.lang
        return [
            label,
            show(cell, "value", "value", lang, unit=unit),
            show(cell, ("ci_low", "ci_high"), "interval", lang, unit=unit),
            *([show(cell, "denominator", "number", lang)] * counted),
        ]

    def _interval_header(self) -> str:
        """A survey's interval is a confidence interval; a register counts everyone, so its interval is
        how much the count (or share) varies from year to year."""
        return self.t("report.col_variation" if self.assessment["source_kind"] == "register" else "report.col_interval")

    def subgroups(self) -> HTMLFragment:
        page = Builder().add(html("heading", 2, self.t("report.subgroups_heading")))
        for by in published_subgroups(self.target):
            rows = self.subgroup_rows(by)
            if rows.empty:
                continue
            cells = [subgroup_cell(self.target.id, self.measured_year, by, r) for r in rows.itertuples()]
            fig = plots.subgroup_plot(self.target, rows, by, self.measured_year, self.lang)
            alt = plots.subgroup_alt_text(self.target, rows, by, self.measured_year, self.lang)
            headers = [self.t(f"report.groups.{by}"), self.t("report.col_value"), self._interval_header(), *self._counted_header()]
            page.add(html("heading", 3, self.t(f"report.groups.{by}"))).figure(pub.SUBGROUPS, fig, alt, cells)
            page.table(pub.SUBGROUPS, headers, [self._subgroup_row(by, r, c) for r, c in zip(rows.itertuples(), cells, strict=True)], cells)
            for note in self.subgroup_notes(by):
                page.add(html("paragraph", note, "rm-note"))
            if by == "substance":
                page.add(html("paragraph", self.t("report.substance_note"), "rm-note"))
        note = f"{self._subgroups_note()} {self.t('report.subgroups_descriptive')}"
        page.add(html("paragraph", note, "rm-note"))
        return page.build()

    def _subgroups_note(self) -> str:
        """Which groups are not shown, in the units of the target's source: answers, ended treatments or citizens."""
        survey = self.assessment["source_kind"] == "survey"
        units = "survey" if survey else f"register_{'share' if self.target.is_share else 'count'}"
        extreme = "" if survey or not self.target.is_share else self.t("report.subgroups_extreme")
        return self.t("report.subgroups_note", units=self.t(f"report.group_units.{units}"), extreme=extreme)

    def methods(self) -> HTMLFragment:
        return HTMLFragment(self._methods() + self.reading_guide())

    def _methods(self) -> str:
        years = sorted(self.rows["year"].unique().tolist())
        settings = self.strategy.settings
        projection = narrative.projection_sentence(self.target, self.assessment, self.lang, settings.min_projection_points, settings.confidence)
        tests = int(self.year_assessment["change_p_adjusted"].notna().sum())
        sentences = [
            narrative.change_test_sentence(self.target, self.assessment, tests, self.lang),
            narrative.variation_sentence(self.target, self.assessment, self.lang),
            narrative.trend_sentence(self.assessment, years, self.lang),
            projection,
            *self._trend_use_sentences(),
        ]
        return html("heading", 2, self.t("report.methods_heading")) + Markup("").join(html("paragraph", p) for p in sentences if p)

    def quality(self) -> HTMLFragment:
        page = Builder().add(html("heading", 2, self.t("report.quality_heading")))
        years = ", ".join(str(int(y)) for y in sorted(self.rows["year"].unique()))
        page.add(html("paragraph", self.t("report.quality_years", years=years or fmt.HIDDEN)))
        # what the target's type says of its data (config/indicator_types.py), then a survey's limits
        self.target.indicator_type.add_quality(self, page, self.rows[self.rows["year"] == self.measured_year])
        for sentence in self._limits_sentences():
            page.add(html("paragraph", sentence))
        return page.build()

    def add_answers_quality(self, page: Builder, r) -> None:
        """A survey question's answers and no-answers in the measured year, the design's sentences and
        the answers the export declared missing."""
        n, no_answer = fmt.number(r.denominator, self.lang), fmt.number(r.no_answer, self.lang)
        page.add(html("paragraph", self.t("report.quality_answers", year=self.measured_year, n=n, no_answer=no_answer)))
        for sentence in self._design_sentences(r):
            page.add(html("paragraph", sentence))
        declared = self.manifest["sources"].get(self.target.source, {}).get("declared_missing", {})
        column = self.target.indicator.get("column")
        if declared.get(column):
            page.add(html("paragraph", self.t("report.quality_declared_missing", n=fmt.number(declared[column], self.lang))))

    def add_unknown_outcomes(self, page: Builder, r) -> None:
        """The share of a register's outcomes that are unknown in the measured year, beside its limit."""
        if not fmt.missing(r.unknown_share):
            limit = fmt.percent(100 * self.strategy.settings.data_quality.max_unknown_share, self.lang)
            share = fmt.percent(100 * r.unknown_share, self.lang)
            page.add(html("paragraph", self.t("report.quality_unknown", year=self.measured_year, share=share, limit=limit)))

    def _limits_sentences(self) -> list[str]:
        """What a survey's counts could not give in the years shown (calc/survey_counts.py,
        `estimation_limits`): one sentence per code, naming every year it holds for."""
        years_of: dict[str, list[str]] = {}
        for year in sorted(self.rows["year"].astype(int).unique()):
            for code in limits_in(self.results.totals, self.target.id, year):
                years_of.setdefault(code, []).append(str(year))
        if not years_of:
            return []
        lang, cluster = self.lang, SOURCES[self.target.source].cluster
        values = dict(
            cluster_word=narrative.cluster_word(self.target, lang),
            cluster_one=self.t(f"estimation_limits.cluster_one.{cluster}"),
            strata=narrative.strata_words(self.target, lang),
        )
        ordered = [code for code in LIMITS if code in years_of]
        return [self.t(f"estimation_limits.{code}", year=narrative.join_words(years_of[code], lang), **values) for code in ordered]

    def _trend_use_sentences(self) -> list[str]:
        """Which years the trend and projection leave out, and why (data quality, a method break)."""
        a, sentences = self.assessment, []
        left_out = plots.excluded_years(a)
        if left_out:
            sentences.append(self.t("report.quality_excluded", years=", ".join(map(str, left_out))))
        if not fmt.missing(a["method_break_year"]):
            broken = next(b for b in self.strategy.method_breaks if b.year == int(a["method_break_year"]))
            sentences.append(self.t("report.quality_method_break", year=broken.year, text=broken.text(self.lang)))
            sentences.append(self.t("report.quality_break_used", year=broken.year))
        return sentences

    def _design_sentences(self, r) -> list[str]:
        """The survey design in plain words: clusters, design effect, the schools answering each year."""
        if fmt.missing(r.clusters):
            return []
        lang, word = self.lang, narrative.cluster_word(self.target, self.lang)
        sentences = [
            self.t(
                "report.quality_design",
                year=self.measured_year,
                clusters=fmt.number(r.clusters, lang),
                cluster_word=word,
                n=fmt.number(r.denominator, lang),
                n_eff=fmt.number(r.effective_n, lang),
                deff=fmt.number(r.design_effect, lang, 1),
            )
        ]
        counts = ", ".join(f"{int(y.year)}: {fmt.number(y.clusters, lang)}" for y in self.rows.itertuples() if not fmt.missing(y.clusters))
        sentences.append(self.t("report.quality_clusters", cluster_word=word, counts=counts))
        if not fmt.missing(r.common_clusters) and self.measured_year != self.target.baseline_year:
            coverage = fmt.percent(100 * r.coverage, lang)
            common = fmt.number(r.common_clusters, lang)
            key = "report.quality_common_all" if r.coverage >= 1 else "report.quality_common"
            sentences.append(
                self.t(
                    key,
                    common=common,
                    cluster_word=word,
                    base=self.target.baseline_year,
                    year=self.measured_year,
                    coverage=coverage,
                )
            )
        return sentences

    def follow_up_rows(self, substance: str) -> pd.DataFrame:
        """The follow-up summary of `substance`, up to the report year."""
        summary = self.results.follow_up
        return summary[(summary["year"] <= self.year) & (summary["substance"] == substance)]

    def add_follow_up_table(self, page: Builder, substance: str) -> None:
        """The follow-up calls of `substance`'s episodes: who was called, reached, and with what outcome."""
        summary = self.follow_up_rows(substance)
        if summary.empty:
            return
        rows, cells = [], []
        yes_no = lambda v: fmt.HIDDEN if v is None or fmt.missing(v) else self.t("report.answer_yes" if v else "report.answer_no")
        for r in summary.itertuples():
            key = {
                "kind": pub.FOLLOW_UP,
                "year": int(r.year),
                "months": int(r.months),
                "substance": str(r.substance),
                "contacted_by": str(r.contacted_by),
            }
            cell = pub.cell(key, r, pub.FOLLOW_UP_FIELDS)
            rows.append(
                [
                    str(int(r.year)),
                    str(int(r.months)),
                    self.t(f"report.caller_{r.contacted_by}"),
                    show(cell, "episodes", "number", self.lang),  # fmt.HIDDEN when hidden by the share rules
                    show(cell, "reached", "number", self.lang),
                    show(cell, "contact_rate", "fraction", self.lang),
                    show(cell, "success_share", "percent", self.lang),
                    yes_no(r.usable) if r.contacted_by == ALL else "",
                ]
            )
            cells.append(cell)
        headers = [
            self.t("report.col_year"),
            self.t("report.col_months"),
            self.t("report.col_caller"),
            self.t("report.col_episodes"),
            self.t("report.col_reached"),
            self.t("report.col_contact_rate"),
            self.t("report.col_success_share"),
            self.t("report.col_usable"),
        ]
        limit = fmt.percent(100 * self.strategy.settings.data_quality.min_contact_rate, self.lang)
        page.add(html("paragraph", self.t("report.quality_followup")))
        page.add(html("paragraph", self.t("report.quality_followup_rule", limit=limit), "rm-note"))
        for broken in self.strategy.method_breaks:
            if FOLLOW_UPS in broken.sources and broken.year <= self.year:
                page.add(html("paragraph", self.t("report.quality_method_break", year=broken.year, text=broken.text(self.lang)), "rm-note"))
        page.table(pub.FOLLOW_UP, headers, rows, cells)

    def definition(self) -> HTMLFragment:
        """'Data og metode': what is counted and from where, the counts behind the latest value, when
        the data were processed, how each interval and test is made (with a link to the method), and
        the version that made the page: everything an analyst needs to check a number."""
        a, target, lang = self.assessment, self.target, self.lang
        d = target.definition
        source = self.manifest["sources"].get(target.source, {})
        rows, cells = [[self.t(f"report.def_{k}"), d[k](lang), ""] for k in ("data_source", "population")], [None, None]
        if not fmt.missing(a["measured_year"]):
            year, cell = int(a["measured_year"]), assessment_cell(target.id, self.year, a)
            for key in ("numerator", "denominator"):
                if not fmt.missing(a[key]):  # the count in a cell of its own, which the privacy gate checks
                    rows.append([self.t(f"report.def_{key}_count", year=year), d[key](lang), show(cell, key, "number", lang)])
                    cells.append(cell)
        processed, exported = (fmt.date(day, self.lang) for day in (self.manifest.get("processed_on"), source.get("exported_on")))
        dates = self.t("report.def_dates", processed=processed, exported=exported)
        rows += [[self.t("report.def_data_dates"), dates, ""], *([*r, ""] for r in self._method_rows())]
        cells += [None] * (len(rows) - len(cells))
        page = Builder().add(html("heading", 2, self.t("report.definition_heading")))
        page.table(pub.WORDS, None, rows, cells, caption=self.t("report.definition_caption"), css_class="rm-table rm-verdict-table")
        return page.add(html("paragraph", Markup(self.t("report.def_method_link", href=f"../{METHODOLOGY_PAGE}")), "rm-note")).build()

    def _method_rows(self) -> list[list[str]]:
        """How the interval, the test of change and the trend are computed, in words, and the version."""
        from rusmiddel_analysis.config.version import __version__

        kind = self.target.indicator_type.interval_words or ("share" if self.target.is_share else "count")
        if kind == "share_design" and NO_CLUSTER in limits_in(self.results.totals, self.target.id, self.measured_year):
            kind = "share"  # counts without the school: the plain interval (estimation_limits)
        return [
            [self.t("report.def_interval"), self.t(f"report.def_interval_{kind}")],
            [self.t("report.def_tests"), self.t(f"report.def_tests_{'share' if self.target.is_share else 'count'}")],
            [self.t("report.def_version"), f"rusmiddel-analysis {__version__}"],
        ]
