"""Synthetic comparators for the demo: figures for other areas, as the country and the region publish them. NOT real data.

The figures are the demo profile's (`sammenligning.figures`; for another strategy file calibrate.py
derives them from its targets). Each area publishes as its `areas` entry says: a share with the
answers behind it (numerator and denominator), a share with its own interval (the normal interval
of its answers and design effect, as a survey report prints it), a count with its number, or a bare
figure. The export is a semicolon-separated CSV with Danish column names and decimal commas, as a
spreadsheet of figures copied from the national reports would be; MAPPING reads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = {
    "target_id": "Mål",
    "area": "Område",
    "year": "År",
    "value": "Værdi",
    "numerator": "Tæller",
    "denominator": "Nævner",
    "ci_low": "Nedre grænse",
    "ci_high": "Øvre grænse",
}
NOTE = "Note"  # the export's own column saying the figures are invented (dropped by the mapping)
MAPPING = {
    "read": {"sep": ";", "encoding": "utf-8-sig", "decimal": ","},
    "columns": {export: canonical for canonical, export in COLUMNS.items()},
    "drop": [NOTE],
}


def _share_row(value: float, area: dict, z: float) -> dict:
    """A share as the area publishes it: with its answers (`counts`), its own interval (`given`) or bare."""
    how = area["share_interval"]
    if how == "counts":
        numerator = int(round(value / 100 * area["answers"]))
        return {"value": round(100 * numerator / area["answers"], 1), "numerator": numerator, "denominator": area["answers"]}
    if how == "given":
        half = z * np.sqrt(area["design_effect"] * value * (100 - value) / area["answers"])
        return {"value": value, "ci_low": round(max(value - half, 0.0), 1), "ci_high": round(min(value + half, 100.0), 1)}
    return {"value": value}


def _count_row(value: float, area: dict) -> dict:
    """A count as the area publishes it: with its number (a Poisson interval follows) or bare."""
    value = int(round(value))
    return {"value": value, "numerator": value} if area["count_interval"] == "counts" else {"value": value}


def comparator_export(profile: dict, strategy, note: str) -> pd.DataFrame:
    """The profile's comparator figures for `strategy`'s targets as the demo's export (module docstring)."""
    block = profile["sammenligning"]
    units = {t.id: t.unit for t in strategy.targets}
    rows = []
    for area_name, figures in block["figures"].items():
        area = block["areas"][area_name]
        for target_id, by_year in figures.items():
            if target_id not in units:
                continue
            for year, value in sorted(by_year.items()):
                shown = _share_row(float(value), area, block["z"]) if units[target_id] == "percent" else _count_row(value, area)
                rows.append({"target_id": target_id, "area": area_name, "year": int(year), **shown})
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)
    numbers = ["Værdi", "Nedre grænse", "Øvre grænse"]
    frame[numbers] = frame[numbers].map(lambda v: "" if pd.isna(v) else f"{v:g}".replace(".", ","))
    for column in ("Tæller", "Nævner"):
        frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else str(int(v)))
    return frame.assign(**{NOTE: note})
