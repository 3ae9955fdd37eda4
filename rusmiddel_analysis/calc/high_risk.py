"""High-risk groups, as the committee asked after the midterm status: pupils who combine risk behaviours.

The school survey's yes/no behaviours (the strategy's `settings.high_risk.behaviours`, by default
smoking, alcohol, hash and other drugs) are looked at together, among the pupils who answered
every one of them in a year:

- `co_occurrence`: for each ordered pair (exposure, outcome), the risk of the outcome among pupils
  who have and who have not tried the exposure, their difference, the relative risk with its
  Katz interval and the odds ratio with its Woolf interval (`relative_risk`, `odds_ratio`);
- `behaviour_counts`: the share of pupils with 0, 1, 2, ... of the behaviours, with Wilson intervals;
- `early_debut`: the share who have tried each behaviour in the youngest grades
  (`settings.high_risk.early_grades`).

Every cell is disclosure-controlled with the strategy's rules (a pair whose 2x2 table has a cell
of 1 to min_cell - 1 pupils, or a group under min_group_size, is hidden whole), and nothing is
ever broken down by school. docs/methodology.md, section 8, gives each formula and its source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats
from rusmiddel_analysis.calc.disclosure import Rules, hidden, primary_suppression

__all__ = ["relative_risk", "odds_ratio", "co_occurrence", "behaviour_counts", "early_debut", "CO_OCCURRENCE_COLUMNS"]

CO_OCCURRENCE_COLUMNS = [
    "year",
    "exposure",
    "outcome",
    "exposed_n",
    "exposed_cases",
    "unexposed_n",
    "unexposed_cases",
    "risk_exposed",
    "risk_unexposed",
    "risk_difference",
    "relative_risk",
    "rr_low",
    "rr_high",
    "odds_ratio",
    "or_low",
    "or_high",
]


def _two_by_two(a, n1, c, n0) -> tuple[np.ndarray, ...]:
    a, n1, c, n0 = (np.asarray(v, dtype=float) for v in (a, n1, c, n0))
    if a.shape != n1.shape or c.shape != n0.shape or a.shape != c.shape:
        raise ValueError("a, n1, c and n0 must have the same shape")
    if ((a < 0) | (c < 0) | (a > n1) | (c > n0)).any():
        raise ValueError("needs 0 <= cases <= group size in both groups")
    return a, n1, c, n0


def relative_risk(a, n1, c, n0, confidence: float = stats.CONFIDENCE):
    """The relative risk a/n1 ÷ c/n0 with Katz's log interval: (rr, low, high).

        RR = (a / n1) / (c / n0)
        se(log RR) = √(1/a − 1/n1 + 1/c − 1/n0)
        low, high = exp(log RR ∓ z · se)

    Katz, Baptista, Azen & Pike (1978), Biometrics 34:469-474; the interval of statsmodels'
    `Table2x2.riskratio_confint` and Rothman, Greenland & Lash (2008), ch. 14. NaN where a or c is
    0 (the log is undefined; such a pair is hidden by disclosure control anyway).
    """
    a, n1, c, n0 = _two_by_two(a, n1, c, n0)
    z = stats._normal_quantile(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (a / n1) / (c / n0)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
        defined = (a > 0) & (c > 0) & (n1 > 0) & (n0 > 0)
        low, high = rr * np.exp(-z * se), rr * np.exp(z * se)
    return tuple(np.where(defined, v, np.nan) for v in (rr, low, high))


def odds_ratio(a, n1, c, n0, confidence: float = stats.CONFIDENCE):
    """The odds ratio with Woolf's log interval: (or, low, high).

        OR = a d / (b c),  b = n1 − a, d = n0 − c
        se(log OR) = √(1/a + 1/b + 1/c + 1/d)

    Woolf (1955), Ann. Hum. Genet. 19:251-253. Reported beside the relative risk for comparison
    with case-control studies; for a common outcome in a survey the relative risk is the measure a
    reader means (the odds ratio overstates it), so the pages use the relative risk
    (docs/methodology.md, section 8). NaN where a cell is 0.
    """
    a, n1, c, n0 = _two_by_two(a, n1, c, n0)
    b, d = n1 - a, n0 - c
    z = stats._normal_quantile(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = a * d / (b * c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        defined = (a > 0) & (b > 0) & (c > 0) & (d > 0)
        low, high = value * np.exp(-z * se), value * np.exp(z * se)
    return tuple(np.where(defined, v, np.nan) for v in (value, low, high))


def _answered_all(frame: pd.DataFrame, behaviours: list[str]) -> pd.DataFrame:
    """Pupils who answered every behaviour, as 0/1 columns, with their year (and grade, gender)."""
    present = [b for b in behaviours if b in frame.columns]
    complete = frame[present].notna().all(axis=1)
    out = frame.loc[complete, [c for c in ("year", "grade", "gender") if c in frame.columns]].copy()
    for b in present:
        out[b] = frame.loc[complete, b].astype(bool).astype(int)
    return out


def co_occurrence(frame: pd.DataFrame, behaviours: list[str], rules: Rules, confidence: float = stats.CONFIDENCE) -> pd.DataFrame:
    """One row per year and ordered pair of behaviours (columns CO_OCCURRENCE_COLUMNS), hidden whole
    when its 2x2 table breaks a disclosure rule."""
    pupils = _answered_all(frame, behaviours)
    rows = []
    for year, group in pupils.groupby("year", sort=True):
        for exposure in behaviours:
            for outcome in (b for b in behaviours if b != exposure):
                exposed = group[exposure] == 1
                rows.append(
                    {
                        "year": int(year),
                        "exposure": exposure,
                        "outcome": outcome,
                        "exposed_n": int(exposed.sum()),
                        "exposed_cases": int(group.loc[exposed, outcome].sum()),
                        "unexposed_n": int((~exposed).sum()),
                        "unexposed_cases": int(group.loc[~exposed, outcome].sum()),
                    }
                )
    table = pd.DataFrame(rows, columns=CO_OCCURRENCE_COLUMNS[:7])
    return _measures(table, rules, confidence)


def _measures(table: pd.DataFrame, rules: Rules, confidence: float) -> pd.DataFrame:
    a, n1, c, n0 = (table[k].to_numpy(float) for k in ("exposed_cases", "exposed_n", "unexposed_cases", "unexposed_n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["risk_exposed"], table["risk_unexposed"] = 100 * a / n1, 100 * c / n0
    table["risk_difference"] = table["risk_exposed"] - table["risk_unexposed"]
    table["relative_risk"], table["rr_low"], table["rr_high"] = relative_risk(a, n1, c, n0, confidence)
    table["odds_ratio"], table["or_low"], table["or_high"] = odds_ratio(a, n1, c, n0, confidence)
    # each of the four cells of the 2x2 table is a count of pupils: a small one hides the pair
    unsafe = (primary_suppression(a, n1, True, rules) != "") | (primary_suppression(c, n0, True, rules) != "")
    table.loc[unsafe, CO_OCCURRENCE_COLUMNS[3:]] = np.nan
    table["suppressed"] = unsafe
    return table


def behaviour_counts(frame: pd.DataFrame, behaviours: list[str], rules: Rules, by: str | None = None, confidence: float = stats.CONFIDENCE):
    """Per year (and group of `by`: grade or gender): pupils with 0, 1, ..., k behaviours, the share
    (percent) with its Wilson interval. A share whose count breaks a rule is hidden."""
    pupils = _answered_all(frame, behaviours)
    pupils["behaviours"] = pupils[[b for b in behaviours if b in pupils.columns]].sum(axis=1)
    keys = ["year"] + ([by] if by else [])
    counts = pupils.groupby([*keys, "behaviours"], observed=True).size().rename("numerator").reset_index()
    full = pd.MultiIndex.from_product([sorted(pupils[k].dropna().unique()) for k in keys] + [range(len(behaviours) + 1)], names=[*keys, "behaviours"])
    counts = counts.set_index([*keys, "behaviours"]).reindex(full, fill_value=0).reset_index()
    counts["denominator"] = counts.groupby(keys)["numerator"].transform("sum")
    counts = counts[counts["denominator"] > 0].copy()
    low, high = stats.proportion_ci(counts["numerator"], counts["denominator"], confidence)
    counts["value"], counts["ci_low"], counts["ci_high"] = 100 * counts["numerator"] / counts["denominator"], 100 * low, 100 * high
    unsafe = hidden(counts["numerator"], counts["denominator"], "percent", rules)
    counts.loc[unsafe, ["numerator", "value", "ci_low", "ci_high"]] = np.nan
    return counts.assign(suppressed=unsafe).reset_index(drop=True)


def early_debut(frame: pd.DataFrame, behaviours: list[str], early_grades: list[int], rules: Rules, confidence: float = stats.CONFIDENCE):
    """Per year and behaviour: the share of pupils in the early grades who have tried it (percent)."""
    young = frame[frame["grade"].isin(early_grades)] if "grade" in frame.columns else frame.iloc[0:0]
    rows = []
    for year, group in young.groupby("year", sort=True):
        for b in behaviours:
            answered = group[b].dropna().astype(bool)
            rows.append({"year": int(year), "behaviour": b, "numerator": int(answered.sum()), "denominator": int(len(answered))})
    table = pd.DataFrame(rows, columns=["year", "behaviour", "numerator", "denominator"])
    some = table["denominator"] > 0
    table[["value", "ci_low", "ci_high"]] = np.nan
    if some.any():
        x, n = table.loc[some, "numerator"], table.loc[some, "denominator"]
        low, high = stats.proportion_ci(x, n, confidence)
        table.loc[some, ["value", "ci_low", "ci_high"]] = np.column_stack([100 * x / n, 100 * low, 100 * high])
    unsafe = hidden(table["numerator"], table["denominator"], "percent", rules)
    table.loc[unsafe, ["numerator", "value", "ci_low", "ci_high"]] = np.nan
    return table.assign(suppressed=unsafe)
