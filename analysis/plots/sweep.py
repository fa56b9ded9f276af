"""Figures of a sweep: ``concentration`` (median HHI with a 10-90% band per value of a swept
parameter), ``phase`` (the majority structure over two swept parameters), ``phase-shares``
(the share of each structure), and ``structure_table`` (the report's structure-by-parameter
table). Each takes a sweep directory or the ``SweepData`` from ``analysis.io``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import style
from analysis.io import AnalysisError, SweepData
from analysis.plots._axes import add_title, as_sweep, luminance, percent, pyplot, subplots
from analysis.plots._hhi import draw_hhi_thresholds
from analysis.plots._levels import (
    format_level,
    level_colors,
    parameter_label,
    parameter_levels,
)
from sim.economics.concentration import NO_MARKET

BAND_QUANTILES = (0.1, 0.5, 0.9)
Y_LABEL_CHARS = 24  # a y label's line length: longer labels wrap rather than squeeze the map


def _sweep_series(sweep: SweepData, column: str) -> pd.DataFrame:
    ts = sweep.timeseries
    if column not in ts:
        raise AnalysisError(
            f"{sweep.path}: the sweep did not record {column!r} (recorded: "
            f"{', '.join(c for c in ts.columns if c not in ('run_id', 'step', 'date', 'time'))})"
        )
    ok = sweep.ok_runs
    return ts[ts["run_id"].isin(ok["run_id"])]


def sweep_concentration_figure(sweep: SweepData, by: str | None):
    ts = _sweep_series(sweep, "hhi")
    runs = sweep.ok_runs
    if by is None and sweep.parameters:
        by = sweep.parameters[0]
    if by is not None:
        by = sweep.require_parameter(by)
        levels, order = parameter_levels(runs[by])
        level_of = pd.Series(levels.to_numpy(), index=runs["run_id"].to_numpy())
    else:
        order = ["all runs"]
        level_of = pd.Series("all runs", index=runs["run_id"].to_numpy())
    with style.figure_style():
        fig, (ax,) = subplots(1, 3.6)
        draw_hhi_thresholds(ax)
        colors = level_colors(len(order))
        handles, labels = [], []
        from matplotlib.patches import Patch

        for color, level in zip(colors, order, strict=True):
            ids = level_of.index[level_of.to_numpy() == level]
            sub = ts[ts["run_id"].isin(ids)]
            if sub.empty:
                continue
            wide = sub.pivot_table(index="time", columns="run_id", values="hhi")
            q = wide.quantile(list(BAND_QUANTILES), axis=1).T
            (line,) = ax.plot(q.index, q[0.5], color=color, lw=1.6, gid="median")
            ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.18, lw=0, gid="band")
            handles.append(line)
            labels.append(f"{format_level(level)} (n={wide.shape[1]})")
        handles.append(Patch(facecolor="#999999", alpha=0.3))
        labels.append("10-90% of replications")
        style.format_date_axis(ax)
        title = f"sweep {sweep.name}: median HHI across replications"
        if by:
            title += f", by {parameter_label(by)}"
        style.fig_legend(fig, handles, labels, title=parameter_label(by) if by else None)
        add_title(fig, "Market concentration", title)
        return fig


def _phase_table(sweep: SweepData, x: str, y: str) -> tuple[pd.DataFrame, list, list]:
    """Share of replications ending in each structure, per (x level, y level)."""
    x = sweep.require_parameter(x)
    y = sweep.require_parameter(y)
    if x == y:
        raise AnalysisError(f"--x and --y are the same parameter ({x}); choose two different ones")
    runs = sweep.ok_runs
    if "structure_final" not in runs:
        raise AnalysisError(f"{sweep.path}: runs table has no structure_final column")
    if runs.empty:
        raise AnalysisError(f"{sweep.path}: no finished runs to map")
    xl, xorder = parameter_levels(runs[x])
    yl, yorder = parameter_levels(runs[y])
    frame = pd.DataFrame(
        {
            "x": xl.to_numpy(),
            "y": yl.to_numpy(),
            "structure": runs["structure_final"].astype(str).to_numpy(),
        }
    )
    counts = (
        frame.groupby(["x", "y", "structure"], observed=True)
        .size()
        .unstack("structure", fill_value=0)
    )
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares["n"] = counts.sum(axis=1)
    return shares, xorder, yorder


def structure_table(sweep, parameter: str) -> pd.DataFrame:
    """Share of finished runs ending in each structure (columns) per value of ``parameter``
    (rows), with the run count ``n``: the report's structure-by-parameter table."""
    sweep = as_sweep(sweep)
    parameter = sweep.require_parameter(parameter)
    runs = sweep.ok_runs
    levels, order = parameter_levels(runs[parameter])
    frame = pd.DataFrame(
        {"level": levels.to_numpy(), "structure": runs["structure_final"].astype(str).to_numpy()}
    )
    counts = (
        frame.groupby(["level", "structure"], observed=True)
        .size()
        .unstack("structure", fill_value=0)
    )
    cols = [s for s in (*reversed(style.STRUCTURE_ORDER), NO_MARKET) if s in counts.columns]
    cols += [c for c in counts.columns if c not in cols]
    shares = counts[cols].div(counts.sum(axis=1), axis=0)
    shares.insert(0, "n", counts.sum(axis=1))
    shares = shares.reindex([lv for lv in order if lv in shares.index])
    shares.index = [format_level(v) for v in shares.index]
    shares.index.name = parameter
    return shares


def phase_figure(data, x: str, y: str):
    """Monopoly-or-oligopoly map over two swept parameters: each cell coloured by the
    structure most replications end in, labelled with that structure's share."""
    sweep = as_sweep(data)
    shares, xorder, yorder = _phase_table(sweep, x, y)
    x, y = sweep.require_parameter(x), sweep.require_parameter(y)
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch, Rectangle

    structures = [c for c in shares.columns if c != "n"]
    with style.figure_style():
        fig, (ax,) = subplots(1, min(6.5, 1.9 + 0.55 * len(yorder) + 0.6), sharex=False)
        present = set()
        for (xv, yv), row in shares.iterrows():
            i, j = xorder.index(xv), yorder.index(yv)
            top = max(structures, key=lambda s: (row[s], _concentration_rank(s)))
            present.add(top)
            color = style.STRUCTURE_COLORS.get(top, style.GREY)
            ax.add_patch(
                Rectangle(
                    (i - 0.5, j - 0.5),
                    1,
                    1,
                    facecolor=color,
                    edgecolor="white",
                    lw=1.5,
                    gid=f"cell:{top}",
                )
            )
            dark = luminance(to_rgb(color)) < 0.4
            ax.text(
                i,
                j,
                f"{row[top]:.0%}\nn={int(row['n'])}",
                ha="center",
                va="center",
                fontsize=style.FONT_PT - 1,
                color="white" if dark else "black",
            )
        ax.set_xlim(-0.5, len(xorder) - 0.5)
        ax.set_ylim(-0.5, len(yorder) - 0.5)
        ax.set_xticks(range(len(xorder)), [format_level(v) for v in xorder])
        ax.set_yticks(range(len(yorder)), [format_level(v) for v in yorder])
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y, width=Y_LABEL_CHARS))
        ax.grid(False)
        order = [s for s in (*style.STRUCTURE_ORDER, NO_MARKET) if s in present]
        order += sorted(present - set(order))
        handles = [Patch(facecolor=style.STRUCTURE_COLORS.get(s, style.GREY)) for s in order]
        ax.legend(
            handles,
            [style.STRUCTURE_LABELS.get(s, s) for s in order],
            title="majority structure",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
        add_title(
            fig,
            "Monopoly or oligopoly?",
            f"sweep {sweep.name}: final structure of most "
            "replications (share of replications, run count)",
        )
        return fig


def _concentration_rank(structure: str) -> int:
    order = (NO_MARKET, *style.STRUCTURE_ORDER)
    return order.index(structure) if structure in order else -1


def phase_shares_figure(data, x: str, y: str):
    """Over two swept parameters, one heatmap per market structure: the share of
    replications ending in that structure."""
    sweep = as_sweep(data)
    shares, xorder, yorder = _phase_table(sweep, x, y)
    x, y = sweep.require_parameter(x), sweep.require_parameter(y)
    structures = [s for s in (*reversed(style.STRUCTURE_ORDER), NO_MARKET) if s in shares.columns]
    structures += [c for c in shares.columns if c not in structures and c != "n"]
    plt = pyplot()
    with style.figure_style():
        ncols = min(3, len(structures))
        nrows = math.ceil(len(structures) / ncols)
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(style.WIDTH_IN, 2.3 * nrows + 0.6),
            layout="constrained",
            squeeze=False,
            sharex=True,
            sharey=True,
        )
        image = None
        for k, ax in enumerate(axes.flat):
            if k >= len(structures):
                ax.set_visible(False)
                continue
            s = structures[k]
            grid = np.full((len(yorder), len(xorder)), np.nan)
            for (xv, yv), row in shares.iterrows():
                grid[yorder.index(yv), xorder.index(xv)] = row[s]
            image = ax.imshow(grid, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
            for (j, i), v in np.ndenumerate(grid):
                if not np.isnan(v):
                    ax.text(
                        i,
                        j,
                        f"{v:.0%}",
                        ha="center",
                        va="center",
                        fontsize=style.FONT_PT - 2,
                        color="black" if v > 0.6 else "white",
                    )
            ax.set_title(style.STRUCTURE_LABELS.get(s, s))
            ax.set_xticks(range(len(xorder)), [format_level(v) for v in xorder], rotation=0)
            ax.set_yticks(range(len(yorder)), [format_level(v) for v in yorder])
            ax.grid(False)
        fig.supxlabel(parameter_label(x), fontsize=style.FONT_PT)
        for row in axes:
            row[0].set_ylabel(parameter_label(y, width=Y_LABEL_CHARS))
        if image is not None:
            bar = fig.colorbar(image, ax=axes, shrink=0.8, format=percent())
            bar.set_label("share of replications")
        add_title(fig, "Share of replications ending in each structure", f"sweep {sweep.name}")
        return fig
