"""Benchmark: the naive notebook loop against `rusmiddel report`, side by side in one run.

    .venv/bin/python benchmarks/bench_reports.py [--repeats 3] [--scales 1 20 40] [--skip-naive-all]

Everything runs on this machine, in one run, on fresh synthetic demo data in a temporary folder:

- naive: for each report, `papermill` (command line) then `jupyter nbconvert --to html --no-input`,
  one after another: a new process, kernel and imports per report;
- ours: `rusmiddel report --force` (warm kernels, parallel, in-process conversion), one year and
  all five; one report rebuilt after a change, by a new command and in watch mode (the wall time
  from the edit to the page written); a re-run with nothing changed;
- processing: `rusmiddel process` on demo data at several `--scale`s (about 45,000 survey rows per
  unit of scale... times 1.4 with the youth survey).

Wall time is the median over the repeats; peak memory is the largest sum of resident memory over
the whole process tree (the command, its kernels and helpers), sampled every 20 ms. Prints a
Markdown table and writes it to benchmarks/results/latest.md. This is not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from rusmiddel_analysis.calc.results import FOLDER as RESULTS_FOLDER
from rusmiddel_analysis.config.paths import NOTEBOOKS
from rusmiddel_analysis.config.strategy import load_strategy

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUSMIDDEL = str(BIN / "rusmiddel")
STRATEGY_TARGETS = [
    "skole_alkohol",
    "skole_hash",
    "skole_stoffer",
    "skole_foraeldreaftale",
    "ungdom_alkohol",
    "ungdom_hash",
    "ungdom_stoffer",
    "behandling_stof_effekt",
    "behandling_alkohol_effekt",
    "behandling_antal",
]


def measure(command: list[str] | callable, cwd: Path, memory: bool = False) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) for a command line or a Python callable running commands.

    The memory sampler takes CPU of its own (it walks the process tree every 20 ms), which would slow
    a parallel run more than a sequential one: so a timed run is never sampled (peak: NaN), and
    memory is measured in runs of its own.
    """
    if not memory:
        started = time.perf_counter()
        if callable(command):
            command()
        else:
            code = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            if code != 0:
                raise SystemExit(f"benchmark command failed ({code}): {' '.join(command)}")
        return time.perf_counter() - started, float("nan")
    peak = [0.0]
    stop = threading.Event()

    def sample(root_pid: int):
        while not stop.is_set():
            try:
                root = psutil.Process(root_pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    started = time.perf_counter()
    if callable(command):
        sampler = threading.Thread(target=sample, args=(os.getpid(),), daemon=True)
        baseline = psutil.Process().memory_info().rss
        sampler.start()
        command()
        stop.set()
        sampler.join()
        return time.perf_counter() - started, (peak[0] - baseline) / 2**20
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True)
    sampler.start()
    code = process.wait()
    stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(command)}")
    return time.perf_counter() - started, peak[0] / 2**20


def naive_loop(work: Path, processed: Path, status: Path, years: list[int], targets: list[str] | None = None):
    """Papermill's and nbconvert's command lines, one report after another (with `targets`, only those)."""
    out = work / "naive"

    def run():
        for year in years:
            jobs = [("status_report", None), ("high_risk", None)] + [("target_report", t) for t in STRATEGY_TARGETS]
            if targets is not None:
                jobs = [("target_report", t) for t in targets]
            for notebook, target in jobs:
                name = f"{year}-{target or notebook}"
                executed = out / f"{name}.ipynb"
                params = ["-p", "year", str(year), "-p", "processed_dir", str(processed), "-p", "status_dir", str(status)]
                if target:
                    params += ["-p", "target_id", target]
                subprocess.run(
                    [
                        str(BIN / "papermill"),
                        str(NOTEBOOKS / f"{notebook}.ipynb"),
                        str(executed),
                        "-k",
                        "rusmiddel-analysis",
                        "--no-progress-bar",
                        *params,
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                subprocess.run(
                    [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

    out.mkdir(parents=True, exist_ok=True)
    return run


WATCH_SETTLE = 5.0  # seconds between saves: an analyst edits, looks, edits again; the last rebuild's PDF finishes meanwhile


def watch_latency(repeats: int, command: list[str], status_file: Path, name: str) -> float:
    """Median seconds from an edit of `status_file` to `rusmiddel report --watch` announcing `name`
    rebuilt, the edits `WATCH_SETTLE` seconds apart (the status page's PDF is made after the page is
    announced; edits back to back would time the previous PDF too)."""
    # a background shell starts its jobs with Ctrl-C ignored, which children inherit: restore it
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    try:

        def edit_and_wait() -> float:
            started = time.perf_counter()
            with open(status_file, "a", encoding="utf-8") as handle:
                handle.write("\n")
            for line in process.stdout:
                if f" {name} ok" in line:
                    return time.perf_counter() - started
            raise SystemExit("the watcher stopped")

        def settled() -> float:
            time.sleep(WATCH_SETTLE)
            return edit_and_wait()

        edit_and_wait()  # the first rebuild also starts the kernel: not counted
        return statistics.median(settled() for _ in range(repeats))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            print("warning: the watcher did not stop within 60 s of Ctrl-C and was killed", file=sys.stderr)


def median_of(repeats: int, command, cwd: Path, before=None, memory_runs: int = 1) -> tuple[float, float]:
    """(median seconds over `repeats` unsampled runs, peak MB over `memory_runs` sampled runs)."""
    times, peaks = [], []
    for _ in range(repeats):
        if before:
            before()
        times.append(measure(command, cwd)[0])
    for _ in range(memory_runs):
        if before:
            before()
        peaks.append(measure(command, cwd, memory=True)[1])
    return (statistics.median(times) if times else float("nan")), (max(peaks) if peaks else float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 20, 40])
    parser.add_argument("--skip-naive-all", action="store_true", help="skip the naive loop over all five years (about 5 minutes)")
    args = parser.parse_args()

    rows = []
    strategy_years = load_strategy().years
    with tempfile.TemporaryDirectory(prefix="rusmiddel-bench-") as tmp:
        work = Path(tmp)
        raw, processed, outputs = work / "raw", work / "processed", work / "outputs"
        subprocess.run([RUSMIDDEL, "demo-data", "--raw", str(raw)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([RUSMIDDEL, "process", "--raw", str(raw), "--processed", str(processed)], check=True, stdout=subprocess.DEVNULL)
        common = ["--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs)]
        ours = lambda *extra: [RUSMIDDEL, "report", *common, *extra]

        # from scratch: no results kept from an earlier run, so each side computes its own
        scratch = lambda: shutil.rmtree(processed / RESULTS_FOLDER, ignore_errors=True)
        # the naive loop's memory: one report at a time, so one report's peak (a sampled run of its own)
        naive_memory = median_of(0, naive_loop(work, processed, raw / "status", [2017], ["behandling_antal"]), work, before=scratch)[1]
        naive_one = (median_of(1, naive_loop(work, processed, raw / "status", [2017]), work, before=scratch, memory_runs=0)[0], naive_memory)
        ours_one = median_of(args.repeats, ours("--year", "2017", "--force"), work, before=scratch)
        per_year = len(STRATEGY_TARGETS) + 2  # the status report, the high-risk page and each target's
        rows.append((f"One year ({per_year} reports), from scratch", naive_one, ours_one))
        if not args.skip_naive_all:
            naive_all = (
                median_of(1, naive_loop(work, processed, raw / "status", strategy_years), work, before=scratch, memory_runs=0)[0],
                naive_memory,
            )
        else:
            naive_all = (float("nan"), float("nan"))
        ours_all = median_of(args.repeats, ours("--force"), work, before=scratch)
        every = per_year * len(strategy_years)
        rows.append((f"All {len(strategy_years)} years ({every} reports), from scratch", naive_all, ours_all))

        status_file = raw / "status" / "2017.md"

        def change_one_input():
            with open(status_file, "a", encoding="utf-8") as handle:
                handle.write("\n")

        single_naive = (naive_one[0] / per_year, naive_one[1])
        single = median_of(args.repeats, ours("--year", "2017"), work, before=change_one_input)
        rows.append(("One report rebuilt after a change (2017 status), new command", single_naive, single))
        watched = watch_latency(max(args.repeats, 5), ours("--year", "2017", "--watch", "--interval", "0.2"), status_file, "2017/index")
        rows.append(("One report rebuilt after a change (2017 status), `--watch`", single_naive, (watched, float("nan"))))
        nochange = median_of(args.repeats, ours(), work)
        rows.append((f"Re-run with nothing changed ({every} reports)", naive_all, nochange))

        processing = []
        for scale in args.scales:
            sraw, sproc = work / f"raw-{scale:g}", work / f"processed-{scale:g}"
            subprocess.run([RUSMIDDEL, "demo-data", "--raw", str(sraw), "--scale", str(scale)], check=True, stdout=subprocess.DEVNULL)
            rows_n = sum(1 for f in (sraw / "ungeprofil_skole").glob("*.csv") for _ in open(f, encoding="utf-8-sig")) - 5
            seconds, peak = median_of(args.repeats, [RUSMIDDEL, "process", "--raw", str(sraw), "--processed", str(sproc)], work)
            processing.append((scale, rows_n, seconds, peak))

    memory = psutil.virtual_memory().total / 2**30
    machine = f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    lines = [
        f"Machine: {machine}; repeats: {args.repeats} (naive loops: 1)",
        "",
        "| run | naive loop | rusmiddel report | naive / ours | peak memory, naive | peak memory, ours |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    shown = lambda value, pattern: "–" if value != value else pattern.format(value)  # NaN: not measured
    for name, naive, mine in rows:
        ratio = naive[0] / mine[0] if naive[0] == naive[0] else float("nan")
        lines.append(
            f"| {name} | {shown(naive[0], '{:.1f} s')} | {mine[0]:.2f} s | {shown(ratio, '{:.1f}x')} | "
            f"{shown(naive[1], '{:.0f} MB')} | {shown(mine[1], '{:.0f} MB')} |"
        )
    lines += ["", "| `rusmiddel process`, demo `--scale` | school-survey rows | wall | peak memory |", "| ---: | ---: | ---: | ---: |"]
    for scale, n, seconds, peak in processing:
        lines.append(f"| {scale:g} | {n:,} | {seconds:.2f} s | {peak:.0f} MB |")
    text = "\n".join(lines)
    print(text)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
