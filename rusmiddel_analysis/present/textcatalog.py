"""Everything a report reader sees, one catalogue per language (text/da.yaml, text/en.yaml).

`text("status.on_track", lang)` looks a key up; `{placeholders}` are filled from keyword
arguments. A missing key is an error, never a silent fallback to the key itself.
"""

from __future__ import annotations

from functools import cache

from rusmiddel_analysis.config.files import load_yaml
from rusmiddel_analysis.config.paths import TEXT
from rusmiddel_analysis.config.settings import StrategySettings
from rusmiddel_analysis.present.formatting import check_lang, level, number


@cache
def catalogue(lang: str) -> dict:
    """The flattened catalogue for a language: {"status.on_track": "..."}."""
    raw = load_yaml((TEXT / f"{check_lang(lang)}.yaml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node):
        if isinstance(node, dict):
            for key, child in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), child)
        else:
            flat[prefix] = node

    walk("", raw)
    return flat


def text(key: str, lang: str = "da", **values) -> str:
    entries = catalogue(lang)
    if key not in entries:
        raise KeyError(f"text catalogue '{lang}' has no entry '{key}'")
    entry = entries[key]
    return entry.format(**values) if values else entry


def group_label(by: str, value: str, lang: str = "da", source: str | None = None) -> str:
    """A breakdown's group as a reader names it: '8. klasse', 'piger', 'kvinder' (in the treatment
    register: adults), 'uoplyst'; other values (an age band, an institution's name) as they are."""
    if by == "grade" and value.isdigit():
        return text("report.grade_value", lang, grade=value)
    entries = catalogue(lang)
    return entries.get(f"report.group_values_by_source.{source}.{value}", entries.get(f"report.group_values.{value}", value))


def unit_label(source: str, lang: str = "da") -> str:
    """What a row of the source counts, as a column header: 'Elever med svar', 'Afsluttede forløb'."""
    return text(f"report.counted.{source}", lang)


def setting_values(settings: StrategySettings, lang: str = "da") -> dict:
    """The strategy's settings as the catalogue's sentences quote them: the confidence levels, the
    disclosure rules' sizes. So a page says "90 %-konfidensinterval" when the file sets 0.90."""
    disclosure = settings.disclosure
    return {
        "confidence": level(settings.confidence, lang),
        "level": level(settings.trend_confidence, lang),
        "min_cell": disclosure.min_cell,
        "small_max": disclosure.min_cell - 1,
        "min_group": disclosure.min_group_size,
        "round_sizes": disclosure.round_sizes,
        "large_group": number(disclosure.large_group, lang),
        "on_track": level(settings.progress_thresholds.on_track, lang),
        "slow": level(settings.progress_thresholds.needs_acceleration, lang),
        # the administration's margin for a level held: points of a share, percent of a count
        "margin": number(settings.maintain_margin_points, lang),
        "margin_relative": level(settings.maintain_margin_relative, lang),
    }
