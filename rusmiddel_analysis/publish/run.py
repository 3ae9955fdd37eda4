"""`rusmiddel report`: the run, in five steps, and watch mode.

1. plan: the jobs for the chosen years and targets, and which of them are out of date;
2. results: indicators and assessments computed once (calc/results.py), kept for the notebooks;
3. build: the out-of-date notebooks executed on warm kernels (executors.py);
4. publish: each page through the privacy gate, then written atomically with its notebook and
   stamp; a failed report keeps the previous page, its notebook kept under outputs/_failed/;
5. tables and front page for the years that changed.

Every file is written next to its place and renamed into it only when its report succeeded, so a
failed or interrupted run never leaves a half-written page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rusmiddel_analysis.calc.breakdowns import published_subgroups
from rusmiddel_analysis.calc.results import ensure_results
from rusmiddel_analysis.calc.results import fingerprint as results_fingerprint
from rusmiddel_analysis.config.files import has_manifest, read_manifest, write_atomically
from rusmiddel_analysis.config.paths import no_processed_data
from rusmiddel_analysis.ingest.process import available_years
from rusmiddel_analysis.publish import incremental
from rusmiddel_analysis.publish.executors import DaskExecutor, LocalExecutor
from rusmiddel_analysis.publish.front import write_front_page, write_how_page, write_methodology_page, write_strategies_page
from rusmiddel_analysis.publish.jobs import (
    Job,
    JobResult,
    ReportError,
    RunSummary,
    Settings,
    check_inputs,
    draft_warnings,
    find_kernel,
    pdf_name,
    plan,
)
from rusmiddel_analysis.publish.kernels import Rendered, prepare_conversion
from rusmiddel_analysis.publish.lock import outputs_lock
from rusmiddel_analysis.publish.pdf import write_pdf
from rusmiddel_analysis.publish.privacy import Gate, describe
from rusmiddel_analysis.publish.tables import write_year_tables, year_tables

EXECUTORS = ("local", "dask")


@dataclass
class Plan:
    """What a run does: every planned job, those to build, and each job's input hash."""

    years: list[int]
    planned: list[Job]
    todo: list[Job]
    digests: dict[Job, str]
    table_years: list[int]  # the years whose tables are written, unless one of their pages fails


def _weight(strategy, job: Job) -> int:
    """A report's work, roughly: its figures (the status report draws every target's trend)."""
    if job.kind == "status":
        return len(strategy.targets)
    if job.kind == "high_risk":  # a heatmap, two distributions, three sets of lines
        return 6
    return 1 + len(published_subgroups(strategy.target(job.target_id)))


def make_plan(strategy, settings: Settings, results_fingerprint: str, years, targets, force: bool) -> Plan:
    years = list(years) if years else available_years(strategy, settings.processed_dir)
    check_inputs(strategy, years, targets, settings)
    library = incremental.library_fingerprint()
    planned = plan(strategy, years, targets)
    digests = {job: incremental.input_hash(job, settings, results_fingerprint, library) for job in planned}
    also = lambda job: (pdf_name(strategy, job.year),) if job.kind == "status" and settings.pdf else ()
    todo = [job for job in planned if force or not incremental.up_to_date(job, settings.outputs_dir, digests[job], also(job))]
    todo.sort(key=lambda job: -_weight(strategy, job))  # the longest first, so no worker is left with one at the end
    rebuilt = {job.year for job in todo}
    tables = [y for y in years if force or y in rebuilt or not (settings.outputs_dir / str(y) / "assessment.csv").exists()]
    return Plan(years, planned, todo, digests, tables)


class Publisher:
    """Receives each rendered report: privacy gate first, then atomic writes; records the outcome."""

    def __init__(self, settings: Settings, run_plan: Plan, gate: Future, progress=None, strategy=None):
        self.settings, self.plan, self.gate, self.progress, self.strategy = settings, run_plan, gate, progress, strategy
        self.summary = RunSummary([JobResult(job, True, skipped=True) for job in run_plan.planned if job not in run_plan.todo])
        for result in self.summary.results:
            self._report(result)

    def _report(self, result: JobResult) -> None:
        if self.progress:
            self.progress(result, len(self.summary.results), len(self.plan.planned))

    def __call__(self, rendered: Rendered) -> None:
        result = JobResult(rendered.job, rendered.ok, rendered.seconds, rendered.error, rendered.cell)
        try:
            self._publish(rendered, result)
        except OSError as exc:
            result.ok = False
            result.error = f"cannot write to {self.settings.outputs_dir}: {exc.strerror or exc}; the previous page was kept"
        self.summary.results.append(result)
        self._report(result)
        if result.ok and self._pdf_follows(rendered.job):
            self._pdf_after_page(rendered, result)

    def _pdf_follows(self, job) -> bool:
        return job.kind == "status" and self.settings.pdf and self.settings.pdf_after_page

    def _pdf_after_page(self, rendered: Rendered, result: JobResult) -> None:
        """Watch mode: the status page is announced as soon as it is written; its PDF follows, then
        the stamp, so a PDF that cannot be written leaves no stamp and the next round makes both again."""
        job, year_dir = rendered.job, self.settings.outputs_dir / str(rendered.job.year)
        try:
            write_pdf(rendered.html, year_dir / pdf_name(self.strategy, job.year))
            write_atomically(incremental.stamp_path(self.settings.outputs_dir, job), json.dumps({"inputs": self.plan.digests[job]}))
        except OSError as exc:
            result.ok = False
            result.error = f"cannot write the PDF to {year_dir}: {exc.strerror or exc}; the page was written, its PDF was kept as it was"
            self._report(result)

    def _publish(self, rendered: Rendered, result: JobResult) -> None:
        gate: Gate = self.gate.result()
        job, year_dir = rendered.job, self.settings.outputs_dir / str(rendered.job.year)
        if not rendered.ok:
            self._keep_failure(gate, rendered, result)
            return
        leaks = gate.check(rendered.html, rendered.notebook)
        if leaks:
            result.ok = False
            result.error = f"privacy gate stopped the page: {describe(leaks)}; nothing was written"
            return
        write_atomically(year_dir / "notebooks" / job.nb_name, rendered.notebook)
        if job.kind == "status" and self.settings.pdf and not self.settings.pdf_after_page:
            write_pdf(rendered.html, year_dir / pdf_name(self.strategy, job.year))  # before the page: its link finds the PDF
        write_atomically(year_dir / job.html_name, rendered.html)
        if not self._pdf_follows(job):  # else the stamp follows the PDF (_pdf_after_page)
            write_atomically(incremental.stamp_path(self.settings.outputs_dir, job), json.dumps({"inputs": self.plan.digests[job]}))

    def _keep_failure(self, gate: Gate, rendered: Rendered, result: JobResult) -> None:
        """A failing report's message and notebook pass the same gate: either can quote data."""
        if gate.scan(result.error):
            result.error = result.error.split(":", 1)[0] + ": (message withheld: it may hold personal data)"
        if not rendered.notebook or gate.check("", rendered.notebook, complete=False):
            return  # nothing to keep, or it may hold personal data
        failed = self.settings.outputs_dir / "_failed" / str(rendered.job.year) / rendered.job.nb_name
        write_atomically(failed, rendered.notebook)
        result.failed_notebook = failed


def _executor(strategy, settings: Settings, run_plan: Plan, executor: str, scheduler, jobs, runner):
    """The executor for the run's work; a local one starts its kernels now, to warm up while the results are computed."""
    if runner is None and executor == "dask":
        return DaskExecutor(settings, scheduler)
    if runner is None:
        runner = LocalExecutor(settings, strategy, jobs or os.cpu_count() or 1)
    if isinstance(runner, LocalExecutor):
        runner.settings, runner.strategy = settings, strategy  # a shared runner renders this run's strategy now
        runner.prestart(len(run_plan.todo))
    return runner


def _tables_and_front_page(strategy, settings: Settings, tables: dict[int, Future], run_plan: Plan, summary: RunSummary) -> None:
    """The tables of every year whose pages all succeeded (made while the pages were built), then the front page."""
    failed_years = {r.job.year for r in summary.failures}
    table_years = [y for y in run_plan.table_years if y not in failed_years]
    front_page = settings.outputs_dir / "index.html"
    try:
        for year in table_years:
            write_year_tables(tables[year].result(), settings.outputs_dir / str(year))
        if run_plan.todo or table_years or not front_page.exists():
            demo = read_manifest(settings.processed_dir).get("synthetic_demo_data", False)
            write_front_page(strategy, settings.outputs_dir, settings.lang, demo)
            write_how_page(strategy, settings.outputs_dir, settings.lang, demo)
            write_methodology_page(settings.outputs_dir, settings.lang)
        summary.front_page = front_page
    except OSError as exc:
        summary.errors.append(f"cannot write {exc.filename or settings.outputs_dir}: {exc.strerror or exc}; the previous file was kept")


def _check_run(settings: Settings, executor: str, scheduler: str | None) -> None:
    if executor not in EXECUTORS:
        raise ReportError(f"unknown executor '{executor}'; use local or dask")
    if executor == "dask" and not scheduler:
        raise ReportError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if not has_manifest(settings.processed_dir):
        raise ReportError(no_processed_data(settings.processed_dir))


def run(
    strategy,
    settings: Settings,
    years: list[int] | None = None,
    targets: list[str] | None = None,
    progress=None,
    jobs: int | None = None,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    runner=None,
    gate=None,
) -> RunSummary:
    """Execute and convert the reports for `years` (default: every year with data) and `targets`.

    Only reports whose inputs changed are rebuilt (all with `force`). `runner` and `gate` let watch
    mode keep its kernels and privacy gate between runs. The caller's `settings` are not changed.
    """
    _check_run(settings, executor, scheduler)
    settings = settings.for_run(strategy)
    run_plan = make_plan(strategy, settings, results_fingerprint(strategy, settings.processed_dir), years, targets, force)
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)  # only once the inputs passed their checks
    with outputs_lock(settings.outputs_dir):  # one run at a time writes this folder
        summary = _build(strategy, settings, run_plan, progress, jobs, executor, scheduler, runner, gate)
    summary.warnings = draft_warnings(strategy, run_plan.planned, settings)
    return summary


def _build(strategy, settings: Settings, run_plan: Plan, progress, jobs, executor, scheduler, runner, gate) -> RunSummary:
    """Steps 2-5 of a run, holding the outputs folder's lock: results, pages, tables, front page."""
    own_runner = runner is None
    if run_plan.todo:
        settings = settings.for_run(strategy, find_kernel(settings.kernel_name))
        runner = _executor(strategy, settings, run_plan, executor, scheduler, jobs, runner)
    try:
        with ThreadPoolExecutor(max_workers=1) as background:
            summary, tables = _results_and_pages(strategy, settings, run_plan, runner, gate, progress, background)
            _tables_and_front_page(strategy, settings, tables, run_plan, summary)
    finally:
        if own_runner and isinstance(runner, LocalExecutor):
            runner.close()  # a failure before the work began leaves no prestarted kernel behind
    return summary


def _results_and_pages(
    strategy, settings: Settings, run_plan: Plan, runner, gate, progress, background: ThreadPoolExecutor
) -> tuple[RunSummary, dict[int, Future]]:
    """Compute (or read) the run's results while the kernels warm up, then build and publish the pages.

    In the background meanwhile: the privacy gate (needed when the first page comes back), the
    conversion to HTML made ready, and each year's tables.
    """
    results = ensure_results(strategy, settings.processed_dir)
    gate_future: Future = Future()
    if gate is not None:
        gate_future.set_result(gate)
    elif run_plan.todo:
        gate_future = background.submit(Gate.for_run, strategy, results, settings.processed_dir, settings.lang, settings.machine_roots())
    if run_plan.todo:
        background.submit(prepare_conversion, settings.lang)
    tables = {year: background.submit(year_tables, strategy, results, year, settings.lang) for year in run_plan.table_years}
    publisher = Publisher(settings, run_plan, gate_future, progress, strategy)
    if run_plan.todo:
        runner.run(run_plan.todo, publisher)
    return publisher.summary, tables


def watch(
    strategy,
    settings: Settings,
    years: list[int] | None = None,
    targets: list[str] | None = None,
    progress=None,
    jobs: int | None = None,
    interval: float = 0.5,
    stop=None,
    rounds=None,
) -> None:
    """Rebuild the reports whose inputs change, until Ctrl-C (or `stop` is set, or after `rounds`).

    For analysts writing a report: the kernels stay warm and the privacy gate stays built between
    rounds (rebuilt when the results change), so a rebuild costs the report's own work.
    `rounds`, if given, is called with each RunSummary.
    """
    stop = stop or threading.Event()
    settings = dataclasses.replace(settings, pdf_after_page=True)  # the page is what the analyst waits for
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    with outputs_lock(settings.outputs_dir):  # held while watching; each round's run passes through
        _watch_rounds(strategy, settings, years, targets, progress, jobs, interval, stop, rounds)


def _watch_rounds(strategy, settings: Settings, years, targets, progress, jobs, interval: float, stop, rounds) -> None:
    """Watch mode's rounds on kernels kept warm, until `stop` is set."""
    runner = LocalExecutor(settings.for_run(strategy, find_kernel(settings.kernel_name)), strategy, jobs or os.cpu_count() or 1, keep_kernels=True)
    gate, gate_key = None, None
    try:
        while not stop.is_set():
            _check_run(settings, "local", None)
            results = ensure_results(strategy, settings.processed_dir)
            if (results.fingerprint, settings.lang) != gate_key:
                gate = Gate.for_run(strategy, results, settings.processed_dir, settings.lang, settings.machine_roots())
                gate_key = (results.fingerprint, settings.lang)
            summary = run(strategy, settings, years, targets, progress=progress, runner=runner, gate=gate)
            if rounds:
                rounds(summary)
            stop.wait(interval)
    finally:
        runner.close()


def strategy_settings(strategy, settings: Settings) -> Settings:
    """One strategy's folders in a run of several: `<processed>/<id>`, `<status>/<id>`, `<outputs>/<id>`."""
    return dataclasses.replace(
        settings,
        processed_dir=settings.processed_dir / strategy.id,
        status_dir=settings.status_dir / strategy.id,
        outputs_dir=settings.outputs_dir / strategy.id,
        strategy_file=Path(strategy.path).resolve(),
    )


def run_many(strategies, settings: Settings, years=None, targets=None, progress=None, jobs=None, force=False, executor="local", scheduler=None):
    """The reports of several strategies in one run, through one pool of warm kernels (with the
    local executor; the Dask workers keep theirs): each strategy's outputs in `<outputs>/<id>/`, and
    a front page across them. Returns {strategy id: RunSummary}."""
    if len({s.id for s in strategies}) != len(strategies):
        raise ReportError("each --strategy must have its own id: their outputs go to <outputs>/<id>/")
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    with outputs_lock(settings.outputs_dir):  # the page across the strategies; each strategy's folder has its own lock
        return _run_many(strategies, settings, years, targets, progress, jobs, force, executor, scheduler)


def _run_many(strategies, settings: Settings, years, targets, progress, jobs, force, executor, scheduler):
    """run_many's work, holding the top outputs folder's lock."""
    runner = None
    if executor == "local":
        first = strategy_settings(strategies[0], settings)
        runner = LocalExecutor(
            first.for_run(strategies[0], find_kernel(first.kernel_name)), strategies[0], jobs or os.cpu_count() or 1, keep_kernels=True
        )
    summaries = {}
    try:
        for strategy in strategies:
            own = strategy_settings(strategy, settings)
            summaries[strategy.id] = run(strategy, own, years, targets, progress, jobs, force, executor, scheduler, runner=runner)
    finally:
        if runner is not None:
            runner.close()
    folders = [strategy_settings(s, settings).processed_dir for s in strategies]
    demo = any(read_manifest(f).get("synthetic_demo_data", False) for f in folders if has_manifest(f))
    write_strategies_page(strategies, settings.outputs_dir, settings.lang, demo)
    return summaries
