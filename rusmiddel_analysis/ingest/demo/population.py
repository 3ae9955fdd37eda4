"""The demo's population (`befolkning`): adult residents by year, shaped like Statistics Denmark's FOLK1A. NOT real data.

The profile's `befolkning` figures as a semicolon-separated CSV with FOLK1A's own column names;
MAPPING reads it, and the export's column names are MAPPING's (EXPORT), so each is written once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rusmiddel_analysis.ingest.demo.draws import inverted

MAPPING: dict[str, Any] = {
    "read": {"sep": ";", "encoding": "utf-8-sig"},
    "columns": {"TID": "year", "INDHOLD": "residents"},
}
# canonical column -> the export's name for it
EXPORT = inverted(MAPPING["columns"])


def write(folder: Path, profile: dict) -> int:
    """The profile's residents by year as FOLK1A's CSV into `folder`; returns the rows written."""
    population = pd.DataFrame({EXPORT["year"]: list(profile["befolkning"]), EXPORT["residents"]: list(profile["befolkning"].values())})
    population.to_csv(folder / "folk1a_18plus.csv", sep=";", index=False, encoding="utf-8-sig")
    return len(population)
