"""The ``compute`` figure of a run: the world's compute stock and the largest cluster, the
price of compute with what limits the largest run, and who does the research (MODEL.md,
"Hardware": compute as a stock; "AI research from the overhang")."""

from __future__ import annotations

from analysis import style
from analysis.io import AnalysisError
from analysis.plots._axes import add_title, as_run, category_strip, run_subtitle, subplots

COLUMNS = (
    "world_compute_stock_flop_per_s",
    "largest_cluster_flop_per_s",
    "compute_price_multiplier",
    "compute_constraint",
    "ai_research_share",
    "inference_compute_share",
)
# What limits the largest run (sim.phases.compute.binding_constraint), colour-blind safe.
CONSTRAINT_COLORS = {
    "money": "#E6E6E6",
    "cluster": "#56B4E9",
    "fabs": "#E69F00",
    "power": "#D55E00",
}


def compute_figure(data):
    """Four panels over time: the world's compute stock and the largest cluster (peak
    FLOP/s, log); the price of compute as a multiple of its trend (1: not scarce); a strip
    naming what limits the largest run in progress (money, cluster, fabs or power); and the
    shares of research done by AI copies and of compute used serving customers."""
    run = as_run(data)
    ts = run.timeseries
    missing = [c for c in COLUMNS if c not in ts]
    if missing:
        raise AnalysisError(
            f"{run.where} has no {', '.join(missing)}: it was written before the compute "
            "stock existed; run it again to draw the compute figure"
        )
    with style.figure_style():
        fig, (ax_k, ax_p, ax_c, ax_r) = subplots(4, 7.0, height_ratios=[3, 2, 0.5, 2])
        for col, color, label in (
            ("world_compute_stock_flop_per_s", "#009E73", "world compute stock"),
            ("largest_cluster_flop_per_s", "#0072B2", "largest cluster"),
        ):
            ax_k.plot(ts["time"], ts[col].where(ts[col] > 0), color=color, label=label, gid=col)
        ax_k.set_yscale("log")
        ax_k.set_ylabel("peak FLOP/s")
        ax_k.legend(loc="upper left")
        ax_p.plot(
            ts["time"],
            ts["compute_price_multiplier"],
            color="#D55E00",
            gid="compute_price_multiplier",
        )
        ax_p.axhline(1.0, color=style.GREY, lw=0.8, ls="--")
        ax_p.set_ylabel("price of compute\n(x its trend)")
        category_strip(
            ax_c,
            ts["time"],
            ts["compute_constraint"],
            lambda value: CONSTRAINT_COLORS.get(value, style.GREY),
            lambda value, years: value,
            "limits the\nlargest run",
            "compute_constraint",
        )
        for col, color, label in (
            ("ai_research_share", "#CC79A7", "research done by AI copies"),
            ("inference_compute_share", "#56B4E9", "compute used serving customers"),
        ):
            ax_r.plot(ts["time"], ts[col], color=color, label=label, gid=col)
        ax_r.set_ylim(0, 1)
        ax_r.set_ylabel("share")
        ax_r.legend(loc="upper left")
        style.format_date_axis(ax_r)
        ax_r.set_xlim(ts["time"].min(), ts["time"].max())
        add_title(fig, "Compute: the stock, its price and who uses it", run_subtitle(run))
        return fig
