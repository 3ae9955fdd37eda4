"""A strategy file's `settings:` block, typed: thresholds, disclosure control, caveats, high-risk groups.

`StrategySettings` and its parts are frozen dataclasses. Every setting's default is declared once,
on its field (docs/methodology.md explains each); `StrategySettings()` is the settings of a file
that sets none. Every reader uses attributes (`strategy.settings.disclosure.min_cell`).

`settings_from_yaml` builds them from the file's mapping. Each rule is a guard of its own: it
raises `SettingError` naming the setting (`settings.disclosure.min_cell`), which the strategy
loader (config/strategy.py) reports with the file and line. Unknown names are treated as they
always were: in the blocks of numbers (progress_thresholds, data_quality, disclosure, caveats)
each must still be a number, and is then ignored; in `comparators` they are refused; elsewhere
they are ignored.

Why stdlib dataclasses and not pydantic: no new dependency; mypy reads them without a plugin;
the rules here are few and need the strategy file's own messages (tests check them word for
word) and field paths for the line numbers, which pydantic's errors would have to be translated
into. Lists stay lists (behaviours, grades, areas): pandas selects columns by a list, never a tuple.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# what a source is (ingest/schemas.py declares each one's kind; settings.source_kinds may override)
SOURCE_KINDS = ("survey", "register")

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


class SettingError(ValueError):
    """A setting breaks its rule: `field_name` is its path in the file (`settings.caveats.min_common_coverage`)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.message = message


# --- the settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressThresholds:
    """The progress ratio from which a target is on track, needs acceleration, shows limited progress."""

    on_track: float = 0.95
    needs_acceleration: float = 0.6
    limited_progress: float = 0.0


@dataclass(frozen=True)
class DataQuality:
    """Below (or above) these a measurement is flagged as too weak to judge."""

    min_denominator: float = 50
    max_unknown_share: float = 0.25
    min_contact_rate: float = 0.5
    # a survey's variance rests on the spread between its clusters, C − 1 degrees of freedom
    min_clusters: int = 2


@dataclass(frozen=True)
class Disclosure:
    """Statistical disclosure control for every published table and plot (docs/methodology.md, section 7)."""

    min_group_size: int = 20
    min_cell: int = 5
    all_or_none_health_data: bool = True
    all_or_none_min_group: int = 50
    # the high-risk tables publish group sizes rounded to a multiple of this (the linked audit,
    # docs/methodology.md 7.1, hides what rounding leaves exposed)
    round_sizes: int = 10
    # a group of at least this many answers is never hidden to protect a smaller one: its counts are
    # withheld instead, its share and interval shown (section 7, residual groups)
    large_group: int = 1000


@dataclass(frozen=True)
class Caveats:
    """Caveats on the page beside the verdict; the status stands (docs/methodology.md, 2.3 and 2.4)."""

    max_standardisation_gap: float = 1.0
    min_common_coverage: float = 0.9


def _default_debut_ages() -> dict[str, str]:
    return {"smoking_ever": "smoking_debut_age", "alcohol_ever": "alcohol_debut_age", "hash_ever": "hash_debut_age"}


@dataclass(frozen=True)
class HighRisk:
    """High-risk groups (calc/high_risk.py): the school survey's yes/no behaviours looked at together,
    and the grades whose pupils count as an early debut."""

    source: str = "ungeprofil_skole"
    behaviours: list[str] = field(default_factory=lambda: ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"])
    early_grades: list[int] = field(default_factory=lambda: [6, 7])
    # pupils with at least this many of the behaviours combine several (the share and its trend)
    multiple: int = 2
    # the optional debut-age column of a behaviour, and the age before which a debut counts as early
    debut_ages: dict[str, str] = field(default_factory=_default_debut_ages)
    early_age: int = 14


@dataclass(frozen=True)
class Comparators:
    """Comparators (calc/comparators.py): the areas of the comparator files the pages show, in this
    order; None: every area of the files, in their order."""

    areas: list[str] | None = None


@dataclass(frozen=True)
class StrategySettings:
    """Every setting of a strategy file, each default declared once, here."""

    confidence: float = 0.95
    change_confidence: float = 0.95
    # the test for trend runs at the change test's nominal level (target by target, not Holm-corrected)
    trend_confidence: float = 0.95
    progress_thresholds: ProgressThresholds = field(default_factory=ProgressThresholds)
    data_quality: DataQuality = field(default_factory=DataQuality)
    disclosure: Disclosure = field(default_factory=Disclosure)
    maintain_margin_points: float = 3.0
    maintain_margin_relative: float = 0.05
    extreme_goal_tolerance: float = 0.5
    min_projection_points: int = 4
    # counts: Pearson's test of Poisson variation needs this many measured years (docs/methodology.md, 2.5)
    min_dispersion_points: int = 4
    # a count is also shown as a rate per this many residents (when there is population data)
    rate_per: float = 10000
    caveats: Caveats = field(default_factory=Caveats)
    high_risk: HighRisk = field(default_factory=HighRisk)
    # the treatment subgroups' age bands: (lowest age, highest age, label), age at the episode's start
    age_bands: list[tuple[float, float, str]] = field(default_factory=list)
    # a source's kind (survey or register, ingest/schemas.py) where this municipality's differs,
    # e.g. {ungeprofil_ungdom: register} for a survey every student answers
    source_kinds: dict[str, str] = field(default_factory=dict)
    comparators: Comparators = field(default_factory=Comparators)


# --- the guards: one rule each -------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _is_whole(value: Any) -> bool:
    """A whole number written as one (2, not 2.0 nor true)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_number(value: Any, name: str) -> Any:
    if not _is_number(value):
        raise SettingError(name, "must be a number")
    return value


def check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise SettingError(name, "must be true or false")
    return value


def check_mapping(value: Any, name: str) -> Mapping:
    """A block of settings: a mapping, or nothing (its defaults)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SettingError(name, "must be a mapping of names to values")
    return value


def check_block_values(block: Mapping, defaults: Any, name: str) -> None:
    """A block of numbers (progress_thresholds, data_quality, disclosure, caveats): each value a
    number, or true/false where its default is; a name the block does not know must be a number too."""
    for key, value in block.items():
        if isinstance(getattr(defaults, str(key), None), bool):
            check_flag(value, f"{name}.{key}")
        else:
            check_number(value, f"{name}.{key}")


def check_level(value: Any, name: str) -> Any:
    """A confidence level."""
    if not 0 < check_number(value, name) < 1:
        raise SettingError(name, "must lie strictly between 0 and 1")
    return value


def check_not_negative(value: Any, name: str) -> Any:
    if check_number(value, name) < 0:
        raise SettingError(name, "must be 0 or more")
    return value


def check_extreme_goal_tolerance(value: Any, name: str) -> Any:
    """The points within which a 0 %/100 % goal counts as met (docs/methodology.md 3.3)."""
    if not 0 < check_not_negative(value, name) < 50:
        raise SettingError(name, "a tolerance for a 0 %/100 % goal must lie between 0 and 50 percentage points")
    return value


def check_min_points(value: Any, name: str) -> int:
    """The measured years a method needs (a projection, the test of dispersion)."""
    if not _is_whole(value) or value < 3:
        raise SettingError(name, "must be a whole number of measured years, at least 3")
    return value


def check_min_clusters(value: Any, name: str) -> int:
    if isinstance(value, bool) or value != int(value) or value < 2:
        raise SettingError(name, "must be a whole number of clusters, at least 2 (one gives no spread between clusters)")
    return int(value)


def check_rate_per(value: Any, name: str) -> Any:
    if check_number(value, name) <= 0:
        raise SettingError(name, "must be greater than 0, e.g. 10000")
    return value


def check_source_kinds(value: Any, name: str) -> dict[str, str]:
    kinds = check_mapping(value, name)
    for source, kind in kinds.items():
        if kind not in SOURCE_KINDS:
            raise SettingError(f"{name}.{source}", f"must be one of {', '.join(SOURCE_KINDS)}")
    return dict(kinds)


def check_age_bands(value: Any, name: str) -> list[tuple[float, float, str]]:
    """The age bands, each [lowest age, highest age, label]; none: no age breakdown."""
    if value is None:
        return []
    band = lambda b: isinstance(b, list) and len(b) == 3 and _is_number(b[0]) and _is_number(b[1]) and isinstance(b[2], str)
    if not isinstance(value, list) or not all(band(b) for b in value):
        raise SettingError(name, "must list age bands as [lowest age, highest age, label], e.g. [[0, 24, under 25], [25, 34, 25-34]]")
    return [(low, high, label) for low, high, label in value]


def check_round_sizes(value: Any, name: str) -> int:
    if not _is_whole(value) or value < 1:
        raise SettingError(name, "must be a whole number of persons, 1 or more (1: sizes exact)")
    return value


def check_common_coverage(value: Any, name: str) -> Any:
    if not 0 <= value <= 1:
        raise SettingError(name, "must be a fraction between 0 and 1")
    return value


def check_standardisation_gap(value: Any, name: str) -> Any:
    if value < 0:
        raise SettingError(name, "must be 0 or more percentage points")
    return value


def check_floor(value: Any, floor: Any, name: str) -> None:
    """A disclosure rule may be raised above its floor (DISCLOSURE_FLOORS), never lowered; the 0 %/100 % rule stays on."""
    if isinstance(floor, bool):
        if value is not floor:
            raise SettingError(name, f"must stay true: 0 % and 100 % shares of health data are never published, {FLOOR_REFERENCE}")
    elif value < floor:
        raise SettingError(name, f"must be at least {floor}, {FLOOR_REFERENCE}")
    elif value != int(value):
        raise SettingError(name, "must be a whole number of persons")


def check_high_risk_source(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise SettingError(name, "must name a source")
    return value


def check_behaviours(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(b, str) for b in value):
        raise SettingError(name, "must list at least two yes/no columns")
    return list(value)


def check_early_grades(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or not all(_is_whole(g) for g in value):
        raise SettingError(name, "must list whole grades, e.g. [6, 7]")
    return list(value)


def check_multiple(value: Any, behaviours: list[str], name: str) -> int:
    """How many behaviours count as several: from 2 to all of them."""
    if not _is_whole(value) or not 2 <= value <= len(behaviours):
        raise SettingError(name, f"must be a whole number of behaviours from 2 to {len(behaviours)}")
    return value


def check_debut_ages(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SettingError(name, "must map a behaviour to its debut-age column, e.g. {smoking_ever: smoking_debut_age}")
    return dict(value)


def check_early_age(value: Any, name: str) -> int:
    if not _is_whole(value) or not 9 <= value <= 25:
        raise SettingError(name, "must be a whole age from 9 to 25")
    return value


def check_known_names(block: Mapping, known: Any, name: str) -> None:
    """A block that refuses names it does not know (`comparators`)."""
    valid = [f.name for f in fields(known)]
    unknown = sorted(str(k) for k in block if k not in valid)
    if unknown:
        raise SettingError(name, f"unknown setting(s) {', '.join(unknown)}; valid: {', '.join(valid)}")


def check_areas(value: Any, name: str) -> list[str] | None:
    """The comparator areas to show, in their order (distinct names), or None for every area of the files."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a.strip() for a in value) or len(set(value)) != len(value):
        rule = "must list distinct area names as the comparator files write them (e.g. [Hele landet, Region Nordjylland]), or be left out"
        raise SettingError(name, rule)
    return [a.strip() for a in value]


# --- building them -------------------------------------------------------------------------------

# the blocks whose every value is a number (or true/false where the default is)
NUMBER_BLOCKS = {"progress_thresholds": ProgressThresholds, "data_quality": DataQuality, "disclosure": Disclosure, "caveats": Caveats}
# the top-level settings and their guards, in the order they are checked
TOP_LEVEL_GUARDS = {
    "confidence": check_level,
    "change_confidence": check_level,
    "trend_confidence": check_level,
    "maintain_margin_points": check_not_negative,
    "maintain_margin_relative": check_not_negative,
    "extreme_goal_tolerance": check_extreme_goal_tolerance,
    "min_projection_points": check_min_points,
    "min_dispersion_points": check_min_points,
    "rate_per": check_rate_per,
    "source_kinds": check_source_kinds,
    "age_bands": check_age_bands,
}


def _number_block(raw: Any, kind: type, name: str) -> dict[str, Any]:
    """A block of numbers over its defaults, each value checked (unknown names too, then left out)."""
    merged = {**dataclasses.asdict(kind()), **check_mapping(raw, name)}
    check_block_values(merged, kind(), name)
    return {f.name: merged[f.name] for f in fields(kind)}


def _disclosure(block: Mapping) -> Disclosure:
    """`settings.disclosure`: the rounding of sizes, then the floors; whole numbers of persons as such."""
    name = "settings.disclosure"
    check_round_sizes(block["round_sizes"], f"{name}.round_sizes")
    for rule, floor in DISCLOSURE_FLOORS.items():
        check_floor(block[rule], floor, f"{name}.{rule}")
    whole = {f.name: int(block[f.name]) for f in fields(Disclosure) if f.name != "all_or_none_health_data"}
    return Disclosure(**whole, all_or_none_health_data=block["all_or_none_health_data"])


def _high_risk(raw: Any) -> HighRisk:
    """`settings.high_risk`: a source, at least two behaviours (its yes/no columns), the early grades,
    how many behaviours count as several, the debut-age columns and the age of an early debut."""
    name = "settings.high_risk"
    given = check_mapping(raw, name)
    block = {**dataclasses.asdict(HighRisk()), **given}
    source = check_high_risk_source(block["source"], f"{name}.source")
    behaviours = check_behaviours(block["behaviours"], f"{name}.behaviours")
    grades = check_early_grades(block["early_grades"], f"{name}.early_grades")
    multiple = check_multiple(block["multiple"], behaviours, f"{name}.multiple")
    ages = block["debut_ages"]
    if "debut_ages" not in given:  # the defaults, for the behaviours this file lists
        ages = {k: v for k, v in ages.items() if k in behaviours}
    debut_ages = check_debut_ages(ages, f"{name}.debut_ages")
    early_age = check_early_age(block["early_age"], f"{name}.early_age")
    return HighRisk(source, behaviours, grades, multiple, debut_ages, early_age)


def _comparators(raw: Any) -> Comparators:
    name = "settings.comparators"
    block = check_mapping(raw, name)
    check_known_names(block, Comparators, name)
    return Comparators(areas=check_areas(block.get("areas", Comparators().areas), f"{name}.areas"))


def settings_from_yaml(raw: Mapping) -> StrategySettings:
    """The settings of a strategy file's `settings:` mapping over their defaults, every rule checked
    (SettingError names the first setting that breaks one)."""
    blocks = {key: _number_block(raw.get(key), kind, f"settings.{key}") for key, kind in NUMBER_BLOCKS.items()}
    defaults = StrategySettings()
    values = {key: guard(raw.get(key, getattr(defaults, key)), f"settings.{key}") for key, guard in TOP_LEVEL_GUARDS.items()}
    quality = blocks["data_quality"]
    data_quality = DataQuality(**{**quality, "min_clusters": check_min_clusters(quality["min_clusters"], "settings.data_quality.min_clusters")})
    caveats = Caveats(**blocks["caveats"])
    check_common_coverage(caveats.min_common_coverage, "settings.caveats.min_common_coverage")
    check_standardisation_gap(caveats.max_standardisation_gap, "settings.caveats.max_standardisation_gap")
    return StrategySettings(
        **values,
        progress_thresholds=ProgressThresholds(**blocks["progress_thresholds"]),
        data_quality=data_quality,
        disclosure=_disclosure(blocks["disclosure"]),
        caveats=caveats,
        high_risk=_high_risk(raw.get("high_risk")),
        comparators=_comparators(raw.get("comparators")),
    )
