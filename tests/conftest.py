"""Shared fixtures: demo data made once per session, and a tiny canonical raw folder to break."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from rusmiddel_analysis.calc import results
from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.config.strategy import DEFAULT_STRATEGY, load_strategy
from rusmiddel_analysis.ingest.demo import write_demo_data
from rusmiddel_analysis.ingest.process import process


@pytest.fixture(scope="session")
def strategy():
    return load_strategy()


@pytest.fixture(scope="session")
def demo_dirs(tmp_path_factory, strategy):
    """Synthetic demo data (seed 2016, scale 1) written and processed once: (raw, processed)."""
    root = tmp_path_factory.mktemp("demo")
    write_demo_data(root / "raw", seed=2016)
    process(root / "raw", root / "processed", strategy)
    return root / "raw", root / "processed"


@pytest.fixture
def processed(demo_dirs, tmp_path):
    """A private copy of the demo's processed data (without kept results), so a test can write results into it."""
    _, source = demo_dirs
    copy = tmp_path / "processed"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(results.FOLDER))
    return copy


@pytest.fixture(scope="session")
def _demo_indicator_table(demo_dirs, strategy):
    return compute(strategy, demo_dirs[1])


@pytest.fixture
def demo_indicators(_demo_indicator_table):
    """`indicators.compute` of the demo data with the packaged strategy: computed once a session,
    a copy for each test (so a test that changes it changes no other's)."""
    return _demo_indicator_table.copy()


def canonical_frames() -> dict[str, pd.DataFrame]:
    """A small valid dataset in the canonical format, one frame per source."""
    skole = pd.DataFrame(
        {
            "respondent_id": ["S1", "S2", "S3", "S4"],
            "year": [2015, 2015, 2016, 2016],
            "school": ["A", "A", "B", "B"],
            "grade": [6, 8, 9, 10],
            "gender": ["male", "female", "other", "female"],
            "alcohol_ever": ["false", "true", "", "true"],
            "hash_ever": ["false", "false", "false", "true"],
            "other_drugs_ever": ["false", "false", "false", "false"],
            "parent_agreement": ["true", "true", "false", ""],
            "smoking_ever": ["false", "true", "false", "true"],
        }
    )
    ungdom = pd.DataFrame(
        {
            "respondent_id": ["U1", "U2"],
            "year": [2015, 2015],
            "institution": ["X", "Y"],
            "education_type": ["stx", "eud"],
            "gender": ["male", "female"],
            "age": [17, 19],
            "alcohol_frequency": ["weekly", "never"],
            "hash_ever": ["true", "false"],
            "other_drugs_ever": ["false", "false"],
        }
    )
    forloeb = pd.DataFrame(
        {
            "person_id": ["p1", "p1", "p2"],
            "episode_id": ["E1", "E2", "E3"],
            "substance": ["alcohol", "drugs", "drugs"],
            "start_date": ["2015-02-01", "2015-03-01", "2016-05-01"],
            "end_date": ["2015-09-01", "", "2016-12-01"],
            "end_status": ["reduced", "", "unknown"],
            "end_reason": ["completed", "", "dropped_out"],
            "gender": ["male", "male", "female"],
            "birth_year": [1980, 1980, 1995],
            "psychiatric_disability": ["false", "false", "true"],
            "ethnic_minority": ["false", "false", "false"],
        }
    )
    opf = pd.DataFrame(
        {
            "episode_id": ["E1", "E1"],
            "months": [1, 6],
            "contacted": ["true", "false"],
            "contacted_by": ["therapist", "therapist"],
            "status": ["abstinent", ""],
        }
    )
    return {"ungeprofil_skole": skole, "ungeprofil_ungdom": ungdom, "behandling_forloeb": forloeb, "behandling_opfoelgning": opf}


def write_canonical(raw: Path, frames: dict[str, pd.DataFrame] | None = None) -> Path:
    for source, frame in (frames or canonical_frames()).items():
        (raw / source).mkdir(parents=True, exist_ok=True)
        frame.to_csv(raw / source / f"{source}.csv", index=False)
    return raw


@pytest.fixture
def canonical_raw(tmp_path):
    return write_canonical(tmp_path / "raw")


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_strategy_variant(tmp_path: Path, mutate) -> Path:
    """A copy of the packaged strategy file changed by `mutate(raw_dict)`, written to tmp_path."""
    raw = yaml.safe_load(DEFAULT_STRATEGY.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "strategy-variant.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_disclosure(strategy, **rules):
    """The strategy with its disclosure rules changed in memory only: what the rules hide, computed
    for a test to compare against. No strategy file can ask for rules under the floors
    (config/settings.py, DISCLOSURE_FLOORS), so a test that needs them changes the loaded strategy."""
    import dataclasses

    disclosure = dataclasses.replace(strategy.settings.disclosure, **rules)
    return dataclasses.replace(strategy, settings=dataclasses.replace(strategy.settings, disclosure=disclosure))


NO_DISCLOSURE_CONTROL = {"min_group_size": 0, "min_cell": 0, "all_or_none_health_data": False, "all_or_none_min_group": 0}


def target_entry(raw: dict, target_id: str) -> dict:
    return next(t for t in raw["targets"] if t["id"] == target_id)


@pytest.fixture(scope="session")
def demo_report(demo_dirs, tmp_path_factory, strategy):
    """The 2017 reports (status + ten targets) rendered once from the demo data: the outputs folder."""
    from rusmiddel_analysis.publish.jobs import Settings, describe_failure
    from rusmiddel_analysis.publish.run import run

    raw, processed = demo_dirs
    outputs = tmp_path_factory.mktemp("outputs")
    settings = Settings(processed_dir=processed, status_dir=raw / "status", outputs_dir=outputs)
    summary = run(strategy, settings, years=[2017])
    assert not summary.failures, [describe_failure(f) for f in summary.failures]
    return outputs
