"""Warm kernels: one Jupyter kernel per worker, started once and reset before every report.

A kernel imports what the report views need once (kernel_state.warm_up) and is put back to a
pristine state before each report (kernel_state.restore). Reports run through papermill's engine
interface (the engine `rusmiddel-warm`), so every executed notebook still carries papermill's
metadata and parameters; `render` executes one job and converts it, writing nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rusmiddel_analysis.publish.convert import page_links, page_title, to_html
from rusmiddel_analysis.publish.jobs import Job, Settings, pdf_name
from rusmiddel_analysis.publish.privacy import without_machine_paths

ENGINE_NAME = "rusmiddel-warm"
KERNEL_STATE = "__import__('rusmiddel_analysis.publish.kernel_state').publish.kernel_state"
RESET_CODE = f"{KERNEL_STATE}.restore()"
WARM_UP_CODE = f"{KERNEL_STATE}.warm_up()"


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
        # no command history: a report kernel never needs it, and keeping it costs each cell a database write
        self.starter = NotebookClient(
            nbformat.v4.new_notebook(),
            km=self.km,
            kernel_name=kernel_name,
            startup_timeout=startup_timeout,
            timeout=startup_timeout,
            extra_arguments=["--HistoryManager.enabled=False"],
        )
        self.starter.start_new_kernel(cwd=str(cwd) if cwd else None)
        self.starter.start_new_kernel_client()
        self.kc = self.starter.kc
        self.run(WARM_UP_CODE, timeout=120)

    def run(self, code: str, timeout: int = 60) -> None:
        """Run code silently (no history, no outputs kept); raise if it fails."""
        self.starter.timeout = timeout
        reply = self.starter.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            content = (reply or {}).get("content", {})
            raise RuntimeError(f"kernel set-up failed: {content.get('ename', 'no reply')}: {content.get('evalue', '')}")

    def reset(self, project: str | None = None) -> None:
        """Back to the pristine state, working in `project` (silent: nothing of it reaches the notebook)."""
        self.run(f"{KERNEL_STATE}.restore({project!r})" if project else RESET_CODE)

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


_ENGINE = None


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
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            warm_kernel: WarmKernel = None,
            execution_timeout=None,
            log_output=False,
            holder: dict | None = None,
            project: str | None = None,
            **kwargs,
        ):
            client = PapermillNotebookClient(
                nb_man, km=warm_kernel.km, kernel_name=kernel_name, timeout=execution_timeout, log_output=log_output, raise_on_iopub_timeout=True
            )
            client.kc = warm_kernel.kc
            client.reset_execution_trackers()
            if holder is not None:
                holder["nb"] = nb_man.nb
            warm_kernel.reset(project)
            client.papermill_execute_cells()
            info = client.wait_for_reply(client.kc.kernel_info())
            nb_man.nb.metadata["language_info"] = info["content"]["language_info"]
            return nb_man.nb

    _ENGINE = WarmKernelEngine
    return _ENGINE


def register_engine() -> None:
    """Make the warm-kernel engine known to papermill (once per process)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register(ENGINE_NAME, _engine_class())


@dataclass
class Rendered:
    job: Job
    ok: bool
    seconds: float
    html: str = ""
    notebook: str = ""  # the executed notebook as JSON text
    error: str = ""
    cell: int | None = None
    kernel_lost: bool = False


def _as_published(notebook, job: Job, roots: dict[str, str]) -> str:
    """An executed notebook as JSON with no path of this machine: papermill's input path is the
    notebook's name, and every folder of `roots` a traceback or warning quotes is made relative."""
    import nbformat

    notebook.metadata.setdefault("papermill", {})
    notebook.metadata["papermill"].update(input_path=job.notebook, output_path=None)
    return without_machine_paths(nbformat.writes(notebook), roots)


def render(job: Job, settings: Settings, strategy, kernel: WarmKernel) -> Rendered:
    """Execute one notebook on a warm kernel and convert it; nothing is written to disk."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    register_engine()
    started = time.perf_counter()
    source = nbformat.read(settings.notebooks_dir / job.notebook, as_version=4)
    holder: dict = {}
    roots = settings.machine_roots()
    try:
        notebook = pm.execute_notebook(
            source,
            None,
            parameters=settings.parameters(job),
            engine_name=ENGINE_NAME,
            kernel_name=settings.kernel_name,
            progress_bar=False,
            log_output=False,
            execution_timeout=settings.timeout,
            warm_kernel=kernel,
            holder=holder,
            project=str(settings.base),
        )
    except PapermillExecutionError as exc:
        failed = _as_published(holder["nb"], job, roots) if "nb" in holder else ""
        error = without_machine_paths(f"{exc.ename}: {exc.evalue}".strip(), roots)
        return Rendered(job, False, time.perf_counter() - started, notebook=failed, error=error, cell=exc.exec_count)
    except Exception as exc:  # dead kernel, timeout
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0] if str(exc) else type(exc).__name__
        return Rendered(job, False, time.perf_counter() - started, error=without_machine_paths(message, roots), kernel_lost=True)
    published = _as_published(notebook, job, roots)
    pdf = pdf_name(strategy, job.year) if settings.pdf else None
    links = page_links(job, settings.lang, pdf)
    html = to_html(nbformat.reads(published, as_version=4), page_title(strategy, job, settings.lang), settings.lang, links)
    return Rendered(job, True, time.perf_counter() - started, html=html, notebook=published)


def prepare_conversion(lang: str) -> None:
    """Import papermill and make the HTML exporter ready before the first report comes back (each costs
    about half a second, which would otherwise hold up the first page of every worker)."""
    from rusmiddel_analysis.publish.convert import html_exporter

    register_engine()
    html_exporter(lang)
