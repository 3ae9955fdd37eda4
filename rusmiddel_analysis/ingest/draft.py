"""`rusmiddel draft-mapping SOURCE FILE`: a first `mapping.yaml` for an export, for the analyst to edit.

It reads the export as the validator would, with what it can find out by itself: a CSV's encoding
(UTF-8, else cp1252) and separator, the row holding the column names (a title block above it is
skipped), the decimal comma, a day-month-year date format. Each export column is matched to the
canonical column it most likely is, by its name (Danish and English words, spelling variants) and
then by its content (dates, yes/no words, the column's codes); a column it cannot place is left as
a comment. For each coded column the words found are listed against the canonical codes. A survey
export with a question column and a count column (a provider's table of counts) is drafted for the
counts layout: its question words against the canonical questions, its answer words under
`values: {answer: ...}`.

Never a personal value: an identifier-like or free-text column (many distinct values) gets no
value list, and the draft holds column names and code words only. A word is listed only when it is
one of the canonical codes' known words, or a plausible name (ingest/problems.py: short, no CPR
number, no run of digits, no person's name) found in at least MIN_WORD_ROWS rows: a stray CPR
number or a name typed into a coded column is never printed. A column whose name is not plausible
(an export without its header row names its columns by its first data row) is left out, named
only by its position in a comment.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rusmiddel_analysis.config.echo import printable
from rusmiddel_analysis.ingest.problems import plausible_name
from rusmiddel_analysis.ingest.readers import _as_text, _read_sav, sniff_separator, utf16_variant
from rusmiddel_analysis.ingest.schemas import ANSWER, COUNT, FALSE_WORDS, QUESTION, SOURCES, TRUE_WORDS, Col, Source

# Danish (and common export) words for each canonical column, normalised (see `_normal`)
NAME_WORDS = {
    "respondent_id": ("respondent", "respondentid", "besvarelse", "id", "respid"),
    "person_id": ("borger", "borgerid", "pseudonym", "person", "personid", "cpr"),
    "episode_id": ("forloeb", "forloebsid", "episode", "sag", "sagsid"),
    "year": ("aar", "aarstal", "year", "undersoegelsesaar"),
    "school": ("skole", "skolenavn", "school"),
    "institution": ("institution", "uddannelsessted", "skole"),
    "grade": ("klassetrin", "klasse", "trin", "grade"),
    "gender": ("koen", "gender", "sex"),
    "education_type": ("uddannelse", "uddannelsestype", "education"),
    "age": ("alder", "age"),
    "birth_year": ("foedselsaar", "birthyear", "foedt"),
    "alcohol_ever": ("proevetalkohol", "alkohol", "drukket"),
    "alcohol_frequency": ("alkhyppighed", "alkoholhyppighed", "hyppighed", "drikkeralkohol"),
    "hash_ever": ("proevethash", "hash"),
    "other_drugs_ever": ("proevetandrestoffer", "andrestoffer", "stoffer"),
    "parent_agreement": ("aftalemedforaeldre", "aftale", "foraeldreaftale"),
    "smoking_ever": ("proevetatryge", "ryget", "rygning", "ryge"),
    # the optional debut ages: "Alder første gang: ryget", "Debutalder alkohol", ...
    "smoking_debut_age": ("alderfoerstegangryget", "foerstegangryget", "foerstegangroeg", "rygedebut", "debutalderrygning", "debutalderryge"),
    "alcohol_debut_age": ("alderfoerstegangalkohol", "foerstegangalkohol", "foerstegangdrukket", "alkoholdebut", "debutalderalkohol"),
    "hash_debut_age": ("alderfoersteganghash", "foersteganghash", "hashdebut", "debutalderhash"),
    "substance": ("rusmiddel", "substance", "misbrug"),
    "start_date": ("startdato", "start", "opstart", "startdate"),
    "end_date": ("slutdato", "slut", "afslutningsdato", "enddate"),
    "end_status": ("statusvedafslutning", "status", "udfald"),
    "end_reason": ("afslutningsaarsag", "aarsag", "reason"),
    "psychiatric_disability": ("nedsatpsykiskfunktionsevne", "psykisk", "psykiatri"),
    "ethnic_minority": ("andenetniskbaggrundenddansk", "etnisk", "etniskbaggrund"),
    "months": ("opfoelgningeftermdr", "mdr", "maaneder", "months"),
    "contacted": ("kontaktopnaaet", "kontakt", "opnaaet"),
    "contacted_by": ("kontaktetaf", "kontaktperson", "ringer"),
    "status": ("statusvedopfoelgning", "status"),
    "weight": ("vaegt", "weight", "vaegtning"),
    "residents": ("indhold", "antal", "borgere", "befolkning"),
    # a survey's counts layout: the provider's table of answers counted by breakdowns
    "question": ("spoergsmaal", "question", "variabel", "item", "indikator"),
    "answer": ("svar", "answer", "svarkategori", "svarmulighed", "kategori"),
    "count": ("antal", "count", "n", "frekvens", "antalbesvarelser", "antalelever", "antalsvar"),
    # comparators
    "target_id": ("maal", "maalid", "target", "targetid", "indikatorid"),
    "area": ("omraade", "area", "geografi", "region", "land"),
    "value": ("vaerdi", "value", "andel", "tal"),
    "numerator": ("taeller", "numerator"),
    "denominator": ("naevner", "denominator", "besvarelser"),
    "ci_low": ("nedregraense", "nedre", "cilow", "lower"),
    "ci_high": ("oevregraense", "oevre", "cihigh", "upper"),
}
# Danish words for canonical codes, normalised
CODE_WORDS = {
    "male": ("dreng", "mand", "maend", "m"),
    "female": ("pige", "kvinde", "kvinder", "k", "f"),
    "other": ("andet", "anden", "andre"),
    "alcohol": ("alkohol",),
    "drugs": ("stoffer", "stof", "narkotika"),
    "abstinent": ("stoffriaedru", "stoffri", "aedru", "abstinent"),
    "reduced": ("reduceretforbrug", "reduceret"),
    "unchanged": ("uaendretforbrug", "uaendret"),
    "increased": ("oegetforbrug", "oeget"),
    "unknown": ("ukendt",),
    "completed": ("faerdigbehandlet", "gennemfoert", "afsluttet"),
    "dropped_out": ("udeblevetafbrudt", "udeblevet", "afbrudt"),
    "transferred": ("overflyttet", "henvist"),
    "deceased": ("doed", "afgaaetveddoeden"),
    "therapist": ("behandler",),
    "administrative": ("administrativmedarbejder", "administrativ", "sekretaer"),
    "never": ("aldrig",),
    "less_than_monthly": ("sjaeldnereendengangommaaneden", "sjaeldnere"),
    "monthly": ("engangommaaneden", "maanedligt"),
    "weekly": ("hveruge", "ugentligt"),
    "several_times_weekly": ("flereugangeomugen", "flergangeomugen", "flereganeomugen", "flere gange om ugen"),
    "daily": ("dagligt", "hverdag"),
}
NO_ANSWER_WORDS = ("vedikke", "oenskerikkeatsvare", "uoplyst", "ingensvar")
MAX_CODES = 30  # a column with more distinct values is not coded: no value list (it may be personal)
# an unknown word is listed only when this many rows hold it: the 1-4 rule of disclosure control
MIN_WORD_ROWS = 5


def _normal(text: str) -> str:
    """Lower case, Danish letters spelled out, only letters and digits: 'Køn' -> 'koen'."""
    text = str(text).lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", text)


class DraftError(ValueError):
    """An export draft-mapping cannot read; the message is its own, never a reader's (which may quote the text)."""


@dataclass
class Draft:
    read: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)  # export column -> canonical column
    unplaced: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # canonical column -> {export word: canonical value or None}
    missing: list = field(default_factory=list)
    date_format: str | None = None
    hidden: list = field(default_factory=list)  # 1-based positions of columns whose names look like values


def _decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-16 when it looks so (readers.utf16_variant), else UTF-8, else cp1252."""
    for encoding in (utf16_variant(data) or "utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DraftError("the file is neither UTF-8, UTF-16 nor cp1252 text")


def _header_line(lines: list[str], sep: str) -> int:
    """The 0-based line of the column names: the first line with as many separators as the data below."""
    counts = [line.count(sep) for line in lines[:30] if line.strip()]
    typical = max(set(counts), key=counts.count) if counts else 0
    return next((i for i, line in enumerate(lines[:30]) if line.count(sep) == typical and typical > 0), 0)


def read_export(path: Path) -> tuple[pd.DataFrame, dict]:
    """The export as text columns, and the `read:` options found (encoding, sep, header_row)."""
    suffix, data = path.suffix.lower(), path.read_bytes()
    if suffix == ".csv":
        text, encoding = _decode(data)
        sep = sniff_separator(max(text.split("\n")[:30], key=lambda line: max(line.count(";"), line.count(","))))
        header = _header_line(text.split("\n"), sep)
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skiprows=header)
        read = {"encoding": encoding, "sep": sep} | ({"header_row": header + 1} if header else {})
    elif suffix == ".xlsx":
        raw = pd.read_excel(io.BytesIO(data), header=None, dtype=object)
        filled = raw.notna().sum(axis=1)
        header = int((filled >= filled.max() * 0.8).idxmax())
        frame = pd.read_excel(io.BytesIO(data), header=header, dtype=object)
        read = {"header_row": header + 1} if header else {}
    elif suffix == ".sav":
        frame, _ = _read_sav(data)
        read = {}
    else:
        raise DraftError(f"draft-mapping reads .csv, .xlsx or .sav, not {printable(suffix)}")
    frame = frame.rename(columns=lambda c: str(c).strip())
    return pd.DataFrame({c: _as_text(frame[c]) for c in frame.columns}), read


def _by_name(name: str, source: Source, taken: set) -> str | None:
    key = _normal(name)
    free = [c.name for c in source.columns if c.name not in taken]
    for canonical in free:  # an exact word first, then the longest word the name contains
        if key == _normal(canonical) or key in NAME_WORDS.get(canonical, ()):
            return canonical
    contained = [(len(w), c) for c in free for w in NAME_WORDS.get(c, ()) if len(w) >= 4 and w in key]
    if contained:
        return max(contained)[1]
    close = difflib.get_close_matches(key, [_normal(c) for c in free], n=1, cutoff=0.8)
    return next((c for c in free if _normal(c) == close[0]), None) if close else None


def _looks_like(values: pd.Series, col: Col) -> bool:
    """Does the column's content fit the canonical column's type?"""
    sample = values.dropna().astype(str).head(200)
    if sample.empty:
        return False
    if col.kind == "date":
        return sample.str.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}").mean() > 0.9
    if col.kind == "bool":
        words = {_normal(v) for v in sample.unique()} - set(NO_ANSWER_WORDS)
        return 0 < len(words) <= 2 and words <= {"ja", "nej", *TRUE_WORDS, *FALSE_WORDS}
    if col.kind == "code":
        return sample.nunique() <= MAX_CODES and any(_code_for(v, col) for v in sample.unique())
    return True


def _question_for(word: str, questions: tuple) -> str | None:
    """The canonical question a counts table's question word most likely is: its own name or one of
    its words ('Prøvet alkohol' -> alcohol_ever), else the longest of their words it contains."""
    key = _normal(word)
    exact = next((q for q in questions if key == _normal(q) or key in NAME_WORDS.get(q, ())), None)
    contained = [(len(w), q) for q in questions for w in NAME_WORDS.get(q, ()) if len(w) >= 4 and w in key]
    return exact or (max(contained)[1] if contained else None)


def _code_for(word: str, col: Col):
    """The canonical value an export word most likely is (None when it cannot tell)."""
    key = _normal(word)
    if col.name == QUESTION:
        return _question_for(word, col.codes)
    if col.kind == "bool":
        return True if key in ("ja", *TRUE_WORDS) else False if key in ("nej", *FALSE_WORDS) else None
    for code in col.codes:
        if key == _normal(code) or key in CODE_WORDS.get(code, ()):
            return code
    return None


def _value_list(values: pd.Series, col: Col, draft: Draft) -> None:
    """The words of a coded column against the canonical codes (no list for many distinct values);
    only words `_listable` allows."""
    if col.kind not in ("bool", "code", "int") or values.nunique() > MAX_CODES:
        return
    if col.kind == "int" and (col.high is None or col.low is None or col.high - col.low > 12):
        return  # an age or a birth year: never listed (small groups could be told apart)
    counts = values.dropna().astype(str).value_counts()
    words: dict[str, object] = {}
    for word in sorted(counts.index):
        if _normal(word) in NO_ANSWER_WORDS:
            if word not in draft.missing:
                draft.missing.append(word)
            continue
        code = None if col.kind == "int" else _code_for(word, col)
        if code is None and not _listable(word, int(counts[word])):
            continue
        if col.kind == "int":
            number = re.search(r"\d+", word)
            if number and number.group() != word:  # '8. klasse' -> 8
                words[word] = int(number.group())
            continue
        if code is None or str(code) != word:
            words[word] = code
    if words:
        draft.values[col.name] = words


def _answer_values(values: pd.Series, source: Source, draft: Draft) -> None:
    """A counts table's answer words against the questions' canonical words (yes/no, then each coded
    question's codes), under `values: {answer: ...}`; numbers (ages) are never listed."""
    coded = [c for c in source.columns if c.name in source.questions and c.kind in ("bool", "code")]
    counts = values.dropna().astype(str).value_counts()
    words = {}
    for word in sorted(counts.index):
        if _normal(word) in NO_ANSWER_WORDS:
            draft.missing += [] if word in draft.missing else [word]
            continue
        if re.fullmatch(r"\d+", word):
            continue
        code = next((found for col in coded for found in [_code_for(word, col)] if found is not None), None)
        if code is not None and str(code).lower() != word.lower():
            words[word] = code
        elif code is None and _listable(word, int(counts[word])):
            words[word] = None
    if words:
        draft.values[ANSWER] = words


def _layout(frame: pd.DataFrame, source: Source) -> Source:
    """The counts layout of a survey when the export has a question column and a count column by
    name (schemas.COUNTS_LAYOUT), else the source itself."""
    names = {_normal(c) for c in frame.columns}
    named = lambda column: any(n == column or n in NAME_WORDS[column] for n in names)
    return source.counts_source() if source.counts_layout and named(QUESTION) and named(COUNT) else source


def _listable(word: str, rows: int) -> bool:
    """May a word the vocabulary does not know be printed? Only a plausible name found in at least
    MIN_WORD_ROWS rows: a CPR number, a name or a rare write-in in a coded column never is."""
    return rows >= MIN_WORD_ROWS and plausible_name(word)


def draft_mapping(source_name: str, path: Path) -> Draft:
    """What `mapping.yaml` for `path` most likely is (module docstring)."""
    frame, read = read_export(Path(path))
    source = _layout(frame, SOURCES[source_name])
    draft = Draft(read=read)
    taken: set = set()
    for position, column in enumerate(frame.columns, start=1):
        if not plausible_name(column):
            draft.hidden.append(position)  # never printed: it may be a value of the first data row
            continue
        canonical = _by_name(column, source, taken)
        if canonical is None or not _looks_like(frame[column], source.column(canonical)):
            candidates = [c for c in source.columns if c.name not in taken and c.kind in ("date", "bool", "code") and _looks_like(frame[column], c)]
            canonical = candidates[0].name if len(candidates) == 1 else canonical
        if canonical is None:
            draft.unplaced.append(column)
            continue
        taken.add(canonical)
        if column != canonical:
            draft.columns[column] = canonical
        col = source.column(canonical)
        if canonical == ANSWER:
            _answer_values(frame[column], SOURCES[source_name], draft)
        _value_list(frame[column], col, draft)
        if col.kind == "date" and frame[column].dropna().astype(str).str.fullmatch(r"\d{1,2}-\d{1,2}-\d{4}").mean() > 0.9:
            draft.date_format = "%d-%m-%Y"
        if col.kind == "float" and frame[column].dropna().astype(str).str.contains(",").any():
            draft.read["decimal"] = ","
    return draft


def draft_yaml(draft: Draft, source_name: str, path: Path) -> str:
    """The draft as the text of mapping.yaml, with comments where the analyst must decide."""
    import yaml

    lines = [f"# Draft mapping for {printable(Path(path).name)} -> {source_name}: check every line, then run 'rusmiddel validate'."]
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False).rstrip("\n")
    if draft.read:
        lines.append(dump({"read": draft.read}))
    if draft.date_format:
        lines.append(dump({"date_format": draft.date_format}))
    if draft.hidden:
        listed = ", ".join(map(str, draft.hidden))
        lines.append(f"# Column(s) {listed} (by position): the names look like values, not column names, so they are not printed;")
        lines.append("# is the header row missing? Export the file again with its column names, then draft again.")
    if draft.columns:
        lines.append(dump({"columns": draft.columns}))
    if draft.unplaced:
        lines.append("# Columns not placed: map each under 'columns:' or list it under 'drop:'")
        lines.append(dump({"drop": draft.unplaced}))
    if draft.missing:
        lines.append(dump({"missing": draft.missing}))
    if draft.values:
        lines.append("# Words found in each coded column; 'null' means no answer, or a word to decide")
        lines.append(dump({"values": draft.values}))
    return "\n".join(lines) + "\n"
