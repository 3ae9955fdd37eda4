"""The canonical formats of the sources, as data.

One table per source says each column's type, whether it is required, its code list or
range, and which columns form a key. From it we parse exports into typed frames, build
the pandera schemas that validate them, and document them (docs/data-formats.md). A survey
source may also arrive as counts (the provider's tables: answers counted by year and breakdowns);
`Source.counts_source` derives that layout's format from the survey's own columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from rusmiddel_analysis.config.settings import SOURCE_KINDS

GENDERS = ("male", "female", "other")
EDUCATION_TYPES = ("stx", "hhx", "htx", "hf", "eud", "sosu", "other")
ALCOHOL_FREQUENCIES = ("never", "less_than_monthly", "monthly", "weekly", "several_times_weekly", "daily")
END_STATUSES = ("abstinent", "reduced", "unchanged", "increased", "unknown")
END_REASONS = ("completed", "dropped_out", "transferred", "deceased", "other")


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # id, text, int, float, bool, code, date
    required: bool = True  # must the column exist
    nullable: bool = True  # may a value be empty (no answer)
    codes: tuple = ()
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    survey_year: str | None = None  # column of the survey year: rows outside the strategy's years are left out
    identifiers: tuple[str, ...] = ()  # person-level ids: never printed, scanned for in outputs
    date_order: tuple[str, str] | None = None
    extra_checks: tuple[str, ...] = field(default=())
    # breakdowns: every dimension an analyst may use, and those the reports publish (never a single
    # school or institution); `age_group` is derived from birth_year with the strategy's bands
    subgroups: tuple[str, ...] = ()
    published_subgroups: tuple[str, ...] = ()
    # register data about citizens in treatment: a subgroup share of 0 % or 100 % is hidden at any size
    health_data: bool = False
    # a municipality without this register still gets every target that does not need it
    optional: bool = False
    # (column, source, what a row of it is): every value of the column must name a row of that source
    refers_to: tuple[str, str, str] | None = None
    # a survey's sampling cluster (whole classes at a school answer): intervals are cluster-robust
    # when the column is present (calc/survey.py)
    cluster: str | None = None
    # the strata whose mix a share is directly standardised to (the baseline year's mix)
    standardise_by: tuple[str, ...] = ()
    # `survey`: a sample that estimates its population (intervals are sampling uncertainty);
    # `register`: it counts everyone a target names, so a target's value is exact (its interval
    # says only how much the count varies from year to year). A strategy may override it
    # (settings.source_kinds).
    kind: str = "register"
    # a survey whose exports may also be counts of answers (COUNTS_LAYOUT) instead of one row per respondent
    counts_layout: bool = False
    # the layout this format describes: one row per respondent (or record), or counts (`counts_source`)
    layout: str = "answers"

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"source '{self.name}': kind must be one of {', '.join(SOURCE_KINDS)}")

    @property
    def year_columns(self) -> tuple[str, ...]:
        """The columns that say which year a row belongs to: the survey year, or the dates."""
        return (self.survey_year,) if self.survey_year else tuple(c.name for c in self.columns if c.kind == "date")

    def column(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def questions(self) -> tuple[str, ...]:
        """The answer columns a counts table may count (`question`): every column that is not an
        identifier, the year, a breakdown or the weight."""
        other = {*self.identifiers, self.survey_year, *self.subgroups, WEIGHT.name}
        return tuple(c.name for c in self.columns if c.name not in other)

    @property
    def mapping_names(self) -> list[str]:
        """The canonical names a mapping.yaml may recode under `values:` (the counts layout's too)."""
        return self.names + ([QUESTION, ANSWER] if self.counts_layout else [])

    def counts_source(self) -> Source:
        """The counts layout of a survey: year, the breakdowns it has, question, answer, count and the
        optional weight; one row per year, breakdown cell, question and answer (docs/data-formats.md)."""
        breakdowns = tuple(dataclasses.replace(self.column(name), required=False, nullable=name != self.cluster) for name in self.subgroups)
        return dataclasses.replace(
            self,
            description=f"{self.description}, as counts of answers",
            columns=(SURVEY_YEAR, *breakdowns, dataclasses.replace(QUESTION_COL, codes=self.questions), ANSWER_COL, COUNT_COL, WEIGHT),
            key=("year", *self.subgroups, QUESTION, ANSWER, WEIGHT.name),
            identifiers=(),
            counts_layout=False,
            layout=COUNTS,
        )


# Columns both Ungeprofilen surveys share, defined once so their rules cannot drift apart.
RESPONDENT_ID = Col("respondent_id", "id", nullable=False, description="survey respondent id, unique within a year", example="S15-004711")
SURVEY_YEAR = Col("year", "int", nullable=False, low=1990, high=2100, description="survey year", example="2015")
GENDER = Col("gender", "code", codes=GENDERS, example="female")
HASH_EVER = Col("hash_ever", "bool", description="has ever smoked hash", example="false")
# A weight column is optional, but when present every row needs one: a missing weight would
# otherwise silently mix weighted and unweighted estimates.
WEIGHT = Col(
    "weight",
    "float",
    required=False,
    nullable=False,
    low=0,
    low_exclusive=True,
    description="optional survey weight, > 0; when the column is present, every row needs one",
    example="1.0",
)
# The counts layout of a survey (a provider's tables): these three columns make a file a counts table.
QUESTION, ANSWER, COUNT = "question", "answer", "count"
COUNTS_LAYOUT = (QUESTION, ANSWER, COUNT)
COUNTS = "counts"  # the layout's name, in the manifest and the processed file's name (<source>.counts.parquet)
QUESTION_COL = Col(QUESTION, "code", nullable=False, description="the answer column counted, e.g. alcohol_ever", example="alcohol_ever")
ANSWER_COL = Col(ANSWER, "text", description="the answer, in the question's canonical words (true/false, a code); empty: no answer", example="false")
COUNT_COL = Col(
    COUNT, "float", nullable=False, low=0, description="how many respondents gave the answer (a weighted count may have decimals)", example="212"
)


def _survey(name: str, description: str, subgroups: tuple[str, ...], standardise_by: tuple[str, ...], *columns: Col) -> Source:
    """A survey source: respondent id and year first, the optional weight last, one row per respondent and year.

    `subgroups` are its breakdowns, the first being the single unit (school, institution) that
    analysts may look at but the reports never publish; it is also the sampling cluster.
    `standardise_by` are the strata of direct standardisation."""
    return Source(
        name=name,
        description=description,
        columns=(RESPONDENT_ID, SURVEY_YEAR, *columns, WEIGHT),
        key=("year", "respondent_id"),
        survey_year="year",
        identifiers=("respondent_id",),
        subgroups=subgroups,
        published_subgroups=subgroups[1:],
        cluster=subgroups[0],
        standardise_by=standardise_by,
        kind="survey",
        counts_layout=True,
    )


SOURCES: dict[str, Source] = {
    "ungeprofil_skole": _survey(
        "ungeprofil_skole",
        "Ungeprofilen, pupils in grades 6-10 (one row per pupil and survey year)",
        ("school", "gender", "grade"),
        ("grade", "gender"),
        Col("school", "text", required=False, description="school name (the sampling cluster; optional)", example="Vestbjerg Skole"),
        Col("grade", "int", low=6, high=10, description="grade, 6-10", example="8"),
        GENDER,
        Col("alcohol_ever", "bool", description="has ever drunk alcohol", example="false"),
        HASH_EVER,
        Col("other_drugs_ever", "bool", description="has ever taken other drugs", example="false"),
        Col("parent_agreement", "bool", description="has an agreement with parents not to drink at parties or when out", example="true"),
        Col("smoking_ever", "bool", description="has ever smoked", example="false"),
        *(
            Col(
                f"{what}_debut_age",
                "int",
                required=False,
                low=8,
                high=25,
                description=f"age when the pupil first {verb} (optional; empty if never)",
                example="13",
            )
            for what, verb in (("smoking", "smoked"), ("alcohol", "drank alcohol"), ("hash", "tried hash"))
        ),
    ),
    "ungeprofil_ungdom": _survey(
        "ungeprofil_ungdom",
        "Ungeprofilen, students in upper secondary education (one row per student and survey year)",
        ("institution", "gender", "education_type"),
        ("education_type", "gender"),
        Col("institution", "text", required=False, description="institution name (the sampling cluster; optional)", example="Aalborg Katedralskole"),
        Col("education_type", "code", codes=EDUCATION_TYPES, example="stx"),
        GENDER,
        Col("age", "int", low=13, high=30, description="age in years", example="17"),
        Col("alcohol_frequency", "code", codes=ALCOHOL_FREQUENCIES, description="how often the student drinks alcohol", example="monthly"),
        HASH_EVER,
        Col("other_drugs_ever", "bool", description="has ever taken drugs other than hash", example="false"),
    ),
    "behandling_forloeb": Source(
        name="behandling_forloeb",
        description="treatment episodes from the municipal treatment register (one row per episode)",
        columns=(
            Col("person_id", "id", nullable=False, description="pseudonymous person id (never a CPR number)", example="3f9a0c51d2e87b44"),
            Col("episode_id", "id", nullable=False, description="episode id, unique", example="F-2016-00042"),
            Col("substance", "code", nullable=False, codes=("alcohol", "drugs"), example="drugs"),
            Col("start_date", "date", nullable=False, description="start of treatment", example="2016-03-14"),
            Col("end_date", "date", description="end of treatment, empty while ongoing", example="2016-11-02"),
            Col("end_status", "code", codes=END_STATUSES, description="status at the end, empty while ongoing", example="reduced"),
            Col("end_reason", "code", codes=END_REASONS, description="why the episode ended, empty while ongoing", example="completed"),
            Col("gender", "code", codes=GENDERS, example="male"),
            Col("birth_year", "int", low=1900, high=2100, example="1984"),
            Col("psychiatric_disability", "bool", description="reduced psychiatric functioning", example="false"),
            Col("ethnic_minority", "bool", description="ethnic background other than Danish", example="false"),
        ),
        key=("episode_id",),
        identifiers=("person_id", "episode_id"),
        date_order=("start_date", "end_date"),
        extra_checks=("ended_needs_status",),
        subgroups=("substance", "gender", "age_group", "psychiatric_disability", "ethnic_minority"),
        published_subgroups=("substance", "gender", "age_group", "psychiatric_disability", "ethnic_minority"),
        health_data=True,
    ),
    "behandling_opfoelgning": Source(
        name="behandling_opfoelgning",
        description="follow-up contacts 1, 6 and 12 months after treatment (one row per episode and follow-up)",
        columns=(
            Col("episode_id", "id", nullable=False, description="the episode followed up", example="F-2016-00042"),
            Col("months", "int", nullable=False, codes=(1, 6, 12), description="1, 6 or 12", example="6"),
            Col("contacted", "bool", nullable=False, description="was the citizen reached", example="true"),
            Col("contacted_by", "code", codes=("therapist", "administrative"), example="therapist"),
            Col("status", "code", codes=END_STATUSES, description="status at follow-up, empty when not contacted", example="abstinent"),
        ),
        key=("episode_id", "months"),
        identifiers=("episode_id",),
        extra_checks=("status_needs_contact",),
        health_data=True,
        optional=True,
        refers_to=("episode_id", "behandling_forloeb", "an episode"),
    ),
    "befolkning": Source(
        name="befolkning",
        description="residents aged 18 and over in the municipality (one row per year), e.g. from Statistics Denmark's FOLK1A",
        columns=(
            Col("year", "int", nullable=False, low=1990, high=2100, description="year (the population on 1 January)", example="2016"),
            Col("residents", "int", nullable=False, low=1, description="residents aged 18 and over", example="172318"),
        ),
        key=("year",),
        optional=True,
    ),
    "sammenligning": Source(
        name="sammenligning",
        description="published figures for other areas (the country, a region) per target and year (one row per target, area and year)",
        columns=(
            Col("target_id", "text", nullable=False, description="the strategy's target the figure compares with", example="skole_alkohol"),
            Col("area", "text", nullable=False, description="the area, as the pages name it", example="Hele landet"),
            Col("year", "int", nullable=False, low=1990, high=2100, description="year (one of the strategy's years)", example="2015"),
            Col("value", "float", nullable=False, low=0, description="the figure, in the target's unit (percent or persons)", example="43.1"),
            Col("numerator", "float", required=False, low=0, description="optional: the count behind a share, or the count itself", example="25860"),
            Col("denominator", "float", required=False, low=0, low_exclusive=True, description="optional: answers behind a share", example="60000"),
            Col("ci_low", "float", required=False, low=0, description="optional: the publisher's own interval, lower end", example="42.7"),
            Col("ci_high", "float", required=False, low=0, description="optional: the publisher's own interval, upper end", example="43.5"),
        ),
        key=("target_id", "area", "year"),
        optional=True,
    ),
}
# the treatment register's two sources, the population and the comparators, by role
EPISODES, FOLLOW_UPS, POPULATION, COMPARATORS = "behandling_forloeb", "behandling_opfoelgning", "befolkning", "sammenligning"
# a comparator share given with its numerator and denominator must equal 100 x numerator / denominator
# to within this many percentage points (a published share rounded to whole percent)
COMPARATOR_SHARE_TOLERANCE = 0.5

# Frame-level checks and the columns each needs.
EXTRA_CHECK_COLUMNS = {"ended_needs_status": ("end_date", "end_status"), "status_needs_contact": ("status", "contacted")}

TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}


def pandera_schema(source: Source, today: dt.date):
    """The pandera schema that checks a typed frame of `source`.

    Types are already parsed (see `ingest.parse_column`); these checks are about values:
    code lists, ranges, keys, date order and dates in the future. Survey years outside the
    strategy's are not an error: those rows are left out (validation.load_source) and counted.
    """
    import pandera.pandas as pa

    def check(test, name):
        return pa.Check(test, name=name, element_wise=False)

    columns = {}
    for col in source.columns:
        checks = []
        if col.codes:
            codes = list(col.codes)
            checks.append(check(lambda s, codes=codes: s.isin(codes), f"one of {', '.join(map(str, col.codes))}"))
        if col.low is not None and not col.codes:
            low = col.low
            if col.low_exclusive:
                checks.append(check(lambda s, low=low: s > low, f"greater than {low:g}"))
            else:
                checks.append(check(lambda s, low=low: s >= low, f"at least {low:g}"))
        if col.high is not None and not col.codes:
            high = col.high
            checks.append(check(lambda s, high=high: s <= high, f"at most {high:g}"))
        if col.kind == "date":
            checks.append(check(lambda s: s <= pd.Timestamp(today), "not in the future"))
        columns[col.name] = pa.Column(nullable=col.nullable, required=col.required, checks=checks, name=col.name)

    frame_checks = []
    if source.key:
        frame_checks.append(pa.Check(lambda df: ~df.duplicated(list(source.key), keep=False), name=f"unique {' + '.join(source.key)}"))
    if source.date_order:
        first, last = source.date_order
        frame_checks.append(pa.Check(lambda df: df[last].isna() | (df[last] >= df[first]), name=f"{last} not before {first}"))
    if "ended_needs_status" in source.extra_checks:
        frame_checks.append(pa.Check(lambda df: df["end_date"].isna() == df["end_status"].isna(), name="end_status given exactly when end_date is"))
    if "status_needs_contact" in source.extra_checks:
        frame_checks.append(
            pa.Check(lambda df: df["status"].isna() | df["contacted"].fillna(False).astype(bool), name="status empty when not contacted")
        )
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=True, coerce=False, name=source.name)
