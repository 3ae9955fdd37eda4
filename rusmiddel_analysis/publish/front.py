"""The front page, outputs/index.html: every year present with the status of every target at a glance.

It is built from the tables the outputs folder holds (each year's assessment.csv), so it shows
exactly the years that were published.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from rusmiddel_analysis.config.files import write_atomically
from rusmiddel_analysis.config.paths import HIGH_RISK_PAGE, HOW_WE_CALCULATED_PAGE, METHODOLOGY, METHODOLOGY_PAGE, STYLESHEET
from rusmiddel_analysis.config.version import __version__
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.how import how_sections
from rusmiddel_analysis.present.html import environment
from rusmiddel_analysis.present.markdown import render, sanitise
from rusmiddel_analysis.present.statuses import ORDER, status_badge, status_explained, stylesheet
from rusmiddel_analysis.present.textcatalog import text


def published_years(outputs_dir: Path) -> list[int]:
    return sorted(int(p.name) for p in outputs_dir.iterdir() if p.is_dir() and p.name.isdigit() and (p / "assessment.csv").exists())


def _statuses(outputs_dir: Path, year: int) -> dict[str, tuple[str, str, str | None]]:
    """Each target's (status, data quality, certainty) as the year's assessment.csv published it."""
    table = pd.read_csv(outputs_dir / str(year) / "assessment.csv", dtype={"data_quality": "string", "certainty": "string"})
    certainty = table["certainty"] if "certainty" in table.columns else pd.Series(pd.NA, index=table.index)
    rows = zip(table["target_id"], table["status"], table["data_quality"].fillna(""), certainty, strict=True)
    return {tid: (status, quality, None if pd.isna(sure) else str(sure)) for tid, status, quality, sure in rows}


def _rows(strategy, outputs_dir: Path, years: list[int], lang: str) -> list[dict]:
    statuses = {year: _statuses(outputs_dir, year) for year in years}
    rows = []
    for target in strategy.targets:
        cells = []
        for year in years:
            status, quality, certainty = statuses[year].get(target.id, (None, "", None))
            page = outputs_dir / str(year) / f"{target.id}.html"
            cells.append(
                {
                    "badge": status_badge(status, lang, quality, certainty=certainty) if status else fmt.HIDDEN,
                    "href": f"{year}/{target.id}.html" if page.exists() else None,
                }
            )
        rows.append({"name": target.short_name(lang), "focus": strategy.focus_area(target.focus_area).name(lang), "cells": cells})
    return rows


def _legend(strategy, lang: str) -> list[dict]:
    """Every status once, in the vocabulary's order (the baseline year shown as the baseline), its
    badge with what it means; then how an uncertain status looks."""
    quality = lambda s: "baseline_year" if s == "baseline" else ""
    badge = lambda s: status_badge("insufficient_data" if s == "baseline" else s, lang, quality(s))
    items = [{"badge": badge(s), "words": status_explained(s, lang, strategy.settings)} for s in ORDER]
    uncertain = status_explained("uncertain", lang, strategy.settings)
    items.append({"badge": status_badge("achieved", lang, certainty="uncertain"), "words": uncertain})
    return items


def write_front_page(strategy, outputs_dir: Path, lang: str, demo: bool) -> Path:
    """outputs/index.html (atomic write)."""
    years = published_years(outputs_dir)
    page = (
        environment()
        .get_template("front.html.j2")
        .render(
            lang=lang,
            title=text("report.front_title", lang, strategy=strategy.name(lang)),
            skip_label=text("report.skip_link", lang),
            intro=text("report.front_intro", lang, strategy=strategy.name(lang), municipality=strategy.municipality),
            demo_banner=text("report.demo_banner", lang) if demo else "",
            years=years,
            year_links=[
                {
                    "year": y,
                    "href": f"{y}/index.html" if (outputs_dir / str(y) / "index.html").exists() else None,
                    "label": text("report.open_year", lang, year=y),
                    "high_risk": f"{y}/{HIGH_RISK_PAGE}" if (outputs_dir / str(y) / HIGH_RISK_PAGE).exists() else None,
                    "high_risk_label": text("high_risk.nav", lang, year=y),
                }
                for y in years
            ],
            rows=_rows(strategy, outputs_dir, years, lang),
            col_target=text("report.col_target", lang),
            col_focus=text("report.col_focus_area", lang),
            legend_heading=text("report.legend_heading", lang),
            legend=_legend(strategy, lang),
            years_heading=text("report.years_heading", lang),
            table_heading=text("report.table_heading", lang),
            method_links=[
                {"href": HOW_WE_CALCULATED_PAGE, "label": text("document.how_we_calculated", lang)},
                {"href": METHODOLOGY_PAGE, "label": text("report.methodology_link", lang)},
            ],
            method_heading=text("report.method_heading", lang),
            footer=f"{text('report.prepared', lang, date=fmt.date(dt.date.today(), lang))} {text('document.version', lang, version=__version__)}",
            css=STYLESHEET.read_text(encoding="utf-8") + stylesheet(),
        )
    )
    target = outputs_dir / "index.html"
    write_atomically(target, page)
    return target


def write_strategies_page(strategies, outputs_dir: Path, lang: str, demo: bool = False) -> Path:
    """outputs/index.html of a run of several strategies: each with its municipality, period, the
    years published and a link to its own front page (atomic write)."""
    rows = []
    for strategy in strategies:
        folder = outputs_dir / strategy.id
        years = published_years(folder) if folder.is_dir() else []
        rows.append(
            {
                "name": strategy.name(lang),
                "href": f"{strategy.id}/index.html" if (folder / "index.html").exists() else None,
                "municipality": strategy.municipality,
                "period": f"{strategy.period_start}-{strategy.period_end}",
                "years": ", ".join(map(str, years)) or fmt.HIDDEN,
            }
        )
    page = (
        environment()
        .get_template("strategies.html.j2")
        .render(
            lang=lang,
            title=text("report.strategies_title", lang),
            skip_label=text("report.skip_link", lang),
            intro=text("report.strategies_intro", lang),
            demo_banner=text("report.demo_banner", lang) if demo else "",
            headers=[text(f"report.{key}", lang) for key in ("col_strategy", "col_municipality", "col_period", "col_published")],
            rows=rows,
            footer=text("report.generated", lang, date=fmt.date(dt.date.today(), lang), version=__version__),
            css=STYLESHEET.read_text(encoding="utf-8") + stylesheet(),
        )
    )
    target = outputs_dir / "index.html"
    write_atomically(target, page)
    return target


def methodology_html(markdown: str) -> str:
    """docs/methodology.md as HTML, each numbered heading with an id (`section-2-2`) to link to;
    sanitised like the analysts' text (raw HTML escaped, the same allow-list), keeping those ids."""
    import re

    number = lambda m: f'<h{m.group(1)} id="section-{m.group(2).rstrip(".").replace(".", "-")}">{m.group(2)}'
    return sanitise(re.sub(r"<h([1-6])>(\d+(?:\.\d+)*\.?)", number, render(markdown)), keep_ids=True)


def write_methodology_page(outputs_dir: Path, lang: str) -> Path | None:
    """outputs/methodology.html from docs/methodology.md (in English; an installed package carries a
    copy, config/paths.METHODOLOGY), so that the pages' link to the methods works where the pages go;
    None only when neither is there (a package built without setup.py's hook)."""
    if not METHODOLOGY.exists():
        return None
    page = (
        environment()
        .get_template("methodology.html.j2")
        .render(
            title="rusmiddel-analysis: methodology",
            skip_label=text("report.skip_link", lang),
            nav_label=text("report.nav_front", lang),
            body=methodology_html(METHODOLOGY.read_text(encoding="utf-8")),
            footer=text("report.generated", lang, date=fmt.date(dt.date.today(), lang), version=__version__),
            css=STYLESHEET.read_text(encoding="utf-8") + stylesheet(),
        )
    )
    target = outputs_dir / METHODOLOGY_PAGE
    write_atomically(target, page)
    return target


def _published_assessments(strategy, outputs_dir: Path) -> pd.DataFrame:
    """Every published year's assessment (assessment.csv), newest year first."""
    years = sorted(published_years(outputs_dir), reverse=True)
    frames = [pd.read_csv(outputs_dir / str(y) / "assessment.csv", dtype={"data_quality": "string", "caveats": "string"}) for y in years]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["target_id", "year", "status"])


def write_how_page(strategy, outputs_dir: Path, lang: str, demo: bool) -> Path:
    """outputs/saadan-har-vi-regnet.html: how a status is decided, in plain words for a committee
    member, with examples from the published reports (the methodology has the formulas)."""
    page = (
        environment()
        .get_template("how.html.j2")
        .render(
            lang=lang,
            title=text("how.title", lang),
            intro=text("how.intro", lang, strategy=strategy.name(lang)),
            skip_label=text("report.skip_link", lang),
            nav_label=text("report.nav_front", lang),
            demo_banner=text("report.demo_banner", lang) if demo else "",
            sections=how_sections(strategy, _published_assessments(strategy, outputs_dir), lang),
            example_label=text("how.example", lang),
            more=text("how.more", lang),
            footer=text("report.prepared", lang, date=fmt.date(dt.date.today(), lang)),
            css=STYLESHEET.read_text(encoding="utf-8") + stylesheet(),
        )
    )
    target = outputs_dir / HOW_WE_CALCULATED_PAGE
    write_atomically(target, page)
    return target
