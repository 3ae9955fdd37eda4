"""The demo's treatment register (`behandling_forloeb`) and its follow-ups (`behandling_opfoelgning`), and their mappings. NOT real data.

Citizens start treatment each year as the profile says (`behandling`), some returning from earlier
years; each episode gets a substance, dates and, once ended, a status and a reason meeting the
profile's success shares exactly, as a register counts them. Completed episodes are followed up at
1, 6 and 12 months. The register is an Excel workbook and the follow-ups a semicolon-separated CSV,
both with Danish column names and words; REGISTER_MAPPING and FOLLOW_UP_MAPPING read them. The
exports' column names are the mappings' (REGISTER, FOLLOW_UP) and the mappings' words the inverse of
the words the exports use, so each is written in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rusmiddel_analysis.ingest.demo.draws import YES_NO, inverted

END_STATUS_WORDS = {
    "abstinent": "Stoffri/ædru",
    "reduced": "Reduceret forbrug",
    "unchanged": "Uændret forbrug",
    "increased": "Øget forbrug",
    "unknown": "Ukendt",
}
END_REASON_WORDS = {
    "completed": "Færdigbehandlet",
    "dropped_out": "Udeblevet/afbrudt",
    "transferred": "Overflyttet",
    "deceased": "Død",
    "other": "Andet",
}
SUBSTANCE_WORDS = {"alcohol": "Alkohol", "drugs": "Stoffer"}
GENDER_WORDS = {"male": "Mand", "female": "Kvinde", "other": "Andet"}
CALLER_WORDS = {"therapist": "Behandler", "administrative": "Administrativ medarbejder"}


REGISTER_MAPPING: dict[str, Any] = {
    "columns": {
        "Borger-ID (pseudonym)": "person_id",
        "Forløbs-ID": "episode_id",
        "Rusmiddel": "substance",
        "Startdato": "start_date",
        "Slutdato": "end_date",
        "Status ved afslutning": "end_status",
        "Afslutningsårsag": "end_reason",
        "Køn": "gender",
        "Fødselsår": "birth_year",
        "Nedsat psykisk funktionsevne": "psychiatric_disability",
        "Anden etnisk baggrund end dansk": "ethnic_minority",
    },
    "values": {
        "substance": inverted(SUBSTANCE_WORDS),
        "end_status": inverted(END_STATUS_WORDS),
        "end_reason": inverted(END_REASON_WORDS),
        "gender": inverted(GENDER_WORDS),
        "psychiatric_disability": inverted(YES_NO),
        "ethnic_minority": inverted(YES_NO),
    },
}
FOLLOW_UP_MAPPING: dict[str, Any] = {
    "read": {"sep": ";", "encoding": "utf-8-sig"},
    "columns": {
        "Forløbs-ID": "episode_id",
        "Opfølgning efter (mdr.)": "months",
        "Kontakt opnået": "contacted",
        "Kontaktet af": "contacted_by",
        "Status ved opfølgning": "status",
    },
    "values": {
        "contacted": inverted(YES_NO),
        "contacted_by": inverted(CALLER_WORDS),
        "status": inverted(END_STATUS_WORDS),
    },
}
# canonical column -> the export's name for it
REGISTER = inverted(REGISTER_MAPPING["columns"])
FOLLOW_UP = inverted(FOLLOW_UP_MAPPING["columns"])


def _new_person(rng: np.random.Generator) -> dict:
    """A new citizen's gender (as the register writes it), psychiatric disability, minority background and a hint of their age."""
    return {
        "gender": GENDER_WORDS["male"] if rng.random() < 0.68 else GENDER_WORDS["female"],
        "psych": rng.random() < 0.2,
        "minority": rng.random() < 0.1,
        "age_hint": rng.random(),
    }


def year_people(rng: np.random.Generator, persons: dict, n_persons: int, returning_share: float) -> np.ndarray:
    """The citizens starting treatment in a year: some returning from earlier years, the rest new."""
    earlier = list(persons)
    n_return = min(int(round(n_persons * returning_share)), len(earlier))
    returning = list(rng.choice(earlier, size=n_return, replace=False)) if n_return else []
    new = []
    for _ in range(n_persons - n_return):
        pid = rng.bytes(8).hex()
        persons[pid] = _new_person(rng)
        new.append(pid)
    people = np.array(returning + new)
    rng.shuffle(people)
    return people


def episodes(rng: np.random.Generator, cfg: dict, persons: dict) -> pd.DataFrame:
    """Every episode: who, which substance, when it started and (before the data's end) ended."""
    data_end = pd.Timestamp(cfg["data_end"])
    rows = []
    for year, n_persons in sorted(cfg["persons_starting"].items()):
        people = year_people(rng, persons, n_persons, cfg["returning_share"])
        n_both = int(round(n_persons * cfg["both_substances_share"]))
        n_alcohol = int(round((n_persons - n_both) * cfg["alcohol_share"]))
        for i, pid in enumerate(people):
            substances = ["alcohol", "drugs"] if i < n_both else ["alcohol"] if i < n_both + n_alcohol else ["drugs"]
            for substance in substances:
                start = pd.Timestamp(year, 1, 1) + pd.Timedelta(days=int(rng.integers(0, 365)))
                months = rng.gamma(2.0, 2.6 if substance == "alcohol" else 3.4)
                end = start + pd.Timedelta(days=int(30 + months * 30))
                person = persons[pid]
                if "birth_year" not in person:
                    mean_age = 46 if substance == "alcohol" else 31
                    person["birth_year"] = int(year - np.clip(round(mean_age + 11 * (person["age_hint"] - 0.5) * 2), 18, 80))
                rows.append({"person": pid, "substance": substance, "start": start, "end": end if end <= data_end else pd.NaT})
    return pd.DataFrame(rows)


REASONS_BY_STATUS = {
    "abstinent": (["completed", "transferred", "other"], [0.92, 0.05, 0.03]),
    "reduced": (["completed", "transferred", "other"], [0.92, 0.05, 0.03]),
    "unchanged": (["completed", "dropped_out", "transferred"], [0.45, 0.45, 0.10]),
    "increased": (["completed", "dropped_out", "transferred"], [0.45, 0.45, 0.10]),
    "unknown": (["dropped_out", "deceased", "other"], [0.80, 0.05, 0.15]),
}


def outcomes(rng: np.random.Generator, frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Status and reason at the end of each ended episode, meeting the profile's success shares exactly."""
    frame = frame.assign(status=None, reason=None)
    ended = frame["end"].notna()
    first_year = min(cfg["success_share"]["drugs"])
    for (substance, end_year), group in frame[ended].groupby([frame["substance"], frame["end"].dt.year]):
        shares = cfg["success_share"][substance]
        p = shares.get(end_year, shares[first_year])
        idx = rng.permutation(group.index.to_numpy())
        n_unknown = int(round(len(idx) * cfg["unknown_status_share"]))
        known = idx[n_unknown:]
        n_success = int(round(p / 100 * len(known)))
        frame.loc[idx[:n_unknown], "status"] = "unknown"
        frame.loc[known[:n_success], "status"] = rng.choice(["abstinent", "reduced"], size=n_success, p=[0.55, 0.45])
        frame.loc[known[n_success:], "status"] = rng.choice(["unchanged", "increased"], size=len(known) - n_success, p=[0.75, 0.25])
    frame.loc[ended, "reason"] = [rng.choice(REASONS_BY_STATUS[s][0], p=REASONS_BY_STATUS[s][1]) for s in frame.loc[ended, "status"]]
    frame = frame.sort_values("start", kind="stable").reset_index(drop=True)
    seq = frame.groupby(frame["start"].dt.year).cumcount() + 1
    frame["episode_id"] = [f"F-{y}-{s:05d}" for y, s in zip(frame["start"].dt.year, seq, strict=True)]
    return frame


def register_export(frame: pd.DataFrame, persons: dict) -> pd.DataFrame:
    """The episodes as the treatment register exports them: Danish column names and words."""
    return pd.DataFrame(
        {
            REGISTER["person_id"]: frame["person"],
            REGISTER["episode_id"]: frame["episode_id"],
            REGISTER["substance"]: frame["substance"].map(SUBSTANCE_WORDS),
            REGISTER["start_date"]: frame["start"].dt.date,
            REGISTER["end_date"]: frame["end"].dt.date.where(frame["end"].notna(), None),
            REGISTER["end_status"]: frame["status"].map(END_STATUS_WORDS),
            REGISTER["end_reason"]: frame["reason"].map(END_REASON_WORDS),
            REGISTER["gender"]: [persons[p]["gender"] for p in frame["person"]],
            REGISTER["birth_year"]: [persons[p]["birth_year"] for p in frame["person"]],
            REGISTER["psychiatric_disability"]: [YES_NO[persons[p]["psych"]] for p in frame["person"]],
            REGISTER["ethnic_minority"]: [YES_NO[persons[p]["minority"]] for p in frame["person"]],
        }
    )


def follow_ups(rng: np.random.Generator, frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Follow-up after completed treatment, at 1, 6 and 12 months, when that date has come."""
    data_end = pd.Timestamp(cfg["data_end"])
    first_year = min(cfg["success_share"]["drugs"])
    rows = []
    completed = frame[(frame["reason"] == "completed") & (frame["end"].dt.year >= first_year)]
    for _, ep in completed.iterrows():
        year = ep["end"].year
        for months in (1, 6, 12):
            if ep["end"] + pd.DateOffset(months=months) > data_end:
                continue
            contacted = rng.random() < cfg["follow_up_contact"][year]
            status = None
            if contacted:
                status = ep["status"] if rng.random() < 0.8 else rng.choice(["unchanged", "reduced"])
            rows.append(
                {
                    FOLLOW_UP["episode_id"]: ep["episode_id"],
                    FOLLOW_UP["months"]: months,
                    FOLLOW_UP["contacted"]: YES_NO[contacted],
                    FOLLOW_UP["contacted_by"]: CALLER_WORDS["therapist" if cfg["follow_up_caller"][year] == "therapist" else "administrative"],
                    FOLLOW_UP["status"]: END_STATUS_WORDS[status] if status else "",
                }
            )
    return pd.DataFrame(rows)


def treatment(rng: np.random.Generator, profile: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The treatment register's episodes and follow-ups (the draws in the same order as always, so a
    seed gives the same data)."""
    cfg = profile["behandling"]
    persons: dict[str, dict] = {}
    frame = outcomes(rng, episodes(rng, cfg, persons), cfg)
    return register_export(frame, persons), follow_ups(rng, frame, cfg)


def write_register(folder: Path, frame: pd.DataFrame) -> int:
    """The register's workbook into `folder`; returns the rows written."""
    frame.to_excel(folder / "behandlingsforloeb_2014-2019.xlsx", index=False, sheet_name="Forløb")
    return len(frame)


def write_follow_ups(folder: Path, frame: pd.DataFrame) -> int:
    """The follow-ups' CSV into `folder`; returns the rows written."""
    frame.to_csv(folder / "opfoelgning_2015-2019.csv", sep=";", index=False, encoding="utf-8-sig")
    return len(frame)
