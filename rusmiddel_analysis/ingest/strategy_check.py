"""A strategy file checked against the data it names: sources, columns, codes, units and years.

`config.strategy.load_strategy` checks a file on its own (fields, types, the targets' logic);
this module checks it against the canonical data formats (ingest/schemas.py), which the config
layer cannot see: every target's source and column exist, its success rule fits the column's
type and codes (a yes/no column takes true or false, a code set only the column's codes), its
unit fits its indicator, its years lie in the period, and a method break names real sources. A
wrong file would otherwise publish a wrong number without a word (a misspelled code matches no
one; `equals: "Nej"` on a yes/no column is never true), or die later with a traceback.

`check_strategy` lists every problem at once, each naming the file, its line, the target and the
field; `load_checked_strategy` is what the command line and the reports load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rusmiddel_analysis.config.settings import HighRisk
from rusmiddel_analysis.config.strategy import StrategyError, line_of, load_strategy, yaml_node_lines
from rusmiddel_analysis.ingest.schemas import SOURCES


@dataclass(frozen=True)
class Problem:
    target_id: str | None
    field: str
    message: str


class StrategyCheckError(StrategyError):
    """A strategy file that does not fit the data it names: every problem, with its line."""

    def __init__(self, path, problems: list[Problem], lines: list[int | None]):
        self.problems = problems
        listed = []
        for problem, line in zip(problems, lines, strict=True):
            where = f"line {line}: " if line else ""
            target = f"target '{problem.target_id}', " if problem.target_id else ""
            listed.append(f"  - {where}{target}field '{problem.field}': {problem.message}")
        super().__init__(path, f"{len(problems)} problem(s) with the data it names:\n" + "\n".join(listed))


def column_of(source: str, name: str):
    """The canonical column `name` of `source`, or None."""
    return next((c for c in SOURCES[source].columns if c.name == name), None)


def where_else(name: str, source: str) -> str:
    """' (it is a column of ...)' when other sources have the column, else ''."""
    others = [s for s, spec in SOURCES.items() if s != source and any(c.name == name for c in spec.columns)]
    return f" (it is a column of {', '.join(others)})" if others else ""


def codes_of(strategy, operand) -> tuple[str, ...]:
    """The codes a rule names: a code set's by its name, or the list given."""
    return tuple(strategy.code_set(operand)) if isinstance(operand, str) else tuple(operand or ())


def _target_problems(strategy, target) -> list[Problem]:
    kind, source = target.indicator_type, target.source
    problems = []
    if target.unit != kind.unit:
        problems.append(Problem(target.id, "unit", f"a {kind.name} target is measured in {kind.unit}, not {target.unit}"))
    start, end = strategy.period_start, strategy.period_end
    if not start <= target.target_year <= end:
        problems.append(Problem(target.id, "target.year", f"{target.target_year} lies outside the period {start}-{end}"))
    if source not in SOURCES:
        return [*problems, Problem(target.id, "indicator.source", f"unknown source '{source}'; valid: {', '.join(SOURCES)}")]
    return problems + kind.source_problems(strategy, target)


def _high_risk_problems(block: HighRisk) -> list[Problem]:
    """The high-risk behaviours must be yes/no columns of their source (and the source must have grades)."""
    field, source = "settings.high_risk", block.source
    if source not in SOURCES:
        return [Problem(None, f"{field}.source", f"unknown source '{source}'; valid: {', '.join(SOURCES)}")]
    problems = []
    for name in block.behaviours:
        col = column_of(source, name)
        if col is None or col.kind != "bool":
            valid = ", ".join(c.name for c in SOURCES[source].columns if c.kind == "bool")
            problems.append(Problem(None, f"{field}.behaviours", f"'{name}' is not a yes/no column of '{source}'; valid: {valid}"))
    if block.early_grades and column_of(source, "grade") is None:
        problems.append(Problem(None, f"{field}.early_grades", f"'{source}' has no grade column"))
    for behaviour, name in block.debut_ages.items():
        col = column_of(source, name)
        if behaviour not in block.behaviours:
            problems.append(Problem(None, f"{field}.debut_ages.{behaviour}", f"'{behaviour}' is not one of settings.high_risk.behaviours"))
        elif col is None or col.kind != "int":
            valid = ", ".join(c.name for c in SOURCES[source].columns if c.kind == "int") or "none"
            problems.append(Problem(None, f"{field}.debut_ages.{behaviour}", f"'{name}' is not a whole-number column of '{source}'; valid: {valid}"))
    return problems


def strategy_problems(strategy) -> list[Problem]:
    """Every way the strategy does not fit the data formats (empty when it fits)."""
    problems = [p for t in strategy.targets for p in _target_problems(strategy, t)]
    problems += _high_risk_problems(strategy.settings.high_risk)
    for i, broken in enumerate(strategy.method_breaks):
        unknown = [s for s in broken.sources if s not in SOURCES]
        if unknown:
            problems.append(Problem(None, f"method_breaks[{i}].sources", f"unknown source(s) {', '.join(unknown)}; valid: {', '.join(SOURCES)}"))
    for name in strategy.settings.source_kinds:
        if name not in SOURCES:
            problems.append(Problem(None, f"settings.source_kinds.{name}", f"unknown source '{name}'; valid: {', '.join(SOURCES)}"))
    return problems


def check_strategy(strategy) -> None:
    """Raise StrategyCheckError listing every problem, each with its YAML line; nothing when it fits."""
    problems = strategy_problems(strategy)
    if problems:
        root = yaml_node_lines(Path(strategy.path).read_text(encoding="utf-8"))
        raise StrategyCheckError(strategy.path, problems, [line_of(root, p.target_id, p.field) for p in problems])


def load_checked_strategy(path=None):
    """`load_strategy`, then `check_strategy`: the strategy every command and report uses."""
    strategy = load_strategy(path)
    check_strategy(strategy)
    return strategy
