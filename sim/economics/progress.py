"""Utilization, research walls, spillovers and beliefs (the growth of A itself, from
researchers and experiment compute, is sim.economics.research).

Sources: Ho et al. 2024 (arXiv 2403.05812): compute for fixed LLM performance halves every
~8 months (~2.8x/yr); DAWNBench (2018): engineering on fixed hardware cut ImageNet training
from 15 h to 3 h in four months.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def utilization_after(
    utilization: float,
    ceiling: float,
    rate_per_year: float,
    engineer_factor: float,
    dt_years: float,
) -> float:
    """Utilization moves toward its ceiling; faster with more engineering (engineer_factor)."""
    closed = 1.0 - math.exp(-rate_per_year * engineer_factor * dt_years)
    return utilization + (ceiling - utilization) * closed if utilization < ceiling else utilization


def ideas_wall_loss_nats(
    research_engineer_years: float, wall: float, reference: float, exponent: float
) -> float:
    """Extra irreducible loss in the ideas regime; falls as research accumulates."""
    return wall * (1.0 + research_engineer_years / reference) ** -exponent


def spillover_closed_share(rate_per_year: float, dt_years: float) -> float:
    """Share of a lab's spillover gap closed in ``dt_years``: 1 - exp(-rate * dt)."""
    return 1.0 - math.exp(-rate_per_year * dt_years)


def spillover_log_gain(
    ln_a: Sequence[float],
    openness: Sequence[float],
    engineers: Sequence[float],
    adjacency: np.ndarray,
    rate_per_year: float,
    absorptive_half_engineers: float,
    dt_years: float,
) -> list[float]:
    """Gain in ln A per lab from its neighbours over ``dt_years``.

    Each lab closes part of its gap to the neighbour offering most, gap_ij = ln A_j - ln A_i
    weighted by j's openness; the part closed grows with the lab's absorptive capacity
    E / (E + E_half) (Cohen & Levinthal 1990). Plain loops: with a few labs they beat numpy's
    per-call overhead (at 4 labs, 7 us against 30); with many, the spillover phase calls
    ``sim.economics.spillover_kernel``, which computes the same gains compiled.
    """
    closed = spillover_closed_share(rate_per_year, dt_years)
    gains = []
    for i, a_i in enumerate(ln_a):
        linked = adjacency[i]
        best = 0.0  # a lab ahead of all its neighbours gains nothing
        for j, a_j in enumerate(ln_a):
            if linked[j]:
                gap = openness[j] * (a_j - a_i)
                if gap > best:
                    best = gap
        e = engineers[i]
        gains.append(best * e / (e + absorptive_half_engineers) * closed)
    return gains


def observed_compute_elasticity(
    loss_before: float, loss_compute_only: float, loss_ideas_only: float
) -> float | None:
    """Share of a model-to-model improvement that compute explains (in [0.01, 0.99]).

    ``loss_compute_only``: the earlier model's recipe with the new physical compute;
    ``loss_ideas_only``: the earlier compute with the new algorithms, utilization and research.
    Returns None when neither input improved the loss (nothing to learn from).
    """
    gain_compute = max(loss_before - loss_compute_only, 0.0)
    gain_ideas = max(loss_before - loss_ideas_only, 0.0)
    total = gain_compute + gain_ideas
    if total <= 1e-12:
        return None
    return min(max(gain_compute / total, 0.01), 0.99)


def updated_belief(belief: float, observed: float, conviction: float) -> float:
    """a <- a + (1 - conviction) * (a_observed - a)."""
    return belief + (1.0 - conviction) * (observed - belief)


def compute_budget_share(compute_elasticity: float, engineer_elasticity: float) -> float:
    """Share of the budget put into compute when capability ~ compute^a * engineers^b."""
    return compute_elasticity / (compute_elasticity + engineer_elasticity)
