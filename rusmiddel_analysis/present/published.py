"""What a page publishes, as data: the declaration every report fragment carries to the privacy gate.

A view that shows a table or a figure also declares it: the cell texts as a reader sees them, the
data behind each row (its target, year, breakdown and group, and the published numbers), and for
each number a row shows, the formatting call that made its text (`Shown`: which fields of which of
the row's cells, formatted by which function of formatting.FORMATS with which arguments). The
declaration travels with the fragment's output in the executed notebook under its own MIME type,
which nbconvert does not render. The privacy gate (privacy.py) reads the declarations, checks each
declared cell against the disclosure-controlled tables it computed itself, formats its own numbers
with each declared call and compares the texts, and checks that every table and figure on the
rendered page is one that was declared. A table nobody declared, or an output that carries no
declaration, stops the page: the gate fails closed, whatever the markup.
"""

from __future__ import annotations

import html as html_lib
import json
import math
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

from rusmiddel_analysis.calc.disclosure import VALUE_COLUMNS
from rusmiddel_analysis.calc.high_risk import PAIR_NUMBERS

MIME = "application/vnd.rusmiddel.published+json"
# kinds of published tables and figures, and which truth the gate holds them against
SUBGROUPS, TOTALS, FOLLOW_UP, ASSESSMENT, WORDS = "subgroups", "totals", "follow_up", "assessment", "words"
# the published numbers of each kind's rows (a row's other columns are never shown)
SHARE_FIELDS = VALUE_COLUMNS  # a share's counts and estimate (calc/tables.Indicators names them)
TOTAL_FIELDS = (
    *SHARE_FIELDS,
    "standardised_value",
    "standardised_low",
    "standardised_high",
    "bound_low",
    "bound_high",
    "rate",
    "rate_low",
    "rate_high",
)
ASSESSMENT_FIELDS = (*TOTAL_FIELDS, "common_value", "common_baseline_value")
FOLLOW_UP_FIELDS = ("episodes", "reached", "contact_rate", "success_share")
# the high-risk page's tables (calc/high_risk.py): pairs of behaviours, the number of behaviours,
# the share with several, early debut
HIGH_RISK, BEHAVIOUR_COUNTS, MULTIPLE, EARLY_DEBUT = "high_risk", "behaviour_counts", "multiple_behaviours", "early_debut"
DEBUT_AGES = "debut_ages"
DEBUT_FIELDS = (*SHARE_FIELDS, "median_age")
HIGH_RISK_FIELDS = tuple(PAIR_NUMBERS)  # a pair's numbers
# other areas' published figures (calc/comparators.py, never disclosure-controlled but declared like any
# number) and the difference in differences of a report year (its compared year a part of its key)
COMPARATORS, DIFFERENCES = "comparators", "differences"
COMPARATOR_FIELDS = ("value", "ci_low", "ci_high")
# the changes a difference in differences compares, as its table shows them (the difference last)
CHANGE_FIELDS = ("municipality_change", "comparator_change", "difference")
DIFFERENCE_FIELDS = (
    "baseline_year",
    "municipality_baseline",
    "municipality_value",
    "comparator_baseline",
    "comparator_value",
    *CHANGE_FIELDS,
    "low",
    "high",
)
# what names a published row of each kind (a totals or subgroups row: target_id, year, dimension, group)
KEYS = {
    FOLLOW_UP: ("year", "months", "substance", "contacted_by"),
    ASSESSMENT: ("target_id", "year"),
    HIGH_RISK: ("year", "exposure", "outcome"),
    BEHAVIOUR_COUNTS: ("year", "dimension", "group", "behaviours"),
    MULTIPLE: ("year",),
    EARLY_DEBUT: ("year", "behaviour"),
    DEBUT_AGES: ("year", "behaviour"),
    COMPARATORS: ("target_id", "area", "year"),
    DIFFERENCES: ("target_id", "area", "report_year", "year"),
}
BREAKDOWN_KEY = ("target_id", "year", "dimension", "group")
# a target's own numbers (the strategy's baseline and goal), which a row of its assessment may show
WORD_FIELDS = ("baseline_value", "target_value", "baseline_year", "target_year")
WHOLE_NUMBERS = ("year", "months", "behaviours", "measured_year", "report_year")  # key parts that are whole numbers


@dataclass(frozen=True)
class GroupRow:
    """A row of a table that names the group of the rows below it (a focus area): one cell across the table."""

    group_label: str


def group_row(label: str) -> GroupRow:
    return GroupRow(label)


def key_of(kind: str, **parts) -> dict:
    """The key of a published row of `kind`: its naming parts as plain whole numbers and text."""
    plain = lambda name, v: int(v) if name in WHOLE_NUMBERS else str(v)
    return {"kind": kind, **{name: plain(name, parts[name]) for name in KEYS.get(kind, BREAKDOWN_KEY)}}


def _number(value):
    """A published number as JSON: None for a missing or hidden one."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def cell(key: dict, row, fields: tuple[str, ...]) -> dict:
    """The data behind one published row: its key (target_id, year, dimension, group, ...) and numbers."""
    get = row.get if isinstance(row, dict) else lambda name, default=None: getattr(row, name, default)
    data = {**key, "suppressed": bool(get("suppressed", False))}
    data.update({name: _number(get(name)) for name in fields})
    return data


@dataclass(frozen=True)
class Shown:
    """One number (or interval) a table row shows: the fields of one of the row's cells it is made of,
    the function of formatting.FORMATS and the arguments that formatted them, and the text it gave."""

    fields: tuple[str, ...]
    format: str
    args: dict
    text: str
    cell: int = 0  # which of the row's cells (when the row declares several)

    @classmethod
    def from_json(cls, data: dict) -> Shown:
        return cls(tuple(data["fields"]), data["format"], dict(data["args"]), data["text"], int(data.get("cell", 0)))


@dataclass
class Table:
    kind: str
    header: list[str]
    rows: list[list[str]]  # cell texts as a reader sees them (markup removed)
    cells: list[dict | list | None]  # the data behind each row (a list when it shows several); None for words only
    caption: str = ""
    shown: list[list[Shown]] = field(default_factory=list)  # the numbers each row shows

    @classmethod
    def from_json(cls, data: dict) -> Table:
        shown = [[Shown.from_json(n) for n in row] for row in data.get("shown", [])]
        return cls(**{**data, "shown": shown})


@dataclass
class Figure:
    kind: str
    alt: str
    cells: list[dict] = field(default_factory=list)


@dataclass
class Declaration:
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def extend(self, other: Declaration) -> Declaration:
        self.tables += other.tables
        self.figures += other.figures
        return self

    def to_json(self) -> dict:
        return {"tables": [asdict(t) for t in self.tables], "figures": [asdict(f) for f in self.figures]}

    @classmethod
    def from_json(cls, data: dict) -> Declaration:
        return cls([Table.from_json(t) for t in data.get("tables", [])], [Figure(**f) for f in data.get("figures", [])])


# --- reading pages ---------------------------------------------------------------------------------


class _PageParser(HTMLParser):
    """Every table (header and rows of cell texts, caption) and every image description of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.alts: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"rows": [], "caption": ""})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "caption":
            self._caption = []
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(normalise("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None and self.tables:
            self.tables[-1]["caption"] = normalise("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def normalise(text: str) -> str:
    return " ".join(text.split())


def read_page(page: str) -> tuple[list[dict], list[str]]:
    """(tables, image descriptions) of an HTML page; each table {"rows": [[cell text, ...], ...], "caption": ...}."""
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    return parser.tables, parser.alts


def declarations_in(notebook_json: str) -> tuple[Declaration, int]:
    """Every declaration in an executed notebook's outputs, and how many outputs carry none."""
    book = json.loads(notebook_json)
    found, undeclared = Declaration(), 0
    for c in book.get("cells", []):
        for output in c.get("outputs", []) if c.get("cell_type") == "code" else []:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue  # never published: to_html drops it
            data = output.get("data", {}).get(MIME) if isinstance(output.get("data"), dict) else None
            if data is None:
                undeclared += 1
            else:
                found.extend(Declaration.from_json(data if isinstance(data, dict) else json.loads(data)))
    return found, undeclared


def escape(value) -> str:
    return html_lib.escape(str(value), quote=True)
