"""The qualitative status the analysts write per year: data/raw/status/<year>.md.

One level-1 or level-2 heading per core effort or focus area (the strategy's Danish or English
names, e.g. "# Forebyggelse og tidlig opsporing", "## Unge i folkeskolen"), free Markdown
beneath; deeper headings (###) are free sub-sections. Three more headings hold the parts of the
committee's document the analysts write (DOCUMENT_SECTIONS, in Danish or English): "# Resumé"
(the administration's own summary, printed first), "# Det videre arbejde" (a midterm status: how
the efforts will be adjusted) and "# Konklusion og anbefalinger" (the final evaluation). An
unknown heading is an error that lists the valid ones. A year without a file has no status text,
which the report says plainly.

The text is published as it stands, so it must not count persons in a cell disclosure control
would hide: a number from 1 to min_cell - 1 (digits, or the words én/to/tre/fire, one-four)
followed by a word for persons, at most one word between ("3 elever", "2 af dem", "4 nye
borgere", "three pupils") stops the report with the file and line (never the sentence). Years,
percentages, decimals, dates, times and ordinals ("6. klasse") are not counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
NUMBER_WORDS = {"da": {"én": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4}, "en": {"one": 1, "two": 2, "three": 3, "four": 4}}
PERSON_WORDS = {
    "da": r"elev(?:er|en|erne)?|borger(?:e|en|ne)?|unge|person(?:er|en|erne)?|forløb(?:et|ene)?|pige(?:r|n|rne)?|dreng(?:e|en|ene)?"
    r"|børn(?:ene)?|barn(?:et)?|deltager(?:e|en|ne)?|bruger(?:e|en|ne)?|patient(?:er|en|erne)?|klient(?:er|en|erne)?"
    r"|famili(?:e|er|en|erne)?|forældre(?:ne)?|mænd(?:ene)?|kvinde(?:r|n|rne)?|tilfælde|af\s+dem|af\s+disse",
    "en": r"pupils?|students?|citizens?|persons?|people|young\s+people|girls?|boys?|child(?:ren)?|participants?|users?|patients?|clients?"
    r"|famil(?:y|ies)|parents?|men|women|episodes?|treatments?|cases?|of\s+them|of\s+whom",
}
# a whole number: not part of a decimal, a date (3/4), a time (10:30) or a larger number
_COUNT = r"(?<![\w.,/:])(?P<n>\d+|{words})(?![\w/:]|[.,]\d|\.\s*[a-zæøå\-–(]|\s*(?:%|‰|procent|pct|percent))"
_PERSONS = r"\s+(?:[^\W\d_]+\s+)?(?:{persons})(?!\w)"
SMALL_COUNT = {
    lang: re.compile(_COUNT.format(words="|".join(NUMBER_WORDS[lang])) + _PERSONS.format(persons=PERSON_WORDS[lang]), re.IGNORECASE)
    for lang in NUMBER_WORDS
}


# the parts of the committee's document the analysts write, by key: (Danish, English) heading
DOCUMENT_SECTIONS = {
    "summary": ("Resumé", "Summary"),
    "next_steps": ("Det videre arbejde", "Next steps"),
    "conclusion": ("Konklusion og anbefalinger", "Conclusion and recommendations"),
}
# what each kind of milestone report must hold besides the status per effort; without them it is a draft
REQUIRED_SECTIONS = {"midterm_status": ("summary", "next_steps"), "final_evaluation": ("summary", "conclusion")}


class StatusTextError(ValueError):
    pass


@dataclass
class StatusText:
    year: int
    path: Path | None
    sections: dict[str, str] = field(default_factory=dict)  # focus area or core effort id -> Markdown
    empty: bool = False
    document: dict[str, str] = field(default_factory=dict)  # DOCUMENT_SECTIONS key -> Markdown

    @property
    def exists(self) -> bool:
        return self.path is not None

    def missing(self, milestone_kind: str | None) -> tuple[str, ...]:
        """The DOCUMENT_SECTIONS a milestone report of this kind needs and this file lacks (empty: complete)."""
        return tuple(key for key in REQUIRED_SECTIONS.get(milestone_kind or "", ()) if not self.document.get(key))


def _normalise(name: str) -> str:
    name = re.sub(r"^kerneindsats\s*\d+\s*:\s*", "", name.strip(), flags=re.IGNORECASE)
    return name.rstrip(":").strip().casefold()


def valid_headings(strategy) -> dict[str, str]:
    """Normalised heading -> the id of the core effort or focus area it names, or `:key` of a
    document section (DOCUMENT_SECTIONS)."""
    names = {}
    for item in (*strategy.core_efforts, *strategy.focus_areas):
        names[_normalise(item.name.da)] = item.id
        names[_normalise(item.name.en)] = item.id
    for key, headings in DOCUMENT_SECTIONS.items():
        names.update({_normalise(h): f":{key}" for h in headings})
    return names


def counts_small_cell(line: str, min_cell: int) -> bool:
    """Whether a line counts persons in a cell under `min_cell` (see the module docstring)."""
    for lang, pattern in SMALL_COUNT.items():
        for match in pattern.finditer(line):
            number = match.group("n").lower()
            value = int(number) if number.isdigit() else NUMBER_WORDS[lang][number]
            if 1 <= value < min_cell:
                return True
    return False


def _check_small_counts(path: Path, content: str, min_cell: int) -> None:
    """Stop at the first line that counts persons under the smallest publishable cell, naming file and line only."""
    for number, line in enumerate(content.splitlines(), start=1):
        if counts_small_cell(line, min_cell):
            raise StatusTextError(
                f"{path}, line {number}: a count of fewer than {min_cell} persons, a cell the reports never show; "
                f"write 'færre end {min_cell}' (fewer than {min_cell}) or leave the number out"
            )


def status_file(status_dir: str | Path, year: int) -> Path:
    return Path(status_dir) / f"{year}.md"


def read_status_text(strategy, status_dir: str | Path, year: int) -> StatusText:
    """Parse `<status_dir>/<year>.md` into sections; a missing file gives an empty StatusText."""
    path = status_file(status_dir, year)
    if not path.exists():
        return StatusText(year, None)
    content = path.read_text(encoding="utf-8")
    # a comment is never published; it keeps its lines, so every message names the line as the editor shows it
    content = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), content)
    if not content.strip():
        return StatusText(year, path, empty=True)
    _check_small_counts(path, content, strategy.settings.disclosure.min_cell)
    names = valid_headings(strategy)
    sections: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(content.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            key = _normalise(match.group(2))
            if key not in names:
                valid = [f.name.da for f in (*strategy.core_efforts, *strategy.focus_areas)] + [h[0] for h in DOCUMENT_SECTIONS.values()]
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
    texts = {k: "\n".join(v).strip() for k, v in sections.items()}
    document = {k[1:]: v for k, v in texts.items() if k.startswith(":")}
    return StatusText(year, path, {k: v for k, v in texts.items() if not k.startswith(":")}, document=document)
