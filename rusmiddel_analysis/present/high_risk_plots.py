"""The high-risk page's figures, drawn with seaborn in the report's one theme.

Every figure is a `matplotlib.figure.Figure` made without pyplot (seaborn draws on the axes it is
given), in the report's colours: the Okabe-Ito palette for categories and a single-hue blue ramp
for the heatmap, both safe for colour-blind readers, with marks and labels that do not depend on
colour alone. Each figure has an alt text in words; the page shows a table with every number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rusmiddel_analysis.present import formatting as fmt
from rusmiddel_analysis.present.plots import (
    CHAR_WIDTH,
    COLOURS,
    FONT_SIZE,
    HIDDEN_FILL,
    HIDDEN_HATCH,
    TICK_STEPS,
    WIDTH,
    fixed_margins,
    mark_hidden,
    style,
    tick_label,
)
from rusmiddel_analysis.present.textcatalog import text

# Okabe & Ito (2008): categories in this order (numbers of behaviours, behaviours)
PALETTE = ["#56B4E9", "#0072B2", "#E69F00", "#D55E00", "#000000", "#009E73", "#CC79A7", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
HATCHES = ["", "//", "..", "xx", "--", "oo", "\\\\", "++"]  # the numbers of behaviours, besides their colours


def theme() -> dict:
    """The report's seaborn theme, for an analyst's own plots: `seaborn.set_theme(**plots.theme())`."""
    return {"style": "whitegrid", "palette": PALETTE, "rc": {"font.size": FONT_SIZE, "axes.spines.top": False, "axes.spines.right": False}}


def _risk_matrix(pairs: pd.DataFrame, behaviours: list[str]) -> pd.DataFrame:
    """Relative risks as exposure (rows) x outcome (columns); hidden pairs and the diagonal missing."""
    table = pairs.pivot_table(index="exposure", columns="outcome", values="relative_risk", aggfunc="first", dropna=False)
    return table.reindex(index=behaviours, columns=behaviours).astype(float)


def co_occurrence_heatmap(pairs: pd.DataFrame, behaviours: list[str], labels: dict[str, str], year: int, lang: str = "da") -> Figure:
    """A heatmap of the relative risk of each outcome (columns) among pupils with each behaviour
    (rows) against pupils without it, on a log scale; a hidden pair shows a dash."""
    import seaborn as sns

    matrix = _risk_matrix(pairs, behaviours)
    hidden = _hidden_matrix(pairs, behaviours)
    names = [labels[b] for b in behaviours]
    annotations = np.array([[_ratio_label(matrix.loc[e, o], e == o, lang) for o in behaviours] for e in behaviours])
    fig = Figure(figsize=(WIDTH, 0.55 * len(behaviours) + 2.0), dpi=110)
    fixed_margins(fig, left=max(map(len, names)) * CHAR_WIDTH + 0.3, bottom=1.4, right=1.3)
    ax = fig.add_subplot()
    finite = matrix.to_numpy()[np.isfinite(matrix.to_numpy()) & (matrix.to_numpy() > 0)]
    norm = LogNorm(vmin=min(0.5, finite.min(initial=1)), vmax=max(10, finite.max(initial=1)))
    cmap = sns.light_palette(COLOURS["measured"], as_cmap=True)
    sns.heatmap(
        matrix.where(matrix > 0),
        ax=ax,
        cmap=cmap,
        norm=norm,
        annot=annotations,
        fmt="",
        linewidths=1,
        linecolor="white",
        cbar_kws={"label": text("high_risk.plot_ratio", lang)},
        annot_kws={"fontsize": FONT_SIZE},
    )
    ax.set_facecolor("#EEEEEE")  # the diagonal (a behaviour with itself)
    for row, col in zip(*np.nonzero(hidden.to_numpy()), strict=True):
        _hidden_cell(ax, row, col, lang)
    ax.set_yticks(np.arange(len(names)) + 0.5, names, rotation=0, fontsize=FONT_SIZE)
    ax.set_xticks(np.arange(len(names)) + 0.5, names, rotation=20, ha="right", fontsize=FONT_SIZE)
    ax.set_ylabel(text("high_risk.plot_exposure", lang), fontsize=FONT_SIZE)
    ax.set_xlabel(text("high_risk.plot_outcome", lang), fontsize=FONT_SIZE)
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang, 1 if v < 1 else 0)))
    ax.set_title(text("high_risk.plot_heatmap_title", lang, year=year), fontsize=FONT_SIZE + 1, loc="left")
    return fig


def _hidden_matrix(pairs: pd.DataFrame, behaviours: list[str]) -> pd.DataFrame:
    """True where disclosure control hid a pair: exposure (rows) x outcome (columns)."""
    table = pairs.assign(hidden=pairs["suppressed"].fillna(False).astype(bool)).pivot_table(
        index="exposure", columns="outcome", values="hidden", aggfunc="any", dropna=False
    )
    return table.reindex(index=behaviours, columns=behaviours).fillna(False).astype(bool)


def _hidden_cell(ax, row: int, col: int, lang: str) -> None:
    """A hidden pair in the heatmap: a grey hatched cell that says "skjult", unlike the plain diagonal."""
    ax.add_patch(
        Rectangle(
            (col + 0.04, row + 0.04),
            0.92,
            0.92,
            facecolor=HIDDEN_FILL,
            edgecolor=COLOURS["hidden"],
            hatch=HIDDEN_HATCH,
            hatch_linewidth=0.5,
            linewidth=0.8,
            linestyle="--",
            gid="hidden",
        )
    )
    ax.text(
        col + 0.5,
        row + 0.5,
        text("plot.hidden", lang),
        ha="center",
        va="center",
        fontsize=FONT_SIZE,
        color=COLOURS["hidden"],
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
    )


def _ratio_label(value: float, diagonal: bool, lang: str) -> str:
    if diagonal:
        return ""
    return fmt.HIDDEN if fmt.missing(value) else fmt.number(value, lang, 1)


def distribution_plot(counts: pd.DataFrame, group_names: dict[str, str], year: int, title: str, lang: str = "da") -> Figure:
    """Bars of the share of pupils with 0, 1, ... behaviours in each group, one colour and
    hatch per number; a hidden share is a grey hatched band that says "skjult", never a bar."""
    import seaborn as sns

    shown = counts.assign(name=counts["group"].astype(str).map(group_names), k=counts["behaviours"].astype(int).astype(str))
    order = list(dict.fromkeys(shown["name"]))
    fig = Figure(figsize=(WIDTH, 3.4), dpi=110)
    fixed_margins(fig, left=0.7, bottom=0.5, right=1.3)
    ax = fig.add_subplot()
    levels = sorted(shown["k"].unique(), key=int)
    sns.barplot(data=shown, x="name", y="value", hue="k", order=order, hue_order=levels, palette=PALETTE[: len(levels)], ax=ax, errorbar=None)
    drawn = [k for k in levels if shown.loc[shown["k"] == k, "value"].notna().any()]  # seaborn draws no bars for the others
    for bars, k in zip(ax.containers, drawn, strict=True):  # a number's hatch, as its colour, by its level
        for bar in bars:
            bar.set_hatch(HATCHES[levels.index(k) % len(HATCHES)])
            bar.set_edgecolor("white")
    _mark_hidden_bars(ax, shown, order, levels, lang)
    ax.grid(axis="y", color=COLOURS["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(steps=TICK_STEPS))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v, lang)))
    ax.set_xlabel("")
    ax.set_ylabel(text("plot.share", lang), fontsize=FONT_SIZE)
    ax.legend(
        title=text("high_risk.plot_count_legend", lang),
        fontsize=FONT_SIZE - 1,
        title_fontsize=FONT_SIZE - 1,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_title(title, fontsize=FONT_SIZE + 1, loc="left")
    return fig


def _mark_hidden_bars(ax, shown: pd.DataFrame, order: list[str], levels: list[str], lang: str) -> None:
    """The hidden shares at their bars' places (seaborn's dodge: a group's 0.8 shared by the levels),
    neighbours in a group as one band."""
    hidden = shown["suppressed"].fillna(False).astype(bool) if "suppressed" in shown else shown["value"].isna()
    width = 0.8 / len(levels)
    for name, part in shown[hidden].groupby("name", sort=False):
        places = sorted(levels.index(k) for k in part["k"])
        runs = np.split(np.array(places), np.nonzero(np.diff(places) > 1)[0] + 1)
        for run in runs:
            left = order.index(name) - 0.4 + width * run[0]
            mark_hidden(ax, left + width * len(run) / 2, lang, width=width * len(run), fontsize=FONT_SIZE - 1)


def trend_lines(rows: pd.DataFrame, series: str, names: dict[str, str], title: str, lang: str = "da") -> Figure:
    """One line per `series` value over the years with its interval as a band, in the palette and
    with a marker of its own; `rows` has year, value, ci_low, ci_high (hidden years missing). A
    line breaks at a hidden year, and the year is marked "skjult"."""
    import seaborn as sns

    everything = rows.assign(name=rows[series].astype(str).map(names))
    data = everything.dropna(subset=["value"])
    order = [names[k] for k in dict.fromkeys(rows[series].astype(str)) if names[k] in set(data["name"])]
    fig = Figure(figsize=(WIDTH, 3.2), dpi=110)
    fixed_margins(fig, left=0.7, right=2.3 if len(order) > 1 else 0.3)
    ax = fig.add_subplot()
    palette = dict(zip(order, PALETTE, strict=False))
    sns.lineplot(
        data=data,
        x="year",
        y="value",
        hue="name",
        style="name",
        hue_order=order,
        style_order=order,
        palette=palette,
        markers=dict(zip(order, MARKERS, strict=False)),
        dashes=False,
        ax=ax,
        legend=len(order) > 1,
    )
    for line, name in zip(ax.lines, order, strict=False):  # seaborn draws a line per name, joining over hidden years
        part = everything[everything["name"] == name].sort_values("year")
        line.set_data(part["year"], part["value"])  # a missing value breaks the line
        ax.fill_between(part["year"], part["ci_low"], part["ci_high"], color=palette[name], alpha=0.15, linewidth=0)
    hidden = everything["suppressed"].fillna(False).astype(bool) if "suppressed" in everything else everything["value"].isna()
    for year in sorted(everything.loc[hidden, "year"].unique()):
        mark_hidden(ax, year, lang, width=0.3, at=0.9)
    style(ax, lang)
    ax.set_xticks(sorted(rows["year"].unique()))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(text("plot.year", lang), fontsize=FONT_SIZE)
    ax.set_ylabel(text("plot.share", lang), fontsize=FONT_SIZE)
    if len(order) > 1:
        ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title, fontsize=FONT_SIZE + 1, loc="left")
    return fig
