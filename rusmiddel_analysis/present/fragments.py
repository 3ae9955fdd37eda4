"""The fragment toolkit of the report objects: a fragment of HTML that shows itself in JupyterLab and
carries the declaration of what it publishes (published.py), a builder that collects both, the
figure and table markup, the data behind a row (the cells the privacy gate holds against its own
tables), and the texts of a row's numbers (`show`), each carrying the formatting call that made it
(published.Shown), so that the gate can make the same call with its own numbers."""

from __future__ import annotations

import base64
from dataclasses import replace

from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import narrative, plots
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
        """A table and its declaration: the cell texts as a reader sees them, the data behind each row
        (`cells`) and the numbers each row shows (from the `Text`s `show` made)."""
        markup = html_table(headers, rows, caption, escape_cells=escape_cells, css_class=css_class)
        texts = [[reader_text(c, escape_cells) for c in _cells_of(row)] for row in rows]
        shown = [_numbers_of(row, cell) for row, cell in zip(rows, cells, strict=True)]
        header = [reader_text(h) for h in headers or []]
        self.declaration.tables.append(pub.Table(kind, header, texts, cells, pub.normalise(caption), shown))
        return self.add(markup)

    def figure(self, kind: str, fig, alt: str, cells: list[dict]) -> Builder:
        self.declaration.figures.append(pub.Figure(kind, alt, cells))
        return self.add(figure_html(fig, alt))

    def build(self) -> HTMLFragment:
        return HTMLFragment("".join(self.parts), self.declaration)


def _cells_of(row) -> list:
    """A row's cells as html_table shows them: a group row is one cell across the table."""
    return [row.group_label] if isinstance(row, pub.GroupRow) else list(row)


def reader_text(cell, escaped: bool = True) -> str:
    """A cell as a reader sees it (and as the privacy gate reads it from the page): markup removed,
    white space as one space."""
    if hasattr(cell, "__html__") or not escaped:
        return pub.normalise(Markup(cell.__html__() if hasattr(cell, "__html__") else cell).striptags())
    return pub.normalise(str(cell))


class Text(str):
    """A table cell's text that carries the numbers it shows: (the declared cell a number is of, the
    formatting call that made its text). Builder.table declares them with the row."""

    numbers: tuple[tuple[dict, pub.Shown], ...] = ()

    @classmethod
    def made(cls, text: str, numbers) -> Text:
        made = cls(text)
        made.numbers = tuple(numbers)
        return made


def show(cell: dict, fields: str | tuple[str, ...], format: str, lang: str, **args) -> Text:
    """The text of the declared `cell`'s `fields` formatted by formatting.py's `format` (one of
    fmt.FORMATS) with `args`, carrying that call: the gate makes it again with its own numbers."""
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    text = fmt.formatted(format, [cell[f] for f in fields], lang, args)
    return Text.made(text, [(cell, pub.Shown(fields, format, args, text))])


def joined(*parts: str) -> Text:
    """Texts and words as one cell text ('44,0 % (41,2-46,8 %)'), with the numbers of every part."""
    return Text.made("".join(parts), [n for part in parts for n in getattr(part, "numbers", ())])


def measured(cell: dict, field: str, target, lang: str) -> Text:
    """narrative.measured of a declared cell's number: a measurement to the target's decimals."""
    return show(cell, field, "value", lang, unit=target.unit, decimals=narrative.decimals(target))


def measured_interval(cell: dict, low: str, high: str, target, lang: str) -> Text:
    """narrative.measured_interval of a declared cell's numbers."""
    return show(cell, (low, high), "interval", lang, unit=target.unit, decimals=narrative.decimals(target))


def _numbers_of(row, cell) -> list[pub.Shown]:
    """The numbers a row's texts show, each with the index of its cell among the row's cells."""
    row_cells = cell if isinstance(cell, list) else [cell]
    numbers = []
    for column, text in enumerate(_cells_of(row)):
        for of, number in getattr(text, "numbers", ()):
            index = next((i for i, c in enumerate(row_cells) if c is of), None)
            if index is None:  # the text itself is not said: it may be a number no page may show
                raise ValueError(f"column {column + 1} of a table's row shows a number of a cell the row does not declare")
            numbers.append(replace(number, cell=index))
    return numbers


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


def target_words(target) -> dict:
    """A target's own numbers (published.WORD_FIELDS), which a row of its assessment may show beside it."""
    return {name: float(getattr(target, name)) for name in pub.WORD_FIELDS}
