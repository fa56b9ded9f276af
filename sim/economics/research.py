"""Research inputs: experiment compute and copies of a lab's own model as researchers
(MODEL.md, "Algorithmic progress", "AI research from the overhang").

A lab's research effort is its engineers plus, with ``ai_research``, copies of its best model
counted as researcher-equivalents: the task-hours the copies can work (inference FLOP over the
FLOP an hour of work takes) for the share of research tasks their time horizon reaches. Humans
still do the tasks the copies cannot, so effort is at most engineers / (1 - share) (Amdahl's
law): growth cannot explode while any task needs a human.
"""

from __future__ import annotations

import math

from sim.economics.capability import share_of_tasks_within_reach

SECONDS_PER_HOUR = 3600.0


def flop_per_task_hour(params: float, tokens_per_task_hour: float) -> float:
    """FLOP for one hour of an expert's task done by a model of ``params`` parameters:
    2 FLOP per parameter per token (forward pass) times the tokens the hour takes."""
    return 2.0 * params * tokens_per_task_hour


def research_task_share(
    horizon_minutes: float, task_median_minutes: float, task_sigma_ln: float
) -> float:
    """Share of research tasks (lognormal lengths) within a model's 50% time horizon."""
    return share_of_tasks_within_reach(horizon_minutes, task_median_minutes, task_sigma_ln)


def ai_researcher_equivalents(
    inference_flop_per_year: float,
    params: float,
    tokens_per_task_hour: float,
    hours_per_researcher_year: float,
    task_share: float,
) -> float:
    """Researcher-years per year that copies add: the task-hours the compute buys, as
    researcher-years, for the share of tasks the copies can do."""
    if inference_flop_per_year <= 0.0 or params <= 0.0:
        return 0.0
    hours = inference_flop_per_year / flop_per_task_hour(params, tokens_per_task_hour)
    return task_share * hours / hours_per_researcher_year


def copies_productivity(model, ai, serving_utilization: float) -> tuple[float, float]:
    """(share of research tasks, researcher-equivalents per peak FLOP per year) of copies of
    ``model`` (a TrainedModel) under the ``ai_research`` parameters ``ai``; copies run at the
    serving utilization."""
    share = research_task_share(
        model.capability, ai.research_task_median_minutes, ai.research_task_sigma_ln
    )
    per_flop = ai_researcher_equivalents(
        serving_utilization,
        model.params,
        ai.tokens_per_task_hour,
        ai.hours_per_researcher_year,
        share,
    )
    return share, per_flop


def research_effort(engineers: float, ai_researchers: float, task_share: float) -> float:
    """Researcher-equivalents: engineers plus copies, at most engineers / (1 - task_share)."""
    total = engineers + ai_researchers
    if task_share < 1.0:
        ceiling = engineers / (1.0 - task_share)
        if total > ceiling:
            return ceiling
    return total


def copies_flop_share(
    research_flop: float,
    engineers: float,
    researchers_per_flop: float,
    engineer_exponent: float,
    experiment_exponent: float,
    task_share: float,
) -> float:
    """Share of a lab's research compute it runs as copies rather than experiments.

    Growth ~ X^mu (E + c Y)^lambda with X + Y = research compute: the interior optimum is
    Y = (lambda R - mu E / c) / (lambda + mu), and copies beyond the Amdahl ceiling
    (c Y <= E s / (1 - s)) add nothing, so the lab buys no more of them."""
    if research_flop <= 0.0 or researchers_per_flop <= 0.0 or task_share <= 0.0:
        return 0.0
    lam, mu = engineer_exponent, experiment_exponent
    if lam <= 0.0:
        return 0.0
    y = (lam * research_flop - mu * engineers / researchers_per_flop) / (lam + mu)
    if task_share < 1.0:
        cap = engineers * task_share / (1.0 - task_share) / researchers_per_flop
        if y > cap:
            y = cap
    if y <= 0.0:
        return 0.0
    share = y / research_flop
    return share if share < 1.0 else 1.0


def algorithmic_growth_per_year(
    researchers: float,
    experiment_flop_per_year: float,
    growth_at_reference: float,
    reference_researchers: float,
    reference_experiment_flop_per_year: float,
    researcher_exponent: float,
    experiment_exponent: float,
    algorithmic_efficiency: float = 1.0,
    difficulty_exponent: float = 0.0,
) -> float:
    """d ln A / dt (1/year) = g0 (R / R_ref)^lambda (X / X_ref)^mu A_best^-beta.

    ``algorithmic_efficiency`` is A_best, the state of the art (the best A in the industry).

    lambda, mu < 1: diminishing returns to researchers and to experiment compute; beta > 0:
    ideas get harder to find as the state of the art advances (Jones 1995). No researchers,
    no progress; no experiments, no progress when mu > 0 (ideas must be tested)."""
    if researchers <= 0.0:
        return 0.0
    g = growth_at_reference * (researchers / reference_researchers) ** researcher_exponent
    if experiment_exponent > 0.0:
        if experiment_flop_per_year <= 0.0:
            return 0.0
        g *= (experiment_flop_per_year / reference_experiment_flop_per_year) ** experiment_exponent
    if difficulty_exponent:
        g *= math.exp(-difficulty_exponent * math.log(algorithmic_efficiency))
    return g
