"""Prices of compute and talent: set at the start of a step from the exogenous paths and the
compute market's scarcity multiplier (``sim.phases.compute`` updates it at the end of a step).

``set_prices`` reads the step's price-performance, talent pool and base salary, the labs'
headcount and the price multiplier; it changes the model's FLOP/$ for training and serving,
salary and talent pool, and the hiring room of the step.
"""

from __future__ import annotations


def set_prices(model) -> None:
    k = min(model.k, model.n_steps)
    model.flop_per_usd_training = (
        model.flop_per_usd_training_path[k] / model.compute_price_multiplier
    )
    model.flop_per_usd_serving = model.flop_per_usd_serving_path[k] / model.compute_price_multiplier
    model.talent_pool = model.talent_pool_path[k]
    model.gdp_usd_per_year = model.gdp_path[k]
    base = model.base_salary_path[k]
    employed = sum([lab.engineers for lab in model.active])
    if model.mech.salary_dynamics.enabled and model.active:
        t = model.talent
        pressure = 2.0 * employed / model.talent_pool
        if pressure > 1.0:  # salaries rise once labs employ over half the pool
            base *= pressure**t.salary_demand_elasticity
    model.salary_usd_per_year = base
    model.salary_usd_per_step = base * model.step_months / 12.0
    # Hiring this step draws on the pool left unemployed before anyone hires.
    unemployed = model.talent_pool - employed
    model._hiring = (
        unemployed if unemployed > 0.0 else 0.0,
        employed if employed > 1e-9 else 1e-9,
    )
