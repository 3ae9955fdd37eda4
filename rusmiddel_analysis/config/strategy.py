"""The strategy as data: load and check a strategy YAML file.

A strategy file holds the strategy's frame (period, milestones, core efforts,
focus areas), named code sets, settings (thresholds, disclosure control: typed
in config/settings.py) and its targets. `load_strategy` returns a frozen `Strategy` or raises
`StrategyError` naming the file, the target and the field; it never returns
half a strategy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from rusmiddel_analysis.config import indicator_types
from rusmiddel_analysis.config.echo import printable_lines
from rusmiddel_analysis.config.files import YamlFileError, read_yaml
from rusmiddel_analysis.config.paths import DEFAULT_STRATEGY
from rusmiddel_analysis.config.settings import SettingError, StrategySettings, settings_from_yaml

POLARITIES = ("higher_is_better", "lower_is_better")
KINDS = ("reach", "at_least", "at_most", "maintain")
# a kind that states its direction needs the polarity it states
KIND_POLARITY = {"at_least": "higher_is_better", "at_most": "lower_is_better"}
LANGS = ("da", "en")
# the reports a committee gets on the way (strategy.milestones): what each must hold is in ingest/status_text.py
MILESTONE_KINDS = ("midterm_status", "final_evaluation")
# An id that becomes a file or folder name (<outputs>/<strategy id>/, <strategy id>-<year>.pdf): a plain slug
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SLUG_RULE = (
    "must be a plain name for files and folders: lower-case letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters"
)
# a target id is a page (<id>.html), a notebook (<id>.ipynb) and a notebook parameter: a lower-case identifier
TARGET_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
# the file names of a year's own pages and notebooks (publish/jobs.py): a target's page must not take one
RESERVED_TARGET_IDS = ("index", "status_report", "high_risk")


class StrategyError(ValueError):
    """A strategy file is malformed; the message names file, target and field."""

    def __init__(self, path: Path | str, message: str, target_id: str | None = None, field_name: str | None = None, line: int | None = None):
        self.path = str(path)
        self.target_id = target_id
        self.field_name = field_name
        self.line = line
        where = f"target '{target_id}', " if target_id else ""
        what = f"field '{field_name}': " if field_name else ""
        at = f", line {line}" if line else ""
        # ids, names and codes come from the file: no control character reaches a terminal
        super().__init__(printable_lines(f"{self.path}{at}: {where}{what}{message}"))


def yaml_node_lines(text: str):
    """The composed YAML document (nodes with their positions), or None when it does not parse."""
    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def _path_parts(field_name: str) -> list[str]:
    return [part for piece in field_name.replace("]", "").split(".") for part in piece.split("[") if part]


def _node_id(node) -> str | None:
    """The `id` of a mapping node in a list (a target, a focus area), if it has one."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v.value for k, v in node.value if k.value == "id"), None)


def line_of(root, target_id: str | None, field_name: str | None) -> int | None:
    """The YAML line (1-based) of a target's field, or of a top-level field: the line of the
    deepest key the path reaches, so a missing field points at the mapping that lacks it. Items of
    a list are found by index or by their `id`."""
    if root is None:
        return None
    parts = (["targets", target_id] if target_id else []) + _path_parts(field_name or "")
    node, line = root, root.start_mark.line
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line, pair[1]
        elif isinstance(node, yaml.SequenceNode):
            items = node.value
            found = items[int(part)] if part.isdigit() and int(part) < len(items) else next((i for i in items if _node_id(i) == part), None)
            if found is None:
                break
            line, node = found.start_mark.line, found
        else:
            break
    return line + 1


@dataclass(frozen=True)
class Text:
    """A piece of wording in Danish and English."""

    da: str
    en: str

    def __call__(self, lang: str = "da") -> str:
        return self.en if lang == "en" else self.da


@dataclass(frozen=True)
class CoreEffort:
    id: str
    name: Text


@dataclass(frozen=True)
class FocusArea:
    id: str
    core_effort: str
    name: Text


@dataclass(frozen=True)
class Milestone:
    """A report the committee gets in a given year (a midterm status, the final evaluation), and
    what the committee decided when it took it (`decision`, optional): a later report answers it."""

    year: int
    kind: str
    name: Text
    decision: Text | None = None
    case: str | None = None  # the committee's case number (sagsnummer), printed in the report's header


@dataclass(frozen=True)
class MethodBreak:
    """A change in how a source or a target is measured, from `year` on: trends and projections
    do not run across it, and the page prints `text`."""

    year: int
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    text: Text


@dataclass(frozen=True)
class Target:
    id: str
    focus_area: str
    goal: Text
    success_criterion: Text
    short_name: Text
    measure: Text
    unit: str
    polarity: str
    kind: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    indicator: Mapping[str, Any]
    definition: Mapping[str, Text]
    increase_percent: float | None = None

    @property
    def source(self) -> str:
        return self.indicator["source"]

    @property
    def indicator_type(self) -> indicator_types.IndicatorType:
        """The type that counts this target (config/indicator_types.py)."""
        return indicator_types.type_of(self)

    @property
    def is_share(self) -> bool:
        return self.unit == "percent"

    @property
    def higher_is_better(self) -> bool:
        return self.polarity == "higher_is_better"


@dataclass(frozen=True)
class Strategy:
    id: str
    name: Text
    municipality: str
    period_start: int
    period_end: int
    responsible: Text
    committee: Text
    milestones: tuple[Milestone, ...]
    core_efforts: tuple[CoreEffort, ...]
    focus_areas: tuple[FocusArea, ...]
    code_sets: Mapping[str, tuple[str, ...]]
    settings: StrategySettings
    targets: tuple[Target, ...]
    path: Path = field(default=DEFAULT_STRATEGY)
    method_breaks: tuple[MethodBreak, ...] = ()
    # what the strategy is and who adopted it, in a few sentences: the reports' "Baggrund"
    background: Text | None = None

    def target(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        valid = ", ".join(t.id for t in self.targets)
        raise KeyError(f"unknown target id '{target_id}'; valid ids: {valid}")

    def focus_area(self, focus_area_id: str) -> FocusArea:
        return next(f for f in self.focus_areas if f.id == focus_area_id)

    def core_effort(self, core_effort_id: str) -> CoreEffort:
        return next(c for c in self.core_efforts if c.id == core_effort_id)

    def code_set(self, name_or_values: str | list) -> tuple[str, ...]:
        if isinstance(name_or_values, str):
            return self.code_sets[name_or_values]
        return tuple(name_or_values)

    @property
    def target_ids(self) -> list[str]:
        return [t.id for t in self.targets]

    @property
    def years(self) -> list[int]:
        """Every year from the baseline to the end of the period."""
        first = min(t.baseline_year for t in self.targets)
        return list(range(first, self.period_end + 1))


# --- loading -----------------------------------------------------------------------------


def load_strategy(path: str | Path | None = None) -> Strategy:
    """Load and check a strategy file (default: Rusmiddelstrategien 2016-2019)."""
    path = Path(path) if path is not None else DEFAULT_STRATEGY
    try:
        raw, source = read_yaml(path)
    except FileNotFoundError:
        raise StrategyError(path, "file not found") from None
    except YamlFileError as exc:  # a syntax error, an alias bomb, not UTF-8: one line with its line number
        raise StrategyError(path, f"not valid YAML: {exc.problem}", line=exc.line) from None
    except OSError as exc:
        raise StrategyError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise StrategyError(path, "the file must hold a mapping with 'strategy' and 'targets'")
    return _Parser(path, source).strategy(raw)


class _Parser:
    def __init__(self, path: Path, source: str = ""):
        self.path = path
        self.source = source

    def fail(self, message: str, target_id: str | None = None, field_name: str | None = None) -> NoReturn:
        # positions are looked up only for a failing file: a good one is composed once, not twice
        raise StrategyError(self.path, message, target_id, field_name, line_of(yaml_node_lines(self.source), target_id, field_name))

    def get(self, mapping: Mapping, key: str, target_id: str | None = None, prefix: str = ""):
        if not isinstance(mapping, Mapping) or key not in mapping or mapping[key] is None:
            self.fail("missing required field", target_id, prefix + key)
        return mapping[key]

    def text(self, value: Any, target_id: str | None, field_name: str) -> Text:
        if not isinstance(value, Mapping) or not all(isinstance(value.get(lang), str) and str(value[lang]).strip() for lang in LANGS):
            self.fail("must give non-empty text for both 'da' and 'en'", target_id, field_name)
        return Text(da=value["da"].strip(), en=value["en"].strip())

    def number(self, value: Any, target_id: str | None, field_name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail("must be a number", target_id, field_name)
        return float(value)

    def year(self, value: Any, target_id: str | None, field_name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
            self.fail("must be a whole year between 1900 and 2100", target_id, field_name)
        return int(value)

    def string(self, value: Any, target_id: str | None, field_name: str) -> str:
        """A field that holds one text: a list, a mapping (an alias to one, too) or a number is refused."""
        if not isinstance(value, str) or not value.strip():
            self.fail("must be a text (not empty, not a list or a mapping)", target_id, field_name)
        return value

    def sequence(self, value: Any, field_name: str) -> list:
        """A list of entries (core efforts, focus areas, milestones), or nothing."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail("must be a list", None, field_name)
        return value

    def mapping(self, value: Any, field_name: str) -> Mapping:
        """A block of settings: a mapping, or nothing (its defaults)."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail("must be a mapping of names to values", None, field_name)
        return value

    def slug(self, value: Any, field_name: str) -> str:
        """An id that becomes a file or folder name: never a path ('..', '/'), see SLUG."""
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            self.fail(SLUG_RULE, None, field_name)
        return value

    def choice(self, value: Any, choices: tuple, target_id: str | None, field_name: str) -> str:
        if value not in choices:
            self.fail(f"must be one of {', '.join(map(str, choices))}", target_id, field_name)
        return value

    def strategy(self, raw: Mapping) -> Strategy:
        head = self.get(raw, "strategy")
        strategy_id = self.slug(self.get(head, "id", prefix="strategy."), "strategy.id")
        period = self.get(head, "period", prefix="strategy.")
        start = self.year(self.get(period, "start", prefix="strategy.period."), None, "strategy.period.start")
        end = self.year(self.get(period, "end", prefix="strategy.period."), None, "strategy.period.end")
        if start > end:
            self.fail("the period starts after it ends", None, "strategy.period")
        milestones = tuple(self.milestone(m) for m in self.sequence(head.get("milestones"), "strategy.milestones"))
        core_efforts = tuple(
            CoreEffort(self.string(self.get(c, "id", prefix="core_efforts."), None, "core_efforts.id"), self.text(c, None, "core_efforts"))
            for c in self.sequence(self.get(raw, "core_efforts"), "core_efforts")
        )
        core_ids = {c.id for c in core_efforts}
        focus_areas = []
        for f in self.sequence(self.get(raw, "focus_areas"), "focus_areas"):
            fid = self.string(self.get(f, "id", prefix="focus_areas."), None, "focus_areas.id")
            effort = self.string(self.get(f, "core_effort", prefix=f"focus_areas.{fid}."), None, f"focus_areas.{fid}.core_effort")
            if effort not in core_ids:
                self.fail(f"unknown core effort '{effort}'; valid: {', '.join(sorted(core_ids))}", None, f"focus_areas.{fid}.core_effort")
            focus_areas.append(FocusArea(fid, effort, self.text(f, None, f"focus_areas.{fid}")))
        code_sets = self.code_sets(raw.get("code_sets"))
        settings = self.settings(self.mapping(raw.get("settings"), "settings"))
        focus_ids = {f.id for f in focus_areas}
        raw_targets = self.get(raw, "targets")
        if not isinstance(raw_targets, list) or not raw_targets:
            self.fail("must be a non-empty list of targets", None, "targets")
        targets, seen = [], set()
        for entry in raw_targets:
            target = self.target(entry, focus_ids, code_sets)
            self.extreme_goal(target, settings.extreme_goal_tolerance)
            if target.id in seen:
                self.fail("duplicate target id", target.id, "id")
            seen.add(target.id)
            targets.append(target)
        return Strategy(
            id=strategy_id,
            name=self.text(self.get(head, "name", prefix="strategy."), None, "strategy.name"),
            municipality=self.string(self.get(head, "municipality", prefix="strategy."), None, "strategy.municipality"),
            period_start=start,
            period_end=end,
            responsible=self.text(self.get(head, "responsible", prefix="strategy."), None, "strategy.responsible"),
            committee=self.text(self.get(head, "committee", prefix="strategy."), None, "strategy.committee"),
            background=self.text(head["background"], None, "strategy.background") if head.get("background") is not None else None,
            milestones=milestones,
            core_efforts=core_efforts,
            focus_areas=tuple(focus_areas),
            code_sets=code_sets,
            settings=settings,
            targets=tuple(targets),
            path=self.path,
            method_breaks=self.method_breaks(raw.get("method_breaks"), seen),
        )

    def code_sets(self, raw: Any) -> dict[str, tuple[str, ...]]:
        """`code_sets`: each a name and a non-empty list of codes."""
        code_sets = {}
        for name, values in self.mapping(raw, "code_sets").items():
            if not isinstance(values, list) or not values or any(isinstance(v, (list, Mapping)) for v in values):
                self.fail("a code set must be a non-empty list of codes", None, f"code_sets.{name}")
            code_sets[name] = tuple(str(v) for v in values)
        return code_sets

    def settings(self, raw: Mapping) -> StrategySettings:
        """`settings:` over their defaults (config/settings.py), a broken rule reported with its line."""
        try:
            return settings_from_yaml(raw)
        except SettingError as exc:
            self.fail(exc.message, None, exc.field_name)

    def milestone(self, raw: Any) -> Milestone:
        """A milestone: its year, its kind (MILESTONE_KINDS), its name and the committee's decision, if given."""
        decision = raw.get("decision") if isinstance(raw, Mapping) else None
        case = raw.get("case") if isinstance(raw, Mapping) else None
        return Milestone(
            self.year(self.get(raw, "year", prefix="milestones."), None, "milestones.year"),
            self.choice(self.get(raw, "kind", prefix="milestones."), MILESTONE_KINDS, None, "milestones.kind"),
            self.text(raw, None, "milestones"),
            self.text(decision, None, "milestones.decision") if decision is not None else None,
            self.string(case, None, "milestones.case") if case is not None else None,
        )

    def method_breaks(self, raw: Any, target_ids: set[str]) -> tuple[MethodBreak, ...]:
        """`method_breaks`: each with a year, the sources and/or targets it concerns, and its text."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail("must be a list of method breaks", None, "method_breaks")
        breaks = []
        for i, entry in enumerate(raw):
            name = f"method_breaks[{i}]"
            year = self.year(self.get(entry, "year", prefix=f"{name}."), None, f"{name}.year")
            lists = {}
            for key in ("sources", "targets"):
                values = entry.get(key) or []
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    self.fail("must be a list of names", None, f"{name}.{key}")
                lists[key] = tuple(values)
            if not lists["sources"] and not lists["targets"]:
                self.fail("must name the sources or the targets whose measurement changed", None, name)
            unknown = sorted(set(lists["targets"]) - target_ids)
            if unknown:
                self.fail(f"unknown target id(s) {', '.join(unknown)}", None, f"{name}.targets")
            breaks.append(MethodBreak(year, lists["sources"], lists["targets"], self.text(entry, None, name)))
        return tuple(sorted(breaks, key=lambda b: b.year))

    def target(self, raw: Any, focus_ids: set, code_sets: Mapping) -> Target:
        if not isinstance(raw, Mapping):
            self.fail("each target must be a mapping", None, "targets")
        tid = self.get(raw, "id")
        if not isinstance(tid, str) or not TARGET_ID.fullmatch(tid):
            # a target id is a file name: a path ('../x') or a list never is one
            rule = "must be a lower-case identifier (letters a-z, digits and '_', at most 64 characters)"
            self.fail(rule, tid if isinstance(tid, str) else None, "id")
        if tid in RESERVED_TARGET_IDS:
            self.fail(f"'{tid}' is the name of a year's own page or notebook; choose another id", tid, "id")
        focus = self.string(self.get(raw, "focus_area", tid), tid, "focus_area")
        if focus not in focus_ids:
            self.fail(f"unknown focus area '{focus}'; valid: {', '.join(sorted(focus_ids))}", tid, "focus_area")
        unit = self.choice(self.get(raw, "unit", tid), indicator_types.UNITS, tid, "unit")
        polarity = self.choice(self.get(raw, "polarity", tid), POLARITIES, tid, "polarity")
        kind = self.choice(self.get(raw, "kind", tid), KINDS, tid, "kind")
        b_year, b_value, t_year, t_value, increase = self.baseline_and_target(raw, tid, unit, polarity, kind)
        indicator = self.indicator(self.get(raw, "indicator", tid), tid, code_sets)
        definition_raw = self.get(indicator, "definition", tid, "indicator.")
        definition = {
            key: self.text(self.get(definition_raw, key, tid, "indicator.definition."), tid, f"indicator.definition.{key}")
            for key in ("population", "numerator", "denominator", "data_source")
        }
        return Target(
            id=tid,
            focus_area=focus,
            goal=self.text(self.get(raw, "goal", tid), tid, "goal"),
            success_criterion=self.text(self.get(raw, "success_criterion", tid), tid, "success_criterion"),
            short_name=self.text(self.get(raw, "short_name", tid), tid, "short_name"),
            measure=self.text(self.get(raw, "measure", tid), tid, "measure"),
            unit=unit,
            polarity=polarity,
            kind=kind,
            baseline_year=b_year,
            baseline_value=b_value,
            target_year=t_year,
            target_value=t_value,
            indicator=indicator,
            definition=definition,
            increase_percent=increase,
        )

    def baseline_and_target(self, raw: Mapping, tid: str, unit: str, polarity: str, kind: str) -> tuple:
        """(baseline year, baseline value, target year, target value, increase percent), each checked."""
        baseline, target = self.get(raw, "baseline", tid), self.get(raw, "target", tid)
        b_year = self.year(self.get(baseline, "year", tid, "baseline."), tid, "baseline.year")
        b_value = self.number(self.get(baseline, "value", tid, "baseline."), tid, "baseline.value")
        t_year = self.year(self.get(target, "year", tid, "target."), tid, "target.year")
        t_value = self.number(self.get(target, "value", tid, "target."), tid, "target.value")
        if b_year >= t_year:
            self.fail(f"baseline year {b_year} must come before target year {t_year}", tid, "baseline.year")
        for name, value in (("baseline.value", b_value), ("target.value", t_value)):
            if unit == "percent" and not 0 <= value <= 100:
                self.fail("a percentage must lie between 0 and 100", tid, name)
            if unit == "persons" and (value < 0 or value != int(value)):
                self.fail("a number of persons must be a whole number >= 0", tid, name)
        if unit == "percent" and 0 < max(b_value, t_value) <= 1:
            self.fail(f"looks like a fraction ({b_value:g} -> {t_value:g}); write percentages, e.g. 79 for 79 %", tid, "target.value")
        if kind in KIND_POLARITY and polarity != KIND_POLARITY[kind]:
            self.fail(f"kind '{kind}' needs polarity '{KIND_POLARITY[kind]}', not '{polarity}'", tid, "polarity")
        if kind == "maintain" and t_value != b_value:
            self.fail(f"a 'maintain' target must equal its baseline ({b_value:g}), not {t_value:g}", tid, "target.value")
        if kind != "maintain" and t_value == b_value:
            self.fail("target equals baseline; use kind 'maintain'", tid, "target.value")
        better = t_value > b_value if polarity == "higher_is_better" else t_value < b_value
        if kind != "maintain" and not better:
            self.fail(f"target {t_value:g} is not better than baseline {b_value:g} for polarity '{polarity}'", tid, "target.value")
        increase = target.get("increase_percent")
        if increase is not None:
            increase = self.number(increase, tid, "target.increase_percent")
            expected = _round_half_up(b_value * (1 + increase / 100))
            if expected != t_value:
                self.fail(f"baseline {b_value:g} plus {increase:g} % is {expected:g}, not {t_value:g}", tid, "target.value")
        return b_year, b_value, t_year, t_value, increase

    def extreme_goal(self, target: Target, tolerance: float) -> None:
        """A 0 %/100 % goal is judged as a prevalence of at most `tolerance` points (docs/methodology.md
        3.3). A baseline already within that tolerance would count as met before anything happened,
        and the pace towards it would run backwards: refused, like a goal equal to its baseline."""
        if target.kind == "maintain" or not target.is_share or target.target_value not in (0, 100):
            return
        prevalence = target.baseline_value if target.target_value == 0 else 100 - target.baseline_value
        if prevalence <= tolerance:
            self.fail(
                f"baseline {target.baseline_value:g} % already lies within settings.extreme_goal_tolerance ({tolerance:g} points) "
                f"of the {target.target_value:g} % goal, so the goal would count as met at the baseline; "
                "use kind 'maintain' or a smaller tolerance",
                target.id,
                "baseline.value",
            )

    def indicator(self, raw: Any, tid: str, code_sets: Mapping) -> dict:
        """The `indicator:` block: its type (one of the registry's, config/indicator_types.py) and
        source, then the type's own fields checked by the type, their defaults filled in."""
        kind = self.choice(self.get(raw, "type", tid, "indicator."), indicator_types.names(), tid, "indicator.type")
        self.string(self.get(raw, "source", tid, "indicator."), tid, "indicator.source")
        own = indicator_types.indicator_type(kind).check_spec(indicator_types.SpecCheck(raw, tid, code_sets, self.fail))
        return {**raw, **own}


def _round_half_up(x: float) -> float:
    return float(math.floor(x + 0.5))
