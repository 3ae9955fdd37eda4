"""Benchmark: the results computation (`compute_results`) at several demo scales, side by side in one run.

    .venv/bin/python benchmarks/bench_results.py [--repeats 3] [--scales 1 20] [--baseline main]

On fresh synthetic demo data in a temporary folder (`rusmiddel demo-data --scale S`, then
`rusmiddel process`), each repeat times `compute_results` once per scale in a new process (the
imports are not timed; reading the processed data is), so every scale and every version of the code
is measured under the same load of the machine. With `--baseline REV` the package as it was at git
revision REV (`git archive`, into the temporary folder) is timed the same way, in the same rounds,
and both versions' results are checked to be identical. Reports the median time per scale, its
ratio to the smallest scale's, the baseline's time and the speed-up, and each process's peak
resident memory. Prints a Markdown table and writes it to benchmarks/results/results.md. This is
not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RUSMIDDEL = str(Path(sys.executable).parent / "rusmiddel")
# run in a new process: times compute_results, keeps its tables for the comparison, reports the peak memory
CHILD = """
import json, pickle, resource, sys, time
from pathlib import Path
from rusmiddel_analysis.calc.results import TABLES, compute_results
from rusmiddel_analysis.config.strategy import load_strategy
strategy = load_strategy()
started = time.perf_counter()
results = compute_results(strategy, Path(sys.argv[1]))
seconds = time.perf_counter() - started
if sys.argv[2]:
    with open(sys.argv[2], "wb") as handle:
        pickle.dump({name: getattr(results, name) for name in TABLES}, handle)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "package": str(Path(sys.modules["rusmiddel_analysis"].__file__).parent)}))
"""


def timed(processed: Path, package_root: Path | None, keep: Path | None) -> dict:
    """One run of compute_results in a new process (`package_root`: import the package from there)."""
    env = dict(os.environ)
    if package_root is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(package_root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # run outside the working tree: `python -c` puts the current folder first on the path
    command = [sys.executable, "-c", CHILD, str(processed), str(keep or "")]
    out = subprocess.run(command, cwd=processed.parent, env=env, check=True, capture_output=True, text=True)
    run = json.loads(out.stdout.strip().splitlines()[-1])
    expected = (package_root or ROOT) / "rusmiddel_analysis"
    if Path(run["package"]).resolve() != expected.resolve():
        raise SystemExit(f"timed the package in {run['package']}, not {expected}")
    return run


def same_tables(one: Path, other: Path) -> bool:
    """Whether every table both kept sets of results have is exactly equal (a table new in one is left out)."""
    import pickle

    import pandas as pd

    with open(one, "rb") as a, open(other, "rb") as b:
        left, right = pickle.load(a), pickle.load(b)
    try:
        for name in left.keys() & right.keys():
            pd.testing.assert_frame_equal(left[name], right[name], check_exact=True)
    except AssertionError:
        return False
    return True


def prepare(work: Path, scales: list[float], baseline: str | None) -> tuple[dict[float, tuple[Path, int]], Path | None]:
    """Demo data processed at each scale (with its school-survey rows), and the baseline's package folder."""
    data = {}
    for scale in scales:
        raw, processed = work / f"raw-{scale:g}", work / f"processed-{scale:g}"
        subprocess.run([RUSMIDDEL, "demo-data", "--raw", str(raw), "--scale", str(scale)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([RUSMIDDEL, "process", "--raw", str(raw), "--processed", str(processed)], check=True, stdout=subprocess.DEVNULL)
        exports = list((raw / "ungeprofil_skole").glob("*.csv"))
        rows = sum(1 for f in exports for _ in open(f, encoding="utf-8-sig")) - len(exports)  # less each file's header
        data[scale] = (processed, rows)
    if baseline is None:
        return data, None
    root = work / "baseline"
    root.mkdir()
    archive = subprocess.run(["git", "archive", baseline, "rusmiddel_analysis"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return data, root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 20])
    parser.add_argument("--baseline", default=None, help="a git revision whose package to time beside this one (e.g. main)")
    args = parser.parse_args()

    versions = ["ours"] + (["baseline"] if args.baseline else [])
    runs = {(v, s): [] for v in versions for s in args.scales}
    identical = {}
    with tempfile.TemporaryDirectory(prefix="rusmiddel-bench-results-") as tmp:
        work = Path(tmp)
        data, baseline_root = prepare(work, args.scales, args.baseline)
        for repeat in range(args.repeats):
            for scale in args.scales:
                for version in versions:
                    keep = work / f"{version}-{scale:g}.pickle" if repeat == 0 and args.baseline else None
                    runs[version, scale].append(timed(data[scale][0], baseline_root if version == "baseline" else None, keep))
                if repeat == 0 and args.baseline:
                    identical[scale] = same_tables(work / f"ours-{scale:g}.pickle", work / f"baseline-{scale:g}.pickle")

    memory = psutil.virtual_memory().total / 2**30
    machine = f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    median = {key: statistics.median(r["seconds"] for r in rs) for key, rs in runs.items()}
    peak = {key: max(r["peak_mb"] for r in rs) for key, rs in runs.items()}
    smallest = min(args.scales)
    header = "| demo `--scale` | school-survey rows | compute_results | / smallest scale | peak memory |"
    if args.baseline:
        rev = f"`{args.baseline}`"
        header += f" {rev} | {rev} / ours | {rev}, / smallest scale | {rev}, peak memory | same tables |"
    lines = [f"Machine: {machine}; repeats: {args.repeats}", "", header, "|" + " ---: |" * (header.count("|") - 1)]
    for scale in args.scales:
        ours = ("ours", scale)
        cells = [f"{scale:g}", f"{data[scale][1]:,}", f"{median[ours]:.2f} s", f"{median[ours] / median['ours', smallest]:.1f}x"]
        cells.append(f"{peak[ours]:.0f} MB")
        if args.baseline:
            old = ("baseline", scale)
            cells += [
                f"{median[old]:.2f} s",
                f"{median[old] / median[ours]:.2f}x",
                f"{median[old] / median['baseline', smallest]:.1f}x",
                f"{peak[old]:.0f} MB",
                "yes" if identical[scale] else "**no**",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "results.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
