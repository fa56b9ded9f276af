"""The Chinchilla scaling law, compute-optimal allocation and the capability score.

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


def capability_score(
    loss: float, law: ChinchillaConstants, midpoint_reducible_loss: float, steepness: float
) -> float:
    """Share of economically valuable tasks a model can do, in [0, 1).

    A decreasing logistic function of the log of the reducible loss r = loss - E:
    capability = 1 / (1 + (r / r_mid)^k). Logistic in ln r rather than in the loss itself
    because ln r is close to linear in ln compute (a power law), so capability is an
    S-curve in log compute, the usual assumption of compute-centric forecasts.
    """
    r = loss - law.E
    if r <= 0.0:
        return 1.0
    return 1.0 / (1.0 + (r / midpoint_reducible_loss) ** steepness)


def loss_for_capability(
    capability: float, law: ChinchillaConstants, midpoint_reducible_loss: float, steepness: float
) -> float:
    """Inverse of capability_score: the loss (nats/token) at which a model scores ``capability``."""
    capability = min(max(capability, 1e-12), 1 - 1e-12)
    return law.E + midpoint_reducible_loss * ((1.0 - capability) / capability) ** (1.0 / steepness)


def midpoint_reducible_loss(midpoint_flop: float, law: ChinchillaConstants) -> float:
    """Reducible loss of a compute-optimal model trained with ``midpoint_flop``."""
    return loss_at_flop(midpoint_flop, law) - law.E


def effective_flop_for_capability(
    capability: float, law: ChinchillaConstants, midpoint_reducible: float, steepness: float
) -> float:
    """Inverse of capability_score for a compute-optimal run with no ideas wall (FLOP).

    Used to price a target capability (entry, imitation, learning-curve discounts). At the
    compute-optimal split both loss terms are power laws in C with the same exponent
    gamma = alpha * beta / (alpha + beta): loss(C) - E = K * (C / 6)^-gamma with
    K = A * G^-alpha + B * G^beta, G as in compute_optimal_params, so the inverse is closed.
    """
    target_r = loss_for_capability(capability, law, midpoint_reducible, steepness) - law.E
    a, b = law.alpha, law.beta
    g = ((a * law.A) / (b * law.B)) ** (1.0 / (a + b))
    gamma = a * b / (a + b)
    k = law.A * g**-a + law.B * g**b
    return 6.0 * (target_r / k) ** (-1.0 / gamma)


def training_flop_from_params_tokens(params: float, tokens: float) -> float:
    """C = 6 N D: training FLOP of a dense transformer with N parameters on D tokens
    (Kaplan et al. 2020; the inverse of the split above)."""
    return 6.0 * params * tokens
