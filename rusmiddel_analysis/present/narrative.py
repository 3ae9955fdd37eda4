"""The status sentences for each target, generated from its assessment.

Every word comes from the text catalogue of the report language (text/da.yaml, text/en.yaml);
numbers are formatted by Babel (formatting.py). Nothing here decides a status: it only puts
the assessment's columns into words.
"""

from __future__ import annotations

import pandas as pd

from rusmiddel_analysis.calc import records
from rusmiddel_analysis.config.settings import StrategySettings
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import statuses
from rusmiddel_analysis.present.textcatalog import catalogue, text

# the strategy file's defaults, where a row or a caller gives no setting
DEFAULTS = StrategySettings()


def capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def lower_first(phrase: str) -> str:
    """A phrase inside a sentence: its first letter small ("Unge, der …" -> "unge, der …")."""
    return phrase[:1].lower() + phrase[1:]


def amount(target, difference: float, lang: str = "da") -> str:
    """A distance in the target's unit: '3 procentpoint' or '54 borgere' / '1 citizen'."""
    if target.unit == "percent":
        # one decimal below 10 points (1,5 procentpoint), dropped when it is 0 (4 procentpoint)
        shown = fmt.number(abs(difference), lang, decimals=0 if abs(difference) >= 9.95 else 1)
        shown = shown[:-2] if shown.endswith((",0", ".0")) else shown
        return f"{shown} {text('units.points_one' if shown == '1' else 'units.points_other', lang)}"
    n = int(round(abs(difference)))
    return f"{fmt.number(n, lang)} {text('units.persons_one' if n == 1 else 'units.persons_other', lang)}"


def _value(target, value, lang):
    """A value as the strategy writes it (whole percent, whole persons): baselines and goals."""
    return fmt.value(value, target.unit, lang)


def decimals(target) -> int:
    """Decimals of a measurement and of the levels a verdict compares it with: one for shares, none for counts.

    One decimal keeps a sentence from calling 98.2 % "unchanged at 98 %" beside a verdict that
    compares the interval with 99.0 %.
    """
    return 1 if target.is_share else 0


def measured(target, value, lang: str = "da") -> str:
    """A measurement or a level the verdict uses, to `decimals(target)`: '44,0 %', '649'."""
    return fmt.value(value, target.unit, lang, decimals(target))


def measured_interval(target, low, high, lang: str = "da") -> str:
    return fmt.interval(low, high, target.unit, lang, decimals=decimals(target))


def change_sentence(strategy, target, row, lang: str = "da") -> str:
    """'Andelen ... er steget fra 41 % i 2015 til 44,0 % i 2017 (95 %-konfidensinterval 43,0-45,0 %).'"""
    baseline, value = measured(target, target.baseline_value, lang), measured(target, row["value"], lang)
    if value == baseline:
        key = "change_same"
    else:
        key = "change_up" if row["value"] > target.baseline_value else "change_down"
    sentence = capitalise(
        text(
            f"narrative.{key}",
            lang,
            measure=target.measure(lang),
            baseline=_value(target, target.baseline_value, lang),
            baseline_year=target.baseline_year,
            value=value,
            year=int(row["measured_year"]),
        )
    )
    if row.get("source_kind") == "register":  # exact: the year-to-year variation is said in its own sentence
        return " ".join(part for part in (sentence + text("narrative.no_interval", lang), variation_sentence(target, row, lang)) if part)
    if fmt.missing(row["ci_low"]):
        return sentence + text("narrative.no_interval", lang)
    confidence = fmt.level(strategy.settings.confidence, lang)
    return sentence + text("narrative.interval", lang, confidence=confidence, interval=measured_interval(target, row["ci_low"], row["ci_high"], lang))


def target_sentence(target, lang: str = "da") -> str:
    return text(f"narrative.target_{target.kind}", lang, target_year=target.target_year, target=_value(target, target.target_value, lang))


def quality_sentence(row, lang: str = "da") -> str:
    """Why a year is insufficient_data, from its data-quality problems (calc/records.py)."""
    parts = []
    for problem in records.problems_of(row):
        found, limit = problem.found, problem.limit
        if problem.rule in ("min_contact_rate", "max_unknown_share"):
            found, limit = fmt.percent(100 * found, lang, 1), fmt.percent(100 * limit, lang)
        elif limit is not None:
            found, limit = fmt.number(found, lang), fmt.number(limit, lang)
        else:
            found = int(found)
        parts.append(text(f"narrative.quality_{problem.rule}", lang, found=found, limit=limit))
    return f"{text('narrative.quality_prefix', lang, year=int(row['year']))} {'; '.join(parts)}."


def _goal(target, row) -> float:
    """The goal a verdict is judged against: the strategy's own, or for a 0 %/100 % goal the level it
    counts as met at (settings.extreme_goal_tolerance; section 3.3 of the methodology)."""
    goal = row.get("effective_target_value")
    return target.target_value if fmt.missing(goal) else goal


def _verdict_values(target, row, lang: str) -> dict:
    """Every number a verdict sentence may quote, formatted for the reader. The goal and the gap are
    always the strategy's own; `effective` is the level a 0 %/100 % goal counts as met at."""
    value = lambda v: measured(target, v, lang) if not fmt.missing(v) else fmt.HIDDEN
    margin = row.get("maintain_margin")
    return dict(
        value=value(row["value"]) if target.is_share else amount(target, row["value"], lang),
        goal=_value(target, target.target_value, lang),
        effective=value(_goal(target, row)),
        year=int(row["measured_year"]),
        target_year=target.target_year,
        level=value(row.get("on_track_value") if target.kind != "maintain" else target.target_value),
        required=value(row.get("required_value")),
        ratio=fmt.percent(100 * row["progress_ratio"], lang) if not fmt.missing(row.get("progress_ratio")) else fmt.HIDDEN,
        gap=amount(target, target.target_value - row["value"], lang),
        baseline=_value(target, target.baseline_value, lang),
        baseline_year=target.baseline_year,
        margin=fmt.HIDDEN if fmt.missing(margin) else amount(target, margin, lang),
        limit=fmt.HIDDEN if fmt.missing(margin) else measured(target, target.target_value - (margin if target.higher_is_better else -margin), lang),
        interval=measured_interval(target, row["ci_low"], row["ci_high"], lang),
        bound=text("kind.at_least" if target.higher_is_better else "kind.at_most", lang),
    )


def _reference_key(target, row) -> str:
    """The catalogue key naming the reference a status is decided against (the goal's own or its tolerance)."""
    status = str(row["status"])
    if status in ("achieved", "not_achieved") and _goal(target, row) != target.target_value:
        return "narrative.reference.effective_goal"
    return f"narrative.reference.{status}"


def _claim(target, row) -> tuple[str, float | None]:
    """What an uncertain status's probability is about, and the probability: the goal met (the
    target year, and a level to keep), or the pace (earlier years)."""
    verdict = records.verdict_of(row)
    if target.kind == "maintain":
        return "maintained", verdict.p_goal_met
    if int(row["measured_year"]) >= target.target_year:
        return "goal", verdict.p_goal_met
    return "on_track", verdict.p_on_track


def exact_key(target) -> str:
    """The sentence for a register's exact count: the target's type's own where the catalogue has
    one (narrative.certainty.exact_<type>), else the general one."""
    own = f"narrative.certainty.exact_{target.indicator_type.name}"
    return own if own in catalogue("da") else "narrative.certainty.exact"


def certainty_sentence(target, row, lang: str = "da") -> str:
    """How sure the status is, in one sentence: a register's count is exact; a survey's status is
    statistically certain when its whole interval lies on the status's side of the reference that
    decides it, and otherwise the sentence gives the probability of the claim (calc/verdict.py)."""
    verdict = records.verdict_of(row)
    values = _verdict_values(target, row, lang)
    if verdict.certainty == "exact":
        return text(exact_key(target), lang)
    if verdict.certainty == "certain":
        reference = text(_reference_key(target, row), lang, **values)
        side = "past" if verdict.status in ("achieved", "on_track", "maintained") else "short"
        return text(f"narrative.certainty.certain_{side}", lang, reference=reference, **values)
    claim, probability = _claim(target, row)
    if probability is None:
        if verdict.source_kind == "register" and not fmt.missing(row.get("bound_low")):  # the unknown outcomes could change it
            low, high = (measured(target, row[c], lang) for c in ("bound_low", "bound_high"))
            return text("narrative.certainty.unknown_outcomes", lang, low=low, high=high)
        return ""
    shown = fmt.percent(100 * min(max(probability, 0.01), 0.99), lang)  # never "0 %" or "100 %" for an estimate
    return text("narrative.certainty.uncertain", lang, claim=text(f"narrative.claim.{claim}", lang), p=shown)


def status_sentence(target, row, lang: str = "da") -> str:
    """Where the target stands, in its first words the status ("Nået: 705 borgere mod målet på 703."),
    then how sure that is (`certainty_sentence`). The baseline year itself is the baseline."""
    if records.has_problem(row, "baseline_year"):
        return _baseline_year_sentence(target, lang)
    if row["status"] == "insufficient_data":
        return quality_sentence(row, lang)
    values = _verdict_values(target, row, lang)
    first = text(f"narrative.verdict.{row['status']}", lang, status=text(f"status.{row['status']}", lang), **values)
    return " ".join(part for part in (first, certainty_sentence(target, row, lang), _fall_inside_margin(target, row, lang)) if part)


def _tested_baseline(target, row) -> float:
    """The baseline the change test compared with: the baseline year's own estimate, or the strategy's."""
    own = row.get("change_basis") == "baseline_data" and not fmt.missing(row.get("baseline_measured"))
    return row["baseline_measured"] if own else target.baseline_value


def _baseline_year_sentence(target, lang: str) -> str:
    values = dict(year=target.baseline_year, measure=target.measure(lang), baseline=_value(target, target.baseline_value, lang))
    return text("narrative.baseline_year", lang, **values)


def _fall_inside_margin(target, row, lang: str) -> str:
    """A level held within the margin whose fall is nevertheless watched, with the reason it is
    (calc/assessment.watch_reasons): more than chance (the change test's fall, Holm-corrected, as the
    page's test sentence says), or more than half the margin (the fall below the level)."""
    verdict = records.verdict_of(row)
    if row["status"] != "maintained" or not verdict.watch:
        return ""
    if "beyond_chance" in verdict.watch_reasons:
        return text("narrative.fall_inside_margin", lang, fall=amount(target, _tested_baseline(target, row) - row["value"], lang))
    if "half_margin" in verdict.watch_reasons:
        margin = amount(target, row["maintain_margin"], lang)
        return text("narrative.fall_inside_margin_half", lang, fall=amount(target, target.target_value - row["value"], lang), margin=margin)
    return ""


def variation_sentence(target, row, lang: str = "da") -> str:
    """A register's change since the baseline against ordinary year-to-year variation (its interval
    and the change test, Holm-corrected across the year's targets); empty for a survey."""
    beyond = row.get("beyond_normal_variation")
    if beyond is None or fmt.missing(beyond) or fmt.missing(row.get("change_p_adjusted")):
        return ""
    key = "beyond" if bool(beyond) else "within"
    baseline = _tested_baseline(target, row)  # the year's own count or share, as the test compared
    shown = _value(target, baseline, lang) if baseline == target.baseline_value else measured(target, baseline, lang)
    return text(f"narrative.variation_{key}", lang, baseline=shown)


def extreme_goal_sentence(target, row, lang: str = "da") -> str:
    """For a 0 %/100 % goal: how it is judged (a survey can never show exactly 0 % or 100 %)."""
    goal = row.get("effective_target_value")
    if fmt.missing(goal) or goal == target.target_value:
        return ""
    return text("narrative.extreme_goal", lang, target=_value(target, target.target_value, lang), effective=fmt.percent(goal, lang, decimals=1))


def join_words(items: list[str], lang: str = "da") -> str:
    """A list as a sentence says it: 'A, B og C' / 'A, B and C'."""
    from babel.lists import format_list

    return format_list(list(items), locale=fmt.LOCALES[lang]) if items else ""


def gap_words(target, row, lang: str = "da") -> str:
    """The difference to the strategy's own goal in the target year, in words: '0,4 procentpoint
    bedre end målet', '1 procentpoint fra målet', 'præcis målet'; a dash without a measurement."""
    if fmt.missing(row.get("value")):
        return fmt.HIDDEN
    better = row["value"] - target.target_value if target.higher_is_better else target.target_value - row["value"]
    if amount(target, better, lang) == amount(target, 0, lang):
        return text("narrative.gap_none", lang)
    return text("narrative.gap_better" if better > 0 else "narrative.gap_short", lang, amount=amount(target, better, lang))


def watch_words(target, row, lang: str = "da") -> str:
    """A target to watch, with what moved: 'Ungdomsuddannelser: ikke prøvet hash (faldet fra 68 % til 66,5 % siden 2015)';
    from the baseline the change test compared with when it is watched for that test."""
    tested = "beyond_chance" in records.verdict_of(row).watch_reasons
    baseline = _tested_baseline(target, row) if tested else target.baseline_value
    key = "narrative.watch_down" if row["value"] < baseline else "narrative.watch_up"
    return text(
        key,
        lang,
        name=target.short_name(lang),
        baseline=measured(target, baseline, lang) if baseline != target.baseline_value else _value(target, baseline, lang),
        value=measured(target, row["value"], lang),
        baseline_year=target.baseline_year,
    )


def _follow_up_rates(table: pd.DataFrame, year: int) -> tuple[dict[int, float], float]:
    """The contact rate of every finished treatment whose follow-up was due, per months and in all,
    both substances together (from the published `all` rows; none when a count there is hidden)."""
    rows = table[(table["year"] == year) & (table["contacted_by"] == "all")]
    if rows.empty or rows[["episodes", "reached"]].isna().any().any():
        return {}, float("nan")
    sums = rows.groupby("months")[["episodes", "reached"]].sum()
    return {int(m): r.reached / r.episodes for m, r in sums.iterrows()}, sums["reached"].sum() / sums["episodes"].sum()


def follow_up_sentence(table: pd.DataFrame, strategy, year: int, lang: str = "da") -> str:
    """What a treatment figure measures (the status at the end of treatment), and the follow-up in
    one or two sentences: the contact rates, whether they meet the rule for using them, and what came
    of a change in how it is done (a method break of the follow-up source)."""
    from rusmiddel_analysis.ingest.schemas import FOLLOW_UPS

    measured_year = int(table.loc[table["year"] <= year, "year"].max()) if (table["year"] <= year).any() else None
    rates, overall = _follow_up_rates(table, measured_year) if measured_year else ({}, float("nan"))
    if not rates:
        return text("narrative.follow_up_none", lang)
    limit = float(strategy.settings.data_quality.min_contact_rate)
    shown = join_words([text("narrative.follow_up_rate", lang, rate=fmt.percent(100 * r, lang, 1), months=m) for m, r in rates.items()], lang)
    usable = "narrative.follow_up_usable" if min(rates.values()) >= limit else "narrative.follow_up_unusable"
    sentence = text("narrative.follow_up", lang, year=measured_year, rates=shown, limit=fmt.percent(100 * limit, lang), usable=text(usable, lang))
    broken = [b for b in strategy.method_breaks if FOLLOW_UPS in b.sources and b.year <= measured_year]
    if broken:
        before, _ = _follow_up_rates(table, broken[-1].year - 1)
        months = min(set(before) & set(rates), default=None)  # the same follow-up before and after, the first one
        if months is not None:
            rate = lambda r: fmt.percent(100 * r, lang, 1)
            changed = dict(before_year=broken[-1].year - 1, text=broken[-1].text(lang), before=rate(before[months]), months=months)
            sentence += " " + text("narrative.follow_up_change", lang, now=rate(rates[months]), measured=measured_year, **changed)
    return sentence


def target_narrative(strategy, target, row, lang: str = "da") -> str:
    """The status paragraph for one target: where it stands and how sure that is first, then the
    change with its interval and the goal."""
    fmt.check_lang(lang)
    if records.has_problem(row, "baseline_year"):
        return " ".join([_baseline_year_sentence(target, lang), target_sentence(target, lang)])
    if records.has_problem(row, "before_baseline"):
        return " ".join([quality_sentence(row, lang), target_sentence(target, lang)])
    if fmt.missing(row["measured_year"]):
        return " ".join(
            [
                capitalise(
                    text(
                        "narrative.no_measurement",
                        lang,
                        measure=target.measure(lang),
                        baseline_year=target.baseline_year,
                        baseline=_value(target, target.baseline_value, lang),
                        year=int(row["year"]),
                    )
                ),
                target_sentence(target, lang),
            ]
        )
    parts = [
        status_sentence(target, row, lang),
        change_sentence(strategy, target, row, lang),
        target_sentence(target, lang),
        extreme_goal_sentence(target, row, lang),
    ]
    return " ".join(p for p in parts if p)


def change_test_sentence(target, row, tests: int, lang: str = "da") -> str:
    """The test of the change since the baseline, with the correction for testing every target, and
    what it is compared with: the baseline year's own data (the schools paired) or the strategy's
    published baseline taken as exact."""
    if fmt.missing(row.get("change_p_adjusted")):
        return text("narrative.change_test_none", lang)
    key = "change_test_significant" if row["change_significant"] is True else "change_test_not_significant"
    baseline = _value(target, target.baseline_value, lang)
    if row.get("change_basis") == "baseline_data" and not fmt.missing(row.get("baseline_measured")):
        # the test compared with the baseline year's own estimate: the sentence names that one
        key, baseline = f"{key}_measured", measured(target, row["baseline_measured"], lang)
    sentence = text(
        f"narrative.{key}",
        lang,
        baseline=baseline,
        baseline_year=target.baseline_year,
        tests=tests,
        p=fmt.p_value(row["change_p_value"], lang),
        p_adjusted=fmt.p_value(row["change_p_adjusted"], lang),
    )
    basis = row.get("change_basis")
    if row.get("source_kind") == "survey" and basis in ("baseline_data", "published_baseline"):  # a register names no schools
        sentence += " " + text(f"narrative.change_basis_{basis}", lang, baseline_year=target.baseline_year, cluster_word=cluster_word(target, lang))
    return sentence


def trend_sentence(row, indicator_years: list[int], lang: str = "da") -> str:
    """One sentence on the trend test over the measured years up to the report year."""
    direction = row["trend"]
    years = sorted(y for y in indicator_years if y <= int(row["year"]))
    if direction == "cannot_calculate":
        return text("narrative.trend_cannot_calculate", lang, n=len(years), min=int(row["trend_min_points"]))
    level = fmt.level(row.get("trend_confidence", DEFAULTS.trend_confidence), lang)
    return text(f"narrative.trend_{direction}", lang, n=len(years), first=years[0], last=years[-1], level=level)


def projection_sentence(
    target, row, lang: str = "da", min_points: int = DEFAULTS.min_projection_points, confidence: float = DEFAULTS.confidence
) -> str:
    """Where the weighted projection puts the target year, with its prediction interval.

    Above or below the goal only when the whole prediction interval is; otherwise the sentence
    says the projection cannot tell (the same rule as the verdict, so the two never disagree).
    """
    if not fmt.missing(row.get("measured_year")) and int(row["measured_year"]) >= target.target_year:
        return text("narrative.projection_target_year_measured", lang, target_year=target.target_year)
    if fmt.missing(row["projected_value"]):
        measured_years = 0 if fmt.missing(row.get("measured_years")) else int(row["measured_years"])
        return text("narrative.projection_none", lang, n=measured_years, min=min_points)
    goal_value = row.get("effective_target_value")
    goal_value = target.target_value if fmt.missing(goal_value) else goal_value
    goal = _value(target, goal_value, lang) if goal_value == target.target_value else measured(target, goal_value, lang)
    low, high = row["projected_low"], row["projected_high"]
    if target.unit == "percent":
        low, high = max(low, 0.0), min(high, 100.0)
    if low > goal_value:
        position = text("narrative.projection_above", lang, target=goal)
    elif high < goal_value:
        position = text("narrative.projection_below", lang, target=goal)
    else:
        position = text("narrative.projection_contains", lang, target=goal)
    interval = text(
        "narrative.projection_interval", lang, interval=measured_interval(target, low, high, lang), confidence=fmt.level(confidence, lang)
    )
    return text(
        "narrative.projection",
        lang,
        measure_lc=target.measure(lang),
        projected=measured(target, row["projected_value"], lang),
        target_year=target.target_year,
        interval=interval,
        position=position,
    )


def summary_sentence(assessment: pd.DataFrame, year: int, lang: str = "da", names: dict | None = None) -> str:
    """'I 2017 er 10 mål opgjort: 3 er nået, på rette vej eller fastholdt; ...', then, with `names`
    (target id -> short name), the targets to watch: behind, going the wrong way, or moved the wrong
    way since the baseline by more than chance whatever their status (assessment's `watch`)."""
    if len(assessment) and all(records.has_problem(row, "baseline_year") for _, row in assessment.iterrows()):
        return text("narrative.summary_baseline", lang, year=year, next=year + 1)
    parts = [text(f"narrative.summary_{group}", lang, n=n) for group, n in statuses.counts_by_group(assessment["status"]).items()]
    sentence = f"{text('narrative.summary', lang, year=year, total=len(assessment))} {'; '.join(parts)}."
    off_track = [
        f"{names[row['target_id']]} ({statuses.status_words(row['status'], lang).lower()})"
        for _, row in assessment.iterrows()
        if names and (statuses.group(row["status"]) in ("behind", "bad") or records.verdict_of(row).watch)
    ]
    return f"{sentence} {text('narrative.summary_off_track', lang, targets='; '.join(off_track))}" if off_track else sentence


def strata_words(target, lang: str = "da") -> str:
    """The strata a share is standardised by, in words ("klassetrin og køn")."""
    names = [text(f"report.groups.{d}", lang).lower() for d in SOURCES[target.source].standardise_by]
    return text("narrative.and_join", lang, first=", ".join(names[:-1]), last=names[-1]) if len(names) > 1 else "".join(names)


def cluster_word(target, lang: str = "da") -> str:
    """What a survey's sampling clusters are called, in the plural ("skoler", "institutioner")."""
    return text(f"report.clusters.{SOURCES[target.source].cluster}", lang)


def _coverage_caveat(target, row, lang: str) -> str:
    year, base = int(row["measured_year"]), target.baseline_year
    sentence = text(
        "narrative.caveat_coverage",
        lang,
        cluster_word=cluster_word(target, lang),
        base=base,
        year=year,
        coverage=fmt.percent(100 * row["coverage"], lang),
        common=fmt.number(row["common_clusters"], lang),
    )
    if fmt.missing(row["common_value"]):  # hidden: what it leaves out could be worked out
        return sentence
    values = dict(common_value=measured(target, row["common_value"], lang), common_base=measured(target, row["common_baseline_value"], lang))
    return f"{sentence} {text('narrative.caveat_coverage_values', lang, year=year, base=base, **values)}"


def composition_sentence(target, row, lang: str = "da") -> str:
    """How much of the change since the baseline is who answered, from the direction and size of the
    change measured and of the change standardised to the baseline year's mix: part of it, most of
    it, hiding a larger change, or hiding a change the other way."""
    crude, standard = row["value"] - target.baseline_value, row["standardised_value"] - target.baseline_value
    if crude * standard < 0 or (crude == 0) != (standard == 0):
        key = "caveat_composition_opposite"
    elif abs(standard) > abs(crude):
        key = "caveat_composition_hides"
    elif abs(standard) < abs(crude) / 2:
        key = "caveat_composition_most"
    else:
        key = "caveat_composition_part"
    values = dict(
        base=target.baseline_year,
        strata=strata_words(target, lang),
        standardised=measured(target, row["standardised_value"], lang),
        value=measured(target, row["value"], lang),
        crude=amount(target, crude, lang),
        standard=amount(target, standard, lang),
    )
    return f"{text(f'narrative.{key}', lang, **values)} {text('narrative.caveat_composition_status', lang)}"


def _bounds_in_certainty(target, row, lang: str) -> bool:
    """Whether the certainty sentence already gives the unknown outcomes' bounds (then the caveat would repeat it)."""
    low, high = (measured(target, row[c], lang) for c in ("bound_low", "bound_high"))
    return certainty_sentence(target, row, lang) == text("narrative.certainty.unknown_outcomes", lang, low=low, high=high)


def caveat_sentences(strategy, target, row, lang: str = "da") -> list[str]:
    """The caveats beside the verdict (calc/records.Caveat), one sentence or two each."""
    sentences = []
    for caveat in records.caveats_of(row):
        if caveat.kind == "standardisation_gap":
            sentences.append(composition_sentence(target, row, lang))
        elif caveat.kind == "coverage":
            sentences.append(_coverage_caveat(target, row, lang))
        elif caveat.kind == "bounds_straddle_goal" and not _bounds_in_certainty(target, row, lang):
            low, high, goal = (measured(target, row[c], lang) for c in ("bound_low", "bound_high", "target_value"))
            sentences.append(text("narrative.caveat_bounds", lang, low=low, high=high, goal=goal))
        elif caveat.kind == "method_break":
            sentences.append(text("narrative.caveat_method_break", lang, year=int(caveat.value)))
        elif caveat.kind == "overdispersion":
            sentences.append(text("narrative.caveat_overdispersion", lang, phi=fmt.number(caveat.value, lang, decimals=1)))
    return sentences


def behaviour_words(column: str, lang: str = "da") -> str:
    """A risk behaviour as a sentence names it ('prøvet at ryge'); a column the catalogue lacks, as it is."""
    return catalogue(lang).get(f"report.behaviours.{column}", column)


def strongest_certain_pair(pairs: pd.DataFrame, exposure: str | None = None) -> pd.Series | None:
    """The shown pair (of `exposure`, when given) with the largest relative risk among those whose
    interval lies wholly above 1; None when there is none."""
    shown = pairs[~pairs["suppressed"].astype(bool) & (pairs["rr_low"] > 1)]
    if exposure is not None:
        shown = shown[shown["exposure"] == exposure]
    return None if shown.empty else shown.loc[shown["relative_risk"].idxmax()]


def high_risk_sentence(pairs: pd.DataFrame, confidence: float, lang: str = "da") -> str:
    """The strongest co-occurrence the year's data can vouch for, in words: 'Elever, der har prøvet at
    ryge, har 5,5 gange så ofte prøvet hash (95 %-konfidensinterval 4,6-6,6).' Empty when no pair
    is shown (hidden) or none is certain (its interval reaches 1)."""
    top = strongest_certain_pair(pairs)
    if top is None:
        return ""
    return text(
        "narrative.high_risk",
        lang,
        exposure=behaviour_words(top["exposure"], lang),
        outcome=behaviour_words(top["outcome"], lang),
        ratio=fmt.number(top["relative_risk"], lang, 1),
        confidence=fmt.level(confidence, lang),
        low=fmt.number(top["rr_low"], lang, 1),
        high=fmt.number(top["rr_high"], lang, 1),
    )


# --- the high-risk page (present/high_risk_views.py) ---------------------------------------------


def grades_words(grades: list[int], lang: str = "da") -> str:
    """The early grades as a sentence names them: '6. og 7. klasse', 'grades 6 and 7'."""
    from babel.lists import format_list

    numbers = [text("high_risk.grade_number", lang, grade=g) for g in grades]
    return text("high_risk.grades", lang, grades=format_list(numbers, locale=fmt.LOCALES[lang]))


def behaviours_words(behaviours: list[str], lang: str = "da") -> str:
    """The behaviours as one list: 'prøvet at ryge, prøvet hash og prøvet andre stoffer'."""
    from babel.lists import format_list

    return format_list([behaviour_words(b, lang) for b in behaviours], locale=fmt.LOCALES[lang])


def multiple_sentence(row, at_least: int, behaviours: int, confidence: float, lang: str = "da") -> str:
    """'28 % af eleverne havde prøvet mindst 2 af de 4 former for risikoadfærd (95 %-konfidensinterval 27-29 %).'"""
    if row is None or fmt.missing(row["value"]):
        return ""
    interval = fmt.interval(row["ci_low"], row["ci_high"], "percent", lang)
    share = fmt.percent(row["value"], lang)
    return capitalise(
        text("high_risk.multiple", lang, share=share, k=at_least, n=behaviours, confidence=fmt.level(confidence, lang), interval=interval)
    )


def multiple_trend_sentence(result, lang: str = "da", plain: bool = False) -> str:
    """The test for trend of the share with several behaviours (a row of the results' `multiple_trend`),
    in words (the targets' test); `plain`: without the p-value, for the committee's document (the
    high-risk page gives it)."""
    if result.direction == "cannot_calculate" or pd.isna(result.first_year):
        return text("high_risk.trend_cannot_calculate", lang)
    key = f"high_risk.trend_plain_{result.direction}" if plain else f"high_risk.trend_{result.direction}"
    return text(key, lang, first=int(result.first_year), last=int(result.last_year), p=fmt.p_value(result.p_value, lang))


def early_sentence(rows: pd.DataFrame, grades: list[int], year: int, lang: str = "da") -> str:
    """'I 6. og 7. klasse havde 11 % prøvet at ryge, 35 % prøvet at drikke alkohol og 2 % prøvet hash.'"""
    from babel.lists import format_list

    shown = rows[rows["value"].notna()]
    if shown.empty:
        return text("high_risk.early_none", lang, grades=grades_words(grades, lang), year=year)
    parts = [
        text("high_risk.early_part", lang, share=fmt.share(r.value, lang), behaviour=behaviour_words(r.behaviour, lang)) for r in shown.itertuples()
    ]
    return capitalise(text("high_risk.early", lang, grades=grades_words(grades, lang), parts=format_list(parts, locale=fmt.LOCALES[lang])))


def entry_sentence(pairs: pd.DataFrame, exposure: str, lang: str = "da") -> str:
    """For the first behaviour (the strategy's entry behaviour, e.g. smoking): its strongest certain
    outcome as two shares. Empty when no such pair is shown."""
    top = strongest_certain_pair(pairs, exposure)
    if top is None:
        return ""
    return text(
        "high_risk.entry",
        lang,
        exposure=behaviour_words(exposure, lang),
        outcome=behaviour_words(top["outcome"], lang),
        risk_exposed=fmt.share(top["risk_exposed"], lang),
        risk_unexposed=fmt.share(top["risk_unexposed"], lang),
    )
