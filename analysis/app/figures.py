"""The dashboard's four figures, for one run (``RunSeries``) or many seeds (``SeedRuns``):
market concentration, the capability race, the overhang, compute and prices.

Small figures drawn from the rows in memory with labsim's look (``analysis.style``), on a
``matplotlib.figure.Figure`` (no pyplot: the server draws from several threads). The time
axis always spans the scenario's horizon, so a run fills it in as it is played. Seeds draw the
median with a band from the 10th to the 90th percentile.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis import style
from analysis.app.seeds import RunSeries, SeedRuns
from sim.economics.concentration import (
    HIGHLY_CONCENTRATED_HHI,
    MODERATELY_CONCENTRATED_HHI,
    NO_MARKET,
)
from sim.economics.hardware import SECONDS_PER_MONTH
from sim.economics.overhang import STOCK_OVERHANG_MONTHS

FIGSIZE_IN = (6.4, 3.9)
HHI_MAX = 10000.0
BAND_ALPHA = 0.25
Data = RunSeries | SeedRuns


def _figure(rows: int = 1, height_ratios=None, height_in: float = FIGSIZE_IN[1]):
    import matplotlib

    with matplotlib.rc_context(style.RC):
        fig = Figure(figsize=(FIGSIZE_IN[0], height_in), layout="constrained", dpi=100)
        axes = fig.subplots(rows, 1, sharex=True, height_ratios=height_ratios, squeeze=False)
    return fig, list(axes[:, 0])


def _styled(draw: Callable[[Data], Figure]) -> Callable[[Data], Figure]:
    """Draw under labsim's rcParams (fonts, grid, spines)."""

    def wrapped(data: Data) -> Figure:
        import matplotlib

        with matplotlib.rc_context(style.RC):
            return draw(data)

    wrapped.__name__ = draw.__name__
    wrapped.__doc__ = draw.__doc__
    return wrapped


def _horizon(ax, data: Data) -> None:
    """The whole horizon, with ticks on round years."""
    from matplotlib.ticker import MultipleLocator

    span = data.end_year - data.start_year
    every = next((step for step, most in ((1, 6), (2, 15), (5, 40)) if span <= most), 10)
    ax.set_xlim(data.start_year, data.end_year)
    ax.xaxis.set_major_locator(MultipleLocator(every))


def _title(fig: Figure, title: str, data: Data) -> None:
    fig.suptitle(f"{title}  ·  {data.title}", x=0.01, ha="left", fontsize=style.FONT_PT + 1)


def _line(ax, data: Data, column: str, label: str, color: str, **kw) -> None:
    """A run's series, or the seeds' median with its 10-90% band."""
    if isinstance(data, SeedRuns):
        low, mid, high = data.quantiles[column]
        ax.fill_between(data.years, low, high, color=color, alpha=BAND_ALPHA, lw=0)
        ax.plot(data.years, mid, color=color, label=f"{label} (median)", **kw)
    else:
        ax.plot(data.years, data.series[column], color=color, label=label, **kw)


def _hhi_bands(ax) -> None:
    bands = (
        (0.0, MODERATELY_CONCENTRATED_HHI, "competitive"),
        (MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI, "oligopoly"),
        (HIGHLY_CONCENTRATED_HHI, HHI_MAX, "concentrated_oligopoly"),
    )
    trans = ax.get_yaxis_transform()
    for low, high, structure in bands:
        ax.axhspan(low, high, color=style.STRUCTURE_COLORS[structure], alpha=0.35, lw=0)
        ax.text(
            0.995,
            (low + high) / 2 if high < HHI_MAX else HIGHLY_CONCENTRATED_HHI + 350,
            style.STRUCTURE_LABELS[structure],
            transform=trans,
            ha="right",
            va="center" if high < HHI_MAX else "bottom",
            fontsize=style.FONT_PT - 2,
            color="#444444",
        )
    ax.set_ylim(0, HHI_MAX * 1.03)
    ax.set_yticks([0, HIGHLY_CONCENTRATED_HHI, 5000, HHI_MAX])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("HHI")


def _structure_strip(ax, years: np.ndarray, structure: list[str], step_years: float) -> None:
    """One coloured segment per stretch of equal structure labels."""
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("structure", rotation=0, ha="right", va="center", fontsize=style.FONT_PT - 1)
    start = 0
    for i in range(1, len(structure) + 1):
        if i == len(structure) or structure[i] != structure[start]:
            value = structure[start]
            if value and value != NO_MARKET:
                ax.axvspan(
                    years[start],
                    years[i - 1] + step_years,
                    color=style.STRUCTURE_COLORS.get(value, style.GREY),
                    lw=0,
                )
            start = i


def _step_years(data: Data) -> float:
    return float(data.years[1] - data.years[0]) if len(data.years) > 1 else 1 / 12


def _legend_below(fig: Figure, handles, labels) -> None:
    if handles:
        style.fig_legend(fig, handles, labels)


@_styled
def concentration_figure(data: Data) -> Figure:
    """HHI over the structure bands, the structure strip, and below it the revenue shares by
    lab (one run) or the share of seeds in each structure (seeds)."""
    fig, (ax_h, ax_k, ax_s) = _figure(3, height_ratios=[1.1, 0.12, 1])
    _hhi_bands(ax_h)
    _line(ax_h, data, "hhi", "HHI", "black")
    handles, labels = [], []
    if isinstance(data, SeedRuns):
        modal = _modal_structure(data)
        _structure_strip(ax_k, data.years, modal, _step_years(data))
        order = [s for s in style.STRUCTURE_ORDER if data.structure_shares[s].any()]
        if order:
            ax_s.stackplot(
                data.years,
                [data.structure_shares[s] for s in order],
                colors=[style.STRUCTURE_COLORS[s] for s in order],
                lw=0,
            )
        handles = [Patch(color=style.STRUCTURE_COLORS[s]) for s in order]
        labels = [style.STRUCTURE_LABELS[s] for s in order]
        ax_s.set_ylabel("share of seeds")
    else:
        _structure_strip(ax_k, data.years, data.structure, _step_years(data))
        colors = style.lab_colors(data.labs)
        shares = np.nan_to_num(data.lab_series["revenue_share"])
        if len(data.years) and data.labs:
            ax_s.stackplot(data.years, shares.T, colors=[colors[lab] for lab in data.labs], lw=0)
        handles = [Patch(color=colors[lab]) for lab in data.labs]
        labels = list(data.labs)
        ax_s.set_ylabel("revenue share")
    ax_s.set_ylim(0, 1)
    _horizon(ax_s, data)
    _legend_below(fig, handles, labels)
    _title(fig, "Market concentration", data)
    return fig


def _modal_structure(data: SeedRuns) -> list[str]:
    names = list(data.structure_shares)
    stacked = np.vstack([data.structure_shares[s] for s in names])
    return [names[i] for i in stacked.argmax(axis=0)] if stacked.size else []


@_styled
def race_figure(data: Data) -> Figure:
    """Capability of each lab's best model (one run), or the frontier and the leader's lead
    over the runner-up (seeds)."""
    fig, (ax,) = _figure()
    if isinstance(data, SeedRuns):
        _line(ax, data, "frontier_capability", "frontier", "black")
        _line(ax, data, "lead_capability", "lead over runner-up", style.LAB_PALETTE[1])
        ax.legend(loc="upper left")
    else:
        colors = style.lab_colors(data.labs)
        capability = data.lab_series["capability"]
        for j, lab in enumerate(data.labs):
            series = np.where(capability[:, j] > 0, capability[:, j], np.nan)
            ax.plot(data.years, series, color=colors[lab], label=lab)
        _legend_below(fig, *ax.get_legend_handles_labels())
    ax.set_yscale("log")
    ax.set_ylabel("capability: time horizon\n(minutes of expert work, log)")
    _horizon(ax, data)
    _title(fig, "The capability race", data)
    return fig


@_styled
def overhang_figure(data: Data) -> Figure:
    """Copies of the frontier model its own training cluster could run, and how far the
    world's compute and the richest lab's budget exceed the largest run."""
    fig, (ax,) = _figure()
    _line(
        ax, data, "runnable_copies", "runnable copies of the frontier model", style.LAB_PALETTE[0]
    )
    _line(ax, data, "hardware_overhang_world", "world compute / largest run", style.LAB_PALETTE[2])
    _line(
        ax, data, "hardware_overhang_budget", "richest budget / largest run", style.LAB_PALETTE[4]
    )
    _log_if_positive(ax, "multiple")
    _horizon(ax, data)
    _legend_below(fig, *ax.get_legend_handles_labels())
    _title(fig, "The overhang", data)
    return fig


@_styled
def compute_figure(data: Data) -> Figure:
    """The largest training run (and any compute cap) beside six months of the world's compute
    stock (the overhang's measure); the price of compute as a multiple of its trend (above 1
    when demand exceeds the stock); and the price of a million tokens by lab (one run) or the
    largest run's cost (seeds)."""
    fig, (ax_f, ax_s, ax_p) = _figure(3, height_ratios=[3, 1.2, 2.4], height_in=4.8)
    _line(ax_f, data, "frontier_training_flop", "largest run", "black")
    stock = _series(data, "world_compute_stock_flop_per_s") * _SIX_MONTHS_S
    ax_f.plot(data.years, stock, color=style.LAB_PALETTE[2], label="world stock, 6 months")
    cap = _series(data, "compute_cap_flop")
    if np.isfinite(cap).any():
        ax_f.plot(data.years, cap, color=style.LAB_PALETTE[1], ls="--", label="compute cap")
    _log_if_positive(ax_f, "FLOP")
    ax_f.legend(loc="upper left", fontsize=style.FONT_PT - 2)
    _line(ax_s, data, "compute_price_multiplier", "price of compute", style.LAB_PALETTE[3])
    ax_s.axhline(1.0, color=style.GREY, lw=0.8, ls="--")
    ax_s.set_ylabel("compute\nprice (x)")
    if isinstance(data, SeedRuns):
        _line(ax_p, data, "frontier_run_cost_usd", "cost of the largest run", style.GREY)
        unit = "USD"
        ax_p.legend(loc="upper left")
    else:
        colors = style.lab_colors(data.labs)
        prices = data.lab_series["price_per_mtok_usd"]
        for j, lab in enumerate(data.labs):
            ax_p.plot(data.years, prices[:, j], color=colors[lab], label=lab)
        unit = "USD per Mtok"
        _legend_below(fig, *ax_p.get_legend_handles_labels())
    _log_if_positive(ax_p, unit)
    _horizon(ax_p, data)
    _title(fig, "Compute and prices", data)
    return fig


# The stock over the months hardware_overhang_world counts it (sim.economics.overhang).
_SIX_MONTHS_S = STOCK_OVERHANG_MONTHS * SECONDS_PER_MONTH


def _series(data: Data, column: str) -> np.ndarray:
    """A run's series, or the seeds' median."""
    return data.quantiles[column][1] if isinstance(data, SeedRuns) else data.series[column]


def _log_if_positive(ax, unit: str) -> None:
    """Log scale once the axis holds a positive value (an empty axis stays linear)."""
    ys = [
        y
        for line in ax.get_lines()
        for y in np.asarray(line.get_ydata(), dtype=float)
        if math.isfinite(y) and y > 0
    ]
    if ys:
        from matplotlib.ticker import LogLocator, NullLocator

        ax.set_yscale("log")
        # Minor log ticks were half of a frame's drawing time, for little reading.
        ax.yaxis.set_major_locator(LogLocator(numticks=6))
        ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylabel(f"{unit} (log)" if ys else unit)


FIGURES: dict[str, Callable[[Data], Figure]] = {
    "concentration": concentration_figure,
    "race": race_figure,
    "overhang": overhang_figure,
    "compute": compute_figure,
}
