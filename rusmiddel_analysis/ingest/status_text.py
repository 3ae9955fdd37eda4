"""The qualitative status the analysts write per year: data/raw/status/<year>.md.

One level-1 or level-2 heading per core effort or focus area (the strategy's Danish or English
names, e.g. "# Forebyggelse og tidlig opsporing", "## Unge i folkeskolen"), free Markdown
beneath; deeper headings (###) are free sub-sections. An unknown heading is an error that
lists the valid ones. A year without a file has no status text, which the report says plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$")


class StatusTextError(ValueError):
    pass


@dataclass
class StatusText:
    year: int
    path: Path | None
    sections: dict[str, str] = field(default_factory=dict)  # focus area or core effort id -> Markdown
    empty: bool = False

    @property
    def exists(self) -> bool:
        return self.path is not None


def _normalise(name: str) -> str:
    name = re.sub(r"^kerneindsats\s*\d+\s*:\s*", "", name.strip(), flags=re.IGNORECASE)
    return name.rstrip(":").strip().casefold()


def valid_headings(strategy) -> dict[str, str]:
    """Normalised heading -> the id of the core effort or focus area it names."""
    names = {}
    for item in (*strategy.core_efforts, *strategy.focus_areas):
        names[_normalise(item.name.da)] = item.id
        names[_normalise(item.name.en)] = item.id
    return names


def status_file(status_dir: str | Path, year: int) -> Path:
    return Path(status_dir) / f"{year}.md"


def read_status_text(strategy, status_dir: str | Path, year: int) -> StatusText:
    """Parse `<status_dir>/<year>.md` into sections; a missing file gives an empty StatusText."""
    path = status_file(status_dir, year)
    if not path.exists():
        return StatusText(year, None)
    content = path.read_text(encoding="utf-8")
    content = re.sub(r"<!--.*?-->", "", content, flags=re.DOTALL)
    if not content.strip():
        return StatusText(year, path, empty=True)
    names = valid_headings(strategy)
    sections: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(content.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            key = _normalise(match.group(2))
            if key not in names:
                valid = [f.name.da for f in strategy.core_efforts] + [f.name.da for f in strategy.focus_areas]
                raise StatusTextError(f"{path}, line {number}: unknown heading '{match.group(2)}'; valid headings: {', '.join(valid)}")
            current = names[key]
            sections.setdefault(current, [])
            continue
        if current is None:
            if line.strip():
                raise StatusTextError(
                    f"{path}, line {number}: text before the first heading; start with a heading naming a core effort or focus area"
                )
            continue
        sections[current].append(line)
    return StatusText(year, path, {k: "\n".join(v).strip() for k, v in sections.items()})
