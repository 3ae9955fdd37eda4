"""Residual groups (gender "other", every "uoplyst"): merged or left out, never protected by hiding a large group.

Issue 25, item 6: on the demo a handful of pupils answering "other" to gender made disclosure control
hide the boys (about 4,300 answers) on two 2019 target pages, and the girls' or boys' distribution on
the high-risk page. A residual group too small to publish is now merged with the breakdown's other
residual groups, or left out with a note; and a group of `large_group` (1,000) answers or more is
never hidden to protect it: its share and interval are shown, its counts withheld in every table of
that survey and year.

The attacker here reads only the published files (subgroups.csv, assessment.csv, high_risk_groups.csv)
and is written out on its own: the total minus the shown groups, and the linear program over the
groups' counts with each share published to one decimal as ratio inequalities, (p - 0.05 %)·d <= n <=
(p + 0.05 %)·d, as calc/linked.Published.share models them. For every unpublished cell of 1-4
persons the largest value the published numbers allow must reach 5.

Where the expected numbers come from: the true cells and the pages' shares are counted from the
pupils with pandas (tests/expected.py), never computed by the library without disclosure control.
"""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from rusmiddel_analysis.calc import disclosure
from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.calc.results import compute_results
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.published import read_page
from rusmiddel_analysis.present.textcatalog import text
from rusmiddel_analysis.publish.tables import year_tables

from . import expected
from .conftest import canonical_frames, with_disclosure, write_canonical

MIN_CELL, MIN_GROUP, LARGE = 5, 20, 1000  # the packaged strategy's disclosure settings (checked below)
HALF = 0.05  # a share published to one decimal of a percent


# --- the attacker: a linear program over a breakdown's groups ---------------------------------------


def _largest(total: tuple[float, float], shown: list[dict], cell: str, sizes: dict | None = None) -> float:
    """The largest value the unpublished groups' cell `cell` ('n' with the trait, 'r' without) can
    take together, given the total (numerator, denominator), each shown group's counts or share, and
    (`sizes`, an attacker stronger than the files) some groups' sizes known exactly. Variables:
    (n, r) of each shown group, then (n, r) of everything unpublished."""
    k = len(shown) + 1
    equal, values, upper = [], [], []
    row = lambda pairs: np.array([pairs.get(i, 0.0) for i in range(2 * k)])
    equal += [row({2 * i: 1.0 for i in range(k)}), row({2 * i + 1: 1.0 for i in range(k)})]
    values += [total[0], total[1] - total[0]]
    for i, group in enumerate(shown):
        n, r = 2 * i, 2 * i + 1
        if pd.notna(group["numerator"]):
            equal += [row({n: 1.0}), row({r: 1.0})]
            values += [group["numerator"], group["denominator"] - group["numerator"]]
            continue
        high, low = (group["value"] + HALF) / 100, (group["value"] - HALF) / 100
        upper += [row({n: 1 - high, r: -high}), row({n: low - 1, r: low})]  # low·(n + r) <= n <= high·(n + r)
        if sizes and group["group"] in sizes:
            equal.append(row({n: 1.0, r: 1.0}))
            values.append(sizes[group["group"]])
    cost = row({2 * (k - 1) + (0 if cell == "n" else 1): -1.0})
    res = linprog(cost, A_eq=np.array(equal), b_eq=values, A_ub=np.array(upper) if upper else None, b_ub=[0.0] * len(upper) or None, method="highs")
    assert res.status == 0, res.message
    return -res.fun


def _sensitive(value: float, size: float, health: bool) -> bool:
    """A cell a reader must not narrow under MIN_CELL: 1-4 persons, or (health data, or a survey
    group under 50) nobody, which says something about every member of the group."""
    return 1 <= value < MIN_CELL or (value == 0 and size > 0 and (health or size < 50))


# --- constructed data: a survey year whose residual groups are too small -------------------------


def _pupils(year: int, genders: dict, tried: dict, start: int, rng) -> pd.DataFrame:
    """Pupils of one survey year: `genders` maps a gender ('' for none) to its number of pupils, `tried`
    to how many of them have tried hash; the other behaviours drawn at random."""
    frames = []
    for gender, n in genders.items():
        hash_tried = np.arange(n) < tried[gender]
        frames.append(pd.DataFrame({"gender": gender, "hash_ever": np.where(hash_tried, "true", "false")}))
    pupils = pd.concat(frames, ignore_index=True)
    n = len(pupils)
    draw = lambda p: np.where(rng.random(n) < p, "true", "false")
    return pupils.assign(
        respondent_id=[f"R{year}-{start + i:06d}" for i in range(n)],
        year=year,
        grade=rng.integers(6, 11, n),
        alcohol_ever=draw(0.4),
        other_drugs_ever=draw(0.03),
        parent_agreement=draw(0.6),
        smoking_ever=draw(0.2),
    )


def _students(year: int, genders: dict, tried: dict, rng) -> pd.DataFrame:
    """Students of the youth survey: `tried` maps a gender to how many have tried drugs other than hash."""
    frames = [pd.DataFrame({"gender": g, "other_drugs_ever": np.where(np.arange(n) < tried[g], "true", "false")}) for g, n in genders.items()]
    students = pd.concat(frames, ignore_index=True)
    n = len(students)
    return students.assign(
        respondent_id=[f"U{year}-{i:06d}" for i in range(n)],
        year=year,
        institution=rng.choice(["X", "Y", "Z"], n),
        education_type=rng.choice(["stx", "hhx", "eud"], n),
        age=17,
        alcohol_frequency=rng.choice(["never", "monthly", "weekly"], n),
        hash_ever=np.where(rng.random(n) < 0.3, "true", "false"),
    )


SCHOOL_2017 = ({"male": 1500, "female": 1400, "other": 12, "": 5}, {"male": 60, "female": 40, "other": 1, "": 0})
YOUTH_2017 = ({"male": 1200, "female": 1300, "other": 40, "": 30}, {"male": 100, "female": 90, "other": 2, "": 6})


@pytest.fixture(scope="module")
def constructed_dirs(tmp_path_factory, strategy):
    """Constructed surveys, processed: (raw, processed). In the school survey of 2017 12 pupils
    answered "other" (1 has tried hash) and 5 no gender (none has), too few even together; in the
    youth survey 40 answered "other" (2 have tried other drugs) and 30 no gender (6 have), enough
    together."""
    disclosure_settings = strategy.settings.disclosure
    assert (disclosure_settings.min_cell, disclosure_settings.min_group_size, disclosure_settings.large_group) == (
        MIN_CELL,
        MIN_GROUP,
        LARGE,
    )
    rng = np.random.default_rng(25)
    frames = canonical_frames()
    frames["ungeprofil_skole"] = pd.concat(
        [
            _pupils(2015, {"male": 1300, "female": 1300, "other": 40}, {"male": 90, "female": 80, "other": 9}, 0, rng),
            _pupils(2017, *SCHOOL_2017, 10**5, rng),
        ],
        ignore_index=True,
    )
    frames["ungeprofil_ungdom"] = pd.concat(
        [_students(2015, {"male": 1000, "female": 1000}, {"male": 80, "female": 80}, rng), _students(2017, *YOUTH_2017, rng)], ignore_index=True
    )
    root = tmp_path_factory.mktemp("residual")
    process(write_canonical(root / "raw", frames), root / "processed", strategy)
    return root / "raw", root / "processed"


@pytest.fixture(scope="module")
def constructed(constructed_dirs, strategy):
    """2017's published files for the constructed surveys."""
    results = compute_results(strategy, constructed_dirs[1])
    files = year_tables(strategy, results, 2017, "da")
    read = lambda name: pd.read_csv(io.BytesIO(files[name]))
    return {"subgroups": read("subgroups.csv"), "assessment": read("assessment.csv").set_index("target_id"), "groups": read("high_risk_groups.csv")}


def _line(files: dict, target_id: str, dimension: str) -> pd.DataFrame:
    cells = files["subgroups"]
    return cells[(cells["target_id"] == target_id) & (cells["dimension"] == dimension)].reset_index(drop=True)


@pytest.mark.slow
def test_constructed_residual_is_left_out_and_boys_and_girls_are_shown(constructed):
    """The school survey's 17 residual pupils are left out; boys and girls show value and interval
    (1,440 of 1,500 and 1,360 of 1,400 have not tried hash), with their counts withheld."""
    line = _line(constructed, "skole_hash", "gender")
    assert line["label"].tolist() == ["drenge", "piger"] and not line["suppressed"].any()
    assert line["value"].tolist() == [round(100 * 1440 / 1500, 1), round(100 * 1360 / 1400, 1)]
    assert (
        line[["numerator", "denominator"]].isna().all().all() and (line["ci_low"] < line["value"]).all() and (line["value"] < line["ci_high"]).all()
    )


@pytest.mark.slow
def test_constructed_differencing_attack_recovers_nothing(constructed):
    """The total minus the shown groups: the shown groups have no counts. The linear program with the
    shares to one decimal: the residual's 1 pupil who has tried hash can be as many as the whole
    total's. An attacker who also knew how many boys and girls answered would pin it under 5 (the
    rounding leaves only 0.85 of a pupil here), so no file of the year gives those sizes."""
    line = _line(constructed, "skole_hash", "gender")
    total = constructed["assessment"].loc["skole_hash"]
    assert total["denominator"] == 2917 and total["numerator"] == 2917 - 101  # every pupil is in the total
    shown = line.to_dict("records")
    assert _largest((total["numerator"], total["denominator"]), shown, "r") >= MIN_CELL  # the residual's 1 pupil
    worst = _largest((total["numerator"], total["denominator"]), shown, "r", sizes={"male": 1500, "female": 1400})
    assert worst == pytest.approx(101 - (1 - 0.9605) * 1500 - (1 - 0.9715) * 1400) and worst < MIN_CELL
    school = constructed["subgroups"][constructed["subgroups"]["target_id"].str.startswith("skole_")]
    assert school.loc[school["dimension"] == "gender", ["numerator", "denominator"]].isna().all().all()
    groups = constructed["groups"]
    gender = groups[(groups["measure"] == "behaviour_counts") & (groups["dimension"] == "gender")]
    assert set(gender["group"]) == {"male", "female"} and gender["denominator"].isna().all()


def test_constructed_residual_groups_too_small_alone_are_merged(constructed):
    """The youth survey's "other" (2 of 40 have tried other drugs) and no gender (6 of 30) are each
    too small to show; together (8 of 70) they are one group, with its counts, and the large groups
    keep theirs."""
    line = _line(constructed, "ungdom_stoffer", "gender").set_index("group")
    assert line.index.tolist() == ["male", "female", "residual"] and line.loc["residual", "label"] == "andet eller uoplyst"
    assert line.loc["residual", ["numerator", "denominator"]].tolist() == [62, 70]
    assert line.loc["residual", "value"] == round(100 * 62 / 70, 1)
    assert line.loc[["male", "female"], "denominator"].tolist() == [1200, 1300]


@pytest.mark.slow
def test_constructed_counts_years_are_protected_as_the_answers_years(constructed_dirs, tmp_path, strategy, monkeypatch):
    """The constructed surveys as the provider's counts (by grade and gender; institution, gender and
    education type): a counts table by gender has the residual groups too, merged or left out as
    from the answers, and its years are protected as the answers' are. The school survey's counts
    cannot give the high-risk distribution, so a year whose counts have a residual group is taken at
    the worst case (distribution.counted_years): protected, as the answers' distribution makes it.
    Early debut, from the counts by grade, gets the same protected years (early_debut_of_rows)."""
    from rusmiddel_analysis.calc import high_risk
    from rusmiddel_analysis.calc.distribution import counted_years, unprotected_years
    from rusmiddel_analysis.calc.indicators import ProcessedData, protected_years

    from .test_survey_counts import counts_raw

    raw, processed = constructed_dirs
    counts_raw(raw, processed, tmp_path / "raw", breakdowns=["grade", "gender", "institution", "education_type"])
    process(tmp_path / "raw", tmp_path / "processed", strategy)
    answers, counts = ProcessedData(processed), ProcessedData(tmp_path / "processed")
    assert counts.has("ungeprofil_skole", "counts") and not counts.has("ungeprofil_skole")
    # the answers' distribution protects both school years; the counts' worst case does too
    school = {("ungeprofil_skole", 2015), ("ungeprofil_skole", 2017)}
    assert unprotected_years(strategy, answers, "gender") == school == counted_years(strategy, counts, "gender")
    assert protected_years(strategy, counts, "gender") == protected_years(strategy, answers, "gender") >= school
    assert counted_years(strategy, counts, "grade") == set()  # every pupil has a grade: no residual group
    columns = ["target_id", "year", "group", "numerator", "denominator", "value", "suppressed", "suppression"]
    by_answers, by_counts = (compute(strategy, data, by="gender")[columns] for data in (answers, counts))
    pd.testing.assert_frame_equal(by_counts, by_answers, check_dtype=False, rtol=1e-9)
    line = by_counts[(by_counts["target_id"] == "skole_hash") & (by_counts["year"] == 2015)].set_index("group")
    assert line["suppression"].to_dict() == {"male": "withheld", "female": "withheld", "other": "left_out"}
    merged = by_counts[(by_counts["target_id"] == "ungdom_stoffer") & (by_counts["year"] == 2017)].set_index("group")
    assert merged.loc["residual", ["numerator", "denominator"]].tolist() == [62, 70]
    # early debut from the counts by grade is suppressed with the protected years
    seen = []
    by_grade = high_risk._suppressed_by_grade
    monkeypatch.setattr(high_risk, "_suppressed_by_grade", lambda *a, **k: seen.append(a[3]) or by_grade(*a, **k))
    results = compute_results(strategy, tmp_path / "processed")
    assert not results.early_debut.empty and seen and all(p == {("gender", 2015), ("gender", 2017)} for p in seen)


# --- the disclosure rules themselves ------------------------------------------------------------


def _breakdown(rows, unit="percent"):
    table = pd.DataFrame(rows, columns=["group", "numerator", "denominator"])
    return table.assign(target_id="t", year=2019, value=100 * table["numerator"] / table["denominator"], ci_low=0.0, ci_high=100.0, unit=unit)


def _rules(table):
    residual = table["group"].isin(["other", "unknown", "residual"]).to_numpy()
    flagged = disclosure.unprotected(table, ["target_id", "year"], disclosure.Rules(), 50.0, residual)
    return disclosure.suppress(table, ["target_id", "year"], disclosure.Rules(), 50.0, residual, flagged).set_index("group")


def test_a_large_group_is_never_hidden_to_protect_a_residual_one():
    """A hash question like the demo's: 168 of 172 pupils answering "other" have not tried hash (4
    have). The classical rule hid the boys with them; now "other" is left out and the boys and girls
    show their shares with their counts withheld."""
    table = _breakdown([("male", 4192, 4323), ("female", 4264, 4377), ("other", 168, 172)])
    classical = disclosure.suppress(table, ["target_id", "year"], disclosure.Rules(), 50.0).set_index("group")
    assert classical["suppression"].to_dict() == {"male": "secondary", "female": "", "other": "small_cell"}
    out = _rules(table)
    assert out["suppression"].to_dict() == {"male": "withheld", "female": "withheld", "other": "left_out"}
    assert out.loc[["male", "female"], ["numerator", "denominator"]].isna().all().all()
    assert out.loc["male", "value"] == pytest.approx(100 * 4192 / 4323) and not out.loc[["male", "female"], "suppressed"].any()
    assert disclosure.published(out.reset_index())["group"].tolist() == ["male", "female"]


def test_small_groups_still_protect_a_residual_group_the_classical_way():
    """Groups under large_group (a treatment register's) cannot show a share without their size
    being read from its interval: the smallest is hidden with the residual group, the rest keep their counts."""
    out = _rules(_breakdown([("male", 92, 200), ("female", 45, 102), ("other", 1, 3)]))
    assert out["suppression"].to_dict() == {"male": "", "female": "secondary", "other": "left_out"}
    assert out.loc["male", ["numerator", "denominator"]].tolist() == [92, 200]


def test_a_large_groups_own_small_cell_keeps_the_classical_rule():
    """The rule protects residual groups: a small cell of a large group itself (a grade where 3 have
    tried) is hidden with the next smallest group, whatever its size, as before."""
    out = _rules(_breakdown([("6", 1924, 1927), ("7", 1960, 1983), ("8", 1905, 1951)]))
    assert out["suppression"].to_dict() == {"6": "small_cell", "7": "", "8": "secondary"}


def test_a_count_keeps_the_classical_rule():
    """A count has no share to show in place of its number, so a count's breakdown protects its
    residual group the classical way (the treatment register's groups are far under 1,000)."""
    out = _rules(_breakdown([("male", 1500, np.nan), ("female", 1200, np.nan), ("other", 2, np.nan)], unit="persons"))
    assert out["suppression"].to_dict() == {"male": "", "female": "secondary", "other": "left_out"}


def test_the_large_group_setting_is_a_floor_that_only_makes_the_rules_stricter(strategy, demo_dirs):
    """Raised to 5,000, the demo's boys and girls (about 4,300 answers each) are no longer large: in a
    year where 1-4 of the pupils answering "other" have tried other drugs, the classical rule hides
    one of them again with "other", and no count is withheld. A lower value is refused (tests/test_strategy.py)."""
    _, processed = demo_dirs
    years = [y for y, t, _ in residual_cases(pd.read_parquet(processed / "ungeprofil_skole.parquet")) if t == "skole_stoffer"]
    table = compute(with_disclosure(strategy, large_group=5000), processed, by="gender", targets=["skole_stoffer"])
    for year in years:
        line = table[table["year"] == year].set_index("group")
        assert line.loc["other", "suppressed"] and line.loc[["male", "female"], "suppressed"].any(), year
    assert years and (table["suppression"] != "withheld").all()


# --- the demo ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_files(demo_dirs, strategy):
    """Every demo year's published subgroups.csv and high_risk_groups.csv, and the pupils. The
    totals a reader is taken to know exactly: every year's answers and successes (the pages' trend
    tables and assessment.csv publish them; the audit of linked tables models them as counts too)."""
    _, processed = demo_dirs
    results = compute_results(strategy, processed)
    files = {}
    totals = results.totals.set_index(["target_id", "year"])
    for year in strategy.years:
        tables = year_tables(strategy, results, year, "da")
        read = lambda name, tables=tables: pd.read_csv(io.BytesIO(tables[name]))
        files[year] = {"subgroups": read("subgroups.csv"), "totals": totals, "groups": read("high_risk_groups.csv")}
    return files, pd.read_parquet(processed / "ungeprofil_skole.parquet")


def _unpublished(true: pd.DataFrame, line: pd.DataFrame) -> pd.DataFrame:
    """The true groups of a breakdown that its published line does not show (the merged residual
    group stands for its members)."""
    shown = set(line.loc[~line["suppressed"], "group"].astype(str))
    if "residual" in shown:
        shown |= {"other", "unknown"}
    return true[~true.index.isin(list(shown))]


def true_cells(processed, strategy, by: str) -> pd.DataFrame:
    """Every survey target's groups by `by` in every year with answers, counted with pandas, indexed
    (target_id, year, group)."""
    cells = []
    for target in (t for t in strategy.targets if t.source.startswith("ungeprofil_")):
        frame = pd.read_parquet(processed / f"{target.source}.parquet")
        if by not in frame.columns:
            continue
        for year in sorted(frame["year"].dropna().astype(int).unique()):
            table = expected.group_cells(processed, target.id, int(year), by)
            cells.append(table.rename_axis("group").reset_index().assign(target_id=target.id, year=int(year)))
    return pd.concat(cells).set_index(["target_id", "year", "group"])


@pytest.mark.slow
def test_demo_differencing_attack_recovers_nothing(demo_files, demo_dirs, strategy):
    """Every survey breakdown of every demo year as published: the total minus the shown groups,
    exact where every shown group has its counts (then it must be publishable), else the linear
    program (then each unpublished cell of 1-4 persons, or of none where that says something of
    everyone, must be able to hold 5). The true cells are counted here from the data with pandas
    (tests/expected.py, without disclosure control)."""
    _, processed = demo_dirs
    files, pupils = demo_files
    truth = {by: true_cells(processed, strategy, by) for by in ("gender", "grade", "education_type")}
    checked = {"exact": 0, "program": 0}  # exact: a line with a classical hidden cell (none in the demo's surveys)
    surveys = [t.id for t in strategy.targets if t.source.startswith("ungeprofil_")]  # treatment: tests/test_disclosure_attack.py
    for year, published in files.items():
        for (target_id, by, data_year), line in published["subgroups"].groupby(["target_id", "dimension", "year"]):
            if by not in truth or target_id not in surveys:
                continue
            total = published["totals"].loc[(target_id, data_year)]
            unpublished = _unpublished(truth[by].loc[target_id].loc[int(data_year)], line)
            if unpublished.empty:
                continue
            n, d = unpublished["numerator"].sum(), unpublished["denominator"].sum()
            shown = line[~line["suppressed"]].to_dict("records")
            if all(pd.notna(g["numerator"]) for g in shown):
                assert d >= MIN_GROUP and not _sensitive(n, d, False) and not _sensitive(d - n, d, False), (year, target_id, by)
                checked["exact"] += 1
                continue
            sizes = unpublished["denominator"]
            for cell, values in (("n", unpublished["numerator"]), ("r", sizes - unpublished["numerator"])):
                if any(_sensitive(v, size, False) for v, size in zip(values, sizes, strict=True)):
                    assert _largest((total["numerator"], total["denominator"]), shown, cell) >= MIN_CELL, (year, target_id, by, cell)
                    checked["program"] += 1
    assert checked["program"] >= len(residual_cases(pupils)) > 0  # at least the residual's cells of 1-4 pupils


SCHOOL_BEHAVIOURS = (("skole_hash", "hash_ever"), ("skole_stoffer", "other_drugs_ever"))


def residual_cases(pupils: pd.DataFrame) -> list[tuple[int, str, str]]:
    """The demo's (year, target, column)s in which 1-4 of the pupils answering "other" to gender have
    tried it (the cells the classical rule protected by hiding a large group)."""
    cases = []
    for year, answers in pupils.groupby("year"):
        for target_id, column in SCHOOL_BEHAVIOURS:
            other = answers.loc[(answers["gender"] == "other") & answers[column].notna(), column].astype(bool)
            if 0 < int(other.sum()) < MIN_CELL:
                cases.append((int(year), target_id, column))
    return cases


def worst_case_margins(files: dict, pupils: pd.DataFrame) -> dict[tuple[int, str], tuple[int, float]]:
    """For the demo's residual cells of 1-4 pupils that the withheld counts protect (`residual_cases`):
    (the true number who have tried it, the largest value an attacker could still give it if it knew
    the boys' and girls' exact numbers of answers, which the files do not say). docs/methodology.md
    quotes them (tests/methodology_blocks.py)."""
    margins = {}
    for year, target_id, column in residual_cases(pupils):
        answered = pupils[(pupils["year"] == year) & pupils[column].notna()]
        sizes = answered.groupby("gender").size()
        true = int(answered.loc[answered["gender"] == "other", column].astype(bool).sum())
        line = _line(files[year], target_id, "gender")
        total = files[year]["totals"].loc[(target_id, year)]
        bound = _largest((total["numerator"], total["denominator"]), line.to_dict("records"), "r", sizes={g: sizes[g] for g in ("male", "female")})
        margins[(year, target_id)] = (true, bound)
    return margins


@pytest.fixture(scope="module")
def pages_2019(demo_dirs, tmp_path_factory):
    """The demo's 2019 hash and other-drugs pages, as `rusmiddel report` makes them (privacy gate included)."""
    raw, processed = demo_dirs
    outputs = tmp_path_factory.mktemp("pages-2019")
    targets = ("skole_hash", "skole_stoffer")
    args = ["report", "--year", "2019", "--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs)]
    assert main(args + [a for t in targets for a in ("--target", t)]) == 0
    return {t: (outputs / "2019" / f"{t}.html").read_text(encoding="utf-8") for t in targets}


@pytest.mark.slow
def test_demo_2019_pages_show_the_boys_and_girls_they_hid(pages_2019, demo_files, strategy):
    """Before, "drenge – – –" or "piger – – –": the boys or girls (about 4,300 answers) were hidden to
    protect the 1-4 pupils answering "other" who have tried hash or other drugs. Now both boys and girls show their
    share (worked out here from the pupils) and interval, with "–" for the number of answers, and a
    note says why "other" is not shown."""
    _, pupils = demo_files
    year = pupils[pupils["year"] == 2019]
    for target_id, column in (("skole_hash", "hash_ever"), ("skole_stoffer", "other_drugs_ever")):
        tables, _ = read_page(pages_2019[target_id])
        rows = next(t["rows"] for t in tables if t["rows"] and t["rows"][0][0] == text("report.groups.gender"))
        assert [r[0] for r in rows[1:]] == ["drenge", "piger"]
        for label, gender in (("drenge", "male"), ("piger", "female")):
            answered = year[(year["gender"] == gender) & year[column].notna()]
            share = 100 * (~answered[column].astype(bool)).mean()
            value, interval, answers = next(r[1:] for r in rows if r[0] == label)
            assert value == " ".join(fmt.percent(share).split()) and answers == "–"
            low, high = (float(x.replace(",", ".")) for x in re.findall(r"\d+(?:,\d+)?", interval))
            assert low <= round(share) <= high
        notes = html.unescape(pages_2019[target_id])
        assert text("report.residual_left_out.gender.ungeprofil_skole") in notes
        assert text("report.counts_withheld", large_group="1.000") in notes


@pytest.mark.slow  # builds its own scenario (an audit or a simulation): seconds, not milliseconds
def test_the_high_risk_distribution_never_hides_boys_or_girls(demo_files, strategy):
    """Before, the girls' or boys' rows lost 2-3 of their shares to protect "other". Now every share
    of boys and girls is published (equal to the share worked out here from the pupils) unless the
    cell is itself 1-4 pupils (the classical rule in a group of its own), their number of pupils is
    withheld, and "other" has no row."""
    files, pupils = demo_files
    behaviours = strategy.settings.high_risk.behaviours
    min_cell = strategy.settings.disclosure.min_cell
    for year, published in files.items():
        groups = published["groups"]
        gender = groups[(groups["measure"] == "behaviour_counts") & (groups["dimension"] == "gender")]
        assert set(gender["group"]) == {"male", "female"} and gender["denominator"].isna().all()
        complete = pupils[(pupils["year"] == year) & pupils[behaviours].notna().all(axis=1)]
        for row in gender.itertuples():
            members = complete[complete["gender"] == row.group]
            in_cell = members[behaviours].astype(bool).sum(axis=1) == row.behaviours
            if row.suppressed:
                assert 0 < in_cell.sum() < min_cell, (year, row.group, row.behaviours)
            else:
                assert row.value == round(100 * in_cell.mean(), 1), (year, row.group, row.behaviours)


def test_treatment_breakdowns_hide_no_large_group_and_show_no_zero_or_hundred(demo_dirs, strategy):
    """The demo's treatment register: every group is far under 1,000, so a hidden age band is hidden
    by the classical rule (no count withheld); no residual group exists in the demo (no gender "other",
    every flag registered), and no share is 0 % or 100 %."""
    _, processed = demo_dirs
    for by in ("gender", "age_group", "psychiatric_disability", "ethnic_minority"):
        table = compute(strategy, processed, by=by)
        table = table[table["target_id"].str.startswith("behandling_")]
        assert (table["suppression"] != "withheld").all() and (table["suppression"] != "left_out").all()
        shown = table[~table["suppressed"] & (table["unit"] == "percent")]
        assert ((shown["numerator"] > 0) & (shown["numerator"] < shown["denominator"]) & (shown["denominator"] < LARGE)).all()
