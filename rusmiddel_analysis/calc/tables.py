"""The results tables' columns, named and typed once: a pandera `DataFrameModel` per table.

Every table `calc/results.py` keeps (`TABLES`) has a model here: its columns in order, each with
its type, whether it may be empty (NaN, None), and the named group it belongs to (`group`), so that
code names a group of columns (`columns(Indicators, "detail")`) instead of listing or slicing them.
The modules that build the tables derive their column lists from these models (indicators.COLUMNS,
assessment.COLUMNS, high_risk.PAIR_COUNTS, disclosure.DETAIL_COLUMNS, ...).

`conform` checks a table as it is kept (its values converted to the model's types, so an empty
table has typed columns too) and `check` a table as it is read back (the types as kept); either
raises `TableError`, naming the table, its columns and the checks that failed, never a value: the
tables hold figures about children and about citizens in treatment.

One module rather than a model beside each table: the models share groups (a share's columns in
four high-risk tables; the indicator rows' detail, which disclosure control hides), and the modules
that derive their lists from them import one another; a module at the bottom of calc/ that imports
nothing of the package keeps them free of cycles.
"""

import copy
import functools
import importlib
import sys


def _pandera_without_dask() -> None:
    """Load pandera's dask typing as if dask were absent, unless this process already uses dask.

    Building a model's schema, pandera looks up every dataframe library it supports, and its dask
    typing imports dask.dataframe whenever dask is installed (the `dask` extra, for the Dask
    executor): 31 MB and 0.2 s more in every process that reads a results table, each report kernel
    among them (docs/performance.md). The results tables are pandas tables only."""
    if "dask" in sys.modules or "pandera.typing.dask" in sys.modules:
        return
    sys.modules["dask"] = None  # type: ignore[assignment]  # an import of dask fails while it is None
    try:
        importlib.import_module("pandera.typing.dask")
    finally:
        del sys.modules["dask"]


_pandera_without_dask()

import pandas as pd  # noqa: E402
import pandera.pandas as pa  # noqa: E402
from pandera.typing import Series  # noqa: E402


def _in(group: str, nullable: bool = True):
    """A column of `group` (may be empty unless `nullable` is false)."""
    return pa.Field(nullable=nullable, metadata={"group": group})


def _true_or_false(series: pd.Series) -> pd.Series:
    """A column of Python objects that are true, false or missing (None), as the pages read them."""
    return series.map(lambda v: isinstance(v, bool))


class ResultTable(pa.DataFrameModel):
    """Every results table: exactly its columns, in their order."""

    class Config:
        strict = True
        ordered = True


# --- indicators: indicators.compute (totals and subgroups) -------------------------------------


class Indicators(ResultTable):
    """One row per target, year and group (indicators.compute): the totals (`by` 'all') and every
    published breakdown (`subgroups`)."""

    target_id: Series[str] = _in("keys", nullable=False)
    year: Series[int] = _in("keys", nullable=False)
    group: Series[str] = _in("keys", nullable=False)
    # the published counts and share (disclosure.COUNT_COLUMNS, disclosure.VALUE_COLUMNS)
    numerator: Series[float] = _in("counts")
    denominator: Series[float] = _in("counts")
    value: Series[float] = _in("estimate")
    ci_low: Series[float] = _in("estimate")
    ci_high: Series[float] = _in("estimate")
    suppressed: Series[bool] = _in("suppression", nullable=False)
    by: Series[str] = _in("keys", nullable=False)
    unit: Series[str] = _in("keys", nullable=False)
    suppression: Series[str] = _in("suppression", nullable=False)
    # detail that could also give a hidden cell away (a small group's no-answers, unknowns, contacts):
    # hidden with its row (disclosure.DETAIL_COLUMNS); only some indicator types fill each
    no_answer: Series[float] = _in("detail")
    unknown_share: Series[float] = _in("detail")
    contact_rate: Series[float] = _in("detail")
    effective_n: Series[float] = _in("detail")
    design_effect: Series[float] = _in("detail")
    clusters: Series[float] = _in("detail")
    design_df: Series[float] = _in("detail")
    standardised_value: Series[float] = _in("detail")
    standardised_low: Series[float] = _in("detail")
    standardised_high: Series[float] = _in("detail")
    standardised_coverage: Series[float] = _in("detail")
    common_clusters: Series[float] = _in("detail")
    coverage: Series[float] = _in("detail")
    common_value: Series[float] = _in("detail")
    common_low: Series[float] = _in("detail")
    common_high: Series[float] = _in("detail")
    common_baseline_value: Series[float] = _in("detail")
    baseline_measured: Series[float] = _in("detail")
    change: Series[float] = _in("detail")
    change_se: Series[float] = _in("detail")
    change_df: Series[float] = _in("detail")
    trend_slope: Series[float] = _in("detail")
    trend_se: Series[float] = _in("detail")
    trend_df: Series[float] = _in("detail")
    trend_years: Series[str] = _in("detail")
    bound_low: Series[float] = _in("detail")
    bound_high: Series[float] = _in("detail")
    population: Series[float] = _in("detail")
    rate: Series[float] = _in("detail")
    rate_low: Series[float] = _in("detail")
    rate_high: Series[float] = _in("detail")
    # what a survey year's data cannot give (calc/survey_counts.py): codes joined by ';', '' for none
    estimation_limits: Series[str] = _in("limits", nullable=False)


class FollowUp(ResultTable):
    """indicators.follow_up_summary: per end year, months, substance and caller."""

    year: Series[int] = _in("keys", nullable=False)
    months: Series[int] = _in("keys", nullable=False)
    substance: Series[str] = _in("keys", nullable=False)
    contacted_by: Series[str] = _in("keys", nullable=False)
    episodes: Series[float] = _in("numbers")
    reached: Series[float] = _in("numbers")
    contact_rate: Series[float] = _in("numbers")
    success_share: Series[float] = _in("numbers")
    usable: Series[object] = _in("quality")

    @pa.check("usable", name="true or false")
    def _usable(cls, series: pd.Series) -> pd.Series:
        return _true_or_false(series)


# --- assessment: assessment.assess per report year ----------------------------------------------


class Assessment(ResultTable):
    """One row per target and report year (assessment.assess). The published columns of
    assessment.csv: never rename or drop one; new ones go at the end. Its text columns are those not
    typed as numbers (assessment.TEXT_COLUMNS)."""

    target_id: Series[str] = _in("published", nullable=False)
    year: Series[int] = _in("published", nullable=False)
    measured_year: Series[pd.Int64Dtype] = _in("published")
    value: Series[float] = _in("published")
    numerator: Series[float] = _in("published")
    denominator: Series[float] = _in("published")
    ci_low: Series[float] = _in("published")
    ci_high: Series[float] = _in("published")
    baseline_value: Series[float] = _in("published")
    target_value: Series[float] = _in("published")
    required_value: Series[float] = _in("published")
    progress_ratio: Series[float] = _in("published")
    status: Series[str] = _in("published")
    vs_target: Series[str] = _in("published")
    change_significant: Series[object] = _in(
        "published",
    )
    trend: Series[str] = _in("published")
    projected_value: Series[float] = _in("published")
    projected_low: Series[float] = _in("published")
    projected_high: Series[float] = _in("published")
    data_quality: Series[str] = _in("published")
    # further detail for reports
    baseline_year: Series[int] = _in("detail", nullable=False)
    target_year: Series[int] = _in("detail", nullable=False)
    unit: Series[str] = _in("detail", nullable=False)
    kind: Series[str] = _in("detail")
    change_p_value: Series[float] = _in("detail")
    trend_p_value: Series[float] = _in("detail")
    trend_points: Series[float] = _in("detail")
    trend_reason: Series[str] = _in("detail")
    measured_years: Series[int] = _in("detail", nullable=False)
    unknown_share: Series[float] = _in("detail")
    contact_rate: Series[float] = _in("detail")
    projection_gap: Series[float] = _in("detail")
    # the verdict scheme (docs/methodology.md, section 3)
    change_p_adjusted: Series[float] = _in("verdict")
    verdict_reason: Series[str] = _in("verdict")
    effective_target_value: Series[float] = _in("verdict")
    on_track_value: Series[float] = _in("verdict")
    maintain_margin: Series[float] = _in("verdict")
    effective_n: Series[float] = _in("verdict")
    confidence: Series[float] = _in("verdict")
    trend_min_points: Series[int] = _in("verdict", nullable=False)
    # survey design, unknown outcomes and counts in context (docs/methodology.md 2.2-2.7): the
    # `carried` columns are copied from the latest measurement's indicator row as they are
    design_effect: Series[float] = _in("carried")
    clusters: Series[float] = _in("carried")
    standardised_value: Series[float] = _in("carried")
    standardised_low: Series[float] = _in("carried")
    standardised_high: Series[float] = _in("carried")
    common_clusters: Series[float] = _in("carried")
    coverage: Series[float] = _in("carried")
    common_value: Series[float] = _in("carried")
    common_low: Series[float] = _in("carried")
    common_high: Series[float] = _in("carried")
    common_baseline_value: Series[float] = _in("carried")
    bound_low: Series[float] = _in("carried")
    bound_high: Series[float] = _in("carried")
    population: Series[float] = _in("carried")
    rate: Series[float] = _in("carried")
    rate_low: Series[float] = _in("carried")
    rate_high: Series[float] = _in("carried")
    dispersion: Series[float] = _in("context")
    dispersion_p_value: Series[float] = _in("context")
    # what the trend and projection use: from the latest method break on, without failing years
    method_break_year: Series[float] = _in("context")
    excluded_years: Series[str] = _in("context")
    caveats: Series[str] = _in("context")
    trend_confidence: Series[float] = _in("context")
    # where the measurement stands and how sure that is (docs/methodology.md, section 3)
    certainty: Series[str] = _in("verdict")
    p_goal_met: Series[float] = _in("verdict")
    p_on_track: Series[float] = _in("verdict")
    source_kind: Series[str] = _in("verdict", nullable=False)
    beyond_normal_variation: Series[object] = _in("verdict")
    change_basis: Series[str] = _in("verdict")
    design_df: Series[float] = _in("carried")
    baseline_measured: Series[float] = _in("carried")
    change_se: Series[float] = _in("carried")
    change_df: Series[float] = _in("carried")
    watch: Series[bool] = _in("verdict", nullable=False)
    # why a target is watched: beyond_chance (the change test, Holm-corrected), half_margin (a level to keep)
    watch_reason: Series[str] = _in("verdict", nullable=False)

    @pa.check("change_significant", "beyond_normal_variation", name="true or false")
    def _tests(cls, series: pd.Series) -> pd.Series:
        return _true_or_false(series)


# --- the high-risk tables: calc/high_risk.py ----------------------------------------------------


class CoOccurrence(ResultTable):
    """high_risk.co_occurrence: one row per year and ordered pair of behaviours, as published
    (`high_risk`) and with its exact counts (`pair_counts`, the analyst's own)."""

    year: Series[int] = _in("keys", nullable=False)
    exposure: Series[str] = _in("keys", nullable=False)
    outcome: Series[str] = _in("keys", nullable=False)
    # the pair's 2x2 counts, its shares (percent) and its ratios with their intervals
    exposed_n: Series[float] = _in("counts")
    exposed_cases: Series[float] = _in("counts")
    unexposed_n: Series[float] = _in("counts")
    unexposed_cases: Series[float] = _in("counts")
    risk_exposed: Series[float] = _in("risks")
    risk_unexposed: Series[float] = _in("risks")
    risk_difference: Series[float] = _in("risks")
    relative_risk: Series[float] = _in("ratios")
    rr_low: Series[float] = _in("ratios")
    rr_high: Series[float] = _in("ratios")
    odds_ratio: Series[float] = _in("ratios")
    or_low: Series[float] = _in("ratios")
    or_high: Series[float] = _in("ratios")
    suppressed: Series[bool] = _in("suppression", nullable=False)


class BehaviourCounts(ResultTable):
    """high_risk.behaviour_counts: pupils with 0, 1, ... of the behaviours, in all and by grade and gender.
    `left_out`: a residual group's row that the distribution does not show."""

    year: Series[int] = _in("keys", nullable=False)
    dimension: Series[str] = _in("keys", nullable=False)
    group: Series[str] = _in("keys", nullable=False)
    behaviours: Series[int] = _in("keys", nullable=False)
    numerator: Series[float] = _in("share")
    denominator: Series[float] = _in("share")
    value: Series[float] = _in("share")
    ci_low: Series[float] = _in("share")
    ci_high: Series[float] = _in("share")
    effective_n: Series[float] = _in("share")
    suppressed: Series[bool] = _in("suppression", nullable=False)
    left_out: Series[bool] = _in("suppression", nullable=False)


class MultipleBehaviours(ResultTable):
    """high_risk.multiple_behaviours: the share with at least settings.high_risk.multiple behaviours, per year."""

    year: Series[int] = _in("keys", nullable=False)
    numerator: Series[float] = _in("share")
    denominator: Series[float] = _in("share")
    value: Series[float] = _in("share")
    ci_low: Series[float] = _in("share")
    ci_high: Series[float] = _in("share")
    effective_n: Series[float] = _in("share")
    suppressed: Series[bool] = _in("suppression", nullable=False)


class MultipleTrend(ResultTable):
    """high_risk.multiple_trends: per report year, the test for trend of the share with several
    behaviours (stats.TrendResult's fields after the years it reads; NaN when no year is shown)."""

    report_year: Series[int] = _in("keys", nullable=False)
    first_year: Series[float] = _in("years")
    last_year: Series[float] = _in("years")
    statistic: Series[float] = _in("trend")
    p_value: Series[float] = _in("trend")
    direction: Series[str] = _in("trend", nullable=False)
    significant: Series[bool] = _in("trend", nullable=False)
    n_points: Series[int] = _in("trend", nullable=False)
    confidence: Series[float] = _in("trend", nullable=False)
    reason: Series[str] = _in("trend", nullable=False)


class EarlyDebut(ResultTable):
    """high_risk.early_debut: the share in the early grades who have tried each behaviour."""

    year: Series[int] = _in("keys", nullable=False)
    behaviour: Series[str] = _in("keys", nullable=False)
    numerator: Series[float] = _in("share")
    denominator: Series[float] = _in("share")
    value: Series[float] = _in("share")
    ci_low: Series[float] = _in("share")
    ci_high: Series[float] = _in("share")
    effective_n: Series[float] = _in("share")
    suppressed: Series[bool] = _in("suppression", nullable=False)


class DebutAges(ResultTable):
    """high_risk.debut_ages: the share of an early debut and the median debut age, per behaviour and year."""

    year: Series[int] = _in("keys", nullable=False)
    behaviour: Series[str] = _in("keys", nullable=False)
    numerator: Series[float] = _in("share")
    denominator: Series[float] = _in("share")
    value: Series[float] = _in("share")
    ci_low: Series[float] = _in("share")
    ci_high: Series[float] = _in("share")
    effective_n: Series[float] = _in("share")
    median_age: Series[float] = _in("age")
    suppressed: Series[bool] = _in("suppression", nullable=False)


class Unavailable(ResultTable):
    """high_risk.unavailable: per year of a counts table, the high-risk tables it cannot give, and why."""

    year: Series[int] = _in("keys", nullable=False)
    table: Series[str] = _in("keys", nullable=False)
    reason: Series[str] = _in("reason", nullable=False)


# --- other areas: calc/comparators.py ------------------------------------------------------------


class Comparators(ResultTable):
    """comparators.comparator_rows: the comparator areas' figures per target, area and year."""

    target_id: Series[str] = _in("keys", nullable=False)
    area: Series[str] = _in("keys", nullable=False)
    year: Series[int] = _in("keys", nullable=False)
    value: Series[float] = _in("estimate")
    ci_low: Series[float] = _in("estimate")
    ci_high: Series[float] = _in("estimate")
    interval: Series[str] = _in("estimate")
    numerator: Series[float] = _in("counts")
    denominator: Series[float] = _in("counts")
    unit: Series[str] = _in("keys", nullable=False)


class Differences(ResultTable):
    """comparators.differences: per report year, comparators.Difference's fields in their order."""

    report_year: Series[int] = _in("keys", nullable=False)
    target_id: Series[str] = _in("difference", nullable=False)
    area: Series[str] = _in("difference", nullable=False)
    unit: Series[str] = _in("difference", nullable=False)
    baseline_year: Series[int] = _in("difference", nullable=False)
    year: Series[int] = _in("difference", nullable=False)
    municipality_baseline: Series[float] = _in("difference")
    municipality_value: Series[float] = _in("difference")
    comparator_baseline: Series[float] = _in("difference")
    comparator_value: Series[float] = _in("difference")
    municipality_change: Series[float] = _in("difference")
    comparator_change: Series[float] = _in("difference")
    difference: Series[float] = _in("difference")
    low: Series[float] = _in("difference")
    high: Series[float] = _in("difference")
    confidence: Series[float] = _in("difference")
    excludes_zero: Series[bool] = _in("difference", nullable=False)
    comparator_exact: Series[bool] = _in("difference", nullable=False)


# each kept table (results.TABLES) and its model
MODELS: dict[str, type[ResultTable]] = {
    "totals": Indicators,
    "subgroups": Indicators,
    "follow_up": FollowUp,
    "assessment": Assessment,
    "high_risk": CoOccurrence,
    "pair_counts": CoOccurrence,
    "behaviour_counts": BehaviourCounts,
    "multiple_behaviours": MultipleBehaviours,
    "multiple_trend": MultipleTrend,
    "early_debut": EarlyDebut,
    "debut_ages": DebutAges,
    "high_risk_unavailable": Unavailable,
    "comparators": Comparators,
    "differences": Differences,
}


def columns(model: type[ResultTable], *groups: str) -> list[str]:
    """The model's columns in order; with `groups`, only those of the named groups."""
    fields = model.to_schema().columns
    return [name for name, column in fields.items() if not groups or (column.metadata or {}).get("group") in groups]


def numeric_columns(model: type[ResultTable]) -> list[str]:
    """The model's columns typed as numbers (true/false and text not)."""
    fields = model.to_schema().columns
    return [name for name, column in fields.items() if _is_number(column.dtype.type)]


def _is_number(dtype) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


class TableError(ValueError):
    """A results table that does not match its model: the message names columns and checks, never a value."""


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Results table `name` as it is kept: converted to its model's types and checked (TableError)."""
    return _validated(name, _schema(MODELS[name], coerce=True), frame)


def check(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Results table `name` as it was kept, checked against its model with its types as they are (TableError)."""
    return _validated(name, _schema(MODELS[name], coerce=False), frame)


@functools.cache
def _schema(model: type[ResultTable], coerce: bool) -> pa.DataFrameSchema:
    """The model's schema, converting to its types or not (a copy: pandera keeps one schema per model)."""
    schema = copy.deepcopy(model.to_schema())
    schema.coerce = coerce
    return schema


def _validated(name: str, schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` validated by `schema`; pandera's own message (which quotes values) is never passed on."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        said = _problems(exc.failure_cases)
    except pa.errors.SchemaError as exc:  # raised at once, not collected: its reason and column only
        said = [f"column '{getattr(exc.schema, 'name', None)}' fails {exc.reason_code}"]
    raise TableError(f"results table '{name}' does not match its model {schema.name}: {'; '.join(said)}")


# the frame-level checks whose failure case is a column's name (never a value)
_COLUMN_CHECKS = {"column_in_schema": "unexpected column", "column_in_dataframe": "missing column", "column_ordered": "column out of order"}


def _problems(cases: pd.DataFrame) -> list[str]:
    """pandera's failure cases as column and check names, each once: a failure case is a cell's
    value (a type's check included), so only the frame-level checks' column names are said."""
    said = []
    for case in cases.itertuples():
        context, column, check_name = case.schema_context, case.column, str(case.check)
        if context == "DataFrameSchema" and check_name in _COLUMN_CHECKS:
            text = f"{_COLUMN_CHECKS[check_name]} '{case.failure_case}'"
        else:
            text = f"column '{column}' fails {check_name}"
        if text not in said:
            said.append(text)
    return said
