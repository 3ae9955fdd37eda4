"""The demo profile for any strategy: its years, and its targets' baselines as the synthetic truth.

`profile.yaml` is the hand-tuned truth for the packaged strategy. Another strategy file (another
municipality, another period) gets a profile derived from it: the same survey and register
shapes (sizes, gradients, schools and institutions that differ), over the strategy's own years,
with each share target's column calibrated so that its baseline year reproduces the strategy's
baseline value among those who answered, and later years move towards the goal at a pace that
differs from target to target (so the demo shows a mix of statuses). The count target starts at
its baseline and grows towards its goal. Columns no target names keep the packaged profile's
first-year value. The comparators (other areas' figures) follow each target's path at paces of
their own, so some move as the municipality does and some do not. NOT real data.
"""

from __future__ import annotations

import copy

import numpy as np

from rusmiddel_analysis.ingest.schemas import EPISODES

# how far along the required path each target gets by the target year, in the strategy's order
PACES = (1.15, 0.75, 0.35, -0.3, 1.0, 0.55)
# the youth survey's frequency codes that count as drinking regularly (the profile draws them)
REGULAR_CODES = frozenset({"weekly", "several_times_weekly", "daily"})


def success_path(target, years, pace: float) -> dict[int, float]:
    """The target's value each year: its baseline up to the baseline year, then a straight line
    that reaches `pace` of the way to the goal by the target year (a maintain target drifts by
    `pace` points)."""
    span = max(target.target_year - target.baseline_year, 1)
    if target.kind == "maintain":  # drifts `pace` points the wrong way (a negative pace: the right way)
        move = -pace * (1 if target.higher_is_better else -1)
    else:
        move = pace * (target.target_value - target.baseline_value)
    high = 99.5 if target.is_share else np.inf
    return {y: round(float(np.clip(target.baseline_value + move * max(y - target.baseline_year, 0) / span, 0.5, high)), 1) for y in years}


def _yes_share(target, path: dict[int, float]) -> dict[int, float] | None:
    """The share answering yes (true) each year on the target's yes/no column, or None."""
    ((kind, operand),) = target.indicator["success"].items()
    if kind != "equals" or not isinstance(operand, bool):
        return None
    return {y: (v if operand else round(100 - v, 1)) for y, v in path.items()}


def _not_regular_share(strategy, target, path: dict[int, float]) -> dict[int, float] | None:
    """The share not drinking regularly each year, when the success rule is about drinking regularly."""
    ((kind, operand),) = target.indicator["success"].items()
    codes = set(strategy.code_set(operand)) if kind in ("in", "not_in") else set()
    if codes != REGULAR_CODES:
        return None
    return {y: (v if kind == "not_in" else round(100 - v, 1)) for y, v in path.items()}


def _flat_truth(profile: dict) -> None:
    """Every survey column and treatment figure flat at the packaged profile's first value; the
    targets' types then put their paths in (`share_truth`, `treatment_success_truth`,
    `persons_starting_truth`)."""
    school, youth, cfg, years = profile["skole"], profile["ungdom"], profile["behandling"], profile["years"]
    for table in (school["share_not"], school["share_yes"], youth["share_not"]):
        for column, values in table.items():
            table[column] = dict.fromkeys(years, next(iter(values.values())))
    youth["share_not_regular"] = dict.fromkeys(youth["survey_years"], next(iter(youth["share_not_regular"].values())))
    for substance, shares in cfg["success_share"].items():
        cfg["success_share"][substance] = dict.fromkeys(years, next(iter(shares.values())))
    first_count = next(iter(cfg["persons_starting"].values()))
    cfg["persons_starting"] = {years[0] - 1: first_count, **dict.fromkeys(years, first_count)}


def share_truth(profile: dict, strategy, target, pace: float) -> None:
    """A share target's column calibrated to its path in the survey it names (a column the demo
    surveys do not draw is left alone)."""
    school, youth = profile["skole"], profile["ungdom"]
    column = target.indicator["column"]
    survey = school if target.source == "ungeprofil_skole" else youth
    years = profile["years"] if survey is school else youth["survey_years"]
    path = success_path(target, years, pace)
    yes = _yes_share(target, path)
    if yes is not None and column in survey.get("share_yes", {}):
        survey["share_yes"][column] = yes
    elif yes is not None and column in survey["share_not"]:
        survey["share_not"][column] = {y: round(100 - v, 1) for y, v in yes.items()}
    elif column == "alcohol_frequency":
        not_regular = _not_regular_share(strategy, target, path)
        if not_regular is not None:
            youth["share_not_regular"] = not_regular


def treatment_success_truth(profile: dict, target, pace: float) -> None:
    """The success share of the target's substance along its path."""
    profile["behandling"]["success_share"][target.indicator["substance"]] = success_path(target, profile["years"], pace)


def persons_starting_truth(profile: dict, target, pace: float) -> None:
    """The persons starting treatment along the target's path (a year before it a little fewer, so
    that some citizens return), when the target counts the treatment register."""
    if target.source != EPISODES:
        return
    years = profile["years"]
    path = success_path(target, years, pace)
    profile["behandling"]["persons_starting"] = {years[0] - 1: int(round(path[years[0]] * 0.98)), **{y: int(round(v)) for y, v in path.items()}}


def _follow_up_story(profile: dict) -> None:
    """The profile's story of the follow-up, kept to its last years: calls that reach enough only at the end."""
    cfg, years = profile["behandling"], profile["years"]
    contact, caller = list(cfg["follow_up_contact"].values()), list(cfg["follow_up_caller"].values())
    cfg["follow_up_contact"] = {y: contact[max(len(contact) - len(years) + i, 0)] for i, y in enumerate(years)}
    cfg["follow_up_caller"] = {y: caller[max(len(caller) - len(years) + i, 0)] for i, y in enumerate(years)}
    cfg["data_end"] = f"{years[-1]}-12-31"


def _comparators(profile: dict, strategy) -> None:
    """Each target's comparator figures for every area of the profile: a share moves along the
    target's own required path at its derived pace (some as the municipality's, some not), shifted
    by the area's offset; a count is the area's multiple of the baseline and grows each year."""
    block = profile["sammenligning"]
    paces = block["derived_paces"]
    youth_years = profile["ungdom"]["survey_years"]
    figures: dict[str, dict] = {}
    for name, area in block["areas"].items():
        figures[name] = {}
        for i, target in enumerate(strategy.targets):
            years = youth_years if target.source == "ungeprofil_ungdom" else profile["years"]
            if target.is_share:
                path = success_path(target, years, paces[i % len(paces)])
                figures[name][target.id] = {y: round(float(np.clip(v + area["offset_points"], 0.5, 99.5)), 1) for y, v in path.items()}
            else:
                growth = (1 + block["derived_count_growth"]) ** np.arange(len(years))
                start = target.baseline_value * area["count_scale"]
                figures[name][target.id] = {y: int(round(start * g)) for y, g in zip(years, growth, strict=True)}
    block["figures"] = figures


def profile_for(strategy, base: dict) -> dict:
    """The packaged profile when `strategy` is the one it was tuned for; otherwise one derived from
    the strategy's years and targets (module docstring)."""
    if base.get("strategy") == strategy.id and base["years"] == list(strategy.years):
        return base
    profile = copy.deepcopy(base)
    years = list(strategy.years)
    profile["years"] = years
    # the youth survey runs every other year, ending in the last year of the period
    profile["ungdom"]["survey_years"] = [y for y in years if (years[-1] - y) % 2 == 0]
    paces = {t.id: PACES[i % len(PACES)] for i, t in enumerate(strategy.targets)}
    profile["skole"]["grade_mix"] = {"default": base["skole"]["grade_mix"]["default"]}
    _flat_truth(profile)
    for target in strategy.targets:  # each type puts its target's path where the demo draws it
        target.indicator_type.calibrate_demo(profile, strategy, target, paces[target.id])
    _follow_up_story(profile)
    # the institutions joining late join in the last survey year
    for institution in profile["ungdom"]["institutions"]:
        if "from_year" in institution:
            institution["from_year"] = profile["ungdom"]["survey_years"][-1]
    first_population = next(iter(base["befolkning"].values()))
    profile["befolkning"] = {y: int(round(first_population * 1.01**i)) for i, y in enumerate([years[0] - 1, *years])}
    _comparators(profile, strategy)
    profile.pop("strategy", None)
    return profile
