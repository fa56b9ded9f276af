"""What a lab's recipe yields: the effective compute of a run by a lab now (MODEL.md, "True
production of capability"), used when a run completes (``sim.phases.runs``) and when a lab
weighs a run of its own against imitating a rival (``sim.agents``)."""

from __future__ import annotations

import math

from sim import frontier
from sim.economics import training


def learning_multiplier(model, lab) -> float:
    """Effective compute per physical FLOP from the lab's experience (learning curve)."""
    lc = model.mech.learning_curve
    return (
        training.experience_multiplier(lab.completed_runs, lc.progress_ratio) if lc.enabled else 1.0
    )


def effective_flop(
    model,
    lab,
    physical: float,
    parent,
    kappa: float,
    saving: float,
    utilization: float | None = None,
) -> float:
    """C_eff of a run of ``physical`` FLOP by ``lab`` now: its recipe (A, u, learning curve,
    reverse distillation), the reproduction discount, and the warm-start credit."""
    raw = training.effective_flop(
        physical,
        math.exp(lab.ln_a),
        lab.utilization if utilization is None else utilization,
        learning_multiplier(model, lab),
        0.0,
        0.0,
        saving,
    )
    lc = model.mech.learning_curve
    if lc.enabled:
        raw = training.reproduction_adjusted_flop(
            raw, frontier.shown_effective_flop(model), lc.reproduction_cost_fraction
        )
    return raw + (kappa * parent.effective_flop if parent is not None else 0.0)
