"""The privacy gate inside `rusmiddel report`: each kind of leak is planted and stopped."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pandas as pd
import pytest

from rusmiddel_analysis.calc import indicators
from rusmiddel_analysis.calc.results import compute_results
from rusmiddel_analysis.cli import main
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import fragments, report, status_report, target_report
from rusmiddel_analysis.present.published import MIME
from rusmiddel_analysis.present.textcatalog import text as catalogue_text
from rusmiddel_analysis.publish.privacy import Gate

from .test_batch import notebooks_with_cell

FAKE_CPR = "010190-1234"  # a date-shaped made-up number


@pytest.fixture(scope="module")
def gate(demo_dirs, strategy):
    _, processed = demo_dirs
    return Gate.for_run(strategy, compute_results(strategy, processed), processed, "da")


@pytest.mark.slow
def test_clean_pages_pass(gate, demo_report, strategy):
    for target in strategy.targets:
        html = (demo_report / "2017" / f"{target.id}.html").read_text()
        book = (demo_report / "2017" / "notebooks" / f"{target.id}.ipynb").read_text()
        assert gate.check(html, book) == [], target.id
    html = (demo_report / "2017" / "index.html").read_text()
    assert gate.check(html, (demo_report / "2017" / "notebooks" / "status_report.ipynb").read_text()) == []


@pytest.mark.slow
def test_cpr_numbers_and_ids_are_found_in_any_text(gate, demo_dirs):
    _, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[7]
    episode = pd.read_parquet(processed / "behandling_forloeb.parquet", columns=["episode_id"]).episode_id.iloc[3]
    assert [leak.kind for leak in gate.scan(f"<p>{FAKE_CPR}</p>")] == ["cpr"]
    assert [leak.kind for leak in gate.scan("<td>0101901234</td>")] == ["cpr"]
    assert gate.scan("<p>1234567890</p>") == []  # not a date: 12/34
    assert [leak.kind for leak in gate.scan(f"<td>{respondent}</td><td>{episode}</td>")] == ["identifier"]
    assert gate.scan(f"<td>{respondent}</td>")[0].count == 1


def rendered(*fragments) -> tuple[str, str]:
    """A page and its executed notebook, as `rusmiddel report` would hand them to the gate."""
    outputs = [nbformat.v4.new_output("display_data", data=f._repr_mimebundle_()) if hasattr(f, "_repr_mimebundle_") else f for f in fragments]
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report.subgroups()", outputs=outputs)])
    html = "".join(o["data"]["text/html"] if "data" in o else f"<pre>{''.join(o['text'])}</pre>" for o in outputs)
    return f"<html><body>{html}</body></html>", nbformat.writes(book)


HIDDEN_GROUP = ("age_group", "55+")  # a hidden row ("–") of a treatment page in the demo data


@pytest.fixture
def stoffer(demo_dirs, strategy):
    """A target page of a year whose age breakdown hides the group "55+" in the demo data (the latest
    such year: the demo's answers are drawn; a residual group, such as gender "other", is left out of
    the page instead of hidden: no row to tamper with)."""
    raw, processed = demo_dirs
    by, group = HIDDEN_GROUP
    ages = indicators.compute(strategy, processed, by=by)
    hidden = ages[(ages.year > strategy.years[0]) & (ages.group == group) & ages.suppressed]
    target_id, year = hidden.sort_values("year")[["target_id", "year"]].iloc[-1]
    return lambda: target_report.TargetReport(target_id, int(year), processed_dir=processed, status_dir=raw / "status")


def other_markup(headers, rows, caption="", row_headers=True, escape_cells=True, css_class=""):
    """Tables drawn another way than fragments.html_table: no thead, no scope, no classes, extra spans."""
    head = "<tr>" + "".join(f"<td><b>{html.escape(h)}</b></td>" for h in headers or []) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td><span>{c if not escape_cells else html.escape(c)}</span></td>" for c in r) + "</tr>" for r in rows)
    return f"<div><table>{head}{body}</table></div>"


@pytest.mark.slow
def test_a_leak_is_stopped_whatever_the_markup(gate, stoffer, strategy, monkeypatch):
    """A view that forgot disclosure control, with tables drawn in other markup: the gate reads the data."""
    monkeypatch.setattr(fragments, "html_table", other_markup)
    page, book = rendered(stoffer().subgroups())
    assert gate.check(page, book) == []  # other markup alone is fine

    def unprotected(table, partition, *rules_and_marks):
        return table.assign(suppressed=False, suppression="")

    monkeypatch.setattr(indicators, "suppress", unprotected)
    monkeypatch.setattr(report, "load_results", compute_results)  # computed now, with the forgetful code
    page, book = rendered(stoffer().subgroups())
    leaks = {leak.kind for leak in gate.check(page, book)}
    assert "suppressed" in leaks


def test_what_the_gate_cannot_account_for_stops_the_page(gate, stoffer):
    page, book = rendered(stoffer().subgroups())
    assert gate.check(page, book) == []
    # a table nobody declared (a DataFrame shown, a hand-made table)
    extra = page.replace("</body>", "<table><tr><td>55+</td><td>97 %</td></tr></table></body>")
    assert [leak.kind for leak in gate.check(extra, book)] == ["unaccounted"]
    # an output without a declaration (a print)
    page, book = rendered(stoffer().subgroups(), nbformat.v4.new_output("stream", name="stdout", text="55+ 97 %"))
    assert [leak.kind for leak in gate.check(page, book)] == ["unaccounted"]
    # a page whose table does not show what was declared: a hidden cell filled in on the page only
    page, book = rendered(stoffer().subgroups())
    hidden_row = re.search(r"<tr><th scope=\"row\">55\+</th>(?:<td[^>]*>–</td>){3}</tr>", page).group(0)
    filled = page.replace(hidden_row, re.sub(r"(<td[^>]*>)–</td>", r"\g<1>97 %</td>", hidden_row, count=1))
    assert [leak.kind for leak in gate.check(filled, book)] == ["unaccounted"]


def test_declared_cells_are_held_against_the_gates_own_tables(gate, stoffer):
    page, book = rendered(stoffer().subgroups())
    data = json.loads(book)
    declared = data["cells"][0]["outputs"][0]["data"][MIME]
    by, group = HIDDEN_GROUP
    row = next(c for t in declared["tables"] for c in t["cells"] if c and c["group"] == group and c["dimension"] == by)
    assert row["suppressed"] and row["value"] is None
    row.update(suppressed=False, numerator=6.0, denominator=13.0, value=46.2)  # a hidden cell declared as shown
    assert "suppressed" in {leak.kind for leak in gate.check(page, json.dumps(data))}
    row.update(suppressed=True, numerator=None, denominator=None, value=None, group="no-such-group")
    assert [leak.kind for leak in gate.check(page, json.dumps(data))] == ["unaccounted"]


def test_a_withheld_count_on_a_page_is_stopped(gate, demo_dirs):
    """2019's boys are shown on the hash page with their share and interval, their count withheld
    (the pupils answering "other" are left out): the page as made passes; the count printed in the
    row, or declared as published, stops it. The count is worked out here from the pupils."""
    raw, processed = demo_dirs
    pupils = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    boys = pupils[(pupils["year"] == 2019) & (pupils["gender"] == "male") & pupils["hash_ever"].notna()]
    answered, not_tried = len(boys), int((~boys["hash_ever"].astype(bool)).sum())
    report = target_report.TargetReport("skole_hash", 2019, processed_dir=processed, status_dir=raw / "status")
    page, book = rendered(report.subgroups())
    assert gate.check(page, book) == []
    row = re.search(r'<tr><th scope="row">drenge</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>(<td[^>]*>)–</td></tr>', page)
    assert row and row.group(1) == fmt.percent(100 * not_tried / answered)  # the share is shown, the count is not
    count = fmt.number(answered)
    shown = page.replace(row.group(0), row.group(0).replace(f"{row.group(3)}–</td>", f"{row.group(3)}{count}</td>"))
    assert [leak.kind for leak in gate.check(shown, book)] == ["unaccounted"]  # on the page only: not what was declared
    # a view that prints the count (its declaration then shows it too): a hidden number
    data = json.loads(book)
    declared = data["cells"][0]["outputs"][0]["data"][MIME]
    boys = lambda c: c and c["group"] == "male" and c["dimension"] == "gender"
    table, index = next((t, i) for t in declared["tables"] for i, c in enumerate(t["cells"]) if boys(c))
    table["rows"][index] = [count if text == "–" else text for text in table["rows"][index]]
    assert [leak.kind for leak in gate.check(shown, json.dumps(data))] == ["suppressed"]
    # ... or declares it as published
    cell = table["cells"][index]
    assert cell["denominator"] is None and cell["numerator"] is None and cell["value"] == pytest.approx(100 * not_tried / answered)
    cell.update(numerator=float(not_tried), denominator=float(answered))
    assert [leak.kind for leak in gate.check(shown, json.dumps(data))] == ["suppressed"]


@pytest.mark.slow
def test_report_command_stops_leaking_pages(demo_dirs, tmp_path, capsys):
    raw, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[0]
    faults = notebooks_with_cell(
        tmp_path,
        (
            "from IPython.display import HTML, display\n"
            # built at run time, so only the executed output (not the planted code) holds the number
            f"if target_id == 'skole_alkohol':\n    print('ring ' + '{FAKE_CPR[:6]}' + '{FAKE_CPR[6:]}')\n"
            "if target_id == 'skole_hash':\n    import pandas as pd\n"
            "    print(pd.read_parquet(processed_dir + '/ungeprofil_skole.parquet').respondent_id.iloc[0])\n"
            "if target_id == 'skole_stoffer':\n"
            '    display(HTML(\'<table><tr><th scope="col">Køn</th></tr><tr><th scope="row">andet</th><td>97 %</td></tr></table>\'))\n'
        ),
    )
    outputs = tmp_path / "outputs"
    code = main(
        [
            "report",
            "--year",
            "2017",
            "--processed",
            str(processed),
            "--status",
            str(raw / "status"),
            "--outputs",
            str(outputs),
            "--notebooks",
            str(faults),
            "--target",
            "skole_alkohol",
            "--target",
            "skole_hash",
            "--target",
            "skole_stoffer",
            "--target",
            "behandling_antal",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    # a print is an output without a declaration, so it is unaccounted for as well
    assert (
        "target skole_alkohol, 2017: privacy gate stopped the page: CPR-like numbers (1); "
        "tables, figures or numbers the gate cannot account for (1); nothing was written"
    ) in err
    assert "target skole_hash, 2017: privacy gate stopped the page: person-level identifiers from the raw data (1)" in err
    assert "target skole_stoffer, 2017: privacy gate stopped the page: tables, figures or numbers the gate cannot account for (" in err
    assert FAKE_CPR not in err and respondent not in err
    written = sorted(p.name for p in (outputs / "2017").glob("*.html"))
    assert written == ["behandling_antal.html"]
    assert not (outputs / "_failed").exists()  # a leaking notebook is not kept either


@pytest.mark.slow
def test_failure_messages_and_failed_notebooks_pass_the_gate_too(demo_dirs, tmp_path, capsys):
    raw, processed = demo_dirs
    respondent = pd.read_parquet(processed / "ungeprofil_skole.parquet", columns=["respondent_id"]).respondent_id.iloc[0]
    faults = notebooks_with_cell(
        tmp_path,
        (
            "import pandas as pd\n"
            "if target_id == 'skole_hash':\n"
            "    ids = pd.read_parquet(processed_dir + '/ungeprofil_skole.parquet').respondent_id\n"
            "    raise KeyError(ids.iloc[0])\n"
        ),
    )
    outputs = tmp_path / "outputs"
    assert (
        main(
            [
                "report",
                "--year",
                "2017",
                "--processed",
                str(processed),
                "--status",
                str(raw / "status"),
                "--outputs",
                str(outputs),
                "--notebooks",
                str(faults),
                "--target",
                "skole_hash",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "target skole_hash, 2017, cell 3: KeyError: (message withheld: it may hold personal data)" in err
    assert respondent not in err
    assert not (outputs / "_failed").exists()


def test_verdict_box_numbers_are_held_against_the_assessment(gate, demo_dirs):
    """The standardised share, bounds and rate in a verdict box are declared as the report year's
    assessment: the gate accepts them as computed and stops any other number."""
    raw, processed = demo_dirs
    report = target_report.TargetReport("skole_alkohol", 2017, processed_dir=processed, status_dir=raw / "status")
    page, book = rendered(report.verdict())
    assert gate.check(page, book) == []
    shown = report.assessment
    standardised = f"{shown.standardised_value:.1f}".replace(".", ",")
    assert standardised in page
    tampered = page.replace(standardised, "47,7", 1)
    assert tampered != page and [leak.kind for leak in gate.check(tampered, book)] == ["unaccounted"]
    # declared as shown, a number the assessment does not hold is stopped too
    data = json.loads(book)
    declared = data["cells"][0]["outputs"][0]["data"][MIME]
    cell = next(c for t in declared["tables"] for c in t["cells"] if c and c["kind"] == "assessment")
    cell["standardised_value"] = 47.7
    assert [leak.kind for leak in gate.check(page, json.dumps(data))] == ["unaccounted"]


def test_a_year_without_its_own_measurement_passes_the_gate(gate, demo_dirs):
    """2018: the youth survey was last measured in 2017, and the status table says so ("2017" in the
    measured column); the gate accounts for that year, and stops a page that claims another."""
    raw, processed = demo_dirs
    report = status_report.StatusReport(2018, processed_dir=processed, status_dir=raw / "status")
    page, book = rendered(report.table())
    assert gate.check(page, book) == []
    data = json.loads(book)
    declared = data["cells"][0]["outputs"][0]["data"][MIME]
    cell = next(c for t in declared["tables"] for c in t["cells"] if c and c.get("target_id") == "ungdom_hash")
    assert cell["measured_year"] == 2017 and cell["year"] == 2018
    cell["measured_year"] = 2018
    assert [leak.kind for leak in gate.check(page, json.dumps(data))] == ["unaccounted"]


def test_the_high_risk_page_is_held_against_the_gates_own_tables(gate, demo_dirs, demo_report):
    """The page passes as made; a hidden share of the distribution declared and shown is stopped, and
    so is a relative risk that is not the one computed."""
    from rusmiddel_analysis.present.high_risk_views import HighRiskReport

    html = (demo_report / "2017" / "high-risk.html").read_text()
    assert gate.check(html, (demo_report / "2017" / "notebooks" / "high_risk.ipynb").read_text()) == []
    raw, processed = demo_dirs
    report = HighRiskReport(2017, processed_dir=processed, status_dir=raw / "status")
    page, book = rendered(report.distribution())
    assert gate.check(page, book) == []
    data = json.loads(book)
    declared = data["cells"][0]["outputs"][0]["data"][MIME]
    row = next(cells for t in declared["tables"] for cells in t["cells"] if any(c["suppressed"] for c in cells))
    hidden = next(c for c in row if c["suppressed"])
    hidden.update(suppressed=False, numerator=3.0, value=0.2)
    assert "suppressed" in {leak.kind for leak in gate.check(page, json.dumps(data))}
    page, book = rendered(report.co_occurrence())
    shown = next(r for r in report.pairs.itertuples() if not r.suppressed)
    ratio = f"{shown.relative_risk:.1f}".replace(".", ",")
    tampered = re.sub(rf"(<td[^>]*>){re.escape(ratio)}</td>", r"\g<1>9,9</td>", page, count=1)
    assert tampered != page and [leak.kind for leak in gate.check(tampered, book)] == ["unaccounted"]


def test_a_number_of_behaviours_never_excuses_a_small_count():
    """A row of the distribution names its cells by a number of behaviours (0-4): a hidden cell's
    small count printed in the row is stopped even when it equals such a number."""
    from rusmiddel_analysis.present import published as pub
    from rusmiddel_analysis.publish.privacy import _key

    key = pub.key_of(pub.BEHAVIOUR_COUNTS, year=2017, dimension="grade", group="6", behaviours=3)
    truth = {**key, "suppressed": True, "partly_hidden": True, **dict.fromkeys(pub.SHARE_FIELDS)}
    gate = Gate(truth={_key(key): truth})
    declared = pub.cell(key, {"suppressed": True}, pub.SHARE_FIELDS)
    counts = {"suppressed": 0, "unaccounted": 0}
    gate._check_cell([declared], ["3"], counts)
    assert counts["suppressed"] == 1
    counts = {"suppressed": 0, "unaccounted": 0}
    gate._check_cell([declared], ["–"], counts)
    assert counts == {"suppressed": 0, "unaccounted": 0}


@pytest.fixture
def listener():
    """A local web server that records every request: the pages and the PDF renderer must send none."""
    import http.server
    import threading

    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b".rm-demo { display: none }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


SECRET_ROW = "SECRETROW-episode-E1-0101901234"


def test_the_pdf_renderer_reads_nothing_but_the_pages_own_figures(tmp_path, listener):
    """Markup that slipped past the sanitiser still fetches nothing and attaches nothing to the PDF."""
    import base64

    from rusmiddel_analysis.publish.pdf import RefusedAddress, figures_only_fetcher, html_to_pdf

    url, hits = listener
    secret = tmp_path / "forloeb.csv"
    secret.write_text(SECRET_ROW)
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>').decode()
    page = (
        f'<html><head><link rel="stylesheet" href="{url}/a.css"><link rel="attachment" href="{secret.as_uri()}">'
        f"<style>@import url({url}/b.css); p {{ background: url({secret.as_uri()}) }}</style></head><body><p>Tekst</p>"
        f'<a rel="attachment" href="{secret.as_uri()}">bilag</a><a rel="attachment" href="data:image/svg+xml;base64,{svg}">bilag 2</a>'
        f'<img src="{url}/i.png" alt=""><img src="{secret.as_uri()}" alt=""><img src="data:image/svg+xml;base64,{svg}" alt=""></body></html>'
    )
    pdf = html_to_pdf(page)
    assert hits == []
    assert b"/EmbeddedFile" not in pdf and b"/FileAttachment" not in pdf and SECRET_ROW.encode() not in pdf
    fetcher = figures_only_fetcher()
    assert fetcher(f"data:image/svg+xml;base64,{svg}").read().startswith(b"<svg")  # our figures are served
    for refused in (secret.as_uri(), f"{url}/a.css", "data:text/css;base64,cCB7fQ==", "data:text/html,<b>x</b>"):
        with pytest.raises(RefusedAddress):
            fetcher(refused)
    assert hits == []


@pytest.mark.slow
def test_a_status_file_cannot_put_markup_into_the_page_or_the_pdf(demo_dirs, tmp_path, strategy, listener):
    """Every vector an attacker used, in the analysts' status file: none reaches the page's markup, the
    PDF fetches nothing and attaches nothing, and the demo banner stays in the PDF's text."""
    from rusmiddel_analysis.publish.jobs import Settings, describe_failure, pdf_name
    from rusmiddel_analysis.publish.run import run

    from .test_report import pdf_pages
    from .test_status_text import ATTACKS, elements

    url, hits = listener
    secret = tmp_path / "forloeb.csv"
    secret.write_text(SECRET_ROW)
    status = tmp_path / "status"
    status.mkdir()
    attacks = ATTACKS.replace("http://127.0.0.1:9", url).replace("file:///etc/passwd", secret.as_uri())
    (status / "2017.md").write_text(attacks + f'\n<link rel="attachment" href="{secret.as_uri()}">\n', encoding="utf-8")
    _, processed = demo_dirs
    outputs = tmp_path / "outputs"
    summary = run(strategy, Settings(processed_dir=processed, status_dir=status, outputs_dir=outputs), years=[2017], targets=None)
    assert not summary.failures, [describe_failure(f) for f in summary.failures]
    page = (outputs / "2017" / "index.html").read_text(encoding="utf-8")
    tags = elements(page)
    assert not [t for t, _ in tags if t in ("script", "iframe", "form", "input", "link", "object", "embed")]
    assert all(a["src"].startswith("data:image/svg+xml;base64,") for t, a in tags if t == "img")  # our figures only
    assert [a for t, a in tags if t == "meta"] == [{"charset": "utf-8"}, {"name": "viewport", "content": "width=device-width, initial-scale=1.0"}]
    assert [t for t, _ in tags].count("style") == 1  # the page's own stylesheet, no analyst's
    for tag, attrs in tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith(("javascript:", "file:", "data:")), attrs
        assert "attachment" not in (attrs.get("rel") or ""), attrs
        assert "style" not in attrs, (tag, attrs)
    assert [t for t, a in tags if a.get("id") == "main"] == ["main"]  # the skip link's target is the page's own
    pdf = (outputs / "2017" / pdf_name(strategy, 2017)).read_bytes()
    assert hits == []
    assert b"/EmbeddedFile" not in pdf and SECRET_ROW.encode() not in pdf
    first = re.sub(r"\s+", " ", pdf_pages(outputs / "2017" / pdf_name(strategy, 2017))[0])
    assert "Syntetiske demodata" in first


def machine_folders(tmp_path_factory) -> list[str]:
    """Folders of this machine no published file may name: the tests' temporary folder (which holds
    the data and outputs), the user's home, the repository and Python's."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return [str(tmp_path_factory.getbasetemp().resolve()), str(Path.home()), str(root), sys.prefix]


def published_text(path) -> str:
    """Everything a published file says, as text: a workbook's sheets unzipped, a PDF's text too; images left out."""
    import zipfile

    from rusmiddel_analysis.publish.privacy import DATA_URI

    from .test_report import pdf_pages

    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    text = path.read_bytes().decode("utf-8", "replace")
    if path.suffix == ".pdf":
        text += "\n".join(pdf_pages(path))
    return DATA_URI.sub(" ", text)


def test_no_published_file_names_a_folder_of_this_machine(demo_report, tmp_path_factory):
    """Executed notebooks carry relative paths (papermill's parameters, its input path), and so does every page."""
    folders = machine_folders(tmp_path_factory)
    files = [p for p in demo_report.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.suffix == ".pdf" for p in files)
    for path in files:
        text = published_text(path)
        assert not [folder for folder in folders if folder in text], path
    book = json.loads((demo_report / "2017" / "notebooks" / "status_report.ipynb").read_text())
    papermill = book["metadata"]["papermill"]
    assert papermill["parameters"]["processed_dir"] == "processed" and papermill["parameters"]["status_dir"] == "raw/status"
    assert papermill["input_path"] == "status_report.ipynb" and papermill["output_path"] is None


@pytest.mark.slow
def test_a_failing_reports_traceback_and_message_name_no_folder_of_this_machine(demo_dirs, tmp_path, tmp_path_factory, capsys):
    raw, processed = demo_dirs
    faults = notebooks_with_cell(
        tmp_path,
        (
            "import os\nimport pandas as pd\n"
            "if target_id == 'skole_alkohol':\n    open(os.path.expanduser('~/rusmiddel-no-such-file.txt'))\n"
            "if target_id == 'skole_hash':\n    pd.read_parquet(os.path.abspath(processed_dir) + '/no-such-file.parquet')\n"
        ),
    )
    outputs = tmp_path / "outputs"
    paths = ["--processed", str(processed), "--status", str(raw / "status"), "--outputs", str(outputs), "--notebooks", str(faults)]
    assert main(["report", "--year", "2017", "--target", "skole_alkohol", "--target", "skole_hash", *paths]) == 1
    err = capsys.readouterr().err
    assert "FileNotFoundError: [Errno 2] No such file or directory: '~/rusmiddel-no-such-file.txt'" in err
    assert "processed/no-such-file.parquet" in err
    kept = sorted((outputs / "_failed" / "2017").glob("*.ipynb"))
    assert [p.name for p in kept] == ["skole_alkohol.ipynb", "skole_hash.ipynb"]
    assert "pandas/io/parquet.py" in kept[1].read_text()  # the traceback kept, its frames relative
    said = "\n".join(line for line in err.splitlines() if "failing notebook:" not in line)  # where it was kept: the user's own terminal
    for text in [said, *(p.read_text() for p in kept)]:
        assert not [folder for folder in machine_folders(tmp_path_factory) if folder in text]


def test_the_gate_stops_a_page_naming_a_folder_of_this_machine():
    from rusmiddel_analysis.publish.privacy import describe, without_machine_paths

    gate = Gate(machine_paths=("/home/anna.jensen", "/srv/rusmiddel/data/processed"))
    assert describe(gate.scan("<p>see /home/anna.jensen/status.md</p>")) == "absolute paths of this machine (1)"
    assert gate.scan("<p>'/srv/rusmiddel/data/processed'</p>")[0].kind == "path"
    assert gate.scan('<img src="data:image/png;base64,QUJD/home/anna.jensen/QUJD">') == []  # image data, not a path
    assert gate.scan("<p>/home/anna.jensenx and /opt/home/anna.jensen/x</p>") == []  # another folder, not this one
    roots = {"/home/anna.jensen": "~", "/srv/rusmiddel/data/processed": "data/processed"}
    assert without_machine_paths("open('/home/anna.jensen/a.md') in /srv/rusmiddel/data/processed", roots) == "open('~/a.md') in data/processed"


def test_the_comparison_is_held_against_the_gates_own_tables(gate, demo_dirs, demo_report):
    """A target page with other areas' lines and the difference in differences passes as made; an
    area's figure or a difference that is not the one computed is stopped, on the page or in the
    declaration, and so is a difference declared for another compared year."""
    html = (demo_report / "2017" / "skole_hash.html").read_text()
    assert "Sammenligning med andre områder" in html
    assert gate.check(html, (demo_report / "2017" / "notebooks" / "skole_hash.ipynb").read_text()) == []
    raw, processed = demo_dirs
    report = target_report.TargetReport("skole_hash", 2017, processed_dir=processed, status_dir=raw / "status")
    page, book = rendered(report.trend(), report.comparison())
    assert gate.check(page, book) == []
    difference = re.search(r"(<td[^>]*>)([+-]\d+,\d)</td>", page)  # the first signed change of the differences table
    tampered = page.replace(difference.group(0), f"{difference.group(1)}+9,9</td>", 1)
    assert tampered != page and [leak.kind for leak in gate.check(tampered, book)] == ["unaccounted"]
    start = page.index(catalogue_text("comparators.figures_caption", first=2015, last=2017))
    figure = re.search(r"(<td[^>]*>)(\d+,\d)(\u00a0%)", page[start:])  # an area's published figure
    tampered = page[:start] + page[start:].replace(figure.group(0), f"{figure.group(1)}12,3{figure.group(3)}", 1)
    assert tampered != page and [leak.kind for leak in gate.check(tampered, book)] == ["unaccounted"]
    data = json.loads(book)
    declared = [c for output in data["cells"][0]["outputs"] for t in output["data"][MIME]["tables"] for c in t["cells"]]
    comparator = next(c for row in declared if isinstance(row, list) for c in row if c["kind"] == "comparators")
    comparator["value"] += 1
    assert [leak.kind for leak in gate.check(page, json.dumps(data))] == ["unaccounted"]
    comparator["value"] -= 1
    said = next(c for c in declared if isinstance(c, dict) and c["kind"] == "differences")
    said["year"] -= 1
    assert [leak.kind for leak in gate.check(page, json.dumps(data))] == ["unaccounted"]


def _one_row_gate(value: float, lang: str) -> tuple[Gate, dict]:
    """A gate whose truth is one published share of a breakdown (`value`, in percent), and the declared
    cell a view shows it from."""
    from rusmiddel_analysis.present import published as pub
    from rusmiddel_analysis.publish.privacy import _key

    key = pub.key_of(pub.SUBGROUPS, target_id="skole_hash", year=2017, dimension="gender", group="female")
    numbers = {"numerator": 1234.0, "denominator": 10000.0, "value": value, "ci_low": None, "ci_high": None}
    truth = {**key, "suppressed": False, "partly_hidden": False, **numbers}
    return Gate(truth={_key(key): truth}, lang=lang), pub.cell(key, numbers, pub.SHARE_FIELDS)


def _one_row_page(cell: dict, *texts: str):
    """A page and notebook showing one row of `texts` for `cell`, declared by the fragment builder."""
    table = fragments.Builder().table("subgroups", ["Køn", "Andel", "Elever"], [["piger", *texts]], [cell]).build()
    return rendered(table)


def _as_shown(cell: dict, text: str, field: str = "value", format: str = "value", **args) -> fragments.Text:
    """A cell text a view made its own way, declared as the formatting call `format` of `field` gave it."""
    from rusmiddel_analysis.present.published import Shown

    return fragments.Text.made(text, [(cell, Shown((field,), format, args, text))])


def test_a_number_shown_is_compared_as_the_formatter_writes_the_truth():
    """12.34 % to one decimal is '12,3 %': the page passes. A view that rounds it its own way
    ('12,4 %'), declared as the same call, is stopped; so is a declaration that says '12,3 %' beside
    a cell that shows '12,4 %', and a count shown that no declared call made."""
    gate, cell = _one_row_gate(12.34, "da")
    share = fragments.show(cell, "value", "value", "da", unit="percent", decimals=1)
    count = fragments.show(cell, "denominator", "number", "da")
    assert (str(share), str(count)) == ("12,3\u00a0%", "10.000")
    assert gate.check(*_one_row_page(cell, share, count)) == []
    rounded_up = _as_shown(cell, "12,4\u00a0%", unit="percent", decimals=1)
    assert [leak.kind for leak in gate.check(*_one_row_page(cell, rounded_up, count))] == ["unaccounted"]
    said_otherwise = fragments.Text.made("12,4\u00a0%", share.numbers)
    assert [leak.kind for leak in gate.check(*_one_row_page(cell, said_otherwise, count))] == ["unaccounted"]
    assert [leak.kind for leak in gate.check(*_one_row_page(cell, share, "1.234"))] == ["unaccounted"]  # the numerator, never declared
    # the same number with another formatting call than the one declared: '12 %' is not what 'decimals=1' writes
    assert [leak.kind for leak in gate.check(*_one_row_page(cell, _as_shown(cell, "12\u00a0%", unit="percent", decimals=1), count))] == [
        "unaccounted"
    ]


def test_an_english_page_is_read_with_the_languages_own_separators():
    """In English Babel writes '12.3%' and '10,000': the gate formats its truth the same way, reads
    '10,000' as one number (not 10 and 000), and stops a Danish-written or changed number."""
    gate, cell = _one_row_gate(12.34, "en")
    share = fragments.show(cell, "value", "value", "en", unit="percent", decimals=1)
    count = fragments.show(cell, "denominator", "number", "en")
    assert (str(share), str(count)) == ("12.3%", "10,000")
    assert gate.check(*_one_row_page(cell, share, count)) == []
    for wrong in ("12,3%", "12.4%"):
        shown = _as_shown(cell, wrong, unit="percent", decimals=1)
        assert [leak.kind for leak in gate.check(*_one_row_page(cell, shown, count))] == ["unaccounted"], wrong
    assert [leak.kind for leak in gate.check(*_one_row_page(cell, share, joined_count(count, "1,234")))] == ["unaccounted"]
    assert fmt.numbers_in("10,000 (44-46%) +8.0 -2.5", "en") == ["10,000", "44", "46", "+8.0", "-2.5"]
    assert fmt.numbers_in("10.000 (44-46 %) +8,0 -2,5", "da") == ["10.000", "44", "46", "+8,0", "-2,5"]


def joined_count(count: fragments.Text, extra: str) -> fragments.Text:
    """A declared count with an undeclared number beside it in the same cell."""
    return fragments.joined(count, " / ", extra)


def test_an_english_target_page_passes_and_a_changed_number_is_stopped(gate, demo_dirs):
    """The same views in English: the gate of an English run accounts for every number of the page as
    Babel writes it in English, and stops a number changed on the page and in the declaration alike."""
    import dataclasses

    raw, processed = demo_dirs
    english = dataclasses.replace(gate, lang="en")
    report = target_report.TargetReport("skole_hash", 2017, processed_dir=processed, status_dir=raw / "status", lang="en")
    page, book = rendered(report.verdict(), report.trend(), report.subgroups())
    assert english.check(page, book) == []
    assert "unaccounted" in {leak.kind for leak in gate.check(page, book)}  # read as Danish, the English numbers are not the truth's
    value = fmt.value(report.rows.iloc[-1]["value"], "percent", "en", 1)
    assert f">{value}</td>" in page
    data = json.loads(book)
    tables = [t for output in data["cells"][0]["outputs"] for t in output["data"][MIME]["tables"]]
    trend = next(t for t in tables if t["rows"] and t["rows"][-1][1] == value)
    changed = fmt.value(report.rows.iloc[-1]["value"] + 0.1, "percent", "en", 1)
    trend["rows"][-1][1] = changed
    next(n for n in trend["shown"][-1] if n["fields"] == ["value"])["text"] = changed
    tampered = page.replace(f">{value}</td>", f">{changed}</td>", 1)
    assert [leak.kind for leak in english.check(tampered, json.dumps(data))] == ["unaccounted"]


def test_a_number_of_a_cell_its_row_does_not_declare_is_refused_without_saying_it():
    declared = {"kind": "totals", "target_id": "t", "year": 2017, "group": "all", "value": 12.34}
    other = {**declared, "value": 3.0}
    shown = fragments.show(other, "value", "percent", "da")
    with pytest.raises(ValueError, match=r"column 2 of a table's row shows a number of a cell the row does not declare") as raised:
        fragments.Builder().table("totals", ["år", "andel"], [["2017", shown]], [declared])
    assert "3" not in str(raised.value).replace("column 2", "")
