"""Where things are: the package's own files, and the project's data and outputs folders.

Every path the library uses comes from here, so nothing else walks the file system looking for
a folder. The package ships its strategy files, text catalogues, templates and report notebooks
as package data; the project's folders (data/raw, data/processed, outputs) are relative to the
project folder: `$RUSMIDDEL_PROJECT` when set, else the working folder, or its parent when the
working folder is the project's `notebooks/` (where JupyterLab starts a notebook).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
STRATEGIES = PACKAGE / "config" / "strategies"
DEFAULT_STRATEGY = STRATEGIES / "rusmiddelstrategi-2016-2019.yaml"
TEXT = PACKAGE / "present" / "text"
TEMPLATES = PACKAGE / "present" / "templates"
STYLESHEET = TEMPLATES / "rusmiddel" / "rusmiddel.css"
NOTEBOOKS = PACKAGE / "present" / "notebooks"
DEMO = PACKAGE / "ingest" / "demo"
# the methods, with formulas and sources (published beside the pages): the repository's file, or in
# an installed package the copy a build puts beside the code (setup.py)
_REPOSITORY_METHODOLOGY = PACKAGE.parent / "docs" / "methodology.md"
METHODOLOGY = _REPOSITORY_METHODOLOGY if _REPOSITORY_METHODOLOGY.exists() else PACKAGE / "docs" / "methodology.md"
METHODOLOGY_PAGE = "methodology.html"
HIGH_RISK_PAGE = "high-risk.html"  # each year's high-risk page (a target id, an identifier, has no "-")
# "Sådan har vi regnet": how a status is decided, in plain words, for a committee member (beside the methodology)
HOW_WE_CALCULATED_PAGE = "saadan-har-vi-regnet.html"

PROJECT_ENV = "RUSMIDDEL_PROJECT"
RAW, PROCESSED, STATUS, OUTPUTS = Path("data/raw"), Path("data/processed"), Path("data/raw/status"), Path("outputs")


def project_dir() -> Path:
    """The project folder that relative data paths are read from (see the module docstring)."""
    if os.environ.get(PROJECT_ENV):
        return Path(os.environ[PROJECT_ENV])
    here = Path.cwd()
    return here.parent if here.name == "notebooks" and (here.parent / "data").is_dir() else here


def in_project(path: str | Path | None) -> Path | None:
    """A path as given when absolute, else relative to the project folder."""
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else project_dir() / path


def no_processed_data(processed_dir, source: str | None = None) -> str:
    """The one message for processed data that is not there: which folder (and source), and the
    command that makes it."""
    what = f"no processed data for '{source}'" if source else "no processed data"
    return f"{what} in {processed_dir}; run 'rusmiddel process' first"
