"""Training runs, bootstrapping and distillation: what a run delivers and what it costs.

Sources: warm starts / model surgery (Chen et al. 2016, net2net; OpenAI Five's surgery);
learning curve (Berner et al. 2019: OpenAI Five's rerun used ~1/5 of the compute); inference
costs 2 N FLOP per token (Kaplan et al. 2020).
"""

from __future__ import annotations

import math


def experience_multiplier(completed_runs: int, progress_ratio: float) -> float:
    """Effective-compute multiplier from a lab's own experience.

    Each doubling of completed runs cuts the cost of a given capability by ``progress_ratio``
    (Wright's law), i.e. multiplies effective compute by 1 / progress_ratio.
    """
    return progress_ratio ** -math.log2(1 + completed_runs)


def reproduction_adjusted_flop(
    raw_effective_flop: float, shown_effective_flop: float, cost_fraction: float
) -> float:
    """Effective compute when reproducing capability already shown by anyone is cheaper.

    Up to the best capability shown (in effective FLOP), each FLOP counts 1 / cost_fraction
    times; beyond it the run is ordinary frontier work.
    """
    boosted = raw_effective_flop / cost_fraction
    if boosted <= shown_effective_flop:
        return boosted
    return shown_effective_flop + (raw_effective_flop - shown_effective_flop * cost_fraction)


def effective_flop(
    physical_flop: float,
    algorithmic_efficiency: float,
    utilization: float,
    learning_multiplier: float = 1.0,
    warm_start_kappa: float = 0.0,
    parent_effective_flop: float = 0.0,
    reverse_distillation_saving: float = 0.0,
) -> float:
    """C_eff = C_phys / (1 - s) * A * u * L + kappa * C_eff(parent) (MODEL.md)."""
    own = physical_flop / (1.0 - reverse_distillation_saving) * algorithmic_efficiency * utilization
    return own * learning_multiplier + warm_start_kappa * parent_effective_flop


def training_flop(physical_flop: float, utilization: float) -> float:
    """FLOP actually executed (the 6ND count public databases report)."""
    return physical_flop * utilization


def inference_flop_per_token(params: float) -> float:
    """Forward-pass FLOP per generated token: 2 N (Kaplan et al. 2020)."""
    return 2.0 * params


def serving_cost_per_mtok_usd(
    params: float, flop_per_usd: float, serving_utilization: float
) -> float:
    """Hardware cost of a million output tokens from a model with ``params`` parameters."""
    return inference_flop_per_token(params) * 1e6 / (flop_per_usd * serving_utilization)
