"""Figures of a scenario discovery (``labsim discover``): PRIM's peeling trajectory (coverage
against density) and the chosen box's restrictions."""

from __future__ import annotations

import textwrap

import numpy as np

from analysis import style
from analysis.forecast_figures import _plt, save, short_name, title

__all__ = ["box_figure", "save", "tradeoff_figure"]


def tradeoff_figure(d):
    """Each box on the peeling trajectory as a point (coverage, density), coloured by how many
    parameters it restricts; the chosen box circled."""
    plt = _plt()
    t = d.trajectory
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN * 0.75, 3.6), layout="constrained")
        dims = sorted(t["res_dim"].unique())
        cmap = plt.get_cmap("viridis", max(len(dims), 2))
        for k, dim in enumerate(dims):
            sub = t[t["res_dim"] == dim]
            ax.scatter(sub["coverage"], sub["density"], s=16, color=cmap(k), label=f"{dim}")
        row = t.loc[d.chosen]
        ax.scatter(
            [row["coverage"]],
            [row["density"]],
            s=120,
            facecolors="none",
            edgecolors="black",
            lw=1.3,
            label="chosen box",
        )
        ax.annotate(
            f"box {d.chosen}",
            (row["coverage"], row["density"]),
            xytext=(6, -12),
            textcoords="offset points",
            fontsize=style.FONT_PT - 1,
        )
        base = d.n_cases / d.n_runs
        ax.axhline(base, color=style.GREY, lw=0.8, ls=":")
        ax.text(
            0.01,
            base,
            " share of all runs",
            va="bottom",
            fontsize=style.FONT_PT - 2,
            color=style.GREY,
            transform=ax.get_yaxis_transform(),
        )
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("coverage: share of the cases that fall in the box")
        ax.set_ylabel("density: share of the box that are cases")
        ax.legend(
            title="restricted parameters",
            loc="lower left",
            fontsize=style.FONT_PT - 2,
            title_fontsize=style.FONT_PT - 2,
        )
        title(fig, "PRIM peeling trajectory", textwrap.shorten(f"cases: {d.where}", 80))
        return fig


def box_figure(d):
    """The chosen box: for each restricted parameter its range in the runs (grey) and in the
    box (dark), with the limits and the quasi-p-value of each restriction."""
    plt = _plt()
    rows = d.box[d.box["restricted"]]
    n = max(len(rows), 1)
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN, 0.45 * n + 1.4), layout="constrained")
        for k, r in enumerate(rows.itertuples()):
            y = n - 1 - k
            ax.plot([0, 1], [y, y], color="#DDDDDD", lw=8, solid_capstyle="butt")
            if r.values:
                ax.text(
                    0.5,
                    y,
                    f"in {{{textwrap.shorten(r.values, 60)}}}",
                    ha="center",
                    va="center",
                    fontsize=style.FONT_PT - 1,
                )
            else:
                span = (r.range_upper - r.range_lower) or 1.0
                lo = (r.lower - r.range_lower) / span
                hi = (r.upper - r.range_lower) / span
                ax.plot(
                    [lo, hi],
                    [y, y],
                    color=style.STRUCTURE_COLORS["monopoly"],
                    lw=8,
                    solid_capstyle="butt",
                )
                ax.text(lo, y + 0.3, f"{r.lower:.3g}", ha="center", fontsize=style.FONT_PT - 2)
                ax.text(hi, y + 0.3, f"{r.upper:.3g}", ha="center", fontsize=style.FONT_PT - 2)
            qp = f"qp {r.qp:.1g}" if r.qp == r.qp else ""
            ax.text(1.02, y, qp, va="center", fontsize=style.FONT_PT - 2)
        ax.set_yticks(
            np.arange(n)[::-1][: len(rows)],
            [short_name(p, 40, parts_kept=2) for p in rows["parameter"]],
        )
        ax.set_xlim(-0.02, 1.12)
        ax.set_ylim(-0.7, n - 0.2)
        ax.set_xticks([0, 1], ["lowest drawn", "highest drawn"])
        ax.grid(False)
        s = d.stats
        title(
            fig,
            f"PRIM box {d.chosen}: coverage {s['coverage']:.0%}, density {s['density']:.0%}",
            f"Cases: {d.where} ({d.n_cases} of {d.n_runs} runs). Dark: the box's range of each "
            "restricted parameter within its range in the runs; qp: quasi-p-value of the "
            "restriction.",
        )
        return fig
