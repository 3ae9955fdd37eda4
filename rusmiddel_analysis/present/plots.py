"""Trend plots, subgroup plots and small multiples in one style.

Figures are made as `matplotlib.figure.Figure` objects, never through pyplot, so no global
plotting state is touched and nothing carries over from one report to the next. Colours are
the Okabe-Ito palette (safe for colour-blind readers); axis numbers use the report language's
formatting; every plot has an alt text in words made from the same assessment as the narrative.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rusmiddel_analysis.calc import records
from rusmiddel_analysis.calc.progress import compound_scale, required_path
from rusmiddel_analysis.config.settings import StrategySettings
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.statuses import BY_KEY, UNCERTAIN, colour, shown_status, status_words
from rusmiddel_analysis.present.textcatalog import catalogue, group_label, text

# Okabe & Ito (2008), "Color Universal Design".
COLOURS = {
    "measured": "#0072B2",
    "baseline": "#000000",
    "target": "#D55E00",
    "target_text": "#A63A00",  # the goal's words: the vermilion darkened to 4.5:1 on white (WCAG text contrast)
    "required": "#555555",
    "projection": "#009E73",
    "bar": "#56B4E9",
    "grid": "#DDDDDD",
    "break": "#6A3D9A",
    "hidden": "#767676",  # a hidden cell's hatching, outline and word (4.5:1 on white)
}
# other areas' lines (calc/comparators.py), each its own colour and marker, thinner than the
# municipality's and at least 3:1 on white: Okabe-Ito's reddish purple, Tol's wine, a dark ochre
# (away from the goal's vermilion, which an ochre would be mistaken for as the second line)
COMPARATOR_STYLES = (("#CC79A7", "s"), ("#882255", "^"), ("#996600", "v"))
COMPARATOR_OFFSET = 0.14  # years: an area's points beside the municipality's, so the intervals do not cover each other
HIDDEN_FILL = "#F2F2F2"
HIDDEN_HATCH = "///"
FONT_SIZE = 9
# inches: the width of a page's figures, no wider than an A4 page's text (rusmiddel.css: 210 mm less
# 2 x 14 mm), so the PDF prints a figure at its own size and 9 pt text stays 9 pt on paper
WIDTH = 7.0
CHAR_WIDTH = 0.08  # inches a character of a tick label can take at FONT_SIZE (a wide glyph, rounded up)
# round tick steps: 1, 2, 5 and their powers of ten (never 2.5, which whole-number labels would round unevenly)
TICK_STEPS = [1, 2, 5, 10]
MULTIPLE_COLUMNS = 3  # panels in a row of the overview: each readable on an A4 page
# the overview's panel, in inches: y tick labels, the status and the room between the title's lines,
# axes, x tick labels, the gap between rows (the goal's label and the title's lines are measured)
PANEL = {"left": 0.52, "status": 0.4, "line": 0.16, "axes": 0.95, "foot": 0.28, "gap": 0.12}


def tick_label(value: float, lang: str, percent: bool = False) -> str:
    """A tick's number: whole numbers without decimals, others with one; shares with the % sign."""
    decimals = 0 if float(value).is_integer() else 1
    return fmt.percent(value, lang, decimals) if percent else fmt.number(value, lang, decimals)


def style(ax, lang, percent: bool = False, y_ticks: int = 8):
    """The report's axes: a light y grid, no top and right frame, round ticks, the locale's numbers
    (with the % sign on a share's axis when `percent`)."""
    ax.grid(axis="y", color=COLOURS["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=y_ticks, steps=TICK_STEPS, min_n_ticks=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v, lang, percent)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: str(int(v))))


def _y_label(target, lang):
    return text("plot.share" if target.unit == "percent" else "plot.persons", lang)


def _draw_path(ax, target, lang: str) -> None:
    """The required path from the baseline to the goal (a flat line for a level to keep)."""
    years = np.arange(target.baseline_year, target.target_year + 1)
    if target.kind == "maintain":
        path = np.full(len(years), target.baseline_value)
    else:
        compound = bool(compound_scale(target.is_share, target.baseline_value, target.target_value))
        path = required_path(target.baseline_year, target.baseline_value, target.target_year, target.target_value, years, compound)
    ax.plot(years, path, linestyle="--", color=COLOURS["required"], linewidth=1.2, zorder=2, label=text("plot.required", lang))


def _draw_goal(ax, target, lang: str) -> None:
    """The goal as a horizontal line across the years, labelled with its value at the right: it never
    covers a measurement (which is drawn over it)."""
    ax.axhline(target.target_value, color=COLOURS["target"], linewidth=1.2, zorder=1, label=text("plot.target", lang, year=target.target_year))
    ax.text(
        1.02,
        target.target_value,
        _goal_label(target, lang),
        transform=ax.get_yaxis_transform(),
        fontsize=FONT_SIZE - 0.5,
        color=COLOURS["target_text"],
        fontweight="bold",
        va="center",
        ha="left",
        clip_on=False,
    )


def _draw_points(ax, target, shown: pd.DataFrame, hidden: list[int], lang: str, compact: bool, confidence: float, counted=False, named="") -> None:
    """The measurements with their intervals, from the baseline on; the baseline is the strategy's
    published figure, drawn as it is taken (exact: no interval), and the line starts from it and
    breaks at a hidden year. A register's count (`counted`) is drawn without an interval: it counts
    everyone, as the page says. Beside other areas' lines the measurements are `named` by the municipality."""
    after = shown[shown["year"] > target.baseline_year]
    years, values = after["year"].to_numpy(int), after["value"].to_numpy(float)
    if len(years):
        line = pd.Series([target.baseline_value, *values, *[np.nan] * len(hidden)], index=[target.baseline_year, *years, *hidden]).sort_index()
        ax.plot(line.index, line.to_numpy(float), color=COLOURS["measured"], linewidth=1.5, zorder=3)
        err = None if counted else np.vstack([values - after["ci_low"].to_numpy(float), after["ci_high"].to_numpy(float) - values])
        key = ("plot.counted" if counted else "plot.measured") + ("_in" if named else "")
        label = text(key, lang, confidence=fmt.level(confidence, lang), municipality=named)
        ax.errorbar(
            years,
            values,
            yerr=err,
            fmt="o",
            color=COLOURS["measured"],
            ecolor=COLOURS["measured"],
            elinewidth=1,
            capsize=3,
            markersize=4 if compact else 5,
            linewidth=1.5,
            zorder=4,
            label=label,
        )
    ax.plot(
        [target.baseline_year],
        [target.baseline_value],
        marker="D",
        linestyle="none",
        color=COLOURS["baseline"],
        markersize=5 if compact else 6,
        zorder=5,
        label=text("plot.baseline_published", lang, year=target.baseline_year),
    )


def excluded_years(assessment_row) -> list[int]:
    """The measured years the trend and projection leave out (a data-quality rule fails)."""
    return list(records.excluded_years_of(assessment_row)) if assessment_row is not None else []


def hidden_years(rows: pd.DataFrame) -> list[int]:
    """The years whose value disclosure control hid."""
    if "suppressed" not in rows:
        return []
    return sorted(int(y) for y in rows.loc[rows["suppressed"].fillna(False).astype(bool), "year"])


def mark_hidden(ax, x: float, lang: str, width: float = 0.5, vertical: bool = True, at: float = 0.5, fontsize: float = FONT_SIZE) -> None:
    """A hidden cell where its bar or point would be: a grey hatched band across the axes with the
    word "skjult" (`at` that fraction of the band), never a bar of length zero that reads as 0."""
    transform = ax.get_xaxis_transform() if vertical else ax.get_yaxis_transform()
    band = {"xy": (x - width / 2, 0), "width": width, "height": 1} if vertical else {"xy": (0, x - width / 2), "width": 1, "height": width}
    ax.add_patch(
        Rectangle(
            **band,
            transform=transform,
            facecolor=HIDDEN_FILL,
            hatch=HIDDEN_HATCH,
            hatchcolor=COLOURS["hidden"],
            hatch_linewidth=0.5,
            linewidth=0,  # no edge: a band across the axes, not a bar with an end that reads as a value
            zorder=0.5,
            gid="hidden",
        )
    )
    position = (x, at) if vertical else (at, x)
    ax.text(
        *position,
        text("plot.hidden", lang),
        transform=transform,
        rotation=90 if vertical else 0,
        ha="center",
        va="center",
        fontsize=fontsize,
        color=COLOURS["hidden"],
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        zorder=6,
    )


def _draw_breaks(ax, shown: pd.DataFrame, assessment_row, lang: str, compact: bool) -> None:
    """A method break as a vertical line before its year; years left out of the trend as hollow points."""
    if assessment_row is None:
        return
    broken = assessment_row.get("method_break_year")
    if not fmt.missing(broken):
        ax.axvline(
            float(broken) - 0.5, color=COLOURS["break"], linestyle="-.", linewidth=1.2, label=text("plot.method_break", lang, year=int(broken))
        )
    left_out = shown[shown["year"].isin(excluded_years(assessment_row))]
    if len(left_out):
        ax.plot(
            left_out["year"],
            left_out["value"],
            marker="o",
            linestyle="none",
            markerfacecolor="white",
            markeredgecolor=COLOURS["measured"],
            markersize=5 if compact else 7,
            zorder=4.5,  # over the filled point it replaces
            label=text("plot.excluded", lang),
        )


def _draw_projection(ax, target, shown: pd.DataFrame, assessment_row, lang: str) -> None:
    """The projection from the last measurement to the target year, with its prediction interval."""
    projected = assessment_row.get("projected_value") if assessment_row is not None else None
    if projected is None or fmt.missing(projected) or shown.empty or shown["year"].iloc[-1] >= target.target_year:
        return
    last_year, last_value = int(shown["year"].iloc[-1]), float(shown["value"].iloc[-1])
    ax.plot(
        [last_year, target.target_year],
        [last_value, projected],
        linestyle=":",
        color=COLOURS["projection"],
        linewidth=1.8,
        label=text("plot.projection", lang),
    )
    low, high = assessment_row.get("projected_low"), assessment_row.get("projected_high")
    if not fmt.missing(low):
        ax.fill_between(
            [last_year, target.target_year],
            [last_value, low],
            [last_value, high],
            color=COLOURS["projection"],
            alpha=0.15,
            linewidth=0,
            label=text("plot.projection_band", lang),
        )


def _y_limits(ax, target, shown: pd.DataFrame, ticks: int, others: tuple[float, ...] = ()) -> None:
    """The y axis from a round tick to a round tick around everything drawn (a share's baseline, goal,
    intervals and other areas' figures with room around them; within 0-100), so that every gridline
    is labelled."""
    if target.unit == "percent":
        drawn = shown[shown["year"] > target.baseline_year]  # the baseline is drawn without an interval
        low = min([target.baseline_value, target.target_value, *(drawn["ci_low"].dropna().tolist()), *others]) - 3
        high = max([target.baseline_value, target.target_value, *(drawn["ci_high"].dropna().tolist()), *others]) + 3
    else:
        low, high = ax.get_ylim()
    rounded = MaxNLocator(nbins=ticks, steps=TICK_STEPS).tick_values(low, high)
    if np.count_nonzero((rounded >= low) & (rounded <= high)) < 2:  # the limits rounded out still hold three ticks
        rounded = MaxNLocator(nbins=ticks, steps=TICK_STEPS, min_n_ticks=3).tick_values(low, high)
    low, high = rounded[rounded <= low].max(initial=rounded[0]), rounded[rounded >= high].min(initial=rounded[-1])
    if target.unit == "percent":  # a share of 100 % gets a point of room above it
        low, high = max(0, low), min(100, high) + (1 if high >= 100 else 0)
    ax.set_yticks(rounded[(rounded >= low) & (rounded <= high)])  # the ticks the limits were rounded to
    ax.set_ylim(low, high)


def _year_ticks(ax, target, labels: int) -> None:
    """A tick every year; at most `labels` of them labelled, counted back from the target year."""
    step = max(1, math.ceil((target.target_year - target.baseline_year + 1) / labels))
    ax.set_xticks(range(target.target_year, target.baseline_year - 1, -step)[::-1])
    ax.set_xticks(range(target.baseline_year, target.target_year + 1), minor=True)


def draw_trend(
    ax, target, rows: pd.DataFrame, assessment_row, lang: str = "da", legend: bool = True, compact: bool = False, comparators=None, municipality=""
):
    """Draw one target's trend on `ax`: measurements with intervals, the baseline (the strategy's
    figure), the goal as a labelled line, the required path, the projection and hidden years; with
    `comparators` (calc/comparators.py rows) other areas' lines too, the measurements then named
    by `municipality`."""
    shown = rows[rows["value"].notna()].sort_values("year")
    confidence = assessment_row.get("confidence") if assessment_row is not None else None
    hidden = hidden_years(rows)
    counted = assessment_row is not None and assessment_row.get("source_kind") == "register"
    level = StrategySettings().confidence if fmt.missing(confidence) else confidence
    lines = comparator_lines(target, comparators)
    _draw_points(ax, target, shown, hidden, lang, compact, level, counted, named=municipality if lines else "")
    others = _draw_comparators(ax, target, lines, lang)
    _draw_goal(ax, target, lang)
    _draw_path(ax, target, lang)
    _draw_projection(ax, target, shown, assessment_row, lang)
    _draw_breaks(ax, shown, assessment_row, lang, compact)
    for year in hidden:
        mark_hidden(ax, year, lang)
    ticks = 4 if compact else 6
    style(ax, lang, percent=compact and target.unit == "percent", y_ticks=ticks)
    ax.set_xlim(target.baseline_year - 0.4, target.target_year + 0.4)
    _y_limits(ax, target, shown, ticks, others)
    if compact:
        _year_ticks(ax, target, labels=3)
        if target.unit != "percent":  # a share says % at every tick; a count names its unit
            ax.set_ylabel(_y_label(target, lang), fontsize=FONT_SIZE - 1)
    else:
        ax.set_xlabel(text("plot.year", lang), fontsize=FONT_SIZE)
        ax.set_ylabel(_y_label(target, lang), fontsize=FONT_SIZE)
    if legend:
        _legend(ax, ax, lang, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=2)


def comparator_lines(target, comparators) -> dict[str, pd.DataFrame]:
    """Each other area's line as the trend plot draws it, by area in the chosen order: its figures
    (year, value, ci_low, ci_high) from the baseline year to the target year. A share as published;
    a count (another area's is of another size) as its change in percent from the baseline: its
    figures times the strategy's baseline over the area's baseline-year figure, so that it starts at
    the baseline the plot shows (an area without a baseline-year figure is then left out)."""
    if comparators is None or len(comparators) == 0:
        return {}
    lines = {}
    for area, rows in comparators.groupby("area", sort=False):
        rows = rows[rows["year"].between(target.baseline_year, target.target_year)].sort_values("year")
        rows = rows[["year", "value", "ci_low", "ci_high"]].astype(float)
        if not target.is_share:
            base = rows.loc[rows["year"] == target.baseline_year, "value"]
            if base.empty or not base.iloc[0] > 0:
                continue
            rows[["value", "ci_low", "ci_high"]] *= target.baseline_value / base.iloc[0]
        if len(rows):
            lines[str(area)] = rows
    return lines


def _comparator_label(target, area: str, rows: pd.DataFrame, lang: str) -> str:
    """An area's legend entry: its name as a label begins; a count's says it is scaled to the baseline."""
    name = area_label(area, lang)
    if not target.is_share:
        return text("plot.comparator_scaled", lang, area=name, year=target.baseline_year)
    return text("plot.comparator_interval" if rows["ci_low"].notna().any() else "plot.comparator", lang, area=name)


def _draw_comparators(ax, target, lines: dict[str, pd.DataFrame], lang: str) -> tuple[float, ...]:
    """Other areas' lines: thinner than the municipality's and under it, each its own colour and
    marker, beside its points (COMPARATOR_OFFSET), with its interval where it has one. Returns every
    value drawn (for the axis)."""
    drawn: list[float] = []
    for i, (area, rows) in enumerate(lines.items()):
        colour_, marker = COMPARATOR_STYLES[i % len(COMPARATOR_STYLES)]
        x = rows["year"].to_numpy(float) + COMPARATOR_OFFSET * (1 if i % 2 == 0 else -1) * (1 + i // 2)
        values, low, high = (rows[c].to_numpy(float) for c in ("value", "ci_low", "ci_high"))
        style_ = {"color": colour_, "markersize": 3.5, "zorder": 2.5}
        ax.plot(x, values, linestyle="-", linewidth=1.0, **{k: v for k, v in style_.items() if k != "markersize"})
        ranged = np.isfinite(low) & np.isfinite(high)
        label = _comparator_label(target, area, rows, lang)
        if ranged.any():
            err = np.vstack([values[ranged] - low[ranged], high[ranged] - values[ranged]])
            handle = ax.errorbar(x[ranged], values[ranged], yerr=err, fmt=marker, ecolor=colour_, elinewidth=0.8, capsize=2, label=label, **style_)
            ax.plot(x[~ranged], values[~ranged], marker=marker, linestyle="none", **style_)
        else:
            (handle,) = ax.plot(x, values, marker=marker, linestyle="none", label=label, **style_)
        handle.rm_comparator = i  # the legend lists the areas after the municipality's measurements, in their order
        drawn += [*values, *low[ranged], *high[ranged]]
    return tuple(float(v) for v in drawn)


def area_label(area: str, lang: str) -> str:
    """An area as a label or a table names it: the catalogue's word where it has one
    (`comparators.areas.<area>.label`), else as the comparator file names it."""
    return catalogue(lang).get(f"comparators.areas.{area}.label", area)


def area_words(area: str, lang: str) -> str:
    """An area as a sentence names it ("hele landet"): `comparators.areas.<area>.sentence`, else as the file names it."""
    return catalogue(lang).get(f"comparators.areas.{area}.sentence", area)


def _legend_rank(handle) -> tuple[int, int]:
    """The measurements first, then other areas in their order, then the rest in the order they are drawn."""
    area = getattr(handle, "rm_comparator", None)
    if area is not None:
        return 1, area
    return (0 if isinstance(handle, ErrorbarContainer) else 2), 0


def _legend(owner, axes, lang: str, **where):
    """One legend for `axes` (an axes or a list): every marker once, the measurements first, other
    areas next, then in the order they are drawn (baseline, goal, required path, projection, breaks)."""
    seen = {}
    for ax in axes if isinstance(axes, list) else [axes]:
        handles, labels = ax.get_legend_handles_labels()
        for handle, label in sorted(zip(handles, labels, strict=True), key=lambda hl: _legend_rank(hl[0])):
            seen.setdefault(label, handle)
    return owner.legend(list(seen.values()), list(seen), fontsize=FONT_SIZE - 1, frameon=False, **where)


def trend_plot(target, rows: pd.DataFrame, assessment_row=None, lang: str = "da", comparators=None, municipality: str = "") -> Figure:
    """The trend plot for one target (rows: its yearly indicator rows up to the report year; with
    `comparators`, other areas' figures up to it, drawn beside the measurements of `municipality`)."""
    fig = Figure(figsize=(WIDTH, 1), dpi=110)
    ax = fig.add_subplot()
    draw_trend(ax, target, rows, assessment_row, lang, legend=False, comparators=comparators, municipality=municipality)
    ax.set_title(target.short_name(lang), fontsize=FONT_SIZE + 2, loc="left")
    # below the axes and the year label, the legend: two entries a row, as many rows as it takes
    legend_rows = math.ceil(len(ax.get_legend_handles_labels()[1]) / 2)
    bottom = 0.65 + 0.2 * legend_rows
    fig.set_size_inches(WIDTH, 0.4 + 2.6 + bottom)
    fixed_margins(fig, left=0.75, bottom=bottom, right=0.95)
    _legend(fig, ax, lang, loc="lower left", bbox_to_anchor=(0.75 / WIDTH, 0.04 / fig.get_size_inches()[1]), ncol=2, borderaxespad=0)
    return fig


def fixed_margins(fig: Figure, left: float, bottom: float = 0.55, top: float = 0.4, right: float = 0.25) -> None:
    """Margins in inches, set directly: a layout solver would cost more than the whole figure."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


def subgroup_plot(target, rows: pd.DataFrame, by: str, year: int, lang: str = "da") -> Figure:
    """Horizontal bars with intervals for one breakdown; a hidden group is a grey hatched band that
    says "skjult", never a bar."""
    rows = rows.reset_index(drop=True)
    labels = [group_label(by, str(g), lang, target.source) for g in rows["group"]]
    fig = Figure(figsize=(WIDTH, 0.45 * len(rows) + 1.3), dpi=110)
    fixed_margins(fig, left=max(map(len, labels), default=0) * CHAR_WIDTH + 0.25)
    ax = fig.add_subplot()
    positions = np.arange(len(rows))[::-1]
    shown = rows["value"].notna().to_numpy() & ~rows.get("suppressed", pd.Series(False, index=rows.index)).fillna(False).astype(bool).to_numpy()
    values = rows["value"].to_numpy(float)
    ax.barh(positions[shown], values[shown], color=COLOURS["bar"], height=0.6)
    lo = (rows["value"] - rows["ci_low"]).to_numpy(float)
    hi = (rows["ci_high"] - rows["value"]).to_numpy(float)
    ax.errorbar(values[shown], positions[shown], xerr=np.vstack([lo[shown], hi[shown]]), fmt="none", ecolor="#333333", elinewidth=1, capsize=3)
    for pos in positions[~shown]:
        mark_hidden(ax, pos, lang, width=0.6, vertical=False)
    if target.unit == "percent":  # a share target applies to each group; a count target only to the total
        ax.axvline(
            target.target_value, color=COLOURS["target"], linestyle="--", linewidth=1.2, label=text("plot.target", lang, year=target.target_year)
        )
        ax.set_xlim(0, 100)
        ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylim(-0.5, len(rows) - 0.5)
    ax.set_yticks(positions, labels, fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=TICK_STEPS))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v, lang)))
    ax.tick_params(labelsize=FONT_SIZE)
    ax.set_xlabel(_y_label(target, lang), fontsize=FONT_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    dimension = text(f"report.groups.{by}", lang).lower()
    ax.set_title(
        text("plot.subgroup_title", lang, measure=target.short_name(lang), dimension=dimension, year=year),
        fontsize=FONT_SIZE + 1,
        loc="left",
        pad=18 if target.unit == "percent" else 6,
    )
    return fig


def _status_label(row, lang: str) -> str:
    """A panel's status as every badge says it: symbol, the status's word, "usikker" when uncertain."""
    key = shown_status(row["status"], row["data_quality"])
    words = status_words(row["status"], lang, row["data_quality"])
    if row.get("certainty") == UNCERTAIN:
        words = text("certainty.badge_uncertain", lang, status=words)
    return f"{BY_KEY[key].symbol} {words}"


def _goal_label(target, lang: str) -> str:
    return text("plot.goal_label", lang, value=fmt.value(target.target_value, target.unit, lang))


def _panel(fig: Figure, ax, box: tuple[float, float, float, float], right: float, title: str, target, row, lang: str) -> None:
    """Place one target's panel in its box (left, bottom, width, height in inches): its title and its
    status above the axes, room for the tick labels at the left and the goal's label at the right."""
    left, bottom, width, _ = box
    fig_w, fig_h = fig.get_size_inches()
    inner = width - PANEL["left"] - right
    ax.set_position([(left + PANEL["left"]) / fig_w, (bottom + PANEL["foot"]) / fig_h, inner / fig_w, PANEL["axes"] / fig_h])
    status_at = bottom + PANEL["foot"] + PANEL["axes"] + 0.14  # just above the axes, the same in every panel
    fig.text(
        (left + 0.04) / fig_w,
        status_at / fig_h,
        _status_label(row, lang),
        fontsize=FONT_SIZE - 1,
        color="white",
        fontweight="bold",
        va="bottom",
        ha="left",
        bbox={"boxstyle": "round,pad=0.25", "facecolor": colour(row["status"], row["data_quality"]), "edgecolor": "none"},
    )
    fig.text(left / fig_w, (status_at + 0.26) / fig_h, title, fontsize=FONT_SIZE, fontweight="bold", va="bottom", ha="left")


def small_multiples(strategy, indicators: pd.DataFrame, assessment: pd.DataFrame, year: int, lang: str = "da") -> Figure:
    """One small trend plot per target, in the strategy's order, each with its name and status; above
    the panels a legend for every marker and a caption that each panel has its own scale.

    The panels are laid out in inches (no layout solver, which would cost a second per status page),
    MULTIPLE_COLUMNS to a row of the page's width, so that the PDF prints the text at its size."""
    n = len(strategy.targets)
    cols = min(MULTIPLE_COLUMNS, n)
    rows_n = math.ceil(n / cols)
    fig = Figure(figsize=(WIDTH, 1), dpi=100)
    by_id = assessment.set_index("target_id")
    totals = indicators[(indicators["group"] == "all") & (indicators["year"] <= year)]
    axes = []
    for target in strategy.targets:
        axes.append(fig.add_axes([0, 0, 1, 1]))
        draw_trend(axes[-1], target, totals[totals["target_id"] == target.id], by_id.loc[target.id], lang, legend=False, compact=True)
    # measured in characters: the key's legend rows (two entries a row) and caption lines, the titles'
    # lines, the goals' labels
    legend = _legend(fig, axes, lang, loc="upper left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.0)
    caption = textwrap.fill(text("plot.multiples_caption", lang), width=int(WIDTH / (CHAR_WIDTH * 0.8)))
    key = 0.2 * math.ceil(len(legend.texts) / 2) + 0.17 * (caption.count("\n") + 1) + 0.12
    panel_w = WIDTH / cols
    titles = [textwrap.fill(t.short_name(lang), width=int(panel_w / CHAR_WIDTH)) for t in strategy.targets]
    right = max(len(_goal_label(t, lang)) for t in strategy.targets) * CHAR_WIDTH * 0.85 + 0.1
    panel_h = PANEL["status"] + PANEL["line"] * max(t.count("\n") + 1 for t in titles) + PANEL["axes"] + PANEL["foot"] + PANEL["gap"]
    fig.set_size_inches(WIDTH, key + rows_n * panel_h)
    for i, (ax, target) in enumerate(zip(axes, strategy.targets, strict=True)):
        row, col = divmod(i, cols)
        _panel(fig, ax, (col * panel_w, (rows_n - 1 - row) * panel_h, panel_w, panel_h), right, titles[i], target, by_id.loc[target.id], lang)
    fig.text(0.0, 1 - (key - 0.12) / fig.get_size_inches()[1], caption, fontsize=FONT_SIZE - 1, va="bottom", ha="left", color="#333333")
    return fig


# --- alt texts ----------------------------------------------------------------------------------


def comparators_alt_text(target, comparators, lang: str = "da") -> str:
    """What the other areas' lines show, in words: each area's first and last figure drawn (as the
    area published it; a count's line is scaled to the baseline, which the sentence says)."""
    lines = comparator_lines(target, comparators)
    if not lines:
        return ""
    parts = []
    for area, drawn in lines.items():
        published = comparators[(comparators["area"] == area) & comparators["year"].isin(drawn["year"])].sort_values("year")
        first, last = published.iloc[0], published.iloc[-1]
        shown = lambda v: fmt.value(v, target.unit, lang, 1 if target.is_share else 0)
        values = dict(area=area_words(area, lang), start=shown(first["value"]), end=shown(last["value"]))
        parts.append(text("plot.alt_comparator_part", lang, first=int(first["year"]), last=int(last["year"]), **values))
    from babel.lists import format_list

    key = "plot.alt_comparators" if target.is_share else "plot.alt_comparators_scaled"
    return text(key, lang, parts=format_list(parts, locale=fmt.LOCALES[lang]), year=target.baseline_year)


def trend_alt_text(target, rows: pd.DataFrame, assessment_row, lang: str = "da", comparators=None) -> str:
    shown = rows[rows["value"].notna()].sort_values("year")
    value = lambda v: fmt.value(v, target.unit, lang)
    if len(shown):
        start, end = shown["value"].iloc[0], shown["value"].iloc[-1]
        key = "alt_change_same" if value(start) == value(end) else "alt_change_up" if end > start else "alt_change_down"
        change = text(f"plot.{key}", lang, start=value(start), end=value(end))
        first, last = int(shown["year"].iloc[0]), int(shown["year"].iloc[-1])
    else:
        change, first, last = "", target.baseline_year, target.baseline_year
    alt = text(
        "plot.alt_trend",
        lang,
        measure=target.short_name(lang),
        first=first,
        last=last,
        change=change,
        target=value(target.target_value),
        target_year=target.target_year,
        status=status_words(assessment_row["status"], lang, assessment_row.get("data_quality", "")).lower(),
    )
    marks = [text("plot.alt_marks", lang, target=value(target.target_value), baseline=value(target.baseline_value), year=target.baseline_year)]
    if hidden_years(rows):
        marks.append(text("plot.alt_hidden", lang, years=", ".join(map(str, hidden_years(rows)))))
    if not fmt.missing(assessment_row.get("method_break_year")):
        marks.append(text("plot.alt_break", lang, year=int(assessment_row["method_break_year"])))
    if excluded_years(assessment_row):
        marks.append(text("plot.alt_excluded", lang, years=", ".join(map(str, excluded_years(assessment_row)))))
    marks.append(comparators_alt_text(target, comparators, lang))
    return " ".join(part for part in [alt, *marks] if part)


def subgroup_alt_text(target, rows: pd.DataFrame, by: str, year: int, lang: str = "da") -> str:
    parts = []
    for row in rows.itertuples():
        shown = fmt.value(row.value, target.unit, lang) if not row.suppressed else text("plot.hidden", lang)
        parts.append(f"{group_label(by, str(row.group), lang, target.source)} {shown}")
    return text(
        "plot.alt_subgroups",
        lang,
        measure=target.short_name(lang),
        dimension=text(f"report.groups.{by}", lang).lower(),
        year=year,
        parts=", ".join(parts),
    )


def multiples_alt_text(strategy, assessment: pd.DataFrame, lang: str = "da") -> str:
    by_id = assessment.set_index("target_id")
    parts = "; ".join(
        text(
            "plot.alt_multiple_part",
            lang,
            name=t.short_name(lang),
            status=status_words(by_id.loc[t.id, "status"], lang, by_id.loc[t.id, "data_quality"]).lower(),
        )
        for t in strategy.targets
    )
    return " ".join([text("plot.alt_multiples", lang, n=len(strategy.targets), parts=parts + "."), text("plot.alt_multiples_marks", lang)])


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG (no pyplot): sharp on screen and in print, and quicker to write than a PNG.

    Text is drawn as outlines, so the figure looks the same whatever fonts the reader has; no date
    and fixed ids, so the same figure gives the same bytes.
    """
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "rusmiddel-analysis"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def trend_figure_warm_up() -> Figure:
    """A tiny figure with every kind of text the plots use (title, ticks, legend), drawn once when a
    report kernel starts: the first figure a process draws pays for loading the fonts."""
    fig = Figure(figsize=(2, 1.5), dpi=50, layout="constrained")
    ax = fig.add_subplot()
    ax.errorbar([0, 1], [0, 1], yerr=[0.1, 0.1], label="a")
    ax.set_title("a", fontsize=FONT_SIZE, loc="left")
    ax.legend(fontsize=FONT_SIZE)
    style(ax, "da")
    return fig
