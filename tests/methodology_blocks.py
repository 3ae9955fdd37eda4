"""The worked examples of docs/methodology.md, computed from the current demo and the simulation.

Each block stands between `<!-- name -->` and `<!-- /name -->` in the methodology. `blocks` computes
them all from processed demo data (seed 2016, scale 1: what `make report` makes), `render` puts them
into the document; `tests/test_methodology.py` fails when the document holds another text (a worked
example gone stale), and `python scripts/methodology.py` writes them in.
"""

from __future__ import annotations

import re

import pandas as pd

from rusmiddel_analysis.calc.results import compute_results
from rusmiddel_analysis.config.strategy import load_strategy

from . import test_design_simulation as unchanged
from .test_verdict_simulation import markdown, rates

BEHAVIOURS = ["smoking_ever", "alcohol_ever", "hash_ever", "other_drugs_ever"]


def _verdicts(results, strategy) -> str:
    """The demo's statuses in the midterm and the final year, with what decides them."""
    lines = ["| year | target | measured (interval) | status | certainty | probability |", "| --- | --- | --- | --- | --- | ---: |"]
    for year in (2017, 2019):
        for row in results.year_assessment(year).itertuples():
            target = strategy.target(row.target_id)
            unit = " %" if target.is_share else ""
            shown = f"{row.value:.1f}{unit} ({row.ci_low:.1f}-{row.ci_high:.1f})" if target.is_share else f"{row.value:.0f}"
            p = row.p_on_track if pd.notna(row.p_on_track) else row.p_goal_met
            lines.append(f"| {year} | {row.target_id} | {shown} | {row.status} | {row.certainty} | {'–' if pd.isna(p) else f'{100 * p:.0f} %'} |")
    return "\n".join(lines)


def _design(results) -> str:
    row = results.totals.query("target_id == 'skole_alkohol' and year == 2017 and group == 'all'").iloc[0]
    return (
        f"The demo's 2017 school survey: {row.denominator:,.0f} answers to the alcohol question at {row.clusters:.0f} schools "
        f"give as much certainty as about {row.effective_n:,.0f} independent ones (design effect {row.design_effect:.1f}; "
        f"{row.design_df:.0f} degrees of freedom)."
    )


def _follow_up(results) -> str:
    rows = results.follow_up.query("year == 2018 and months == 6 and substance == 'alcohol'").set_index("contacted_by")
    called = rows.drop(index=["all", "not_called"], errors="ignore")
    among_called = called["reached"].sum() / called["episodes"].sum()
    return (
        f"In the demo's 2018, 6 months after alcohol treatment, {100 * among_called:.0f} % of those called were reached, "
        f"{100 * rows.loc['all', 'contact_rate']:.0f} % of all finished treatments whose follow-up was due."
    )


def _watch(results, strategy) -> str:
    row = results.year_assessment(2017).set_index("target_id").loc["ungdom_hash"]
    end = results.year_assessment(2019).set_index("target_id").loc["ungdom_hash"]
    level = strategy.target("ungdom_hash").baseline_value
    return (
        f'In the demo\'s 2017, "Ungdomsuddannelser: ikke prøvet hash" is {row.value:.1f} % against the level of {level:.0f} % '
        f"to keep and {row.baseline_measured:.1f} % measured in 2015 (the paired change's p = {row.change_p_value:.3f}, "
        f"{row.change_p_adjusted:.3f} after Holm's correction): status {row.status}, "
        f"watched = {bool(row.watch)}{f' ({row.watch_reason})' if row.watch_reason else ''}; "
        f"in 2019 it is {end.status} ({end.value:.1f} %)."
    )


def _differencing(processed) -> str:
    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    pupils = pupils[pupils[BEHAVIOURS].notna().all(axis=1)]
    tried = pupils[BEHAVIOURS].astype(bool)
    both = tried["hash_ever"] & tried["other_drugs_ever"] & ~tried.all(axis=1)
    left = [int((both & (pupils["year"] == year)).sum()) for year in (2017, 2018, 2019)]
    return f"On the demo, the pupils with both hash and other drugs but not all four behaviours are {left[0]}, {left[1]} and {left[2]} (2017-2019)."


def _residual(results, strategy, processed) -> str:
    """The demo's residual pupils (gender "other") of 1-4 with a behaviour, what the classical rule
    hid for them, the protected years and why, and the worst-case bound of tests/test_residual.py."""
    import io

    from rusmiddel_analysis.calc.distribution import unprotected_years
    from rusmiddel_analysis.calc.indicators import compute, protected_years
    from rusmiddel_analysis.publish.tables import year_tables

    from .conftest import with_disclosure
    from .test_residual import residual_cases, worst_case_margins

    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    totals = results.totals.set_index(["target_id", "year"])
    cases = residual_cases(pupils)
    subgroups = lambda y: pd.read_csv(io.BytesIO(year_tables(strategy, results, y, "da")["subgroups.csv"]))
    files = {y: {"subgroups": subgroups(y), "totals": totals} for y, _, _ in cases}
    margins = worst_case_margins(files, pupils)
    span = lambda years: f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    protected = sorted(y for s, y in protected_years(strategy, results.data, "gender") if s == "ungeprofil_skole")
    distribution = sorted(y for _, y in unprotected_years(strategy, results.data, "gender"))
    # the classical rule: no group large enough to be spared
    classical = compute(with_disclosure(strategy, large_group=10**9), processed, by="gender", targets=sorted({t for _, t, _ in cases}))
    hid = classical[classical["group"].isin(["male", "female"]) & classical["suppressed"]]
    names = {"skole_hash": "hash", "skole_stoffer": "other drugs", "male": "the boys", "female": "the girls"}
    said = []
    for year, target_id, _ in cases:
        hidden = [names[g] for g in hid.loc[(hid["year"] == year) & (hid["target_id"] == target_id), "group"]]
        true, bound = margins[(year, target_id)]
        hidden_words = " and ".join(hidden) or "no large group"
        said.append(f"{year} {names[target_id]}: {true} had tried it, the classical rule hid {hidden_words}, the bound is {bound:.1f}")
    others = pupils[pupils["gender"] == "other"].groupby("year").size()
    return (
        f'On the demo, {others.min()}-{others.max()} pupils a year answered "other" to gender. Where 1-4 of them had tried hash or other '
        f"drugs ({'; '.join(said)}), an attacker who knew the boys' and girls' exact numbers of answers, which no file gives, could give "
        f'the "other" pupils who had tried it up to the bound (the largest value the published shares then allow; a bound under 5 is why '
        f"the boys' and girls' numbers of answers are withheld in every table, A49). The school survey's years "
        f'{span(protected)} are protected; the high-risk distribution\'s "other" row alone needs it in {span(distribution)} (cells of 1-4 pupils).'
    )


def blocks(processed) -> dict[str, str]:
    """Every generated block of the methodology, by its marker's name."""
    strategy = load_strategy()
    results = compute_results(strategy, processed)
    return {
        "simulation": markdown(rates()),
        "simulation-unchanged": unchanged.markdown(unchanged.rates()),
        "demo-verdicts": _verdicts(results, strategy),
        "demo-design": _design(results),
        "demo-follow-up": _follow_up(results),
        "demo-watch": _watch(results, strategy),
        "demo-differencing": _differencing(processed),
        "demo-residual": _residual(results, strategy, processed),
    }


def render(document: str, generated: dict[str, str]) -> str:
    """The document with each block's text between its markers."""
    for name, body in generated.items():
        pattern = re.compile(rf"(<!-- {re.escape(name)} -->\n).*?(<!-- /{re.escape(name)} -->)", re.DOTALL)
        if not pattern.search(document):
            raise KeyError(f"docs/methodology.md has no block <!-- {name} -->")
        document = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), document)
    return document
