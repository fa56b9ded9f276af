"""Figures of ``labsim sensitivity --by-year`` (indices per simulated year, a line per
parameter) and of PAWN indices of a final metric (ranked bars)."""

from __future__ import annotations

import numpy as np

from analysis import style
from analysis.forecast_figures import _plt, save, short_name, title

__all__ = ["over_time_figure", "ranked_figure", "save"]

LABELS = {
    "ST": "total Sobol index (ST)",
    "S1": "first-order Sobol index (S1)",
    "mu_star": "Morris μ*",
    "pawn_median": "PAWN index (KS distance)",
}
TOP = 7  # parameters drawn in colour; the rest grey


def _method_note(method: str) -> str:
    if method == "pawn":
        return (
            "PAWN (Pianosi & Wagener 2015): moment-independent, needs no special design and "
            "allows correlated inputs, as a forecast's are; dotted: the largest index of five "
            "random dummy parameters, what sampling noise alone gives."
        )
    if method == "sobol":
        return "Sobol indices from Saltelli's design (independent inputs); solid ST, dashed S1."
    return "Morris elementary effects from the trajectories' design."


def over_time_figure(report):
    """Each parameter's index in each year; the ``TOP`` largest (by their peak) in colour."""
    from sim.sweep.sensitivity_time import MAIN_INDEX

    plt = _plt()
    t = report.table
    main = MAIN_INDEX[report.method]
    peaks = t.groupby("parameter")[main].max().sort_values(ascending=False)
    top = list(peaks.index[:TOP])
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN, 3.6), layout="constrained")
        for name in peaks.index[::-1]:
            sub = t[t["parameter"] == name].sort_values("year")
            if name in top:
                color = style.OKABE_ITO[top.index(name) % len(style.OKABE_ITO)]
                ax.plot(
                    sub["year"],
                    sub[main],
                    color=color,
                    lw=1.6,
                    label=short_name(name, 40, parts_kept=2),
                )
                if report.method == "sobol":
                    ax.plot(sub["year"], sub["S1"], color=color, lw=0.9, ls="--")
            else:
                ax.plot(sub["year"], sub[main], color=style.OTHER_LABS, lw=0.8)
        if report.method == "pawn":
            noise = t.groupby("year")["noise_level"].first()
            ax.plot(noise.index, noise.to_numpy(), color=style.GREY, lw=0.9, ls=":")
        ax.set_xlabel("year")
        ax.set_ylabel(LABELS.get(main, main))
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(t[main]))))
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles, labels = ax.get_legend_handles_labels()
        others = len(peaks) - len(top)
        if others > 0:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color=style.OTHER_LABS))
            labels.append(f"{others} other parameters")
        style.fig_legend(fig, handles, labels)
        title(fig, f"Sensitivity of {report.output}, year by year", _method_note(report.method))
        return fig


def ranked_figure(report):
    """PAWN indices of a final metric, ranked, with the noise level."""
    plt = _plt()
    t = report.table.sort_values("pawn_median", ascending=True)
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(style.WIDTH_IN, 0.28 * len(t) + 1.5), layout="constrained")
        y = np.arange(len(t))
        ax.barh(y, t["pawn_median"], color=style.OKABE_ITO[0], height=0.7)
        ax.errorbar(
            t["pawn_median"],
            y,
            xerr=[t["pawn_median"] - t["pawn_min"], t["pawn_max"] - t["pawn_median"]],
            fmt="none",
            ecolor="#333333",
            lw=0.7,
            capsize=2,
        )
        ax.axvline(float(t["noise_level"].iloc[0]), color=style.GREY, ls=":", lw=0.9)
        ax.set_yticks(y, [short_name(p, 40, parts_kept=2) for p in t["parameter"]])
        ax.set_xlabel("PAWN index: median KS distance over slices (whiskers: min to max)")
        ax.grid(axis="y", visible=False)
        title(fig, f"Sensitivity of {report.output}", _method_note("pawn"))
        return fig
