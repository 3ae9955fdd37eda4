"""The comparison with other areas, as the pages say and show it.

calc/comparators.py computes every number: other areas' published figures with their intervals
(`comparators`) and, per target, area and report year, the difference in differences (`Difference`:
how much more the municipality moved than the area since the baseline year, with its interval).
This module only puts them into words and table rows, each row with the data behind it for the
privacy gate (published.py: `comparators` and `differences` cells). Every word comes from the text
catalogue (`comparators.*`); the municipality is named as the strategy file names it.

The sentence reads a difference in differences as what it is: the municipality's figure against the
figure it would have had, had it moved as the area did since the baseline year (for a share in
percentage points, for a count in percent: a ratio of ratios).
"""

from __future__ import annotations

import pandas as pd

from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.fragments import joined, show
from rusmiddel_analysis.present.narrative import capitalise, join_words
from rusmiddel_analysis.present.plots import area_label, area_words
from rusmiddel_analysis.present.statuses import group, shown_status
from rusmiddel_analysis.present.textcatalog import text

DECIMALS = 1  # a change and a difference, in percentage points or percent


def _number(value: float, lang: str) -> str:
    return fmt.number(abs(value), lang, DECIMALS)


def _zero(value: float, lang: str) -> bool:
    """Whether a change or a difference rounds to 0 as the page shows it."""
    return _number(value, lang) == fmt.number(0, lang, DECIMALS)


def amount(value: float, unit: str, lang: str = "da") -> str:
    """A change's size in its unit, without its sign: '8,0 procentpoint', '15,4 procent'."""
    return f"{_number(value, lang)} {text(f'comparators.unit.{unit}', lang)}"


def _direction(change: float, lang: str) -> str:
    return "same" if _zero(change, lang) else "up" if change > 0 else "down"


def _moved(change: float, place: str, unit: str, lang: str, after: float | None = None) -> str:
    """'steget 8,0 procentpoint i Aalborg Kommune', 'faldet 1,0 procentpoint i hele landet', 'uændret i ...';
    after a change the same way (`after`), without its verb: '7,8 procentpoint i hele landet'."""
    key = _direction(change, lang)
    if after is not None and key != "same" and key == _direction(after, lang):
        key = "also"
    return text(f"comparators.moved.{key}", lang, amount=amount(change, unit, lang), place=place)


def _interval_words(low: float, high: float, unit: str, lang: str) -> str:
    """The interval of a difference as its two ends say it: '3,3-5,2 procentpoint højere', '... lavere',
    or 'fra 2,5 procentpoint lavere til 2,9 procentpoint højere'."""
    values = dict(unit=text(f"comparators.unit.{unit}", lang))
    if low >= 0:
        return text("comparators.range.higher", lang, low=_number(low, lang), high=_number(high, lang), **values)
    if high <= 0:
        return text("comparators.range.lower", lang, low=_number(high, lang), high=_number(low, lang), **values)
    return text("comparators.range.across", lang, low=_number(low, lang), high=_number(high, lang), **values)


def difference_sentences(strategy, d, report_year: int, measured_year: int | None, lang: str = "da") -> list[str]:
    """What one comparison says, in short sentences: both changes since the baseline year, the
    municipality's figure against the one it would have had with the area's development (with its
    interval), whether that is more than chance, and when it is needed: that the area's figures are
    taken as exact, and that the comparison stops before the report year (national figures come late)."""
    municipality, area = strategy.municipality, area_words(d.area, lang)
    subject = text(f"comparators.subject.{d.unit}", lang)
    ours = _moved(d.municipality_change, municipality, d.unit, lang)
    theirs = _moved(d.comparator_change, area, d.unit, lang, after=d.municipality_change)
    sentences = [capitalise(text("comparators.changes", lang, first=d.baseline_year, last=d.year, subject=subject, ours=ours, theirs=theirs))]
    direction = "same" if _zero(d.difference, lang) else "higher" if d.difference > 0 else "lower"
    interval = _interval_words(d.low, d.high, d.unit, lang)
    confidence = fmt.level(d.confidence, lang)
    sentences.append(
        text(
            f"comparators.difference.{direction}.{d.unit}",
            lang,
            municipality=municipality,
            area=area,
            amount=amount(d.difference, d.unit, lang),
            confidence=confidence,
            interval=interval,
        )
    )
    sentences.append(text(f"comparators.chance.{'beyond' if d.excludes_zero else 'within'}", lang))
    if d.comparator_exact:
        sentences.append(text("comparators.exact", lang, area=area))
    if measured_year is not None and d.year < measured_year:
        sentences.append(text("comparators.area_late", lang, area=area, measured=measured_year, year=d.year))
    elif d.year < report_year:
        sentences.append(text("comparators.earlier", lang, municipality=municipality, area=area, year=d.year))
    return sentences


def difference_cell(d, report_year: int) -> dict:
    """The data behind a row that shows one difference in differences."""
    key = pub.key_of(pub.DIFFERENCES, target_id=d.target_id, area=d.area, report_year=report_year, year=d.year)
    return pub.cell(key, d, pub.DIFFERENCE_FIELDS)


def comparator_cell(row) -> dict:
    """The data behind a point or a cell that shows one area's published figure."""
    get = row.get if isinstance(row, dict | pd.Series) else lambda name: getattr(row, name)
    key = pub.key_of(pub.COMPARATORS, target_id=get("target_id"), area=get("area"), year=get("year"))
    return pub.cell(key, row, pub.COMPARATOR_FIELDS)


def difference_table(strategy, target, differences: pd.DataFrame, report_year: int, lang: str = "da"):
    """(headers, rows, cells, caption) of the table of a target's comparisons: per area the years, both
    changes with their sign, the difference and its interval (a row's texts carry their formatting
    calls: fragments.show)."""
    unit = differences["unit"].iloc[0]
    headers = [
        text("comparators.col_area", lang),
        text("comparators.col_years", lang),
        text("comparators.col_change_in", lang, place=strategy.municipality),
        text("comparators.col_change_area", lang),
        text("comparators.col_difference", lang),
        text("comparators.col_interval", lang, confidence=fmt.level(differences["confidence"].iloc[0], lang)),
    ]
    rows, cells = [], []
    for d in differences.itertuples():
        cell = difference_cell(d, report_year)
        changes = [show(cell, name, "signed", lang, unit=unit, decimals=DECIMALS) for name in pub.CHANGE_FIELDS]
        years = joined(show(cell, "baseline_year", "whole", lang), "-", show(cell, "year", "whole", lang))
        rows.append([area_label(d.area, lang), years, *changes, show(cell, ("low", "high"), "signed_interval", lang, unit=unit, decimals=DECIMALS)])
        cells.append(cell)
    caption = text(f"comparators.caption.{unit}", lang, baseline=target.baseline_year)
    return headers, rows, cells, caption


def figures_table(target, comparators: pd.DataFrame, lang: str = "da"):
    """(headers, rows, cells, caption) of the table of the other areas' figures year by year, each
    with its interval where it has one: the numbers of the trend plot's other lines."""
    areas = list(dict.fromkeys(comparators["area"]))
    years = sorted(int(y) for y in comparators["year"].unique())
    by_key = {(r.area, int(r.year)): r for r in comparators.itertuples()}
    decimals = DECIMALS if target.is_share else 0
    rows, cells = [], []
    for year in years:
        shown = [comparator_cell(r) if r is not None else None for r in (by_key.get((area, year)) for area in areas)]
        rows.append([str(year), *(_figure_text(c, target.unit, decimals, lang) for c in shown)])
        cells.append([c for c in shown if c is not None])
    headers = [text("report.col_year", lang), *(area_label(a, lang) for a in areas)]
    return headers, rows, cells, text("comparators.figures_caption", lang, first=years[0], last=years[-1])


def _figure_text(cell: dict | None, unit: str, decimals: int, lang: str) -> str:
    """An area's figure of a year as a cell shows it: the value, with its interval where it has one."""
    if cell is None:
        return fmt.HIDDEN
    value = show(cell, "value", "value", lang, unit=unit, decimals=decimals)
    if fmt.missing(cell["ci_low"]):
        return value
    return joined(value, " (", show(cell, ("ci_low", "ci_high"), "interval", lang, unit=unit, decimals=decimals), ")")


def intervals_note(comparators: pd.DataFrame, lang: str = "da") -> str:
    """How each area's intervals were had: 'Intervallerne: hele landet: Wilson-interval ud fra tæller og nævner; ...'."""
    parts = []
    for area, rows in comparators.groupby("area", sort=False):
        methods = join_words([text(f"comparators.interval.{m}", lang) for m in dict.fromkeys(rows["interval"])], lang)
        parts.append(text("comparators.interval_part", lang, area=area_label(area, lang), methods=methods))
    return text("comparators.intervals_note", lang, parts="; ".join(parts))


def favours(target, d) -> int:
    """+1 when the difference lies beyond chance on the side of the target's better direction (the
    municipality did better than the area), -1 on the other side, 0 when chance can explain it."""
    if not d.excludes_zero:
        return 0
    better = d.difference > 0 if target.higher_is_better else d.difference < 0
    return 1 if better else -1


def resume_sentence(strategy, assessment: pd.DataFrame, first_differences: dict, names: dict, lang: str = "da") -> str:
    """Where the comparison changes how a status reads, in one sentence listing the targets: a target
    that goes well (met, on track, maintained) while its first area developed as well or better,
    and a target behind or going badly that developed better than its area beyond chance. Each
    target is compared with the first of its areas (settings.comparators.areas orders them)."""
    parts: dict[tuple[str, str], list[str]] = {}
    for _, row in assessment.iterrows():
        d = first_differences.get(row["target_id"])
        if d is None:
            continue
        target, kind = strategy.target(row["target_id"]), group(shown_status(row["status"], row["data_quality"]))
        side = favours(target, d)
        if kind == "good" and side <= 0:
            parts.setdefault(("same", d.area), []).append(names[target.id])
        elif kind in ("behind", "bad") and side > 0:
            parts.setdefault(("ahead", d.area), []).append(names[target.id])
    if not parts:
        return ""
    said = []
    for (key, area), listed in parts.items():
        values = dict(targets=join_words(listed, lang), n=len(listed), area=area_words(area, lang), municipality=strategy.municipality)
        said.append(text(f"comparators.resume.{key}", lang, **values))
    return capitalise("; ".join(said)) + "."
