"""Breakdowns: which subgroups a target has, which the reports publish, and the order of their groups.

Derived from the sources' roles in the canonical formats (ingest/schemas.py), so that every layer
reads one answer. Light on purpose: the report kernels import it without the statistics.
"""

from __future__ import annotations

from rusmiddel_analysis.ingest.schemas import SOURCES

ALL = "all"
# the group of a breakdown for records whose value is missing: published like any other group,
# so that the groups always add up to the published total
UNKNOWN = "unknown"
# a citizen starting treatment for both substances in a year (the substance breakdown of a count of persons)
BOTH = "both"
# finished treatments whose follow-up nobody attempted (a caller group of the follow-up table)
NOT_CALLED = "not_called"


def _natural_key(group: str) -> str:
    """Sort '6' < '10' and text alphabetically, with the unknown group last: numbers are zero-padded."""
    group = str(group)
    return "~~" if group == UNKNOWN else group.zfill(8) if group.isdigit() else f"~{group}"


def group_order(strategy, by: str | None):
    """Sort key of a breakdown's groups: age bands in the strategy's order, codes in the order of
    the canonical format (`both` after the substances), other groups naturally; `unknown` last."""
    if by == "age_group":
        labels = [label for _, _, label in strategy.settings["age_bands"]]
    else:
        codes = next((s.column(by).codes for s in SOURCES.values() if by in s.names), ())
        labels = [str(c) for c in codes] + ([BOTH] if by == "substance" else [])
    order = {label: f"{i:04d}" for i, label in enumerate(labels)}
    return lambda group: order.get(group, _natural_key(group))


def supported_subgroups(target) -> tuple[str, ...]:
    """Every breakdown of the target's source that an analyst may compute."""
    return SOURCES[target.source].subgroups


def published_subgroups(target) -> tuple[str, ...]:
    """The breakdowns the reports publish: never a single school or institution, and not the
    substance of a target whose definition fixes it."""
    fixed = ("substance",) if target.indicator["type"] == "treatment_outcome" else ()
    return tuple(by for by in SOURCES[target.source].published_subgroups if by not in fixed)
