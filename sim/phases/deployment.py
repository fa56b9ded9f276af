"""Deployment and imitation: trained models become products (MODEL.md, "Distillation for
deployment", "Cross-lab distillation").

``deploy`` reads a lab's new frontier model and the compute cap; it changes the lab's product
(a distilled student, or the model itself), its cash (the distillation's bill) and the
world's list of models. ``finish_imitation`` reads the rival model a lab distilled from; it
changes the lab's frontier model and product, its completed runs and the list of models.
"""

from __future__ import annotations

import math

from sim import frontier, registry
from sim.agents import Run, TrainedModel
from sim.economics import scaling, training


def deploy(model, lab, teacher: TrainedModel) -> None:
    """Put a product on the market: a distilled student, or the model itself."""
    dd = model.mech.deployment_distillation
    if not dd.enabled or teacher.method == "imitation":
        lab.deployed = teacher
        return
    # A distillation is a training run too: a compute cap in force bounds it.
    share = dd.compute_fraction
    if teacher.training_flop > 0:
        # The student starts when the teacher completes: the next step's cap applies.
        share = min(share, model.compute_cap_flop(model.k + 1) / teacher.training_flop)
    cost = share * teacher.cost_usd
    lab.pay("other_spend_usd", cost)
    params = teacher.params / dd.size_ratio
    capability = teacher.capability * (1.0 - dd.capability_penalty)
    student = TrainedModel(
        model_id=registry.new_model_id(model, lab),
        lab=lab.name,
        started=teacher.completed,
        completed=teacher.completed,
        params=params,
        tokens=teacher.tokens,
        physical_flop=share * teacher.physical_flop,
        training_flop=share * teacher.training_flop,
        effective_flop=teacher.effective_flop,
        cost_usd=cost,
        method="distilled",
        parent=teacher.model_id,
        loss=model.loss_of(capability),
        capability=capability,
        serving_cost_per_mtok_usd=model.serving_cost(params),
        open_weights=teacher.open_weights,
    )
    registry.register(model, lab, student)
    lab.deployed = student


def finish_imitation(model, lab, run: Run, now: float) -> None:
    """A distilled copy of a rival's product, finished: it is sold if it beats the lab's own."""
    target = run.target
    im = model.mech.imitation
    cap = target.capability * (frontier.reachable_share(model, target) or 0.0)
    if cap <= lab.deployed_capability:
        return  # the rival moved on or we overtook it: nothing to ship
    copy = TrainedModel(
        model_id=registry.new_model_id(model, lab),
        lab=lab.name,
        started=model.year_at(run.started_step),
        completed=now,
        params=target.params,
        tokens=target.tokens * im.compute_fraction,
        physical_flop=run.physical_flop,
        training_flop=training.training_flop(run.physical_flop, run.utilization),
        # What a compute-optimal run would need for this capability: what a later warm
        # start from the copy can honestly build on.
        effective_flop=scaling.effective_flop_for_capability(
            cap, model.law, model.r_mid, model.world.capability_steepness
        ),
        cost_usd=run.total_cost_usd,
        method="imitation",
        parent=target.model_id,
        loss=model.loss_of(cap),
        capability=cap,
        serving_cost_per_mtok_usd=model.serving_cost(target.params),
        run_months=im.months,
        open_weights=lab.openness >= 1.0,
    )
    copy.ideas_wall = model.extra_irreducible(lab)
    copy.recipe_efficiency = math.exp(lab.ln_a) * lab.utilization
    registry.register(model, lab, copy)
    lab.completed_runs += 1
    if lab.frontier is None or cap > lab.frontier.capability:
        lab.frontier = copy
        lab.last_improvement_step = model.k
    lab.deployed = copy
