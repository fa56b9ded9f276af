"""Hardware price-performance, hardware types, cluster size and the world compute stock.

Sources: Hobbhahn & Besiroglu (Epoch 2022) for FLOP/USD doubling times; Epoch (2023) for
memory (~4 years); Pilz et al. (Epoch 2025) for the largest clusters (2.5x/yr); Epoch (2025)
for installed AI compute (2.3x/yr); Epoch (2024, "Can AI scaling continue through 2030?") for
power and chip production as the limits on the stock. Time is in years (float).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SECONDS_PER_YEAR = 365.25 * 24 * 3600
SECONDS_PER_MONTH = SECONDS_PER_YEAR / 12
HARDWARE_TYPES = ("accelerator", "memory", "cpu")


def log2_improvement(t_years, segments: Sequence[tuple[float, float]]):
    """Doublings of price-performance from segments[0] start to ``t_years`` (a float or an
    array of them).

    ``segments`` is a list of (start_year, doubling_time_years), ordered by start; each holds
    until the next one starts. Before the first start the result is 0.
    """
    total = 0.0
    for i, (start, doubling) in enumerate(segments):
        end = segments[i + 1][0] if i + 1 < len(segments) else math.inf
        total = total + np.clip(np.subtract(t_years, start), 0.0, end - start) / doubling
    return total


def workload_flop_per_usd(
    flop_per_usd_start: float,
    t_years: float,
    segments_by_type: dict[str, Sequence[tuple[float, float]]],
    cost_shares: dict[str, float],
    shock_multiplier: float = 1.0,
) -> float:
    """FLOP per USD of a workload whose hardware cost splits over types by ``cost_shares``.

    Cost per FLOP is the cost-share-weighted sum of each type's cost, each type getting
    cheaper at its own rate: a memory-bound workload gains less from accelerator progress.
    """
    cost = sum(
        share * 2.0 ** -log2_improvement(t_years, segments_by_type[kind])
        for kind, share in cost_shares.items()
        if share > 0
    )
    return flop_per_usd_start * shock_multiplier / cost


def implied_doubling_time_years(
    flop_per_usd_a: float, flop_per_usd_b: float, years: float
) -> float:
    """Doubling time (years) implied by two price-performance readings ``years`` apart."""
    return years * math.log(2) / math.log(flop_per_usd_b / flop_per_usd_a)


def largest_cluster_flop_per_s(
    start_flop_per_s: float, growth_per_year: float, years_since_start: float
) -> float:
    """Peak FLOP/s of the largest cluster a lab can use (Pilz et al. 2025: 2.5x/yr)."""
    return start_flop_per_s * growth_per_year**years_since_start


def max_run_flop(cluster_flop_per_s: float, max_run_months: float) -> float:
    """Largest physical FLOP a run can buy: that cluster for max_run_months (parallelism limit)."""
    return cluster_flop_per_s * max_run_months * SECONDS_PER_MONTH


def stock_after_flop_per_s(
    stock_flop_per_s: float,
    new_flop_per_s: float,
    depreciation_per_year: float,
    dt_years: float,
    power_limit_flop_per_s: float = math.inf,
) -> float:
    """The compute stock a step later: what survives depreciation plus what was installed,
    never more than the power available can run."""
    after = stock_flop_per_s * (1.0 - depreciation_per_year) ** dt_years + new_flop_per_s
    return after if after < power_limit_flop_per_s else max(power_limit_flop_per_s, 0.0)


def installed_flop_per_s(
    capex_usd: float, capex_flop_per_s_per_usd: float, fab_limit_flop_per_s: float
) -> float:
    """New FLOP/s installed: what the spending buys at today's hardware prices, at most what
    the fabs can make."""
    bought = capex_usd * capex_flop_per_s_per_usd
    return bought if bought < fab_limit_flop_per_s else fab_limit_flop_per_s


def power_limit_flop_per_s(power_watts: float, flop_per_s_per_watt: float) -> float:
    """The largest stock the power for AI can run (peak FLOP/s)."""
    return power_watts * flop_per_s_per_watt


def cluster_flop_per_s(
    trend_flop_per_s: float, stock_flop_per_s: float, max_cluster_share: float
) -> float:
    """The largest cluster: its engineering trend, at most a share of the world's stock."""
    cap = max_cluster_share * stock_flop_per_s
    return trend_flop_per_s if trend_flop_per_s < cap else cap


def supply_price_multiplier(
    demand_flop_per_s: float, supply_flop_per_s: float, elasticity: float
) -> float:
    """Price multiplier when labs want more compute than is for rent: (demand/supply)^e, >= 1."""
    if supply_flop_per_s <= 0 or demand_flop_per_s <= supply_flop_per_s:
        return 1.0
    return (demand_flop_per_s / supply_flop_per_s) ** elasticity
