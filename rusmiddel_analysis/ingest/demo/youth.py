"""The demo's youth-education survey (`ungeprofil_ungdom`): students' answers as SPSS files, and its mapping. NOT real data.

Every other year's students are drawn around the profile's truth (`ungdom`): their institution
(each with its own effect), education, gender and age, how often they drink and whether they have
tried hash or other drugs (draws.py). The export is an SPSS file per year with numeric codes, value
labels and user-missing codes, as the survey's system writes it; MAPPING reads it. The export's
variable names are MAPPING's (EXPORT) and its words the value labels', so each is written in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.demo.draws import answers, inverted, yes

EDUCATION_CODES = {"stx": 1, "hhx": 2, "htx": 3, "hf": 4, "eud": 5, "sosu": 6, "other": 7}
EDUCATION_LABELS: dict[int | float, str] = {1: "STX", 2: "HHX", 3: "HTX", 4: "HF", 5: "EUD", 6: "SOSU", 7: "Anden uddannelse"}
FREQ_CODES = {"never": 1, "less_than_monthly": 2, "monthly": 3, "weekly": 4, "several_times_weekly": 5, "daily": 6}
FREQ_LABELS: dict[int | float, str] = {
    1: "Aldrig",
    2: "Sjældnere end en gang om måneden",
    3: "En gang om måneden",
    4: "Hver uge",
    5: "Flere gange om ugen",
    6: "Dagligt",
    8: "Ved ikke",
    9: "Ønsker ikke at svare",
}
YES_NO_CODES = {True: 1, False: 2}
YES_NO_LABELS: dict[int | float, str] = {1: "Ja", 2: "Nej", 8: "Ved ikke", 9: "Ønsker ikke at svare"}
GENDER_CODES = {"male": 1, "female": 2, "other": 3}
GENDER_LABELS: dict[int | float, str] = {1: "Mand", 2: "Kvinde", 3: "Andet", 9: "Ønsker ikke at svare"}


def _words(codes: dict, labels: dict) -> dict:
    """The mapping's recoding of an SPSS variable: each value label to the canonical value its code stands for."""
    return {labels[code]: canonical for canonical, code in codes.items()}


MAPPING: dict[str, Any] = {
    "columns": {
        "resp_id": "respondent_id",
        "aar": "year",
        "institution": "institution",
        "uddannelse": "education_type",
        "koen": "gender",
        "alder": "age",
        "alk_hyppighed": "alcohol_frequency",
        "hash": "hash_ever",
        "andre_stoffer": "other_drugs_ever",
    },
    "values": {
        "education_type": _words(EDUCATION_CODES, EDUCATION_LABELS),
        "gender": _words(GENDER_CODES, GENDER_LABELS),
        "alcohol_frequency": _words(FREQ_CODES, FREQ_LABELS),
        "hash_ever": _words(YES_NO_CODES, YES_NO_LABELS),
        "other_drugs_ever": _words(YES_NO_CODES, YES_NO_LABELS),
    },
}
# canonical column -> the export's variable name
EXPORT = inverted(MAPPING["columns"])


def institutions(rng: np.random.Generator, cfg: dict, year: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each student's institution, education type and the institution's effect on the odds of trying
    hash: students spread over the institutions that took part in `year`, by their size."""
    present = [i for i in cfg["institutions"] if i.get("from_year", 0) <= year]
    sizes = np.array([i["size"] for i in present], dtype=float)
    chosen = rng.choice(len(present), size=n, p=sizes / sizes.sum())
    names = np.array([i["name"] for i in present])
    types = np.array([i["education_type"] for i in present])
    effects = np.array([np.exp(i["effect"]) for i in present])
    return names[chosen], types[chosen], effects[chosen]


def survey(rng: np.random.Generator, profile: dict, scale: float) -> dict[int, pd.DataFrame]:
    """Each survey year's export of the youth survey (numeric codes), `scale` times the profile's students."""
    cfg = profile["ungdom"]
    out = {}
    for year in cfg["survey_years"]:
        n = int(round(cfg["students_per_year"] * scale))
        institution, edu, effect = institutions(rng, cfg, year, n)
        age = np.clip(np.round(rng.normal(17.6, 1.3, size=n)), 15, 25).astype(int)
        gender = rng.choice([1, 2, 3], size=n, p=[0.48, 0.50, 0.02]).astype(float)
        gender[rng.random(n) < 0.01] = 9
        older = np.exp(0.35 * (age - 17.6)) * np.where(np.isin(edu, ["hhx", "eud"]), 1.3, 1.0) * effect
        # alcohol frequency: the profile's share not drinking regularly expected among those who answered
        missing = rng.random(n) < cfg["no_answer_rate"]
        not_regular = np.zeros(n, dtype=bool)
        not_regular[~missing] = yes(rng, 1 / older[~missing], cfg["share_not_regular"][year] / 100)
        freq = np.where(not_regular, rng.choice([1, 2, 3], size=n, p=[0.2, 0.35, 0.45]), rng.choice([4, 5, 6], size=n, p=[0.6, 0.35, 0.05])).astype(
            float
        )
        freq[missing] = rng.choice([8, 9], size=int(missing.sum()))
        frame = {
            EXPORT["respondent_id"]: [f"U{year % 100:02d}-{i:06d}" for i in rng.permutation(n) + 1],
            EXPORT["year"]: float(year),
            EXPORT["institution"]: institution,
            EXPORT["education_type"]: np.array([EDUCATION_CODES[t] for t in edu], dtype=float),
            EXPORT["gender"]: gender,
            EXPORT["age"]: age.astype(float),
            EXPORT["alcohol_frequency"]: freq,
        }
        for item in ("hash_ever", "other_drugs_ever"):
            values = answers(rng, n, 100 - cfg["share_not"][item][year], older, cfg["no_answer_rate"])
            codes = np.array([1.0 if v is True else 2.0 if v is False else 0.0 for v in values])
            codes[codes == 0] = rng.choice([8.0, 9.0], size=int((codes == 0).sum()))
            frame[EXPORT[item]] = codes
        out[year] = pd.DataFrame(frame)
    return out


def write(folder: Path, frames: dict[int, pd.DataFrame], file_label: str) -> int:
    """The survey as SPSS files into `folder`, one per year, with value labels and user-missing
    codes and `file_label` (the synthetic-data note); returns the rows written."""
    import pyreadstat

    for year, frame in frames.items():
        pyreadstat.write_sav(
            frame,
            str(folder / f"ungeprofil_ungdom_{year}.sav"),
            file_label=file_label,
            variable_value_labels={
                EXPORT["education_type"]: EDUCATION_LABELS,
                EXPORT["gender"]: GENDER_LABELS,
                EXPORT["alcohol_frequency"]: FREQ_LABELS,
                EXPORT["hash_ever"]: YES_NO_LABELS,
                EXPORT["other_drugs_ever"]: YES_NO_LABELS,
            },
            missing_ranges={
                EXPORT["gender"]: [9],
                EXPORT["alcohol_frequency"]: [8, 9],
                EXPORT["hash_ever"]: [8, 9],
                EXPORT["other_drugs_ever"]: [8, 9],
            },
            column_labels={
                EXPORT["alcohol_frequency"]: "Hvor ofte drikker du alkohol?",
                EXPORT["hash_ever"]: "Har du prøvet at ryge hash?",
                EXPORT["other_drugs_ever"]: "Har du prøvet andre stoffer end hash?",
            },
        )
    return sum(len(f) for f in frames.values())
