"""What a page should show, worked out without the library under test.

Every number here comes from the strategy file (read with yaml) and the processed data (read with
pandas), with the formulas of docs/methodology.md written out, scipy and statsmodels as the only
references. Nothing is imported from `rusmiddel_analysis.calc`, `present` or `publish`: an
expectation computed with the function that makes the page could never catch that function's
mistake. The page tests (test_report.py, test_high_risk.py, test_comparators.py, test_residual.py)
compare what a page or table shows with these.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from rusmiddel_analysis.config.paths import DEFAULT_STRATEGY

NBSP = "\u00a0"


# --- the strategy file, read as plain data -----------------------------------------------------


@cache
def strategy_file(path: Path = DEFAULT_STRATEGY) -> dict:
    """The strategy file as yaml gives it."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def entry(target_id: str) -> dict:
    """One target's block of the strategy file."""
    return next(t for t in strategy_file()["targets"] if t["id"] == target_id)


def settings() -> dict:
    return strategy_file()["settings"]


def code_set(name: str) -> list[str]:
    return strategy_file()["code_sets"][name]


# --- Danish numbers, written by hand -----------------------------------------------------------


def danish(value: float, decimals: int = 0) -> str:
    """A number as the Danish pages write it: decimal comma, thousands with a point."""
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def percent(value: float, decimals: int = 0) -> str:
    """A share on the 0-100 scale as the Danish pages write it: '41,3 %' with a no-break space."""
    return f"{danish(value, decimals)}{NBSP}%"


def interval(low: float, high: float, decimals: int = 0, unit: str = "percent") -> str:
    """'41,5-44,5 %' (a share) or '563-661' (persons); a share's interval that would round to one
    number gets a decimal more, as the page's text says ('95-95 %' is never shown)."""
    while unit == "percent" and decimals < 2 and danish(low, decimals) == danish(high, decimals) and low != high:
        decimals += 1
    text = f"{danish(low, decimals)}-{danish(high, decimals)}"
    return f"{text}{NBSP}%" if unit == "percent" else text


# --- survey shares (methodology 1, 2.1-2.3) ----------------------------------------------------


CLUSTERS = {"ungeprofil_skole": "school", "ungeprofil_ungdom": "institution"}
STANDARDISE_BY = {"ungeprofil_skole": ["grade", "gender"], "ungeprofil_ungdom": ["education_type", "gender"]}


def answers(processed: Path, target_id: str, year: int | None = None) -> pd.DataFrame:
    """The rows that answered the target's question (in `year`), with `success` as 0/1 by the
    strategy file's success rule."""
    indicator = entry(target_id)["indicator"]
    frame = pd.read_parquet(Path(processed) / f"{indicator['source']}.parquet")
    if year is not None:
        frame = frame[frame["year"] == year]
    frame = frame[frame[indicator["column"]].notna()].copy()
    column, rule = frame[indicator["column"]], indicator["success"]
    if "equals" in rule:
        success = column.astype(object) == rule["equals"]
    elif "not_in" in rule:
        success = ~column.astype(str).isin(code_set(rule["not_in"]))
    else:
        success = column.astype(str).isin(code_set(rule["in"]))
    return frame.assign(success=success.astype(int).to_numpy())


def wilson(p: float, n: float, quantile: float) -> tuple[float, float]:
    """Wilson's score interval of a share p of n (0-1 scale), methodology 2.1, with `quantile` in
    place of z (Korn & Graubard's t on the design's degrees of freedom, 2.2)."""
    q2 = quantile**2
    centre = (p + q2 / (2 * n)) / (1 + q2 / n)
    half = quantile / (1 + q2 / n) * math.sqrt(p * (1 - p) / n + q2 / (4 * n**2))
    return centre - half, centre + half


def cluster_variance(scores: pd.Series, clusters: pd.Series) -> float:
    """The ultimate-cluster variance C/(C-1) Σ_c (Σ_{i∈c} z_i)² (methodology 2.2)."""
    sums = scores.groupby(clusters.to_numpy()).sum()
    count = len(sums)
    return count / (count - 1) * float((sums**2).sum())


def two_sided(confidence: float, df: float | None = None) -> float:
    alpha = 1 - confidence
    return float(stats.norm.ppf(1 - alpha / 2) if df is None else stats.t.ppf(1 - alpha / 2, df))


def survey_share(processed: Path, target_id: str, year: int) -> dict:
    """A survey target's year as the page gives it: numerator, denominator, the crude share and its
    cluster-robust Wilson interval on C-1 degrees of freedom, clusters, effective n, design effect."""
    rows = answers(processed, target_id, year)
    cluster = rows[CLUSTERS[entry(target_id)["indicator"]["source"]]]
    n, x = len(rows), int(rows["success"].sum())
    p = x / n
    variance = cluster_variance((rows["success"] - p) / n, cluster)
    n_eff = min(n, p * (1 - p) / variance)
    clusters = cluster.nunique()
    low, high = wilson(p, n_eff, two_sided(settings()["confidence"], clusters - 1))
    return {
        "numerator": x,
        "denominator": n,
        "value": 100 * p,
        "low": 100 * low,
        "high": 100 * high,
        "clusters": clusters,
        "effective_n": n_eff,
        "design_effect": n / n_eff,
    }


def strata(rows: pd.DataFrame, source: str) -> pd.Series:
    """Each answer's stratum (a missing value is a stratum of its own)."""
    return rows[STANDARDISE_BY[source]].astype(str).agg("|".join, axis=1)


def standardised_share(processed: Path, target_id: str, year: int) -> dict:
    """The share directly standardised to the baseline year's mix of strata and its interval
    (methodology 2.3): Wilson's with n = p(1-p)/max(v, v_ind), on the design's degrees of freedom."""
    block = entry(target_id)
    source = block["indicator"]["source"]
    standard = strata(answers(processed, target_id, block["baseline"]["year"]), source).value_counts()
    rows = answers(processed, target_id, year)
    rows["stratum"] = strata(rows, source).to_numpy()
    present = standard[standard.index.isin(rows["stratum"])]
    weight = present / present.sum()
    by_stratum = rows.groupby("stratum")["success"].agg(["mean", "size"])
    p = float((weight * by_stratum["mean"].reindex(weight.index)).sum())
    a = rows["stratum"].map(weight)
    scores = a * (rows["success"] - rows["stratum"].map(by_stratum["mean"])) / rows["stratum"].map(by_stratum["size"])
    cluster = rows[CLUSTERS[source]]
    variance = max(cluster_variance(scores, cluster), float((scores**2).sum()))
    low, high = wilson(p, p * (1 - p) / variance, two_sided(settings()["confidence"], cluster.nunique() - 1))
    return {"value": 100 * p, "low": 100 * low, "high": 100 * high}


# --- the treatment register (methodology 1, 2.1, 2.5, 2.6) ------------------------------------


def treatment_outcome(processed: Path, target_id: str, year: int) -> dict:
    """Episodes of the substance ended in the year: successes among the known outcomes, the share
    and the worst-case bounds of the unknown ones (methodology 2.6)."""
    episodes = pd.read_parquet(Path(processed) / "behandling_forloeb.parquet")
    substance = entry(target_id)["indicator"]["substance"]
    ended = episodes[(episodes["substance"] == substance) & (episodes["end_date"].dt.year == year)]
    status = ended["end_status"].astype(object)
    known = status.isin(code_set("treatment_known"))
    x, n = int(status.isin(code_set("treatment_success")).sum()), int(known.sum())
    unknown = len(ended) - n
    return {
        "numerator": x,
        "denominator": n,
        "value": 100 * x / n,
        "unknown": unknown,
        "bound_low": 100 * x / (n + unknown),
        "bound_high": 100 * (x + unknown) / (n + unknown),
    }


def persons_starting(processed: Path, year: int) -> int:
    """Distinct persons with an episode starting in the year (methodology 1)."""
    episodes = pd.read_parquet(Path(processed) / "behandling_forloeb.parquet")
    return int(episodes.loc[episodes["start_date"].dt.year == year, "person_id"].nunique())


def byar(count: int, confidence: float) -> tuple[float, float]:
    """Byar's approximation to a Poisson count's interval (methodology 2.1, O >= 10)."""
    z = two_sided(confidence)
    low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    high = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return low, high


def residents(processed: Path, year: int) -> int:
    population = pd.read_parquet(Path(processed) / "befolkning.parquet").set_index("year")["residents"]
    return int(population.loc[year])


# --- the verdict (methodology 3.1-3.3) ---------------------------------------------------------


def effective_goal(block: dict) -> float:
    """The goal the verdict uses: a goal of 0 % or 100 % moved in by the tolerance (methodology 3.3)."""
    goal = block["target"]["value"]
    tolerance = settings()["extreme_goal_tolerance"]
    if block["unit"] == "percent" and goal in (0, 100):
        return goal - tolerance if goal == 100 else goal + tolerance
    return goal


def progress_level(block: dict, year: int, theta: float) -> float:
    """L_θ(y): the level at which the ratio of actual to required progress is θ (methodology 3.1)."""
    b, t = block["baseline"]["value"], effective_goal(block)
    t0, big_t = block["baseline"]["year"], block["target"]["year"]
    if block["unit"] == "percent" or b == 0 or t == 0:
        return b + theta * (t - b) * (year - t0) / (big_t - t0)
    return b * (1 + theta * ((t / b) ** (1 / (big_t - t0)) - 1)) ** (year - t0)


def progress_ratio(block: dict, value: float, year: int) -> float:
    """R, the ratio of actual to required progress (methodology 3.1)."""
    b, t = block["baseline"]["value"], effective_goal(block)
    t0, big_t = block["baseline"]["year"], block["target"]["year"]
    if block["unit"] == "percent" or b == 0 or t == 0:
        return (value - b) / ((t - b) * (year - t0) / (big_t - t0))
    return ((value / b) ** (1 / (year - t0)) - 1) / ((t / b) ** (1 / (big_t - t0)) - 1)


def status(target_id: str, value: float, year: int) -> str:
    """The status the decision tables of methodology 3.1 and 3.2 give a measurement."""
    block = entry(target_id)
    better = 1 if block["polarity"] == "higher_is_better" else -1
    if block["kind"] == "maintain":
        level = block["baseline"]["value"]
        margin = settings()["maintain_margin_points"] if block["unit"] == "percent" else settings()["maintain_margin_relative"] * level
        return "maintained" if better * (value - level) >= -margin else "worsened"
    if year >= block["target"]["year"]:
        return "achieved" if better * (value - effective_goal(block)) >= 0 else "not_achieved"
    ratio, thresholds = progress_ratio(block, value, year), settings()["progress_thresholds"]
    for name in ("on_track", "needs_acceleration", "limited_progress"):
        if ratio >= thresholds[name]:
            return name
    return "deterioration"


def measured(processed: Path, target_id: str, year: int) -> float:
    """The target's value in the year, by its indicator's type."""
    kind = entry(target_id)["indicator"]["type"]
    if kind == "share":
        return survey_share(processed, target_id, year)["value"]
    if kind == "treatment_outcome":
        return treatment_outcome(processed, target_id, year)["value"]
    return float(persons_starting(processed, year))


def statuses(processed: Path, year: int) -> dict[str, str]:
    """Every target's status in the year, in the strategy file's order (the demo has no year that
    breaks a data-quality rule in 2017 or 2019; the tests that use this say which year)."""
    return {block["id"]: status(block["id"], measured(processed, block["id"], year), year) for block in strategy_file()["targets"]}


# --- breakdowns and disclosure control (methodology 1, 7) --------------------------------------

# a breakdown's catch-all answers (methodology 7, "Residual groups"); a missing value is "unknown"
RESIDUAL = {"other", "unknown"}


def age_group(birth_year: pd.Series, year: int) -> pd.Series:
    """The strategy file's age bands of age = year - birth year; no birth year is "unknown"."""
    age = year - birth_year.astype(float)
    labels = pd.Series("unknown", index=birth_year.index, dtype=object)
    for low, high, label in settings()["age_bands"]:
        labels[(age >= low) & (age <= high)] = label
    return labels


def group_cells(processed: Path, target_id: str, year: int, by: str) -> pd.DataFrame:
    """A target's year broken down by `by` without disclosure control: numerator, denominator and
    value per group (a count's denominator is empty), counted here with pandas."""
    indicator = entry(target_id)["indicator"]
    if indicator["type"] == "share":
        rows = answers(processed, target_id, year)
    else:
        episodes = pd.read_parquet(Path(processed) / "behandling_forloeb.parquet")
        if indicator["type"] == "treatment_outcome":
            rows = episodes[(episodes["substance"] == indicator["substance"]) & (episodes["end_date"].dt.year == year)]
            status = rows["end_status"].astype(object)
            rows = rows[status.isin(code_set("treatment_known"))].assign(success=status.isin(code_set("treatment_success")).astype(int))
        else:  # each person once, in the group of the year's first episode
            rows = episodes[episodes["start_date"].dt.year == year].sort_values(["start_date", "episode_id"]).drop_duplicates("person_id")
            rows = rows.assign(success=1)
    groups = age_group(rows["birth_year"], year) if by == "age_group" else rows[by].astype(object).fillna("unknown").astype(str)
    cells = rows.groupby(groups.to_numpy())["success"].agg(numerator="sum", denominator="size")
    if indicator["type"] == "persons_starting":
        return cells.assign(denominator=np.nan, value=cells["numerator"].astype(float))
    return cells.assign(value=100 * cells["numerator"] / cells["denominator"])


def breaks_primary(numerator: float, denominator: float, health_data: bool) -> bool:
    """Methodology 7's primary rules, from the strategy file's thresholds, for a subgroup cell:
    small_count for a count (no denominator), else small_group, small_cell and all_or_none."""
    rules = settings()["disclosure"]
    if pd.isna(denominator):
        return 0 < numerator < rules["min_cell"]
    rest = denominator - numerator
    all_or_none = numerator in (0, denominator) and (
        (health_data and rules["all_or_none_health_data"]) or denominator < rules["all_or_none_min_group"]
    )
    return denominator < rules["min_group_size"] or 0 < numerator < rules["min_cell"] or 0 < rest < rules["min_cell"] or all_or_none


def distribution_cells(processed: Path, year: int, by: str) -> pd.DataFrame:
    """The high-risk distribution (pupils by number of behaviours, among those who answered all of
    the strategy file's behaviours) by `by`: one row per group, one column per number."""
    block = settings()["high_risk"]
    pupils = pd.read_parquet(Path(processed) / f"{block['source']}.parquet")
    complete = pupils[(pupils["year"] == year) & pupils[block["behaviours"]].notna().all(axis=1)]
    behaviours = complete[block["behaviours"]].astype(int).sum(axis=1)
    groups = complete[by].astype(object).fillna("unknown").astype(str)
    return pd.crosstab(groups, behaviours).reindex(columns=range(len(block["behaviours"]) + 1), fill_value=0)


def protected_line(processed: Path, source: str, year: int, by: str) -> bool:
    """Whether a survey's year by `by` is protected (methodology 7, residual groups, 3.): a residual
    cell of one of its tables (a target's breakdown, the high-risk distribution) breaks a primary
    rule and every other group has at least `large_group` answers, so none may be hidden for it.
    Then every residual group is left out and each large group's counts are withheld.
    (Written for lines whose other groups are all large, as the demo's boys and girls are.)"""
    targets = [t["id"] for t in strategy_file()["targets"] if t["indicator"]["source"] == source]
    tables = [group_cells(processed, t, year, by) for t in targets]
    large = settings()["disclosure"]["large_group"]
    if any((t.loc[~t.index.isin(RESIDUAL), "denominator"] < large).any() for t in tables):
        return False
    # several residual groups are first merged into one (methodology 7, residual groups, 1.)
    merged = [t[t.index.isin(RESIDUAL)][["numerator", "denominator"]].sum() for t in tables if t.index.isin(RESIDUAL).any()]
    breaks = any(breaks_primary(cell["numerator"], cell["denominator"], False) for cell in merged)
    if source == settings()["high_risk"]["source"] and by == "gender":  # the distribution is by grade and by gender
        distribution = distribution_cells(processed, year, by)
        residual = distribution[distribution.index.isin(RESIDUAL)].sum().to_numpy()
        breaks |= bool(((residual > 0) & (residual < settings()["disclosure"]["min_cell"])).any())
    return breaks


def used_dispersion(processed: Path, target_id: str, report_year: int) -> float:
    """The overdispersion φ a count uses (methodology 2.5, 2.9): Pearson's X²/(k-2) of a log-linear
    Poisson fit over the years from the baseline to the report year (statsmodels' GLM), when there
    are at least `min_dispersion_points` years, φ > 1 and Pearson's test rejects at `confidence`; else 1."""
    import statsmodels.api as sm

    block = entry(target_id)
    years = np.arange(block["baseline"]["year"], report_year + 1)
    if len(years) < settings()["min_dispersion_points"]:
        return 1.0
    counts = [persons_starting(processed, int(year)) for year in years]
    fit = sm.GLM(counts, sm.add_constant(years - years.mean()), family=sm.families.Poisson()).fit()
    df = len(years) - 2
    phi, p_value = fit.pearson_chi2 / df, stats.chi2.sf(fit.pearson_chi2, df)
    return float(phi) if phi > 1 and p_value < 1 - settings()["confidence"] else 1.0
