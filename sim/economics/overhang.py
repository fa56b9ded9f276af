"""The neural-net overhang: how much a training cluster can run once training ends.

For a compute-optimal model with p parameters trained on D = m p H tokens over N seconds, the
training cluster delivers 6 p D / N FLOP/s and a token costs 2 p FLOP, so it can generate
3 m p H / N tokens per second (p = 1e14, m = 20, H = 1, N = 1 year: ~2e8 tokens/s).
"""

from __future__ import annotations

from sim.economics import hardware

HUMAN_TOKENS_PER_S = 10.0
# "What the existing stock could train": installed compute for six months (issue 12's
# definition; a run of half a year is the frontier's norm).
STOCK_OVERHANG_MONTHS = 6.0


def runnable_tokens_per_s(training_flop: float, params: float, run_seconds: float) -> float:
    """Tokens/s the training cluster could generate with the model it just trained."""
    return (training_flop / run_seconds) / (2.0 * params)


def runnable_tokens_per_s_compute_optimal(
    params: float, tokens_per_param: float, run_seconds: float, h: float = 1.0
) -> float:
    """3 m p H / N: the closed form for a compute-optimal run."""
    return 3.0 * tokens_per_param * params * h / run_seconds


def runnable_copies(
    tokens_per_s: float, tokens_per_s_per_copy: float = HUMAN_TOKENS_PER_S
) -> float:
    """Copies running at a human-like 10 tokens/s."""
    return tokens_per_s / tokens_per_s_per_copy


def training_to_serving_ratio(training_cost_usd: float, serving_cost_per_mtok_usd: float) -> float:
    """Training cost over the cost of serving a million tokens."""
    return training_cost_usd / serving_cost_per_mtok_usd


def stock_deliverable_flop(stock_flop_per_s: float) -> float:
    """Physical FLOP the whole stock delivers in STOCK_OVERHANG_MONTHS."""
    return stock_flop_per_s * STOCK_OVERHANG_MONTHS * hardware.SECONDS_PER_MONTH


def hardware_overhang(deliverable_training_flop: float, largest_run_training_flop: float) -> float:
    """Largest run that could be delivered now over the largest run done so far."""
    if largest_run_training_flop <= 0:
        return float("nan")
    return deliverable_training_flop / largest_run_training_flop
