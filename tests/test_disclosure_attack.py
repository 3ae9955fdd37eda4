"""An attacker with only the published tables and pages tries every differencing it can; it recovers nothing.

Constructed treatment data with the holes the disclosure issue found: three drug treatments whose
minority flag was not registered (2 successes of 3), a group of 30 where no one succeeded (0 %), a
single small cell (3 episodes with gender "other"), and citizens starting treatment for both
substances (the overlap in the substance breakdown). The reports are built with `rusmiddel report`;
the attack reads only `subgroups.csv`, `assessment.csv` and the pages' text.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.present.published import read_page
from rusmiddel_analysis.present.textcatalog import text

from .conftest import canonical_frames, write_canonical

TODAY = dt.date(2020, 6, 1)
TREATMENT = ("behandling_stof_effekt", "behandling_alkohol_effekt", "behandling_antal")
MIN_GROUP, MIN_CELL = 20, 5  # the packaged strategy's disclosure settings (checked below)


def _episodes(year: int, substance: str, statuses: list[str], start: int, **columns) -> pd.DataFrame:
    n = len(statuses)
    frame = pd.DataFrame(
        {
            "person_id": [f"P{start + i:05d}" for i in range(n)],
            "episode_id": [f"E{start + i:05d}" for i in range(n)],
            "substance": substance,
            "start_date": f"{year}-01-10",
            "end_date": f"{year}-10-01",
            "end_status": statuses,
            "end_reason": "completed",
            "gender": "male",
            "birth_year": 1980,
            "psychiatric_disability": "false",
            "ethnic_minority": "false",
        }
    )
    for column, values in columns.items():
        frame[column] = values
    return frame


def constructed() -> pd.DataFrame:
    ok, fail = "reduced", "unchanged"
    drugs = pd.concat(
        [
            # three drug treatments whose minority flag was never registered: 2 successes of 3
            _episodes(2017, "drugs", [ok, "abstinent", fail], 0, ethnic_minority=""),
            _episodes(2017, "drugs", [ok] * 30 + [fail] * 30, 100, gender=["female"] * 25 + ["male"] * 35),
            _episodes(2017, "drugs", [ok] * 9 + [fail] * 11, 200, ethnic_minority="true"),
            # a single small cell: three episodes with gender "other"
            _episodes(2017, "drugs", [ok, fail, fail], 300, gender="other"),
        ]
    )
    alcohol = pd.concat(
        [
            # 30 citizens with reduced psychiatric functioning, none of whom succeeded (0 %)
            _episodes(2017, "alcohol", [fail] * 30, 400, psychiatric_disability="true"),
            _episodes(2017, "alcohol", [ok] * 45 + [fail] * 25, 500, gender=["female"] * 30 + ["male"] * 40, birth_year=[1995] * 22 + [1975] * 48),
        ]
    )
    # citizens starting treatment for both substances: the same persons as three of the drug episodes
    both = _episodes(2017, "alcohol", [ok, ok, fail], 100)
    both["episode_id"] = ["B1", "B2", "B3"]
    baseline = pd.concat([_episodes(2015, "drugs", [ok] * 35 + [fail] * 65, 1000), _episodes(2015, "alcohol", [ok] * 57 + [fail] * 43, 2000)])
    return pd.concat([drugs, alcohol, both, baseline], ignore_index=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory, strategy):
    disclosure = strategy.settings.disclosure
    assert (disclosure.min_group_size, disclosure.min_cell) == (MIN_GROUP, MIN_CELL)
    assert disclosure.all_or_none_health_data is True
    root = tmp_path_factory.mktemp("attack")
    frames = canonical_frames()
    frames["behandling_forloeb"] = constructed()
    del frames["behandling_opfoelgning"]
    process(write_canonical(root / "raw", frames), root / "processed", strategy, today=TODAY)
    outputs = root / "outputs"
    args = ["report", "--year", "2017", "--processed", str(root / "processed"), "--status", str(root / "raw" / "status"), "--outputs", str(outputs)]
    assert main(args + [a for t in TREATMENT for a in ("--target", t)]) == 0
    year = outputs / "2017"
    return {
        "subgroups": pd.read_csv(year / "subgroups.csv"),
        "assessment": pd.read_csv(year / "assessment.csv").set_index("target_id"),
        "pages": {t: (year / f"{t}.html").read_text(encoding="utf-8") for t in TREATMENT},
        "kept": pd.read_parquet(root / "processed" / "results" / "subgroups.parquet"),
    }


def _unsafe_share(numerator: float, denominator: float) -> bool:
    """Would this (derived) cell break a rule if it were published? Health data: 0 % and 100 % too."""
    rest = denominator - numerator
    small = lambda v: 1 <= v <= MIN_CELL - 1
    return denominator < MIN_GROUP or small(numerator) or small(rest) or numerator == 0 or rest == 0


def _section(page: str, dimension: str) -> str:
    """The part of a page about one breakdown: from its heading to the next heading."""
    heading = f"<h3>{text(f'report.groups.{dimension}')}</h3>"
    start = page.index(heading)
    ends = [i for i in (page.find("<h3>", start + 1), page.find("<h2>", start + 1)) if i > 0]
    return page[start : min(ends) if ends else len(page)]


def _left_out(page: str, dimension: str) -> bool:
    """Whether the page says that a residual group of the breakdown is not shown (its note)."""
    kind = "gender" if dimension == "gender" else "other"
    note = text(f"report.residual_left_out.{kind}.behandling_forloeb", dimension=text(f"report.groups.{dimension}").lower())
    return html.escape(note, quote=True) in _section(page, dimension) or note in _section(page, dimension)


@pytest.mark.slow
def test_differencing_against_the_published_total_recovers_nothing(published):
    """Total minus the shown groups is all a reader can work out: the sum of the hidden groups and of
    a residual group the page says it leaves out, and it must be safe."""
    cells = published["subgroups"]
    checked_left_out = 0
    for (target_id, dimension), rows in cells.groupby(["target_id", "dimension"]):
        total = published["assessment"].loc[target_id]
        shown, hidden = rows[~rows["suppressed"]], rows[rows["suppressed"]]
        assert hidden[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
        assert shown["numerator"].notna().all()  # treatment groups are small: no count is withheld here
        is_count = total["unit"] == "persons"
        rest_num = total["numerator"] - shown["numerator"].sum()
        left_out = _left_out(published["pages"][target_id], dimension)
        checked_left_out += left_out
        if hidden.empty and not left_out:  # nothing unpublished: the groups account for the whole total
            assert rest_num == 0 and (is_count or total["denominator"] == shown["denominator"].sum()), (target_id, dimension)
            continue
        assert len(hidden) + left_out >= 2, (target_id, dimension)  # one unpublished cell would be the total minus the rest
        if is_count:
            assert not 1 <= rest_num <= MIN_CELL - 1, (target_id, dimension)
        else:
            rest_den = total["denominator"] - shown["denominator"].sum()
            assert not _unsafe_share(rest_num, rest_den), (target_id, dimension, rest_num, rest_den)
    assert checked_left_out >= 2  # the gender "other" and the unregistered minority flag of the constructed data


@pytest.mark.slow
def test_every_record_is_in_a_published_group(published):
    """Every record is in a group: the three unregistered minority flags form the residual group
    `unknown`, which is too small to show and is left out with a note (never a hidden "–" row that
    says how it was hidden), and the total still counts them."""
    cells = published["subgroups"]
    minority = cells[(cells["target_id"] == "behandling_stof_effekt") & (cells["dimension"] == "ethnic_minority")]
    assert set(minority["label"]) == {"ja", "nej"}
    assert _left_out(published["pages"]["behandling_stof_effekt"], "ethnic_minority")
    kept = published["kept"]
    unknown = kept[(kept["target_id"] == "behandling_stof_effekt") & (kept["by"] == "ethnic_minority") & (kept["year"] == 2017)].set_index("group")
    assert unknown.loc["unknown", "suppression"] == "left_out" and unknown.loc["unknown", "suppressed"]
    drugs = constructed()
    ended_2017 = drugs[(drugs["substance"] == "drugs") & drugs["end_date"].str.startswith("2017")]
    assert published["assessment"].loc["behandling_stof_effekt", "denominator"] == len(ended_2017)  # the three are in the total
    substance = cells[(cells["target_id"] == "behandling_antal") & (cells["dimension"] == "substance")].set_index("group")
    assert set(substance.index) == {"alcohol", "drugs", "both"}  # a partition: no citizen counted twice
    assert substance.loc["both", "suppressed"] and substance["suppressed"].sum() >= 2


def test_no_treatment_subgroup_shows_all_or_none(published):
    cells = published["subgroups"]
    shares = cells[(cells["target_id"] != "behandling_antal") & ~cells["suppressed"]]
    assert len(shares) and ((shares["numerator"] > 0) & (shares["numerator"] < shares["denominator"])).all()
    psychiatric = cells[(cells["target_id"] == "behandling_alkohol_effekt") & (cells["dimension"] == "psychiatric_disability")]
    assert psychiatric.set_index("group").loc["true", "suppressed"]


def test_a_hidden_cell_never_says_why(published):
    """One reason for every hidden cell in the published files: 'all_or_none' would tell a reader the
    share is 0 % or 100 %, 'small_cell' that 1-4 have the trait. The precise rule stays in the results."""
    cells = published["subgroups"]
    assert set(cells.loc[cells["suppressed"], "reason"]) == {text("report.suppressed")}
    assert cells.loc[~cells["suppressed"], "reason"].isna().all()
    kept = published["kept"]
    psychiatric = kept[(kept["target_id"] == "behandling_alkohol_effekt") & (kept["by"] == "psychiatric_disability") & (kept["year"] == 2017)]
    assert psychiatric.set_index("group").loc["true", "suppression"] == "all_or_none"  # internal, never published
    for page in published["pages"].values():
        assert "all_or_none" not in page and "small_cell" not in page and "&lt;5" not in page


def _page_tables(page: str) -> dict[str, list[list[str]]]:
    """The subgroup tables of a page, by the dimension heading of their first column."""
    tables, _ = read_page(page)
    headings = {text(f"report.groups.{by}"): by for by in ("gender", "age_group", "psychiatric_disability", "ethnic_minority", "substance")}
    return {headings[t["rows"][0][0]]: t["rows"][1:] for t in tables if t["rows"] and t["rows"][0][0] in headings}


def _number(cell: str) -> float:
    return float(cell.replace("%", "").strip().replace(".", "").replace(",", "."))


def test_pages_show_nothing_the_tables_do_not_and_no_numerator_can_be_read_back(published):
    cells = published["subgroups"]
    for target_id, page in published["pages"].items():
        tables = _page_tables(page)
        expected = cells[cells["target_id"] == target_id]
        assert set(tables) == set(expected["dimension"]), target_id
        for dimension, rows in tables.items():
            csv = expected[expected["dimension"] == dimension].set_index("label")
            assert [r[0] for r in rows] == list(csv.index)
            for label, value, interval, *counted in rows:  # a count has no column of answers
                answers = counted[0] if counted else ""
                cell = csv.loc[label]
                if cell["suppressed"]:
                    assert {value, interval, *counted} == {"–"}, (target_id, dimension, label)
                    continue
                if target_id == "behandling_antal":
                    assert _number(value) == cell["numerator"] and not 1 <= cell["numerator"] <= MIN_CELL - 1
                    continue
                # what a reader can read back from the rounded percentage and the exact number of answers
                n = int(_number(answers))
                candidates = [x for x in range(n + 1) if abs(100 * x / n - _number(value)) <= 0.5]
                assert cell["numerator"] in candidates
                assert all(not _unsafe_share(x, n) for x in candidates), (target_id, dimension, label)
