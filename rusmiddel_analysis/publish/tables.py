"""The year's published tables as data: assessment.csv, subgroups.csv, high_risk.csv,
high_risk_groups.csv, comparators.csv, differences.csv and assessment.xlsx (a sheet for each).

They hold exactly what the pages publish, from the run's results: an analyst reuses them, and a
reader of the pages can see nothing the tables do not hold.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from rusmiddel_analysis.calc import comparators
from rusmiddel_analysis.calc.disclosure import SHARE_DECIMALS
from rusmiddel_analysis.calc.high_risk import PAIR_COUNTS, PAIR_RATIOS, PAIR_SHARES
from rusmiddel_analysis.calc.results import Results
from rusmiddel_analysis.present.textcatalog import group_label, text

SUBGROUP_COLUMNS = [
    "target_id",
    "year",
    "dimension",
    "group",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "reason",
    "label",
]
FILES = ("assessment.csv", "subgroups.csv", "high_risk.csv", "high_risk_groups.csv", "comparators.csv", "differences.csv", "assessment.xlsx")
# comparators.csv: other areas' published figures up to the year, as the target pages draw them
COMPARATOR_COLUMNS = ["target_id", "area", "year", "unit", "value", "ci_low", "ci_high", "interval", "numerator", "denominator"]
# differences.csv: the year's difference in differences per target and area (calc/comparators.Difference),
# the interval's ends named as in every other table
# the differences' columns as calc/comparators.Difference has them, the interval's ends named as in
# every other published table
INTERVAL_ENDS = {"low": "ci_low", "high": "ci_high"}
DIFFERENCE_COLUMNS = [INTERVAL_ENDS.get(c, c) for c in comparators.DIFFERENCE_COLUMNS]
GROUP_COLUMNS = [
    "measure",
    "year",
    "dimension",
    "group",
    "behaviour",
    "behaviours",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "median_age",
    "suppressed",
]


def subgroup_table(strategy, results: Results, year: int, lang: str) -> pd.DataFrame:
    """subgroups.csv: one row per published subgroup cell, exactly as the target pages of `year` show them.

    Hidden cells keep their place with empty numbers, `suppressed` true and one reason for all
    ("skjult"/"suppressed": the rule that hid a cell would tell a reader about it, e.g. that a share
    is 0 % or 100 %; the precise rule stays in the run's results). A residual group left out has no
    row, as on the page; a large group whose counts are withheld has its value and interval with
    numerator and denominator empty. Values and interval ends to SHARE_DECIMALS; `label` is the
    group as the page names it.
    """
    table = results.published_breakdowns(strategy, results.data_years(year))
    out = table.rename(columns={"by": "dimension"})
    out["reason"] = out["suppressed"].map({True: text("report.suppressed", lang), False: ""})
    out[["value", "ci_low", "ci_high"]] = out[["value", "ci_low", "ci_high"]].astype(float).round(SHARE_DECIMALS)
    out["numerator"], out["denominator"] = out["numerator"].astype("Int64"), out["denominator"].astype("Int64")
    sources = out["target_id"].map({t.id: t.source for t in strategy.targets})
    out["label"] = [group_label(by, str(g), lang, source) for by, g, source in zip(out["dimension"], out["group"], sources, strict=True)]
    return out[SUBGROUP_COLUMNS]


def high_risk_table(results: Results, year: int) -> pd.DataFrame:
    """high_risk.csv: one row per ordered pair of risk behaviours in `year`, a hidden pair with empty
    numbers; shares to SHARE_DECIMALS, ratios to two decimals; the group sizes rounded and the
    counts with the outcome withheld, as the page publishes them (calc/linked.publishable)."""
    table = results.high_risk
    table = table[table["year"] == int(year)].drop(columns="year").reset_index(drop=True)
    table[PAIR_SHARES] = table[PAIR_SHARES].astype(float).round(SHARE_DECIMALS)
    table[PAIR_RATIOS] = table[PAIR_RATIOS].astype(float).round(2)
    for count in PAIR_COUNTS:
        table[count] = table[count].astype(float).round(2).astype("Int64")
    return table


def high_risk_groups_table(results: Results, year: int) -> pd.DataFrame:
    """high_risk_groups.csv: every other number of the year's high-risk page, one row per cell, named
    by `measure` (behaviour_counts of the year; multiple_behaviours, early_debut and debut_ages of
    the years up to it); hidden cells keep their place with empty numbers, a residual group left out
    of the distribution has no row (as on the page). Shares to SHARE_DECIMALS, group sizes rounded
    (withheld for the large groups of a protected year) and counts with a behaviour withheld, as the
    page publishes them."""
    parts = []
    for measure in ("behaviour_counts", "multiple_behaviours", "early_debut", "debut_ages"):
        table = getattr(results, measure)
        shown = table["year"] == int(year) if measure == "behaviour_counts" else table["year"] <= int(year)
        if measure == "behaviour_counts":
            shown &= ~table["left_out"].astype(bool)
        parts.append(table[shown].assign(measure=measure))
    out = pd.concat(parts, ignore_index=True).reindex(columns=GROUP_COLUMNS)
    out[["value", "ci_low", "ci_high"]] = out[["value", "ci_low", "ci_high"]].astype(float).round(SHARE_DECIMALS)
    for count in ("year", "behaviours", "numerator", "denominator"):
        out[count] = out[count].astype("Float64").astype("Int64")
    return out


def comparator_table(results: Results, year: int) -> pd.DataFrame:
    """comparators.csv: every other area's published figure of the years up to `year`, one row per
    target, area and year, with its interval and how it was had (calc/comparators.py): the numbers of
    the trend plots' other lines and of the pages' tables of other areas. Public figures, as published."""
    table = results.comparators
    return table[table["year"] <= int(year)].reindex(columns=COMPARATOR_COLUMNS).reset_index(drop=True)


def difference_table(results: Results, year: int) -> pd.DataFrame:
    """differences.csv: the report year's difference in differences of every target with every area
    (the pages' sentences and tables of the comparison): the years compared (the latest up to `year`
    with both figures), both figures and changes, the difference, its interval (`ci_low`, `ci_high`),
    whether it lies beyond chance and whether the area's figures were taken as exact. A share's
    changes in percentage points (`unit` points), a count's in percent."""
    table = results.differences
    table = table[table["report_year"] == int(year)].rename(columns=INTERVAL_ENDS)
    return table.reindex(columns=DIFFERENCE_COLUMNS).reset_index(drop=True)


def year_tables(strategy, results: Results, year: int, lang: str) -> dict[str, bytes]:
    """The year's tables as file contents, by file name (nothing written)."""
    table = results.year_assessment(year)
    subgroups = subgroup_table(strategy, results, year, lang)
    high_risk = high_risk_table(results, year)
    groups = high_risk_groups_table(results, year)
    areas, differences = comparator_table(results, year), difference_table(results, year)
    sheets = io.BytesIO()
    with pd.ExcelWriter(sheets, engine="openpyxl") as book:
        table.to_excel(book, index=False, sheet_name=text("report.sheet_status", lang, year=year))
        subgroups.to_excel(book, index=False, sheet_name=text("report.sheet_subgroups", lang, year=year))
        high_risk.to_excel(book, index=False, sheet_name=text("report.sheet_high_risk", lang, year=year))
        groups.to_excel(book, index=False, sheet_name=text("report.sheet_high_risk_groups", lang, year=year))
        areas.to_excel(book, index=False, sheet_name=text("report.sheet_comparators", lang, year=year))
        differences.to_excel(book, index=False, sheet_name=text("report.sheet_differences", lang, year=year))
    return {
        "assessment.csv": table.to_csv(index=False).encode("utf-8"),
        "subgroups.csv": subgroups.to_csv(index=False).encode("utf-8"),
        "high_risk.csv": high_risk.to_csv(index=False).encode("utf-8"),
        "high_risk_groups.csv": groups.to_csv(index=False).encode("utf-8"),
        "comparators.csv": areas.to_csv(index=False).encode("utf-8"),
        "differences.csv": differences.to_csv(index=False).encode("utf-8"),
        "assessment.xlsx": sheets.getvalue(),
    }


def write_year_tables(contents: dict[str, bytes], folder: Path) -> None:
    """The year's tables, all renamed into place together when every one is written."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".tables-") as tmp:
        for name in FILES:
            (Path(tmp) / name).write_bytes(contents[name])
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            os.replace(Path(tmp) / name, folder / name)
