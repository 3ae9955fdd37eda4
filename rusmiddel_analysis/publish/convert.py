"""An executed notebook as a self-contained HTML page: no code, no prompts, nothing from the network.

nbconvert's HTMLExporter with our template (present/templates/rusmiddel). Each thread keeps its
own exporter per language, so parallel workers never share or change one.
"""

from __future__ import annotations

import copy
import re
import threading

from rusmiddel_analysis.config.paths import TEMPLATES
from rusmiddel_analysis.present.textcatalog import text
from rusmiddel_analysis.publish.jobs import Job

REMOVED_CELL_TAGS = ("parameters", "injected-parameters", "analyst-only")
_LOCAL = threading.local()


def page_title(strategy, job: Job, lang: str) -> str:
    if job.kind == "status":
        return text("report.year_title", lang, strategy=strategy.name(lang), year=job.year)
    return text("report.target_title", lang, name=strategy.target(job.target_id).short_name(lang), year=job.year)


def page_links(job: Job, lang: str) -> list[dict]:
    links = [{"href": "../index.html", "label": text("report.nav_front", lang)}]
    if job.kind == "target":
        links.append({"href": "index.html", "label": text("report.nav_year", lang, year=job.year)})
    return links


def html_exporter(lang: str):
    """This thread's exporter for `lang`: no input code, no prompts, our network-free template."""
    exporters = _LOCAL.__dict__.setdefault("exporters", {})
    if lang not in exporters:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="rusmiddel", extra_template_basedirs=[str(TEMPLATES)], language_code=lang,
                                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
        exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_CELL_TAGS), enabled=True), enabled=True)
        exporters[lang] = exporter
    return exporters[lang]


def to_html(notebook, title: str, lang: str, links: list[dict]) -> str:
    """A self-contained HTML page of an executed notebook."""
    notebook = copy.deepcopy(notebook)
    notebook.metadata["title"] = title
    # markdown cells of analysts' notes are removed by tag; stderr (warnings) never reaches a reader
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    # the demo label is part of each notebook's own header (views.py), so it shows in JupyterLab too
    resources = {"metadata": {"name": title}, "rusmiddel": {"links": links, "nav_label": text("report.nav_front", lang)}}
    body, _ = html_exporter(lang).from_notebook_node(notebook, resources=resources)
    # CSS comments carry JupyterLab's credits with web addresses: a reader's page needs none of them
    return re.sub(r"/\*.*?\*/", "", body, flags=re.DOTALL)
