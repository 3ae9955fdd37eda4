"""What calc hands the pages: typed records of a target's assessment, never strings to parse.

The assessment table keeps its caveats and data-quality problems as codes (`coverage:0.812`,
`min_contact_rate:0.412<0.5`), which is what `assessment.csv` publishes. This module is the one
place that writes and reads those codes: `assess` builds `Caveat` and `QualityProblem` records and
flattens them with `codes`; the narrative, views and plots read a row through `verdict_of`,
`caveats_of` and `problems_of` and get records back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SEPARATOR = ";"


@dataclass(frozen=True)
class Caveat:
    """Something the page says beside the verdict (which stands): its kind and its number.

    kind: standardisation_gap (value: the standardised minus the measured share, points),
    coverage (value: the share of answers from schools in both years, 0-1), bounds_straddle_goal,
    method_break (value: the year), overdispersion (value: phi)."""

    kind: str
    value: float | None = None

    def code(self) -> str:
        if self.value is None:
            return self.kind
        shown = {"standardisation_gap": f"{self.value:+.2f}", "method_break": f"{int(self.value)}", "overdispersion": f"{self.value:.2f}"}
        return f"{self.kind}:{shown.get(self.kind, f'{self.value:.3f}')}"


@dataclass(frozen=True)
class QualityProblem:
    """Why a year has no status: a data-quality rule broken (found against its limit), or a year
    with nothing to judge (`baseline_year`, `before_baseline`, `no_measurement_since`: `found` is
    the baseline year)."""

    rule: str
    found: float
    limit: float | None = None

    def code(self) -> str:
        if self.limit is None:
            return f"{self.rule}:{int(self.found)}"
        if self.rule in ("min_denominator", "min_clusters"):
            return f"{self.rule}:{int(self.found)}<{int(self.limit)}"
        sign = "<" if self.rule.startswith("min_") else ">"
        return f"{self.rule}:{self.found:.3f}{sign}{self.limit}"


@dataclass(frozen=True)
class Verdict:
    """Where a target stands and how sure that is (calc/verdict.py)."""

    status: str
    certainty: str | None
    reason: str
    p_goal_met: float | None
    p_on_track: float | None
    watch: bool
    source_kind: str
    # why it is watched (assessment.watch_reasons): beyond_chance, half_margin
    watch_reasons: tuple[str, ...] = ()


def codes(records) -> str:
    """Records as the assessment table's codes: 'a:1;b:2'."""
    return SEPARATOR.join(r.code() for r in records)


def _parts(text) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    return [part for part in str(text).split(SEPARATOR) if part]


def caveats_of(row) -> tuple[Caveat, ...]:
    """The caveats of an assessment row, as records."""
    out = []
    for part in _parts(row.get("caveats")):
        kind, _, value = part.partition(":")
        out.append(Caveat(kind, float(value) if value else None))
    return tuple(out)


def problems_of(row) -> tuple[QualityProblem, ...]:
    """The data-quality problems of an assessment row (`data_quality`), as records."""
    out = []
    for part in _parts(row.get("data_quality")):
        rule, _, detail = part.partition(":")
        for sign in ("<", ">"):
            if sign in detail:
                found, limit = detail.split(sign, 1)
                out.append(QualityProblem(rule, float(found), float(limit)))
                break
        else:
            out.append(QualityProblem(rule, float(detail) if detail else float("nan")))
    return tuple(out)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def verdict_of(row) -> Verdict:
    """The verdict of an assessment row, as a record."""
    certainty = row.get("certainty")
    return Verdict(
        status=str(row["status"]),
        certainty=None if certainty is None or pd.isna(certainty) else str(certainty),
        reason=str(row.get("verdict_reason") or ""),
        p_goal_met=_number(row.get("p_goal_met")),
        p_on_track=_number(row.get("p_on_track")),
        watch=bool(row.get("watch")) if pd.notna(row.get("watch")) else False,
        source_kind=str(row.get("source_kind") or ""),
        watch_reasons=tuple(_parts(row.get("watch_reason"))),
    )


def excluded_years_of(row) -> tuple[int, ...]:
    """The measured years a row's trend and projection leave out (a data-quality rule fails)."""
    return tuple(int(part) for part in _parts(row.get("excluded_years")) if part.strip().isdigit())


def has_problem(row, rule: str) -> bool:
    """Whether the row's data-quality problems include `rule` (e.g. baseline_year)."""
    return any(p.rule == rule for p in problems_of(row))
