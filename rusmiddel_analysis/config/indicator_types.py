"""The indicator types: what a target's `indicator.type` names, and the registry that finds each.

An indicator type is everything that differs between, say, a survey share and a count of persons
starting treatment, kept in one object (`IndicatorType`) so that no other module branches on the
type's name:

- config: the fields of its `indicator:` block and their defaults (`check_spec`), the unit it
  counts in, the sources a target of the type reads;
- ingest: its fit with the canonical formats (`source_problems`), the demo's synthetic truth for it
  (`calibrate_demo`);
- calc: the rows it computes per year and group (`rows`), the breakdowns its definition fixes, the
  yes/no answer it counts (for the linked audit of the school survey), the success codes a
  follow-up checks for it;
- present: the interval's words in the appendix and the sections it adds to a target page
  (`add_quality`).

The test of change and the source's kind (a survey's sample or a register's count) follow from
the unit a type declares and the source a target names (calc/assessment.py), so a new type gets
the right test without code of its own.

Each built-in type is one module of `rusmiddel_analysis.indicator_types` (a layer above present,
so it may use every layer's tools); `BUILTIN` names it, and the registry imports it the first time
the type is asked for. The config layer never imports a type module itself: it holds the interface
and the names, the modules implement it. A type from elsewhere (an analyst's own, or a test's) is
added with `register` and removed with `unregister`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

if TYPE_CHECKING:
    import pandas as pd

# every built-in type and the module that implements it: adding a type is a module and a line here
BUILTIN: dict[str, str] = {
    "share": "rusmiddel_analysis.indicator_types.share",
    "treatment_outcome": "rusmiddel_analysis.indicator_types.treatment_outcome",
    "persons_starting": "rusmiddel_analysis.indicator_types.persons_starting",
}
# what a target's value counts in: a percentage, or a number of persons
UNITS = ("percent", "persons")
# the name a type module gives its type object
MODULE_ATTRIBUTE = "INDICATOR_TYPE"
_MISSING = object()


class SpecCheck:
    """The strategy loader's checks of one target's `indicator:` block, bound to that target, so a
    type checks its own fields with the loader's messages (file, line, target, field)."""

    def __init__(self, raw: Mapping, target_id: str, code_sets: Mapping, fail: Callable[[str, str | None, str | None], NoReturn]):
        self.raw = raw
        self.target_id = target_id
        self.code_sets = code_sets
        self._fail = fail

    def fail(self, message: str, key: str) -> NoReturn:
        self._fail(message, self.target_id, f"indicator.{key}")

    def required(self, key: str) -> Any:
        if not isinstance(self.raw, Mapping) or self.raw.get(key) is None:
            self.fail("missing required field", key)
        return self.raw[key]

    def text(self, key: str) -> str:
        value = self.required(key)
        if not isinstance(value, str) or not value.strip():
            self.fail("must be a text (not empty, not a list or a mapping)", key)
        return value

    def choice(self, key: str, choices: tuple, default: Any = _MISSING) -> Any:
        """The field's value, one of `choices`; a field with a default may be left out."""
        value = self.raw.get(key, default) if default is not _MISSING else self.required(key)
        if value not in choices:
            self.fail(f"must be one of {', '.join(map(str, choices))}", key)
        return value

    def code_set(self, key: str) -> Any:
        """A field naming a code set (a list of codes is taken as it is): the name must be defined."""
        value = self.required(key)
        if isinstance(value, str) and value not in self.code_sets:
            self.fail(f"unknown code set '{value}'", key)
        return value


class IndicatorType:
    """One indicator type's parts in every layer. Each hook has the neutral answer of a type that
    does not take part (no extra fields, no problems, nothing in the demo, no page section); a type
    must say what it counts in (`unit`) and how it counts (`rows`)."""

    name: ClassVar[str]
    # the unit its value counts in (one of UNITS)
    unit: ClassVar[str]
    # breakdowns the definition fixes (a treatment outcome is one substance's): never published
    fixed_breakdowns: ClassVar[tuple[str, ...]] = ()
    # the appendix's words for the interval (report.def_interval_<this>); None: by unit, share or count
    interval_words: ClassVar[str | None] = None

    def check_spec(self, spec: SpecCheck) -> dict[str, Any]:
        """The type's own fields of the `indicator:` block, checked, with their defaults filled in."""
        return {}

    def sources_read(self, target) -> tuple[str, ...]:
        """Every source a target of this type is counted from (a method break in one changes it)."""
        return (target.source,)

    def source_problems(self, strategy, target) -> list:
        """How the target does not fit the canonical formats (ingest.strategy_check.Problem each)."""
        return []

    def calibrate_demo(self, profile: dict, strategy, target, pace: float) -> None:
        """Put the target's path (`pace` of the way to its goal by the target year) into the demo's
        synthetic truth (`profile`, ingest/demo/calibrate.py), if the demo draws data of its kind."""

    def rows(self, target, strategy, data, by: str | None, merge: bool = False) -> pd.DataFrame:
        """One row per year and group (calc/indicators.py's columns), before disclosure control."""
        raise NotImplementedError(f"indicator type '{self.name}' does not say how it counts")

    def counted_answer(self, target) -> tuple[str, bool] | None:
        """(column, answer) when the target counts pupils giving one yes/no answer, else None."""
        return None

    def follow_up_success(self, strategy, target) -> tuple[str, frozenset] | None:
        """(substance, success codes) when a follow-up call judges the target's outcome, else None."""
        return None

    def add_quality(self, report, page, latest: pd.DataFrame) -> None:
        """Add what the type says about its data's quality to a target page's section (`page`, a
        present.fragments.Builder; `report`, the page's TargetReport; `latest`, the measured year's rows)."""


_registered: dict[str, IndicatorType] = {}


def register(kind: IndicatorType) -> None:
    """Add a type (or replace the one of that name): from then on a strategy file may name it."""
    if not isinstance(getattr(kind, "name", None), str) or getattr(kind, "unit", None) not in UNITS:
        raise ValueError(f"an indicator type needs a name and a unit ({' or '.join(UNITS)})")
    _registered[kind.name] = kind


def unregister(name: str) -> None:
    """Remove a type added with `register` (a built-in one comes back the next time it is asked for)."""
    _registered.pop(name, None)


def names() -> tuple[str, ...]:
    """Every type a strategy file may name: the built-in ones, then those registered."""
    return tuple(dict.fromkeys([*BUILTIN, *_registered]))


def indicator_type(name: str) -> IndicatorType:
    """The type called `name` (KeyError naming the valid ones when there is none)."""
    if name not in _registered and name in BUILTIN:
        _registered[name] = getattr(importlib.import_module(BUILTIN[name]), MODULE_ATTRIBUTE)
    if name not in _registered:
        raise KeyError(f"unknown indicator type '{name}'; valid: {', '.join(names())}")
    return _registered[name]


def type_of(target) -> IndicatorType:
    """The indicator type of a target (config.strategy.Target)."""
    return indicator_type(target.indicator["type"])
