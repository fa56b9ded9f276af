"""The capability index: METR's 50% task-completion time horizon, in minutes of human-expert
work (Kwa et al. 2025, arXiv 2503.14499), and the share of the economy's tasks within reach.

The index is a power of the reducible loss r = loss - E. At the compute-optimal split r falls as
C^-gamma (gamma = alpha * beta / (alpha + beta)), so the horizon grows as a power of effective
compute, h = h_anchor * (C / C_anchor)^e: unbounded, each 10x of effective compute multiplies
the horizon by 10^e at every level, and customers comparing products by ratios on this scale
see a lead as equally large in 2022 and in 2035. An extra irreducible loss (the ideas wall)
keeps r above the wall, so the horizon stops growing until research moves the wall.

Anchors (``sim.params.WorldParams``): GPT-4 (Mar 2023) at ~5.5 minutes, and e ≈ 0.46 fitted to
METR's doubling every ~7 months through 2023 (Kwa et al. 2025) with the history's growth of
frontier effective compute (GPT-2, 2019, at a few seconds would give 0.345).
"""

from __future__ import annotations

import math

from sim.economics.scaling import ChinchillaConstants, loss_at_flop


def reducible_loss_exponent(law: ChinchillaConstants) -> float:
    """gamma: reducible loss falls as C^-gamma at the compute-optimal split."""
    return law.alpha * law.beta / (law.alpha + law.beta)


def anchor_reducible_loss(anchor_effective_flop: float, law: ChinchillaConstants) -> float:
    """Reducible loss (nats/token) of a compute-optimal model at the anchor's effective FLOP."""
    return loss_at_flop(anchor_effective_flop, law) - law.E


def time_horizon_minutes(
    loss: float,
    law: ChinchillaConstants,
    anchor_reducible: float,
    anchor_minutes: float,
    flop_elasticity: float,
) -> float:
    """The 50% time horizon (minutes) of a model with ``loss`` (nats/token)."""
    r = loss - law.E
    if r <= 1e-300:
        r = 1e-300
    return anchor_minutes * (anchor_reducible / r) ** (
        flop_elasticity / reducible_loss_exponent(law)
    )


def loss_for_time_horizon(
    minutes: float,
    law: ChinchillaConstants,
    anchor_reducible: float,
    anchor_minutes: float,
    flop_elasticity: float,
) -> float:
    """Inverse of time_horizon_minutes: the loss (nats/token) of a model with that horizon."""
    k = flop_elasticity / reducible_loss_exponent(law)
    return law.E + anchor_reducible * (anchor_minutes / minutes) ** (1.0 / k)


def effective_flop_for_time_horizon(
    minutes: float, anchor_effective_flop: float, anchor_minutes: float, flop_elasticity: float
) -> float:
    """Effective FLOP a compute-optimal run with no ideas wall needs to reach ``minutes``:
    the closed form of h = h_anchor * (C / C_anchor)^e."""
    return anchor_effective_flop * (minutes / anchor_minutes) ** (1.0 / flop_elasticity)


def share_of_tasks_within_reach(
    minutes: float, median_task_minutes: float, task_sigma_ln: float
) -> float:
    """Share of the economy's task value whose length (human-expert minutes) is at most
    ``minutes``: task lengths log-normal with that median and log-sd (a modelling assumption,
    docs/model.md). In [0, 1]."""
    if minutes <= 0:
        return 0.0
    z = math.log(minutes / median_task_minutes) / task_sigma_ln
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def training_equivalent_compute_multiplier(
    inference_compute_multiplier: float, training_equivalent_exponent: float
) -> float:
    """How many times more effective training compute ``inference_compute_multiplier`` times
    the serving compute per task is worth: m^x, with x the orders of magnitude of training
    compute one order of inference buys (Villalobos & Atkinson 2023, Epoch: one OOM of
    training trades for one to two of inference, so x is 0.5 to 1; 10x inference at x = 0.67
    is worth ~4.7x training compute)."""
    return inference_compute_multiplier**training_equivalent_exponent


def thinking_time_horizon_minutes(
    horizon_minutes: float,
    inference_compute_multiplier: float,
    training_equivalent_exponent: float,
    flop_elasticity: float,
) -> float:
    """The 50% time horizon (minutes) of a model with ``horizon_minutes`` run with
    ``inference_compute_multiplier`` times its serving compute per task: worth m^x times its
    effective training compute, and the horizon grows as C_eff^e, so h * m^(x * e). The rule
    holds on the compute-optimal path; a lab's ideas wall (§2.3 of docs/model.md) does not
    bound it."""
    return (
        horizon_minutes
        * training_equivalent_compute_multiplier(
            inference_compute_multiplier, training_equivalent_exponent
        )
        ** flop_elasticity
    )
