"""Numbers as a report reader sees them, formatted by Babel for the report language.

Danish: decimal comma, "41 %", thousands separator "."; English: "41%", "1,234".

The functions a table's numbers are shown with are named in FORMATS: a view declares which one made
each number it shows (fragments.show), and the privacy gate makes the same call with its own number
and compares the texts. What a number looks like in a text (`numbers_in`) comes from Babel's symbols
of the language too, so no separator is typed anywhere else.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache

import pandas as pd
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, get_plus_sign_symbol

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


def whole(value, lang: str = "da") -> str:
    """A whole number that names rather than measures (a year, months of follow-up): '2017', no
    separator in any language (`lang` is taken so that every function of FORMATS is called alike)."""
    return HIDDEN if missing(value) else str(int(value))


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


def fraction(value: float, lang: str = "da", decimals: int = 0) -> str:
    """A fraction (0-1) as a percent: 0.412 -> '41 %' (da), '41%' (en)."""
    return HIDDEN if missing(value) else percent(100 * value, lang, decimals)


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


def _plain(value: float, lang: str, decimals: int) -> float:
    """The value as the page rounds it, never '-0,0'."""
    return 0.0 if number(abs(value), lang, decimals) == number(0, lang, decimals) else float(value)


def signed(value: float, unit: str, lang: str = "da", decimals: int = 1) -> str:
    """A change with its sign: '+8,0', '-5,0' (points); '+15,4 %' (percent)."""
    if missing(value):
        return HIDDEN
    value = _plain(value, lang, decimals)
    shown = percent(value, lang, decimals) if unit == "percent" else number(value, lang, decimals)
    return f"+{shown}" if value > 0 else shown


def signed_interval(low: float, high: float, unit: str, lang: str = "da", decimals: int = 1) -> str:
    """An interval of a change: '-2,5 – 2,9' (an en dash between the ends, since an end may carry a
    minus); '-19,4 – 0,7 %' for percent."""
    if missing(low) or missing(high):
        return HIDDEN
    high_shown = (percent if unit == "percent" else number)(_plain(high, lang, decimals), lang, decimals)
    return f"{number(_plain(low, lang, decimals), lang, decimals)} – {high_shown}"


# the functions a table's numbers are shown with, by the name a declaration gives (published.Shown)
FORMATS = {f.__name__: f for f in (number, whole, percent, fraction, share, value, interval, signed, signed_interval)}


def formatted(name: str, values: list, lang: str, args: dict) -> str:
    """The text FORMATS[name] makes of `values` (in the order of the function's parameters) with `args`."""
    return FORMATS[name](*values, lang=lang, **args)


@cache
def _number_shape(lang: str) -> re.Pattern:
    """A number as Babel writes one in `lang`: digits, with the language's group and decimal symbols
    between digits, and a sign where it is no hyphen between two numbers ('44-46')."""
    locale = LOCALES[check_lang(lang)]
    inner = re.escape(get_group_symbol(locale) + get_decimal_symbol(locale))
    signs = re.escape(get_plus_sign_symbol(locale) + get_minus_sign_symbol(locale))
    return re.compile(rf"(?:(?<![\d{inner}])[{signs}])?\d(?:[\d{inner}]*\d)?")


def numbers_in(text: str, lang: str = "da") -> list[str]:
    """Every number in `text` as it is written ('+8,0', '1.234', '44'): what a reader would read as one."""
    return _number_shape(lang).findall(text)
