"""The year's status report: the attachment (bilag) to the committee's agenda item.

It reads as the administration's document, not as a dashboard: first who sends it to whom, when and
on which data; a resumé in prose (what is met or on track, what is not, what to watch, the follow-up
after treatment, the high-risk groups); the targets; the high-risk groups in brief; the status on
each core effort and focus area with the analysts' text; "Det videre arbejde" (a midterm status) or
"Konklusion og anbefalinger" (the final evaluation) from the analysts' status file; and the technical
detail in an appendix ("Bilag: Data og metode"). A milestone report without the parts the analysts
must write is marked "Udkast" (draft) on every page of its PDF. Every number comes from the run's
results, every word from the text catalogue.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rusmiddel_analysis.calc import records
from rusmiddel_analysis.config.paths import HIGH_RISK_PAGE, HOW_WE_CALCULATED_PAGE, METHODOLOGY_PAGE
from rusmiddel_analysis.ingest.status_text import DOCUMENT_SECTIONS, read_status_text
from rusmiddel_analysis.present import comparisons, narrative, plots
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.fragments import Builder, HTMLFragment, assessment_cell, joined, measured, show, target_words, total_cell
from rusmiddel_analysis.present.how import how_sections
from rusmiddel_analysis.present.html import Markup, html
from rusmiddel_analysis.present.markdown import markdown_html
from rusmiddel_analysis.present.report import Report
from rusmiddel_analysis.present.statuses import BY_KEY, UNCERTAIN, group, shown_status, status_badge, status_explained
from rusmiddel_analysis.present.textcatalog import text


def milestone_of(strategy, year: int):
    """The milestone report due in `year` (a midterm status, the final evaluation), or None."""
    return next((m for m in strategy.milestones if m.year == year), None)


def status_title(strategy, year: int, lang: str) -> str:
    """The report's title: the milestone's name when the year has one ("Midtvejsstatus 2017: ...")."""
    milestone = milestone_of(strategy, year)
    if milestone is not None:
        return text("document.title_milestone", lang, milestone=milestone.name(lang), year=year, strategy=strategy.name(lang))
    return text("report.year_title", lang, strategy=strategy.name(lang), year=year)


class StatusReport(Report):
    """The yearly status for the whole strategy, as the attachment to the committee's agenda item."""

    def __init__(self, year: int | None = None, **kwargs):
        super().__init__(year, **kwargs)
        self.indicators = self.results.totals
        self.assessment = self.results.year_assessment(self.year)
        self.status_text = read_status_text(self.strategy, self.status_dir, self.year)
        self.milestone = milestone_of(self.strategy, self.year)
        self.names = {t.id: t.short_name(self.lang) for t in self.strategy.targets}

    @property
    def title_text(self) -> str:
        return status_title(self.strategy, self.year, self.lang)

    @property
    def final(self) -> bool:
        """Whether every target's target year has come: the report concludes."""
        return self.year >= max(t.target_year for t in self.strategy.targets)

    @property
    def missing_sections(self) -> tuple[str, ...]:
        return self.status_text.missing(self.milestone.kind if self.milestone else None)

    def header(self) -> HTMLFragment:
        """Title, the draft mark, who sends it to whom, when, and the data it rests on."""
        parts = [html("heading", 1, self.title_text), self._banner()]
        if self.missing_sections:
            missing = ", ".join(self.t(f"document.section_{key}") for key in self.missing_sections)
            parts.append(html("draft", self.t("document.draft"), self.t("document.draft_note", sections=missing, year=self.year)))
        items = [
            (self.t("document.to"), self.strategy.committee(self.lang)),
            (self.t("document.from"), self.strategy.responsible(self.lang)),
            *([(self.t("document.case"), self.milestone.case)] if self.milestone and self.milestone.case else []),
            (self.t("document.prepared"), fmt.date(dt.date.today(), self.lang)),
            (self.t("document.data"), self._data_basis()),
        ]
        parts.append(html("definitions", items))
        if self.strategy.background is not None:
            parts += [html("heading", 2, self.t("document.background_heading")), html("paragraph", self.strategy.background(self.lang))]
        return HTMLFragment(Markup("").join(parts))

    def _data_basis(self) -> str:
        """The sources the report rests on, each with the date of its newest export."""
        sources = self.manifest.get("sources", {})
        used = dict.fromkeys(t.source for t in self.strategy.targets)
        exported = {name: fmt.date(sources[name].get("exported_on"), self.lang) for name in used if name in sources}
        parts = [self.t(f"document.source.{name}", exported=day) for name, day in exported.items()]
        return "; ".join(parts)

    def summary(self) -> HTMLFragment:
        """'Resumé': the analysts' own summary; the statuses counted; the targets that go well, those
        that do not, those to watch and those whose status is uncertain, as lists; the follow-up; where
        the proposals and the high-risk groups are."""
        parts = [html("heading", 2, self.t("document.summary_heading"))]
        own = self.status_text.document.get("summary")
        if own:
            parts.append(html("qualitative", Markup(markdown_html(own, heading_offset=1))))
        parts.append(html("paragraph", self._count_sentence()))
        parts += [html("labelled_list", label, items) for label, items in self._target_lists() if items]
        follow_up = narrative.follow_up_sentence(self.results.follow_up, self.strategy, self.year, self.lang)
        parts += [html("paragraph", s) for s in (self._comparison_sentence(), follow_up) if s]
        if self.status_text.document.get(self._closing_key):
            parts.append(html("paragraph", self.t(f"document.proposals_{self._closing_key}")))
        high_risk = html("link", HIGH_RISK_PAGE, self.t("report.high_risk_more", year=self.year))
        parts.append(html("paragraph", self.t("document.high_risk_in_brief")))
        parts.append(html("paragraph", high_risk, "rm-web-only"))
        return HTMLFragment(Markup("").join(parts))

    @property
    def _closing_key(self) -> str:
        """The section that closes the report: the conclusion (final evaluation) or the next steps."""
        return "conclusion" if self.final else "next_steps"

    def _count_sentence(self) -> str:
        """'5 af 10 mål er nået eller fastholdt, 5 er ikke.' (the final evaluation), or each status counted."""
        statuses = [shown_status(r["status"], r["data_quality"]) for _, r in self.assessment.iterrows()]
        if all(s == "baseline" for s in statuses):
            return narrative.summary_sentence(self.assessment, self.year, self.lang)
        if self.final:
            met = sum(s in ("achieved", "maintained") for s in statuses)
            unknown = statuses.count("insufficient_data")
            key = "document.count_final_unknown" if unknown else "document.count_final"
            return self.t(key, met=met, total=len(statuses), rest=len(statuses) - met - unknown, unknown=unknown)
        counts = pd.Series(statuses).value_counts()
        parts = [self.t(f"status_count.{s.key}", n=int(counts[s.key])) for s in BY_KEY.values() if s.key in counts]
        return self.t("document.count_year", year=self.year, total=len(statuses), parts=narrative.join_words(parts, self.lang))

    def _target_lists(self) -> list[tuple[str, list[str]]]:
        """(label, targets) for the targets that go well (met), those that do not, those to watch
        whatever their status, and those whose status is uncertain; in the final evaluation each
        target with its difference to the strategy's goal."""
        good, bad, watched, uncertain = [], [], [], []
        for _, row in self.assessment.iterrows():
            target = self.strategy.target(row["target_id"])
            kind = group(shown_status(row["status"], row["data_quality"]))
            name = self.names[target.id]
            judged = self.final and kind in ("good", "behind", "bad")
            shown = f"{name} ({narrative.gap_words(target, row, self.lang)})" if judged else name
            (good if kind == "good" else bad if kind in ("behind", "bad") else []).append(shown)
            if records.verdict_of(row).watch and kind == "good" and not self.final:
                watched.append(narrative.watch_words(target, row, self.lang))
            if row.get("certainty") == UNCERTAIN:
                uncertain.append(name)
        stage = "final" if self.final else "year"
        return [
            (self.t(f"document.list_good_{stage}"), good),
            (self.t(f"document.list_bad_{stage}"), bad),
            (self.t("document.list_watch"), watched),
            (self.t("document.list_uncertain"), uncertain),
        ]

    def _comparison_sentence(self) -> str:
        """Where the comparison with other areas changes how a status reads (present/comparisons.py):
        a target going well while its first area did as well or better, a target behind that did
        better than its area. Empty when no target's reading changes (or there are no comparators)."""
        table = self.results.differences
        year = table[table["report_year"] == self.year]
        first = {target_id: rows.iloc[0] for target_id, rows in year.groupby("target_id", sort=False)}
        return comparisons.resume_sentence(self.strategy, self.assessment, first, self.names, self.lang)

    def _unavailable(self, table: str) -> str:
        """Why a high-risk table has nothing this year: a year of counts cannot show who combines the
        behaviours (`high_risk_unavailable`); empty when nothing is missing."""
        missing = self.results.high_risk_unavailable
        reasons = missing[(missing["year"] == self.year) & (missing["table"] == table)]["reason"]
        return self.t(f"high_risk_unavailable.{reasons.iloc[0]}", year=self.year) if len(reasons) else ""

    def table(self) -> HTMLFragment:
        """Every target under its focus area: status, baseline, the latest measurement, the goal and,
        in the final evaluation, the difference to the strategy's own goal."""
        rows, cells = [], []
        by_id = self.assessment.set_index("target_id")
        for focus in self.strategy.focus_areas:
            rows.append(pub.group_row(focus.name(self.lang)))
            cells.append(None)
            for target in (t for t in self.strategy.targets if t.focus_area == focus.id):
                row = by_id.loc[target.id]
                cell = None if fmt.missing(row["measured_year"]) else assessment_cell(target.id, self.year, row) | target_words(target)
                rows.append(self._target_row(target, row, cell))
                cells.append(cell)
        headers = [self.t(f"document.col_{key}") for key in ("target", "status", "baseline", "measured", "goal")]
        headers += [self.t("document.col_gap")] if self.final else []
        table = Builder().add(html("heading", 2, self.t("document.targets_heading")))
        table.table(pub.TOTALS, headers, rows, cells, css_class="rm-table rm-targets")
        return table.add(html("labelled_list", self.t("document.legend_heading"), self._legend_items(), "rm-status-legend")).build()

    def _legend_items(self) -> list[str]:
        """What each status in the table means (only those it shows), and "usikker" when one is."""
        shown = {shown_status(r["status"], r["data_quality"]) for _, r in self.assessment.iterrows()}
        items = [
            f"{s.symbol} {self.t(f'status.{s.key}')}: {status_explained(s.key, self.lang, self.strategy.settings)}"
            for s in BY_KEY.values()
            if s.key in shown
        ]
        if (self.assessment["certainty"] == UNCERTAIN).any():
            items.append(status_explained("uncertain", self.lang, self.strategy.settings))
        return items

    def _target_row(self, target, row, cell: dict | None) -> list:
        """A target's row of the status table; without a measurement (no `cell`) its numbers are the
        strategy's own, and no number of the row is declared."""
        lang = self.lang
        if cell is None:
            latest = fmt.HIDDEN if fmt.missing(row["value"]) else narrative.measured(target, row["value"], lang)
            baseline = f"{fmt.value(target.baseline_value, target.unit, lang)} ({target.baseline_year})"
            goal = f"{fmt.value(target.target_value, target.unit, lang)} ({target.target_year})"
        else:
            year = lambda name: show(cell, name, "whole", lang)
            word = lambda value, of_year: joined(show(cell, value, "value", lang, unit=target.unit), " (", year(of_year), ")")
            latest = joined(measured(cell, "value", target, lang), " (", year("measured_year"), ")")
            baseline, goal = word("baseline_value", "baseline_year"), word("target_value", "target_year")
        cells = [
            html("link", f"{target.id}.html", target.short_name(lang)),
            status_badge(row["status"], lang, row["data_quality"], certainty=row["certainty"]),
            baseline,
            latest,
            goal,
        ]
        return cells + ([narrative.gap_words(target, row, self.lang)] if self.final else [])

    def multiples(self) -> HTMLFragment:
        fig = plots.small_multiples(self.strategy, self.indicators, self.assessment, self.year, self.lang)
        totals = self.indicators[(self.indicators["group"] == "all") & (self.indicators["year"] <= self.year)]
        cells = [total_cell(r.target_id, r.year, r) for r in totals.itertuples()]
        return (
            Builder()
            .add(html("heading", 2, self.t("report.multiples_heading")))
            .figure(pub.TOTALS, fig, plots.multiples_alt_text(self.strategy, self.assessment, self.lang), cells)
            .build()
        )

    def high_risk(self) -> HTMLFragment:
        """The high-risk groups in brief: the committee's request when it took an earlier milestone
        report, then fixed measures, the same every year, each beside the first year measured (the
        share with several behaviours, its trend, early debut), so a change is a change (the strongest
        pair of a year changes by chance)."""
        parts = [html("heading", 2, self.t("document.high_risk_heading"))]
        for milestone in (m for m in self.strategy.milestones if m.decision is not None and m.year < self.year):
            words = self.t("document.decision", milestone=milestone.name(self.lang), year=milestone.year, decision=milestone.decision(self.lang))
            parts.append(html("paragraph", words))
        r = self.results
        shown = r.multiple_behaviours[(r.multiple_behaviours["year"] <= self.year) & ~r.multiple_behaviours["suppressed"].astype(bool)]
        sentences = [
            self._multiple_brief(shown) or self._unavailable("multiple_behaviours"),
            narrative.multiple_trend_sentence(r.multiple_trend_in(self.year), self.lang, plain=True),
            self._early_brief(r.early_debut[r.early_debut["year"] <= self.year]),
        ]
        parts += [html("paragraph", s) for s in sentences if s]
        parts.append(html("paragraph", html("link", HIGH_RISK_PAGE, self.t("report.high_risk_more", year=self.year)), "rm-web-only"))
        return HTMLFragment(Markup("").join(parts))

    def _multiple_brief(self, shown: pd.DataFrame) -> str:
        """'I 2019 havde 16 % af eleverne prøvet mindst 2 af de 4 former for risikoadfærd (…); i 2015 var det 22 %.'"""
        block = self.strategy.settings.high_risk
        latest, first = shown[shown["year"] == self.year], shown[shown["year"] == shown["year"].min()]
        if latest.empty:
            return ""
        values = dict(
            year=self.year,
            share=fmt.share(latest.iloc[0]["value"], self.lang),
            k=block.multiple,
            n=len(block.behaviours),
            behaviours=narrative.behaviours_words(block.behaviours, self.lang),
        )
        if first.empty or int(first.iloc[0]["year"]) == self.year:
            return self.t("document.multiple", **values)
        return self.t("document.multiple_since", first_year=int(first.iloc[0]["year"]), first=fmt.share(first.iloc[0]["value"], self.lang), **values)

    def _early_brief(self, rows: pd.DataFrame) -> str:
        """'I 6. og 7. klasse havde 9 % prøvet at ryge (11 % i 2015), …': early debut beside the first year."""
        block = self.strategy.settings.high_risk
        shown = rows[rows["value"].notna()]
        latest = shown[shown["year"] == self.year]
        if latest.empty:
            return ""
        first_year = int(shown["year"].min())
        earlier = shown[shown["year"] == first_year].set_index("behaviour")["value"]
        parts = []
        for row in latest.itertuples():
            words = dict(share=fmt.share(row.value, self.lang), behaviour=narrative.behaviour_words(row.behaviour, self.lang))
            if first_year < self.year and row.behaviour in earlier.index:
                parts.append(self.t("document.early_part_since", first=fmt.share(earlier[row.behaviour], self.lang), first_year=first_year, **words))
            else:
                parts.append(self.t("high_risk.early_part", **words))
        grades = narrative.grades_words(block.early_grades, self.lang)
        shares = narrative.capitalise(self.t("high_risk.early", grades=grades, parts=narrative.join_words(parts, self.lang)))
        return f"{shares} {self.t('document.early_why', grades=grades)}"

    def _qualitative(self, section_id: str, page_level: int) -> str:
        """A section of the status file; its free ### sub-headings go one level below the page's heading."""
        body = self.status_text.sections.get(section_id)
        if not body:
            return ""
        return html("qualitative", Markup(markdown_html(body, heading_offset=page_level + 1 - 3)))

    def _target_story(self, target, a) -> str:
        link = html("link", f"{target.id}.html", target.short_name(self.lang))
        sentences = [narrative.status_sentence(target, a, self.lang), narrative.extreme_goal_sentence(target, a, self.lang)]
        story = " ".join(s for s in [*sentences, *narrative.caveat_sentences(self.strategy, target, a, self.lang)] if s)
        return html("target_story", link, status_badge(a["status"], self.lang, a["data_quality"], certainty=a["certainty"]), story)

    def by_focus_area(self) -> HTMLFragment:
        """Core effort -> focus area -> targets, each with its status in a sentence, and the analysts' text."""
        parts = [html("heading", 2, self.t("document.efforts_heading"))]
        if not self.status_text.exists or self.status_text.empty:
            key = "document.empty_status_text" if self.status_text.exists else "document.no_status_text"
            parts.append(html("paragraph", self.t(key, year=self.year), "rm-note"))
        by_id = self.assessment.set_index("target_id")
        for effort in self.strategy.core_efforts:
            parts += [html("heading", 3, effort.name(self.lang)), self._qualitative(effort.id, page_level=3)]
            for focus in (f for f in self.strategy.focus_areas if f.core_effort == effort.id):
                parts.append(html("heading", 4, focus.name(self.lang)))
                parts += [self._target_story(t, by_id.loc[t.id]) for t in self.strategy.targets if t.focus_area == focus.id]
                written = self._qualitative(focus.id, page_level=4)
                parts += [html("paragraph", html("strong", self.t("document.efforts_label")), "rm-list-label"), written] if written else []
        return HTMLFragment(Markup("").join(parts))

    def next_steps(self) -> HTMLFragment:
        """'Det videre arbejde' (a midterm status) or 'Konklusion og anbefalinger' (the final
        evaluation), as the analysts wrote it; a milestone report without it says so (and is a draft)."""
        key = self._closing_key
        body = self.status_text.document.get(key)
        if not body and not self.milestone:
            return HTMLFragment("")
        parts = [html("heading", 2, self.t(f"document.section_{key}"))]
        written = html("qualitative", Markup(markdown_html(body, heading_offset=1))) if body else None
        parts.append(written or html("paragraph", self.t("document.not_written"), "rm-note"))
        return HTMLFragment(Markup("").join(parts))

    def appendix(self) -> HTMLFragment:
        """'Bilag: Data og metode': how to read the report, where the numbers come from, how the
        statuses are decided (in plain Danish, and the full methodology) and what made it."""
        from rusmiddel_analysis.config.version import __version__

        parts = [html("heading", 2, self.t("document.appendix_heading")), self.reading_guide(level=3)]
        processed = fmt.date(self.manifest.get("processed_on"), self.lang)
        parts.append(html("paragraph", self.t("document.appendix_data", data=self._data_basis(), processed=processed)))
        parts += self._definitions()
        parts += self._how_we_calculated()
        how = html("link", f"../{HOW_WE_CALCULATED_PAGE}", self.t("document.how_we_calculated"))
        full = html("link", f"../{METHODOLOGY_PAGE}", self.t("document.methodology"))
        parts.append(html("paragraph", Markup(self.t("document.appendix_methods", how=how, full=full)), "rm-web-only"))
        parts.append(html("paragraph", self.t("document.version", version=__version__)))
        return HTMLFragment(Markup("").join(parts))

    def _definitions(self) -> list:
        """'Hvad målene tæller': each target's numerator and, for a share, what it is a share of, as the
        strategy file defines them (indicator.definition), so words like 'med succes' are defined."""
        items = []
        for target in self.strategy.targets:
            words = target.definition["numerator"](self.lang)
            if target.is_share:
                words = self.t(
                    "document.definition_share", numerator=words, denominator=narrative.lower_first(target.definition["denominator"](self.lang))
                )
            items.append((self.names[target.id], words))
        return [html("heading", 3, self.t("document.definitions_heading")), html("definitions", items)]

    def _how_we_calculated(self) -> list:
        """The five choices that decide a status, with examples from this report (present/how.py):
        on paper, where a link to the page of that name cannot be followed."""
        parts = [html("heading", 3, self.t("how.title"))]
        for section in how_sections(self.strategy, self.assessment, self.lang):
            parts += [html("heading", 4, section["heading"]), *(html("paragraph", p) for p in section["paragraphs"])]
            if section["example"]:
                parts.append(html("paragraph", f"{self.t('how.example')} {section['example']}", "rm-example"))
        return parts

    def assessment_detail(self) -> HTMLFragment:
        """The year's assessment table, one row per target (an analyst-only cell)."""
        return self._assessment_table(self.assessment.set_index("target_id"))


__all__ = ["StatusReport", "status_title", "milestone_of", "DOCUMENT_SECTIONS"]
