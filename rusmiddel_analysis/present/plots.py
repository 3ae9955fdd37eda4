"""Trend plots, subgroup plots and small multiples in one style.

Figures are made as `matplotlib.figure.Figure` objects, never through pyplot, so no global
plotting state is touched and nothing carries over from one report to the next. Colours are
the Okabe-Ito palette (safe for colour-blind readers); axis numbers use the report language's
formatting; every plot has an alt text in words made from the same assessment as the narrative.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rusmiddel_analysis.calc import records
from rusmiddel_analysis.calc.progress import compound_scale, required_path
from rusmiddel_analysis.config.strategy import SETTINGS_DEFAULTS
from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.statuses import colour, status_words
from rusmiddel_analysis.present.textcatalog import group_label, text

# Okabe & Ito (2008), "Color Universal Design".
COLOURS = {
    "measured": "#0072B2",
    "baseline": "#000000",
    "target": "#D55E00",
    "required": "#555555",
    "projection": "#009E73",
    "bar": "#56B4E9",
    "grid": "#DDDDDD",
    "break": "#6A3D9A",
}
FONT_SIZE = 9
WIDTH = 8.4  # inches: the width of a page's figures
CHAR_WIDTH = 0.08  # inches a character of a tick label can take at FONT_SIZE (a wide glyph, rounded up)


def style(ax, lang):
    ax.grid(axis="y", color=COLOURS["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang)))
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
    ax.plot(years, path, linestyle="--", color=COLOURS["required"], linewidth=1.2, label=text("plot.required", lang))


def _draw_points(ax, target, shown: pd.DataFrame, lang: str, compact: bool, confidence: float) -> None:
    """The measurements with their intervals, the baseline and the goal."""
    years, values = shown["year"].to_numpy(int), shown["value"].to_numpy(float)
    if len(years):
        err = np.vstack([values - shown["ci_low"].to_numpy(float), shown["ci_high"].to_numpy(float) - values])
        ax.errorbar(
            years,
            values,
            yerr=err,
            fmt="o-",
            color=COLOURS["measured"],
            ecolor=COLOURS["measured"],
            elinewidth=1,
            capsize=3,
            markersize=4 if compact else 5,
            linewidth=1.5,
            label=text("plot.measured", lang, confidence=fmt.level(confidence, lang)),
        )
    ax.plot(
        [target.baseline_year],
        [target.baseline_value],
        marker="D",
        linestyle="none",
        color=COLOURS["baseline"],
        markersize=5 if compact else 6,
        label=text("plot.baseline", lang, year=target.baseline_year),
    )
    ax.plot(
        [target.target_year],
        [target.target_value],
        marker="*",
        linestyle="none",
        color=COLOURS["target"],
        markersize=10 if compact else 13,
        label=text("plot.target", lang, year=target.target_year),
    )


def excluded_years(assessment_row) -> list[int]:
    """The measured years the trend and projection leave out (a data-quality rule fails)."""
    return list(records.excluded_years_of(assessment_row)) if assessment_row is not None else []


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
            zorder=4,  # over the filled point it replaces
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


def draw_trend(ax, target, rows: pd.DataFrame, assessment_row, lang: str = "da", legend: bool = True, compact: bool = False):
    """Draw one target's trend on `ax`: measurements with intervals, baseline, target, required path, projection."""
    shown = rows[rows["value"].notna()].sort_values("year")
    _draw_path(ax, target, lang)
    confidence = assessment_row.get("confidence") if assessment_row is not None else None
    _draw_points(ax, target, shown, lang, compact, SETTINGS_DEFAULTS["confidence"] if fmt.missing(confidence) else confidence)
    _draw_projection(ax, target, shown, assessment_row, lang)
    _draw_breaks(ax, shown, assessment_row, lang, compact)
    style(ax, lang)
    ax.set_xlim(target.baseline_year - 0.4, target.target_year + 0.4)
    if target.unit == "percent":
        low_limit = min([target.baseline_value, target.target_value, *(shown["ci_low"].dropna().tolist())]) - 3
        high_limit = max([target.baseline_value, target.target_value, *(shown["ci_high"].dropna().tolist())]) + 3
        ax.set_ylim(max(0, low_limit), min(100, high_limit) + (1 if high_limit >= 100 else 0))
    if not compact:
        ax.set_xlabel(text("plot.year", lang), fontsize=FONT_SIZE)
        ax.set_ylabel(_y_label(target, lang), fontsize=FONT_SIZE)
    if legend:
        ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def trend_plot(target, rows: pd.DataFrame, assessment_row=None, lang: str = "da") -> Figure:
    """The trend plot for one target (rows: its yearly indicator rows up to the report year)."""
    fig = Figure(figsize=(WIDTH, 3.8), dpi=110)
    ax = fig.add_subplot()
    draw_trend(ax, target, rows, assessment_row, lang)
    ax.set_title(target.short_name(lang), fontsize=FONT_SIZE + 2, loc="left")
    # room on the right for the legend: its longest entry, and the marker before it
    longest = max(map(len, ax.get_legend_handles_labels()[1]), default=0)
    fixed_margins(fig, left=0.75, right=longest * CHAR_WIDTH * (FONT_SIZE - 1) / FONT_SIZE + 0.7)
    return fig


def fixed_margins(fig: Figure, left: float, bottom: float = 0.55, top: float = 0.4, right: float = 0.25) -> None:
    """Margins in inches, set directly: a layout solver would cost more than the whole figure."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


def subgroup_plot(target, rows: pd.DataFrame, by: str, year: int, lang: str = "da") -> Figure:
    """Horizontal bars with intervals for one breakdown; hidden groups are labelled, not drawn."""
    rows = rows.reset_index(drop=True)
    labels = [group_label(by, str(g), lang, target.source) for g in rows["group"]]
    fig = Figure(figsize=(WIDTH, 0.45 * len(rows) + 1.3), dpi=110)
    fixed_margins(fig, left=max(map(len, labels), default=0) * CHAR_WIDTH + 0.25)
    ax = fig.add_subplot()
    positions = np.arange(len(rows))[::-1]
    shown = rows["value"].notna().to_numpy()
    values = rows["value"].fillna(0).to_numpy(float)
    ax.barh(positions[shown], values[shown], color=COLOURS["bar"], height=0.6)
    lo = (rows["value"] - rows["ci_low"]).fillna(0).to_numpy(float)
    hi = (rows["ci_high"] - rows["value"]).fillna(0).to_numpy(float)
    ax.errorbar(values[shown], positions[shown], xerr=np.vstack([lo[shown], hi[shown]]), fmt="none", ecolor="#333333", elinewidth=1, capsize=3)
    for pos in positions[~shown]:
        ax.text(0, pos, f" {text('plot.hidden', lang)}", va="center", fontsize=FONT_SIZE, color="#555555")
    if target.unit == "percent":  # a share target applies to each group; a count target only to the total
        ax.axvline(
            target.target_value, color=COLOURS["target"], linestyle="--", linewidth=1.2, label=text("plot.target", lang, year=target.target_year)
        )
    ax.set_yticks(positions, labels, fontsize=FONT_SIZE)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang)))
    ax.tick_params(labelsize=FONT_SIZE)
    ax.set_xlabel(_y_label(target, lang), fontsize=FONT_SIZE)
    if target.unit == "percent":
        ax.set_xlim(0, 100)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if target.unit == "percent":
        ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="lower right")
    dimension = text(f"report.groups.{by}", lang).lower()
    ax.set_title(
        text("plot.subgroup_title", lang, measure=target.short_name(lang), dimension=dimension, year=year), fontsize=FONT_SIZE + 1, loc="left"
    )
    return fig


def small_multiples(strategy, indicators: pd.DataFrame, assessment: pd.DataFrame, year: int, lang: str = "da") -> Figure:
    """One small trend plot per target, in the strategy's order, titled with the status."""
    n = len(strategy.targets)
    cols = 5
    rows_n = math.ceil(n / cols)
    height = 2.7 * rows_n
    fig = Figure(figsize=(12.5, height), dpi=100)
    # fixed margins (inches turned into fractions): identical panels need no layout solver, which
    # would cost a second per status page
    fig.subplots_adjust(left=0.04, right=0.99, top=1 - 0.3 / height, bottom=0.45 / height, wspace=0.3, hspace=0.75)
    axes = fig.subplots(rows_n, cols, squeeze=False).ravel()
    by_id = assessment.set_index("target_id")
    totals = indicators[(indicators["group"] == "all") & (indicators["year"] <= year)]
    for ax, target in zip(axes[:n], strategy.targets, strict=True):
        row = by_id.loc[target.id]
        draw_trend(ax, target, totals[totals["target_id"] == target.id], row, lang, legend=False, compact=True)
        ax.set_title(target.short_name(lang), fontsize=FONT_SIZE, loc="left")
        ax.text(
            0.0,
            -0.2,
            status_words(row["status"], lang, row["data_quality"]),
            transform=ax.transAxes,
            fontsize=FONT_SIZE,
            color="white",
            fontweight="bold",
            va="top",
            bbox={"boxstyle": "round,pad=0.25", "facecolor": colour(row["status"], row["data_quality"]), "edgecolor": "none"},
        )
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig


# --- alt texts ----------------------------------------------------------------------------------


def trend_alt_text(target, rows: pd.DataFrame, assessment_row, lang: str = "da") -> str:
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
    marks = []
    if not fmt.missing(assessment_row.get("method_break_year")):
        marks.append(text("plot.alt_break", lang, year=int(assessment_row["method_break_year"])))
    if excluded_years(assessment_row):
        marks.append(text("plot.alt_excluded", lang, years=", ".join(map(str, excluded_years(assessment_row)))))
    return " ".join([alt, *marks])


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
    return text("plot.alt_multiples", lang, n=len(strategy.targets), parts=parts + ".")


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
