"""The demo's school survey (`ungeprofil_skole`): pupils' answers and debut ages, and its mapping. NOT real data.

Each year's pupils are drawn around the profile's truth (`skole`): their grade, gender, school and
one risk propensity shared by the behaviours, then a yes/no answer per question (draws.py) and the
age at the first time for those who have tried. The export is a semicolon-separated CSV per year
with Danish column names and words; MAPPING reads it, and the export's column names are MAPPING's
(EXPORT), so a header is written in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.demo.draws import YES_NO, answers, cluster_effects, inverted

# the yes/no questions, in the export's (and the draws') order
ITEMS = ("alcohol_ever", "hash_ever", "other_drugs_ever", "parent_agreement", "smoking_ever")
MAPPING: dict[str, Any] = {
    "read": {"sep": ";", "encoding": "utf-8-sig"},
    "columns": {
        "Respondent-ID": "respondent_id",
        "År": "year",
        "Skole": "school",
        "Klassetrin": "grade",
        "Køn": "gender",
        "Prøvet alkohol": "alcohol_ever",
        "Prøvet hash": "hash_ever",
        "Prøvet andre stoffer": "other_drugs_ever",
        "Aftale med forældre om alkohol": "parent_agreement",
        "Prøvet at ryge": "smoking_ever",
        "Alder første gang: ryget": "smoking_debut_age",
        "Alder første gang: alkohol": "alcohol_debut_age",
        "Alder første gang: hash": "hash_debut_age",
    },
    "missing": ["Ved ikke", "Ønsker ikke at svare"],
    "values": {
        "grade": {f"{g}. klasse": g for g in range(6, 11)},
        "gender": {"Dreng": "male", "Pige": "female", "Andet": "other"},
        **{c: {"Ja": True, "Nej": False} for c in ITEMS},
    },
}
# canonical column -> the export's name for it
EXPORT = inverted(MAPPING["columns"])


def debut_column(item: str) -> str:
    """The canonical column of a behaviour's debut age: smoking_ever -> smoking_debut_age."""
    return item.removesuffix("_ever") + "_debut_age"


def survey(rng: np.random.Generator, profile: dict, scale: float) -> dict[int, pd.DataFrame]:
    """Each year's export of the school survey, `scale` times the profile's pupils."""
    cfg = profile["skole"]
    out = {}
    schools = np.array([f"Demoskole {i:02d}" for i in range(1, cfg["schools"] + 1)])
    sizes = rng.gamma(cfg["school_size_shape"], 1.0, size=len(schools))
    effects = {item: cluster_effects(rng, len(schools), sd) for item, sd in cfg["school_effect_sd"].items()}
    for year in profile["years"]:
        n = int(round(cfg["pupils_per_year"] * scale))
        mix = cfg["grade_mix"].get(year, cfg["grade_mix"]["default"])
        grade = rng.choice([6, 7, 8, 9, 10], size=n, p=np.array(mix) / sum(mix))
        gender = rng.choice(["Dreng", "Pige", "Andet"], size=n, p=[0.49, 0.49, 0.02])
        school = rng.choice(len(schools), size=n, p=sizes / sizes.sum())
        # one risk propensity per pupil, shared by the behaviours: they co-occur (docs/assumptions.md)
        propensity = rng.normal(0.0, 1.0, size=n)
        frame = {
            EXPORT["respondent_id"]: [f"S{year % 100:02d}-{i:06d}" for i in rng.permutation(n) + 1],
            EXPORT["year"]: year,
            EXPORT["school"]: schools[school],
            EXPORT["grade"]: [f"{g}. klasse" for g in grade],
            EXPORT["gender"]: gender,
        }
        for item in ITEMS:
            weights = np.exp(cfg["grade_gradient"][item] * (grade - 8) + cfg["propensity"][item] * propensity) * effects[item][school]
            if item in cfg["share_not"]:
                share_true = 100 - cfg["share_not"][item][year]
            else:
                share_true = cfg["share_yes"][item][year]
            values = answers(rng, n, share_true, weights, cfg["no_answer_rate"])
            # no answer arrives either as "Ved ikke" or as a blank cell, as in real exports
            blank = rng.random(n) < 0.5
            frame[EXPORT[item]] = [YES_NO[v] if v is not None else ("" if b else "Ved ikke") for v, b in zip(values, blank, strict=True)]
            if item in cfg["debut_age"]["years_before"]:
                frame[EXPORT[debut_column(item)]] = debut_ages(year, item, grade, propensity, values, cfg["debut_age"])
        out[year] = pd.DataFrame(frame)
    return out


def debut_ages(year: int, item: str, grade: np.ndarray, propensity: np.ndarray, tried: np.ndarray, cfg: dict) -> list[str]:
    """The export's age at the first time for the pupils who have tried (blank otherwise, and for a
    few who did not say), from a stream of its own so the other columns keep their values."""
    rng = np.random.default_rng([year, sum(map(ord, item))])
    age = grade + 6 + rng.integers(0, 2, len(grade))
    before = rng.poisson(np.clip(cfg["years_before"][item] - cfg["propensity"] * propensity, 0.2, None))
    debut = np.clip(age - before, 8, age)
    said = rng.random(len(grade)) >= cfg["no_answer_rate"]
    return [str(int(d)) if t and s else "" for d, t, s in zip(debut, tried, said, strict=True)]


def write(folder: Path, frames: dict[int, pd.DataFrame]) -> int:
    """The survey's CSV per year into `folder`; returns the rows written."""
    for year, frame in frames.items():
        frame.to_csv(folder / f"ungeprofil_skole_{year}.csv", sep=";", index=False, encoding="utf-8-sig")
    return sum(len(f) for f in frames.values())
