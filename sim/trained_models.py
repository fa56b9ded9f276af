"""What labs make: training runs in progress and the models they produce (rows of models.csv;
while on sale, products with a tier, prices and shares)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(slots=True)
class TrainedModel:
    """One trained model (a row of models.csv)."""

    model_id: str
    lab: str
    started: float
    completed: float
    params: float
    tokens: float
    physical_flop: float
    training_flop: float
    effective_flop: float
    cost_usd: float
    method: str  # scratch | warm_start | distilled | imitation | inference_scaling
    parent: str | None
    loss: float
    capability: float
    serving_cost_per_mtok_usd: float = math.nan
    run_months: float = 0.0
    observed_compute_elasticity: float | None = None
    recipe_efficiency: float = 1.0  # A * u * learning multiplier when trained
    ideas_wall: float = 0.0  # extra irreducible loss (ideas regime) when trained
    open_weights: bool = False
    # As a product (MODEL.md, "Product ladders"). Its market state as it goes on sale; while
    # it is on sale, the market's book (sim.phases.product_book) holds the current one, with
    # its prices and shares.
    tier: str = "frontier"  # frontier | tier1 | tier2 ... (distilled) | imitation | thinking
    lerner: float = 0.0  # (price - cost) / price of its API
    consumer_lerner: float = 0.0  # the same for its consumer subscription
    segment_split: object = None  # numpy row: its share of each segment's buyers
    listing: int = -1  # its number among the products ever put on sale (model.listed)
    # Serving compute per task relative to its weights run plainly: > 1 for a thinking tier
    # (mechanisms.inference_scaling), which multiplies its serving cost.
    inference_multiplier: float = 1.0


@dataclass(slots=True)
class Run:
    """A training run in progress: compute is committed for its whole duration."""

    kind: str  # "train" | "imitation"
    started_step: int
    end_step: int
    total_cost_usd: float
    physical_flop: float
    target: TrainedModel | None = None  # imitation: the rival's model
    parent: TrainedModel | None = None
    warm_start_kappa: float = 0.0
    reverse_saving: float = 0.0
    utilization: float = 0.3  # the lab's utilization when the run started, fixed for the run
    ladder_factor: float = 1.0  # total cost / training cost: the product ladder's distillations
    cluster_bound: bool = False  # the largest cluster (or a compute cap), not money, sized it
    cost_per_step_usd: float = field(init=False)  # the equal instalments it is paid in
    # Physical FLOP it draws from the stock each step, its ladder's distillations included:
    # bought at its start's prices, whatever the instalment would buy later.
    flop_per_step: float = field(init=False)

    def __post_init__(self) -> None:
        steps = self.end_step - self.started_step
        self.cost_per_step_usd = self.total_cost_usd / steps
        self.flop_per_step = self.physical_flop * self.ladder_factor / steps


def products_on_sale(
    ladders,
) -> tuple[list[TrainedModel], TrainedModel | None, TrainedModel | None]:
    """The products of ``ladders``, in order; the most capable (the first of equals; None if
    there are none); and the most capable whose capability is in its weights (None if none):
    what ``Lab.products``, ``Lab.deployed`` and ``Lab.best_weights`` keep between changes.

    The last is what a rival can distil or an entrant build on: a thinking tier
    (``mechanisms.inference_scaling``) is the same weights run with more serving compute, so
    a copy of the weights gets the plain model's capability, not the tier's."""
    products = [p for ladder in ladders for p in ladder]
    best = weights = None
    for p in products:
        if best is None or p.capability > best.capability:
            best = p
        if p.inference_multiplier == 1.0 and (weights is None or p.capability > weights.capability):
            weights = p
    return products, best, weights
