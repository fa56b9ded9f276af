"""The Chinchilla scaling law and compute-optimal allocation (the capability index built on it
is ``sim.economics.capability``).

Sources: Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models");
Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt" (arXiv 2404.10102).
Loss is in nats per token; compute in FLOP with the usual C = 6 N D.
"""

from __future__ import annotations

from typing import NamedTuple


class ChinchillaConstants(NamedTuple):
    """Loss(N, D) = E + A / N^alpha + B / D^beta."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float


EPOCH_REFIT = ChinchillaConstants(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
HOFFMANN_2022 = ChinchillaConstants(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
SCALING_LAWS = {"epoch_refit": EPOCH_REFIT, "hoffmann2022": HOFFMANN_2022}


def compute_optimal_params(flop: float, law: ChinchillaConstants) -> float:
    """Parameters N minimising loss at fixed compute C = 6 N D (Hoffmann et al. eq. 4)."""
    a, b = law.alpha, law.beta
    g = ((a * law.A) / (b * law.B)) ** (1.0 / (a + b))
    return g * (flop / 6.0) ** (b / (a + b))


def split_params_tokens(
    flop: float, law: ChinchillaConstants, params_multiplier: float = 1.0
) -> tuple[float, float]:
    """(N params, D tokens) for a run of ``flop``; ``params_multiplier`` != 1 departs from the
    compute-optimal N (a believer in bigger models) while keeping C = 6 N D."""
    n = compute_optimal_params(flop, law) * params_multiplier
    return n, flop / (6.0 * n)


def loss_nats(
    params: float, tokens: float, law: ChinchillaConstants, extra_irreducible: float = 0.0
) -> float:
    """Pre-training loss (nats/token); ``extra_irreducible`` raises the floor (ideas regime)."""
    return law.E + extra_irreducible + law.A / params**law.alpha + law.B / tokens**law.beta


def loss_at_flop(
    flop: float,
    law: ChinchillaConstants,
    params_multiplier: float = 1.0,
    extra_irreducible: float = 0.0,
) -> float:
    """Loss of a model trained with ``flop`` (effective) FLOP at the chosen N/D split."""
    n, d = split_params_tokens(flop, law, params_multiplier)
    return loss_nats(n, d, law, extra_irreducible)


def training_flop_from_params_tokens(params: float, tokens: float) -> float:
    """C = 6 N D: training FLOP of a dense transformer with N parameters on D tokens
    (Kaplan et al. 2020; the inverse of the split above)."""
    return 6.0 * params * tokens
