"""Training runs that end this step become models (MODEL.md, "Training runs, bootstrapping
and distillation").

Reads each lab's run in progress, its algorithmic efficiency, utilization, experience and
frontier model, and what the industry has shown in public. Changes: the lab's run (ended),
frontier model, completed runs, utilization, beliefs (its own result at once, rivals' when
public); the model's list of models, public-results queue, pending lessons and largest-run
records. A new frontier model goes on sale through ``deployment``.
"""

from __future__ import annotations

import math

from sim import registry
from sim.economics import progress, scaling, training
from sim.phases import deployment
from sim.recipes import effective_flop, learning_multiplier
from sim.trained_models import Run, TrainedModel


def complete_runs(model) -> None:
    ends = model.k + 1
    for lab in model.active:
        run = lab.run
        if run is None or run.end_step > ends:
            continue
        lab.run = None
        now = model.year_at(ends)
        if run.kind == "imitation":
            deployment.finish_imitation(model, lab, run, now)
        else:
            finish_training(model, lab, run, now)


def finish_training(model, lab, run: Run, now: float) -> None:
    started = model.year_at(run.started_step)
    eff = effective_flop(
        model,
        lab,
        run.physical_flop,
        run.parent,
        run.warm_start_kappa,
        run.reverse_saving,
        run.utilization,
    )
    noise = model.world.run_outcome_noise_sigma
    if noise > 0:
        eff *= math.exp(noise * model.standard_normal() - 0.5 * noise * noise)
    extra = model.extra_irreducible(lab)
    pm = lab.params.params_multiplier
    law = model.law
    loss = scaling.loss_at_flop(eff, law, pm, extra)
    cap = model.capability_of(loss)
    flop = training.training_flop(run.physical_flop, run.utilization)
    params, tokens = scaling.split_params_tokens(flop, law, pm)
    parent = run.parent
    method = "warm_start" if run.warm_start_kappa > 0 and parent is not None else "scratch"
    recipe = math.exp(lab.ln_a) * run.utilization * learning_multiplier(model, lab)
    observed = None
    previous = lab.frontier
    if previous is not None and previous.method != "imitation":
        # Split the gain over the lab's previous model into what more compute alone and
        # what better ideas alone (algorithms, utilization, research) would have bought.
        before = scaling.loss_at_flop(
            previous.physical_flop * previous.recipe_efficiency, law, pm, previous.ideas_wall
        )
        compute_only = scaling.loss_at_flop(
            run.physical_flop * previous.recipe_efficiency, law, pm, previous.ideas_wall
        )
        ideas_only = scaling.loss_at_flop(previous.physical_flop * recipe, law, pm, extra)
        observed = progress.observed_compute_elasticity(before, compute_only, ideas_only)
    trained = TrainedModel(
        model_id=registry.new_model_id(model, lab),
        lab=lab.name,
        started=started,
        completed=now,
        params=params,
        tokens=tokens,
        physical_flop=run.physical_flop,
        training_flop=flop,
        effective_flop=eff,
        cost_usd=run.total_cost_usd / run.ladder_factor,
        method=method,
        parent=parent.model_id if (parent is not None and method == "warm_start") else None,
        loss=loss,
        capability=cap,
        run_months=(run.end_step - run.started_step) * model.step_months,
        observed_compute_elasticity=observed,
        open_weights=lab.openness >= 1.0,
        recipe_efficiency=recipe,
        ideas_wall=extra,
    )
    trained.serving_cost_per_mtok_usd = model.serving_cost(params)
    registry.register(model, lab, trained)
    lab.completed_runs += 1
    ut = model.mech.utilization
    if ut.enabled and lab.utilization < ut.ceiling:
        # Each finished run teaches the team something about its own stack.
        lab.utilization += (ut.ceiling - lab.utilization) * ut.experience_boost
    if lab.frontier is None or cap >= lab.frontier.capability:
        lab.frontier = trained
        lab.last_improvement_step = model.k
        deployment.deploy(model, lab, trained)
    if observed is not None:
        # The lab learns from its own result at once; rivals when it becomes public.
        lab.learn_from(observed)
        due = model.k + max(model.public_lag_steps, 1)
        model.pending_lessons.setdefault(due, []).append((lab, observed))
