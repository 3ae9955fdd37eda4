"""The `rusmiddel` command line. Each subcommand is a thin shell over a library function.

Errors the user can fix are printed as one line on stderr with exit code 2 (bad input)
or 1 (a run that failed); no traceback.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from . import formatting
from .strategy import StrategyError, load_strategy
from .textcatalog import text


class UserError(Exception):
    """A problem the user can fix; printed as one line without a traceback."""


def targets_table(strategy, lang: str = "da") -> str:
    """The strategy's targets as a readable plain-text table."""
    rows = []
    for t in strategy.targets:
        rows.append((
            t.id,
            strategy.focus_area(t.focus_area).name(lang),
            text(f"kind.{t.kind}", lang),
            formatting.value(t.baseline_value, t.unit, lang),
            formatting.value(t.target_value, t.unit, lang),
        ))
    first = strategy.targets[0]
    header = (text("targets_table.id", lang), text("targets_table.focus_area", lang), text("targets_table.kind", lang),
              text("targets_table.baseline", lang, year=first.baseline_year),
              text("targets_table.target", lang, year=first.target_year))
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [text("targets_table.title", lang, strategy=strategy.name(lang)), "", line(header), line(["-" * w for w in widths])]
    for t, row in zip(strategy.targets, rows):
        out.append(line(row))
        criterion = f"{text('targets_table.criterion', lang)}: {t.success_criterion(lang)}"
        out.extend(textwrap.wrap(criterion, width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(out)


def cmd_targets(args) -> int:
    print(targets_table(load_strategy(args.strategy), args.lang))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rusmiddel", description="Track Rusmiddelstrategien target by target.")
    parser.add_argument("--strategy", default=None, help="strategy YAML file (default: the packaged 2016-2019 strategy)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("targets", help="print the strategy's targets table")
    p.add_argument("--lang", choices=formatting.LOCALES, default="da")
    p.set_defaults(func=cmd_targets)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserError, StrategyError) as exc:
        print(f"rusmiddel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rusmiddel: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
