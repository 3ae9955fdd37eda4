"""Notebooks -> HTML reports: `rusmiddel report`.

For each chosen year: the status report (outputs/<year>/index.html), one report per target
(outputs/<year>/<target_id>.html), the assessment and subgroup tables (assessment.csv, subgroups.csv, assessment.xlsx), the
executed notebooks (outputs/<year>/notebooks/, with papermill's metadata) and, for every year
present, the front page outputs/index.html.

Every file is written next to its place and renamed into it only when its report succeeded, so
a failed or interrupted run never leaves a half-written page and the previous good page stays.
Execution itself (warm kernels, parallel workers, incremental rebuilds, Dask) is in batch.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rusmiddel_analysis.config.files import MANIFEST, has_manifest, read_manifest, write_atomically
from rusmiddel_analysis.config.paths import DEFAULT_STRATEGY, NOTEBOOKS, STYLESHEET, TEMPLATES
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.textcatalog import text

KERNEL_NAME = "rusmiddel-analysis"
REMOVED_CELL_TAGS = ("parameters", "injected-parameters", "analyst-only")


class ReportError(Exception):
    """A problem with the run as a whole (one line, with the fix)."""


@dataclass(frozen=True)
class Job:
    kind: str               # "status" or "target"
    year: int
    target_id: str | None = None

    @property
    def name(self) -> str:
        return f"{self.year}/{'index' if self.kind == 'status' else self.target_id}"

    @property
    def notebook(self) -> str:
        return "status_report.ipynb" if self.kind == "status" else "target_report.ipynb"

    @property
    def html_name(self) -> str:
        return "index.html" if self.kind == "status" else f"{self.target_id}.html"

    @property
    def nb_name(self) -> str:
        return "status_report.ipynb" if self.kind == "status" else f"{self.target_id}.ipynb"


@dataclass
class Settings:
    processed_dir: Path
    status_dir: Path
    outputs_dir: Path
    lang: str = "da"
    strategy_file: Path | None = None
    notebooks_dir: Path = NOTEBOOKS
    kernel_name: str = KERNEL_NAME
    timeout: int = 600

    def parameters(self, job: Job) -> dict:
        params = {"year": job.year, "processed_dir": str(self.processed_dir), "status_dir": str(self.status_dir),
                  "lang": self.lang, "strategy_file": str(self.strategy_file) if self.strategy_file else None}
        if job.kind == "target":
            params["target_id"] = job.target_id
        return params


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
    errors: list[str] = field(default_factory=list)   # files of the run as a whole that could not be written

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


# --- planning ----------------------------------------------------------------------------------

def available_years(strategy, processed_dir: Path) -> list[int]:
    """Every strategy year with data: survey years, and years in which a treatment episode starts or ends.

    Read from the year and date columns alone, so the check is cheap.
    """
    import pyarrow.parquet as pq

    years: set[int] = set()
    for source, columns in (("ungeprofil_skole", ["year"]), ("ungeprofil_ungdom", ["year"]),
                            ("behandling_forloeb", ["start_date", "end_date"])):
        path = Path(processed_dir) / f"{source}.parquet"
        if not path.exists():
            continue
        table = pq.read_table(path, columns=columns).to_pandas()
        for column in columns:
            values = table[column].dropna()
            years.update(int(y) for y in (values.dt.year if column.endswith("date") else values).unique())
    return sorted(y for y in years if y in strategy.years)


def plan(strategy, years: list[int], targets: list[str] | None) -> list[Job]:
    """The jobs for the chosen years: the status report unless only targets were asked for, and each target."""
    jobs = []
    for year in years:
        if not targets:
            jobs.append(Job("status", year))
        for target_id in targets or strategy.target_ids:
            jobs.append(Job("target", year, target_id))
    return jobs


def check_inputs(strategy, years, targets, settings: Settings) -> None:
    """One-line errors, each with the fix, before anything runs."""
    if settings.lang not in fmt.LOCALES:
        raise ReportError(f"unknown language '{settings.lang}'; use --lang da or --lang en")
    for target_id in targets or []:
        if target_id not in strategy.target_ids:
            raise ReportError(f"unknown target '{target_id}'; valid targets: {', '.join(strategy.target_ids)}")
    valid_years = strategy.years
    for year in years:
        if year not in valid_years:
            raise ReportError(f"unknown year {year}; valid years: {valid_years[0]}-{valid_years[-1]}")
    if not has_manifest(settings.processed_dir):
        raise ReportError(f"no processed data in {settings.processed_dir}; run 'rusmiddel process' first")
    for name in ("status_report.ipynb", "target_report.ipynb"):
        if not (settings.notebooks_dir / name).exists():
            raise ReportError(f"notebook {settings.notebooks_dir / name} not found; pass --notebooks DIR")
    from rusmiddel_analysis.ingest.status_text import StatusTextError, read_status_text

    for year in years:
        try:
            read_status_text(strategy, settings.status_dir, year)
        except StatusTextError as exc:
            raise ReportError(str(exc)) from None


def find_kernel(preferred: str = KERNEL_NAME) -> str:
    """The project kernel, or the environment's own python3 kernel; a clear error when neither exists."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    for name in (preferred, "python3"):
        if name in specs:
            return name
    raise ReportError("no Jupyter kernel found; run 'make setup' or "
                      f"'python -m ipykernel install --sys-prefix --name {KERNEL_NAME}'")


# --- one report --------------------------------------------------------------------------------

def page_title(strategy, job: Job, lang: str) -> str:
    if job.kind == "status":
        return text("report.year_title", lang, strategy=strategy.name(lang), year=job.year)
    return text("report.target_title", lang, name=strategy.target(job.target_id).short_name(lang), year=job.year)


def page_links(job: Job, lang: str) -> list[dict]:
    links = [{"href": "../index.html", "label": text("report.nav_front", lang)}]
    if job.kind == "target":
        links.append({"href": "index.html", "label": text("report.nav_year", lang, year=job.year)})
    return links


_EXPORTER = None


def html_exporter():
    """One HTMLExporter per process: no input code, no prompts, our network-free template."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="rusmiddel", extra_template_basedirs=[str(TEMPLATES)])
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.embed_images = True
        remover = TagRemovePreprocessor(remove_cell_tags=set(REMOVED_CELL_TAGS), enabled=True)
        exporter.register_preprocessor(remover, enabled=True)
        _EXPORTER = exporter
    return _EXPORTER


def to_html(notebook, title: str, lang: str, links: list[dict]) -> str:
    """A self-contained HTML page of an executed notebook."""
    import copy

    notebook = copy.deepcopy(notebook)
    notebook.metadata["title"] = title
    # markdown cells of analysts' notes are removed by tag; stderr (warnings) never reaches a reader
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    exporter = html_exporter()
    exporter.language_code = lang
    # the demo label is part of each notebook's own header (views.py), so it shows in JupyterLab too
    resources = {"metadata": {"name": title}, "rusmiddel": {"links": links, "nav_label": text("report.nav_front", lang)}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    # CSS comments carry JupyterLab's credits with web addresses: a reader's page needs none of them
    return re.sub(r"/\*.*?\*/", "", body, flags=re.DOTALL)


# --- the run -----------------------------------------------------------------------------------

SUBGROUP_COLUMNS = ["target_id", "year", "dimension", "group", "numerator", "denominator", "value", "ci_low", "ci_high",
                    "suppressed", "reason", "label"]


def subgroup_table(strategy, processed_dir: Path, assessment: pd.DataFrame, lang: str) -> pd.DataFrame:
    """subgroups.csv: one row per published subgroup cell, exactly as the target pages show them.

    Hidden cells keep their place with empty numbers, `suppressed` true and the reason. Values and
    interval ends to one decimal; `label` is the group as the page names it.
    """
    from rusmiddel_analysis.calc.indicators import published_breakdowns
    from rusmiddel_analysis.present.plots import group_label

    years = {row.target_id: int(row.measured_year) if pd.notna(row.measured_year) else int(row.year)
             for row in assessment.itertuples()}
    table = published_breakdowns(strategy, processed_dir, years)
    out = table.rename(columns={"by": "dimension", "suppression": "reason"})
    out[["value", "ci_low", "ci_high"]] = out[["value", "ci_low", "ci_high"]].astype(float).round(1)
    out["numerator"], out["denominator"] = out["numerator"].astype("Int64"), out["denominator"].astype("Int64")
    out["label"] = [group_label(by, str(group), lang) for by, group in zip(out["dimension"], out["group"], strict=True)]
    return out[SUBGROUP_COLUMNS]


def write_year_tables(strategy, indicators, year: int, folder: Path, processed_dir: Path, lang: str) -> None:
    """The year's published tables as data: assessment.csv, subgroups.csv and both as sheets of
    assessment.xlsx, all renamed into place together when every one is written."""
    from rusmiddel_analysis.calc.assessment import assess

    table = assess(strategy, indicators, year)
    subgroups = subgroup_table(strategy, processed_dir, table, lang)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".tables-") as tmp:
        table.to_csv(Path(tmp) / "assessment.csv", index=False)
        subgroups.to_csv(Path(tmp) / "subgroups.csv", index=False)
        with pd.ExcelWriter(Path(tmp) / "assessment.xlsx") as sheets:
            table.to_excel(sheets, index=False, sheet_name=text("report.sheet_status", lang, year=year))
            subgroups.to_excel(sheets, index=False, sheet_name=text("report.sheet_subgroups", lang, year=year))
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("assessment.csv", "subgroups.csv", "assessment.xlsx"):
            os.replace(Path(tmp) / name, folder / name)


def run(strategy, settings: Settings, years: list[int] | None = None, targets: list[str] | None = None,
        progress=None, jobs: int | None = None, force: bool = False, executor: str = "local",
        scheduler: str | None = None, runner=None, gate=None) -> RunSummary:
    """Execute and convert the reports for `years` (default: every year with data) and `targets`.

    Only reports whose inputs changed are rebuilt (all with `force`). Each page, executed notebook
    and stamp is written next to its place and renamed into it when its report succeeded; a failed
    report leaves the previous page in place and its notebook under outputs/_failed/.
    `runner` and `gate` let watch mode keep its kernels and privacy gate between runs.
    """
    from rusmiddel_analysis.calc.indicators import compute
    from rusmiddel_analysis.publish import batch
    from rusmiddel_analysis.publish.privacy import Gate, describe

    if executor not in ("local", "dask"):
        raise ReportError(f"unknown executor '{executor}'; use local or dask")
    if executor == "dask" and not scheduler:
        raise ReportError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if settings.strategy_file is None and Path(strategy.path).resolve() != DEFAULT_STRATEGY.resolve():
        settings.strategy_file = Path(strategy.path)  # the notebooks must read the same strategy
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    if not has_manifest(settings.processed_dir):
        raise ReportError(f"no processed data in {settings.processed_dir}; run 'rusmiddel process' first")
    years = list(years) if years else available_years(strategy, settings.processed_dir)
    check_inputs(strategy, years, targets, settings)
    demo = read_manifest(settings.processed_dir).get("synthetic_demo_data", False)
    library = batch.library_fingerprint()
    planned = plan(strategy, years, targets)
    digests = {job: batch.input_hash(job, settings, strategy, library) for job in planned}
    todo = [job for job in planned if force or not batch.up_to_date(job, settings.outputs_dir, digests[job])]
    summary = RunSummary([JobResult(job, True, skipped=True) for job in planned if job not in todo])
    if progress:
        for result in summary.results:
            progress(result, len(summary.results), len(planned))

    gate_future = None

    def deliver(rendered) -> None:
        job = rendered.job
        year_dir = settings.outputs_dir / str(job.year)
        result = JobResult(job, rendered.ok, rendered.seconds, rendered.error, rendered.cell)
        gate = gate_future.result()
        leaks = []
        if rendered.ok:
            leaks = gate.check(rendered.html, rendered.notebook)
        else:
            # an error message or a failing notebook can quote data: it passes the same gate
            if gate.scan(result.error):
                result.error = result.error.split(":", 1)[0] + ": (message withheld: it may hold personal data)"
            if rendered.notebook and gate.check("", rendered.notebook, complete=False):
                rendered.notebook = ""  # not kept: it may hold personal data
        try:
            if rendered.ok and leaks:
                result.ok = False
                result.error = f"privacy gate stopped the page: {describe(leaks)}; nothing was written"
            elif rendered.ok:
                write_atomically(year_dir / "notebooks" / job.nb_name, rendered.notebook)
                write_atomically(year_dir / job.html_name, rendered.html)
                write_atomically(batch.stamp_path(settings.outputs_dir, job), json.dumps({"inputs": digests[job]}))
            elif rendered.notebook:
                failed = settings.outputs_dir / "_failed" / str(job.year) / job.nb_name
                write_atomically(failed, rendered.notebook)
                result.failed_notebook = failed
        except OSError as exc:
            result.ok = False
            result.error = f"cannot write to {settings.outputs_dir}: {exc.strerror or exc}; the previous page was kept"
        summary.results.append(result)
        if progress:
            progress(result, len(summary.results), len(planned))

    if todo:
        from concurrent.futures import Future, ThreadPoolExecutor

        settings.kernel_name = find_kernel(settings.kernel_name)
        with ThreadPoolExecutor(max_workers=1) as background:
            if gate is not None:
                gate_future = Future()
                gate_future.set_result(gate)
            else:  # needed only when the first page comes back: built while the kernels start
                # a status report shows every target's totals: then the gate needs them all
                needed = None if any(j.kind == "status" for j in todo) else sorted({j.target_id for j in todo})
                gate_future = background.submit(Gate.for_run, strategy, settings.processed_dir, settings.lang, needed)
            if runner is None and executor == "dask":
                runner = batch.DaskExecutor(settings, scheduler)
            elif runner is None:
                runner = batch.LocalExecutor(settings, strategy, jobs or os.cpu_count() or 1)
            runner.run(todo, deliver)
    failed_years = {r.job.year for r in summary.failures}
    rebuilt_years = {job.year for job in todo}
    table_years = [y for y in years if y not in failed_years and
                   (force or y in rebuilt_years or not (settings.outputs_dir / str(y) / "assessment.csv").exists())]
    front_page = settings.outputs_dir / "index.html"
    try:
        if table_years:
            indicators = compute(strategy, settings.processed_dir)
            for year in table_years:
                write_year_tables(strategy, indicators, year, settings.outputs_dir / str(year), settings.processed_dir, settings.lang)
        if todo or table_years or not front_page.exists():
            write_front_page(strategy, settings, demo)
        summary.front_page = front_page
    except OSError as exc:
        summary.errors.append(f"cannot write {exc.filename or settings.outputs_dir}: {exc.strerror or exc}; the previous file was kept")
    return summary


def watch(strategy, settings: Settings, years: list[int] | None = None, targets: list[str] | None = None,
          progress=None, jobs: int | None = None, interval: float = 0.5, stop=None, rounds=None) -> None:
    """Rebuild the reports whose inputs change, until Ctrl-C (or `stop` is set, or after `rounds`).

    For analysts writing a report: the kernels stay warm and the privacy gate stays built between
    rounds (rebuilt when the processed data change), so a rebuild costs the report's own work.
    `rounds`, if given, is called with each RunSummary.
    """
    import threading

    from rusmiddel_analysis.publish import batch
    from rusmiddel_analysis.publish.privacy import Gate

    stop = stop or threading.Event()
    runner = batch.LocalExecutor(settings, strategy, jobs or os.cpu_count() or 1, keep_kernels=True)
    gate, gate_key = None, None
    try:
        while not stop.is_set():
            manifest = settings.processed_dir / MANIFEST
            key = (manifest.read_bytes() if manifest.exists() else b"", settings.lang)
            if key != gate_key:
                gate, gate_key = Gate.for_run(strategy, settings.processed_dir, settings.lang, targets), key
            summary = run(strategy, settings, years, targets, progress=progress, runner=runner, gate=gate)
            if rounds:
                rounds(summary)
            stop.wait(interval)
    finally:
        runner.close()


# --- the front page ----------------------------------------------------------------------------

def write_front_page(strategy, settings: Settings, demo: bool) -> Path:
    """outputs/index.html: every year present with its status table at a glance (atomic write)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from rusmiddel_analysis.config.version import __version__
    from rusmiddel_analysis.present.statuses import ORDER, status_badge, status_words

    lang = settings.lang
    years = sorted(int(p.name) for p in settings.outputs_dir.iterdir() if p.is_dir() and p.name.isdigit()
                   and (p / "assessment.csv").exists())
    statuses = {}
    for year in years:
        table = pd.read_csv(settings.outputs_dir / str(year) / "assessment.csv", dtype={"data_quality": "string"})
        statuses[year] = {tid: (status, quality) for tid, status, quality in
                          zip(table["target_id"], table["status"], table["data_quality"].fillna(""), strict=True)}
    rows = []
    for target in strategy.targets:
        cells = []
        for year in years:
            status, quality = statuses[year].get(target.id, (None, ""))
            page = settings.outputs_dir / str(year) / f"{target.id}.html"
            cells.append({"badge": status_badge(status, lang, quality, short=True) if status else "–",
                          "href": f"{year}/{target.id}.html" if page.exists() else None})
        rows.append({"name": target.short_name(lang), "focus": strategy.focus_area(target.focus_area).name(lang), "cells": cells})
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    page = env.get_template("front.html.j2").render(
        lang=lang, title=text("report.front_title", lang, strategy=strategy.name(lang)),
        intro=text("report.front_intro", lang, strategy=strategy.name(lang), municipality=strategy.municipality),
        demo_banner=text("report.demo_banner", lang) if demo else "", years=years,
        year_links=[{"year": y, "href": f"{y}/index.html" if (settings.outputs_dir / str(y) / "index.html").exists() else None,
                     "label": text("report.open_year", lang, year=y)} for y in years],
        rows=rows, col_target=text("report.col_target", lang), col_focus=text("report.col_focus_area", lang),
        legend_heading=text("report.legend_heading", lang),
        legend=[{"badge": status_badge(s, lang, "baseline_year" if s == "baseline" else "", short=True),
                 "words": status_words("insufficient_data" if s == "baseline" else s, lang, "baseline_year" if s == "baseline" else "")}
                for s in ORDER],
        years_heading=text("report.years_heading", lang), table_heading=text("report.table_heading", lang),
        footer=text("report.generated", lang, date=dt.date.today().isoformat(), version=__version__),
        css=STYLESHEET.read_text(encoding="utf-8"),
    )
    target = settings.outputs_dir / "index.html"
    write_atomically(target, page)
    return target


def describe_failure(result: JobResult) -> str:
    job = result.job
    what = f"target {job.target_id}" if job.kind == "target" else "status report"
    cell = f", cell {result.cell}" if result.cell else ""
    saved = f"\n    failing notebook: {result.failed_notebook}" if result.failed_notebook else ""
    return f"{what}, {job.year}{cell}: {result.error}{saved}"
