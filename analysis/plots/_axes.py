"""Shared machinery of labsim's figures: pyplot access, figure creation, titles, legend
handles, tick formatters and the one-row category strips. Nothing here draws a whole figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import style
from analysis.io import RunData, SweepData, run_data, sweep_data
from sim.economics.concentration import NO_MARKET


def pyplot():
    """matplotlib.pyplot, imported on first use. The backend stays whatever the caller chose
    (a notebook's inline backend, say); commands select Agg themselves (``use_file_backend``)."""
    import matplotlib.pyplot as plt

    return plt


def as_run(data) -> RunData:
    """A run directory, a ``sim.results.RunResult`` or ``RunData``, as ``RunData``."""
    return run_data(data)


def as_sweep(data) -> SweepData:
    """A sweep directory or ``SweepData``, as ``SweepData``."""
    return sweep_data(data)


def subplots(nrows: int, height_in: float, height_ratios=None, sharex=True):
    plt = pyplot()
    fig, axes = plt.subplots(
        nrows,
        1,
        sharex=sharex,
        figsize=(style.WIDTH_IN, height_in),
        height_ratios=height_ratios,
        layout="constrained",
        squeeze=False,
    )
    return fig, list(axes[:, 0])


def add_title(fig, title: str, subtitle: str | None = None) -> None:
    """A left-aligned title, the subtitle wrapped to the figure's width."""
    import textwrap

    width = int(85 * fig.get_figwidth() / style.WIDTH_IN)  # 10 pt characters per line
    text = title if not subtitle else title + "\n" + "\n".join(textwrap.wrap(subtitle, width))
    fig.suptitle(text, fontsize=style.FONT_PT + 1, x=0.01, ha="left")


def run_subtitle(run: RunData) -> str:
    seed = run.meta.get("seed", run.scenario.get("seed"))
    return f"scenario {run.name}" + (f", seed {seed}" if seed is not None else "")


def lab_handles(run: RunData):
    """Legend entries for the highlighted labs, plus one for the grey "other labs"."""
    from matplotlib.patches import Patch

    colors = run.lab_colors()
    shown = run.highlighted_labs()
    handles = [Patch(facecolor=colors[lab], edgecolor="none") for lab in shown]
    labels = list(shown)
    others = len(run.lab_order) - len(shown)
    if others:
        handles.append(Patch(facecolor=style.OTHER_LABS, edgecolor="none"))
        labels.append(f"{style.OTHER_LABEL} ({others})")
    return handles, labels


def method_handles(methods):
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=style.METHOD_MARKERS.get(m, "o"),
            markerfacecolor="white",
            markeredgecolor="#333333",
            markersize=6,
        )
        for m in methods
    ]
    return handles, [style.METHOD_LABELS.get(m, m) for m in methods]


def thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def log_ticks_125(ax) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, as plain numbers (0.05, not 5×10⁻²)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def usd_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(v, _):
        if v <= 0:
            return ""
        for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= scale:
                return f"${v / scale:g}{unit}"
        return f"${v:g}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def strip_axes(ax, ylabel: str) -> None:
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel(ylabel, rotation=0, ha="right", va="center", fontsize=style.FONT_PT - 1)


def category_strip(ax, times, values, color_of, text_of, ylabel: str, gid: str) -> None:
    """A one-row strip of coloured segments, one per run of equal ``values`` over ``times``;
    each segment wide enough carries ``text_of(value, years)``. Empty values stay blank."""
    from matplotlib.colors import to_rgb

    strip_axes(ax, ylabel)
    times = pd.to_datetime(pd.Series(times)).to_numpy()
    values = pd.Series(values).fillna("").astype(str).to_numpy()
    if len(times) == 0:
        return
    step = (times[1] - times[0]) if len(times) > 1 else np.timedelta64(30, "D")
    total_days = (times[-1] - times[0] + step) / np.timedelta64(1, "D")
    start = 0
    for i in range(1, len(times) + 1):
        if i == len(times) or values[i] != values[start]:
            value = values[start]
            if value and value not in ("nan", NO_MARKET):
                t0 = times[start]
                t1 = times[i] if i < len(times) else times[-1] + step
                color = color_of(value)
                ax.axvspan(t0, t1, color=color, lw=0, gid=f"{gid}:{value}")
                years = (t1 - t0) / np.timedelta64(1, "D") / 365.25
                text = text_of(value, years)
                # one 7.5 pt character is about 1% of a 6-inch axis
                if years * 365.25 / total_days > 0.0095 * (len(text) + 2):
                    dark = luminance(to_rgb(color)) < 0.4
                    ax.text(
                        t0 + (t1 - t0) / 2,
                        0.5,
                        text,
                        ha="center",
                        va="center",
                        fontsize=style.FONT_PT - 1.5,
                        color="white" if dark else "black",
                    )
            start = i


def luminance(rgb) -> float:
    """WCAG relative luminance of an RGB triple in [0, 1] (picks black or white text)."""

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
