"""The sensitivity figure: indices from ``labsim sensitivity``'s CSV, ranked, with their
confidence intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import style
from analysis.io import AnalysisError, read_sensitivity
from analysis.plots._axes import add_title, as_sweep, subplots
from analysis.plots._levels import parameter_label


def _interval_text(table: pd.DataFrame) -> str:
    """What the error bars are: "90% confidence interval" at the level the CSV records
    (``labsim sensitivity --conf``); files written before it recorded one say so."""
    levels = table["conf_level"].dropna().unique()
    if len(levels) == 1:
        return f"{float(levels[0]) * 100:g}% confidence interval"
    if len(levels) > 1:
        return "confidence intervals at " + ", ".join(f"{float(v) * 100:g}%" for v in levels)
    return "confidence interval (level not recorded)"


def sensitivity_figure(data, file: str | Path | None = None, top: int = 20):
    """Sensitivity indices ranked, with confidence intervals at the level the analysis used
    (the CSV's ``conf_level``): Sobol total (ST) and
    first-order (S1) indices, or Morris μ* (with σ), read from ``labsim sensitivity``'s CSV
    (``file``, or the first sensitivity CSV in the sweep directory)."""
    if file is None:
        sweep = as_sweep(data)
        files = sweep.sensitivity_files()
        if not files:
            raise AnalysisError(
                f"{sweep.path}: no sensitivity CSV; run `labsim sensitivity {sweep.path} --output METRIC` first"
            )
        file = files[0]
    table = read_sensitivity(file)
    indices = list(pd.unique(table["index"]))
    main = next((k for k in ("ST", "mu_star", "S1", "mu") if k in indices), indices[0])
    ranked = (
        table[table["index"] == main]
        .sort_values("value", ascending=False)["parameter"]
        .tolist()[:top]
    )
    shown = [k for k in ("ST", "S1", "mu_star", "sigma") if k in indices] or [main]
    names = {
        "ST": "total (ST)",
        "S1": "first order (S1)",
        "mu_star": "Morris μ*",
        "sigma": "Morris σ",
    }
    # labsim sensitivity names its files sensitivity-METHOD-OUTPUT.csv
    stem_parts = Path(file).stem.split("-", 2)
    from_name = stem_parts[2] if len(stem_parts) == 3 else Path(file).stem
    output = next((o for o in table["output"] if o), from_name)
    with style.figure_style():
        fig, (ax,) = subplots(
            1, max(2.2, 0.32 * len(ranked) * max(1, len(shown) / 1.5) + 1.2), sharex=False
        )
        height = 0.8 / len(shown)
        y = np.arange(len(ranked))
        for k, index in enumerate(shown):
            sub = table[table["index"] == index].set_index("parameter").reindex(ranked)
            conf = sub["conf"].to_numpy()
            ax.barh(
                y - 0.4 + height * (k + 0.5),
                sub["value"],
                height=height * 0.9,
                # no bars at all for an index without intervals (Morris σ), not zero-width caps
                xerr=np.where(np.isnan(conf), 0, conf) if np.isfinite(conf).any() else None,
                color=style.OKABE_ITO[k],
                error_kw=dict(ecolor="#333333", lw=0.8, capsize=2),
                label=names.get(index, index),
                gid=f"index:{index}",
            )
        ax.set_yticks(y, [parameter_label(p) for p in ranked])
        ax.invert_yaxis()
        ax.axvline(0, color="#333333", lw=0.6)
        what = (
            "sensitivity index"
            if main in ("ST", "S1")
            else "elementary effect μ* (units of the output)"
        )
        ax.set_xlabel(f"{what}; bars: {_interval_text(table)}")
        ax.grid(axis="y", visible=False)
        style.fig_legend(fig, *ax.get_legend_handles_labels())
        add_title(fig, f"Sensitivity of {output}", f"ranked by {names.get(main, main)}")
        return fig
