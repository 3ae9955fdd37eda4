"""The strategy as data: load and check a strategy YAML file.

A strategy file holds the strategy's frame (period, milestones, core efforts,
focus areas), named code sets, settings (thresholds, disclosure control) and
its targets. `load_strategy` returns a frozen `Strategy` or raises
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

UNITS = ("percent", "persons")
POLARITIES = ("higher_is_better", "lower_is_better")
KINDS = ("reach", "at_least", "at_most", "maintain")
# a kind that states its direction needs the polarity it states
KIND_POLARITY = {"at_least": "higher_is_better", "at_most": "lower_is_better"}
LANGS = ("da", "en")
# the reports a committee gets on the way (strategy.milestones): what each must hold is in ingest/status_text.py
MILESTONE_KINDS = ("midterm_status", "final_evaluation")
# what a source is (ingest/schemas.py declares each one's kind; settings.source_kinds may override)
SOURCE_KINDS = ("survey", "register")


# Every setting's default, in one place; docs/methodology.md explains each.
SETTINGS_DEFAULTS: dict[str, Any] = {
    "confidence": 0.95,
    "change_confidence": 0.95,
    # the test for trend runs at the change test's nominal level (target by target, not Holm-corrected)
    "trend_confidence": 0.95,
    "progress_thresholds": {"on_track": 0.95, "needs_acceleration": 0.6, "limited_progress": 0.0},
    # min_clusters: a survey's variance rests on the spread between its clusters, C − 1 degrees of freedom
    "data_quality": {"min_denominator": 50, "max_unknown_share": 0.25, "min_contact_rate": 0.5, "min_clusters": 2},
    # round_sizes: the high-risk tables publish group sizes rounded to a multiple of this (the linked
    # audit, docs/methodology.md 7.1, hides what rounding leaves exposed); large_group: a group of at
    # least this many answers is never hidden to protect a smaller one: its counts are withheld
    # instead, its share and interval shown (section 7, residual groups)
    "disclosure": {
        "min_group_size": 20,
        "min_cell": 5,
        "all_or_none_health_data": True,
        "all_or_none_min_group": 50,
        "round_sizes": 10,
        "large_group": 1000,
    },
    "maintain_margin_points": 3.0,
    "maintain_margin_relative": 0.05,
    "extreme_goal_tolerance": 0.5,
    "min_projection_points": 4,
    # counts: Pearson's test of Poisson variation needs this many measured years (docs/methodology.md, 2.5)
    "min_dispersion_points": 4,
    # a count is also shown as a rate per this many residents (when there is population data)
    "rate_per": 10000,
    # caveats on the page beside the verdict; the status stands (docs/methodology.md, 2.3 and 2.4)
    "caveats": {"max_standardisation_gap": 1.0, "min_common_coverage": 0.9},
    # high-risk groups (calc/high_risk.py): the school survey's yes/no behaviours looked at together,
    # and the grades whose pupils count as an early debut
    "high_risk": {
        "source": "ungeprofil_skole",
        "behaviours": ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"],
        "early_grades": [6, 7],
        # pupils with at least this many of the behaviours combine several (the share and its trend)
        "multiple": 2,
        # the optional debut-age column of a behaviour, and the age before which a debut counts as early
        "debut_ages": {"smoking_ever": "smoking_debut_age", "alcohol_ever": "alcohol_debut_age", "hash_ever": "hash_debut_age"},
        "early_age": 14,
    },
    "age_bands": [],
    # a source's kind (survey or register, ingest/schemas.py) where this municipality's differs,
    # e.g. {ungeprofil_ungdom: register} for a survey every student answers
    "source_kinds": {},
    # comparators (calc/comparators.py): the areas of the comparator files the pages show, in this
    # order; null: every area of the files, in their order
    "comparators": {"areas": None},
}

# The floors of disclosure control (docs/methodology.md, section 7): a strategy file may raise them,
# never lower them. Cells of 1-4 persons are never published (Statistics Denmark's discretion rules),
# nor groups under 20 answers, nor a 0 %/100 % share of health data or of a survey group under 50.
# Only a group of 1,000 answers or more may show its share with its counts withheld instead of being
# hidden: the interval of a smaller group, rounded, tells its size to within a few persons.
DISCLOSURE_FLOORS: dict[str, Any] = {
    "min_group_size": 20,
    "min_cell": 5,
    "all_or_none_min_group": 50,
    "all_or_none_health_data": True,
    "large_group": 1000,
}
FLOOR_REFERENCE = "the floor no strategy can lower (docs/methodology.md, section 7)"

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
    settings: Mapping[str, Any]
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
            self.extreme_goal(target, settings["extreme_goal_tolerance"])
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

    def settings(self, raw: Mapping) -> dict:
        merged = {**SETTINGS_DEFAULTS, **raw}
        for key in ("progress_thresholds", "data_quality", "disclosure", "caveats"):
            merged[key] = {**SETTINGS_DEFAULTS[key], **self.mapping(raw.get(key), f"settings.{key}")}
            for name, value in merged[key].items():
                if isinstance(SETTINGS_DEFAULTS[key].get(name), bool):
                    if not isinstance(value, bool):
                        self.fail("must be true or false", None, f"settings.{key}.{name}")
                else:
                    self.number(value, None, f"settings.{key}.{name}")
        for key in ("confidence", "change_confidence", "trend_confidence"):
            if not 0 < self.number(merged[key], None, f"settings.{key}") < 1:
                self.fail("must lie strictly between 0 and 1", None, f"settings.{key}")
        for key in ("maintain_margin_points", "maintain_margin_relative", "extreme_goal_tolerance"):
            if self.number(merged[key], None, f"settings.{key}") < 0:
                self.fail("must be 0 or more", None, f"settings.{key}")
        if not 0 < merged["extreme_goal_tolerance"] < 50:
            self.fail("a tolerance for a 0 %/100 % goal must lie between 0 and 50 percentage points", None, "settings.extreme_goal_tolerance")
        for key in ("min_projection_points", "min_dispersion_points"):
            points = merged[key]
            if isinstance(points, bool) or not isinstance(points, int) or points < 3:
                self.fail("must be a whole number of measured years, at least 3", None, f"settings.{key}")
        clusters = merged["data_quality"]["min_clusters"]
        if isinstance(clusters, bool) or clusters != int(clusters) or clusters < 2:
            rule = "must be a whole number of clusters, at least 2 (one gives no spread between clusters)"
            self.fail(rule, None, "settings.data_quality.min_clusters")
        if self.number(merged["rate_per"], None, "settings.rate_per") <= 0:
            self.fail("must be greater than 0, e.g. 10000", None, "settings.rate_per")
        kinds = self.mapping(merged["source_kinds"], "settings.source_kinds")
        for name, kind in kinds.items():
            self.choice(kind, SOURCE_KINDS, None, f"settings.source_kinds.{name}")
        merged["source_kinds"] = dict(kinds)
        rounding = merged["disclosure"]["round_sizes"]
        if isinstance(rounding, bool) or not isinstance(rounding, int) or rounding < 1:
            self.fail("must be a whole number of persons, 1 or more (1: sizes exact)", None, "settings.disclosure.round_sizes")
        if not 0 <= merged["caveats"]["min_common_coverage"] <= 1:
            self.fail("must be a fraction between 0 and 1", None, "settings.caveats.min_common_coverage")
        if merged["caveats"]["max_standardisation_gap"] < 0:
            self.fail("must be 0 or more percentage points", None, "settings.caveats.max_standardisation_gap")
        self.disclosure_floors(merged["disclosure"])
        merged["high_risk"] = self.high_risk({**SETTINGS_DEFAULTS["high_risk"], **self.mapping(raw.get("high_risk"), "settings.high_risk")})
        merged["comparators"] = self.comparators({**SETTINGS_DEFAULTS["comparators"], **self.mapping(raw.get("comparators"), "settings.comparators")})
        return merged

    def comparators(self, block: dict) -> dict:
        """`settings.comparators`: `areas`, the comparator areas to show in their order (distinct names),
        or null for every area of the comparator files."""
        unknown = sorted(str(k) for k in block if k not in SETTINGS_DEFAULTS["comparators"])
        if unknown:
            self.fail(f"unknown setting(s) {', '.join(unknown)}; valid: {', '.join(SETTINGS_DEFAULTS['comparators'])}", None, "settings.comparators")
        areas = block["areas"]
        if areas is None:
            return {"areas": None}
        if not isinstance(areas, list) or not areas or not all(isinstance(a, str) and a.strip() for a in areas) or len(set(areas)) != len(areas):
            rule = "must list distinct area names as the comparator files write them (e.g. [Hele landet, Region Nordjylland]), or be left out"
            self.fail(rule, None, "settings.comparators.areas")
        return {"areas": [a.strip() for a in areas]}

    def disclosure_floors(self, block: Mapping) -> None:
        """`settings.disclosure` may raise DISCLOSURE_FLOORS, never lower them (nor switch the 0 %/100 % rule off)."""
        for name, floor in DISCLOSURE_FLOORS.items():
            value, field_name = block[name], f"settings.disclosure.{name}"
            if isinstance(floor, bool):
                if value is not floor:
                    self.fail(f"must stay true: 0 % and 100 % shares of health data are never published, {FLOOR_REFERENCE}", None, field_name)
            elif value < floor:
                self.fail(f"must be at least {floor}, {FLOOR_REFERENCE}", None, field_name)
            elif value != int(value):
                self.fail("must be a whole number of persons", None, field_name)

    def high_risk(self, block: dict) -> dict:
        """`settings.high_risk`: a source, at least two behaviours (its yes/no columns), the early grades,
        how many behaviours count as several, the debut-age columns and the age of an early debut."""
        behaviours, grades = block.get("behaviours"), block.get("early_grades")
        if not isinstance(block.get("source"), str):
            self.fail("must name a source", None, "settings.high_risk.source")
        if not isinstance(behaviours, list) or len(behaviours) < 2 or not all(isinstance(b, str) for b in behaviours):
            self.fail("must list at least two yes/no columns", None, "settings.high_risk.behaviours")
        if not isinstance(grades, list) or not all(isinstance(g, int) and not isinstance(g, bool) for g in grades):
            self.fail("must list whole grades, e.g. [6, 7]", None, "settings.high_risk.early_grades")
        multiple = block.get("multiple")
        if not isinstance(multiple, int) or isinstance(multiple, bool) or not 2 <= multiple <= len(behaviours):
            self.fail(f"must be a whole number of behaviours from 2 to {len(behaviours)}", None, "settings.high_risk.multiple")
        ages, early_age = block.get("debut_ages"), block.get("early_age")
        if ages is SETTINGS_DEFAULTS["high_risk"]["debut_ages"]:  # the defaults, for the behaviours this file lists
            ages = {k: v for k, v in ages.items() if k in (behaviours or [])}
        if not isinstance(ages, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in ages.items()):
            self.fail("must map a behaviour to its debut-age column, e.g. {smoking_ever: smoking_debut_age}", None, "settings.high_risk.debut_ages")
        if not isinstance(early_age, int) or isinstance(early_age, bool) or not 9 <= early_age <= 25:
            self.fail("must be a whole age from 9 to 25", None, "settings.high_risk.early_age")
        return {
            "source": block["source"],
            "behaviours": list(behaviours),
            "early_grades": list(grades),
            "multiple": multiple,
            "debut_ages": dict(ages),
            "early_age": early_age,
        }

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
        unit = self.choice(self.get(raw, "unit", tid), UNITS, tid, "unit")
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
