"""The dashboard's data: one run's series read from a model's recorder, and many seeds of one
scenario run to the horizon and summarised by step (median, 10th and 90th percentiles)."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from sim.columns import LAB_COLUMNS, TIMESERIES_COLUMNS
from sim.economics.concentration import NO_MARKET, STRUCTURES
from sim.params import Scenario

# Numeric time-series columns the figures draw.
SERIES = (
    "hhi",
    "frontier_capability",
    "lead_capability",
    "frontier_training_flop",
    "frontier_run_cost_usd",
    "compute_cap_flop",
    "world_compute_stock_flop_per_s",
    "compute_price_multiplier",
    "runnable_copies",
    "hardware_overhang_world",
    "hardware_overhang_budget",
)
LAB_SERIES = ("revenue_share", "capability", "price_per_mtok_usd")
QUANTILES = (10, 50, 90)


@dataclass
class RunSeries:
    """One run up to its current step: time in years, the time series, and per lab its
    revenue share, capability and price (NaN where the lab was not in the market)."""

    title: str
    start_year: float
    end_year: float
    years: np.ndarray
    series: dict[str, np.ndarray]
    structure: list[str]
    labs: list[str]  # in order of entry
    lab_series: dict[str, np.ndarray]  # column -> (steps, labs)


@dataclass
class SeedRuns:
    """Many seeds of one scenario to the horizon: per column, quantiles by step."""

    title: str
    start_year: float
    end_year: float
    seeds: list[int]
    years: np.ndarray
    quantiles: dict[str, np.ndarray]  # column -> (len(QUANTILES), steps)
    structure_shares: dict[str, np.ndarray]  # structure -> share of seeds, by step
    final_structures: Counter = field(default_factory=Counter)


def run_series(model) -> RunSeries:
    """What the figures need from a ``LabRaceModel``'s recorder (rows so far)."""
    # Copies: Mesa's play loop may step the model in another thread while this reads.
    rows = model.recorder.timeseries[:]
    lab_rows = model.recorder.labs[:]
    col = {name: i for i, name in enumerate(TIMESERIES_COLUMNS)}
    n = len(rows)
    series = {
        name: np.array([r[col[name]] for r in rows], dtype=float) if n else np.zeros(0)
        for name in SERIES
    }
    years = np.array([r[col["year"]] for r in rows], dtype=float)
    structure = [r[col["structure"]] for r in rows]
    lab_index = {name: i for i, name in enumerate(LAB_COLUMNS)}
    labs: dict[str, int] = {}
    lab_rows = [r for r in lab_rows if r[lab_index["step"]] < n]
    for r in lab_rows:
        labs.setdefault(r[lab_index["lab"]], len(labs))
    lab_series = {name: np.full((n, len(labs)), math.nan) for name in LAB_SERIES}
    for r in lab_rows:
        if not r[lab_index["active"]]:
            continue
        k, j = r[lab_index["step"]], labs[r[lab_index["lab"]]]
        for name in LAB_SERIES:
            lab_series[name][k, j] = r[lab_index[name]]
    spec = model.spec
    return RunSeries(
        title=f"{spec.name}, seed {model.seed}",
        start_year=spec.start_year,
        end_year=spec.end_year,
        years=years,
        series=series,
        structure=structure,
        labs=list(labs),
        lab_series=lab_series,
    )


def run_seeds(
    spec: Scenario,
    seeds: Iterable[int],
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> SeedRuns | None:
    """Run ``spec`` to its horizon once per seed (time series only) and summarise by step;
    None if ``cancelled()`` turned true on the way."""
    from sim.results import simulate

    seeds = list(seeds)
    values: dict[str, list] = {name: [] for name in SERIES}
    structures: list[list[str]] = []
    years = np.zeros(0)
    for i, seed in enumerate(seeds):
        if cancelled():
            return None
        columns = simulate(spec, seed=seed, record_labs=False).recorder.timeseries_columns()
        for name in SERIES:
            values[name].append(np.asarray(columns[name], dtype=float))
        structures.append(list(columns["structure"]))
        years = np.asarray(columns["year"], dtype=float)
        if on_progress:
            on_progress(i + 1, len(seeds))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps (before any market)
        quantiles = {
            name: np.nanpercentile(np.vstack(v), QUANTILES, axis=0) for name, v in values.items()
        }
    by_step = np.array(structures, dtype=object)
    shares = {s: (by_step == s).mean(axis=0) for s in (*STRUCTURES, NO_MARKET)}
    return SeedRuns(
        title=f"{spec.name}, {len(seeds)} seeds",
        start_year=spec.start_year,
        end_year=spec.end_year,
        seeds=seeds,
        years=years,
        quantiles=quantiles,
        structure_shares=shares,
        final_structures=Counter(s[-1] for s in structures),
    )
