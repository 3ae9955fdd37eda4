"""The status sentences for each target, generated from its assessment.

Every word comes from the text catalogue of the report language (text/da.yaml, text/en.yaml);
numbers are formatted by Babel (formatting.py). Nothing here decides a status: it only puts
the assessment's columns into words.
"""

from __future__ import annotations

import pandas as pd

from . import formatting as fmt
from .textcatalog import text

GOOD = ("achieved", "on_track", "maintained")
BEHIND = ("needs_acceleration", "limited_progress")
BAD = ("deterioration", "not_achieved", "worsened")
UNKNOWN = ("insufficient_data",)


def capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def amount(target, difference: float, lang: str = "da") -> str:
    """A distance in the target's unit: '3 procentpoint' or '54 borgere' / '1 citizen'."""
    if target.unit == "percent":
        shown = fmt.number(abs(difference), lang, decimals=0 if abs(difference) >= 0.95 else 1)
        return f"{shown} {text('units.points_one' if shown == '1' else 'units.points_other', lang)}"
    n = int(round(abs(difference)))
    return f"{fmt.number(n, lang)} {text('units.persons_one' if n == 1 else 'units.persons_other', lang)}"


def _value(target, value, lang):
    return fmt.value(value, target.unit, lang)


def change_sentence(strategy, target, row, lang: str = "da") -> str:
    """'Andelen ... er steget fra 41 % i 2015 til 44 % i 2017 (95 %-konfidensinterval 43-45 %).'"""
    baseline, value = _value(target, target.baseline_value, lang), _value(target, row["value"], lang)
    if value == baseline:
        key = "change_same"
    else:
        key = "change_up" if row["value"] > target.baseline_value else "change_down"
    sentence = capitalise(text(f"narrative.{key}", lang, measure=target.measure(lang), baseline=baseline,
                               baseline_year=target.baseline_year, value=value, year=int(row["measured_year"])))
    if fmt.missing(row["ci_low"]):
        return sentence + text("narrative.no_interval", lang)
    confidence = fmt.number(100 * strategy.settings["confidence"], lang)
    return sentence + text("narrative.interval", lang, confidence=confidence,
                           interval=fmt.interval(row["ci_low"], row["ci_high"], target.unit, lang))


def target_sentence(target, lang: str = "da") -> str:
    return text(f"narrative.target_{target.kind}", lang, target_year=target.target_year,
                target=_value(target, target.target_value, lang))


def quality_sentence(row, lang: str = "da") -> str:
    """Why a year is insufficient_data, from the `data_quality` codes ('rule:found<limit;...')."""
    parts = []
    for code in str(row["data_quality"]).split(";"):
        rule, _, detail = code.partition(":")
        found, limit = detail, ""
        for sep in ("<", ">"):
            if sep in detail:
                found, limit = detail.split(sep, 1)
        if rule in ("min_contact_rate", "max_unknown_share"):
            found = fmt.percent(100 * float(found), lang)
            limit = fmt.percent(100 * float(limit), lang)
        parts.append(text(f"narrative.quality_{rule}", lang, found=found, limit=limit))
    return f"{text('narrative.quality_prefix', lang, year=int(row['year']))} {'; '.join(parts)}."


def status_sentence(target, row, lang: str = "da") -> str:
    status = row["status"]
    if status in ("on_track", "needs_acceleration", "limited_progress"):
        return text(f"narrative.status_{status}", lang, ratio=fmt.percent(100 * row["progress_ratio"], lang))
    if status == "not_achieved":
        return text("narrative.status_not_achieved", lang, gap=amount(target, target.target_value - row["value"], lang))
    if status == "worsened":
        return text("narrative.status_worsened", lang, gap=amount(target, target.baseline_value - row["value"], lang),
                    baseline_year=target.baseline_year)
    if status == "maintained":
        better = row["value"] > target.baseline_value if target.higher_is_better else row["value"] < target.baseline_value
        key = "status_maintained_better" if (row["change_significant"] is True and better) else "status_maintained"
        return text(f"narrative.{key}", lang, baseline_year=target.baseline_year)
    if status == "insufficient_data":
        return quality_sentence(row, lang)
    return text(f"narrative.status_{status}", lang)


def target_narrative(strategy, target, row, lang: str = "da") -> str:
    """The status paragraph for one target: change with interval, target, and what it means."""
    fmt.check_lang(lang)
    if str(row["data_quality"]).startswith("baseline_year"):
        return " ".join([text("narrative.baseline_year", lang, year=target.baseline_year, measure=target.measure(lang),
                              baseline=_value(target, target.baseline_value, lang)), target_sentence(target, lang)])
    if fmt.missing(row["measured_year"]):
        return " ".join([
            capitalise(text("narrative.no_measurement", lang, measure=target.measure(lang), baseline_year=target.baseline_year,
                            baseline=_value(target, target.baseline_value, lang), year=int(row["year"]))),
            target_sentence(target, lang),
        ])
    return " ".join([change_sentence(strategy, target, row, lang), target_sentence(target, lang), status_sentence(target, row, lang)])


def trend_sentence(row, indicator_years: list[int], lang: str = "da") -> str:
    """One sentence on the trend test over the measured years up to the report year."""
    direction = row["trend"]
    years = sorted(y for y in indicator_years if y <= int(row["year"]))
    if direction == "cannot_calculate":
        from .stats import MIN_TREND_POINTS
        return text("narrative.trend_cannot_calculate", lang, n=len(years), min=MIN_TREND_POINTS)
    return text(f"narrative.trend_{direction}", lang, n=len(years), first=years[0], last=years[-1])


def projection_sentence(target, row, lang: str = "da") -> str:
    """One sentence on where the weighted projection puts the target year."""
    if fmt.missing(row["projected_value"]):
        return text("narrative.projection_none", lang)
    projected = _value(target, row["projected_value"], lang)
    goal = _value(target, target.target_value, lang)
    if projected == goal:
        position = text("narrative.projection_at", lang)
    elif row["projected_value"] > target.target_value:
        position = text("narrative.projection_above", lang, target=goal)
    else:
        position = text("narrative.projection_below", lang, target=goal)
    interval = ""
    if not fmt.missing(row["projected_low"]):
        low, high = row["projected_low"], row["projected_high"]
        if target.unit == "percent":
            low, high = max(low, 0.0), min(high, 100.0)
        interval = text("narrative.projection_interval", lang, interval=fmt.interval(low, high, target.unit, lang))
    return text("narrative.projection", lang, measure_lc=target.measure(lang), projected=projected,
                target_year=target.target_year, interval=interval, position=position)


def summary_sentence(assessment: pd.DataFrame, year: int, lang: str = "da") -> str:
    """'I 2017 er 10 mål opgjort: 5 er nået, på rette vej eller fastholdt; 3 kræver ...'."""
    quality = assessment["data_quality"] if "data_quality" in assessment else pd.Series("", index=assessment.index)
    if len(assessment) and quality.astype(str).str.startswith("baseline_year").all():
        return text("narrative.summary_baseline", lang, year=year, next=year + 1)
    counts = assessment["status"].value_counts()
    parts = []
    for key, statuses in (("good", GOOD), ("behind", BEHIND), ("bad", BAD), ("unknown", UNKNOWN)):
        n = int(sum(counts.get(s, 0) for s in statuses))
        if n:
            parts.append(text(f"narrative.summary_{key}", lang, n=n))
    return f"{text('narrative.summary', lang, year=year, total=len(assessment))} {'; '.join(parts)}."
