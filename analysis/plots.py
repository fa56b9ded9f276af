"""labsim's figures. Each ``*_figure`` function takes a run or sweep directory (a path, or the
``RunData``/``SweepData`` from ``analysis.io``) and returns a matplotlib ``Figure``; the
caller saves it (``save_figure``) or the CLI does. Nothing about the model's numbers is
hard-coded: limits, ticks and labels follow the data.

Run figures: ``concentration``, ``shares``, ``race``, ``overhang``, ``beliefs``, ``lineage``.
Sweep figures: ``concentration`` (median and 10-90% band per parameter value), ``phase``
(majority structure over two parameters), ``phase-shares`` (share of each structure),
``sensitivity`` (ranked indices with confidence intervals).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import style
from analysis.io import (
    AnalysisError,
    RunData,
    SweepData,
    load,
    load_run,
    load_sweep,
    read_sensitivity,
)
from sim.economics.concentration import (
    HIGHLY_CONCENTRATED_HHI,
    MODERATELY_CONCENTRATED_HHI,
    MONOPOLY_CR1,
    NO_MARKET,
)

HHI_MAX = 10000.0
# A firm with share CR1 alone contributes 10,000 * CR1^2 to the HHI, so no market labelled a
# monopoly (CR1 >= 0.7) has an HHI below this line.
MONOPOLY_HHI_FLOOR = HHI_MAX * MONOPOLY_CR1**2
BAND_QUANTILES = (0.1, 0.5, 0.9)
MAX_PARAMETER_LEVELS = 8  # more distinct values than this (sampled designs) are binned
MAX_EVENT_LABELS = 14  # above this, events are shown as markers with a legend only


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _as_run(data: RunData | str | Path) -> RunData:
    return data if isinstance(data, RunData) else load_run(data)


def _as_sweep(data: SweepData | str | Path) -> SweepData:
    return data if isinstance(data, SweepData) else load_sweep(data)


def _subplots(nrows: int, height_in: float, height_ratios=None, sharex=True):
    plt = _plt()
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


def _lab_handles(run: RunData):
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


def _method_handles(methods):
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


def _share_matrix(run: RunData) -> pd.DataFrame:
    """Share of industry revenue by time (rows) and lab (columns, order of appearance); 0
    where a lab is not in the market. Open-weights labs earn no revenue (their users pay
    hosts), so they do not appear; older run directories without the column fall back to
    usage shares."""
    column = "revenue_share" if "revenue_share" in run.labs else "market_share"
    shares = run.labs.pivot_table(index="time", columns="lab", values=column, aggfunc="sum")
    shares = shares.reindex(index=run.timeseries["time"].drop_duplicates(), columns=run.lab_order)
    return shares.fillna(0.0).clip(lower=0.0)


def _add_title(fig, title: str, subtitle: str | None = None) -> None:
    """A left-aligned title, the subtitle wrapped to the figure's width."""
    import textwrap

    width = int(85 * fig.get_figwidth() / style.WIDTH_IN)  # 10 pt characters per line
    text = title if not subtitle else title + "\n" + "\n".join(textwrap.wrap(subtitle, width))
    fig.suptitle(text, fontsize=style.FONT_PT + 1, x=0.01, ha="left")


def _run_subtitle(run: RunData) -> str:
    seed = run.meta.get("seed", run.scenario.get("seed"))
    return f"scenario {run.name}" + (f", seed {seed}" if seed is not None else "")


# ---------------------------------------------------------------- concentration thresholds


def _draw_hhi_thresholds(ax) -> list:
    """Shade the HHI bands of the structure labels and label them at the right edge.

    Returns the label artists (for tests and layout)."""
    bands = (
        (0.0, MODERATELY_CONCENTRATED_HHI, "competitive"),
        (MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI, "oligopoly"),
        (HIGHLY_CONCENTRATED_HHI, HHI_MAX, "concentrated_oligopoly"),
    )
    for low, high, structure in bands:
        ax.axhspan(low, high, color=style.STRUCTURE_COLORS[structure], alpha=0.3, lw=0, zorder=0)
    for level in (MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI):
        ax.axhline(level, color=style.GREY, lw=0.8, zorder=1, gid="threshold")
    ax.axhline(MONOPOLY_HHI_FLOOR, color="#662506", lw=0.9, ls="--", zorder=1, gid="threshold")
    trans = ax.get_yaxis_transform()
    labels = [
        (MODERATELY_CONCENTRATED_HHI / 2, f"competitive < {MODERATELY_CONCENTRATED_HHI:,.0f}"),
        (
            (MODERATELY_CONCENTRATED_HHI + HIGHLY_CONCENTRATED_HHI) / 2,
            f"oligopoly {MODERATELY_CONCENTRATED_HHI:,.0f}-{HIGHLY_CONCENTRATED_HHI:,.0f}",
        ),
        (
            (HIGHLY_CONCENTRATED_HHI + MONOPOLY_HHI_FLOOR) / 2,
            f"highly concentrated\n≥ {HIGHLY_CONCENTRATED_HHI:,.0f}",
        ),
        (
            MONOPOLY_HHI_FLOOR,
            f"monopoly floor {MONOPOLY_HHI_FLOOR:,.0f}\n(top share {MONOPOLY_CR1:.0%})",
        ),
    ]
    artists = []
    for k, (y, text) in enumerate(labels):
        artists.append(
            ax.text(
                1.01,
                y,
                text,
                transform=trans,
                # the monopoly label sits above its line, clear of the band label below it
                va="bottom" if k == len(labels) - 1 else "center",
                ha="left",
                fontsize=style.FONT_PT - 1.5,
                color="#333333",
                clip_on=False,
                gid="threshold-label",
            )
        )
    # a little headroom so a monopoly's HHI of 10,000 is not hidden under the frame
    ax.set_ylim(0, HHI_MAX * 1.03)
    ax.set_yticks(np.arange(0, HHI_MAX + 1, 2000))
    ax.set_ylabel("HHI (0-10,000)")
    ax.yaxis.set_major_formatter(_thousands())
    return artists


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def _stack_shares(ax, run: RunData, colors: dict[str, str]) -> None:
    """Stacked shares of the highlighted labs, the other labs summed in one grey layer on top."""
    shares = _share_matrix(run)
    shown = [lab for lab in run.highlighted_labs() if lab in shares.columns]
    others = [lab for lab in shares.columns if lab not in shown]
    layers = [shares[lab].to_numpy() for lab in shown]
    layer_colors = [colors[lab] for lab in shown]
    labels = list(shown)
    if others:
        layers.append(shares[others].sum(axis=1).to_numpy())
        layer_colors.append(style.OTHER_LABS)
        labels.append(style.OTHER_LABEL)
    ax.stackplot(
        shares.index,
        *layers,
        colors=layer_colors,
        labels=labels,
        linewidth=0.3,
        edgecolor="white",
        gid="shares",
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("market share\n(of revenue)")
    ax.yaxis.set_major_formatter(_percent())
    ax.grid(False)
    ax.set_xlim(shares.index.min(), shares.index.max())


# ------------------------------------------------------------------------ 1. concentration


def concentration_figure(data, by: str | None = None):
    """Run: HHI over time over the shaded structure bands, a strip with the realised market
    structure, and stacked market shares by lab. Sweep: the median HHI with a 10-90% band
    across replications, one line per value of the swept parameter ``by`` (default: the
    first swept parameter)."""
    if isinstance(data, SweepData):
        return _sweep_concentration_figure(data, by)
    if isinstance(data, RunData):
        run = data
    else:
        loaded = load(data)
        if isinstance(loaded, SweepData):
            return _sweep_concentration_figure(loaded, by)
        run = loaded
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_h, ax_k, ax_s) = _subplots(3, 5.2, height_ratios=[1.1, 0.09, 1])
        ts = run.timeseries
        _draw_hhi_thresholds(ax_h)
        ax_h.plot(ts["time"], ts["hhi"], color="black", lw=1.6, label="HHI", gid="hhi")
        # The structure label also depends on CR1 and CR2, not only on the HHI: show it.
        _category_strip(
            ax_k,
            ts["time"],
            ts["structure"],
            color_of=lambda s: style.STRUCTURE_COLORS.get(s, style.GREY),
            text_of=lambda s, _years: style.STRUCTURE_LABELS.get(s, s),
            ylabel="structure",
            gid="structure",
        )
        _stack_shares(ax_s, run, colors)
        style.format_date_axis(ax_s)
        handles, labels = _lab_handles(run)
        style.fig_legend(fig, handles, labels)
        _add_title(fig, "Market concentration", _run_subtitle(run))
        return fig


def _strip_axes(ax, ylabel: str) -> None:
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel(ylabel, rotation=0, ha="right", va="center", fontsize=style.FONT_PT - 1)


def _category_strip(ax, times, values, color_of, text_of, ylabel: str, gid: str) -> None:
    """A one-row strip of coloured segments, one per run of equal ``values`` over ``times``;
    each segment wide enough carries ``text_of(value, years)``. Empty values stay blank."""
    from matplotlib.colors import to_rgb

    _strip_axes(ax, ylabel)
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
                    dark = _luminance(to_rgb(color)) < 0.4
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


def _levels(values: pd.Series) -> tuple[pd.Series, list]:
    """Parameter values as plotting levels: the values themselves, or quantile bins when a
    sampled design gives more distinct values than a legend can show."""
    unique = pd.unique(values.dropna())
    if len(unique) <= MAX_PARAMETER_LEVELS:
        try:
            order = sorted(unique)
        except TypeError:
            order = list(unique)
        return values, order
    binned = pd.qcut(values.astype(float), q=4, duplicates="drop")
    return binned, list(binned.cat.categories)


def _format_level(v) -> str:
    if isinstance(v, pd.Interval):
        return f"{_format_value(v.left)}-{_format_value(v.right)}"
    return _format_value(v)


def _format_value(v) -> str:
    if isinstance(v, bool | np.bool_):
        return str(v).lower()
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, float | np.floating):
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.2g}"
        return f"{v:.3g}"
    return str(v)


def _level_colors(n: int) -> list:
    plt = _plt()
    cmap = plt.get_cmap("viridis")
    if n == 1:
        return ["black"]
    # stop short of viridis' pale yellow end, unreadable as a line on white
    return [cmap(x) for x in np.linspace(0.0, 0.82, n)]


def _sweep_series(sweep: SweepData, column: str) -> pd.DataFrame:
    ts = sweep.timeseries
    if column not in ts:
        raise AnalysisError(
            f"{sweep.path}: the sweep did not record {column!r} (recorded: "
            f"{', '.join(c for c in ts.columns if c not in ('run_id', 'step', 'date', 'time'))})"
        )
    ok = sweep.ok_runs
    return ts[ts["run_id"].isin(ok["run_id"])]


def _sweep_concentration_figure(sweep: SweepData, by: str | None):
    ts = _sweep_series(sweep, "hhi")
    runs = sweep.ok_runs
    if by is None and sweep.parameters:
        by = sweep.parameters[0]
    if by is not None:
        by = sweep.require_parameter(by)
        levels, order = _levels(runs[by])
        level_of = pd.Series(levels.to_numpy(), index=runs["run_id"].to_numpy())
    else:
        order = ["all runs"]
        level_of = pd.Series("all runs", index=runs["run_id"].to_numpy())
    with style.figure_style():
        fig, (ax,) = _subplots(1, 3.6)
        _draw_hhi_thresholds(ax)
        colors = _level_colors(len(order))
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
            labels.append(f"{_format_level(level)} (n={wide.shape[1]})")
        handles.append(Patch(facecolor="#999999", alpha=0.3))
        labels.append("10-90% of replications")
        style.format_date_axis(ax)
        title = f"sweep {sweep.name}: median HHI across replications"
        if by:
            title += f", by {by}"
        style.fig_legend(fig, handles, labels, title=by or None)
        _add_title(fig, "Market concentration", title)
        return fig


# ------------------------------------------------------------------------ 2. market shares


def _event_label(row) -> str:
    kind = str(row.type)
    lab = str(row.lab) if row.lab == row.lab else ""
    detail = str(row.detail) if row.detail == row.detail else ""
    verbs = {"entry": "enters", "exit": "exits"}
    if kind in verbs and lab:
        text = f"{lab} {verbs[kind]}"
    else:
        text = kind.replace("_", " ") + (f": {lab}" if lab else "")
    if detail and len(detail) <= 24:
        text += f" ({detail})"
    return text


def market_shares_figure(data):
    """Stacked market shares by lab over time, with a strip showing which lab led and for
    how long, and the run's events (entries, exits, mergers, acquisitions, shocks) marked."""
    run = _as_run(data)
    with style.figure_style():
        colors = run.lab_colors()
        ts = run.timeseries
        events = run.events.dropna(subset=["time"]).sort_values("time")
        few = len(events) <= MAX_EVENT_LABELS
        layout = _event_layout(events, ts["time"].min(), ts["time"].max()) if few else []
        rows = max((level for level, _, _ in layout), default=0) + 1
        fig, (ax_e, ax_l, ax_s) = _subplots(
            3, 4.6 + 0.15 * rows, height_ratios=[0.06 + 0.08 * rows, 0.09, 1]
        )
        _stack_shares(ax_s, run, colors)
        _category_strip(
            ax_l,
            ts["time"],
            ts["leader"],
            color_of=lambda lab: colors.get(lab, style.GREY),
            text_of=lambda lab, years: f"{lab} {years:.1f} yr",
            ylabel="leader",
            gid="leader",
        )
        _event_strip(ax_e, events, colors, layout, rows)
        # With many events, entries and exits show in the stack itself; keep the lines for
        # the market-wide events (mergers, shocks, caps) that explain a break in it.
        lined = events if few else events[~events["type"].isin(["entry", "exit"])]
        for t in lined["time"]:
            ax_s.axvline(t, color="black", lw=0.7, ls="--", alpha=0.7, gid="event")
        style.format_date_axis(ax_s)
        handles, labels = _lab_handles(run)
        from matplotlib.lines import Line2D

        for kind in pd.unique(events["type"]):
            handles.append(
                Line2D(
                    [], [], ls="none", marker=style.EVENT_MARKERS.get(kind, "o"), color="#333333"
                )
            )
            labels.append(str(kind).replace("_", " "))
        style.fig_legend(fig, handles, labels, ncol=min(len(labels), 7))
        _add_title(
            fig,
            "Market shares",
            _run_subtitle(run) + "; strips: events, and the leader with its tenure",
        )
        return fig


def _event_layout(events: pd.DataFrame, t_min, t_max) -> list[tuple[int, str, str]]:
    """(row, alignment, text) for each event label so that labels do not overlap: a label
    goes right of its marker, or left of it near the right edge, in the first free row."""
    span_days = max((t_max - t_min) / pd.Timedelta(days=1), 1.0)
    char = 0.0095  # one 7.5 pt character as a fraction of a 6-inch axis (measured)
    row_end: list[float] = []
    out = []
    for row in events.itertuples(index=False):
        text = _event_label(row)
        x = (row.time - t_min) / pd.Timedelta(days=1) / span_days
        width = char * (len(text) + 2)
        if x + width <= 1.0:
            left, right, align = x, x + width, "left"
        else:
            left, right, align = x - width, x, "right"
        level = next((r for r, end in enumerate(row_end) if end < left), len(row_end))
        if level == len(row_end):
            row_end.append(right)
        else:
            row_end[level] = right
        out.append((level, align, text))
    return out


def _event_strip(ax, events: pd.DataFrame, colors: dict[str, str], layout, rows: int) -> None:
    """Events as markers (shape by type, colour by lab), labelled in the rows ``layout``
    assigns, or markers only when there are too many to label."""
    _strip_axes(ax, "events")
    if events.empty:
        ax.text(
            0.5,
            0.5,
            "no entries, exits, mergers or shocks",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.FONT_PT - 1.5,
            color=style.GREY,
        )
        return
    for k, row in enumerate(events.itertuples(index=False)):
        color = colors.get(row.lab, "#333333")
        marker = style.EVENT_MARKERS.get(row.type, "o")
        if not layout:
            ax.plot(row.time, 0.5, ls="none", marker=marker, color=color, ms=6, gid="event-marker")
            continue
        level, align, text = layout[k]
        y = 1 - (level + 0.5) / rows
        ax.plot(row.time, y, ls="none", marker=marker, color=color, ms=5, gid="event-marker")
        ax.text(
            row.time,
            y,
            f"  {text}  ",
            ha=align,
            va="center",
            fontsize=style.FONT_PT - 1.5,
            gid="event-label",
        )


# ------------------------------------------------------------------------------ 3. the race


def race_figure(data):
    """Each lab's capability (share of economically valuable tasks, log scale) and the
    largest training run it has completed (FLOP, log scale) over time, with every model
    release as a marker shaped by its training method."""
    run = _as_run(data)
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_c, ax_f) = _subplots(2, 5.2)
        labs, models = run.labs, run.models.dropna(subset=["completed_time"])
        shown = set(run.highlighted_labs())
        for lab in run.lab_order:
            rows = labs[labs["lab"] == lab]
            cap = rows["capability"].where(rows["capability"] > 0)
            # highlighted labs on top; the crowd of other labs as thin grey context
            line = dict(lw=1.6, zorder=2) if lab in shown else dict(lw=0.6, alpha=0.7, zorder=1)
            ax_c.plot(rows["time"], cap, color=colors[lab], gid=f"lab:{lab}", **line)
            mine = models[(models["lab"] == lab) & (models["method"] != "distilled")].sort_values(
                "completed_time"
            )
            if not mine.empty:
                best = mine["training_flop"].cummax()
                end = rows["time"].max() if not rows.empty else mine["completed_time"].max()
                x = [*mine["completed_time"], end]
                y = [*best, best.iloc[-1]]
                ax_f.step(x, y, where="post", color=colors[lab], gid=f"lab:{lab}", **line)
        methods = [m for m in style.METHOD_MARKERS if m in set(models["method"])]
        methods += sorted(set(models["method"]) - set(methods))
        for method in methods:
            sub = models[models["method"] == method]
            face = [colors.get(lab, style.GREY) for lab in sub["lab"]]
            crowded = len(models) > 300  # small markers, or thousands of releases become a smear
            kw = dict(
                marker=style.METHOD_MARKERS.get(method, "o"),
                s=6 if crowded else 16,
                c=face,
                edgecolors="white",
                linewidths=0.0 if crowded else 0.4,
                zorder=3,
                gid=f"method:{method}",
            )
            ax_c.scatter(
                sub["completed_time"], sub["capability"].where(sub["capability"] > 0), **kw
            )
            ax_f.scatter(
                sub["completed_time"], sub["training_flop"].where(sub["training_flop"] > 0), **kw
            )
        ax_c.set_yscale("log")
        ax_c.set_ylabel("capability\n(share of tasks, log)")
        ax_c.set_ylim(top=1.3)
        _log_ticks_125(ax_c)
        ax_f.set_yscale("log")
        ax_f.set_ylabel("training compute\n(FLOP, log)")
        style.format_date_axis(ax_f)
        ax_f.set_xlim(run.timeseries["time"].min(), run.timeseries["time"].max())
        lab_h, lab_l = _lab_handles(run)
        met_h, met_l = _method_handles(methods)
        style.fig_legend(fig, lab_h + met_h, lab_l + met_l, ncol=min(len(lab_l) + len(met_l), 7))
        _add_title(
            fig,
            "The race: capability and training compute",
            _run_subtitle(run) + "; lines: best so far, markers: model releases",
        )
        return fig


# ---------------------------------------------------------------------------- 4. overhang


def overhang_figure(data):
    """The overhang over time: how many copies of the frontier model its own training
    cluster could run (at 10 tokens/s each), the frontier model's training cost over the
    cost of serving a million tokens, and how many times the largest run done the world's
    compute (or the richest lab's budget) could deliver. All on log scales."""
    run = _as_run(data)
    ts = run.timeseries
    with style.figure_style():
        fig, (ax_r, ax_t, ax_h) = _subplots(3, 6.0)
        ax_r.plot(
            ts["time"],
            ts["runnable_copies"].where(ts["runnable_copies"] > 0),
            color="#0072B2",
            gid="runnable_copies",
        )
        ax_r.set_yscale("log")
        ax_r.set_ylabel("runnable copies\n(at 10 tokens/s)")
        sec = ax_r.secondary_yaxis("right", functions=(lambda c: c * 10.0, lambda t: t / 10.0))
        sec.set_ylabel("tokens/s")
        ratio = ts["training_to_serving_ratio"]
        ax_t.plot(
            ts["time"], ratio.where(ratio > 0), color="#D55E00", gid="training_to_serving_ratio"
        )
        ax_t.set_yscale("log")
        ax_t.set_ylabel("training cost /\ncost of 1M tokens")
        for col, color, label in (
            ("hardware_overhang_world", "#009E73", "world compute stock"),
            ("hardware_overhang_budget", "#CC79A7", "richest lab's budget"),
        ):
            if col in ts:
                ax_h.plot(ts["time"], ts[col].where(ts[col] > 0), color=color, label=label, gid=col)
        ax_h.axhline(1.0, color=style.GREY, lw=0.8, ls="--")
        ax_h.set_yscale("log")
        ax_h.set_ylabel("deliverable run /\nlargest run done")
        ax_h.legend(loc="best")
        style.format_date_axis(ax_h)
        ax_h.set_xlim(ts["time"].min(), ts["time"].max())
        _add_title(fig, "The overhang", _run_subtitle(run) + "; frontier model at each date")
        return fig


# ------------------------------------------------------------------- 8. beliefs and budgets


def beliefs_figure(data):
    """Each lab's believed compute elasticity (the ``a`` in capability growth
    ∝ compute^a · engineers^b) and its compute and staff spending (USD per year, log scale)."""
    run = _as_run(data)
    step_months = float(run.scenario.get("step_months") or 1)
    per_year = 12.0 / step_months
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_b, ax_s) = _subplots(2, 5.2)
        labs = run.labs
        shown = set(run.highlighted_labs())
        for lab in run.lab_order:
            rows = labs[labs["lab"] == lab]
            if rows.empty:
                continue
            line = dict(lw=1.6, zorder=2) if lab in shown else dict(lw=0.5, alpha=0.6, zorder=1)
            ax_b.plot(
                rows["time"],
                rows["belief_compute_elasticity"],
                color=colors[lab],
                gid=f"lab:{lab}",
                **line,
            )
            for col, ls in (("compute_spend_usd", "-"), ("staff_spend_usd", "--")):
                # a trailing one-year mean: monthly compute bills jump with every run started
                window = max(1, round(12 / step_months))
                spend = rows[col].rolling(window, min_periods=1).mean() * per_year
                ax_s.plot(
                    rows["time"],
                    spend.where(spend > 0),
                    color=colors[lab],
                    ls=ls,
                    gid=f"{col}:{lab}",
                    **line,
                )
        ax_b.set_ylim(0, 1)
        ax_b.set_ylabel("believed compute\nelasticity a")
        ax_s.set_yscale("log")
        ax_s.set_ylabel("spending, USD/yr\n(12-month mean, log)")
        _usd_axis(ax_s)
        style.format_date_axis(ax_s)
        ax_s.set_xlim(run.timeseries["time"].min(), run.timeseries["time"].max())
        from matplotlib.lines import Line2D

        lab_h, lab_l = _lab_handles(run)
        kind_h = [Line2D([], [], color="#333333", ls="-"), Line2D([], [], color="#333333", ls="--")]
        style.fig_legend(
            fig, lab_h + kind_h, lab_l + ["compute", "staff"], ncol=min(len(lab_l) + 2, 7)
        )
        _add_title(fig, "Beliefs and budgets", _run_subtitle(run))
        return fig


def _luminance(rgb) -> float:
    """WCAG relative luminance of an RGB triple in [0, 1] (picks black or white text)."""

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _wrap_param(name: str, width: int = 28) -> str:
    """A long dotted parameter path on two lines, broken at its last dot (for y labels)."""
    if len(name) <= width or "." not in name:
        return name
    head, tail = name.rsplit(".", 1)
    return f"{head}.\n{tail}"


def _log_ticks_125(ax) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, as plain numbers (0.05, not 5×10⁻²)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _usd_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(v, _):
        if v <= 0:
            return ""
        for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= scale:
                return f"${v / scale:g}{unit}"
        return f"${v:g}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


# ------------------------------------------------------------------------------ 6. lineage


MAX_LINEAGE_NODES = 600  # above this, distilled models nobody built on are left out


def lineage_figure(data):
    """The model lineage graph laid out as swim lanes: one lane per lab (labs not highlighted
    in a crowded run share one grey lane), models placed at their completion date (distilled
    product models just below their lab's frontier models), coloured by lab and shaped by
    method; edges styled by method (warm start solid, distillation dotted, imitation dashed).
    With more than ``MAX_LINEAGE_NODES`` models the distilled products are omitted."""
    run = _as_run(data)
    import matplotlib.dates as mdates
    import networkx as nx
    from matplotlib.lines import Line2D

    graph = run.lineage()
    models = run.models.set_index("model_id") if "model_id" in run.models else pd.DataFrame()
    with style.figure_style():
        colors = run.lab_colors()
        shown = run.highlighted_labs()
        present = {d.get("lab") for _, d in graph.nodes(data=True)}
        lanes = [lab for lab in shown if lab in present]
        if present - set(shown):
            lanes.append(style.OTHER_LABEL)
        lane_of = {lab: i for i, lab in enumerate(lanes)}
        omit_distilled = graph.number_of_nodes() > MAX_LINEAGE_NODES
        fig, (ax,) = _subplots(1, max(2.2, 0.5 * len(lanes) + 1.5))
        pos = {}
        for node, d in graph.nodes(data=True):
            # leaf products go; a distilled model someone imitated keeps its edge
            if omit_distilled and d.get("method") == "distilled" and graph.out_degree(node) == 0:
                continue
            # models.csv has the YYYY-MM date; lineage.json stores a fractional year
            when = models.loc[node, "completed"] if node in models.index else d.get("completed")
            t = _as_timestamp(when)
            lane = lane_of.get(d.get("lab"), lane_of.get(style.OTHER_LABEL))
            if pd.isna(t) or lane is None:
                continue
            offset = -0.32 if d.get("method") == "distilled" else 0.0
            pos[node] = (mdates.date2num(t), -lane + offset)
        sub = graph.subgraph(pos)
        crowded = sub.number_of_edges() > 400  # arrows are one patch each: slow and cluttered
        edge_methods = sorted({d.get("method", "") for _, _, d in sub.edges(data=True)})
        for method in edge_methods:
            edges = [(u, v) for u, v, d in sub.edges(data=True) if d.get("method", "") == method]
            edge_colors = [
                "#888888"
                if method == "distilled"
                else colors.get(sub.nodes[v].get("lab"), style.GREY)
                for _, v in edges
            ]
            kw = dict(
                edgelist=edges,
                ax=ax,
                edge_color=edge_colors,
                style=style.METHOD_LINESTYLES.get(method, "-"),
                width=0.6 if method == "distilled" or crowded else 0.9,
                alpha=0.6 if crowded else 1.0,
                node_size=14,
            )
            if crowded:
                nx.draw_networkx_edges(sub, pos, arrows=False, **kw)
            else:
                nx.draw_networkx_edges(
                    sub,
                    pos,
                    arrows=True,
                    arrowsize=5,
                    arrowstyle="-|>",
                    connectionstyle="arc3,rad=0.15" if method == "imitation" else "arc3,rad=0.0",
                    **kw,
                )
        methods = [
            m
            for m in style.METHOD_MARKERS
            if any(d.get("method") == m for _, d in sub.nodes(data=True))
        ]
        size = 10 if sub.number_of_nodes() > 300 else 22
        for method in methods:
            nodes = [n for n, d in sub.nodes(data=True) if d.get("method") == method]
            nx.draw_networkx_nodes(
                sub,
                pos,
                nodelist=nodes,
                ax=ax,
                node_shape=style.METHOD_MARKERS[method],
                node_size=size if method != "distilled" else size * 0.6,
                node_color=[colors.get(sub.nodes[n].get("lab"), style.GREY) for n in nodes],
                edgecolors="white",
                linewidths=0.3,
            )
        # networkx hides the ticks; dates and lane names are wanted here
        ax.tick_params(
            axis="both", which="both", bottom=True, left=False, labelbottom=True, labelleft=True
        )
        ax.set_yticks([-i for i in range(len(lanes))], lanes)
        ax.set_ylim(-len(lanes) + 0.45, 0.3)
        t0, t1 = run.timeseries["time"].min(), run.timeseries["time"].max()
        pad = (t1 - t0) * 0.02
        ax.set_xlim(mdates.date2num(t0 - pad), mdates.date2num(t1 + pad))
        ax.grid(axis="y", visible=False)
        ax.xaxis_date()
        style.format_date_axis(ax)
        ax.set_xlabel("completion date")
        ax.spines["left"].set_visible(False)
        node_h, node_l = _method_handles(methods)
        edge_h = [
            Line2D([], [], color="#555555", ls=style.METHOD_LINESTYLES.get(m, "-"), lw=1)
            for m in edge_methods
        ]
        edge_l = [f"edge: {style.METHOD_LABELS.get(m, m)}" for m in edge_methods]
        style.fig_legend(fig, node_h + edge_h, node_l + edge_l)
        note = (
            f"leaf distilled products omitted ({graph.number_of_nodes()} models in all)"
            if omit_distilled
            else "distilled products below each lane"
        )
        _add_title(
            fig,
            "Model lineage",
            f"{_run_subtitle(run)}; {sub.number_of_nodes()} models, "
            f"{sub.number_of_edges()} parent links; {note}",
        )
        return fig


# ------------------------------------------------------------------------------ 5. phase map


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
    xl, xorder = _levels(runs[x])
    yl, yorder = _levels(runs[y])
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
    sweep = _as_sweep(sweep)
    parameter = sweep.require_parameter(parameter)
    runs = sweep.ok_runs
    levels, order = _levels(runs[parameter])
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
    shares.index = [_format_level(v) for v in shares.index]
    shares.index.name = parameter
    return shares


def phase_figure(data, x: str, y: str):
    """Monopoly-or-oligopoly map over two swept parameters: each cell coloured by the
    structure most replications end in, labelled with that structure's share."""
    sweep = _as_sweep(data)
    shares, xorder, yorder = _phase_table(sweep, x, y)
    x, y = sweep.require_parameter(x), sweep.require_parameter(y)
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch, Rectangle

    structures = [c for c in shares.columns if c != "n"]
    with style.figure_style():
        fig, (ax,) = _subplots(1, min(6.5, 1.9 + 0.55 * len(yorder) + 0.6), sharex=False)
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
            dark = _luminance(to_rgb(color)) < 0.4
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
        ax.set_xticks(range(len(xorder)), [_format_level(v) for v in xorder])
        ax.set_yticks(range(len(yorder)), [_format_level(v) for v in yorder])
        ax.set_xlabel(x)
        ax.set_ylabel(_wrap_param(y))
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
        _add_title(
            fig,
            "Monopoly or oligopoly?",
            f"sweep {sweep.name}: final structure of most "
            "replications (share of replications, run count)",
        )
        return fig


def _as_timestamp(value) -> pd.Timestamp:
    """A ``YYYY-MM`` string or a fractional year (2020.25 = April 2020) as a month start."""
    if isinstance(value, int | float | np.integer | np.floating):
        if not np.isfinite(value):
            return pd.NaT
        from sim.params import format_year_month

        value = format_year_month(float(value))
    return pd.to_datetime(str(value), format="%Y-%m", errors="coerce")


def _concentration_rank(structure: str) -> int:
    order = (NO_MARKET, *style.STRUCTURE_ORDER)
    return order.index(structure) if structure in order else -1


def phase_shares_figure(data, x: str, y: str):
    """Over two swept parameters, one heatmap per market structure: the share of
    replications ending in that structure."""
    sweep = _as_sweep(data)
    shares, xorder, yorder = _phase_table(sweep, x, y)
    x, y = sweep.require_parameter(x), sweep.require_parameter(y)
    structures = [s for s in (*reversed(style.STRUCTURE_ORDER), NO_MARKET) if s in shares.columns]
    structures += [c for c in shares.columns if c not in structures and c != "n"]
    plt = _plt()
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
            ax.set_xticks(range(len(xorder)), [_format_level(v) for v in xorder], rotation=0)
            ax.set_yticks(range(len(yorder)), [_format_level(v) for v in yorder])
            ax.grid(False)
        fig.supxlabel(x, fontsize=style.FONT_PT)
        for row in axes:
            row[0].set_ylabel(_wrap_param(y))
        if image is not None:
            bar = fig.colorbar(image, ax=axes, shrink=0.8, format=_percent())
            bar.set_label("share of replications")
        _add_title(fig, "Share of replications ending in each structure", f"sweep {sweep.name}")
        return fig


# -------------------------------------------------------------------------- 7. sensitivity


def sensitivity_figure(data, file: str | Path | None = None, top: int = 20):
    """Sensitivity indices ranked, with 95% confidence intervals: Sobol total (ST) and
    first-order (S1) indices, or Morris μ* (with σ), read from ``labsim sensitivity``'s CSV
    (``file``, or the first sensitivity CSV in the sweep directory)."""
    if file is None:
        sweep = _as_sweep(data)
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
        fig, (ax,) = _subplots(
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
                xerr=np.where(np.isnan(conf), 0, conf),
                color=style.OKABE_ITO[k],
                error_kw=dict(ecolor="#333333", lw=0.8, capsize=2),
                label=names.get(index, index),
                gid=f"index:{index}",
            )
        ax.set_yticks(y, ranked)
        ax.invert_yaxis()
        ax.axvline(0, color="#333333", lw=0.6)
        ax.set_xlabel(
            "sensitivity index (bars: 95% confidence interval)"
            if main in ("ST", "S1")
            else "elementary effect μ* (units of the output)"
        )
        ax.grid(axis="y", visible=False)
        style.fig_legend(fig, *ax.get_legend_handles_labels())
        _add_title(fig, f"Sensitivity of {output}", f"ranked by {names.get(main, main)}")
        return fig


# ----------------------------------------------------------------------------- registry

RUN_KINDS = ("concentration", "shares", "race", "overhang", "beliefs", "lineage")
SWEEP_KINDS = ("concentration", "phase", "phase-shares", "sensitivity")
ALL_KINDS = tuple(dict.fromkeys(RUN_KINDS + SWEEP_KINDS))

_RUN_BUILDERS: dict[str, Callable] = {
    "concentration": concentration_figure,
    "shares": market_shares_figure,
    "race": race_figure,
    "overhang": overhang_figure,
    "beliefs": beliefs_figure,
    "lineage": lineage_figure,
}


def figures_for(
    data,
    kinds: list[str] | None = None,
    x: str | None = None,
    y: str | None = None,
    by: str | None = None,
) -> list[tuple[str, Callable[[], object]]]:
    """(file stem, builder) for each requested figure kind that fits ``data``; with no
    ``kinds``, every figure that fits. A kind that does not fit raises ``AnalysisError``."""
    if isinstance(data, RunData):
        if kinds is None:
            kinds = list(RUN_KINDS)
        out = []
        for kind in kinds:
            if kind not in _RUN_BUILDERS:
                raise AnalysisError(
                    f"--kind {kind} needs a sweep directory; {data.path} is a single run "
                    f"(run figures: {', '.join(RUN_KINDS)})"
                )
            out.append((kind, lambda b=_RUN_BUILDERS[kind]: b(data)))
        return out
    sweep: SweepData = data
    explicit = kinds is not None
    if kinds is None:
        kinds = ["concentration"]
        if len(sweep.parameters) >= 2:
            kinds += ["phase", "phase-shares"]
        if sweep.sensitivity_files():
            kinds.append("sensitivity")
    out = []
    for kind in kinds:
        if kind == "concentration":
            out.append((kind, lambda: concentration_figure(sweep, by=by)))
        elif kind in ("phase", "phase-shares"):
            swept = sweep.parameters
            if (x is None or y is None) and len(swept) < 2:
                raise AnalysisError(
                    f"--kind {kind} needs two swept parameters; {sweep.path} varied only "
                    f"{', '.join(swept) or 'none'}"
                )
            if explicit and (x is None or y is None) and len(swept) > 2:
                raise AnalysisError(
                    f"--kind {kind} needs --x PARAM --y PARAM (swept: {', '.join(swept)})"
                )
            px = sweep.require_parameter(x) if x else swept[0]
            py = sweep.require_parameter(y) if y else next(p for p in swept if p != px)
            sweep.require_parameter(px)
            sweep.require_parameter(py)
            builder = phase_figure if kind == "phase" else phase_shares_figure
            out.append((kind, lambda b=builder, a=px, c=py: b(sweep, a, c)))
        elif kind == "sensitivity":
            files = sweep.sensitivity_files()
            if not files:
                raise AnalysisError(
                    f"{sweep.path}: no sensitivity CSV; run `labsim sensitivity {sweep.path} --output METRIC` first"
                )
            for f in files:
                stem = "sensitivity" if len(files) == 1 else f"sensitivity-{f.stem}"
                out.append((stem, lambda f=f: sensitivity_figure(sweep, file=f)))
        else:
            raise AnalysisError(
                f"--kind {kind} needs a run directory; {sweep.path} is a sweep "
                f"(sweep figures: {', '.join(SWEEP_KINDS)})"
            )
    return out


def save_figure(fig, path: str | Path, format: str | None = None) -> Path:
    """Save ``fig`` to ``path`` (suffix from ``format`` if given) and close it."""
    plt = _plt()
    path = Path(path)
    if format:
        path = path.with_suffix("." + format)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path


def save_concentration_figure(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the concentration figure of a run (or sweep) directory and return its path.

    ``out`` is a file path (its suffix sets the format) or a folder; by default
    ``run_dir/plots/concentration.png``."""
    run_dir = Path(run_dir)
    if out is None:
        target = run_dir / "plots" / "concentration.png"
    else:
        out = Path(out)
        target = out if out.suffix else out / "concentration.png"
    fig = concentration_figure(load(run_dir))
    return save_figure(fig, target)
