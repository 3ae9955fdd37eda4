"""Privacy gate: nothing personal leaves `rusmiddel report`.

Before a page or an executed notebook is written to the outputs folder it is scanned for:
- `cpr`: strings that look like Danish CPR numbers (DDMMYY-SSSS, the dash optional, a real date);
- `identifier`: person-level identifiers from the processed data (respondent, person and
  episode ids; ids shorter than MIN_ID_LENGTH characters are not scanned, since they cannot be
  told from ordinary numbers);
- `suppressed`: a subgroup row or figure description that shows a value for a cell disclosure
  control hid (the row must show only "–" or "<5", the description "skjult"/"hidden" or "<5").

A hit stops that page: the report fails with the kind of leak, never the value itself.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .cpr import cpr_like
from .schemas import SOURCES

MIN_ID_LENGTH = 6
CPR_CANDIDATE = re.compile(r"(?<![\d-])\d{6}-?\d{4}(?![\d-])")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*[A-Za-z0-9]")
DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")
HIDDEN_WORDS = {"–", "<5", "&lt;5"}


@dataclass
class Leak:
    kind: str          # cpr, identifier, suppressed
    count: int = 1


class PrivacyGateError(Exception):
    pass


@dataclass
class Gate:
    """What a run must never publish: person-level ids, and the cells disclosure control hid."""

    identifiers: frozenset[str] = frozenset()
    # (target, year) -> [(breakdown heading, group label)]: the cells disclosure control hid
    hidden_cells: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)
    hidden_words: tuple[str, ...] = ("skjult", "hidden", "<5")

    @classmethod
    def for_run(cls, strategy, processed_dir: Path, lang: str, target_ids: list[str] | None = None) -> Gate:
        from .indicators import compute, supported_subgroups
        from .plots import group_label
        from .textcatalog import text

        identifiers: set[str] = set()
        for name, source in SOURCES.items():
            path = Path(processed_dir) / f"{name}.parquet"
            if path.exists() and source.identifiers:
                frame = pd.read_parquet(path, columns=list(source.identifiers))
                for column in source.identifiers:
                    identifiers.update(v for v in frame[column].dropna().astype(str).unique() if len(v) >= MIN_ID_LENGTH)
        hidden: dict[tuple[str, int], list[tuple[str, str]]] = {}
        targets = [t for t in strategy.targets if target_ids is None or t.id in target_ids]
        for by in sorted({d for t in targets for d in supported_subgroups(t)}):
            table = compute(strategy, processed_dir, by=by, targets=[t.id for t in targets])
            heading = text(f"report.groups.{by}", lang)
            for row in table[table["suppressed"]].itertuples():
                hidden.setdefault((row.target_id, int(row.year)), []).append((heading, group_label(by, str(row.group), lang)))
        return cls(frozenset(identifiers), hidden)

    def scan(self, page: str, target_id: str | None = None, year: int | None = None) -> list[Leak]:
        """The leaks in one page or notebook text (HTML or JSON); empty when it may be published."""
        text = DATA_URI.sub(" ", page)
        text = html_lib.unescape(text)
        leaks = []
        candidates = pd.Series(CPR_CANDIDATE.findall(text), dtype="object")
        if len(candidates) and cpr_like(candidates).any():
            leaks.append(Leak("cpr", int(cpr_like(candidates).sum())))
        if self.identifiers:
            found = sum(1 for token in set(TOKEN.findall(text)) if token in self.identifiers)
            if found:
                leaks.append(Leak("identifier", found))
        if target_id is not None:
            shown = self._suppressed_shown(text, target_id, year)
            if shown:
                leaks.append(Leak("suppressed", shown))
        return leaks

    def _suppressed_shown(self, text: str, target_id: str, year: int) -> int:
        """Rows and figure descriptions of a breakdown that show a value for one of its hidden cells.

        A table belongs to the breakdown whose name heads its first column; a description names
        the breakdown it describes. Different breakdowns may share labels ("ja"/"nej").
        """
        hidden = self.hidden_cells.get((target_id, year), [])
        if not hidden:
            return 0
        tables = re.findall(r"<table.*?</table>", text, flags=re.DOTALL)
        alts = re.findall(r'alt="([^"]*)"', text)
        count = 0
        for heading, label in hidden:
            for table in tables:
                first = re.search(r'<th scope="col">(.*?)</th>', table)
                if not first or first.group(1).strip() != heading:
                    continue
                for row in re.finditer(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', table, flags=re.DOTALL):
                    cells = [c.strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1))]
                    count += any(c not in HIDDEN_WORDS for c in cells)
            for alt in alts:
                if heading.lower() not in alt.lower():
                    continue
                for match in re.finditer(rf"(?:: |, ){re.escape(label)} ([^,;]+?)(?=, |\.$|$)", alt):
                    count += match.group(1).strip() not in self.hidden_words
        return count


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
    names = {"cpr": "CPR-like numbers", "identifier": "person-level identifiers from the raw data",
             "suppressed": "values that disclosure control hid"}
    return "; ".join(f"{names[leak.kind]} ({leak.count})" for leak in leaks)
