"""The privacy gate inside `rusmiddel report`: each kind of leak is planted and stopped."""

from __future__ import annotations

import pandas as pd
import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.privacy import Gate, notebook_text

from .test_batch import notebooks_with_cell

FAKE_CPR = "010190-1234"  # a date-shaped made-up number


@pytest.fixture(scope="module")
def gate(demo_dirs, strategy):
    _, processed = demo_dirs
    return Gate.for_run(strategy, processed, "da")


def test_clean_pages_pass(gate, demo_report, strategy):
    for target in strategy.targets:
        html = (demo_report / "2017" / f"{target.id}.html").read_text()
        assert gate.scan(html, target.id, 2017) == []
        book = (demo_report / "2017" / "notebooks" / f"{target.id}.ipynb").read_text()
        assert gate.scan(notebook_text(book), target.id, 2017) == []
    assert gate.scan((demo_report / "2017" / "index.html").read_text()) == []


def test_each_kind_of_leak_is_found(gate, demo_dirs):
    _, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[7]
    episode = pd.read_parquet(processed / "behandling_forloeb.parquet", columns=["episode_id"]).episode_id.iloc[3]
    assert [leak.kind for leak in gate.scan(f"<p>{FAKE_CPR}</p>")] == ["cpr"]
    assert [leak.kind for leak in gate.scan("<td>0101901234</td>")] == ["cpr"]
    assert gate.scan("<p>1234567890</p>") == []  # not a date: 12/34
    assert [leak.kind for leak in gate.scan(f"<td>{respondent}</td><td>{episode}</td>")] == ["identifier"]
    assert gate.scan(f"<td>{respondent}</td>")[0].count == 1
    table = '<table><thead><tr><th scope="col">Køn</th><th scope="col">Seneste måling</th></tr></thead>{}</table>'
    leak = table.format('<tr><th scope="row">andet</th><td>97 %</td><td>90-99 %</td><td>23</td></tr>')
    assert [leak.kind for leak in gate.scan(leak, "skole_stoffer", 2017)] == ["suppressed"]
    hidden = table.format('<tr><th scope="row">andet</th><td>–</td><td>–</td><td>–</td></tr>')
    assert gate.scan(hidden, "skole_stoffer", 2017) == []
    # the same label in another breakdown is not the hidden cell
    assert gate.scan(leak.replace(">Køn<", ">Klassetrin<"), "skole_stoffer", 2017) == []
    assert [leak.kind for leak in gate.scan('<img alt="Figur: x fordelt på køn i 2017: andet 97 %">', "skole_stoffer", 2017)] == ["suppressed"]
    assert gate.scan('<img alt="Figur: x fordelt på køn i 2017: andet skjult">', "skole_stoffer", 2017) == []


def test_report_command_stops_leaking_pages(demo_dirs, tmp_path, capsys):
    raw, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[0]
    faults = notebooks_with_cell(tmp_path, (
        "from IPython.display import HTML, display\n"
        # built at run time, so only the executed output (not the planted code) holds the number
        f"if target_id == 'skole_alkohol':\n    print('ring ' + '{FAKE_CPR[:6]}' + '{FAKE_CPR[6:]}')\n"
        "if target_id == 'skole_hash':\n    import pandas as pd\n"
        "    print(pd.read_parquet(processed_dir + '/ungeprofil_skole.parquet').respondent_id.iloc[0])\n"
        "if target_id == 'skole_stoffer':\n"
        "    display(HTML('<table><tr><th scope=\"col\">Køn</th></tr><tr><th scope=\"row\">andet</th><td>97 %</td></tr></table>'))\n"))
    outputs = tmp_path / "outputs"
    code = main(["report", "--year", "2017", "--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs),
                 "--notebooks", str(faults), "--target", "skole_alkohol", "--target", "skole_hash", "--target", "skole_stoffer",
                 "--target", "behandling_antal"])
    err = capsys.readouterr().err
    assert code == 1
    assert "target skole_alkohol, 2017: privacy gate stopped the page: CPR-like numbers (1); nothing was written" in err
    assert "target skole_hash, 2017: privacy gate stopped the page: person-level identifiers from the raw data (1)" in err
    assert "target skole_stoffer, 2017: privacy gate stopped the page: values that disclosure control hid (" in err
    assert FAKE_CPR not in err and respondent not in err
    written = sorted(p.name for p in (outputs / "2017").glob("*.html"))
    assert written == ["behandling_antal.html"]
    assert not (outputs / "_failed").exists()  # a leaking notebook is not kept either


def test_failure_messages_and_failed_notebooks_pass_the_gate_too(demo_dirs, tmp_path, capsys):
    raw, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[0]
    faults = notebooks_with_cell(tmp_path, (
        "import pandas as pd\n"
        "if target_id == 'skole_hash':\n"
        "    ids = pd.read_parquet(processed_dir + '/ungeprofil_skole.parquet').respondent_id\n"
        "    raise KeyError(ids.iloc[0])\n"))
    outputs = tmp_path / "outputs"
    assert main(["report", "--year", "2017", "--processed", str(processed), "--status", str(raw / "status"),
                 "--outputs", str(outputs), "--notebooks", str(faults), "--target", "skole_hash"]) == 1
    err = capsys.readouterr().err
    assert "target skole_hash, 2017, cell 3: KeyError: (message withheld: it may hold personal data)" in err
    assert respondent not in err
    assert not (outputs / "_failed").exists()
