"""Synthetic demo data, shaped like real Danish exports. NOT real data.

`write_demo_data` writes the six sources for 2015-2019 into a raw folder the way they
arrive from the municipality's systems: Danish column names and answer words, a
semicolon-separated CSV from the school survey, SPSS files with value labels and
user-missing codes from the youth-education survey, an Excel workbook from the treatment
register, a CSV of follow-up contacts, a population table shaped like Statistics
Denmark's FOLK1A and a table of the country's and the region's figures to compare with
(comparators.py), each with the `mapping.yaml` that maps it to the canonical format. It also
copies the 2017 qualitative status.

The synthetic truth lives in `profile.yaml`: in 2015 the strategy's baselines (611 persons
start treatment), later years a mix of outcomes. Survey answers are drawn one by one around that
truth, as a sample is: each pupil's odds of a "yes" carry their grade, their risk propensity and
their school's effect (calibrated in docs/assumptions.md), with an intercept set so that the
profile's share is the expected one; so each year's share varies around the truth by sampling
(2015's lies within sampling error of the baseline). The treatment register's counts and success
shares are the profile's, as a register counts them. `--scale` multiplies the survey sizes (not the
treatment register, whose size is the municipality's).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rusmiddel_analysis.config.files import load_yaml
from rusmiddel_analysis.config.paths import DEMO
from rusmiddel_analysis.config.strategy import load_strategy
from rusmiddel_analysis.ingest.demo import comparators, school, youth
from rusmiddel_analysis.ingest.demo.calibrate import profile_for
from rusmiddel_analysis.ingest.demo.draws import YES_NO
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.ingest.status_text import DOCUMENT_SECTIONS

PROFILE = DEMO / "profile.yaml"
STATUS_2017 = DEMO / "status_2017.md"
# the packaged strategy's demo status files by year: the midterm status and the final evaluation
STATUS_FILES = {2017: STATUS_2017, 2019: DEMO / "status_2019.md"}
SYNTHETIC_NOTE = "SYNTETISKE DEMODATA – ikke rigtige data / SYNTHETIC DEMO DATA – not real data"


def load_profile() -> dict:
    return load_yaml(PROFILE.read_text(encoding="utf-8"))


def raw_dir_has_data(raw_dir: Path) -> bool:
    """True when any source folder already holds an export (demo data must never overwrite one)."""
    return any((raw_dir / s).is_dir() and any(p.is_file() and p.name != "mapping.yaml" for p in (raw_dir / s).iterdir()) for s in SOURCES)


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


def _new_person(rng) -> dict:
    return {
        "gender": "Mand" if rng.random() < 0.68 else "Kvinde",
        "psych": rng.random() < 0.2,
        "minority": rng.random() < 0.1,
        "age_hint": rng.random(),
    }


def _year_people(rng, persons: dict, n_persons: int, returning_share: float) -> np.ndarray:
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


def _episodes(rng, cfg: dict, persons: dict) -> pd.DataFrame:
    """Every episode: who, which substance, when it started and (before the data's end) ended."""
    data_end = pd.Timestamp(cfg["data_end"])
    episodes = []
    for year, n_persons in sorted(cfg["persons_starting"].items()):
        people = _year_people(rng, persons, n_persons, cfg["returning_share"])
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
                episodes.append({"person": pid, "substance": substance, "start": start, "end": end if end <= data_end else pd.NaT})
    return pd.DataFrame(episodes)


REASONS_BY_STATUS = {
    "abstinent": (["completed", "transferred", "other"], [0.92, 0.05, 0.03]),
    "reduced": (["completed", "transferred", "other"], [0.92, 0.05, 0.03]),
    "unchanged": (["completed", "dropped_out", "transferred"], [0.45, 0.45, 0.10]),
    "increased": (["completed", "dropped_out", "transferred"], [0.45, 0.45, 0.10]),
    "unknown": (["dropped_out", "deceased", "other"], [0.80, 0.05, 0.15]),
}


def _outcomes(rng, frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
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


def _register_export(frame: pd.DataFrame, persons: dict) -> pd.DataFrame:
    """The episodes as the treatment register exports them: Danish column names and words."""
    return pd.DataFrame(
        {
            "Borger-ID (pseudonym)": frame["person"],
            "Forløbs-ID": frame["episode_id"],
            "Rusmiddel": frame["substance"].map({"alcohol": "Alkohol", "drugs": "Stoffer"}),
            "Startdato": frame["start"].dt.date,
            "Slutdato": frame["end"].dt.date.where(frame["end"].notna(), None),
            "Status ved afslutning": frame["status"].map(END_STATUS_WORDS),
            "Afslutningsårsag": frame["reason"].map(END_REASON_WORDS),
            "Køn": [persons[p]["gender"] for p in frame["person"]],
            "Fødselsår": [persons[p]["birth_year"] for p in frame["person"]],
            "Nedsat psykisk funktionsevne": [YES_NO[persons[p]["psych"]] for p in frame["person"]],
            "Anden etnisk baggrund end dansk": [YES_NO[persons[p]["minority"]] for p in frame["person"]],
        }
    )


def _follow_ups(rng, frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
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
                    "Forløbs-ID": ep["episode_id"],
                    "Opfølgning efter (mdr.)": months,
                    "Kontakt opnået": YES_NO[contacted],
                    "Kontaktet af": "Behandler" if cfg["follow_up_caller"][year] == "therapist" else "Administrativ medarbejder",
                    "Status ved opfølgning": END_STATUS_WORDS[status] if status else "",
                }
            )
    return pd.DataFrame(rows)


def _treatment(rng, profile: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The treatment register's episodes and follow-ups (the draws in the same order as always, so a
    seed gives the same data)."""
    cfg = profile["behandling"]
    persons: dict[str, dict] = {}
    frame = _outcomes(rng, _episodes(rng, cfg, persons), cfg)
    return _register_export(frame, persons), _follow_ups(rng, frame, cfg)


MAPPINGS = {
    "ungeprofil_skole": school.MAPPING,
    "ungeprofil_ungdom": youth.MAPPING,
    "behandling_forloeb": {
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
            "substance": {"Alkohol": "alcohol", "Stoffer": "drugs"},
            "end_status": {v: k for k, v in END_STATUS_WORDS.items()},
            "end_reason": {v: k for k, v in END_REASON_WORDS.items()},
            "gender": {"Mand": "male", "Kvinde": "female", "Andet": "other"},
            "psychiatric_disability": {"Ja": True, "Nej": False},
            "ethnic_minority": {"Ja": True, "Nej": False},
        },
    },
    "befolkning": {
        "read": {"sep": ";", "encoding": "utf-8-sig"},
        "columns": {"TID": "year", "INDHOLD": "residents"},
    },
    "sammenligning": comparators.MAPPING,
    "behandling_opfoelgning": {
        "read": {"sep": ";", "encoding": "utf-8-sig"},
        "columns": {
            "Forløbs-ID": "episode_id",
            "Opfølgning efter (mdr.)": "months",
            "Kontakt opnået": "contacted",
            "Kontaktet af": "contacted_by",
            "Status ved opfølgning": "status",
        },
        "values": {
            "contacted": {"Ja": True, "Nej": False},
            "contacted_by": {"Behandler": "therapist", "Administrativ medarbejder": "administrative"},
            "status": {v: k for k, v in END_STATUS_WORDS.items()},
        },
    },
}


def _write_mapping(folder: Path, source: str) -> None:
    header = f"# {SYNTHETIC_NOTE}\n# Maps this export's own column names and words to the canonical format (docs/data-formats.md).\n"
    folder.joinpath("mapping.yaml").write_text(header + yaml.safe_dump(MAPPINGS[source], allow_unicode=True, sort_keys=False), encoding="utf-8")


def _write_status(folder: Path, strategy, own_text: bool) -> None:
    """The packaged strategy's midterm status (structured from the one the committee got) and a
    final evaluation written for the demo; for another strategy a template with its own headings
    and the document's sections (resumé, next steps, conclusion), never another strategy's text."""
    folder.mkdir(exist_ok=True)
    if own_text:
        for year, path in STATUS_FILES.items():
            if not (folder / f"{year}.md").exists():
                shutil.copy(path, folder / f"{year}.md")
        return
    lines = ["<!-- Kopiér til <år>.md og skriv status under hver overskrift. / Copy to <year>.md and write beneath each heading. -->", ""]
    lines += [line for headings in DOCUMENT_SECTIONS.values() for line in (f"# {headings[0]}", "")]
    for effort in strategy.core_efforts:
        lines += [f"# {effort.name('da')}", ""]
        lines += [line for f in strategy.focus_areas if f.core_effort == effort.id for line in (f"## {f.name('da')}", "")]
    (folder / "TEMPLATE.md").write_text("\n".join(lines), encoding="utf-8")


def write_demo_data(raw_dir: str | Path, seed: int = 2016, scale: float = 1.0, strategy=None) -> dict[str, int]:
    """Write the six synthetic sources for `strategy`'s years (default: the packaged strategy) and
    its qualitative status into `raw_dir`; returns rows per source."""
    if scale <= 0:
        raise ValueError("--scale must be greater than 0")
    raw_dir = Path(raw_dir)
    if raw_dir_has_data(raw_dir):
        raise FileExistsError(f"{raw_dir} already holds exports; demo data never overwrites raw data (use another --raw folder)")
    rng = np.random.default_rng(seed)
    strategy = strategy or load_strategy()
    profile = profile_for(strategy, load_profile())
    counts = {}
    for source in MAPPINGS:
        (raw_dir / source).mkdir(parents=True, exist_ok=True)
        _write_mapping(raw_dir / source, source)

    counts["ungeprofil_skole"] = school.write(raw_dir / "ungeprofil_skole", school.survey(rng, profile, scale))

    counts["ungeprofil_ungdom"] = youth.write(raw_dir / "ungeprofil_ungdom", youth.survey(rng, profile, scale), SYNTHETIC_NOTE)

    episodes, follow_up = _treatment(rng, profile)
    episodes.to_excel(raw_dir / "behandling_forloeb" / "behandlingsforloeb_2014-2019.xlsx", index=False, sheet_name="Forløb")
    follow_up.to_csv(raw_dir / "behandling_opfoelgning" / "opfoelgning_2015-2019.csv", sep=";", index=False, encoding="utf-8-sig")
    counts["behandling_forloeb"] = len(episodes)
    counts["behandling_opfoelgning"] = len(follow_up)

    population = pd.DataFrame({"TID": list(profile["befolkning"]), "INDHOLD": list(profile["befolkning"].values())})
    population.to_csv(raw_dir / "befolkning" / "folk1a_18plus.csv", sep=";", index=False, encoding="utf-8-sig")
    counts["befolkning"] = len(population)

    figures = comparators.comparator_export(profile, strategy, SYNTHETIC_NOTE)
    first, last = strategy.years[0], strategy.years[-1]
    figures.to_csv(raw_dir / "sammenligning" / f"sammenligning_{first}-{last}.csv", sep=";", index=False, encoding="utf-8-sig")
    counts["sammenligning"] = len(figures)

    _write_status(raw_dir / "status", strategy, profile.get("strategy") == strategy.id)  # the tuned profile only
    (raw_dir / "DEMO_DATA_README.txt").write_text(
        f"{SYNTHETIC_NOTE}\nWritten by 'rusmiddel demo-data --seed {seed} --scale {scale:g}' on {dt.date.today().isoformat()}.\n"
        "Every person, pupil and number in these files is invented.\n",
        encoding="utf-8",
    )
    return counts


def is_demo(raw_or_processed_dir: str | Path) -> bool:
    """True when the data came from `rusmiddel demo-data` (reports then say so on every page)."""
    path = Path(raw_or_processed_dir)
    return (path / "DEMO_DATA_README.txt").exists() or (path / "DEMO_DATA").exists()
