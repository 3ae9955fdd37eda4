"""The `rusmiddel` command line. Each subcommand is a thin shell over a library function.

Errors the user can fix are printed as one line on stderr with exit code 2 (bad input: arguments,
a strategy file, a mapping.yaml that is not YAML) or 1 (a run that failed); no traceback.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

from rusmiddel_analysis.config.echo import printable_lines
from rusmiddel_analysis.config.files import YamlFileError
from rusmiddel_analysis.config.paths import OUTPUTS, PROCESSED, RAW, STATUS
from rusmiddel_analysis.config.strategy import StrategyError
from rusmiddel_analysis.ingest.strategy_check import load_checked_strategy
from rusmiddel_analysis.present import formatting
from rusmiddel_analysis.present.textcatalog import text


class UserError(Exception):
    """A problem the user can fix; printed as one line without a traceback."""


def targets_table(strategy, lang: str = "da") -> str:
    """The strategy's targets as a readable plain-text table (a year in the header when every
    target shares it, else beside each value)."""
    one_baseline = len({t.baseline_year for t in strategy.targets}) == 1
    one_target = len({t.target_year for t in strategy.targets}) == 1
    shown = lambda value, year, one: value if one else f"{value} ({year})"
    rows = []
    for t in strategy.targets:
        rows.append(
            (
                t.id,
                strategy.focus_area(t.focus_area).name(lang),
                text(f"kind.{t.kind}", lang),
                shown(formatting.value(t.baseline_value, t.unit, lang), t.baseline_year, one_baseline),
                shown(formatting.value(t.target_value, t.unit, lang), t.target_year, one_target),
            )
        )
    first = strategy.targets[0]
    header = (
        text("targets_table.id", lang),
        text("targets_table.focus_area", lang),
        text("targets_table.kind", lang),
        text("targets_table.baseline", lang, year=first.baseline_year) if one_baseline else text("targets_table.baseline_any", lang),
        text("targets_table.target", lang, year=first.target_year) if one_target else text("targets_table.target_any", lang),
    )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    out = [text("targets_table.title", lang, strategy=strategy.name(lang)), "", line(header), line(["-" * w for w in widths])]
    for t, row in zip(strategy.targets, rows, strict=True):
        out.append(line(row))
        criterion = f"{text('targets_table.criterion', lang)}: {t.success_criterion(lang)}"
        out.extend(textwrap.wrap(criterion, width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(out)


def cmd_targets(args) -> int:
    print(targets_table(load_checked_strategy(_one_strategy(args)), args.lang))
    return 0


def _one_strategy(args) -> str | None:
    """The one --strategy file of a command that reads one (None: the packaged strategy)."""
    if args.strategy and len(args.strategy) > 1:
        raise UserError(f"'{args.command}' reads one strategy; only 'report' takes several --strategy files")
    return args.strategy[0] if args.strategy else None


def cmd_check_strategy(args) -> int:
    """Load a strategy file and check it against the data formats; every problem at once."""
    strategy = load_checked_strategy(args.file or _one_strategy(args))
    first, last = strategy.years[0], strategy.years[-1]
    print(f"{strategy.path}: {len(strategy.targets)} targets, years {first}-{last}: fits the data formats")
    return 0


def cmd_draft_mapping(args) -> int:
    """Print a draft mapping.yaml for one export of a source (no personal value in it)."""
    from rusmiddel_analysis.ingest.draft import DraftError, draft_mapping, draft_yaml
    from rusmiddel_analysis.ingest.schemas import SOURCES

    if args.source not in SOURCES:
        raise UserError(f"unknown source '{args.source}'; valid: {', '.join(SOURCES)}")
    if not Path(args.file).is_file():
        raise UserError(f"{args.file}: file not found")
    try:
        draft = draft_mapping(args.source, Path(args.file))
    except DraftError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    except Exception as exc:  # a reader's own words may quote the file's text: only its kind is named
        raise UserError(f"{args.file}: cannot read it ({exc.__class__.__name__}); open it in the program that made it and export it again") from None
    print(draft_yaml(draft, args.source, Path(args.file)), end="")
    return 0


def cmd_validate(args) -> int:
    from rusmiddel_analysis.ingest.validation import validate

    strategy = load_checked_strategy(_one_strategy(args))
    results = validate(args.raw, strategy)
    for name, result in results.items():
        if result.frame is not None:
            print(f"{name}: {len(result.frame)} rows in {len(result.files)} file(s): valid")
        if result.counts is not None:
            print(f"{name}: {len(result.counts)} rows of counts in {len(result.files)} file(s): valid")
        if result.has_data:
            _note_left_out(name, result.left_out, strategy)
    return 0


def _note_left_out(name: str, rows: int, strategy) -> None:
    if rows:
        first, last = strategy.years[0], strategy.years[-1]
        print(f"note: {name}: {rows} row(s) of survey years outside {first}-{last} left out")


def cmd_process(args) -> int:
    from rusmiddel_analysis.ingest.process import counts_file, process

    strategy = load_checked_strategy(_one_strategy(args))
    manifest = process(args.raw, args.processed, strategy)
    for name, info in manifest["sources"].items():
        if "parquet_sha256" in info:
            print(f"{name}: {info['rows']} rows -> {args.processed}/{name}.parquet")
        if "counts_rows" in info:
            print(f"{name}: {info['counts_rows']} rows of counts -> {args.processed}/{counts_file(name)}")
        _note_left_out(name, info["left_out_rows"], strategy)
    if manifest["synthetic_demo_data"]:
        print("note: these are SYNTHETIC demo data, not real data")
    return 0


def cmd_demo_data(args) -> int:
    from pathlib import Path

    from rusmiddel_analysis.ingest.demo import SYNTHETIC_NOTE, raw_dir_has_data, write_demo_data

    if args.if_empty and raw_dir_has_data(Path(args.raw)):
        print(f"{args.raw} already holds exports; no demo data written")
        return 0
    try:
        counts = write_demo_data(args.raw, seed=args.seed, scale=args.scale, strategy=load_checked_strategy(_one_strategy(args)))
    except (FileExistsError, ValueError) as exc:
        raise UserError(str(exc)) from None
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    print(f"{SYNTHETIC_NOTE}: written to {args.raw}")
    return 0


def cmd_pseudonymise(args) -> int:
    from rusmiddel_analysis.ingest.cpr import PseudonymiseError, load_key, pseudonymise_file

    try:
        n = pseudonymise_file(args.infile, args.outfile, args.column, load_key(args.key_file))
    except PseudonymiseError as exc:
        raise UserError(str(exc)) from None
    print(f"{args.outfile}: {n} rows, column '{args.column}' replaced by its pseudonym")
    return 0


def cmd_assess(args) -> int:
    """The assessment table as CSV, without building a page: standard output, or --output FILE (atomic)."""
    from pathlib import Path

    import pandas as pd

    from rusmiddel_analysis.calc.results import load_results
    from rusmiddel_analysis.config.files import has_manifest, write_atomically
    from rusmiddel_analysis.config.paths import no_processed_data
    from rusmiddel_analysis.ingest.process import available_years

    strategy = load_checked_strategy(_one_strategy(args))
    processed = Path(args.processed)
    if not has_manifest(processed):
        raise UserError(no_processed_data(processed))
    valid = strategy.years
    for year in args.year or []:
        if year not in valid:
            raise UserError(f"unknown year {year}; valid years: {valid[0]}-{valid[-1]}")
    years = args.year or available_years(strategy, processed)
    if not years:
        raise UserError(f"the processed data in {processed} hold none of the strategy's years {valid[0]}-{valid[-1]}")
    results = load_results(strategy, processed)
    table = pd.concat([results.year_assessment(year) for year in years], ignore_index=True)
    content = table.to_csv(index=False)
    if args.output:
        write_atomically(Path(args.output), content)
        print(f"{args.output}: {len(table)} rows ({len(years)} year(s) x {len(strategy.targets)} targets)", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


class Progress:
    """A progress bar on a terminal (per report: name and seconds); plain log lines otherwise."""

    def __init__(self):
        self.bar = None
        self.tty = sys.stderr.isatty()

    def __call__(self, result, done: int, total: int) -> None:
        state = "up to date" if result.skipped else ("ok" if result.ok else "FAILED")
        line = f"{result.job.name} {state}" + ("" if result.skipped else f" ({result.seconds:.1f} s)")
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True)
            self.bar.set_postfix_str(line)
            self.bar.update(1)
        elif not result.skipped:
            print(f"[{done}/{total}] {line}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report_settings(args):
    from pathlib import Path

    from rusmiddel_analysis.config.paths import NOTEBOOKS
    from rusmiddel_analysis.publish.jobs import Settings

    return Settings(
        processed_dir=Path(args.processed).resolve(),
        status_dir=Path(args.status).resolve(),
        outputs_dir=Path(args.outputs).resolve(),
        lang=args.lang,
        strategy_file=Path(args.strategy[0]).resolve() if args.strategy and len(args.strategy) == 1 else None,
        notebooks_dir=Path(args.notebooks).resolve() if args.notebooks else NOTEBOOKS,
        timeout=args.timeout,
        pdf=not args.no_pdf,
    )


def _watch(args, strategy, settings) -> int:
    from rusmiddel_analysis.publish.jobs import describe_failure
    from rusmiddel_analysis.publish.run import watch

    def announce(result, done, total):
        if not result.skipped:
            state = "ok" if result.ok else f"FAILED: {describe_failure(result)}"
            print(f"{time.strftime('%H:%M:%S')} {result.job.name} {state} ({result.seconds:.1f} s)", flush=True)

    print("watching for changes; Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        watch(strategy, settings, years=args.year, targets=args.target, progress=announce, jobs=args.jobs, interval=args.interval)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    return 0


def _summarise(summary) -> int:
    """The run's outcome: counts on standard output, each failure and error on standard error."""
    from rusmiddel_analysis.publish.jobs import describe_failure

    built = sum(1 for r in summary.results if r.ok and not r.skipped)
    skipped = sum(1 for r in summary.results if r.skipped)
    print(f"{built} report(s) built, {skipped} up to date, {len(summary.failures)} failed")
    if summary.failures:
        print(f"rusmiddel: {len(summary.failures)} report(s) failed; the previous pages were kept:", file=sys.stderr)
        for result in summary.failures:
            print(printable_lines(f"- {describe_failure(result)}"), file=sys.stderr)
    for warning in summary.warnings:
        print(printable_lines(f"warning: {warning}"), file=sys.stderr)
    for error in summary.errors:
        _error(f"error: {error}")
    if not summary.ok:
        return 1
    print(f"open {summary.front_page}")
    return 0


def _report_many(args) -> int:
    """Several strategies in one run: one pool of kernels, outputs and a front page per strategy id."""
    from rusmiddel_analysis.publish.jobs import ReportError
    from rusmiddel_analysis.publish.run import run_many

    if args.watch:
        raise UserError("--watch follows one strategy; pass a single --strategy")
    strategies = [load_checked_strategy(path) for path in args.strategy]
    progress = Progress()
    try:
        summaries = run_many(
            strategies, _report_settings(args), args.year, args.target, progress, args.jobs, args.force, args.executor, args.scheduler
        )
    except ReportError as exc:
        raise UserError(str(exc)) from None
    finally:
        progress.close()
    codes = []
    for strategy_id, summary in summaries.items():
        print(f"{strategy_id}:")
        codes.append(_summarise(summary))
    print(f"open {Path(args.outputs).resolve() / 'index.html'}")
    return max(codes)


def cmd_report(args) -> int:
    from rusmiddel_analysis.publish.jobs import ReportError
    from rusmiddel_analysis.publish.run import run

    if args.strategy and len(args.strategy) > 1:
        return _report_many(args)
    strategy, settings = load_checked_strategy(_one_strategy(args)), _report_settings(args)
    progress = Progress()
    try:
        if args.watch:
            return _watch(args, strategy, settings)
        summary = run(
            strategy,
            settings,
            years=args.year,
            targets=args.target,
            progress=progress,
            jobs=args.jobs,
            force=args.force,
            executor=args.executor,
            scheduler=args.scheduler,
        )
    except ReportError as exc:
        raise UserError(str(exc)) from None
    finally:
        progress.close()
    return _summarise(summary)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block): the command, what is wrong, where help is."""

    def error(self, message: str):
        self.exit(2, printable_lines(f"{self.prog}: error: {message} (see '{self.prog} --help')\n"))


def at_least(minimum: int):
    """An argparse type: a whole number of at least `minimum` (--jobs, --timeout, --seed), refused in one line otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {minimum}, not {text}")
        return value

    return parse


def above_zero(text: str) -> float:
    """An argparse type: a number greater than 0 (a scale, an interval in seconds)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not '{text}'") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, not {text}")
    return value


def _add_report_parser(sub) -> None:
    p = sub.add_parser("report", help="execute the notebooks and write the HTML reports")
    p.add_argument("--year", type=int, action="append", help="a year to report (repeatable; default every year with data)")
    p.add_argument("--target", action="append", help="a target id (repeatable; default all, plus the status report)")
    p.add_argument("--processed", default=str(PROCESSED))
    p.add_argument("--status", default=str(STATUS), help="folder of the qualitative status files <year>.md")
    p.add_argument("--outputs", default=str(OUTPUTS))
    p.add_argument("--notebooks", default=None, help="folder holding status_report.ipynb and target_report.ipynb")
    p.add_argument("--lang", default="da", help="da (default) or en")
    p.add_argument("--jobs", type=at_least(1), default=None, help="reports run in parallel, at least 1 (default: the number of cores)")
    p.add_argument("--force", action="store_true", help="rebuild every report, even those whose inputs did not change")
    p.add_argument("--executor", default="local", help="local (default) or dask")
    p.add_argument("--scheduler", default=None, help="the Dask scheduler's address, with --executor dask")
    p.add_argument("--timeout", type=at_least(1), default=600, help="seconds one notebook cell may run before the report fails (at least 1)")
    p.add_argument("--no-pdf", action="store_true", help="skip the print-ready PDF of each year's status report")
    p.add_argument("--watch", action="store_true", help="keep the kernels warm and rebuild what changes, until Ctrl-C")
    p.add_argument("--interval", type=above_zero, default=0.5, help="seconds between checks for changes, with --watch")
    p.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="rusmiddel", description="Track a substance-use strategy target by target.")
    parser.add_argument(
        "--strategy",
        action="append",
        default=None,
        help="strategy YAML file (default: the packaged strategy); 'report' takes several "
        "(each with its folders under --processed, --status and --outputs named by its id)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("targets", help="print the strategy's targets table")
    p.add_argument("--lang", choices=formatting.LOCALES, default="da")
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("check-strategy", help="check a strategy file on its own and against the data formats")
    p.add_argument("file", nargs="?", default=None, help="the strategy YAML file (default: --strategy, or the packaged one)")
    p.set_defaults(func=cmd_check_strategy)

    p = sub.add_parser("draft-mapping", help="print a first mapping.yaml for an export (edit it, then validate)")
    p.add_argument("source", help="the canonical source the export is for, e.g. ungeprofil_skole")
    p.add_argument("file", help="the export: .csv, .xlsx or .sav")
    p.set_defaults(func=cmd_draft_mapping)

    p = sub.add_parser("validate", help="check every raw export; list every problem")
    p.add_argument("--raw", default=str(RAW))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("process", help="validate raw exports and write processed Parquet (all or nothing)")
    p.add_argument("--raw", default=str(RAW))
    p.add_argument("--processed", default=str(PROCESSED))
    p.set_defaults(func=cmd_process)

    p = sub.add_parser("demo-data", help="write SYNTHETIC demo exports for the strategy's years")
    p.add_argument("--raw", default=str(RAW))
    p.add_argument("--seed", type=at_least(0), default=2016, help="the random seed, a whole number from 0 (the same seed gives the same data)")
    p.add_argument("--scale", type=above_zero, default=1.0, help="multiply the survey sizes, greater than 0 (20 gives about a million rows)")
    p.add_argument("--if-empty", action="store_true", help="do nothing when the raw folder already holds exports")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("pseudonymise", help="replace an identifying column with a keyed hash (HMAC-SHA256)")
    p.add_argument("--in", dest="infile", required=True)
    p.add_argument("--out", dest="outfile", required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--key-file", default=None, help="file holding the key, outside the repository (else $RUSMIDDEL_PSEUDONYM_KEY)")
    p.set_defaults(func=cmd_pseudonymise)

    p = sub.add_parser("assess", help="print the assessment table as CSV (no pages built)")
    p.add_argument("--year", type=int, action="append", help="a year to assess (repeatable; default every year with data)")
    p.add_argument("--processed", default=str(PROCESSED))
    p.add_argument("--output", default=None, help="write the CSV to this file instead of standard output")
    p.set_defaults(func=cmd_assess)

    _add_report_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserError, StrategyError, YamlFileError) as exc:
        _error(f"error: {exc}")
        return 2
    except Exception as exc:
        from rusmiddel_analysis.ingest.problems import DataValidationError

        if isinstance(exc, DataValidationError):
            _error(str(exc))
            _error("nothing was written; data/processed is unchanged")
            return 1
        if isinstance(exc, FileNotFoundError):
            _error(f"error: {exc}")
            return 2
        if isinstance(exc, OSError):  # a full disk or a read-only folder
            where = f" {exc.filename}" if exc.filename else ""
            _error(f"error: cannot write{where}: {exc.strerror or exc}; nothing half-written was kept")
            return 1
        raise
    except KeyboardInterrupt:
        _error("interrupted; nothing half-written was kept")
        return 130


def _error(message: str) -> None:
    """One message on standard error, without a control character that came from a file."""
    print(printable_lines(f"rusmiddel: {message}"), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
