"""Figures of a forecast (``labsim forecast``): fan charts of the measures, the probability of
each market structure over time, when a monopoly first forms, and the parameters as drawn;
and two forecasters side by side.

Each function takes ``sim.forecast.folder.ForecastData`` and returns a matplotlib Figure in
labsim's style (``analysis.style``); ``save`` writes and closes it.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from analysis import style
from sim.forecast.outputs import LOG_MEASURES, MEASURES

FAN_MEASURES = (
    "hhi",
    "cr1",
    "frontier_capability",
    "frontier_training_flop",
    "frontier_run_cost_usd",
    "runnable_copies",
    "hardware_overhang_world",
    "hardware_overhang_budget",
)
BAND_COLOR = style.OKABE_ITO[0]


def _plt():
    """matplotlib.pyplot; the backend stays the caller's (commands select Agg themselves)."""
    import matplotlib.pyplot as plt

    return plt


def title(fig, text: str, subtitle: str | None = None) -> None:
    """A left-aligned title, the subtitle wrapped to the figure's width."""
    width = int(80 * fig.get_figwidth() / style.WIDTH_IN)
    body = text if not subtitle else text + "\n" + "\n".join(textwrap.wrap(subtitle, width))
    fig.suptitle(body, fontsize=style.FONT_PT + 1, x=0.01, ha="left")


def save(fig, path: str | Path, dpi: float | None = None) -> Path:
    """Write ``fig`` (format from the suffix) under labsim's style at ``dpi`` (default
    ``style.DPI``) and close it: ``analysis.plots.save.save_figure``."""
    from analysis.plots.save import save_figure

    return save_figure(fig, path, dpi=dpi)


def short_name(name: str, width: int = 30, parts_kept: int = 1) -> str:
    """A parameter path as a panel title: the lab and field for labs.NAME.field, else the
    last ``parts_kept`` parts, spaces for underscores."""
    parts = str(name).split(".")
    if parts[0] == "labs" and len(parts) > 2:
        text = f"{parts[1]} {parts[-1]}"
    else:
        text = " ".join(parts[-parts_kept:])
    return textwrap.shorten(text.replace("_", " "), width, placeholder="...")


def _years_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def _log_axis(ax) -> None:
    from matplotlib.ticker import NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())


def _origin_line(ax, data) -> None:
    if data.origin_year > data.start_year:
        ax.axvline(data.origin_year, color=style.GREY, lw=0.8, ls=":", zorder=1)


def _fan(ax, q, color, label: str | None = None, alpha=(0.18, 0.35)) -> list:
    """Median line with the 25-75% and 5-95% bands; returns legend handles."""
    from matplotlib.patches import Patch

    years = q["year"].to_numpy()
    ax.fill_between(years, q["q05"], q["q95"], color=color, alpha=alpha[0], lw=0)
    ax.fill_between(years, q["q25"], q["q75"], color=color, alpha=alpha[1], lw=0)
    (line,) = ax.plot(years, q["q50"], color=color, lw=1.6, label=label)
    return [
        line,
        Patch(facecolor=color, alpha=alpha[1] + alpha[0] * (1 - alpha[1]), lw=0),
        Patch(facecolor=color, alpha=alpha[0], lw=0),
    ]


def fan_chart_figure(data, measures=FAN_MEASURES):
    """Per year, the median world and the 50% and 90% bands of each measure."""
    plt = _plt()
    shown = [m for m in measures if m in set(data.quantiles["measure"])]
    ncols = 2
    nrows = math.ceil(len(shown) / ncols)
    with style.figure_style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(style.WIDTH_IN, 1.9 * nrows + 0.9),
            layout="constrained",
            squeeze=False,
            sharex=True,
        )
        handles = []
        for ax, measure in zip(axes.flat, shown, strict=False):
            q = data.quantiles[data.quantiles["measure"] == measure].sort_values("year")
            q = q[q["n"] > 0]
            handles = _fan(ax, q, BAND_COLOR)
            _years_axis(ax)
            if measure in LOG_MEASURES:
                _log_axis(ax)
            if measure == "hhi":
                ax.axhline(1800, color=style.GREY, lw=0.7, ls="--")
                ax.set_ylim(0, 10000)
            if measure == "cr1":
                ax.set_ylim(0, 1)
            _origin_line(ax, data)
            ax.set_title(MEASURES[measure], fontsize=style.FONT_PT, loc="left")
        for ax in list(axes.flat)[len(shown) :]:
            ax.set_visible(False)
        style.fig_legend(fig, handles, ["median world", "middle 50% of worlds", "middle 90%"])
        sub = "Each band holds that share of the worlds in each year (not the same worlds every year)."
        if data.origin_year > data.start_year:
            sub += " Dotted line: the forecast's origin; before it, the calibrated history."
        title(fig, f"Forecast {data.name}: fan charts", sub)
        return fig


def structure_figure(data):
    """Share of worlds in each market structure at each year's end, stacked from the least
    to the most concentrated, with the share in which a monopoly has formed by then."""
    from sim.forecast.outputs import STRUCTURE_COLUMNS

    plt = _plt()
    table = data.structure.sort_values("year")
    order = ["no_market", *[s for s in style.STRUCTURE_ORDER if s in STRUCTURE_COLUMNS]]
    order = [s for s in order if s in table.columns and table[s].sum() > 0]
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN, 3.2), layout="constrained")
        years = table["year"].to_numpy()
        ax.stackplot(
            years,
            [table[s].to_numpy() for s in order],
            colors=[style.STRUCTURE_COLORS[s] for s in order],
            labels=[style.STRUCTURE_LABELS[s] for s in order],
            edgecolor="white",
            lw=0.3,
        )
        ax.plot(
            years,
            table["monopoly_formed"],
            color="black",
            lw=1.4,
            ls="--",
            label="a monopoly has formed by then",
        )
        ax.set_ylim(0, 1)
        ax.set_xlim(years.min(), years.max())
        _years_axis(ax)
        ax.set_ylabel("share of worlds")
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        _origin_line(ax, data)
        handles, labels = ax.get_legend_handles_labels()
        style.fig_legend(fig, handles[::-1], labels[::-1])
        title(
            fig,
            f"Forecast {data.name}: market structure",
            "Share of worlds in each structure at each year's end (monopoly: leader holds 70% "
            "of revenue; duopoly: top two hold 80%; concentrated oligopoly: HHI at least 1,800).",
        )
        return fig


def monopoly_year_figure(data):
    """When a monopoly first forms (from the origin, after rivalry), as a share of worlds,
    with the share of worlds where none does by the horizon."""
    from sim.forecast.outputs import first_monopoly_year

    plt = _plt()
    first = first_monopoly_year(data.per_year, data.runs, data.origin_year)
    n = len(first)
    years = data.years
    counts = first.value_counts().reindex(years, fill_value=0) / max(n, 1)
    none = float(first.isna().sum()) / max(n, 1)
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN, 2.8), layout="constrained")
        ax.bar(
            years,
            counts.to_numpy(),
            color=style.STRUCTURE_COLORS["monopoly"],
            width=0.8,
            label="first forms that year",
        )
        gap = years[-1] + 2
        ax.bar([gap], [none], color=style.GREY, width=0.8, label=f"none by {years[-1]}")
        ax.text(gap, none, f"{none:.0%}", ha="center", va="bottom", fontsize=style.FONT_PT - 1)
        ax.set_xticks(
            [*[y for y in years if y % 5 == 0], gap],
            [*[str(y) for y in years if y % 5 == 0], "never"],
        )
        ax.set_ylabel("share of worlds")
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        origin = str(data.resolved.get("origin") or data.resolved["base_scenario"]["start"])
        style.fig_legend(fig, *ax.get_legend_handles_labels())
        title(
            fig,
            f"Forecast {data.name}: when a monopoly first forms",
            f"First year, from {origin}, in which one lab holds at least 70% of revenue after "
            f"two or more have sold; {1 - none:.0%} of {n} worlds see one by {years[-1]}.",
        )
        return fig


def _prior_curve(spec: dict, values: np.ndarray, logx: bool = False):
    """x and density of a continuous prior as specified (None for a choice)."""
    from sim.forecast.distributions import DISTRIBUTIONS

    kind = spec.get("dist")
    if kind in (None, "choice"):
        return None
    prior = DISTRIBUTIONS[kind].model_validate(spec)
    dist = prior.frozen()
    lo, hi = float(np.min(values)), float(np.max(values))
    x = np.geomspace(lo, hi, 200) if logx else np.linspace(lo, hi, 200)
    mass = float(dist.cdf(prior.max if prior.max is not None else np.inf)) - float(
        dist.cdf(prior.min if prior.min is not None else -np.inf)
    )
    return x, dist.pdf(x) / mass


def marginals_figure(data):
    """Each parameter's values as drawn (histogram, or shares for a choice), with the prior's
    density: the check that the draw is the belief."""
    plt = _plt()
    names = data.parameters
    ncols = 3
    nrows = math.ceil(len(names) / ncols)
    with style.figure_style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(style.WIDTH_IN, 1.65 * nrows + 0.8),
            layout="constrained",
            squeeze=False,
        )
        priors = data.priors
        for ax, name in zip(axes.flat, names, strict=False):
            col = data.samples[name]
            spec = priors.get(name, {})
            label = textwrap.wrap(short_name(name, 80, parts_kept=2), 30)
            if len(label) > 2:
                label = [label[0], textwrap.shorten(" ".join(label[1:]), 30, placeholder="...")]
            ax.set_title("\n".join(label), fontsize=style.FONT_PT - 1, loc="left")
            ax.set_yticks([])
            ax.grid(False)
            if (
                spec.get("dist") == "choice"
                or not np.issubdtype(col.dtype, np.number)
                or col.dtype == bool
            ):
                shares = col.astype(str).value_counts(normalize=True)
                order = [str(v) for v in spec.get("values", shares.index)]
                shares = shares.reindex(order, fill_value=0.0)
                ax.bar(range(len(shares)), shares.to_numpy(), color=BAND_COLOR, alpha=0.7)
                ax.set_xticks(range(len(shares)), [textwrap.shorten(s, 12) for s in shares.index])
                continue
            values = col.to_numpy(dtype=float)
            logx = spec.get("dist") == "loguniform" and values.min() > 0
            bins = np.geomspace(values.min(), values.max(), 31) if logx else 30
            ax.hist(values, bins=bins, density=True, color=BAND_COLOR, alpha=0.55, lw=0)
            curve = _prior_curve(spec, values, logx)
            if curve is not None:
                ax.plot(*curve, color="black", lw=1.0)
            if logx:
                from matplotlib.ticker import NullFormatter

                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
        for ax in list(axes.flat)[len(names) :]:
            ax.set_visible(False)
        title(
            fig,
            f"Forecast {data.name}: the parameters as drawn",
            f"Histograms of the {len(data.samples)} draws (bars: shares of a choice); black: "
            "the prior's density as written in the priors file.",
        )
        return fig


# --------------------------------------------------------------------- two forecasters


COMPARE_MEASURES = ("hhi", "cr1", "frontier_capability", "frontier_training_flop")


def comparison_figure(a, b):
    """Two forecasters' fans of the main measures, and the share of worlds in which a
    monopoly has formed by each year."""
    plt = _plt()
    colors = (style.OKABE_ITO[0], style.OKABE_ITO[1])
    with style.figure_style():
        fig, axes = plt.subplots(
            3, 2, figsize=(style.WIDTH_IN, 7.0), layout="constrained", squeeze=False
        )
        panels = list(axes.flat)
        for ax, measure in zip(panels, COMPARE_MEASURES, strict=False):
            for data, color in zip((a, b), colors, strict=True):
                q = data.quantiles[data.quantiles["measure"] == measure].sort_values("year")
                _fan(ax, q[q["n"] > 0], color, alpha=(0.0, 0.25))
                ax.plot(q["year"], q["q05"], color=color, lw=0.6, ls=":")
                ax.plot(q["year"], q["q95"], color=color, lw=0.6, ls=":")
            _years_axis(ax)
            if measure in LOG_MEASURES:
                _log_axis(ax)
            ax.set_title(MEASURES[measure], fontsize=style.FONT_PT, loc="left")
        ax = panels[4]
        _years_axis(ax)
        for data, color in zip((a, b), colors, strict=True):
            s = data.structure.sort_values("year")
            ax.plot(s["year"], s["monopoly_formed"], color=color, lw=1.6)
            ax.plot(s["year"], s["monopoly"], color=color, lw=1.0, ls="--")
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(
            "monopoly: formed by (solid), held (dashed)", fontsize=style.FONT_PT, loc="left"
        )
        ax = panels[5]
        width = 0.4
        structures = [s for s in style.STRUCTURE_ORDER][::-1]
        for k, (data, color) in enumerate(zip((a, b), colors, strict=True)):
            last = data.structure.sort_values("year").iloc[-1]
            bottom = 0.0
            for s in structures:
                share = float(last.get(s, 0.0))
                ax.bar(
                    k,
                    share,
                    bottom=bottom,
                    width=width * 1.6,
                    color=style.STRUCTURE_COLORS[s],
                    edgecolor=color,
                    lw=1.2,
                )
                bottom += share
        ax.set_xticks([0, 1], [textwrap.shorten(a.name, 18), textwrap.shorten(b.name, 18)])
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(
            f"structure in {int(a.structure['year'].max())}", fontsize=style.FONT_PT, loc="left"
        )
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=c, lw=2) for c in colors]
        style.fig_legend(
            fig, handles, [f"{data.name}: median, 50% band, 90% dotted" for data in (a, b)]
        )
        title(
            fig,
            f"Two forecasters: {a.name} and {b.name}",
            f"{int((a.runs['status'] == 'ok').sum())} and {int((b.runs['status'] == 'ok').sum())} worlds.",
        )
        return fig
