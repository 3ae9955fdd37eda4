"""The fragment toolkit of the report objects: a fragment of HTML that shows itself in JupyterLab and
carries the declaration of what it publishes (published.py), a builder that collects both, the
figure and table markup, and the data behind a row (the cells the privacy gate holds against its
own tables)."""

from __future__ import annotations

import base64

from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import plots
from rusmiddel_analysis.present import published as pub
from rusmiddel_analysis.present.html import Markup, html


class HTMLFragment:
    """A piece of HTML that shows itself in JupyterLab and in nbconvert's HTML, carrying the
    declaration of the tables and figures it publishes (for the privacy gate; never rendered).

    Not a `str`: IPython would print a string's whole repr as the output's plain text, the page's
    markup once more in every executed notebook."""

    def __init__(self, markup: str, declaration: pub.Declaration | None = None):
        self.markup = markup
        self.declaration = declaration or pub.Declaration()

    def __str__(self) -> str:
        return self.markup

    def __html__(self) -> str:
        # already safe markup: joining fragments with Markup must not escape them
        return self.markup

    def __contains__(self, text: str) -> bool:
        return text in self.markup

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = f"<report section: {len(self.declaration.tables)} table(s), {len(self.declaration.figures)} figure(s)>"
        return {"text/html": self.markup, "text/plain": plain, pub.MIME: self.declaration.to_json()}


class Builder:
    """Collects a fragment's markup and the declaration of every table and figure in it."""

    def __init__(self):
        self.parts: list[str] = []
        self.declaration = pub.Declaration()

    def add(self, markup) -> Builder:
        self.parts.append(str(markup))
        return self

    def table(
        self,
        kind: str,
        headers: list[str] | None,
        rows: list[list[str]],
        cells: list[dict | None],
        caption: str = "",
        escape_cells: bool = True,
        css_class: str = "rm-table",
    ) -> Builder:
        markup = html_table(headers, rows, caption, escape_cells=escape_cells, css_class=css_class)
        (shown,), _ = pub.read_page(markup)
        body = shown["rows"][1:] if headers else shown["rows"]
        self.declaration.tables.append(pub.Table(kind, shown["rows"][0] if headers else [], body, cells, shown["caption"]))
        return self.add(markup)

    def figure(self, kind: str, fig, alt: str, cells: list[dict]) -> Builder:
        self.declaration.figures.append(pub.Figure(kind, alt, cells))
        return self.add(figure_html(fig, alt))

    def build(self) -> HTMLFragment:
        return HTMLFragment("".join(self.parts), self.declaration)


def figure_html(fig, alt: str) -> HTMLFragment:
    data = base64.b64encode(plots.svg_bytes(fig)).decode("ascii")
    return HTMLFragment(html("figure", f"data:image/svg+xml;base64,{data}", alt))


def html_table(
    headers: list[str] | None,
    rows: list[list[str]],
    caption: str = "",
    row_headers: bool = True,
    escape_cells: bool = True,
    css_class: str = "rm-table",
) -> str:
    """A table with header cells: column headers (none when `headers` is None), and the first cell
    of each row as a row header. With `escape_cells` False the cells are markup already."""
    cells = rows if escape_cells else [[Markup(c) for c in row] for row in rows]
    return str(html("table", headers, cells, caption=caption, css_class=css_class, row_headers=row_headers))


def total_cell(target_id: str, year, row) -> dict:
    """The data behind a row or point that shows a target's total for a year."""
    return pub.cell({"kind": pub.TOTALS, "target_id": target_id, "year": int(year), "dimension": "all", "group": "all"}, row, pub.TOTAL_FIELDS)


def assessment_cell(target_id: str, report_year, row) -> dict:
    """The data behind a row that shows a target's assessment in a report year (its interval may be
    widened for overdispersion, so it is held against the assessment, not the yearly total)."""
    key = {"kind": pub.ASSESSMENT, "target_id": target_id, "year": int(report_year)}
    if not fmt.missing(row["measured_year"]):  # the year the value is from, which the page shows too
        key["measured_year"] = int(row["measured_year"])
    return pub.cell(key, row, pub.ASSESSMENT_FIELDS)


def subgroup_cell(target_id: str, year, by: str, row) -> dict:
    """The data behind a row or bar that shows one group of a breakdown."""
    return pub.cell(
        {"kind": pub.SUBGROUPS, "target_id": target_id, "year": int(year), "dimension": by, "group": str(row.group)}, row, pub.SHARE_FIELDS
    )
