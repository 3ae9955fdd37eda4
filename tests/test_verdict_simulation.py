"""A seeded simulation of the verdict scheme: how often is a status wrong, and how sure does it say it is.

Surveys are drawn as the surveys are sampled: whole schools (institutions) answer, each school's
share drawn from a beta distribution around the truth whose spread gives the design effect
(intra-class correlation (deff − 1)/(m − 1) for schools of m answers), and the answers of a school
binomial around its share. Each draw then goes through the same code as the reports: the
ultimate-cluster variance from the schools' sums, the effective n, Korn & Graubard's degrees of
freedom (`stats.degrees_of_freedom_n`), the Wilson interval and `assessment.judge_rows`. A register
counts everyone, so its status is exact by construction; what is simulated for it is whether the
change from the baseline is called larger than normal year-to-year variation: both years drawn
(binomial or Poisson, the baseline year around the baseline, the measured year around the truth)
and compared with the two-sample test the reports use.

For every case, year and truth the table in docs/methodology.md (section 3.5) reports: how often
the status is the one the truth itself has (`right`), how often it is wrong *and* said to be
certain (`certain_wrong`), how often it is uncertain, and for a register how often its change is
called beyond normal variation. A truth that sits exactly on the line a status depends on (the goal,
the on-track level, the level minus the margin) counts as meeting it. Run this file as a script to
print the table in the methodology's form: `.venv/bin/python -m tests.test_verdict_simulation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import yaml

from rusmiddel_analysis.calc import progress, stats, verdict
from rusmiddel_analysis.calc.assessment import judge_rows
from rusmiddel_analysis.config.strategy import DEFAULT_STRATEGY, load_strategy

DRAWS = 4000
SEED = 2016
AT_OR_PAST = verdict.AT_OR_PAST


@dataclass(frozen=True)
class Case:
    label: str
    target_id: str
    kind: str  # survey or register
    sizes: tuple[int, ...] = ()  # answers at each school (institution) of a survey
    deff: float = 1.0  # the design effect the schools' spread gives
    n: int | None = None  # a register's denominator (None: a count)


# the demo's 2017 surveys (seed 2016): pupils at each of 48 schools, students at each of 12 institutions
SCHOOL_SIZES = (59, 61, 66, 67, 72, 79, 91, 102, 105, 105, 118, 120, 124, 127, 128, 129, 130, 138, 139, 154, 155, 160, 171, 172)
SCHOOL_SIZES += (174, 177, 179, 194, 196, 204, 208, 215, 216, 217, 223, 234, 241, 256, 260, 284, 288, 302, 310, 327, 349, 357, 381, 436)
YOUTH_SIZES = (193, 285, 295, 456, 481, 487, 559, 564, 615, 616, 716, 733)

CASES = [
    Case("9,000 pupils at 48 schools of 59-436, deff 2.5 (reach)", "skole_alkohol", "survey", SCHOOL_SIZES, 2.5),
    Case("9,000 pupils at 48 schools of 59-436, deff 2.5 (100 % goal)", "skole_stoffer", "survey", SCHOOL_SIZES, 2.5),
    Case("6,000 students at 12 institutions of 193-733, deff 5 (maintain)", "ungdom_hash", "survey", YOUTH_SIZES, 5.0),
    Case("2,000 students at 12 institutions of 167, deff 5 (maintain)", "ungdom_hash", "survey", (167,) * 12, 5.0),
    Case("360 treatments, register (at least)", "behandling_alkohol_effekt", "register", n=360),
    Case("count of 611, register (reach)", "behandling_antal", "register"),
]


def truths(strategy, target, year: int) -> dict[str, float]:
    """The truths a case is drawn around: on the lines a status depends on (a hair on the side that
    meets them, so rounding cannot move a truth across), and clearly either side."""
    hair = 1e-9 if target.higher_is_better else -1e-9
    on_line = _truths(strategy, target, year)
    return {name: value + (hair if name.startswith("at the") else 0.0) for name, value in on_line.items()}


def _truths(strategy, target, year: int) -> dict[str, float]:
    b, goal = target.baseline_value, target.target_value
    if target.kind == "maintain":
        delta = strategy.settings.maintain_margin_points if target.is_share else strategy.settings.maintain_margin_relative * b
        return {"unchanged": b, "half the margin worse": b - delta / 2, "at the margin": b - delta, "twice the margin worse": b - 2 * delta}
    compound = bool(progress.compound_scale(target.is_share, b, goal))
    scale = verdict.judging_scale(b, b, b, b, goal, target.higher_is_better, target.is_share, strategy.settings.extreme_goal_tolerance)
    effective = float(verdict.from_judging_scale(scale.target, scale, goal)[()])
    if year >= target.target_year:
        step = (effective - b) / 4
        return {"baseline": b, "short of the goal": effective - step, "at the goal": effective, "past the goal": effective + step}
    level = lambda ratio: float(progress.level_at_ratio(target.baseline_year, b, year, target.target_year, effective, ratio, compound))
    return {"baseline": b, "at the on-track level": level(0.95), "required path": level(1.0), "twice the required pace": level(2.0)}


def school_shares(case: Case, truth: float, rng, draws: int = DRAWS) -> np.ndarray:
    """Each school's own share in each draw (draws x schools): beta around the truth with the
    intra-class correlation that gives the case's design effect, ICC = (deff − 1)/(Σm²/Σm − 1)
    (Kish 1965, 5.4, with the size-weighted mean cluster size for unequal schools)."""
    m = np.asarray(case.sizes, dtype=float)
    icc = (case.deff - 1) / ((m * m).sum() / m.sum() - 1)
    kappa = 1 / icc - 1  # beta(p kappa, (1 - p) kappa): ICC = 1 / (kappa + 1)
    p = truth / 100
    return rng.beta(p * kappa, (1 - p) * kappa, size=(draws, len(m)))


def estimated(case: Case, x: np.ndarray) -> pd.DataFrame:
    """Each draw's share, effective n, Korn & Graubard's degrees of freedom and Wilson interval from
    its schools' counts `x` (draws x schools), as `survey_indicators.design_shares` computes them."""
    m = np.asarray(case.sizes, dtype=float)
    answers, c = m.sum(), len(m)
    share = x.sum(axis=1) / answers
    z = (x - share[:, None] * m) / answers
    variance = c / (c - 1) * (z**2).sum(axis=1)
    n_eff = np.where(variance > 0, np.minimum(answers, share * (1 - share) / np.where(variance > 0, variance, 1)), answers)
    n_df = stats.degrees_of_freedom_n(n_eff, c - 1)
    low, high = stats.proportion_ci(share * n_df, n_df)
    estimate = {"value": 100 * share, "ci_low": 100 * low, "ci_high": 100 * high}
    return pd.DataFrame({**estimate, "effective_n": n_eff, "design_df": c - 1.0, "denominator": answers})


def _survey_draws(case: Case, truth: float, rng) -> pd.DataFrame:
    """DRAWS surveys of a truth (percent): whole schools answer, each school's answers binomial around
    its own share, estimated as the reports estimate them."""
    x = rng.binomial(np.asarray(case.sizes), school_shares(case, truth, rng)).astype(float)
    return estimated(case, x)


def _register_draws(case: Case, target, truth: float, rng) -> pd.DataFrame:
    """DRAWS pairs of register years, the baseline year around the baseline and the measured year
    around the truth, with the interval and the change test the reports use (both years vary)."""
    if case.n is None:
        base, counts = rng.poisson(target.baseline_value, DRAWS).astype(float), rng.poisson(truth, DRAWS).astype(float)
        low, high = stats.count_ci(counts)
        _, p = stats.two_count_test(counts, base)
        estimate = {"value": counts, "ci_low": low, "ci_high": high}
        return pd.DataFrame({**estimate, "effective_n": np.nan, "design_df": np.nan, "denominator": np.nan, "p": p})
    base, x = rng.binomial(case.n, target.baseline_value / 100, DRAWS).astype(float), rng.binomial(case.n, truth / 100, DRAWS).astype(float)
    low, high = stats.proportion_ci(x, case.n)
    _, p = stats.two_proportion_test(x, case.n, base, case.n)
    estimate = {"value": 100 * x / case.n, "ci_low": 100 * low, "ci_high": 100 * high}
    return pd.DataFrame({**estimate, "effective_n": case.n, "design_df": np.nan, "denominator": case.n, "p": p})


def judged(strategy, target, case: Case, draws: pd.DataFrame, year: int) -> pd.DataFrame:
    """The draws judged exactly as `assess` judges a measured row."""
    frame = draws.assign(
        target_id=target.id,
        kind=target.kind,
        unit=target.unit,
        baseline_value=target.baseline_value,
        target_value=target.target_value,
        baseline_year=target.baseline_year,
        measured_year=year,
        target_year=target.target_year,
        source_kind=case.kind,
    )
    return judge_rows(strategy, frame)


def contradicted(strategy, target, judged_rows: pd.DataFrame, truth: float, year: int) -> np.ndarray:
    """Where a status claims what the truth contradicts, on the question its certainty answers: the
    goal met or not; on pace or behind it (every pace status, deterioration included); held within
    the margin or not. A truth on the line counts as meeting it."""
    settings = strategy.settings
    b, goal = target.baseline_value, target.target_value
    scale = verdict.judging_scale(truth, truth, truth, b, goal, target.higher_is_better, target.is_share, settings.extreme_goal_tolerance)
    compound = progress.compound_scale(target.is_share, scale.baseline, scale.target)
    level = np.nan
    if target.kind != "maintain":
        level = verdict.on_track_level(scale, target.baseline_year, year, target.target_year, settings.progress_thresholds, compound)
    margin = verdict.maintain_margin(target.unit, goal, settings)
    status = judged_rows["status"].to_numpy(dtype=object)
    reference = verdict.reference(status, scale, level, margin)
    true = verdict.oriented(scale, scale.value)
    return np.where(np.isin(status, AT_OR_PAST), true < reference - 1e-9, true >= reference - 1e-9)


def truth_status(strategy, target, truth: float, year: int) -> str:
    """The status the truth itself has (its interval of no width)."""
    row = pd.DataFrame({"value": [truth], "ci_low": [truth], "ci_high": [truth]}).assign(effective_n=np.nan, design_df=np.nan, denominator=np.nan)
    return judged(strategy, target, Case("truth", target.id, "register"), row, year)["status"].iloc[0]


def draws_of(strategy, case: Case, truth: float, year: int, rng) -> pd.DataFrame:
    target = strategy.target(case.target_id)
    draws = _survey_draws(case, truth, rng) if case.kind == "survey" else _register_draws(case, target, truth, rng)
    return judged(strategy, target, case, draws, year).assign(p=draws.get("p", np.nan))


def rates(seed: int = SEED) -> pd.DataFrame:
    """One row per case, year and truth: the rates the methodology reports."""
    strategy = load_strategy()
    rng = np.random.default_rng(seed)
    rows = []
    for case in CASES:
        target = strategy.target(case.target_id)
        for year in (2017, target.target_year):
            for name, truth in truths(strategy, target, year).items():
                result = draws_of(strategy, case, truth, year, rng)
                expected = truth_status(strategy, target, truth, year)
                register = case.kind == "register"
                certain = (result["certainty"] == "certain").to_numpy()
                wrong = contradicted(strategy, target, result, truth, year) & certain
                survey = {
                    "right": (result["status"] == expected).mean(),
                    "certain_wrong": wrong.mean(),
                    "certain_other": (certain & (result["status"] != expected).to_numpy()).mean(),
                    "uncertain": (result["certainty"] == "uncertain").mean(),
                }
                beyond = (result["p"] < 1 - strategy.settings.change_confidence).mean()
                shown = {k: np.nan for k in survey} | {"beyond_variation": beyond} if register else survey | {"beyond_variation": np.nan}
                rows.append({"case": case.label, "year": year, "truth": name, "truth_status": expected, **shown})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as docs/methodology.md section 3.5 shows it (scripts/methodology.py writes it there)."""
    shown = lambda v: "–" if np.isnan(v) else f"{100 * v:.1f}"
    lines = [
        "| case | year | truth | its status | right | certain and wrong | certain, another status | uncertain | beyond normal variation |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in table.itertuples():
        values = " | ".join(shown(getattr(r, c)) for c in ("right", "certain_wrong", "certain_other", "uncertain", "beyond_variation"))
        lines.append(f"| {r.case} | {r.year} | {r.truth} | {r.truth_status} | {values} |")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def simulated():
    return rates()


def test_a_certain_status_is_rarely_wrong(simulated):
    """A status said to be certain is wrong in at most 5 % of draws, wherever the truth lies, on the
    line or either side of it (the interval's 2.5 % on the wrong side, less where the design is exact)."""
    worst = simulated.loc[simulated["certain_wrong"].idxmax()]
    assert simulated["certain_wrong"].max() <= 0.05, worst.to_dict()


def test_a_registers_noise_is_not_called_a_change(simulated):
    """A register's status is its count's (exact); its change from an unchanged truth is called larger
    than normal variation in at most 5 % of years (plus two standard errors of the simulation)."""
    registers = simulated[simulated["case"].str.contains("register")]
    unchanged = registers[registers["truth"] == "baseline"]
    noise = 2 * np.sqrt(0.05 * 0.95 / DRAWS)
    assert len(unchanged) == 4 and (unchanged["beyond_variation"] <= 0.05 + noise).all(), unchanged.to_dict("records")
    assert registers["right"].isna().all() and registers["uncertain"].isna().all()


def test_an_unchanged_share_is_maintained_at_the_youth_surveys_size(simulated):
    """The issue's bar: at the youth survey's size and design (the demo's 6,000 students at 12
    institutions of 193-733, design effect about 5) at least 90 % of draws of an unchanged share are
    called maintained. A survey a third that size (2,000 students, 12 x 167) at the same design effect
    has a standard error of 2.3 points and leaves about 10 % of unchanged years more than 3 points
    below, which no rule on the measurement can avoid without a wider margin (methodology 3.2): the
    table reports it, and it stays above 85 %."""
    unchanged = simulated[(simulated["case"].str.contains("maintain")) & (simulated["truth"] == "unchanged")]
    assert len(unchanged) == 4
    assert (unchanged.loc[unchanged["case"].str.startswith("6,000"), "right"] >= 0.9).all(), unchanged.to_dict("records")
    assert (unchanged.loc[unchanged["case"].str.startswith("2,000"), "right"] >= 0.85).all(), unchanged.to_dict("records")


def test_certain_covers_the_question_not_the_category(simulated):
    """A certain status answers the year's question (met, on pace, held) and is wrong on it in at most
    5 % of draws; the category among the behind statuses is the measurement's: with the truth on the
    baseline (R = 0, the line between limited progress and deterioration) about half the draws say
    "deterioration, certain" (methodology 3.1)."""
    school = simulated[simulated["case"].str.startswith("9,000 pupils") & (simulated["year"] == 2017) & (simulated["truth"] == "baseline")]
    assert (school["certain_other"] > 0.3).all() and (school["certain_wrong"] <= 0.05).all(), school.to_dict("records")


def test_clear_differences_are_called_right_at_the_school_survey_size(simulated):
    """At 9,000 pupils a truth clearly off the lines (twice the required pace; in the target year the
    baseline, a quarter of the way short of or past the goal) gets its own status in at least 95 % of draws."""
    school = simulated[simulated["case"].str.startswith("9,000 pupils")]
    clear = ((school["year"] == 2017) & (school["truth"] == "twice the required pace")) | (
        (school["year"] == 2019) & school["truth"].isin(["baseline", "short of the goal", "past the goal"])
    )
    assert clear.sum() == 8 and (school.loc[clear, "right"] >= 0.95).all(), school[clear].to_dict("records")


def test_rewording_a_goal_changes_no_draw(tmp_path):
    """Every draw of '93 -> 97 % have not tried hash' and of '7 -> 3 % have tried' (and of the 100 %
    goal and a level to keep, said the other way round) gets the same status, certainty and probabilities."""
    strategy = load_strategy()
    raw = yaml.safe_load(DEFAULT_STRATEGY.read_text(encoding="utf-8"))
    from .test_verdicts import _reworded

    ids = ["skole_hash", "skole_stoffer", "ungdom_hash"]
    _reworded(raw, ids)
    path = tmp_path / "reworded.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reworded = load_strategy(path)
    rng = np.random.default_rng(SEED)
    for target_id in ids:
        case = Case("rewording", target_id, "survey", SCHOOL_SIZES, 2.5)
        target = strategy.target(target_id)
        for year in (2017, 2019):
            for truth in truths(strategy, target, year).values():
                draws = _survey_draws(case, truth, rng)
                mirrored = draws.assign(value=100 - draws["value"], ci_low=100 - draws["ci_high"], ci_high=100 - draws["ci_low"])
                a = judged(strategy, target, case, draws, year)
                b = judged(reworded, reworded.target(target_id), case, mirrored, year)
                for column in ("status", "certainty"):
                    assert (a[column] == b[column]).all(), (target_id, year, truth, column)
                for column in ("p_goal_met", "p_on_track"):
                    assert a[column].to_numpy(float) == pytest.approx(b[column].to_numpy(float), nan_ok=True, abs=1e-9)


if __name__ == "__main__":
    print(markdown(rates()))
