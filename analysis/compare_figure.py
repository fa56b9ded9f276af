"""The figure of ``labsim compare``: both scenarios' concentration over time.

Median HHI across seeds with a 10-90% band per scenario, and the structure thresholds of
the 2023 US Merger Guidelines (1,000 and 1,800). The figure is built on a bare matplotlib
``Figure`` (no pyplot), so making it never changes the global backend.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import style
from sim.economics.concentration import HIGHLY_CONCENTRATED_HHI, MODERATELY_CONCENTRATED_HHI

HHI_MAX = 10000.0
BAND = (0.1, 0.5, 0.9)
COLORS = (style.OKABE_ITO[0], style.OKABE_ITO[1])


def _dates(index) -> pd.DatetimeIndex:
    return pd.to_datetime(pd.Index(index), format="%Y-%m")


def compare_figure(hhi_a: pd.DataFrame, hhi_b: pd.DataFrame, label_a: str, label_b: str):
    """Median HHI with 10-90% bands for two scenarios; ``hhi_*`` have one row per month
    (YYYY-MM index) and one column per seed. Returns a matplotlib Figure."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    with matplotlib.rc_context(style.RC):
        fig = Figure(figsize=(style.WIDTH_IN, 3.6), layout="constrained")
        ax = fig.add_subplot()
        for level, text in (
            (MODERATELY_CONCENTRATED_HHI, f"oligopoly ≥ {MODERATELY_CONCENTRATED_HHI:,.0f}"),
            (HIGHLY_CONCENTRATED_HHI, f"highly concentrated ≥ {HIGHLY_CONCENTRATED_HHI:,.0f}"),
        ):
            ax.axhline(level, color=style.GREY, lw=0.8, ls="--", zorder=1, gid="threshold")
            ax.text(
                1.01,
                level,
                text,
                transform=ax.get_yaxis_transform(),
                va="center",
                ha="left",
                fontsize=style.FONT_PT - 1.5,
                color="#333333",
                clip_on=False,
            )
        handles, labels = [], []
        for hhi, label, color in ((hhi_a, label_a, COLORS[0]), (hhi_b, label_b, COLORS[1])):
            q = hhi.quantile(list(BAND), axis=1).T
            when = _dates(q.index)
            (line,) = ax.plot(when, q[0.5], color=color, lw=1.6, gid="median")
            ax.fill_between(when, q[0.1], q[0.9], color=color, alpha=0.18, lw=0, gid="band")
            handles.append(line)
            labels.append(f"{label} (median of {hhi.shape[1]} seeds)")
        handles.append(Patch(facecolor="#999999", alpha=0.3))
        labels.append("10-90% of seeds")
        ax.set_ylim(0, HHI_MAX * 1.03)
        ax.set_ylabel("HHI (0-10,000)")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        style.format_date_axis(ax)
        style.fig_legend(fig, handles, labels)
        fig.suptitle(
            f"Market concentration: {label_a} vs {label_b}",
            fontsize=style.FONT_PT + 1,
            x=0.01,
            ha="left",
        )
    return fig


def save_compare_figure(fig, path: str | Path, dpi: float | None = None) -> Path:
    """Write ``fig`` at labsim's resolution, or ``dpi`` (PNG, or the format the suffix
    names)."""
    path = Path(path)
    with __import__("matplotlib").rc_context(style.RC):
        fig.savefig(path, dpi=dpi or style.DPI)
    return path
