"""Numbers as a report reader sees them, formatted by Babel for the report language.

Danish: decimal comma, "41 %", thousands separator "."; English: "41%", "1,234".
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from babel.numbers import format_decimal

LOCALES = {"da": "da_DK", "en": "en_GB"}
# the one mark of a number disclosure control hid, in every table and language (its reason is never shown)
HIDDEN = "–"


def missing(value) -> bool:
    """True for None, NaN and pandas' NA: a value not to be shown."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def check_lang(lang: str) -> str:
    if lang not in LOCALES:
        raise ValueError(f"unknown language '{lang}'; valid: {', '.join(LOCALES)}")
    return lang


def number(value: float, lang: str = "da", decimals: int = 0) -> str:
    """A plain number with the locale's separators, e.g. 1.234 (da) or 1,234 (en)."""
    if missing(value):
        return HIDDEN
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[check_lang(lang)])


def level(fraction: float, lang: str = "da") -> str:
    """A confidence level as the number before its percent sign: 0.95 -> '95', 0.998 -> '99,8' (da)."""
    value = round(100 * float(fraction), 6)
    return number(value, lang, 0 if value.is_integer() else len(f"{value:g}".split(".")[1]))


def date(day, lang: str = "da") -> str:
    """A date as a letter says it: '2. december 2026' (da), '2 December 2026' (en); `day` may be
    an ISO string as the manifest keeps it; a missing date is '–'."""
    from babel.dates import format_date

    if day is None or day == "":
        return HIDDEN
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return format_date(day, format="long", locale=LOCALES[check_lang(lang)])


def percent(value: float, lang: str = "da", decimals: int = 0) -> str:
    """A value already on the 0-100 scale, as '41 %' (da) or '41%' (en)."""
    if missing(value):
        return HIDDEN
    text = number(value, lang, decimals)
    return f"{text}\u00a0%" if lang == "da" else f"{text}%"


def share(value: float, lang: str = "da") -> str:
    """A share as the high-risk page shows it: whole percent, with a decimal under 1 % so that a
    small share is not shown as '0 %' ('0,4 %')."""
    return percent(value, lang, 1 if not missing(value) and 0 < value < 1 else 0)


def p_value(p: float, lang: str = "da") -> str:
    """A p-value as a reader sees it: 'p = 0,043', and 'p < 0,001' rather than a misleading 'p = 0,000'."""
    if missing(p):
        return HIDDEN
    if p < 0.001:
        return f"p < {number(0.001, lang, 3)}"
    return f"p = {number(p, lang, 3)}"


def value(value: float, unit: str, lang: str = "da", decimals: int = 0) -> str:
    """A target value in its own unit: percent or persons."""
    return percent(value, lang, decimals) if unit == "percent" else number(value, lang, decimals)


def interval(low: float, high: float, unit: str, lang: str = "da", decimals: int = 0) -> str:
    """An interval as '44-46 %' (da) or '44-46%' (en); persons as '580-640'.

    A narrow share interval that would round to one number ('95-95 %') gets a decimal ('94,5-95,4 %').
    """
    if missing(low) or missing(high):
        return HIDDEN
    while unit == "percent" and decimals < 2 and number(low, lang, decimals) == number(high, lang, decimals) and low != high:
        decimals += 1
    text = f"{number(low, lang, decimals)}-{number(high, lang, decimals)}"
    if unit != "percent":
        return text
    return f"{text}\u00a0%" if lang == "da" else f"{text}%"
