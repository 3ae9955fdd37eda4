"""Breakdowns: which subgroups a target has, which the reports publish, and the order of their groups.

Derived from the sources' roles in the canonical formats (ingest/schemas.py), so that every layer
reads one answer. Light on purpose: the report kernels import it without the statistics.
"""

from __future__ import annotations

import pandas as pd

from rusmiddel_analysis.ingest.schemas import SOURCES

ALL = "all"
# the group of a breakdown for records whose value is missing: published like any other group,
# so that the groups always add up to the published total
UNKNOWN = "unknown"
# a citizen starting treatment for both substances in a year (the substance breakdown of a count of persons)
BOTH = "both"
# finished treatments whose follow-up nobody attempted (a caller group of the follow-up table)
NOT_CALLED = "not_called"
# Residual groups: a breakdown's catch-all answer and the records without a value. They are the one
# place that says which groups of which dimension are residual: too small to publish, such a group
# is merged with the breakdown's other residual groups into RESIDUAL, or left out of the breakdown,
# and never protected by hiding a large group (calc/disclosure.py; docs/methodology.md, section 7).
# Every dimension's `unknown` is residual; these are the catch-all codes of the canonical formats
# (ingest/schemas.py) that are residual too ("other" of education type is a real kind of school).
RESIDUAL_CODES = {"gender": ("other",)}
# the residual groups of a breakdown merged into one
RESIDUAL = "residual"


def residual_groups(by: str | None) -> tuple[str, ...]:
    """The groups of breakdown `by` that are residual: its catch-all codes, `unknown`, and the merged group."""
    return (*RESIDUAL_CODES.get(by or "", ()), UNKNOWN, RESIDUAL)


def _natural_key(group: str) -> str:
    """Sort '6' < '10' and text alphabetically, with the unknown and merged residual groups last:
    numbers are zero-padded."""
    group = str(group)
    return "~~" if group in (UNKNOWN, RESIDUAL) else group.zfill(8) if group.isdigit() else f"~{group}"


def group_order(strategy, by: str | None):
    """Sort key of a breakdown's groups: age bands in the strategy's order, codes in the order of
    the canonical format (`both` after the substances), other groups naturally; `unknown` and the
    merged residual group last."""
    if by == "age_group":
        labels = [label for _, _, label in strategy.settings.age_bands]
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
    fixed = target.indicator_type.fixed_breakdowns
    return tuple(by for by in SOURCES[target.source].published_subgroups if by not in fixed)


def group_keys(frame: pd.DataFrame, by: str | None, merge_residual: bool = False) -> pd.Series:
    """The group of each row in breakdown `by`: its value as text (yes/no as 'true'/'false'), `unknown`
    where it is missing; with `merge_residual` the residual groups (breakdowns.residual_groups) as one."""
    if by is None:
        return pd.Series(ALL, index=frame.index)
    column = frame[by]
    text = column.astype("string")
    if pd.api.types.is_bool_dtype(column.dtype):
        text = text.str.lower()
    keys = text.fillna(UNKNOWN).astype(object)
    return keys.where(~keys.isin(residual_groups(by)), RESIDUAL) if merge_residual else keys
