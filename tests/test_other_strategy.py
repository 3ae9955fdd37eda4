"""A second municipality's strategy (tests/strategies/, not Aalborg's) through the whole chain:
demo data made for it, processing, every report, with its own names, settings and wording."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pandas as pd
import pytest

from rusmiddel_analysis.calc.indicators import compute
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.config.strategy import load_strategy

pytestmark = pytest.mark.slow  # runs notebooks and reports end to end: `make test`, not `make check`

OTHER = Path(__file__).parent / "strategies" / "rusmiddelpolitik-demo-kommune-2017-2019.yaml"
# what only Aalborg's strategy and settings would put on a page
AALBORG_WORDS = ("Aalborg", "Familie- og Social", "Rusmiddelstrategien", "95\u00a0%-konfidensinterval", "99,8", "1-4 personer", "<5")


@pytest.fixture(scope="module")
def other():
    return load_strategy(OTHER)


@pytest.fixture(scope="module")
def other_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("other")
    strategy = ["--strategy", str(OTHER)]
    assert main([*strategy, "demo-data", "--raw", str(root / "raw")]) == 0
    assert main([*strategy, "process", "--raw", str(root / "raw"), "--processed", str(root / "processed")]) == 0
    report = ["report", "--processed", str(root / "processed"), "--status", str(root / "raw" / "status"), "--outputs", str(root / "out")]
    assert main([*strategy, *report]) == 0
    return root


def visible(html: str) -> str:
    html = re.sub(r"<style.*?</style>|<img[^>]*>", " ", html, flags=re.S)
    return re.sub(r"[ \t\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_demo_data_follow_the_strategys_years_and_headings(other_run, other):
    processed = other_run / "processed"
    assert sorted(pd.read_parquet(processed / "ungeprofil_skole.parquet")["year"].unique()) == [2016, 2017, 2018, 2019]
    assert sorted(pd.read_parquet(processed / "ungeprofil_ungdom.parquet")["year"].unique()) == [2017, 2019]
    status = other_run / "raw" / "status"
    assert not (status / "2017.md").exists()  # never another strategy's text
    template = (status / "TEMPLATE.md").read_text(encoding="utf-8")
    for heading in [*(c.name("da") for c in other.core_efforts), *(f.name("da") for f in other.focus_areas)]:
        assert heading in template


def test_demo_data_reproduce_the_strategys_baselines(other_run, other):
    table = compute(other, other_run / "processed")
    for target in other.targets:
        row = table[(table.target_id == target.id) & (table.year == target.baseline_year) & (table.group == "all")].iloc[0]
        # a count and a register's shares are the profile's; a survey's share is drawn around the baseline
        survey = target.indicator["type"] == "share"
        tolerance = 0 if target.unit == "persons" else (row.ci_high - row.ci_low if survey else 0.6)
        assert row.value == pytest.approx(target.baseline_value, abs=tolerance), target.id


def test_demo_comparators_are_derived_from_the_strategys_own_targets(other_run, other):
    """Every target gets the country's and the region's invented figures over its own years; a count
    grows by the profile's derived rate, and the comparisons can be made from them."""
    from rusmiddel_analysis.calc.results import load_results
    from rusmiddel_analysis.ingest.demo import load_profile

    figures = pd.read_parquet(other_run / "processed" / "sammenligning.parquet")
    assert set(figures["target_id"]) == set(other.target_ids)
    assert figures["year"].between(other.years[0], other.period_end).all()
    growth = load_profile()["sammenligning"]["derived_count_growth"]
    starts = figures[(figures["target_id"] == "borgere_i_behandling") & (figures["area"] == "Hele landet")].set_index("year")["value"]
    assert starts[2019] / starts[2016] == pytest.approx((1 + growth) ** 3, rel=0.01)
    differences = load_results(other, other_run / "processed").difference("borgere_i_behandling", 2019)
    assert list(differences["area"]) == ["Hele landet", "Region Nordjylland"] and (differences["unit"] == "percent").all()


def test_pages_use_the_strategys_names_settings_and_wording(other_run, other):
    pages = sorted((other_run / "out").rglob("*.html"))
    # front page, methods and "Sådan har vi regnet"; per year the status, the high-risk page and every target
    assert len(pages) == 3 + 4 * (2 + len(other.targets))
    for page in (p for p in pages if p.name != "methodology.html"):  # the package's own methods document aside
        words = visible(page.read_text(encoding="utf-8"))
        assert not [w for w in AALBORG_WORDS if w in words], page
    words = visible((other_run / "out" / "2019" / "elever_alkohol.html").read_text(encoding="utf-8"))
    assert "Målet for 2019 er højst 52\u00a0%" in words  # an "at most" goal in its own words
    assert "90\u00a0%-konfidensinterval" in words and "99\u00a0%-niveau" in words
    assert "under 25 besvarelser eller med 1-5 personer i en celle" in words and "<6" not in words  # one mark for every hidden cell
    assert "Rusmiddelpolitik for Demo Kommune 2017-2019" in words
    status = visible((other_run / "out" / "2019" / "index.html").read_text(encoding="utf-8"))
    assert "66\u00a0% (2017)" in status and "58\u00a0% (2016)" in status  # each baseline with its own year


def test_a_target_before_its_own_baseline_is_not_called_a_baseline(other_run, other):
    from rusmiddel_analysis.calc.assessment import assess

    table = compute(other, other_run / "processed")
    row = assess(other, table, 2016).set_index("target_id").loc["unge_drikker_ofte"]
    assert (row.status, row.data_quality) == ("insufficient_data", "before_baseline:2017")
    words = visible((other_run / "out" / "2016" / "unge_drikker_ofte.html").read_text(encoding="utf-8"))
    assert "målet har først udgangspunkt i 2017" in words


def test_reports_refuse_processed_data_of_another_strategy(other_run, capsys):
    args = ["report", "--processed", str(other_run / "processed"), "--status", str(other_run / "raw" / "status")]
    assert main([*args, "--outputs", str(other_run / "wrong")]) == 2
    err = capsys.readouterr().err
    assert "were made for strategy 'rusmiddelpolitik-demo-kommune-2017-2019', not 'rusmiddelstrategi-2016-2019'" in err
    assert not (other_run / "wrong").exists()


def test_an_analyst_opening_a_report_gets_the_first_target_and_latest_year(other_run, other):
    from rusmiddel_analysis.present.status_report import StatusReport
    from rusmiddel_analysis.present.target_report import TargetReport

    report = TargetReport(processed_dir=other_run / "processed", status_dir=other_run / "raw" / "status", strategy_file=OTHER)
    assert (report.target.id, report.year) == (other.targets[0].id, 2019)
    assert StatusReport(processed_dir=other_run / "processed", status_dir=other_run / "raw" / "status", strategy_file=OTHER).year == 2019


def test_targets_table_puts_each_baseline_year_beside_its_value(other, capsys):
    assert main(["--strategy", str(OTHER), "targets"]) == 0
    out = capsys.readouterr().out
    assert "Udgangspunkt" in out and "Status 2016" not in out
    assert re.search(r"unge_drikker_ofte\s+Ungdomsuddannelser\s+højst\s+66\u00a0% \(2017\)\s+60\u00a0%", out)


def test_several_strategies_in_one_run_each_in_its_own_folder(other_run, demo_dirs, strategy, tmp_path, capsys):
    import shutil

    _, aalborg_processed = demo_dirs
    for source, strategy_id in ((aalborg_processed, strategy.id), (other_run / "processed", "rusmiddelpolitik-demo-kommune-2017-2019")):
        shutil.copytree(source, tmp_path / "processed" / strategy_id)
    args = ["--strategy", str(strategy.path), "--strategy", str(OTHER), "report", "--year", "2019"]
    folders = ["--processed", str(tmp_path / "processed"), "--status", str(tmp_path / "status"), "--outputs", str(tmp_path / "out")]
    assert main([*args, *folders]) == 0
    out = tmp_path / "out"
    for strategy_id, n_targets in ((strategy.id, len(strategy.targets)), ("rusmiddelpolitik-demo-kommune-2017-2019", 6)):
        year = out / strategy_id / "2019"
        assert len(list(year.glob("*.html"))) == 2 + n_targets and (out / strategy_id / "index.html").exists()
    assert not (out / "2019").exists()  # never one strategy's pages beside another's
    front = visible((out / "index.html").read_text(encoding="utf-8"))
    assert "Rusmiddelstrategien 2016-2019 Aalborg Kommune 2016-2019 2019" in front
    assert "Rusmiddelpolitik for Demo Kommune 2017-2019 Demo Kommune 2017-2019 2019" in front
    assert 'href="rusmiddelpolitik-demo-kommune-2017-2019/index.html"' in (out / "index.html").read_text(encoding="utf-8")
    # a command that reads one strategy says so
    assert main(["--strategy", str(strategy.path), "--strategy", str(OTHER), "targets"]) == 2
    assert "only 'report' takes several --strategy files" in capsys.readouterr().err


def test_a_later_period_gets_demo_data_for_its_own_years(tmp_path, capsys):
    """Aalborg's file moved to 2021-2024 under a new id: demo data for 2020-2024, every year assessed."""
    import yaml

    raw = yaml.safe_load(Path(load_strategy().path).read_text(encoding="utf-8"))
    raw["strategy"].update(id="rusmiddelstrategi-2021-2024", period={"start": 2021, "end": 2024})
    raw["strategy"]["milestones"] = [{**m, "year": m["year"] + 5} for m in raw["strategy"]["milestones"]]
    raw["method_breaks"] = [{**b, "year": 2022} for b in raw["method_breaks"]]
    for target in raw["targets"]:
        target["baseline"]["year"], target["target"]["year"] = 2020, 2024
    path = tmp_path / "strategy-2021-2024.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    strategy = ["--strategy", str(path)]
    assert main([*strategy, "demo-data", "--raw", str(tmp_path / "raw")]) == 0
    assert main([*strategy, "process", "--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "processed")]) == 0
    pupils = pd.read_parquet(tmp_path / "processed" / "ungeprofil_skole.parquet")
    assert sorted(pupils["year"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert not (tmp_path / "raw" / "status" / "2017.md").exists()
    capsys.readouterr()
    assert main([*strategy, "assess", "--processed", str(tmp_path / "processed"), "--year", "2024"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert len(table) == 10 and set(table["year"]) == {2024} and table["status"].notna().all()
    first = compute(load_strategy(path), tmp_path / "processed")
    baseline = first[(first.year == 2020) & (first.group == "all")].set_index("target_id")
    # the count is the profile's; a survey's share is drawn around the baseline, within its own interval's width
    school = baseline.loc["skole_alkohol"]
    assert baseline.loc["behandling_antal", "value"] == 611 and abs(school["value"] - 41) <= school["ci_high"] - school["ci_low"]
