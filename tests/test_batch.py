"""Batch runs: warm-kernel isolation, parallel = sequential, failure isolation, incremental builds, Dask."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.config.paths import NOTEBOOKS
from rusmiddel_analysis.publish import incremental, jobs, kernels
from rusmiddel_analysis.publish import run as runs
from rusmiddel_analysis.publish.lock import LOCK_NAME, OutputsBusy, outputs_lock

from .conftest import tree_hashes

pytestmark = pytest.mark.slow  # runs notebooks and reports end to end: `make test`, not `make check`

ROOT = Path(__file__).resolve().parents[1]


def settings_for(demo_dirs, outputs, **kwargs):
    raw, processed = demo_dirs
    return jobs.Settings(processed_dir=processed, status_dir=kwargs.pop("status_dir", raw / "status"), outputs_dir=outputs, **kwargs)


def notebooks_with_cell(tmp_path, source: str) -> Path:
    """A copy of the report notebooks with one extra cell after the parameters (a planted fault)."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    book = nbformat.read(folder / "target_report.ipynb", as_version=4)
    book.cells.insert(2, nbformat.v4.new_code_cell(source))
    nbformat.write(book, folder / "target_report.ipynb")
    return folder


def test_reports_sharing_a_warm_kernel_do_not_see_each_other(tmp_path):
    import papermill as pm

    first = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, warnings, matplotlib, pandas as pd, numpy as np\n"
                "leaked = 42\nmatplotlib.rcParams['lines.linewidth'] = 9\npd.set_option('display.max_rows', 3)\n"
                "os.environ['RM_LEAK'] = '1'\nwarnings.simplefilter('error')\nnp.seterr(all='raise')\n"
                "os.chdir('/')\nimport matplotlib.pyplot as plt\nplt.figure()"
            )
        ]
    )
    second = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, warnings, matplotlib, pandas as pd, numpy as np, sys\n"
                "state = {'leaked': 'leaked' in globals(), 'linewidth': matplotlib.rcParams['lines.linewidth'],\n"
                "         'max_rows': pd.get_option('display.max_rows'), 'env': os.environ.get('RM_LEAK'),\n"
                "         'error_filter': any(f[0] == 'error' and f[2] is Warning for f in warnings.filters), 'np': np.geterr()['divide'],\n"
                "         'cwd': os.getcwd(), 'figures': len(sys.modules['matplotlib.pyplot'].get_fignums())}\n"
                "print(state)"
            )
        ]
    )
    for book in (first, second):
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        book.cells.insert(0, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}))
    kernels.register_engine()
    kernel = kernels.WarmKernel(jobs.find_kernel(), cwd=tmp_path)
    try:
        done = [
            pm.execute_notebook(
                book, None, parameters={"x": 2}, engine_name=kernels.ENGINE_NAME, kernel_name="python3", progress_bar=False, warm_kernel=kernel
            )
            for book in (first, second)
        ]
    finally:
        kernel.shutdown()
    printed = done[1].cells[-1].outputs[0].text
    state = eval(printed)
    assert state == {
        "leaked": False,
        "linewidth": 1.5,
        "max_rows": 60,
        "env": None,
        "error_filter": False,
        "np": "warn",
        "cwd": str(tmp_path),
        "figures": 0,
    }
    for book in done:
        assert book.metadata.papermill.parameters == {"x": 2}
        assert book.cells[0].execution_count == 1  # every report counts from 1
        assert "papermill" in book.cells[-1].metadata


def test_parallel_run_equals_sequential_run(demo_report, demo_dirs, tmp_path, strategy):
    outputs = tmp_path / "seq"
    summary = runs.run(strategy, settings_for(demo_dirs, outputs), years=[2017], targets=["skole_alkohol", "behandling_stof_effekt"], jobs=1)
    assert not summary.failures
    for name in ("skole_alkohol.html", "behandling_stof_effekt.html"):
        assert (outputs / "2017" / name).read_text() == (demo_report / "2017" / name).read_text()
    assert (outputs / "2017" / "assessment.csv").read_text() == (demo_report / "2017" / "assessment.csv").read_text()


def test_failures_are_isolated_and_reported(demo_dirs, tmp_path, strategy, capsys):
    outputs = tmp_path / "outputs"
    raw, processed = demo_dirs
    common = ["report", "--year", "2017", "--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs)]
    targets = ["--target", "skole_alkohol", "--target", "skole_hash", "--target", "skole_stoffer", "--target", "behandling_antal"]
    assert main(common + targets) == 0
    before = {p.name: p.read_text() for p in (outputs / "2017").glob("*.html")}
    faults = notebooks_with_cell(
        tmp_path,
        (
            "import os, time\n"
            "if target_id == 'skole_hash':\n    raise ValueError('planted failure')\n"
            "if target_id == 'skole_stoffer':\n    os._exit(1)\n"
            "if target_id == 'behandling_antal':\n    time.sleep(30)\n"
        ),
    )
    capsys.readouterr()
    code = main(common + targets + ["--notebooks", str(faults), "--force", "--timeout", "3", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "3 report(s) failed; the previous pages were kept" in err
    assert "target skole_hash, 2017, cell 3: ValueError: planted failure" in err
    assert f"failing notebook: {outputs / '_failed' / '2017' / 'skole_hash.ipynb'}" in err
    assert "target skole_stoffer, 2017: DeadKernelError" in err
    assert "target behandling_antal, 2017" in err and "Timeout" in err
    after = {p.name: p.read_text() for p in (outputs / "2017").glob("*.html")}
    for name in ("skole_hash.html", "skole_stoffer.html", "behandling_antal.html"):
        assert after[name] == before[name]  # the previous good page stays
    failed = nbformat.read(outputs / "_failed" / "2017" / "skole_hash.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in failed.cells if c.cell_type == "code" for o in c.outputs)
    assert not list(outputs.rglob("*.tmp"))


def test_incremental_rebuilds_exactly_what_changed(demo_report, demo_dirs, tmp_path, strategy):
    raw, _ = demo_dirs
    outputs = tmp_path / "outputs"
    shutil.copytree(demo_report, outputs)
    status = tmp_path / "status"
    shutil.copytree(raw / "status", status)
    settings = settings_for(demo_dirs, outputs, status_dir=status)
    started = time.perf_counter()
    unchanged = runs.run(strategy, settings, years=[2017])
    # per year the status report, the high-risk page and every target
    assert all(r.skipped for r in unchanged.results) and len(unchanged.results) == 2 + len(strategy.targets)
    assert time.perf_counter() - started < 5
    with open(status / "2017.md", "a", encoding="utf-8") as handle:
        handle.write("\n- Endnu en indsats.\n")
    changed = runs.run(strategy, settings, years=[2017])
    assert [r.job.name for r in changed.results if not r.skipped] == ["2017/index"]
    assert "Endnu en indsats." in (outputs / "2017" / "index.html").read_text()
    english = runs.run(strategy, settings_for(demo_dirs, outputs, status_dir=status, lang="en"), years=[2017], targets=["skole_alkohol"])
    assert [r.job.name for r in english.results if not r.skipped] == ["2017/skole_alkohol"]


def test_input_hash_follows_the_results_a_report_reads(demo_dirs, tmp_path, strategy):
    """Every page reads the run's results (Holm's correction ties a target's verdict to every other target),
    so the results' fingerprint stands for the data, the strategy file and the calculation code."""
    from rusmiddel_analysis.calc.results import fingerprint

    settings = settings_for(demo_dirs, tmp_path)
    library, results = incremental.library_fingerprint(), fingerprint(strategy, settings.processed_dir)
    school = jobs.Job("target", 2017, "skole_alkohol")
    digest = incremental.input_hash(school, settings, results, library)
    assert digest == incremental.input_hash(school, settings, results, library)
    assert digest != incremental.input_hash(school, settings, results, library + "x")
    assert digest != incremental.input_hash(school, settings, results + "x", library)
    assert digest != incremental.input_hash(jobs.Job("target", 2018, "skole_alkohol"), settings, results, library)
    assert digest != incremental.input_hash(school, settings_for(demo_dirs, tmp_path, lang="en"), results, library)


def test_interrupted_run_keeps_previous_outputs(demo_dirs, tmp_path, strategy):
    raw, processed = demo_dirs
    outputs = tmp_path / "outputs"
    args = [
        sys.executable,
        "-m",
        "rusmiddel_analysis.cli",
        "report",
        "--year",
        "2017",
        "--processed",
        str(processed),
        "--status",
        str(raw / "status"),
        "--outputs",
        str(outputs),
        "--jobs",
        "1",
    ]
    subprocess.run(args + ["--target", "skole_alkohol", "--target", "skole_hash"], check=True, capture_output=True)
    before = {p: p.read_bytes() for p in outputs.rglob("*") if p.is_file()}
    # a shell's background jobs start with Ctrl-C ignored, which children inherit: restore it for the run
    process = subprocess.Popen(
        args + ["--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    line = process.stdout.readline()  # the first report has finished: interrupt the rest
    assert line.startswith(f"[1/{2 + len(strategy.targets)}]")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not list(outputs.rglob("*.tmp"))
    assert not (outputs / LOCK_NAME).exists()  # Ctrl-C releases the outputs folder too
    for path, content in before.items():
        now = path.read_bytes()
        if path.suffix == ".html":
            assert now.rstrip().endswith(b"</html>")  # a page is either the old or a complete new one
        if path.name in ("skole_hash.html", "assessment.csv"):
            assert now == content


def test_dask_executor_on_a_local_cluster(demo_dirs, tmp_path, strategy):
    distributed = pytest.importorskip("distributed", reason="install the optional extra: pip install '.[dask]'")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        summary = runs.run(
            strategy,
            settings_for(demo_dirs, tmp_path / "outputs"),
            years=[2017],
            targets=["skole_alkohol", "ungdom_hash"],
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
    assert not summary.failures and len(summary.results) == 2
    html = (tmp_path / "outputs" / "2017" / "ungdom_hash.html").read_text()
    assert "Ungdomsuddannelser: ikke prøvet hash – 2017" in html
    book = json.loads((tmp_path / "outputs" / "2017" / "notebooks" / "ungdom_hash.ipynb").read_text())
    assert book["metadata"]["papermill"]["parameters"]["target_id"] == "ungdom_hash"


def test_executor_errors(demo_dirs, tmp_path, strategy):
    with pytest.raises(jobs.ReportError, match="needs --scheduler"):
        runs.run(strategy, settings_for(demo_dirs, tmp_path), years=[2017], targets=["skole_alkohol"], executor="dask")
    with pytest.raises(jobs.ReportError, match="unknown executor 'spark'"):
        runs.run(strategy, settings_for(demo_dirs, tmp_path), years=[2017], targets=["skole_alkohol"], executor="spark")


def test_watch_mode_keeps_its_kernels_and_rebuilds_what_changes(demo_report, demo_dirs, tmp_path, strategy):
    import threading

    raw, _ = demo_dirs
    outputs, status = tmp_path / "outputs", tmp_path / "status"
    shutil.copytree(demo_report, outputs)
    shutil.copytree(raw / "status", status)
    settings = settings_for(demo_dirs, outputs, status_dir=status)
    stop, rounds, built = threading.Event(), [], []
    executors = []
    real = runs.LocalExecutor

    class Recording(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            executors.append(self)

    def record(summary):
        assert (outputs / LOCK_NAME).exists()  # watching holds the outputs folder between rounds
        rounds.append(summary)
        built.extend(r.job.name for r in summary.results if not r.skipped)
        if len(rounds) == 2:  # the analyst edits the status text twice while watching
            with open(status / "2017.md", "a", encoding="utf-8") as handle:
                handle.write("\n- Tilføjet under skrivningen.\n")
        if len(rounds) == 4:
            with open(status / "2017.md", "a", encoding="utf-8") as handle:
                handle.write("\n- Og en rettelse mere.\n")
        if len(rounds) == 6:
            stop.set()

    runs.LocalExecutor = Recording
    try:
        runs.watch(strategy, settings, years=[2017], interval=0.05, stop=stop, rounds=record)
    finally:
        runs.LocalExecutor = real
    assert built == ["2017/index", "2017/index"]
    assert executors[0].started == 1  # one warm kernel served both rebuilds
    assert executors[0].pool.empty()  # and was shut down when watching stopped
    assert "Og en rettelse mere." in (outputs / "2017" / "index.html").read_text()
    assert not (outputs / LOCK_NAME).exists()


def test_watch_mode_announces_the_status_page_before_its_pdf(demo_report, demo_dirs, tmp_path, strategy):
    """Under --watch the analyst waits for the page: it is written and announced first, its PDF is
    made after it, then the stamp (the next round finds the page up to date)."""
    import threading

    raw, _ = demo_dirs
    outputs, status = tmp_path / "outputs", tmp_path / "status"
    shutil.copytree(demo_report, outputs)
    shutil.copytree(raw / "status", status)
    page, pdf = outputs / "2017" / "index.html", outputs / "2017" / jobs.pdf_name(strategy, 2017)
    before = pdf.stat().st_mtime_ns
    seen, rounds, stop = [], [], threading.Event()

    def progress(result, done, total):
        if not result.skipped and result.job.name == "2017/index":
            seen.append((result.ok, page.stat().st_mtime_ns, pdf.stat().st_mtime_ns))

    def record(summary):
        rounds.append([r.job.name for r in summary.results if not r.skipped])
        if len(rounds) == 1:
            with open(status / "2017.md", "a", encoding="utf-8") as handle:
                handle.write("\n- Tilføjet under skrivningen.\n")
        if len(rounds) == 3:
            stop.set()

    settings = settings_for(demo_dirs, outputs, status_dir=status)
    runs.watch(strategy, settings, years=[2017], interval=0.05, stop=stop, rounds=record, progress=progress)
    ((ok, page_at, pdf_at),) = seen
    assert ok and pdf_at == before < page_at  # announced while the PDF was still the one from before
    assert pdf.stat().st_mtime_ns >= page_at  # then made after the page
    assert rounds == [[], ["2017/index"], []]  # the stamp followed: nothing left to rebuild


def test_a_second_run_on_the_same_outputs_refuses_and_changes_nothing_and_a_stale_lock_is_taken_over(demo_report, demo_dirs, tmp_path, capsys):
    raw, processed = demo_dirs
    outputs = tmp_path / "outputs"
    shutil.copytree(demo_report, outputs)
    holding = (
        "import sys, time\nfrom pathlib import Path\nfrom rusmiddel_analysis.publish.lock import outputs_lock\n"
        "with outputs_lock(Path(sys.argv[1]), command='rusmiddel report --lang da'):\n    print('held', flush=True)\n    time.sleep(120)\n"
    )
    first = subprocess.Popen([sys.executable, "-c", holding, str(outputs)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "held"
        before = tree_hashes(outputs)
        paths = ["--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs)]
        assert main(["report", "--year", "2017", "--lang", "en", "--force", *paths]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert f"another 'rusmiddel report' is writing to {outputs}: pid {first.pid} on " in err
        assert "started 20" in err and "(rusmiddel report --lang da)" in err
        assert tree_hashes(outputs) == before  # nothing changed, the first run's lock included
    finally:
        first.kill()  # dies without releasing: its lock is left behind, stale
        first.wait()
    assert (outputs / LOCK_NAME).exists()
    assert main(["report", "--year", "2017", "--target", "skole_alkohol", *paths]) == 0
    err = capsys.readouterr().err
    assert f"took over the lock of a run that is no longer running (pid {first.pid}, started 20" in err
    assert not (outputs / LOCK_NAME).exists()  # released when the run ended


def test_a_lock_from_another_host_is_never_guessed_stale_and_the_lock_is_reentrant(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "another-host", "started": "2017-05-01T09:00:00+02:00", "command": "x"}))
    with pytest.raises(OutputsBusy, match="pid 1 on another-host, started 2017-05-01T09:00:00"):
        with outputs_lock(tmp_path):
            pass
    (tmp_path / LOCK_NAME).write_text("")  # created this moment, its holder not yet written: never taken as stale
    with pytest.raises(OutputsBusy, match="is starting to write to"):
        with outputs_lock(tmp_path):
            pass
    (tmp_path / LOCK_NAME).unlink()
    with outputs_lock(tmp_path):
        held = (tmp_path / LOCK_NAME).read_text()
        with outputs_lock(tmp_path):  # watch mode's rounds pass through the lock it holds
            assert (tmp_path / LOCK_NAME).read_text() == held
        assert (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / LOCK_NAME).exists()
