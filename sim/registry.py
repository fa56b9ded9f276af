"""The world's trained models: their ids, the list every model joins when it is finished, the
queue that makes results public after a lag, the largest-run records, and the lineage graph
(MODEL.md: which model was warm-started, distilled or imitated from which).
"""

from __future__ import annotations

import networkx as nx

from sim import frontier


def new_model_id(model, lab) -> str:
    return f"{lab.name}-{len(model.models) + 1}"


def register(model, lab, trained) -> None:
    """Add a finished model to the world's list, the public-results queue and the records."""
    frontier.rankings_changed(model)
    model.models.append(trained)
    model._public_queue.append((model.k + 1 + model.public_lag_steps, trained.effective_flop))
    if trained.method != "distilled":
        # if-statements, not max(): this runs for every model (see Lab's docstring)
        if trained.training_flop > model.largest_training_flop:
            model.largest_training_flop = trained.training_flop
        if trained.physical_flop > model.largest_physical_flop:
            model.largest_physical_flop = trained.physical_flop
        if trained.cost_usd > model.largest_run_cost_usd:
            model.largest_run_cost_usd = trained.cost_usd


def lineage(model) -> nx.DiGraph:
    """Which model was warm-started, distilled or imitated from which."""
    graph = nx.DiGraph()
    for m in model.models:
        graph.add_node(m.model_id, lab=m.lab, method=m.method, completed=model.date_of(m.completed))
    for m in model.models:
        if m.parent:
            graph.add_edge(m.parent, m.model_id, method=m.method)
    return graph
