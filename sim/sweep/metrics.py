"""Final measures of one run: the row it gets in ``runs.parquet``.

Reads the run's time series once, in plain Python, so a sweep pays little per run here.
"""

from __future__ import annotations

import math
from typing import Any

from sim.economics.concentration import NO_MARKET

# name -> Parquet type; the order is the column order in runs.parquet
METRIC_TYPES: dict[str, str] = {
    "hhi_final": "float64",  # Herfindahl-Hirschman index, 0-10,000, at the last step
    "cr1_final": "float64",  # leader's market share (0-1)
    "cr3_final": "float64",
    "n_active_final": "int64",
    "n_effective_final": "float64",  # 10,000 / HHI
    "structure_final": "string",  # monopoly ... competitive, or no_market
    "leader_final": "string",  # lab with the largest market share
    "frontier_lab_final": "string",  # lab with the most capable model
    "frontier_capability_final": "float64",  # METR time horizon, minutes
    "largest_run_flop": "float64",  # largest training run ever done, FLOP
    "largest_run_cost_usd": "float64",
    "hardware_overhang_world_final": "float64",  # deliverable run / largest run done
    "hardware_overhang_budget_final": "float64",  # richest lab's affordable run / largest run
    "hardware_overhang_world_max": "float64",
    "runnable_copies_final": "float64",  # copies of the frontier model its cluster could run
    "training_to_serving_ratio_final": "float64",
    "lead_months_final": "float64",
    "years_to_first_monopoly": "float64",  # years from start to a monopoly after rivalry; NaN if never
    "monopoly_share_of_time": "float64",  # share of steps with a market that were monopoly
    "n_models_final": "int64",
}


_NEEDED = (
    "year",
    "hhi",
    "cr1",
    "cr3",
    "n_active",
    "n_effective",
    "structure",
    "leader",
    "frontier_lab",
    "frontier_capability",
    "frontier_training_flop",
    "frontier_run_cost_usd",
    "hardware_overhang_world",
    "hardware_overhang_budget",
    "runnable_copies",
    "training_to_serving_ratio",
    "lead_months",
    "n_models",
    "n_selling",
)


def _last_float(col) -> float:
    return float(col[-1]) if len(col) else math.nan


def _finite_max(col) -> float:
    finite = [float(x) for x in col if math.isfinite(x)]
    return max(finite) if finite else math.nan


def final_metrics(ts, start_year: float) -> dict[str, Any]:
    """Final measures from a run's time series: a DataFrame (``RunResult.timeseries``) or a
    mapping of column name to values (``Recorder.timeseries_columns()``); ``start_year`` is
    the scenario's start in years (e.g. 2020.0). Plain Python over 240 values: cheaper than
    converting the columns to arrays, which a sweep would pay for every run."""
    if hasattr(ts, "columns"):  # a DataFrame
        col = {name: ts[name].tolist() for name in _NEEDED}
    else:
        col = {name: ts[name] for name in _NEEDED}
    structure = col["structure"]
    if len(structure) == 0:
        return dict.fromkeys(METRIC_TYPES)
    # A market with one seller is a monopoly by definition; the first monopoly worth reporting
    # is one that arose after at least two labs had products on sale.
    first, monopoly_steps, market_steps, contested = -1, 0, 0, False
    for k, (label, selling) in enumerate(zip(structure, col["n_selling"], strict=True)):
        contested = contested or selling >= 2
        if label != NO_MARKET:
            market_steps += 1
        if contested and label == "monopoly":
            monopoly_steps += 1
            if first < 0:
                first = k
    return {
        "hhi_final": _last_float(col["hhi"]),
        "cr1_final": _last_float(col["cr1"]),
        "cr3_final": _last_float(col["cr3"]),
        "n_active_final": int(col["n_active"][-1]),
        "n_effective_final": _last_float(col["n_effective"]),
        "structure_final": str(structure[-1]),
        "leader_final": str(col["leader"][-1]),
        "frontier_lab_final": str(col["frontier_lab"][-1]),
        "frontier_capability_final": _last_float(col["frontier_capability"]),
        "largest_run_flop": _last_float(col["frontier_training_flop"]),
        "largest_run_cost_usd": _last_float(col["frontier_run_cost_usd"]),
        "hardware_overhang_world_final": _last_float(col["hardware_overhang_world"]),
        "hardware_overhang_budget_final": _last_float(col["hardware_overhang_budget"]),
        "hardware_overhang_world_max": _finite_max(col["hardware_overhang_world"]),
        "runnable_copies_final": _last_float(col["runnable_copies"]),
        "training_to_serving_ratio_final": _last_float(col["training_to_serving_ratio"]),
        "lead_months_final": _last_float(col["lead_months"]),
        "years_to_first_monopoly": (
            float(col["year"][first]) - start_year if first >= 0 else math.nan
        ),
        "monopoly_share_of_time": monopoly_steps / market_steps if market_steps else math.nan,
        "n_models_final": int(col["n_models"][-1]),
    }


def empty_metrics() -> dict[str, Any]:
    """The metrics of a failed run: all missing (null in Parquet)."""
    return dict.fromkeys(METRIC_TYPES)
