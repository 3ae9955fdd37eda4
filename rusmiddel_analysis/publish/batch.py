"""Fast, incremental, isolated batch execution of the report notebooks.

- Warm kernels: each worker keeps one Jupyter kernel that has imported the heavy modules once
  (kernel_state.warm_up) and is reset to a pristine state before every report
  (kernel_state.restore). Reports run through papermill's engine interface (the engine
  `rusmiddel-warm`), so every executed notebook still carries papermill's metadata and parameters.
- Parallel: `jobs` worker threads, each owning its kernel; the kernels are separate processes,
  so reports run in parallel on several cores. HTML conversion happens in-process.
- Incremental: a report is rebuilt only when a hash of its inputs changed (the notebook, the
  processed data it reads, the library's code, its parameters, the qualitative status file, the
  language, the strategy file).
- Distributed: with `executor="dask"`, jobs go to a Dask distributed cluster; each Dask worker
  keeps its own warm kernel and returns the page and the executed notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rusmiddel_analysis.config.files import read_manifest, sha256_file
from rusmiddel_analysis.config.paths import PACKAGE
from rusmiddel_analysis.publish.report import Job, Settings, page_links, page_title, to_html

ENGINE_NAME = "rusmiddel-warm"
RESET_CODE = "__import__('rusmiddel_analysis.publish.kernel_state').publish.kernel_state.restore()"
WARM_UP_CODE = "__import__('rusmiddel_analysis.publish.kernel_state').publish.kernel_state.warm_up()"


# --- warm kernels --------------------------------------------------------------------------------

class WarmKernel:
    """One kernel process, started once, reused for many reports, reset before each."""

    def __init__(self, kernel_name: str, cwd: Path | None = None, startup_timeout: int = 60):
        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        # ipc: local sockets instead of open TCP ports; each kernel gets its own private socket folder,
        # so kernels started at the same moment never pick the same socket names
        if os.name == "posix":
            self.socket_dir = tempfile.mkdtemp(prefix="rusmiddel-kernel-")
            self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(self.socket_dir, "k"))
        else:
            self.socket_dir = None
            self.km = AsyncKernelManager(kernel_name=kernel_name)
        self.starter = NotebookClient(nbformat.v4.new_notebook(), km=self.km, kernel_name=kernel_name,
                                      startup_timeout=startup_timeout, timeout=startup_timeout)
        self.starter.start_new_kernel(cwd=str(cwd) if cwd else None)
        self.starter.start_new_kernel_client()
        self.kc = self.starter.kc
        self.run(WARM_UP_CODE, timeout=120)
        self.reports = 0

    def run(self, code: str, timeout: int = 60) -> None:
        """Run code silently (no history, no outputs kept); raise if it fails."""
        self.starter.timeout = timeout
        reply = self.starter.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            content = (reply or {}).get("content", {})
            raise RuntimeError(f"kernel set-up failed: {content.get('ename', 'no reply')}: {content.get('evalue', '')}")

    def reset(self) -> None:
        self.run(RESET_CODE)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the kernel; never blocks for longer than `timeout` (then the process is killed)."""
        from jupyter_core.utils import run_sync

        finished = threading.Event()

        def stop():
            try:
                self.kc.stop_channels()
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
            finally:
                finished.set()

        threading.Thread(target=stop, daemon=True).start()
        if not finished.wait(timeout):
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()
        if self.socket_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


def _engine_class():
    """The papermill engine class, made on first use (papermill is slow to import)."""
    global _ENGINE
    if _ENGINE is not None:
        return _ENGINE
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine

    class WarmKernelEngine(Engine):
        """papermill engine: execute a managed notebook on an already running WarmKernel.

        papermill's own per-cell bookkeeping (PapermillNotebookClient) runs as usual, so the executed
        notebook carries papermill's metadata; only the kernel is reused. The executed notebook is
        also left in `holder["nb"]`, so a failing one can be saved for inspection.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, warm_kernel: WarmKernel = None, execution_timeout=None,
                                     log_output=False, holder: dict | None = None, **kwargs):
            client = PapermillNotebookClient(nb_man, km=warm_kernel.km, kernel_name=kernel_name, timeout=execution_timeout,
                                             log_output=log_output, raise_on_iopub_timeout=True)
            client.kc = warm_kernel.kc
            client.reset_execution_trackers()
            if holder is not None:
                holder["nb"] = nb_man.nb
            warm_kernel.reset()
            client.papermill_execute_cells()
            info = client.wait_for_reply(client.kc.kernel_info())
            nb_man.nb.metadata["language_info"] = info["content"]["language_info"]
            return nb_man.nb

    _ENGINE = WarmKernelEngine
    return _ENGINE


_ENGINE = None


def register_engine() -> None:
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, _engine_class())


# --- one report ----------------------------------------------------------------------------------

@dataclass
class Rendered:
    job: Job
    ok: bool
    seconds: float
    html: str = ""
    notebook: str = ""          # the executed notebook as JSON text
    error: str = ""
    cell: int | None = None
    kernel_lost: bool = False


def render(job: Job, settings: Settings, strategy, kernel: WarmKernel) -> Rendered:
    """Execute one notebook on a warm kernel and convert it; nothing is written to disk."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    register_engine()
    started = time.perf_counter()
    source = nbformat.read(settings.notebooks_dir / job.notebook, as_version=4)
    holder: dict = {}
    try:
        notebook = pm.execute_notebook(
            source, None, parameters=settings.parameters(job), engine_name=ENGINE_NAME, kernel_name=settings.kernel_name,
            progress_bar=False, log_output=False, execution_timeout=settings.timeout, warm_kernel=kernel, holder=holder,
        )
    except PapermillExecutionError as exc:
        failed = nbformat.writes(holder["nb"]) if "nb" in holder else ""
        return Rendered(job, False, time.perf_counter() - started, notebook=failed, error=f"{exc.ename}: {exc.evalue}".strip(),
                        cell=exc.exec_count)
    except Exception as exc:  # dead kernel, timeout
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0] if str(exc) else type(exc).__name__
        return Rendered(job, False, time.perf_counter() - started, error=message, kernel_lost=True)
    html = to_html(notebook, page_title(strategy, job, settings.lang), settings.lang, page_links(job, settings.lang))
    return Rendered(job, True, time.perf_counter() - started, html=html, notebook=nbformat.writes(notebook))


# --- incremental builds ---------------------------------------------------------------------------

LIBRARY_SUFFIXES = (".py", ".yaml", ".j2", ".css", ".json")


def library_fingerprint() -> str:
    """The library's version and a hash of its code, text catalogues and templates."""
    from rusmiddel_analysis.config.version import __version__

    root = PACKAGE
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in LIBRARY_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def sources_read(strategy, job: Job) -> list[str]:
    """The processed sources a report reads.

    Every report reads every target's source: a target's verdict depends on the year's other
    targets through the correction for multiple tests (docs/methodology.md, section 4).
    """
    return sorted({t.source for t in strategy.targets} | {"behandling_opfoelgning"})


def input_hash(job: Job, settings: Settings, strategy, library: str) -> str:
    """A hash of everything a report's page depends on."""
    manifest = read_manifest(settings.processed_dir)
    data = {name: manifest["sources"].get(name) for name in sources_read(strategy, job)}
    parts = {
        "notebook": sha256_file(settings.notebooks_dir / job.notebook),
        "data": data,
        "synthetic": manifest.get("synthetic_demo_data"),
        "library": library,
        "parameters": settings.parameters(job) | {"processed_dir": None, "status_dir": None},
        "lang": settings.lang,
        "strategy": sha256_file(Path(strategy.path)),
        "status_text": sha256_file(settings.status_dir / f"{job.year}.md") if job.kind == "status" else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def stamp_path(outputs: Path, job: Job) -> Path:
    return outputs / str(job.year) / ".stamps" / f"{Path(job.html_name).stem}.json"


def up_to_date(job: Job, outputs: Path, digest: str) -> bool:
    stamp = stamp_path(outputs, job)
    if not (outputs / str(job.year) / job.html_name).exists() or not stamp.exists():
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("inputs") == digest
    except (OSError, ValueError):
        return False


# --- executors -------------------------------------------------------------------------------------

class LocalExecutor:
    """`jobs` threads, each with its own warm kernel; results come back through a queue.

    With `keep_kernels`, idle kernels wait in a pool for the next `run` (watch mode) until `close`.
    """

    def __init__(self, settings: Settings, strategy, jobs: int, keep_kernels: bool = False):
        self.settings, self.strategy, self.jobs = settings, strategy, max(1, jobs)
        self.keep_kernels = keep_kernels
        self.pool: queue.LifoQueue = queue.LifoQueue()
        self.started = 0  # kernels started over this executor's life
        self.busy: set = set()  # kernels rendering a report right now

    def close(self) -> None:
        while not self.pool.empty():
            self.pool.get_nowait().shutdown()

    def run(self, work: list[Job], deliver) -> None:
        todo: queue.Queue = queue.Queue()
        for job in work:
            todo.put(job)
        done: queue.Queue = queue.Queue()
        stop = threading.Event()
        workers = [threading.Thread(target=self._worker, args=(todo, done, stop), daemon=True)
                   for _ in range(min(self.jobs, len(work)))]
        for w in workers:
            w.start()
        completed = False
        try:
            for _ in range(len(work)):
                deliver(done.get())
            completed = True
        finally:
            stop.set()
            if not completed:  # interrupted: stop the reports under way instead of waiting for them
                for kernel in list(self.busy):
                    kernel.shutdown(timeout=5)
            for w in workers:
                w.join(timeout=30 if completed else 5)

    def _worker(self, todo: queue.Queue, done: queue.Queue, stop: threading.Event) -> None:
        try:
            kernel = self.pool.get_nowait()
        except queue.Empty:
            kernel = None
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    if kernel is None:
                        kernel = WarmKernel(self.settings.kernel_name, cwd=self.settings.notebooks_dir.parent)
                        self.started += 1
                    self.busy.add(kernel)
                    try:
                        result = render(job, self.settings, self.strategy, kernel)
                    finally:
                        self.busy.discard(kernel)
                except Exception as exc:  # kernel failed to start or reset
                    result = Rendered(job, False, 0.0, error=f"{type(exc).__name__}: {exc}".splitlines()[0], kernel_lost=True)
                except BaseException:  # the run was interrupted and this report's kernel stopped: end quietly
                    if stop.is_set():
                        kernel = None
                        return
                    raise
                if result.kernel_lost or (kernel is not None and not kernel.alive()):
                    if kernel is not None:
                        kernel.shutdown()
                    kernel = None  # a fresh kernel for the next report
                done.put(result)
        finally:
            if kernel is not None:
                if self.keep_kernels and not stop.is_set() and kernel.alive():
                    self.pool.put(kernel)
                else:
                    kernel.shutdown()


_DASK_KERNEL: WarmKernel | None = None


def render_on_dask_worker(job: Job, settings: Settings) -> Rendered:
    """Runs on a Dask worker: one warm kernel per worker process, kept between tasks."""
    global _DASK_KERNEL
    from rusmiddel_analysis.config.strategy import load_strategy

    strategy = load_strategy(settings.strategy_file)
    if _DASK_KERNEL is None or not _DASK_KERNEL.alive():
        _DASK_KERNEL = WarmKernel(settings.kernel_name, cwd=settings.notebooks_dir.parent)
    result = render(job, settings, strategy, _DASK_KERNEL)
    if result.kernel_lost:
        _DASK_KERNEL.shutdown()
        _DASK_KERNEL = None
    return result


class DaskExecutor:
    """Sends each report to a Dask distributed cluster (optional extra: pip install '.[dask]')."""

    def __init__(self, settings: Settings, scheduler: str):
        try:
            from distributed import Client
        except ImportError:
            from rusmiddel_analysis.publish.report import ReportError
            raise ReportError("the dask executor needs the optional extra: pip install 'rusmiddel-analysis[dask]'") from None
        self.settings = settings
        self.client = Client(scheduler, timeout="20s")

    def run(self, work: list[Job], deliver) -> None:
        from distributed import as_completed

        futures = [self.client.submit(render_on_dask_worker, job, self.settings, pure=False, key=f"rusmiddel-{job.name}-{time.time_ns()}")
                   for job in work]
        try:
            for future in as_completed(futures):
                try:
                    deliver(future.result())
                except Exception as exc:
                    job = work[futures.index(future)]
                    deliver(Rendered(job, False, 0.0, error=f"{type(exc).__name__}: {exc}".splitlines()[0]))
        finally:
            self.client.close()
