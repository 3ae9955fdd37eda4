"""Executors: where the reports run. Locally on warm kernels in parallel threads, or on a Dask cluster.

- Local: `jobs` worker threads, each owning its kernel; the kernels are separate processes, so
  reports run in parallel on several cores. HTML conversion happens in-process.
- Distributed: with `executor="dask"`, jobs go to a Dask distributed cluster; each Dask worker
  keeps its own warm kernel and returns the page and the executed notebook.
"""

from __future__ import annotations

import queue
import threading
import time

from rusmiddel_analysis.publish.jobs import Job, ReportError, Settings
from rusmiddel_analysis.publish.kernels import Rendered, WarmKernel, render


class LocalExecutor:
    """`jobs` threads, each with its own warm kernel; results come back through a queue.

    With `keep_kernels`, idle kernels wait in a pool for the next `run` (watch mode) until `close`.
    """

    def __init__(self, settings: Settings, strategy, jobs: int, keep_kernels: bool = False):
        self.settings, self.strategy, self.jobs = settings, strategy, max(1, jobs)
        self.keep_kernels = keep_kernels
        self.pool: queue.LifoQueue = queue.LifoQueue()
        self.started = 0  # kernels started over this executor's life
        self.starting = 0  # kernels being started ahead of the work (prestart)
        self.lock = threading.Lock()
        self.busy: set = set()  # kernels rendering a report right now

    def prestart(self, n: int) -> None:
        """Start up to `n` kernels in the background now, so they warm up while the run computes its results."""
        for _ in range(min(n, self.jobs) - self.pool.qsize()):
            with self.lock:
                self.starting += 1
            threading.Thread(target=self._start_one, daemon=True).start()

    def _start_one(self) -> None:
        try:
            kernel = self._new_kernel()
            self.pool.put(kernel)
        except Exception:  # a worker starts its own and reports why it failed
            pass
        finally:
            with self.lock:
                self.starting -= 1

    def _new_kernel(self) -> WarmKernel:
        kernel = WarmKernel(self.settings.kernel_name, cwd=self.settings.notebooks_dir.parent)
        with self.lock:
            self.started += 1
        return kernel

    def _take_kernel(self) -> WarmKernel | None:
        """A warm kernel from the pool, waiting for one being prestarted; None when none is coming."""
        while True:
            try:
                return self.pool.get(timeout=0.05)
            except queue.Empty:
                with self.lock:
                    if self.starting == 0 and self.pool.empty():
                        return None

    def close(self) -> None:
        while self.starting:
            time.sleep(0.05)
        while not self.pool.empty():
            self.pool.get_nowait().shutdown()

    def run(self, work: list[Job], deliver) -> None:
        todo: queue.Queue = queue.Queue()
        for job in work:
            todo.put(job)
        done: queue.Queue = queue.Queue()
        stop = threading.Event()
        workers = [threading.Thread(target=self._worker, args=(todo, done, stop), daemon=True) for _ in range(min(self.jobs, len(work)))]
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
            if not self.keep_kernels:
                self.close()  # kernels prestarted for work that never needed them

    def _worker(self, todo: queue.Queue, done: queue.Queue, stop: threading.Event) -> None:
        kernel = self._take_kernel()
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    if kernel is None:
                        kernel = self._new_kernel()
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
    from rusmiddel_analysis.config.strategy import load_strategy  # the worker's own copy of the run's strategy

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
            raise ReportError("the dask executor needs the optional extra: pip install 'rusmiddel-analysis[dask]'") from None
        self.settings = settings
        self.client = Client(scheduler, timeout="20s")

    def run(self, work: list[Job], deliver) -> None:
        from distributed import as_completed

        futures = [
            self.client.submit(render_on_dask_worker, job, self.settings, pure=False, key=f"rusmiddel-{job.name}-{time.time_ns()}") for job in work
        ]
        try:
            for future in as_completed(futures):
                try:
                    deliver(future.result())
                except Exception as exc:
                    job = work[futures.index(future)]
                    deliver(Rendered(job, False, 0.0, error=f"{type(exc).__name__}: {exc}".splitlines()[0]))
        finally:
            self.client.close()
