"""Incremental builds: a report is rebuilt only when a hash of everything its page depends on changed.

The inputs: the notebook, the run's results (which stand for the processed data, the strategy
file and the calculation code: calc/results.py), the library's code, the report's parameters,
the qualitative status file (status report), the language and the synthetic-data flag.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rusmiddel_analysis.config.files import read_manifest, sha256_file
from rusmiddel_analysis.config.paths import PACKAGE
from rusmiddel_analysis.config.version import __version__
from rusmiddel_analysis.publish.jobs import Job, Settings

LIBRARY_SUFFIXES = (".py", ".yaml", ".j2", ".css", ".json")


def library_fingerprint() -> str:
    """The library's version and a hash of its code, text catalogues and templates."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in LIBRARY_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def input_hash(job: Job, settings: Settings, results_fingerprint: str, library: str) -> str:
    """A hash of everything a report's page depends on."""
    parts = {
        "notebook": sha256_file(settings.notebooks_dir / job.notebook),
        "results": results_fingerprint,
        "synthetic": read_manifest(settings.processed_dir).get("synthetic_demo_data"),
        "library": library,
        "parameters": settings.parameters(job) | {"processed_dir": None, "status_dir": None},
        "lang": settings.lang,
        "status_text": sha256_file(settings.status_dir / f"{job.year}.md") if job.kind == "status" else None,
        "pdf": settings.pdf if job.kind == "status" else None,  # the status page links to its PDF
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def stamp_path(outputs: Path, job: Job) -> Path:
    return outputs / str(job.year) / ".stamps" / f"{Path(job.html_name).stem}.json"


def up_to_date(job: Job, outputs: Path, digest: str, also: tuple[str, ...] = ()) -> bool:
    """The page, its stamp with the same inputs, and the files it `also` makes (its PDF) all there."""
    stamp = stamp_path(outputs, job)
    year = outputs / str(job.year)
    if not (year / job.html_name).exists() or not stamp.exists() or not all((year / name).exists() for name in also):
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("inputs") == digest
    except (OSError, ValueError):
        return False
