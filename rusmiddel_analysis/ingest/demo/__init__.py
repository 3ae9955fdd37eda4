"""Synthetic demo data, shaped like real Danish exports. NOT real data.

`write_demo_data` writes the six sources for 2015-2019 into a raw folder the way they
arrive from the municipality's systems: Danish column names and answer words, a
semicolon-separated CSV from the school survey, SPSS files with value labels and
user-missing codes from the youth-education survey, an Excel workbook from the treatment
register, a CSV of follow-up contacts, a population table shaped like Statistics
Denmark's FOLK1A and a table of the country's and the region's figures to compare with
(comparators.py), each with the `mapping.yaml` that maps it to the canonical format. It also
copies the 2017 qualitative status.

One module per source, each drawing its export and holding the mapping that reads it (the export's
column names are taken from the mapping, so a header is written once): school.py, youth.py,
treatment.py (the register and its follow-ups), population.py and comparators.py; draws.py holds
the surveys' shared draws. This module writes them, their mappings and the status files.

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
import yaml

from rusmiddel_analysis.config.files import load_yaml
from rusmiddel_analysis.config.paths import DEMO
from rusmiddel_analysis.config.strategy import load_strategy
from rusmiddel_analysis.ingest.demo import comparators, population, school, treatment, youth
from rusmiddel_analysis.ingest.demo.calibrate import profile_for
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.ingest.status_text import DOCUMENT_SECTIONS

PROFILE = DEMO / "profile.yaml"
STATUS_2017 = DEMO / "status_2017.md"
# the packaged strategy's demo status files by year: the midterm status and the final evaluation
STATUS_FILES = {2017: STATUS_2017, 2019: DEMO / "status_2019.md"}
SYNTHETIC_NOTE = "SYNTETISKE DEMODATA – ikke rigtige data / SYNTHETIC DEMO DATA – not real data"


def load_profile() -> dict:
    """The packaged strategy's synthetic truth (profile.yaml)."""
    return load_yaml(PROFILE.read_text(encoding="utf-8"))


def raw_dir_has_data(raw_dir: Path) -> bool:
    """True when any source folder already holds an export (demo data must never overwrite one)."""
    return any((raw_dir / s).is_dir() and any(p.is_file() and p.name != "mapping.yaml" for p in (raw_dir / s).iterdir()) for s in SOURCES)


# each source's mapping.yaml, in the order the folders are written
MAPPINGS = {
    "ungeprofil_skole": school.MAPPING,
    "ungeprofil_ungdom": youth.MAPPING,
    "behandling_forloeb": treatment.REGISTER_MAPPING,
    "befolkning": population.MAPPING,
    "sammenligning": comparators.MAPPING,
    "behandling_opfoelgning": treatment.FOLLOW_UP_MAPPING,
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

    # one generator drawn from in this order (school, youth, treatment), so a seed gives the same data
    counts["ungeprofil_skole"] = school.write(raw_dir / "ungeprofil_skole", school.survey(rng, profile, scale))
    counts["ungeprofil_ungdom"] = youth.write(raw_dir / "ungeprofil_ungdom", youth.survey(rng, profile, scale), SYNTHETIC_NOTE)
    register, follow_up = treatment.treatment(rng, profile)
    counts["behandling_forloeb"] = treatment.write_register(raw_dir / "behandling_forloeb", register)
    counts["behandling_opfoelgning"] = treatment.write_follow_ups(raw_dir / "behandling_opfoelgning", follow_up)
    counts["befolkning"] = population.write(raw_dir / "befolkning", profile)

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
