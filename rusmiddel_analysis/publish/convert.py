"""An executed notebook as a self-contained HTML page: no code, no prompts, nothing from the network.

nbconvert's HTMLExporter with our template (present/templates/rusmiddel): one exporter per
language, made once with its language and never changed; conversions take turns on it (a lock),
since an exporter is not made for two threads at once.
"""

from __future__ import annotations

import copy
import re
import threading

from rusmiddel_analysis.config.paths import HIGH_RISK_PAGE, HOW_WE_CALCULATED_PAGE, TEMPLATES
from rusmiddel_analysis.present.statuses import stylesheet
from rusmiddel_analysis.present.textcatalog import text
from rusmiddel_analysis.publish.jobs import Job

REMOVED_CELL_TAGS = ("parameters", "injected-parameters", "analyst-only")
_EXPORTERS: dict[str, tuple] = {}  # language -> (exporter, its lock)
_MAKING = threading.Lock()


def page_title(strategy, job: Job, lang: str) -> str:
    from rusmiddel_analysis.present.status_report import status_title

    if job.kind == "status":
        return status_title(strategy, job.year, lang)
    if job.kind == "high_risk":
        return text("high_risk.title", lang, year=job.year)
    return text("report.target_title", lang, name=strategy.target(job.target_id).short_name(lang), year=job.year)


def page_links(job: Job, lang: str, pdf_name: str | None = None) -> list[dict]:
    """The page header's links: the front page, the year (from a target page and the high-risk
    page), the year's high-risk page and PDF (from the status page, the PDF when one is made)."""
    links = [{"href": "../index.html", "label": text("report.nav_front", lang)}]
    if job.kind != "status":
        links.append({"href": "index.html", "label": text("report.nav_year", lang, year=job.year)})
        return links
    links.append({"href": HIGH_RISK_PAGE, "label": text("high_risk.nav", lang, year=job.year)})
    if pdf_name:
        links.append({"href": pdf_name, "label": text("report.nav_pdf", lang, year=job.year)})
    links.append({"href": f"../{HOW_WE_CALCULATED_PAGE}", "label": text("document.how_we_calculated", lang)})
    return links


def print_stamp(lang: str) -> str:
    """The date a page was prepared, for the foot of each printed page (the version is said once, in
    the page's appendix)."""
    import datetime as dt

    from rusmiddel_analysis.present.formatting import date

    return text("report.prepared", lang, date=date(dt.date.today(), lang))


def html_exporter(lang: str) -> tuple:
    """The exporter for `lang` and its lock: no input code, no prompts, our network-free template."""
    with _MAKING:
        if lang not in _EXPORTERS:
            from nbconvert import HTMLExporter
            from nbconvert.preprocessors import TagRemovePreprocessor

            # only the preprocessor that drops tagged cells: the defaults are for code and its
            # highlighting, which a report page has none of, and each would validate the notebook again
            exporter = HTMLExporter(
                template_name="rusmiddel",
                extra_template_basedirs=[str(TEMPLATES)],
                language_code=lang,
                exclude_input=True,
                exclude_input_prompt=True,
                exclude_output_prompt=True,
                embed_images=True,
                default_preprocessors=[],
            )
            exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_CELL_TAGS), enabled=True), enabled=True)
            _EXPORTERS[lang] = (exporter, threading.Lock())
        return _EXPORTERS[lang]


def to_html(notebook, title: str, lang: str, links: list[dict]) -> str:
    """A self-contained HTML page of an executed notebook."""
    notebook = copy.deepcopy(notebook)
    notebook.metadata["title"] = title
    # markdown cells of analysts' notes are removed by tag; stderr (warnings) never reaches a reader
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    # the demo label is part of each notebook's own header (present/report.py), so it shows in JupyterLab too
    rusmiddel = {
        "links": links,
        "nav_label": text("report.nav_front", lang),
        "skip_label": text("report.skip_link", lang),
        "print_header": title,
        "print_stamp": print_stamp(lang),
        "status_css": stylesheet(),
    }
    resources = {"metadata": {"name": title}, "rusmiddel": rusmiddel}
    exporter, lock = html_exporter(lang)
    with lock:
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
    # CSS comments carry JupyterLab's credits with web addresses: a reader's page needs none of them
    return re.sub(r"/\*.*?\*/", "", body, flags=re.DOTALL)
