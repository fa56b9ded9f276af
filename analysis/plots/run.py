"""Figures of one run: ``concentration`` (HHI and shares), ``shares`` (market shares, the
leader and the events), ``race`` (capability and training compute), ``overhang`` and
``beliefs`` (believed compute elasticity and spending). Each takes a run directory or the
``RunData`` from ``analysis.io`` and returns a matplotlib ``Figure``."""

from __future__ import annotations

import pandas as pd

from analysis import style
from analysis.io import AnalysisError, RunData
from analysis.plots._axes import (
    add_title,
    as_run,
    category_strip,
    lab_handles,
    log_ticks_125,
    method_handles,
    percent,
    run_subtitle,
    subplots,
    usd_axis,
)
from analysis.plots._events import MAX_EVENT_LABELS, event_layout, event_strip
from analysis.plots._hhi import draw_hhi_thresholds
from sim.economics import concentration as conc

SHARES = ("revenue", "users")  # what the concentration figure measures shares of
SHARE_AXIS_LABELS = {"revenue": "market share\n(of revenue)", "users": "market share\n(of users)"}


def check_shares(shares: str) -> str:
    if shares not in SHARES:
        raise AnalysisError(f"--shares {shares}: expected one of {', '.join(SHARES)}")
    return shares


def _share_matrix(run: RunData, shares: str = "revenue") -> pd.DataFrame:
    """Share of industry revenue, or of users, by time (rows) and lab (columns, order of
    appearance); 0 where a lab is not in the market. Open-weights labs earn no revenue
    (their users pay hosts), so they appear in user shares only; older run directories
    without the revenue column fall back to user shares."""
    column = (
        "revenue_share" if shares == "revenue" and "revenue_share" in run.labs else "market_share"
    )
    matrix = run.labs.pivot_table(index="time", columns="lab", values=column, aggfunc="sum")
    matrix = matrix.reindex(index=run.timeseries["time"].drop_duplicates(), columns=run.lab_order)
    return matrix.fillna(0.0).clip(lower=0.0)


def _concentration_over_time(run: RunData, shares: str) -> pd.DataFrame:
    """HHI and structure label by time: as recorded (revenue shares), or computed with the
    model's own measure (``sim.economics.concentration``) from the user shares, where
    open-weights labs count as firms."""
    ts = run.timeseries
    if shares == "revenue":
        return pd.DataFrame({"time": ts["time"], "hhi": ts["hhi"], "structure": ts["structure"]})
    matrix = _share_matrix(run, "users")
    rows = [conc.concentration(row) if sum(row) > 0 else None for row in matrix.to_numpy().tolist()]
    return pd.DataFrame(
        {
            "time": matrix.index,
            "hhi": [m.hhi if m else float("nan") for m in rows],
            "structure": [m.structure if m else conc.NO_MARKET for m in rows],
        }
    )


def _stack_shares(ax, run: RunData, colors: dict[str, str], shares: str = "revenue") -> None:
    """Stacked shares of the highlighted labs, the other labs summed in one grey layer on top."""
    matrix = _share_matrix(run, shares)
    shown = [lab for lab in run.highlighted_labs() if lab in matrix.columns]
    others = [lab for lab in matrix.columns if lab not in shown]
    layers = [matrix[lab].to_numpy() for lab in shown]
    layer_colors = [colors[lab] for lab in shown]
    labels = list(shown)
    if others:
        layers.append(matrix[others].sum(axis=1).to_numpy())
        layer_colors.append(style.OTHER_LABS)
        labels.append(style.OTHER_LABEL)
    ax.stackplot(
        matrix.index,
        *layers,
        colors=layer_colors,
        labels=labels,
        linewidth=0.3,
        edgecolor="white",
        gid="shares",
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel(SHARE_AXIS_LABELS[shares])
    ax.yaxis.set_major_formatter(percent())
    ax.grid(False)
    ax.set_xlim(matrix.index.min(), matrix.index.max())


def run_concentration_figure(data, shares: str = "revenue"):
    """HHI over time over the shaded structure bands, a strip with the realised market
    structure, and stacked market shares by lab. ``shares="revenue"`` (the model's measure:
    open weights earn nothing) or ``"users"`` (every lab's share of users, open-weights labs
    included; HHI and structure computed from those shares)."""
    check_shares(shares)
    run = as_run(data)
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_h, ax_k, ax_s) = subplots(3, 5.2, height_ratios=[1.1, 0.09, 1])
        measured = _concentration_over_time(run, shares)
        draw_hhi_thresholds(ax_h)
        if shares == "users":
            ax_h.set_ylabel("HHI of user shares\n(0-10,000)")
        ax_h.plot(measured["time"], measured["hhi"], color="black", lw=1.6, label="HHI", gid="hhi")
        # The structure label also depends on CR1 and CR2, not only on the HHI: show it.
        category_strip(
            ax_k,
            measured["time"],
            measured["structure"],
            color_of=lambda s: style.STRUCTURE_COLORS.get(s, style.GREY),
            text_of=lambda s, _years: style.STRUCTURE_LABELS.get(s, s),
            ylabel="structure",
            gid="structure",
        )
        _stack_shares(ax_s, run, colors, shares)
        style.format_date_axis(ax_s)
        handles, labels = lab_handles(run)
        if shares == "users":
            open_labs = run.open_weights_labs()
            labels = [f"{lab} (open weights)" if lab in open_labs else lab for lab in labels]
        style.fig_legend(fig, handles, labels)
        subtitle = run_subtitle(run)
        if shares == "users":
            subtitle += "; shares of users, open-weights labs included"
        add_title(fig, "Market concentration", subtitle)
        return fig


def market_shares_figure(data):
    """Stacked market shares by lab over time, with a strip showing which lab led and for
    how long, and the run's events (entries, exits, mergers, acquisitions, shocks) marked."""
    run = as_run(data)
    with style.figure_style():
        colors = run.lab_colors()
        ts = run.timeseries
        events = run.events.dropna(subset=["time"]).sort_values("time")
        few = len(events) <= MAX_EVENT_LABELS
        layout = event_layout(events, ts["time"].min(), ts["time"].max()) if few else []
        rows = max((level for level, _, _ in layout), default=0) + 1
        fig, (ax_e, ax_l, ax_s) = subplots(
            3, 4.6 + 0.15 * rows, height_ratios=[0.06 + 0.08 * rows, 0.09, 1]
        )
        _stack_shares(ax_s, run, colors)
        category_strip(
            ax_l,
            ts["time"],
            ts["leader"],
            color_of=lambda lab: colors.get(lab, style.GREY),
            text_of=lambda lab, years: f"{lab} {years:.1f} yr",
            ylabel="leader",
            gid="leader",
        )
        event_strip(ax_e, events, colors, layout, rows)
        # With many events, entries and exits show in the stack itself; keep the lines for
        # the market-wide events (mergers, shocks, caps) that explain a break in it.
        lined = events if few else events[~events["type"].isin(["entry", "exit"])]
        for t in lined["time"]:
            ax_s.axvline(t, color="black", lw=0.7, ls="--", alpha=0.7, gid="event")
        style.format_date_axis(ax_s)
        handles, labels = lab_handles(run)
        from matplotlib.lines import Line2D

        for kind in pd.unique(events["type"]):
            handles.append(
                Line2D(
                    [], [], ls="none", marker=style.EVENT_MARKERS.get(kind, "o"), color="#333333"
                )
            )
            labels.append(str(kind).replace("_", " "))
        style.fig_legend(fig, handles, labels, ncol=min(len(labels), 7))
        add_title(
            fig,
            "Market shares",
            run_subtitle(run) + "; strips: events, and the leader with its tenure",
        )
        return fig


def race_figure(data):
    """Each lab's capability (time horizon in minutes of expert work, log scale) and the
    largest training run it has completed (FLOP, log scale) over time, with every model
    release as a marker shaped by its training method."""
    run = as_run(data)
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_c, ax_f) = subplots(2, 5.2)
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
        ax_c.set_ylabel("capability: time\nhorizon (min, log)")
        # The index is unbounded: span what was reached (1-2-5 ticks only within three decades).
        reached = labs["capability"][labs["capability"] > 0]
        if len(reached) and reached.max() / reached.min() < 1e3:
            log_ticks_125(ax_c)
        ax_f.set_yscale("log")
        ax_f.set_ylabel("training compute\n(FLOP, log)")
        style.format_date_axis(ax_f)
        ax_f.set_xlim(run.timeseries["time"].min(), run.timeseries["time"].max())
        lab_h, lab_l = lab_handles(run)
        met_h, met_l = method_handles(methods)
        style.fig_legend(fig, lab_h + met_h, lab_l + met_l, ncol=min(len(lab_l) + len(met_l), 7))
        add_title(
            fig,
            "The race: capability and training compute",
            run_subtitle(run) + "; lines: best so far, markers: model releases",
        )
        return fig


def overhang_figure(data):
    """The overhang over time: how many copies of the frontier model its own training
    cluster could run (at 10 tokens/s each), the frontier model's training cost over the
    cost of serving a million tokens, and how many times the largest run done the world's
    compute (or the richest lab's budget) could deliver. All on log scales."""
    run = as_run(data)
    ts = run.timeseries
    with style.figure_style():
        fig, (ax_r, ax_t, ax_h) = subplots(3, 6.0)
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
        add_title(fig, "The overhang", run_subtitle(run) + "; frontier model at each date")
        return fig


def beliefs_figure(data):
    """Each lab's believed compute elasticity (the ``a`` in capability growth
    ∝ compute^a · engineers^b) and its compute and staff spending (USD per year, log scale)."""
    run = as_run(data)
    step_months = float(run.scenario.get("step_months") or 1)
    per_year = 12.0 / step_months
    with style.figure_style():
        colors = run.lab_colors()
        fig, (ax_b, ax_s) = subplots(2, 5.2)
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
        usd_axis(ax_s)
        style.format_date_axis(ax_s)
        ax_s.set_xlim(run.timeseries["time"].min(), run.timeseries["time"].max())
        from matplotlib.lines import Line2D

        lab_h, lab_l = lab_handles(run)
        kind_h = [Line2D([], [], color="#333333", ls="-"), Line2D([], [], color="#333333", ls="--")]
        style.fig_legend(
            fig, lab_h + kind_h, lab_l + ["compute", "staff"], ncol=min(len(lab_l) + 2, 7)
        )
        add_title(fig, "Beliefs and budgets", run_subtitle(run))
        return fig
