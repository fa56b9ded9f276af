"""Deployment and imitation: trained models become products, when their lab decides
(MODEL.md, "Product ladders", "Releases are decisions", "Cross-lab distillation").

``deploy`` reads a lab's new frontier model and the compute cap; it makes the product ladder
(the model, its distilled tiers, already paid for within the run's bill, and a thinking tier
where inference scaling is on) and puts it on sale or holds it back. ``release_decisions`` reads rivals' revenue; a lab holding a ladder releases
it once a rival's product threatens its business. ``finish_imitation`` reads the rival model a
lab distilled from and puts the copy on sale. Putting a ladder on sale retires the lab's
oldest ladder beyond ``market.releases_on_sale``.
"""

from __future__ import annotations

import functools
import math

from sim import frontier, registry
from sim.economics import market as mkt
from sim.economics import training
from sim.economics.capability import thinking_time_horizon_minutes
from sim.phases import product_book
from sim.trained_models import Run, TrainedModel

TIERS = ("frontier", "tier1", "tier2", "tier3", "tier4")
THINKING = "thinking"
# Where each tier sits on a ladder, most capable first: a retired product's customers move to
# the new ladder's product of the same tier, else to the nearest one.
_TIER_RANK = {THINKING: -1, "imitation": 0} | {tier: i for i, tier in enumerate(TIERS)}


def deploy(model, lab, teacher: TrainedModel) -> None:
    """The product ladder of a new frontier model: on sale now, or held back."""
    ladder = [teacher]
    dd = model.mech.deployment_distillation
    if dd.enabled:
        # A distillation is a training run too: a compute cap in force bounds it. The student
        # starts when the teacher completes: the next step's cap applies.
        share = dd.compute_fraction
        if teacher.training_flop > 0:
            share = min(share, model.compute_cap_flop(model.k + 1) / teacher.training_flop)
        parent = teacher
        for tier in TIERS[1 : dd.tiers + 1]:
            params = parent.params / dd.size_ratio
            capability = parent.capability * (1.0 - dd.capability_penalty)
            student = TrainedModel(
                model_id=registry.new_model_id(model, lab),
                lab=lab.name,
                started=teacher.completed,
                completed=teacher.completed,
                params=params,
                tokens=teacher.tokens,
                physical_flop=share * teacher.physical_flop,
                training_flop=share * teacher.training_flop,
                effective_flop=teacher.effective_flop,
                cost_usd=share * teacher.cost_usd,
                method="distilled",
                parent=parent.model_id,
                loss=model.loss_of(capability),
                capability=capability,
                serving_cost_per_mtok_usd=model.serving_cost(params),
                open_weights=teacher.open_weights,
                tier=tier,
            )
            registry.register(model, lab, student)
            ladder.append(student)
            parent = student
    _add_thinking_tier(model, lab, ladder)
    # A lab that has released before releases at once: rivals' revenue is asked only of one
    # holding back (~1 us a release less, measured).
    if lab.released_ever or lab.releases_now(best_rival_revenue_usd_per_year(model, lab)):
        put_on_sale(model, lab, ladder)
    else:
        lab.held = ladder


def _add_thinking_tier(model, lab, ladder: list[TrainedModel]) -> None:
    """Append a thinking tier to ``ladder`` where inference scaling is on (docs/model.md §10):
    the weights of ``ladder[0]`` run with compute_multiplier times the serving compute per
    task. It is the same weights, so it costs no training; it is a product, never the lab's
    frontier (nothing is warm-started from it)."""
    inf = model.mech.inference_scaling
    if not inf.enabled or (inf.start is not None and model.k < model.step_of(inf.start)):
        return
    base = ladder[0]
    m = inf.compute_multiplier
    capability = thinking_time_horizon_minutes(
        base.capability,
        m,
        inf.training_equivalent_exponent,
        model.world.capability_flop_elasticity,
    )
    thinking = TrainedModel(
        model_id=registry.new_model_id(model, lab),
        lab=lab.name,
        started=base.completed,
        completed=base.completed,
        params=base.params,
        tokens=base.tokens,
        physical_flop=0.0,
        training_flop=0.0,
        effective_flop=base.effective_flop,
        cost_usd=0.0,
        method="inference_scaling",
        parent=base.model_id,
        loss=model.loss_of(capability),
        capability=capability,
        serving_cost_per_mtok_usd=model.serving_cost(base.params) * m,
        open_weights=base.open_weights,
        tier=THINKING,
        inference_multiplier=m,
    )
    registry.register(model, lab, thinking)
    ladder.append(thinking)


def _heir(ladder: list[TrainedModel], retired: TrainedModel) -> TrainedModel:
    """The product of ``ladder`` that takes over ``retired``'s customers: the same tier, else
    the nearest one (ties to the more capable)."""
    for product in ladder:
        if product.tier == retired.tier:
            return product
    rank = _TIER_RANK.get(retired.tier, 0)
    return min(ladder, key=lambda p: abs(_TIER_RANK.get(p.tier, 0) - rank))


def best_rival_revenue_usd_per_year(model, lab) -> float:
    """The largest annualised revenue of another lab at the last market clearing."""
    # A loop, as max() compares, not max() over a generator: ~1 us less a call (measured).
    best = None
    for o in model.active:
        if o is not lab:
            r = 12.0 * o.last_revenue_usd
            if best is None or r > best:
                best = r
    return 0.0 if best is None else best


def release_decisions(model) -> None:
    """Labs holding a ladder back release it once a rival's product threatens them."""
    for lab in model.active:
        if lab.held is not None and lab.releases_now(best_rival_revenue_usd_per_year(model, lab)):
            ladder, lab.held = lab.held, None
            put_on_sale(model, lab, ladder)


def put_on_sale(model, lab, ladder: list[TrainedModel]) -> None:
    """Add a ladder to the market; retire the lab's oldest beyond releases_on_sale."""
    m = model.market
    # New to the market: no buyers yet, so priced as a firm with no share would price.
    api, consumer = _entry_markups(m.price_sensitivity, m.consumer_price_sensitivity, m.max_lerner)
    listed = model.listed
    for product in ladder:
        product.segment_split = None
        product.lerner, product.consumer_lerner = api, consumer
        product.listing = len(listed)
        listed.append(product)
    ladders = (*lab.releases, ladder)
    keep = model.market.releases_on_sale
    on_sale = lab.products
    lab.releases = ladders[-keep:]
    retired = [old for oldest in ladders[:-keep] for old in oldest]
    if retired:
        # The retired products are the first of those the lab had on sale.
        splits = product_book.splits_of(model.on_sale, on_sale, len(retired))
        for old, split in zip(retired, splits, strict=True):
            # Customers of a retired model move to its successor in the new ladder (same tier,
            # else the nearest one): a lab retiring a model keeps the customers who used it.
            if split is not None:
                heir = _heir(ladder, old)
                heir.segment_split = (
                    split if heir.segment_split is None else heir.segment_split + split
                )
    frontier.rankings_changed(model)


@functools.lru_cache(maxsize=16)
def _entry_markups(
    price_sensitivity: float, consumer_price_sensitivity: float, max_lerner: float
) -> tuple[float, float]:
    """Lerner indices (API, consumer) of a product with no buyers yet. Kept: a run's market
    parameters do not change, and two numpy lerner_index calls cost ~7 us a release (measured)."""
    return (
        mkt.lerner_index(price_sensitivity, max_lerner),
        mkt.lerner_index(consumer_price_sensitivity, max_lerner),
    )


def withdraw_all(lab) -> None:
    """Take every product of ``lab`` off the market (it left)."""
    lab.releases = []
    lab.held = None


def finish_imitation(model, lab, run: Run, now: float) -> None:
    """A distilled copy of a rival's product, finished: it is sold if it beats the lab's own,
    with a ladder of its own distilled tiers as a trained model's (``deploy``): a follower
    that can copy a frontier model can also make the small models the low end buys."""
    target = run.target
    im = model.mech.imitation
    cap = target.capability * (frontier.reachable_share(model, target) or 0.0)
    if cap <= lab.deployed_capability:
        return  # the rival moved on or we overtook it: nothing to ship
    copy = TrainedModel(
        model_id=registry.new_model_id(model, lab),
        lab=lab.name,
        started=model.year_at(run.started_step),
        completed=now,
        params=target.params,
        tokens=target.tokens * im.compute_fraction,
        physical_flop=run.physical_flop,
        training_flop=training.training_flop(run.physical_flop, run.utilization),
        # What a compute-optimal run would need for this capability: what a later warm
        # start from the copy can honestly build on.
        effective_flop=model.effective_flop_for(cap),
        cost_usd=run.total_cost_usd / run.ladder_factor,
        method="imitation",
        parent=target.model_id,
        loss=model.loss_of(cap),
        capability=cap,
        serving_cost_per_mtok_usd=model.serving_cost(target.params),
        run_months=im.months,
        open_weights=lab.openness >= 1.0,
        tier="imitation",
    )
    copy.ideas_wall = model.extra_irreducible(lab)
    copy.recipe_efficiency = math.exp(lab.ln_a) * lab.utilization
    registry.register(model, lab, copy)
    lab.completed_runs += 1
    if lab.frontier is None or cap > lab.frontier.capability:
        lab.frontier = copy
        lab.last_improvement_step = model.k
    deploy(model, lab, copy)
