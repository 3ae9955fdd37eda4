"""A survey share's yearly estimates under the survey design: the tables behind indicators' share rows.

`answers_frame` turns a survey source into one row per respondent with the question's answer
and success, weight, sampling cluster and standardisation stratum; a counts table's row stands for
its count of answers (a frequency weight), so the same estimators give the same numbers from the
counts as from the answers they count, as far as the counts hold the clusters and strata. From it:

- `design_shares`: per year (and group), the weighted share with its cluster-robust interval,
  effective sample size, design effect and number of clusters (docs/methodology.md 2.2);
- `standardised_shares`: per year, the share directly standardised to a standard year's mix of
  strata, with its interval (2.3);
- `common_cluster_shares`: per year, how much of the year's and the baseline year's answers come
  from schools/institutions that answered in both, and the share among those alone (2.4).

The formulas are in survey.py; this module only groups the answers into the sums they need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc import stats, survey
from rusmiddel_analysis.calc.disclosure import Rules, primary_suppression

UNKNOWN_STRATUM = "unknown"


def cluster_codes(column: pd.Series | None, rows: int) -> np.ndarray:
    """Whole codes of each row's sampling cluster; a row without one (or a source without the
    column) is its own cluster, so it counts as an independent answer."""
    if column is None:
        return np.arange(rows)
    return own_clusters(pd.factorize(column)[0])


def own_clusters(codes: np.ndarray) -> np.ndarray:
    """Factorised cluster codes (-1: no cluster) with each row without a cluster given a code of its own."""
    codes = np.array(codes)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def stratum_keys(frame: pd.DataFrame, present: list[str]) -> pd.MultiIndex:
    """Each row's standardisation stratum as its values of the `present` strata columns, as text."""
    return pd.MultiIndex.from_arrays([frame[c].astype("string").fillna(UNKNOWN_STRATUM).to_numpy(object) for c in present])


def stratum_codes(frame: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Whole codes of each row's standardisation stratum (a missing value is a stratum of its own)."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return np.zeros(len(frame), dtype=int)
    codes, _ = pd.factorize(stratum_keys(frame, present))
    return codes


def extend_factorised(head: tuple[np.ndarray, pd.Index], tail) -> np.ndarray:
    """The codes `pd.factorize` gives rows `head` (its codes and uniques) followed by `tail`, without
    factorising the head again: a value of the tail seen in the head gets the head's code, a new one
    the next code in order of appearance."""
    codes, uniques = head
    if len(tail) == 0:
        return np.array(codes)
    both = uniques.append(tail) if isinstance(uniques, pd.MultiIndex) else pd.concat([pd.Series(uniques), pd.Series(tail)], ignore_index=True)
    return np.concatenate([codes, pd.factorize(both)[0][len(uniques) :]])


def answers_frame(
    frame: pd.DataFrame,
    answered,
    success,
    group,
    cluster_column: str | None,
    strata: tuple[str, ...],
    counts=None,
    clustered=None,
    stratified=None,
    codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per respondent (or per row of a counts table): year, group, cluster, stratum, answered,
    success and the weight sums' terms.

    `counts` (a counts table's counts; 1 for a respondent's row) makes a row stand for that many
    answers, each with the row's weight: w = count · weight, w² = count · weight², so every sum the
    estimators use (Σw, Σwy, Σw², Σw²y by cluster and stratum; the numbers of answers) is the sum
    over the answers it counts. `clustered` says per row whether its cluster is known (default: the
    frame has the cluster column), `stratified` whether its year has the strata columns (default: yes).
    `codes`: the rows' cluster and stratum codes when already known (survey_counts.design_codes)."""
    weights = frame["weight"].to_numpy(float) if "weight" in frame.columns else np.ones(len(frame))
    n = np.ones(len(frame), dtype=int) if counts is None else np.asarray(counts)
    has_cluster = cluster_column is not None and cluster_column in frame.columns
    if codes is None:
        codes = (cluster_codes(frame[cluster_column] if has_cluster else None, len(frame)), stratum_codes(frame, strata))
    return pd.DataFrame(
        {
            "year": frame["year"].to_numpy(int),
            "group": pd.Categorical(group),
            "cluster": codes[0],
            "stratum": codes[1],
            "answered": answered,
            "success": success,
            "n": n,
            "n_answered": np.where(answered, n, 0),
            "n_success": np.where(success, n, 0),
            "w": np.where(answered, n * weights, 0.0),
            "wy": np.where(success, n * weights, 0.0),
            "w2": np.where(answered, n * weights**2, 0.0),
            "clustered": np.broadcast_to(has_cluster if clustered is None else np.asarray(clustered, dtype=bool), len(frame)),
            "stratified": np.broadcast_to(True if stratified is None else np.asarray(stratified, dtype=bool), len(frame)),
        }
    ).assign(w2y=lambda d: np.where(d["success"], d["w2"], 0.0))


def clustered_years(work: pd.DataFrame) -> set[int]:
    """The years whose every row has its sampling cluster: the years with a design-based variance."""
    flags = work.groupby("year")["clustered"].all()
    return {int(y) for y in flags[flags].index}


def _cluster_design(work: pd.DataFrame, rows: pd.DataFrame, share: np.ndarray, kish: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The design-based effective n, the clusters with answers of `rows` (year, group) and C, the
    clusters with answers in the year, from the answers' cluster sums (survey.linearised_share_variance)."""
    keys = ["year", "group"]
    # only the columns summed: a million rows' copy of every column costs more than the sums
    answered = work.loc[work["answered"] & work["year"].isin(set(rows["year"])), [*keys, "cluster", "w", "wy"]]
    per_cluster = answered.groupby([*keys, "cluster"], sort=False, observed=True).agg(w=("w", "sum"), wy=("wy", "sum")).reset_index()
    row_of = pd.Series(np.arange(len(rows)), index=pd.MultiIndex.from_frame(rows[keys].astype({"group": object})))
    code = row_of.reindex(pd.MultiIndex.from_frame(per_cluster[keys].astype({"group": object}))).to_numpy().astype(int)
    n_clusters = rows["year"].map(answered.groupby("year")["cluster"].nunique()).to_numpy()
    _, variance = survey.linearised_share_variance(code, per_cluster["w"], per_cluster["wy"], n_clusters)
    return survey.design_effective_n(share, variance, kish), np.bincount(code, minlength=len(rows)), n_clusters


def design_shares(work: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Per year and group: denominator, numerator, no_answer, value, ci_low, ci_high (percent),
    effective_n, design_effect, clusters (the schools/institutions with answers in the group) and
    design_df (C − 1, C the year's clusters: the degrees of freedom of the variance).

    The variance is `survey.linearised_share_variance` over the clusters, C being the clusters
    with answers in the year (a group is a domain of the year's sample); the interval is Wilson's
    with `survey.design_effective_n` and Korn & Graubard's degrees of freedom
    (`stats.degrees_of_freedom_n`); design_effect = answers / effective_n (weighting and
    clustering together). In a year without its clusters (no cluster column, or a counts table
    without school) the effective n is Kish's and there is no degrees-of-freedom correction: the
    interval of a weighted share without a design. A year whose answers come from one cluster has
    no spread between clusters to estimate a variance from (design_df 0): no interval, and the
    assessment calls it insufficient.
    """
    keys = ["year", "group"]
    sums = (
        work.groupby(keys, sort=True, observed=True)
        .agg(
            denominator=("n_answered", "sum"),
            numerator=("n_success", "sum"),
            rows=("n", "sum"),
            w=("w", "sum"),
            wy=("wy", "sum"),
            w2=("w2", "sum"),
        )
        .reset_index()
    )
    sums["group"] = sums["group"].astype(object)
    out = sums.assign(no_answer=sums["rows"] - sums["denominator"])
    for column in ("value", "ci_low", "ci_high", "effective_n", "design_effect", "clusters", "design_df"):
        out[column] = np.nan
    some = (out["denominator"] > 0).to_numpy()
    if not some.any():
        return out.drop(columns=["rows", "w", "wy", "w2"])
    share, kish = stats.weighted_share_from_sums(out.loc[some, "w"], out.loc[some, "wy"], out.loc[some, "w2"])
    n_eff, df = np.array(kish, dtype=float), np.full(int(some.sum()), np.inf)
    designed = out.loc[some, "year"].isin(clustered_years(work)).to_numpy()
    if designed.any():
        rows = out.loc[some].loc[designed]
        n_eff[designed], clusters, n_clusters = _cluster_design(work, rows, np.asarray(share)[designed], np.asarray(kish)[designed])
        df[designed] = n_clusters - 1.0
        out.loc[rows.index, "clusters"] = clusters
        out.loc[rows.index, "design_df"] = n_clusters - 1.0
    # one cluster: no spread between clusters to estimate, so no interval (never the binomial one)
    share = np.asarray(share, dtype=float)
    n_df = stats.degrees_of_freedom_n(n_eff, df, confidence)
    has = np.isfinite(n_df)
    low, high = np.full(len(n_df), np.nan), np.full(len(n_df), np.nan)
    low[has], high[has] = stats.proportion_ci(share[has] * n_df[has], n_df[has], confidence)
    out.loc[some, ["value", "ci_low", "ci_high", "effective_n"]] = np.column_stack([100 * share, 100 * low, 100 * high, n_eff])
    out.loc[some, "design_effect"] = out.loc[some, "denominator"].to_numpy(float) / n_eff
    return out.drop(columns=["rows", "w", "wy", "w2"])


def standard_mix(work: pd.DataFrame, year: int) -> np.ndarray:
    """The standard population: each stratum's share of the weighted answers in `year`."""
    answered = work[work["answered"] & (work["year"] == year)]
    mix = np.bincount(answered["stratum"], answered["w"], minlength=int(work["stratum"].max()) + 1)
    return mix / mix.sum()


def stratified_years(work: pd.DataFrame) -> set[int]:
    """The years whose rows have every stratum column (a counts table without grade or gender has not)."""
    flags = work.groupby("year")["stratified"].all()
    return {int(y) for y in flags[flags].index}


def standardised_shares(work: pd.DataFrame, standard_year: int, confidence: float) -> pd.DataFrame:
    """Per year: the share directly standardised to `standard_year`'s mix of strata (percent) with
    its Wilson interval on the standardised estimator's effective n, and the standard's coverage.
    Only years with the strata columns, and none when the standard year lacks them."""
    stratified = stratified_years(work)
    standard = standard_mix(work, standard_year)
    rows = []
    for year, answered in work[work["answered"] & work["year"].isin(stratified if standard_year in stratified else set())].groupby("year", sort=True):
        cells = (
            answered.groupby(["cluster", "stratum"], sort=False)
            .agg(w=("w", "sum"), wy=("wy", "sum"), w2=("w2", "sum"), w2y=("w2y", "sum"))
            .reset_index()
        )
        cluster = pd.factorize(cells["cluster"])[0]
        n_clusters = cluster.max() + 1 if bool(answered["clustered"].all()) else 0
        result = survey.standardised_share(
            cells["stratum"].to_numpy(), cluster, cells["w"], cells["wy"], cells["w2"], cells["w2y"], standard, n_clusters
        )
        row = {"year": int(year), "standardised_value": 100 * result.value, "standardised_coverage": result.coverage}
        n_eff = result.effective_n
        if n_eff > 0 and n_clusters != 1:  # one cluster: no design variance, no interval
            n_df = stats.degrees_of_freedom_n(n_eff, n_clusters - 1 if n_clusters >= 2 else np.inf, confidence)
            low, high = stats.proportion_ci(result.value * n_df, n_df, confidence)
            row.update(standardised_low=100 * low, standardised_high=100 * high)
        rows.append(row)
    return pd.DataFrame(rows, columns=["year", "standardised_value", "standardised_low", "standardised_high", "standardised_coverage"])


def _clusters_of(work: pd.DataFrame, year: int) -> set:
    return set(work.loc[work["answered"] & (work["year"] == year), "cluster"].unique())


def _excluded_publishable(part: pd.DataFrame, rules: Rules) -> bool:
    """Whether the answers left out of a common-cluster comparison may be worked out by differencing:
    they must form a publishable cell and span at least two clusters (no single school's figure)."""
    if part.empty:
        return True
    n, x = int(part["n_answered"].sum()), int(part["n_success"].sum())
    return primary_suppression(x, n, True, rules)[()] == "" and part["cluster"].nunique() >= 2


def common_cluster_shares(work: pd.DataFrame, base_year: int, confidence: float, rules: Rules) -> pd.DataFrame:
    """Per year: the schools/institutions that answered both in the year and in `base_year`
    (`common_clusters`), `coverage` (the smaller of the two years' shares of answers from them),
    and the share among them in the year and in the base year (common_value, common_low,
    common_high, common_baseline_value), published only when what they leave out is publishable."""
    columns = ["year", "common_clusters", "coverage", "common_value", "common_low", "common_high", "common_baseline_value"]
    designed = clustered_years(work)
    if base_year not in designed:
        return pd.DataFrame(columns=columns)
    base = _clusters_of(work, base_year)
    rows = []
    for year in sorted(set(work["year"]) & designed):
        common = base & _clusters_of(work, year)
        pair = work[work["answered"] & work["year"].isin([year, base_year])]
        inside = pair["cluster"].isin(common)
        # the share of the year's answers (a counts row counts its answers) from the common clusters
        by_year = (pair["n"] * inside).groupby(pair["year"]).sum() / pair["n"].groupby(pair["year"]).sum()
        row = {"year": int(year), "common_clusters": len(common), "coverage": float(by_year.min())}
        if row["coverage"] < 1 and common and all(_excluded_publishable(pair[~inside & (pair["year"] == y)], rules) for y in (year, base_year)):
            shares = design_shares(pair[inside].assign(group="all"), confidence).set_index("year")
            row.update(
                common_value=shares.at[year, "value"],
                common_low=shares.at[year, "ci_low"],
                common_high=shares.at[year, "ci_high"],
                common_baseline_value=shares.at[base_year, "value"],
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


AGGREGATE = {"w": ("w", "sum"), "wy": ("wy", "sum"), "w2": ("w2", "sum"), "w2y": ("w2y", "sum"), "n": ("n_answered", "sum")}


def _singletons(sums: pd.DataFrame) -> float:
    """N/(N − 1) for the N answers of `sums`: the ultimate-cluster factor C/(C − 1) when every answer
    is its own cluster (a counts row stands for its count of answers, not one cluster)."""
    n = float(sums["n"].sum())
    return n / (n - 1) if n > 1 else np.nan


def _own_variance(year_sums: pd.DataFrame, clustered: bool) -> tuple[float, float]:
    """One year's share on its own: (variance, degrees of freedom) from its cluster sums. With its
    clusters, the cluster-robust variance never below the binomial one (survey.linearised_share_variance,
    as Kish's n caps the effective n), on C − 1; without them (a counts table without school), every
    answer its own cluster: the binomial (Kish-weighted) variance times N/(N − 1) for its N answers,
    the ultimate-cluster estimator with one answer a cluster, on no design degrees of freedom."""
    w, wy, w2, w2y = (year_sums[c].to_numpy(float) for c in ("w", "wy", "w2", "w2y"))
    p = wy.sum() / w.sum()
    independent = (w2y.sum() * (1 - 2 * p) + p * p * w2.sum()) / w.sum() ** 2
    if not clustered:
        return float(independent * _singletons(year_sums)), np.inf
    n = len(year_sums)
    _, design = survey.linearised_share_variance(np.zeros(n, dtype=int), w, wy, [n])
    return (float(np.fmax(design[0], independent)) if n >= 2 else np.nan), float(n - 1)


def baseline_changes(work: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Per year: the change of the share since `base_year` measured in the data of both years
    (`change`, percentage points), its standard error with the schools paired (`change_se`,
    survey.paired_change_variance, never below the two years' binomial variances,
    survey.independent_change_variance) and its degrees of freedom (`change_df`), and the base
    year's own estimate (`baseline_measured`). Empty when the base year has no answers.

    A year without its clusters (a counts table without school) has no schools to pair: its row of
    c answers is c answers, not one cluster, so the two years are independent samples and their own
    variances are added (`_own_variance`), on the clustered year's C − 1 where one of them has clusters."""
    columns = ["year", "baseline_measured", "change", "change_se", "change_df"]
    answered = work.loc[work["answered"], ["year", "cluster", "w", "wy", "w2", "w2y", "n_answered"]]
    if base_year not in set(answered["year"]):
        return pd.DataFrame(columns=columns)
    sums = answered.groupby(["year", "cluster"], sort=True, observed=True).agg(**AGGREGATE).reset_index()
    designed = clustered_years(work)
    base = sums[sums["year"] == base_year]
    rows = []
    for year, later in sums[sums["year"] != base_year].groupby("year", sort=True):
        pair = pd.concat([base, later], ignore_index=True)
        codes, is_later = pd.factorize(pair["cluster"])[0], (pair["year"] == year).to_numpy()
        change, variance, df = survey.paired_change_variance(codes, is_later, pair["w"], pair["wy"])
        if {base_year, int(year)} <= designed:
            # the floor: pairing takes out the schools' lasting level, never the pupils' own variation
            independent = survey.independent_change_variance(is_later, pair["w"], pair["wy"], pair["w2"], pair["w2y"])
            variance = np.fmax(variance, independent) if df >= 1 else np.nan
        elif not designed & {base_year, int(year)}:  # every answer its own cluster, in both years
            variance = survey.independent_change_variance(is_later, pair["w"], pair["wy"], pair["w2"], pair["w2y"]) * _singletons(pair)
        else:
            (v1, df1), (v2, df2) = _own_variance(base, base_year in designed), _own_variance(later, int(year) in designed)
            variance, df = v1 + v2, min(df1, df2)
        rows.append(
            {
                "year": int(year),
                "baseline_measured": 100 * base["wy"].sum() / base["w"].sum(),
                "change": 100 * change,
                "change_se": 100 * np.sqrt(variance),
                "change_df": float(df) if designed & {base_year, int(year)} else np.inf,
            }
        )
    return pd.DataFrame(rows, columns=columns)


TREND_COLUMNS = ["year", "trend_slope", "trend_se", "trend_df", "trend_years"]


def design_trends(work: pd.DataFrame, years_of: dict) -> pd.DataFrame:
    """Per year Y: the design-based straight-line trend over the years `years_of[Y]` (those a report
    with Y as its latest measurement uses): `trend_slope` (percentage points a year), `trend_se` (the
    larger of the cluster-robust and the independent-answers standard error,
    survey.linear_trend_variance), `trend_df` (C − 1 over the clusters of those years; infinite
    without a cluster column) and `trend_years` ('2015;2016;2017', so the assessment can check it
    reads the trend of the years it uses). Nothing for fewer than 2 years.

    Years without their clusters (counts tables without school) count each answer as its own
    cluster: with none of the years clustered the standard error is the independent-answers one;
    with some, the years are independent samples, Var b = Σ_t ((s_t − s̄) W_t / S)² v_t with each
    year's own variance v_t (`_own_variance`), on the fewest C − 1 of the clustered years."""
    answered = work.loc[work["answered"], ["year", "cluster", "w", "wy", "w2", "w2y", "n_answered"]]
    sums = answered.groupby(["year", "cluster"], sort=True, observed=True).agg(**AGGREGATE).reset_index()
    designed = clustered_years(work)
    rows = []
    for year, years in years_of.items():
        part = sums[sums["year"].isin(years)]
        if part["year"].nunique() < 2:
            continue
        codes = pd.factorize(part["cluster"])[0]
        slope, variance, independent, df = survey.linear_trend_variance(codes, part["year"], part["w"], part["wy"], part["w2"], part["w2y"])
        present = {int(y) for y in part["year"].unique()}
        if present <= designed:
            se = np.sqrt(np.fmax(variance, independent)) if df >= 1 else np.nan  # one cluster: no design variance
        elif not present & designed:  # every answer its own cluster
            se, df = np.sqrt(independent * _singletons(part)), np.inf
        else:
            by_year = part.groupby("year", sort=True)
            weight = by_year["w"].sum()
            centred = weight.index.to_numpy(float) - (weight * weight.index).sum() / weight.sum()
            spread = (weight.to_numpy() * centred**2).sum()
            own = [_own_variance(one, int(y) in designed) for y, one in by_year]
            variance = sum((c * wt / spread) ** 2 * v for c, wt, (v, _) in zip(centred, weight.to_numpy(), own, strict=True))
            df = min(d for _, d in own)
            se = np.sqrt(variance) if df >= 1 else np.nan
        trend_years = ";".join(str(int(y)) for y in sorted(years))
        rows.append(
            {
                "year": int(year),
                "trend_slope": 100 * slope,
                "trend_se": 100 * se,
                "trend_df": float(df) if present & designed else np.inf,
                "trend_years": trend_years,
            }
        )
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
