"""What a lab can see of the frontier and of its rivals: the best result shown in public, the
best rival, the best model within reach, and how far the leader is ahead.

Queries over the model's state, used by the phases and by the labs' decisions; nothing here
changes the state but the rankings cache. Imports neither the model nor the agents.
"""

from __future__ import annotations

import bisect
import math


def shown_effective_flop(model) -> float:
    """Effective compute behind the best capability anyone has shown (public results).

    Models become public ``public_results_lag_months`` after completion; they are queued
    in completion order, so a pointer walks the queue once over the whole run."""
    queue = model._public_queue
    while model._public_next < len(queue) and queue[model._public_next][0] <= model.k:
        if queue[model._public_next][1] > model._shown_best:
            model._shown_best = queue[model._public_next][1]
        model._public_next += 1
    return model._shown_best


def _top_two(model, key) -> list:
    """The two active labs with the largest ``key(lab)`` (ties to the older lab, the smaller
    unique_id), as [(score, lab), ...]; labs scored None are left out. One pass, not a sort:
    this runs a few times a step, and with ten labs the sort and its key were a third of it."""
    first = second = None  # (score, unique_id, lab)
    for lab in model.active:
        score = key(lab)
        if score is None:
            continue
        uid = lab.unique_id
        if first is None or score > first[0] or (score == first[0] and uid < first[1]):
            first, second = (score, uid, lab), first
        elif second is None or score > second[0] or (score == second[0] and uid < second[1]):
            second = (score, uid, lab)
    return [(x[0], x[2]) for x in (first, second) if x is not None]


def _cached_top_two(model, name: str, key) -> list:
    # Rankings change only when a model completes or a lab enters, leaves or merges (all of
    # which call rankings_changed); with hundreds of labs, recomputing them for every lab
    # would make a step quadratic in the number of labs.
    cached = model._rankings.get(name)
    if cached is None:
        cached = model._rankings[name] = _top_two(model, key)
    return cached


def rankings_changed(model) -> None:
    """Forget the cached rankings: a model completed, or a lab entered, left or merged."""
    model._rankings = {}


def best_rival_capability(model, lab) -> float:
    """The capability of the best active lab other than ``lab`` (0 if none)."""
    top = _cached_top_two(model, "capability", lambda o: o.capability)
    for cap, other in top:
        if other is not lab:
            return cap
    return 0.0


def reachable_share(model, trained) -> float | None:
    """Share of ``trained``'s capability another lab can reach by building on it: open
    weights whenever spillovers run (the weights are public), a closed product by
    distillation only where imitation is allowed; None if it is out of reach."""
    mech = model.mech
    if trained.open_weights and mech.spillovers.enabled:
        return mech.spillovers.open_weights_lift
    if mech.imitation.enabled:
        return 1.0 - mech.imitation.capability_penalty
    return None


def best_imitation_target(model, lab) -> tuple | None:
    """The most capable rival model ``lab`` could reach: (model, capability, cost in USD).

    Closed rivals' deployed models are reachable by distillation through their products
    only where the scenario allows imitation; open-weights models are reachable whenever
    spillovers run (their weights are public)."""

    def reachable_capability(other) -> float | None:
        weights = other.best_weights
        share = reachable_share(model, weights) if weights is not None else None
        return None if share is None else weights.capability * share

    top = _cached_top_two(model, "reachable", reachable_capability)
    for cap, other in top:
        if other is not lab:
            weights = other.best_weights
            teacher = other.frontier or weights
            cost = (
                model.mech.imitation.compute_fraction
                * teacher.physical_flop
                / model.flop_per_usd_training
            )
            return weights, cap, cost
    return None


def lead_months(model, leader_cap: float, runner_up_cap: float) -> float:
    """How long ago the frontier first reached the runner-up's capability (months)."""
    hist = model.frontier_history
    if runner_up_cap <= 0 or not hist:
        return math.nan
    i = bisect.bisect_left(hist, runner_up_cap)
    if i >= len(hist):
        return 0.0
    return (len(hist) - 1 - i) * model.step_months
