"""The job model of a run: which reports, with which settings, and what came of each.

A job is one notebook executed for one year (the status report, the high-risk page, or one
target's report). The
settings say where the data, the status texts, the notebooks and the outputs are, in which
language, and on which kernel; they are never changed by a run (`for_run` makes the copy a run
uses).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from rusmiddel_analysis.config.files import has_manifest, read_manifest
from rusmiddel_analysis.config.paths import DEFAULT_STRATEGY, HIGH_RISK_PAGE, NOTEBOOKS, PACKAGE, no_processed_data, project_dir
from rusmiddel_analysis.present.formatting import LOCALES

KERNEL_NAME = "rusmiddel-analysis"
NOTEBOOK_FILES = {"status": "status_report.ipynb", "high_risk": "high_risk.ipynb", "target": "target_report.ipynb"}
# the year's pages that are not a target's, by kind
PAGE_NAMES = {"status": "index", "high_risk": Path(HIGH_RISK_PAGE).stem}


class ReportError(Exception):
    """A problem with the run as a whole (one line, with the fix)."""


@dataclass(frozen=True)
class Job:
    kind: str  # "status", "high_risk" or "target"
    year: int
    target_id: str | None = None

    @property
    def name(self) -> str:
        return f"{self.year}/{self.stem}"

    @property
    def stem(self) -> str:
        """The page's file name without its suffix: index, high-risk, or the target's id."""
        return PAGE_NAMES.get(self.kind, self.target_id)

    @property
    def notebook(self) -> str:
        return NOTEBOOK_FILES[self.kind]

    @property
    def html_name(self) -> str:
        return f"{self.stem}.html"

    @property
    def nb_name(self) -> str:
        return NOTEBOOK_FILES[self.kind] if self.kind in PAGE_NAMES else f"{self.target_id}.ipynb"


@dataclass(frozen=True)
class Settings:
    processed_dir: Path
    status_dir: Path
    outputs_dir: Path
    lang: str = "da"
    strategy_file: Path | None = None
    notebooks_dir: Path = NOTEBOOKS
    kernel_name: str = KERNEL_NAME
    timeout: int = 600
    pdf: bool = True  # a print-ready PDF of each year's status report (publish/pdf.py)
    # watch mode: a status page is written and announced first, its PDF after it (run.Publisher)
    pdf_after_page: bool = False
    project_dir: Path | None = None  # what the notebooks' paths are relative to (for_run sets it)

    @property
    def base(self) -> Path:
        """The folder an executed notebook's paths are relative to: the project folder (where the
        command runs, or $RUSMIDDEL_PROJECT) when it holds the run's folders, else the folder they share."""
        return self.project_dir or project_folder(self.processed_dir, self.status_dir)

    def shown(self, path: Path) -> str:
        """A path as an executed notebook carries it: relative to `base`, never absolute."""
        return Path(os.path.relpath(Path(path).resolve(), self.base)).as_posix()

    def parameters(self, job: Job) -> dict:
        """The notebook's parameters; its paths relative, so no executed notebook names a folder of this machine."""
        params = {
            "year": job.year,
            "processed_dir": self.shown(self.processed_dir),
            "status_dir": self.shown(self.status_dir),
            "lang": self.lang,
            "strategy_file": self.shown(self.strategy_file) if self.strategy_file else None,
        }
        if job.kind == "target":
            params["target_id"] = job.target_id
        return params

    def for_run(self, strategy, kernel_name: str | None = None) -> Settings:
        """The settings a run uses: the notebooks read the run's own strategy file, on the kernel found,
        with their paths relative to the run's project folder."""
        strategy_file = self.strategy_file
        if strategy_file is None and Path(strategy.path).resolve() != DEFAULT_STRATEGY.resolve():
            strategy_file = Path(strategy.path)
        if strategy_file is not None and Path(strategy_file).resolve() == DEFAULT_STRATEGY.resolve():
            strategy_file = None  # the packaged one: the notebooks find it themselves, wherever the package is
        changed = dataclasses.replace(self, strategy_file=strategy_file, kernel_name=kernel_name or self.kernel_name)
        return dataclasses.replace(changed, project_dir=changed.base)

    def machine_roots(self) -> dict[str, str]:
        """This machine's folders an executed notebook may quote (a traceback, a warning), each with
        the relative form it is shown as ("" drops it: a module's path from its package on)."""
        import site
        import sys
        import sysconfig

        python = [*site.getsitepackages(), *(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib"))]
        roots = {folder: "" for folder in (*python, sys.prefix, sys.base_prefix, str(PACKAGE.parent), str(self.base))}
        roots[str(Path.home())] = "~"
        for folder in (self.processed_dir, self.status_dir, self.outputs_dir):
            roots[str(folder)] = self.shown(folder)
        return {str(Path(root).resolve()): shown for root, shown in roots.items()} | roots


def project_folder(*paths: Path | None) -> Path:
    """The project folder when it holds every path given, else the deepest folder they share."""
    paths = [Path(p).resolve() for p in paths if p is not None]
    here = project_dir().resolve()
    if all(p.is_relative_to(here) for p in paths):
        return here
    return Path(os.path.commonpath(paths))


def pdf_name(strategy, year: int) -> str:
    """The file name of a year's status report as PDF: the strategy's id and the year."""
    return f"{strategy.id}-{year}.pdf"


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float = 0.0
    error: str = ""
    cell: int | None = None
    failed_notebook: Path | None = None
    skipped: bool = False


@dataclass
class RunSummary:
    results: list[JobResult] = field(default_factory=list)
    front_page: Path | None = None
    errors: list[str] = field(default_factory=list)  # files of the run as a whole that could not be written
    warnings: list[str] = field(default_factory=list)  # published, but not as it should go to the committee (a draft)

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


def plan(strategy, years: list[int], targets: list[str] | None) -> list[Job]:
    """The jobs for the chosen years: the status report and the high-risk page unless only targets
    were asked for, and each target."""
    jobs = []
    for year in years:
        if not targets:
            jobs += [Job("status", year), Job("high_risk", year)]
        for target_id in targets or strategy.target_ids:
            jobs.append(Job("target", year, target_id))
    return jobs


def check_inputs(strategy, years, targets, settings: Settings) -> None:
    """One-line errors, each with the fix, before anything runs."""
    if settings.lang not in LOCALES:
        raise ReportError(f"unknown language '{settings.lang}'; use --lang da or --lang en")
    for target_id in targets or []:
        if target_id not in strategy.target_ids:
            raise ReportError(f"unknown target '{target_id}'; valid targets: {', '.join(strategy.target_ids)}")
    valid_years = strategy.years
    for year in years:
        if year not in valid_years:
            raise ReportError(f"unknown year {year}; valid years: {valid_years[0]}-{valid_years[-1]}")
    if not has_manifest(settings.processed_dir):
        raise ReportError(no_processed_data(settings.processed_dir))
    made_for = read_manifest(settings.processed_dir).get("strategy", {}).get("id", strategy.id)
    if made_for != strategy.id:
        raise ReportError(
            f"the processed data in {settings.processed_dir} were made for strategy '{made_for}', not '{strategy.id}'; process again with --strategy"
        )
    if not years:
        first, last = valid_years[0], valid_years[-1]
        raise ReportError(f"the processed data in {settings.processed_dir} hold none of the strategy's years {first}-{last}; nothing to report")
    for name in NOTEBOOK_FILES.values():
        if not (settings.notebooks_dir / name).exists():
            raise ReportError(f"notebook {settings.notebooks_dir / name} not found; pass --notebooks DIR")
    from rusmiddel_analysis.ingest.status_text import StatusTextError, read_status_text

    for year in years:
        try:
            read_status_text(strategy, settings.status_dir, year)
        except StatusTextError as exc:
            raise ReportError(str(exc)) from None


def draft_warnings(strategy, jobs: list[Job], settings: Settings) -> list[str]:
    """One line for each milestone report (midterm status, final evaluation) whose status file lacks
    a part the analysts must write: its pages and PDF are marked as a draft (ingest/status_text.py)."""
    from rusmiddel_analysis.ingest.status_text import DOCUMENT_SECTIONS, read_status_text

    warnings = []
    for job in (j for j in jobs if j.kind == "status"):
        milestone = next((m for m in strategy.milestones if m.year == job.year), None)
        if milestone is None:
            continue
        missing = read_status_text(strategy, settings.status_dir, job.year).missing(milestone.kind)
        if missing:
            headings = ", ".join(f"'# {DOCUMENT_SECTIONS[key][0]}'" for key in missing)
            warnings.append(
                f"{job.year} ({milestone.name('en')}): {settings.status_dir / f'{job.year}.md'} has no {headings}; its report is marked as a draft"
            )
    return warnings


def find_kernel(preferred: str = KERNEL_NAME) -> str:
    """The project kernel, or the environment's own python3 kernel; a clear error when neither exists."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    for name in (preferred, "python3"):
        if name in specs:
            return name
    raise ReportError(f"no Jupyter kernel found; run 'make setup' or 'python -m ipykernel install --sys-prefix --name {KERNEL_NAME}'")


def describe_failure(result: JobResult) -> str:
    job = result.job
    what = {"target": f"target {job.target_id}", "status": "status report", "high_risk": "high-risk page"}[job.kind]
    cell = f", cell {result.cell}" if result.cell else ""
    saved = f"\n    failing notebook: {result.failed_notebook}" if result.failed_notebook else ""
    return f"{what}, {job.year}{cell}: {result.error}{saved}"
