"""The model lineage graph of a run, laid out as swim lanes (one lane per lab)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import style
from analysis.plots._axes import add_title, as_run, method_handles, run_subtitle, subplots

MAX_LINEAGE_NODES = 600  # above this, product models nobody built on are left out
# Below (distilled tiers) or above (thinking tiers) the lane of the model they come from.
_PRODUCT_OFFSET = {"distilled": -0.32, "inference_scaling": 0.16}


def lineage_figure(data):
    """The model lineage graph laid out as swim lanes: one lane per lab (labs not highlighted
    in a crowded run share one grey lane), models placed at their completion date (distilled
    product models just below their lab's frontier models, thinking tiers just above),
    coloured by lab and shaped by method; edges styled by method (warm start solid,
    distillation dotted, imitation dashed, thinking tier dash-dotted). With more than
    ``MAX_LINEAGE_NODES`` models the leaf products (distilled and thinking tiers) are
    omitted."""
    run = as_run(data)
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
        fig, (ax,) = subplots(1, max(2.2, 0.5 * len(lanes) + 1.5))
        pos = {}
        for node, d in graph.nodes(data=True):
            # leaf products go; a distilled model someone imitated keeps its edge
            leaf_product = d.get("method") in style.PRODUCT_METHODS and not graph.out_degree(node)
            if omit_distilled and leaf_product:
                continue
            # models.csv has the YYYY-MM date; lineage.json stores a fractional year
            when = models.loc[node, "completed"] if node in models.index else d.get("completed")
            t = _as_timestamp(when)
            lane = lane_of.get(d.get("lab"), lane_of.get(style.OTHER_LABEL))
            if pd.isna(t) or lane is None:
                continue
            offset = _PRODUCT_OFFSET.get(d.get("method"), 0.0)
            pos[node] = (mdates.date2num(t), -lane + offset)
        sub = graph.subgraph(pos)
        crowded = sub.number_of_edges() > 400  # arrows are one patch each: slow and cluttered
        edge_methods = sorted({d.get("method", "") for _, _, d in sub.edges(data=True)})
        for method in edge_methods:
            edges = [(u, v) for u, v, d in sub.edges(data=True) if d.get("method", "") == method]
            edge_colors = [
                "#888888"
                if method in style.PRODUCT_METHODS
                else colors.get(sub.nodes[v].get("lab"), style.GREY)
                for _, v in edges
            ]
            kw = dict(
                edgelist=edges,
                ax=ax,
                edge_color=edge_colors,
                style=style.METHOD_LINESTYLES.get(method, "-"),
                width=0.6 if method in style.PRODUCT_METHODS or crowded else 0.9,
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
                node_size=size if method not in style.PRODUCT_METHODS else size * 0.6,
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
        node_h, node_l = method_handles(methods)
        edge_h = [
            Line2D([], [], color="#555555", ls=style.METHOD_LINESTYLES.get(m, "-"), lw=1)
            for m in edge_methods
        ]
        edge_l = [f"edge: {style.METHOD_LABELS.get(m, m)}" for m in edge_methods]
        style.fig_legend(fig, node_h + edge_h, node_l + edge_l)
        note = (
            f"leaf products omitted ({graph.number_of_nodes()} models in all)"
            if omit_distilled
            else "distilled products below each lane"
            + (", thinking tiers above" if "inference_scaling" in methods else "")
        )
        add_title(
            fig,
            "Model lineage",
            f"{run_subtitle(run)}; {sub.number_of_nodes()} models, "
            f"{sub.number_of_edges()} parent links; {note}",
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
