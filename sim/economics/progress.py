"""Algorithmic progress, utilization, research walls, spillovers and beliefs.

Sources: Ho et al. 2024 (arXiv 2403.05812): compute for fixed LLM performance halves every
~8 months (~2.8x/yr); DAWNBench (2018): engineering on fixed hardware cut ImageNet training
from 15 h to 3 h in four months.
"""

from __future__ import annotations

import math

import numpy as np


def algorithmic_growth_per_year(
    engineers: float, growth_at_reference: float, reference_engineers: float, exponent: float
) -> float:
    """d ln A / dt (1/year) = g0 * (engineers / E_ref)^lambda: diminishing returns to headcount."""
    if engineers <= 0:
        return 0.0
    return growth_at_reference * (engineers / reference_engineers) ** exponent


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


def spillover_log_gain(
    ln_a: np.ndarray,
    openness: np.ndarray,
    engineers: np.ndarray,
    adjacency: np.ndarray,
    rate_per_year: float,
    absorptive_half_engineers: float,
    dt_years: float,
) -> np.ndarray:
    """Gain in ln A per lab from its neighbours over ``dt_years``.

    Each lab closes part of its gap to the neighbour offering most, gap_ij = ln A_j - ln A_i
    weighted by j's openness; the part closed grows with the lab's absorptive capacity
    E / (E + E_half) (Cohen & Levinthal 1990).
    """
    gaps = (ln_a[None, :] - ln_a[:, None]) * openness[None, :] * adjacency
    best = np.maximum(gaps.max(axis=1, initial=0.0), 0.0)
    capacity = engineers / (engineers + absorptive_half_engineers)
    return best * capacity * (1.0 - math.exp(-rate_per_year * dt_years))


def observed_compute_elasticity(
    loss_before: float, loss_compute_only: float, loss_after: float
) -> float | None:
    """Share of an observed loss reduction that compute explains (in [0.01, 0.99]).

    ``loss_compute_only`` is the counterfactual loss had only the compute changed. Returns None
    when the model did not improve (nothing to learn from).
    """
    total = loss_before - loss_after
    if total <= 1e-12:
        return None
    return min(max((loss_before - loss_compute_only) / total, 0.01), 0.99)


def updated_belief(belief: float, observed: float, conviction: float) -> float:
    """a <- a + (1 - conviction) * (a_observed - a)."""
    return belief + (1.0 - conviction) * (observed - belief)


def compute_budget_share(compute_elasticity: float, engineer_elasticity: float) -> float:
    """Share of the budget put into compute when capability ~ compute^a * engineers^b."""
    return compute_elasticity / (compute_elasticity + engineer_elasticity)
