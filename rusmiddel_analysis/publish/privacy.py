"""Privacy gate: nothing personal leaves `rusmiddel report`.

Before a page or an executed notebook is written to the outputs folder the gate checks it, and a
hit stops that page with the kind of leak, never the value itself:

- `cpr`: strings that look like Danish CPR numbers (DDMMYY-SSSS, the dash optional, a real date);
- `identifier`: person-level identifiers from the processed data (respondent, person and
  episode ids; ids shorter than MIN_ID_LENGTH characters are not scanned, since they cannot be
  told from ordinary numbers);
- `suppressed`: a published cell (a table row, a bar, a point) that shows a value for a cell
  disclosure control hid;
- `path`: an absolute path of this machine (the project, data and outputs folders, the
  library's, Python's, the user's home): executed notebooks carry relative paths only, and a
  traceback's or warning's paths are made relative before the gate sees them;
- `unaccounted`: anything the gate cannot account for. Every output of the notebook must carry a
  declaration of what it publishes (published.py); every table and figure on the page must be a
  declared one; every declared cell must be a cell of the disclosure-controlled tables the gate
  computed itself, with the same numbers; every number a row shows is declared with the formatting
  call that made its text (published.Shown: fields, a function of formatting.FORMATS, its
  arguments), and the gate makes the same call with its own number and compares the texts; and
  every number in a table's cells without words must be one of those texts' numbers (or a year the
  row names). So the gate checks the data, not the markup, and fails closed: a table printed any
  other way stops the page.

The gate compares text made by the same `formatting` call, never numbers read back out of text: no
separator or rounding rule is typed here. What a number looks like in the page's language (to find
one no declaration accounts for) comes from Babel's symbols too (`formatting.numbers_in`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.disclosure import WITHHELD
from rusmiddel_analysis.calc.results import Results
from rusmiddel_analysis.config.settings import Disclosure
from rusmiddel_analysis.ingest.cpr import CPR_SHAPE, cpr_like
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present import published as pub

MIN_ID_LENGTH = 6
CPR_CANDIDATE = re.compile(rf"(?<![\d-]){CPR_SHAPE}(?![\d-])")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*[A-Za-z0-9]")
DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")
KEY_NUMBERS = pub.WHOLE_NUMBERS  # numbers that name a cell rather than measure it
# the naming numbers a row may also show as text (a year, months of follow-up); a number of
# behaviours (0-4) is a column header, never a cell, and would otherwise excuse a small count
SHOWN_KEYS = ("year", "months", "measured_year")


# a root starts a path: not inside another path or word, but it may follow a terminal colour code
# (IPython colours the file names of a traceback: "\x1b[0;32m/home/...")
_NOT_A_PATH_START = r"(?:(?<![A-Za-z0-9+=._~/-])|(?<=[\[;]\dm)|(?<=[\[;]\d\dm))"
_PATH_END = r"""(?:(?P<sep>/|\\\\|\\)|(?=["'\s:;,)<>\]\x1b]|$))"""
# embedded images (a data URI, or a notebook's base64 image output) are not text: never rewritten
_IMAGE_DATA = re.compile(DATA_URI.pattern + r"|[A-Za-z0-9+/=]{200,}")


def _roots_pattern(roots) -> re.Pattern | None:
    """One pattern for every root (longest first, so a folder inside another is matched whole)."""
    roots = sorted((r for r in set(roots) if r.strip("/\\")), key=len, reverse=True)
    if not roots:
        return None
    return re.compile(_NOT_A_PATH_START + "(?P<root>" + "|".join(re.escape(r) for r in roots) + ")" + _PATH_END)


def without_machine_paths(text: str, roots: dict[str, str]) -> str:
    """`text` with each root (an absolute folder of this machine) replaced by its relative form:
    `<root>/x` becomes `x` (or `<shown>/x`), the root alone `.` (or `<shown>`)."""
    roots = {**roots, **{json.dumps(r)[1:-1]: shown for r, shown in roots.items()}}  # as JSON quotes a Windows path
    pattern = _roots_pattern(roots)
    if pattern is None:
        return text

    def relative(match: re.Match) -> str:
        shown, sep = roots[match.group("root")], match.group("sep")
        if sep:
            return shown + sep if shown else ""
        return shown or "."

    parts, end = [], 0
    for image in _IMAGE_DATA.finditer(text):
        parts += [pattern.sub(relative, text[end : image.start()]), image.group(0)]
        end = image.end()
    return "".join([*parts, pattern.sub(relative, text[end:])])


@dataclass
class Leak:
    kind: str  # cpr, identifier, path, suppressed, unaccounted
    count: int = 1


def _key(cell: dict) -> tuple:
    kind = cell.get("kind")
    return (kind, *(cell.get(name) for name in pub.KEYS.get(kind, pub.BREAKDOWN_KEY)))


def _truth_key(kind: str, row) -> dict:
    """The key of a published row of `kind`, as the views declare it."""
    if kind == pub.ASSESSMENT:
        key = pub.key_of(kind, target_id=row.target_id, year=row.year)
        return key | ({"measured_year": int(row.measured_year)} if pd.notna(row.measured_year) else {})
    if kind in pub.KEYS:
        return pub.key_of(kind, **{name: getattr(row, name) for name in pub.KEYS[kind]})
    return pub.key_of(kind, target_id=row.target_id, year=row.year, dimension=row.by, group=row.group)


def _truth_rows(table: pd.DataFrame, kind: str, fields: tuple[str, ...]) -> dict[tuple, dict]:
    """The published cells of one disclosure-controlled table, by key. A follow-up row hides its
    columns one by one (`partly_hidden`), and so does a breakdown's large group whose counts are
    withheld (a protected year: its share shown, its counts or size not); other rows are hidden
    whole (`suppressed`, or an assessment row without a value)."""
    rows = {}
    for row in table.itertuples():
        data = row._asdict()
        key = _truth_key(kind, row)
        if kind in (pub.FOLLOW_UP, pub.ASSESSMENT):
            data["suppressed"] = False
        truth = pub.cell(key, data, fields)
        if kind == pub.FOLLOW_UP:
            truth["partly_hidden"] = any(truth[f] is None for f in fields)
        else:  # other rows are hidden whole; an assessment row with its total
            withheld = data.get("suppression") == WITHHELD or (kind == pub.BEHAVIOUR_COUNTS and truth["denominator"] is None)
            truth["partly_hidden"] = truth["suppressed"] or ("value" in truth and truth["value"] is None) or withheld
        rows[_key(key)] = truth
    return rows


def _has_words(text: str) -> bool:
    """A cell with words (a name, a status, a caller) is a label, not read for numbers."""
    return any(ch.isalpha() for ch in text)


@dataclass
class Gate:
    """What a run may publish: the disclosure-controlled cells, and never a person-level id."""

    identifiers: frozenset[str] = frozenset()
    truth: dict[tuple, dict] = field(default_factory=dict)
    lang: str = "da"
    min_cell: int = Disclosure().min_cell
    machine_paths: tuple[str, ...] = ()  # this machine's folders, which nothing published may name

    @classmethod
    def for_run(cls, strategy, results: Results, processed_dir: Path, lang: str, machine_paths=()) -> Gate:
        """The gate of a run: the run's own disclosure-controlled results, the ids in the processed data,
        and the machine's folders (Settings.machine_roots)."""
        truth = _truth_rows(results.totals, pub.TOTALS, pub.TOTAL_FIELDS)
        truth.update(_truth_rows(results.subgroups, pub.SUBGROUPS, pub.SHARE_FIELDS))
        truth.update(_truth_rows(results.follow_up, pub.FOLLOW_UP, pub.FOLLOW_UP_FIELDS))
        truth.update(_truth_rows(results.assessment, pub.ASSESSMENT, pub.ASSESSMENT_FIELDS))
        truth.update(_truth_rows(results.high_risk, pub.HIGH_RISK, pub.HIGH_RISK_FIELDS))
        for kind in (pub.BEHAVIOUR_COUNTS, pub.MULTIPLE, pub.EARLY_DEBUT):
            truth.update(_truth_rows(getattr(results, kind), kind, pub.SHARE_FIELDS))
        truth.update(_truth_rows(results.debut_ages, pub.DEBUT_AGES, pub.DEBUT_FIELDS))
        truth.update(_truth_rows(results.comparators, pub.COMPARATORS, pub.COMPARATOR_FIELDS))
        truth.update(_truth_rows(results.differences, pub.DIFFERENCES, pub.DIFFERENCE_FIELDS))
        _add_target_words(truth, strategy)
        min_cell = strategy.settings.disclosure.min_cell
        return cls(_identifiers(processed_dir), truth, lang, min_cell, tuple(machine_paths))

    def scan(self, text: str) -> list[Leak]:
        """CPR-like numbers and person-level ids in any text: a page, a notebook, an error message."""
        text = DATA_URI.sub(" ", text)
        leaks = []
        candidates = pd.Series(CPR_CANDIDATE.findall(text), dtype="object")
        if len(candidates) and cpr_like(candidates).any():
            leaks.append(Leak("cpr", int(cpr_like(candidates).sum())))
        if self.identifiers:
            found = sum(1 for token in set(TOKEN.findall(text)) if token in self.identifiers)
            if found:
                leaks.append(Leak("identifier", found))
        pattern = _roots_pattern(self.machine_paths)
        paths = len(pattern.findall(text)) if pattern else 0
        if paths:
            leaks.append(Leak("path", paths))
        return leaks

    def check(self, page: str, notebook_json: str, complete: bool = True) -> list[Leak]:
        """Every leak in a report: its page and its executed notebook. `complete=False` for a failed
        report's notebook (no page; an error output carries no declaration)."""
        declared, undeclared = pub.declarations_in(notebook_json)
        counts = {"suppressed": 0, "unaccounted": undeclared if complete else 0}
        if complete:
            counts["unaccounted"] += self._undeclared_on_page(page, declared)
        for table in declared.tables:
            if not len(table.rows) == len(table.cells) == len(table.shown):  # a declaration that does not describe its own rows
                counts["unaccounted"] += 1
                continue
            for row, cell, shown in zip(table.rows, table.cells, table.shown, strict=True):
                if cell is not None:
                    self._check_cell(cell, row[1:], counts, shown)
        for figure in declared.figures:
            for cell in figure.cells:
                self._check_cell(cell, [], counts)
        leaks = merge(self.scan(page), self.scan(notebook_text(notebook_json)))
        return leaks + [Leak(kind, n) for kind, n in counts.items() if n]

    def _undeclared_on_page(self, page: str, declared: pub.Declaration) -> int:
        """Tables and image descriptions on the page that no output declared."""
        tables, alts = pub.read_page(DATA_URI.sub(" ", page))
        known = [([t.header] if t.header else []) + t.rows for t in declared.tables]
        figures = [f.alt for f in declared.figures]
        return sum(1 for t in tables if t["rows"] not in known) + sum(1 for alt in alts if alt not in figures)

    def _held(self, cell: dict) -> tuple[dict, bool] | None:
        """(its truth, whether it shows a hidden number) of one declared cell; None when the cell is
        not one of the run's cells or a number differs from it."""
        truth = self.truth.get(_key(cell))
        if truth is None or cell.get("measured_year") != truth.get("measured_year"):  # a value said to be from another year
            return None
        hidden_shown = truth["suppressed"] and not cell.get("suppressed")
        for name, value in cell.items():
            if not isinstance(value, float) or name in KEY_NUMBERS:
                continue
            if truth.get(name) is None:
                hidden_shown = True
            elif not np.isclose(value, truth[name]):
                return None
        return truth, hidden_shown

    def _check_cell(self, cell: dict | list, texts: list[str], counts: dict, shown: list[pub.Shown] = ()) -> None:
        """One declared row against the truth: the numbers of its cell (or each of its cells, when it
        shows several); each number it shows formatted again from the truth by the same call
        (formatting.FORMATS) and compared as text; and every number in its cells without words one
        of those texts' numbers or a year the row names."""
        held = [self._held(one) for one in (cell if isinstance(cell, list) else [cell])]
        if any(h is None for h in held):
            counts["unaccounted"] += 1
            return
        truths = [truth for truth, _ in held]
        hidden_shown, wrong = any(shows for _, shows in held), False
        allowed = {fmt.whole(t[k]) for t in truths for k in SHOWN_KEYS if t.get(k) is not None}
        texts = [pub.normalise(text) for text in texts]
        for number in shown:
            expected = self._formatted(number, truths)
            if expected == number.text and any(pub.normalise(number.text) in text for text in texts):
                allowed.update(fmt.numbers_in(pub.normalise(number.text), self.lang))
            elif expected is not None and any(truths[number.cell][f] is None for f in number.fields):
                hidden_shown = True  # a hidden number shown in its place
            else:
                wrong = True
        stray = wrong or any(n not in allowed for text in texts if not _has_words(text) for n in fmt.numbers_in(text, self.lang))
        if hidden_shown or (stray and any(t["partly_hidden"] for t in truths)):
            counts["suppressed"] += 1
        elif stray:
            counts["unaccounted"] += 1

    def _formatted(self, number: pub.Shown, truths: list[dict]) -> str | None:
        """The text the declared formatting call makes of the truth's numbers; None when there is no such
        call, cell or field."""
        if not 0 <= number.cell < len(truths):
            return None
        try:
            truth = truths[number.cell]
            return fmt.formatted(number.format, [truth[f] for f in number.fields], self.lang, number.args)
        except (KeyError, TypeError, ValueError):
            return None


def _add_target_words(truth: dict[tuple, dict], strategy) -> None:
    """A target's own numbers (baseline, goal and their years) in each of its totals and assessment rows,
    which a row may show beside its measurement."""
    words = {t.id: {name: float(getattr(t, name)) for name in pub.WORD_FIELDS} for t in strategy.targets}
    for row in truth.values():
        if row["kind"] in (pub.TOTALS, pub.ASSESSMENT) and row.get("target_id") in words:
            row.update(words[row["target_id"]])


def _identifiers(processed_dir: Path) -> frozenset[str]:
    identifiers: set[str] = set()
    for name, source in SOURCES.items():
        path = Path(processed_dir) / f"{name}.parquet"
        if path.exists() and source.identifiers:
            frame = pd.read_parquet(path, columns=list(source.identifiers))
            for column in source.identifiers:
                identifiers.update(v for v in frame[column].dropna().astype(str).unique() if len(v) >= MIN_ID_LENGTH)
    return frozenset(identifiers)


def notebook_text(notebook_json: str) -> str:
    """Every output of an executed notebook (HTML and plain text) as one string, for scanning."""
    book = json.loads(notebook_json)
    parts = []
    for cell in book.get("cells", []):
        parts.append("".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", ""))
        for output in cell.get("outputs", []):
            for key in ("text/html", "text/plain", "text/markdown"):
                value = output.get("data", {}).get(key)
                if value:
                    parts.append("".join(value) if isinstance(value, list) else value)
            if output.get("text"):
                parts.append("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
            if output.get("output_type") == "error":  # a traceback can quote the data
                parts.extend([output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])])
    return "\n".join(parts)


def merge(*scans: list[Leak]) -> list[Leak]:
    """One leak per kind over several scans of the same report (page and notebook show the same content)."""
    counts: dict[str, int] = {}
    for scan in scans:
        for leak in scan:
            counts[leak.kind] = max(counts.get(leak.kind, 0), leak.count)
    return [Leak(kind, count) for kind, count in counts.items()]


def describe(leaks: list[Leak]) -> str:
    names = {
        "cpr": "CPR-like numbers",
        "identifier": "person-level identifiers from the raw data",
        "suppressed": "values that disclosure control hid",
        "unaccounted": "tables, figures or numbers the gate cannot account for",
        "path": "absolute paths of this machine",
    }
    return "; ".join(f"{names[leak.kind]} ({leak.count})" for leak in leaks)
