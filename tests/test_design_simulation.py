"""A seeded simulation of the tests when nothing changes: how often an unchanged truth is called a
change, a trend or a fall to watch, and how often the interval covers the truth.

The status table (tests/test_verdict_simulation.py) judges one year; this one draws several years
of the same schools and registers with nothing changing, and runs each draw through the functions
the reports use: a survey's schools keep their own level from year to year (a school's share is
drawn once, beta around the truth with the case's design effect, and its pupils are new each year,
binomial around it: the demo's model), and the change since the first year is tested with the
schools paired (`survey.paired_change_variance`, floored by `survey.independent_change_variance`,
t on C − 1), the trend over the years with the design-based slope (`survey.linear_trend_variance`,
`stats.slope_trend_test`); a register's two years with `stats.two_count_test` (the dispersion
estimated over the years when they vary more than Poisson, read on t with k − 2) or
`stats.two_proportion_test`, its trend with `stats.count_trend_test` or `stats.trend_test`. The
watch rate of a level to keep uses each target's own change test (no Holm correction: the most
such calls there can be) and the half-margin rule (`assessment.watch_reasons`).

The table goes into docs/methodology.md section 3.5 (`python scripts/methodology.py`); run this
file as a script to print it: `.venv/bin/python -m tests.test_design_simulation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from rusmiddel_analysis.calc import stats, survey
from rusmiddel_analysis.calc.assessment import judge_rows, watch_reasons
from rusmiddel_analysis.config.strategy import load_strategy

from .test_verdict_simulation import SCHOOL_SIZES, YOUTH_SIZES, Case, estimated, school_shares

DRAWS = 4000
SEED = 2016
NOISE = 2 * np.sqrt(0.05 * 0.95 / DRAWS)  # two standard errors of a 5 % rate in DRAWS draws
LASTING = 0.7  # the correlation of a school's share between years: its level lasts, in part


@dataclass(frozen=True)
class Unchanged:
    label: str
    kind: str  # survey, count or share (a register's)
    years: int  # measured years: the first is the baseline year
    truth: float  # percent, or a count's mean
    sizes: tuple[int, ...] = ()
    deff: float = 1.0
    phi: float = 1.0  # a count's dispersion (gamma-Poisson)
    n: int = 0  # a register share's denominator
    watch_target: str | None = None  # a level to keep whose watch rate is simulated


CASES = [
    Unchanged("school survey: 48 schools of 59-436, deff 2.5", "survey", 5, 41.0, SCHOOL_SIZES, 2.5),
    Unchanged("youth survey: 12 institutions of 193-733, deff 5", "survey", 3, 68.0, YOUTH_SIZES, 5.0, watch_target="ungdom_hash"),
    Unchanged("12 institutions of 167, deff 5", "survey", 3, 68.0, (167,) * 12, 5.0, watch_target="ungdom_hash"),
    Unchanged("12 institutions of 40-400, deff 5", "survey", 3, 68.0, (40, 50, 60, 80, 100, 120, 150, 180, 220, 280, 340, 400), 5.0),
    Unchanged("count of 611 a year, Poisson", "count", 5, 611.0),
    Unchanged("count of 611 a year, dispersion 3", "count", 4, 611.0, phi=3.0),
    Unchanged("count of 611 a year, dispersion 3", "count", 5, 611.0, phi=3.0),
    Unchanged("360 treatments a year, 57 % succeed", "share", 5, 57.0, n=360),
]


def _survey_years(case: Unchanged, rng) -> np.ndarray:
    """Counts of those meeting the rule, draws x years x schools. A school's share in a year is
    λ·s_c + (1 − λ)·e_ct, its lasting level s_c and the year's own e_ct both beta around the truth, so
    the mean stays the truth, the correlation between a school's years is λ²/(λ² + (1 − λ)²) = LASTING
    and the spread between schools the case's design effect (the beta's κ widened by λ² + (1 − λ)²)."""
    lam = np.sqrt(LASTING) / (np.sqrt(LASTING) + np.sqrt(1 - LASTING))
    spread = lam**2 + (1 - lam) ** 2
    design = Case(case.label, "", "survey", case.sizes, 1 + (case.deff - 1) / spread)  # each part's own, narrower spread
    lasting = school_shares(design, case.truth, rng, DRAWS)
    shares = lam * lasting[:, None, :] + (1 - lam) * np.stack([school_shares(design, case.truth, rng, DRAWS) for _ in range(case.years)], axis=1)
    return rng.binomial(np.asarray(case.sizes), shares).astype(float)


def _survey_tests(case: Unchanged, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's p-values of the paired change (last year against the first) and of the trend."""
    m = np.asarray(case.sizes, dtype=float)
    c, k = len(m), case.years
    change, trend = np.empty(DRAWS), np.empty(DRAWS)
    codes, later = np.r_[np.arange(c), np.arange(c)], np.r_[np.zeros(c, bool), np.ones(c, bool)]
    cells, years = np.tile(np.arange(c), k), np.repeat(np.arange(k), c).astype(float)
    w = np.tile(m, k)
    for i in range(DRAWS):
        pair, sums = np.r_[x[i, 0], x[i, -1]], x[i].ravel()
        d, v, df = survey.paired_change_variance(codes, later, np.r_[m, m], pair)
        v = max(v, survey.independent_change_variance(later, np.r_[m, m], pair, np.r_[m, m], pair))
        change[i] = stats.difference_test(d, np.sqrt(v), df)[1]
        b, v, independent, df = survey.linear_trend_variance(cells, years, w, sums, w, sums)
        trend[i] = stats.slope_trend_test(b, np.sqrt(max(v, independent)), df, k).p_value
    return change, trend


def _watched(case: Unchanged, first: pd.DataFrame, last: pd.DataFrame, p_change: np.ndarray) -> float:
    """The share of draws in which an unchanged level to keep is watched (own change test, or a fall of
    more than half the margin), judged as `assess` judges it."""
    strategy = load_strategy()
    target = strategy.target(case.watch_target)
    frame = last.assign(
        target_id=target.id, kind=target.kind, unit=target.unit, baseline_value=target.baseline_value, target_value=target.target_value
    )
    frame = frame.assign(
        baseline_year=target.baseline_year, measured_year=target.baseline_year + 2, target_year=target.target_year, source_kind="survey"
    )
    judged = judge_rows(strategy, frame).assign(change_basis="baseline_data", baseline_measured=first["value"].to_numpy(), change_p_adjusted=p_change)
    return float(np.mean([bool(r) for r in watch_reasons(strategy, judged)]))


def survey_rates(case: Unchanged, rng) -> dict:
    x = _survey_years(case, rng)
    design = Case(case.label, "", "survey", case.sizes, case.deff)
    first, last = estimated(design, x[:, 0]), estimated(design, x[:, -1])
    change, trend = _survey_tests(case, x)
    covered = ((last["ci_low"] <= case.truth) & (case.truth <= last["ci_high"])).mean()
    watched = _watched(case, first, last, change) if case.watch_target else np.nan
    return dict(covered=covered, change=(change < 0.05).mean(), trend=(trend < 0.05).mean(), watched=watched)


def count_rates(case: Unchanged, rng) -> dict:
    """A register's yearly counts, Poisson or gamma-Poisson with dispersion phi around one mean."""
    mean = case.truth
    if case.phi > 1:
        shape = mean / (case.phi - 1)  # gamma-Poisson: variance mean + mean²/shape = phi · mean
        counts = rng.poisson(rng.gamma(shape, mean / shape, size=(DRAWS, case.years)))
    else:
        counts = rng.poisson(mean, size=(DRAWS, case.years))
    years = np.arange(case.years, dtype=float)
    change, trend, covered = np.empty(DRAWS), np.empty(DRAWS), np.empty(DRAWS, dtype=bool)
    for i, row in enumerate(counts.astype(float)):
        dispersion = stats.pearson_dispersion(row, years, 0.95, 4)
        change[i] = stats.two_count_test(row[-1], row[0], dispersion.used, dispersion.df)[1]
        trend[i] = stats.count_trend_test(row, years, 0.95, dispersion.used, dispersion.df).p_value
        low, high = stats.scaled_count_ci(row[-1], dispersion.used, 0.95, dispersion.df)
        covered[i] = low <= mean <= high
    return dict(covered=covered.mean(), change=(change < 0.05).mean(), trend=(trend < 0.05).mean(), watched=np.nan)


def share_rates(case: Unchanged, rng) -> dict:
    """A register's yearly shares of n outcomes, binomial around one truth."""
    x = rng.binomial(case.n, case.truth / 100, size=(DRAWS, case.years)).astype(float)
    _, change = stats.two_proportion_test(x[:, -1], case.n, x[:, 0], case.n)
    years = np.arange(case.years, dtype=float)
    trend = np.array([stats.trend_test(row, np.full(case.years, float(case.n)), years, 0.95).p_value for row in x])
    low, high = stats.proportion_ci(x[:, -1], case.n)
    covered = ((100 * low <= case.truth) & (case.truth <= 100 * high)).mean()
    return dict(covered=covered, change=(change < 0.05).mean(), trend=(trend < 0.05).mean(), watched=np.nan)


def rates(seed: int = SEED) -> pd.DataFrame:
    """One row per case: the interval's coverage and how often an unchanged truth is called a change,
    a trend or (a level to keep) a fall to watch."""
    rng = np.random.default_rng(seed)
    rows = []
    for case in CASES:
        run = {"survey": survey_rates, "count": count_rates, "share": share_rates}[case.kind]
        rows.append({"case": case.label, "years": case.years, **run(case, rng)})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as docs/methodology.md section 3.5 shows it (scripts/methodology.py writes it there)."""
    shown = lambda v: "–" if np.isnan(v) else f"{100 * v:.1f}"
    lines = [
        "| nothing changes: case | years | interval covers the truth | change called | trend called | watched |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in table.itertuples():
        lines.append(f"| {r.case} | {r.years} | {' | '.join(shown(getattr(r, c)) for c in ('covered', 'change', 'trend', 'watched'))} |")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def unchanged():
    return rates().set_index(["case", "years"])


@pytest.mark.slow
def test_the_demos_designs_hold_their_error_rates(unchanged):
    """The demo's two surveys (schools of 59-436, institutions of 193-733) and the equal-size youth
    survey: the 95 % interval covers the truth in at least 94 % of years, and an unchanged share is
    called a change (paired) or a trend (design-based) in at most 5 % (plus the simulation's noise)."""
    for case in CASES[:3]:
        row = unchanged.loc[(case.label, case.years)]
        assert row["covered"] >= 0.94 and row["change"] <= 0.05 + NOISE and row["trend"] <= 0.05 + NOISE, (case.label, row.to_dict())


@pytest.mark.slow
def test_very_unequal_clusters_are_reported_as_they_are(unchanged):
    """12 institutions of 40-400: the linearised variance with few clusters of very unequal size runs
    low (Bell & McCaffrey 2002), so coverage is about 93 % and the change and trend tests reject
    about 6 % of unchanged years (7-8 % where a school's level does not last at all); methodology 3.5
    says so rather than claiming 95 %."""
    row = unchanged.loc[(CASES[3].label, CASES[3].years)]
    assert 0.90 <= row["covered"] < 0.95 and 0.05 < row["change"] <= 0.10 and row["trend"] <= 0.10, row.to_dict()


@pytest.mark.slow  # builds its own scenario (an audit or a simulation): seconds, not milliseconds
def test_a_registers_unchanged_years_are_within_normal_variation(unchanged):
    """Both years drawn: an unchanged register is called beyond normal variation in at most 5 % of
    years (plus noise), its trend too, and its interval covers the mean, with Poisson counts and
    with shares. Overdispersed counts (phi = 3), their dispersion estimated and read on t(k - 2),
    stay within 8 % over 4 and 5 years (10-13 % on the normal), the dispersion's truncation at 1
    being what is left (methodology 2.5)."""
    for case in (CASES[4], CASES[7]):
        row = unchanged.loc[(case.label, case.years)]
        assert row["change"] <= 0.05 + NOISE and row["trend"] <= 0.05 + NOISE and row["covered"] >= 0.94, (case.label, row.to_dict())
    four, five = unchanged.loc[(CASES[5].label, 4)], unchanged.loc[(CASES[6].label, 5)]
    assert max(four["change"], four["trend"]) <= 0.08 and four["covered"] >= 0.93, four.to_dict()
    assert max(five["change"], five["trend"]) <= 0.08 and five["covered"] >= 0.94, five.to_dict()


if __name__ == "__main__":
    print(markdown(rates()))
