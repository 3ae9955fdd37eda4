"""The interval audit of linked tables: no hidden or unpublished count can be narrowed to 1-4.

The school survey's tables share their pupils. A year's target totals and breakdowns (by grade,
by gender), the pairs of risk behaviours, the number of behaviours (in all, by grade, by gender),
the share with several behaviours and early debut are all sums over one underlying table: the
pupils counted by grade, gender and their answer to each behaviour (yes, no or no answer), its
*elementary cells*. What is published about them is linear in those cells:

- a published count is an equation, a·x = b (a: which cells it counts);
- a published share p of a group whose count is not published is a pair of inequalities, since
  the share is rounded: (p - h)·d·x <= n·x <= (p + h)·d·x with n, d the cells of the numerator and
  denominator and h half the last published decimal (an unweighted share only: a weighted one is
  not a ratio of counts).

A reader who combines them can narrow a cell that no table shows, or that disclosure control hid,
even when every table on its own keeps the rules (in the demo, the pupils with both hash and other
drugs minus those with all four behaviours left 4, 4 and 1 pupils). The audit asks, for every
cell of 1 to min_cell - 1 pupils, the largest value it can take given everything published, a
linear program (the attacker's best bound, as τ-Argus's audit of linked tables computes it):

    max x_i   subject to   A_eq x = b,   A_ub x <= c,   x >= 0.

The cell is *exposed* when that bound is under min_cell: a reader then knows that a handful of
pupils at most have that combination, and possibly how many. Cells that no published number tells
apart are one variable (an *atom*; each of its cells can hold the atom's whole count, so an atom
is exposed exactly when its cells are). Cells of min_cell or more pupils can never be exposed and
are not solved for; the others are first shown safe together, by a program that maximises
Σ min(x_i, min_cell) over them, and only those left are solved one by one.

`protect` hides rows of the high-risk tables until no cell is exposed: for an exposed cell, one
of the published rows whose numbers bind its bound (a non-zero dual value), the smallest group
first. A target's own tables are never changed by it; they keep the rules of their breakdowns.
Sources: Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, sections 4.3-4.4
(interval protection, the audit of linked tables); the τ-ARGUS manual, "Audit";
docs/methodology.md, section 7.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np
import pandas as pd

from rusmiddel_analysis.calc.breakdowns import ALL, RESIDUAL, UNKNOWN, residual_groups

NO_ANSWER = 2  # an elementary cell's answer to a behaviour: 0 no, 1 yes, 2 no answer
GROUPS = ("grade", "gender")
# the high-risk tables whose rows the audit may hide (a target's own tables it never changes)
HIDEABLE = ("high_risk", "behaviour_counts", "multiple_behaviours", "early_debut")
TOLERANCE = 1e-6


@dataclass
class Cells:
    """The elementary cells of one year: every combination of grade, gender and answers (also
    those no pupil has, since a reader does not know which are empty), and its number of pupils."""

    attributes: pd.DataFrame  # grade, gender (text; UNKNOWN when missing) and one 0/1/2 column per behaviour
    counts: np.ndarray

    def where(self, **conditions) -> np.ndarray:
        """The cells with these values: a grade or gender (or one of several), a behaviour's answer."""
        mask = np.ones(len(self.counts), dtype=bool)
        for name, value in conditions.items():
            column = self.attributes[name].to_numpy()
            mask &= np.isin(column, list(value)) if isinstance(value, (list, tuple)) else column == value
        return mask

    def answered(self, behaviour: str) -> np.ndarray:
        return self.attributes[behaviour].to_numpy() != NO_ANSWER

    def group(self, dimension: str, group) -> np.ndarray:
        """The cells of a breakdown's group (the merged residual group: all of its members)."""
        group = str(group)
        return self.where(**{dimension: [g for g in residual_groups(dimension) if g != RESIDUAL] if group == RESIDUAL else group})


def elementary_cells(frame: pd.DataFrame, behaviours: list[str], counts=None) -> Cells:
    """The elementary cells of one year's survey rows (grade, gender and the behaviours' yes/no
    columns); `counts`: how many pupils each row stands for (a counts table's rows; 1 by default)."""
    seen = pd.DataFrame(index=frame.index)
    for g in GROUPS:
        seen[g] = frame[g].astype("string").fillna(UNKNOWN).astype(object) if g in frame.columns else ALL
    for b in behaviours:
        seen[b] = np.where(frame[b].isna(), NO_ANSWER, frame[b].fillna(False).astype(bool).astype(int))
    levels = [sorted(seen[g].unique(), key=str) for g in GROUPS] + [[0, 1, NO_ANSWER]] * len(behaviours)
    every = pd.DataFrame(list(product(*levels)), columns=[*GROUPS, *behaviours])
    seen["pupils"] = 1 if counts is None else np.asarray(counts, dtype=float)
    counted = seen.groupby([*GROUPS, *behaviours], sort=False)["pupils"].sum().reset_index()
    every = every.merge(counted, on=[*GROUPS, *behaviours], how="left")
    return Cells(every.drop(columns="pupils"), every["pupils"].fillna(0).to_numpy(float))


Owner = tuple[str, int] | None  # the (table, row index) a published number belongs to; None: a target's


@dataclass
class Published:
    """What a year publishes about its pupils: equations and inequalities over the elementary cells,
    each with the row that publishes it."""

    equal: list[np.ndarray] = field(default_factory=list)
    equal_values: list[float] = field(default_factory=list)
    equal_owners: list[Owner] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)  # rows of A_ub x <= c
    upper_values: list[float] = field(default_factory=list)
    upper_owners: list[Owner] = field(default_factory=list)

    def count(self, cells: np.ndarray, value, owner: Owner) -> None:
        """A published count of the pupils in `cells` (nothing when it is hidden or missing)."""
        if pd.notna(value):
            self.equal.append(cells.astype(float))
            self.equal_values.append(float(value))
            self.equal_owners.append(owner)

    def rounded_count(self, cells: np.ndarray, value, step: int, owner: Owner) -> None:
        """A count published rounded to a multiple of `step`: within half a step of it."""
        if pd.isna(value):
            return
        if step <= 1:
            return self.count(cells, value, owner)
        half = step / 2 + TOLERANCE
        a = cells.astype(float)
        self._upper([a, -a], [float(value) + half, half - float(value)], owner)

    def share(self, numerator: np.ndarray, denominator: np.ndarray, percent, decimals: int, owner: Owner) -> None:
        """A share whose numerator is not published, as the tables publish it: rounded to `decimals`
        (the reader knows it only to within half the last decimal)."""
        if pd.isna(percent):
            return
        percent, half = float(np.round(percent, decimals)), 0.5 * 10.0**-decimals + TOLERANCE
        n, d = numerator.astype(float), denominator.astype(float)
        self._upper([n - (percent + half) / 100 * d, (percent - half) / 100 * d - n], [0.0, 0.0], owner)

    def _upper(self, rows: list[np.ndarray], values: list[float], owner: Owner) -> None:
        self.upper += rows
        self.upper_values += values
        self.upper_owners += [owner] * len(rows)


@dataclass(frozen=True)
class Exposure:
    """An atom that a reader can narrow to under min_cell pupils: its elementary cells, its largest
    possible value and the hideable rows whose numbers bind that bound, the most binding first."""

    cells: np.ndarray
    largest: float
    binding: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class _Program:
    """The published numbers over the atoms: A_eq x = b, A_ub x <= c."""

    equal: np.ndarray
    values: np.ndarray
    upper: np.ndarray
    upper_values: np.ndarray
    atom_of: np.ndarray  # the atom of each elementary cell


def _program(published: Published, n_cells: int) -> _Program:
    """The linear program over atoms: cells with the same coefficient in every published number are
    one variable (the first cell's column stands for the atom)."""
    equal = np.array(published.equal).reshape(len(published.equal), n_cells)
    upper = np.array(published.upper).reshape(len(published.upper), n_cells)
    signature = np.round(np.vstack([equal, upper]), 12).T
    _, first, atom_of = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    return _Program(equal[:, first], np.array(published.equal_values), upper[:, first], np.array(published.upper_values), atom_of.ravel())


def _solve(program: _Program, cost: np.ndarray, extra_upper=None, bounds=(0, None)):
    """HiGHS on the program, widened to len(cost) variables (extra ones only in `extra_upper` x <= 0)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    width = len(cost)
    wide = lambda a: csr_matrix((a.data, a.indices, a.indptr), shape=(a.shape[0], width))
    upper, limits = wide(csr_matrix(program.upper)), program.upper_values
    if extra_upper is not None:
        upper, limits = vstack([upper, csr_matrix(extra_upper)]).tocsr(), np.concatenate([limits, np.zeros(extra_upper.shape[0])])
    has_equal, has_upper = len(program.values) > 0, upper.shape[0] > 0
    return linprog(
        cost,
        A_eq=wide(csr_matrix(program.equal)) if has_equal else None,
        b_eq=program.values if has_equal else None,
        A_ub=upper if has_upper else None,
        b_ub=limits if has_upper else None,
        bounds=bounds,
        method="highs",
    )


def _prove_safe(program: _Program, candidates: np.ndarray, min_cell: int) -> np.ndarray:
    """Which candidates can hold min_cell pupils in some table that fits everything published: max
    Σ t_i with t_i <= x_i and 0 <= t_i <= min_cell, repeated on the rest while it shows more safe."""
    from scipy.sparse import csr_matrix, hstack, identity

    n = program.equal.shape[1]
    safe = np.zeros(len(candidates), dtype=bool)
    while not safe.all():
        open_ = candidates[~safe]
        k = len(open_)
        pick = csr_matrix((np.ones(k), (np.arange(k), open_)), shape=(k, n))
        res = _solve(program, np.concatenate([np.zeros(n), -np.ones(k)]), hstack([-pick, identity(k)]), [(0, None)] * n + [(0, min_cell)] * k)
        reached = (res.x[n:] >= min_cell - TOLERANCE) if res.status == 0 else np.zeros(k, dtype=bool)
        if not reached.any():
            break
        safe[np.flatnonzero(~safe)[reached]] = True
    return safe


def _largest(program: _Program, atom: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The atom's largest possible count, and the dual values of the equations and inequalities."""
    cost = np.zeros(program.equal.shape[1])
    cost[atom] = -1.0
    res = _solve(program, cost)
    if res.status == 3:  # unbounded: nothing published holds the atom
        return np.inf, np.zeros(len(program.values)), np.zeros(program.upper.shape[0])
    if res.status != 0:
        raise ArithmeticError(f"the published numbers of a linked table do not fit together ({res.message})")
    equal = res.eqlin.marginals if len(program.values) else np.zeros(0)
    upper = res.ineqlin.marginals if program.upper.shape[0] else np.zeros(0)
    return -res.fun, equal, upper


def audit(cells: Cells, published: Published, min_cell: int, among: np.ndarray | None = None) -> list[Exposure]:
    """Every atom of 1..min_cell-1 pupils that a reader can narrow to under min_cell pupils from what
    is published (`among`: only atoms holding one of these elementary cells)."""
    if not published.equal and not published.upper:
        return []
    program = _program(published, len(cells.counts))
    pupils = np.bincount(program.atom_of, weights=cells.counts, minlength=program.equal.shape[1])
    sensitive = (pupils >= 1) & (pupils < min_cell)
    if among is not None:
        sensitive &= np.isin(np.arange(len(pupils)), program.atom_of[among])
    candidates = np.flatnonzero(sensitive)
    exposures = []
    for atom in candidates[~_prove_safe(program, candidates, min_cell)]:
        largest, equal, upper = _largest(program, atom)
        if largest < min_cell - TOLERANCE:
            duals = np.concatenate([np.abs(equal), np.abs(upper)])
            owners = [*published.equal_owners, *published.upper_owners]
            order = [i for i in np.argsort(-duals, kind="stable") if duals[i] > 1e-9 and owners[i] is not None]
            exposures.append(Exposure(np.flatnonzero(program.atom_of == atom), float(largest), tuple(dict.fromkeys(owners[i] for i in order))))
    return exposures


@dataclass(frozen=True)
class LinkedSet:
    """What the reports publish about the pupils of the high-risk source, keyed like Results' tables:
    the totals and breakdowns of the targets counting one of its behaviours, and the high-risk tables
    (whose counts of pupils with a behaviour are withheld: their shares and group sizes are published)."""

    behaviours: list[str]
    early_grades: list[int]
    at_least: int
    targets: list[tuple[str, str, bool]]  # (target id, behaviour column, the answer it counts)
    tables: dict[str, pd.DataFrame]
    decimals: int  # of a published share
    round_sizes: int  # a high-risk group's size is published rounded to a multiple of this
    weighted: bool  # weighted shares are not ratios of counts: only the counts are modelled


def _shown(linked: LinkedSet, name: str, year: int) -> pd.DataFrame:
    table = linked.tables[name]
    return table[(table["year"] == year) & ~table["suppressed"].astype(bool)]


def _share(out: Published, linked: LinkedSet, numerator, denominator, percent, owner: Owner) -> None:
    if not linked.weighted:
        out.share(numerator, denominator, percent, linked.decimals, owner)


def _target_numbers(out: Published, cells: Cells, linked: LinkedSet, year: int) -> None:
    """A target's total (answers, successes, no-answers) and the cells of its breakdowns it shows: a
    group's counts, or its share when its counts are withheld (a large group of a protected year)."""
    totals, subgroups = linked.tables["totals"], linked.tables["subgroups"]
    for target_id, column, counted in linked.targets:
        answered, success = cells.answered(column), cells.where(**{column: int(counted)})
        for row in totals[(totals["target_id"] == target_id) & (totals["year"] == year) & (totals["group"] == ALL)].itertuples():
            out.count(answered, row.denominator, None)
            out.count(success, row.numerator, None)
            out.count(~answered, row.no_answer, None)
        shown = subgroups[(subgroups["target_id"] == target_id) & (subgroups["year"] == year) & subgroups["by"].isin(GROUPS)]
        for row in shown[~shown["suppressed"].astype(bool)].itertuples():
            group = cells.group(row.by, row.group)
            out.count(answered & group, row.denominator, None)
            out.count(success & group, row.numerator, None)
            if pd.isna(row.denominator):
                _share(out, linked, success & group, answered & group, row.value, None)


def _high_risk_numbers(out: Published, cells: Cells, linked: LinkedSet, year: int) -> None:
    """The high-risk tables' shown rows: each group's size (a count) and its share (rounded)."""
    answers = cells.attributes[linked.behaviours].to_numpy()
    complete, tried = (answers != NO_ANSWER).all(axis=1), (answers == 1).sum(axis=1)
    for row in _shown(linked, "high_risk", year).itertuples():
        owner, case = ("high_risk", row.Index), cells.where(**{row.outcome: 1})
        for answer, size, risk in ((1, row.exposed_n, row.risk_exposed), (0, row.unexposed_n, row.risk_unexposed)):
            group = complete & cells.where(**{row.exposure: answer})
            out.rounded_count(group, size, linked.round_sizes, owner)
            _share(out, linked, group & case, group, risk, owner)
    for row in _shown(linked, "behaviour_counts", year).itertuples():
        group = complete if row.dimension == ALL else complete & cells.group(row.dimension, row.group)
        out.rounded_count(group, row.denominator, linked.round_sizes, ("behaviour_counts", row.Index))
        _share(out, linked, group & (tried == row.behaviours), group, row.value, ("behaviour_counts", row.Index))
    for row in _shown(linked, "multiple_behaviours", year).itertuples():
        out.rounded_count(complete, row.denominator, linked.round_sizes, ("multiple_behaviours", row.Index))
        _share(out, linked, complete & (tried >= linked.at_least), complete, row.value, ("multiple_behaviours", row.Index))
    early = cells.where(grade=[str(g) for g in linked.early_grades])
    for row in _shown(linked, "early_debut", year).itertuples():
        group = early & cells.answered(row.behaviour)
        out.rounded_count(group, row.denominator, linked.round_sizes, ("early_debut", row.Index))
        _share(out, linked, group & cells.where(**{row.behaviour: 1}), group, row.value, ("early_debut", row.Index))


def published_numbers(cells: Cells, linked: LinkedSet, year: int) -> Published:
    """Everything one year publishes about the pupils, over its elementary cells."""
    out = Published()
    _target_numbers(out, cells, linked, year)
    _high_risk_numbers(out, cells, linked, year)
    return out


def _size(tables: dict[str, pd.DataFrame], row: tuple[str, int]) -> float:
    """How much a row shows: its group's size (a pair: the smaller of its two groups)."""
    name, index = row
    columns = ["exposed_n", "unexposed_n"] if name == "high_risk" else ["denominator"]
    return float(tables[name].loc[index, columns].min())


def _hideable(tables: dict[str, pd.DataFrame], row: tuple[str, int]) -> bool:
    """Whether the audit may hide a row: not a large group whose size is withheld (a protected
    year's boys or girls: a group of large_group pupils is never hidden to protect a smaller one)."""
    name, index = row
    return not (name == "behaviour_counts" and pd.isna(tables[name].loc[index, "denominator"]))


def _same_pair(table: pd.DataFrame, index: int) -> list[int]:
    """Both directions of a pair of behaviours (they share the pupils with both): hidden together."""
    row = table.loc[index]
    other = table[(table["year"] == row["year"]) & (table["exposure"] == row["outcome"]) & (table["outcome"] == row["exposure"])]
    return [index, *other.index]


def _with_hidden(tables: dict[str, pd.DataFrame], hidden: dict[str, set[int]]) -> dict[str, pd.DataFrame]:
    out = dict(tables)
    for name, rows in hidden.items():
        present = sorted(r for r in rows if r in tables[name].index)  # a table may be a part (one behaviour's rows)
        if present:
            table = tables[name].copy()
            table.loc[present, "suppressed"] = True
            out[name] = table
    return out


def _protect_year(cells: Cells, linked: LinkedSet, year: int, min_cell: int, hidden: dict[str, set[int]]) -> None:
    """Add to `hidden` the rows that keep one year's cells from being narrowed under min_cell: for
    each exposed cell one binding row, the smallest group first (never a withheld large group's,
    `_hideable`), then the exposed cells audited again (hiding only loosens what a reader knows, so
    a cell once safe stays safe)."""
    among = None
    while True:
        shown = replace(linked, tables=_with_hidden(linked.tables, hidden))
        # a cell only a target's own tables narrow is theirs to protect (their breakdowns' rules), and
        # a withheld large group's row is never hidden
        found = audit(cells, published_numbers(cells, shown, int(year)), min_cell, among)
        exposures = [[row for row in e.binding if _hideable(linked.tables, row)] for e in found]
        if not any(exposures):
            return
        for name, index in {min(rows, key=lambda row: (_size(linked.tables, row), row)) for rows in exposures if rows}:
            hidden[name].update(_same_pair(linked.tables[name], index) if name == "high_risk" else [index])
        among = np.concatenate([e.cells for e, rows in zip(found, exposures, strict=True) if rows])


def protect(frame: pd.DataFrame, linked: LinkedSet, min_cell: int) -> dict[str, set[int]]:
    """The rows of each high-risk table to hide, besides those its own rules hide, so that no cell of
    any year can be narrowed to under min_cell pupils with their help (`_protect_year`). A cell that
    the targets' own tables narrow without any high-risk row is left to the rules of their breakdowns."""
    hidden: dict[str, set[int]] = {name: set() for name in HIDEABLE}
    for year, pupils in frame.groupby("year", sort=True):
        _protect_year(elementary_cells(pupils, linked.behaviours), linked, int(year), min_cell, hidden)
    return hidden


def protect_counts(rows: dict[str, pd.DataFrame], linked: LinkedSet, min_cell: int) -> dict[str, set[int]]:
    """`protect` for the years of a counts table: each behaviour's rows (calc/survey_counts.py:
    year, grade, gender, answer, count) are counted apart, so its elementary cells are grade x gender
    x its answer, and what is published about it is its targets' numbers and its early-debut row."""
    hidden: dict[str, set[int]] = {name: set() for name in HIDEABLE}
    early = linked.tables["early_debut"]
    for behaviour, part in rows.items():
        one = replace(
            linked,
            behaviours=[behaviour],
            targets=[t for t in linked.targets if t[1] == behaviour],
            tables={**linked.tables, "early_debut": early[early["behaviour"] == behaviour]},
        )
        pupils = part.rename(columns={"answer": behaviour})
        for year, group in pupils.groupby("year", sort=True):
            _protect_year(elementary_cells(group, [behaviour], group["count"]), one, int(year), min_cell, hidden)
    return hidden


def linked_targets(strategy, source: str, behaviours: list[str]) -> list[tuple[str, str, bool]]:
    """The targets whose numbers count one of the behaviours of `source`: (id, column, the answer
    counted), for a share of pupils answering yes (or no) to a behaviour."""
    counted = ((t, t.indicator_type.counted_answer(t)) for t in strategy.targets if t.source == source)
    return [(t.id, *answer) for t, answer in counted if answer is not None and answer[0] in behaviours]


# a high-risk row's counts of pupils with a behaviour, never published (their share is)
WITHHELD = ("exposed_cases", "unexposed_cases", "numerator")
# a high-risk row's group sizes, published rounded (settings.disclosure.round_sizes)
SIZES = ("exposed_n", "unexposed_n", "denominator")


def publishable(table: pd.DataFrame, round_sizes: int) -> pd.DataFrame:
    """A high-risk table as it is published: the counts with a behaviour withheld, the group sizes
    rounded half up to a multiple of `round_sizes` (the linked tables would otherwise pin small
    groups; section 7.1 of docs/methodology.md)."""
    out = table.copy()
    for column in (c for c in WITHHELD if c in out.columns):
        out[column] = np.nan
    for column in (c for c in SIZES if c in out.columns):
        sizes = out[column].astype(float)
        out[column] = np.floor(sizes / round_sizes + 0.5) * round_sizes if round_sizes > 1 else sizes
    return out
