"""'Sådan har vi regnet': the five choices that decide a status, in plain words for a committee
member, each with an example from an assessment table (the year's own in a report's appendix,
every published year's on the page of that name). The methodology has the formulas."""

from __future__ import annotations

import pandas as pd

from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import narrative
from rusmiddel_analysis.present.textcatalog import setting_values, text

# the five choices that decide a status, in the order a committee member meets them, and which
# assessment rows make a good example of each
HOW_SECTIONS = {
    "measurement": {"status": ("achieved", "not_achieved"), "certainty": "certain"},
    "register": {"certainty": "exact", "status": ("achieved", "not_achieved", "on_track", "needs_acceleration")},
    "certainty": {"certainty": "uncertain"},
    "path": {"status": ("on_track", "needs_acceleration", "limited_progress"), "source_kind": "survey"},
    "margin": {"kind": "maintain", "status": ("maintained", "worsened")},
}


def example(strategy, table: pd.DataFrame, lang: str, used: set | None = None, **wanted) -> str:
    """The status sentence of the first row of `table` that has every `wanted` column value, or '';
    a target in `used` only when no other fits (each choice gets its own example where it can), and
    the chosen target is added to `used`."""
    rows = table
    for column, value in wanted.items():
        rows = rows[rows[column].isin(value if isinstance(value, tuple) else (value,))] if column in rows else rows.iloc[0:0]
    if rows.empty:
        return ""
    used = set() if used is None else used
    fresh = rows[~rows["target_id"].isin(used)]
    row = (fresh if len(fresh) else rows).iloc[0]
    used.add(row["target_id"])
    target = strategy.target(row["target_id"])
    return f"{target.short_name(lang)}, {int(row['year'])}: {narrative.status_sentence(target, row, lang)}"


def how_sections(strategy, table: pd.DataFrame, lang: str) -> list[dict]:
    """The five choices as {heading, paragraphs, example}, the examples from `table` (assessment rows)."""
    values = {**setting_values(strategy.settings, lang), "margin": fmt.number(strategy.settings.maintain_margin_points, lang)}
    used: set = set()
    return [
        {
            "heading": text(f"how.{key}_heading", lang),
            "paragraphs": [text(f"how.{key}", lang, **values)],
            "example": example(strategy, table, lang, used, **wanted),
        }
        for key, wanted in HOW_SECTIONS.items()
    ]
