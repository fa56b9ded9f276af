"""The output reference: the columns of every table a run writes (MODEL.md, "What it
measures each step").

Kept apart from the model and the recorder so that the sweep machinery, calibration and the
analysis can name columns without importing Mesa.
"""

from __future__ import annotations

from sim.ledger import INCOME_ACCOUNTS, SPENDING_ACCOUNTS

TIMESERIES_COLUMNS = (
    "step",
    "date",
    "year",
    "hhi",
    "cr1",
    "cr3",
    "n_active",
    "n_selling",
    "n_effective",
    "structure",
    "leader",
    "leader_tenure_months",
    "frontier_capability",
    "frontier_lab",
    "frontier_training_flop",
    "frontier_run_cost_usd",
    "flop_per_usd",
    "training_flop_per_usd",
    "serving_flop_per_usd",
    "largest_cluster_flop_per_s",
    "world_compute_stock_flop_per_s",
    "compute_cap_flop",
    "potential_spending_usd_per_year",
    "market_spending_usd_per_year",
    "industry_revenue_usd_per_year",
    "leader_revenue_usd_per_year",
    "best_algorithmic_efficiency",
    "salary_usd_per_year",
    "lead_capability",
    "lead_months",
    "runnable_tokens_per_s",
    "runnable_copies",
    "training_to_serving_ratio",
    "hardware_overhang_world",
    "hardware_overhang_budget",
    "n_models",
    "open_weights_user_share",
    "tasks_within_reach_share",
    "hhi_users",
    "lerner_revenue_weighted",
    "consumer_surplus_usd_per_year",
    "world_gdp_usd_per_year",
    "compute_price_multiplier",
    "ai_research_share",
    "experiment_compute_flop",
    "inference_compute_share",
    "compute_constraint",
)

LAB_COLUMNS = (
    "step",
    "date",
    "lab",
    "archetype",
    "active",
    "funding",
    "cash_usd",
    *INCOME_ACCOUNTS,
    *SPENDING_ACCOUNTS,
    "engineers",
    "algorithmic_efficiency",
    "utilization",
    "research_engineer_years",
    "capability",
    "deployed_capability",
    "market_share",
    "revenue_share",
    "enterprise_revenue_usd",
    "n_products",
    "holding_model",
    "price_per_mtok_usd",
    "belief_compute_elasticity",
    "parent_budget_usd_per_year",
    "run_in_progress",
    "run_physical_flop",
    "completed_runs",
    "experiment_compute_spend_usd",
    "ai_researchers",
)

MODEL_COLUMNS = (
    "model_id",
    "lab",
    "started",
    "completed",
    "params",
    "tokens",
    "training_flop",
    "effective_flop",
    "cost_usd",
    "method",
    "parent",
    "loss",
    "capability",
    "serving_cost_per_mtok_usd",
    "run_months",
    "runnable_tokens_per_s",
    "runnable_copies",
    "training_to_serving_ratio",
    "open_weights",
    "observed_compute_elasticity",
)

EVENT_COLUMNS = ("step", "date", "type", "lab", "detail")

# One row per step per product on sale. tier: frontier (a trained model), tier1 ... tier4 (its
# distilled students), imitation (a copy of a rival's model) or thinking (the ladder's top
# model run with mechanisms.inference_scaling.compute_multiplier times the serving compute per
# task); serving_cost_per_mtok_usd counts that multiplier.
PRODUCT_COLUMNS = (
    "step",
    "date",
    "lab",
    "model_id",
    "tier",
    "capability",
    "price_per_mtok_usd",
    "serving_cost_per_mtok_usd",
    "user_share",
    "revenue_share",
    "open_weights",
)
