"""Exogenous paths: price-performance of each workload and of hardware bought, the largest
cluster's trend, the limits on the world's compute stock (fabs, power) and the spending on it
from outside the modelled labs, the talent pool and salaries, world GDP, the customer segments, and the windows of
compute caps and funding shocks.

They depend on the scenario alone, so they are computed once per ``Scenario`` object and shared,
read-only, by every model built from it (the seeds of a scenario, the replications of a sweep
point): construction went from 1.2 to 0.2 ms.
"""

from __future__ import annotations

import numpy as np

from sim.economics import hardware as hw
from sim.economics import market as mkt
from sim.params import Scenario, parse_year_month

# What exogenous_paths returns: attributes the model takes over.
SCHEDULE_ATTRIBUTES = (
    "years",
    "dates",
    "flop_per_usd_training_path",
    "flop_per_usd_serving_path",
    "accelerator_flop_per_usd_path",
    "cluster_trend_flop_per_s_path",
    "capex_flop_per_s_per_usd_path",
    "outside_capex_usd_per_year_path",
    "fab_limit_flop_per_s_per_year_path",
    "power_limit_flop_per_s_path",
    "talent_pool_path",
    "base_salary_path",
    "gdp_path",
    "segments",
    "_caps",
    "_funding_shocks",
)
# id(scenario) -> (scenario, its schedules); the scenario is kept so that its id stays its own.
_schedule_cache: dict[int, tuple[Scenario, dict]] = {}


def load_schedules(model) -> None:
    """Give ``model`` its scenario's exogenous paths, from the cache when another model of the
    same Scenario object computed them."""
    spec = model.spec
    hit = _schedule_cache.get(id(spec))
    if hit is not None and hit[0] is spec:
        model.__dict__.update(hit[1])
        return
    paths = exogenous_paths(model)
    model.__dict__.update(paths)
    if len(_schedule_cache) >= 8:
        del _schedule_cache[next(iter(_schedule_cache))]
    _schedule_cache[id(spec)] = (spec, paths)


def exogenous_paths(model) -> dict:
    """Every path in SCHEDULE_ATTRIBUTES, one value per step (steps 0..n_steps).
    Tuples, not numpy arrays: indexing them per step is several times cheaper."""
    spec, h, t = model.spec, model.hw, model.talent
    t0, n_steps, dt_years = model.t0, model.n_steps, model.dt_years
    out: dict = {}
    out["years"] = tuple(round(model.year_at(k), 6) for k in range(n_steps + 1))
    # Steps are whole months: count them (format_year_month(year) for 240 steps costs
    # a tenth of a millisecond per run).
    first_month = round(t0 * 12)
    out["dates"] = tuple(
        f"{m // 12:04d}-{m % 12 + 1:02d}"
        for m in range(
            first_month, first_month + model.step_months * n_steps + 1, model.step_months
        )
    )
    segments = {
        "accelerator": [(t0, h.doubling_time_years)],
        "memory": [(t0, h.memory_doubling_time_years)],
        "cpu": [(t0, h.cpu_doubling_time_years)],
    }
    for regime in h.regimes:
        start = parse_year_month(regime.start)
        segments["accelerator"].append((start, regime.doubling_time_years))
        if regime.memory_doubling_time_years:
            segments["memory"].append((start, regime.memory_doubling_time_years))
        if regime.cpu_doubling_time_years:
            segments["cpu"].append((start, regime.cpu_doubling_time_years))
    shocks = np.ones(n_steps + 1)
    for event in spec.events:
        if event.type == "hardware_shock":
            first, last = model.event_window(event)
            shocks[first:last] *= event.multiplier
    train = h.training_cost_shares.model_dump()
    serve = h.serving_cost_shares.model_dump()
    years = t0 + dt_years * np.arange(n_steps + 1)
    elapsed = years - t0
    arrays = {
        "flop_per_usd_training_path": hw.workload_flop_per_usd(
            h.flop_per_usd_start, years, segments, train, shocks
        ),
        "flop_per_usd_serving_path": hw.workload_flop_per_usd(
            h.flop_per_usd_start, years, segments, serve, shocks
        ),
        "accelerator_flop_per_usd_path": h.flop_per_usd_start
        * shocks
        * 2.0 ** hw.log2_improvement(years, segments["accelerator"]),
        "cluster_trend_flop_per_s_path": hw.largest_cluster_flop_per_s(
            h.largest_cluster_flop_per_s_start, h.largest_cluster_growth_per_year, elapsed
        ),
        "capex_flop_per_s_per_usd_path": h.capex_flop_per_s_per_usd_start
        * shocks
        * 2.0 ** hw.log2_improvement(years, segments["accelerator"]),
        "fab_limit_flop_per_s_per_year_path": h.fab_capacity_flop_per_s_per_year_start
        * h.fab_growth_per_year**elapsed,
        "power_limit_flop_per_s_path": hw.power_limit_flop_per_s(
            power_watts(h, years, t0),
            h.flop_per_s_per_watt_start * 2.0 ** (elapsed / h.flop_per_watt_doubling_time_years),
        ),
    }
    for name, values in arrays.items():
        out[name] = tuple(np.asarray(values, dtype=float).tolist())
    # Talent pool and salaries before demand pressure.
    elapsed_years = [model.year_at(k) - t0 for k in range(n_steps + 1)]
    out["talent_pool_path"] = tuple(
        t.pool_engineers * (1.0 + t.pool_growth_per_year) ** y for y in elapsed_years
    )
    out["base_salary_path"] = tuple(
        t.salary_usd_per_year * (1.0 + t.salary_growth_per_year) ** y for y in elapsed_years
    )
    m = model.market
    out["gdp_path"] = tuple(
        mkt.world_gdp_usd_per_year(m.gdp_usd_per_year_start, m.gdp_growth_per_year, y)
        for y in elapsed_years
    )
    # Hardware bought by everyone but the modelled labs: its trend, at most a share of GDP.
    out["outside_capex_usd_per_year_path"] = tuple(
        min(
            h.outside_capex_usd_per_year_start * h.outside_capex_growth_per_year**y,
            h.outside_capex_max_gdp_share * gdp,
        )
        for y, gdp in zip(elapsed_years, out["gdp_path"], strict=True)
    )
    out["segments"] = mkt.make_segments(m)
    out["_caps"] = tuple(
        (*model.event_window(e), e.max_training_flop)
        for e in spec.events
        if e.type == "compute_cap"
    )
    out["_funding_shocks"] = tuple(
        (*model.event_window(e), e.labs, e.multiplier)
        for e in spec.events
        if e.type == "funding_shock"
    )
    return out


def power_watts(h, years: np.ndarray, t0: float) -> np.ndarray:
    """Power available to AI accelerators at each of ``years``: growing at
    ``power_growth_per_year``, then at each regime's rate from its start."""
    segments = [(t0, h.power_growth_per_year)] + [
        (parse_year_month(r.start), r.growth_per_year) for r in h.power_regimes
    ]
    log_power = np.full(len(years), np.log(h.power_watts_start))
    for i, (start, growth) in enumerate(segments):
        end = segments[i + 1][0] if i + 1 < len(segments) else np.inf
        log_power += np.clip(years - start, 0.0, end - start) * np.log(growth)
    return np.exp(log_power)
