"""Entry, exit, mergers and acquisitions (MODEL.md, "Entry, exit and events").

``admit_scheduled`` and ``admit_random`` read the labs scheduled to enter and, for random entry,
the frontier, open weights, public algorithms and the price of compute; they add labs to the
world and its knowledge network. ``fail``, ``merge`` and ``leave`` are called by the finance
and events phases; they move a lab's cash, staff, models and customers to a buyer, or take it
off the market.
"""

from __future__ import annotations

import math

import numpy as np

from sim import frontier
from sim.agents import Lab
from sim.economics import concentration as conc
from sim.params import LabParams
from sim.phases import deployment, market


def add_lab(model, params: LabParams) -> Lab:
    frontier.rankings_changed(model)
    lab = Lab(model, params, model.k)
    model.labs_by_name[lab.name] = lab
    model.active.append(lab)
    network = model.network
    network.add_node(lab.unique_id, name=lab.name)
    for other in list(network.nodes):
        if other == lab.unique_id:
            continue
        if (
            model.world.network == "complete"
            or model.rng.random() < model.world.network_edge_probability
        ):
            network.add_edge(lab.unique_id, other)
    model._adjacency = None
    if model.k > 0:
        model.events_log.append(
            dict(step=model.k, type="entry", lab=lab.name, detail=lab.archetype)
        )
    return lab


def admit_scheduled(model, step: int | None = None) -> None:
    """Labs the scenario schedules to enter at ``step`` (default: now)."""
    step = model.k if step is None else step
    # Most steps have no entry: checked here, they cost one lookup.
    if step not in model._pending_entries:
        return
    for params in model._pending_entries.pop(step):
        add_lab(model, params)


def admit_random(model) -> None:
    """Potential entrants arrive at a Poisson rate, each with a funding draw; one enters if it
    can afford a first model within reach of the frontier."""
    en = model.mech.entry
    if not en.enabled or en.rate_per_year <= 0 or model.k < model.entry_start_step:
        return
    # Entrants draw from a stream of their own, so that switching a mechanism on or off does
    # not change who arrives, only how they fare.
    rng = model.entry_rng
    for _ in range(int(rng.poisson(en.rate_per_year * model.dt_years))):
        funding = float(en.funding_median_usd * math.exp(en.funding_sigma * rng.standard_normal()))
        names = sorted(en.archetype_weights)
        weights = np.array([en.archetype_weights[n] for n in names], dtype=float)
        archetype = names[weighted_index(rng, weights)]
        model.entrants += 1
        if entry_affordable(model, funding):
            add_lab(
                model,
                LabParams(
                    name=f"entrant-{model.entrants}",
                    archetype=archetype,
                    cash_usd=funding,
                    # Hired from the unemployed part of the talent pool, like any hire.
                    engineers=max(
                        1.0, min(0.15 * funding / model.salary_usd_per_year, model._hiring[0])
                    ),
                    algorithmic_efficiency=public_algorithmic_efficiency(model),
                ),
            )


def weighted_index(rng, weights: np.ndarray) -> int:
    """An index drawn with probability proportional to ``weights``, as numpy's
    ``rng.choice(len(weights), p=weights / weights.sum())`` draws it (one uniform against the
    same cumulative shares: the same index and the same draws after it) without its checks
    of ``p``: ~50 us less an arrival in a run, about a fifth of the entry phase (measured)."""
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return int(cdf.searchsorted(rng.random(), side="right"))


def public_algorithmic_efficiency(model) -> float:
    """What a newcomer can use: the best A, discounted by how open its owner is."""
    if not model.active:
        return 1.0
    return math.exp(max(lab.openness * lab.ln_a for lab in model.active))


def entry_affordable(model, funding_usd: float) -> bool:
    """Can an entrant afford a first model within max_capability_gap of the frontier?"""
    frontier_cap = max((lab.capability for lab in model.active), default=0.0)
    if frontier_cap <= 0:
        return True
    target = frontier_cap * (1.0 - model.mech.entry.max_capability_gap)
    # Open weights an entrant could start from (a thinking tier adds no weights).
    spill = model.mech.spillovers.enabled
    weights = [lab.best_weights for lab in model.active] if spill else []
    open_best = max(
        (
            w.capability * (frontier.reachable_share(model, w) or 0.0)
            for w in weights
            if w and w.open_weights
        ),
        default=0.0,
    )
    if open_best >= target:
        return True
    eff = model.effective_flop_for(target)
    lc = model.mech.learning_curve
    discount = lc.reproduction_cost_fraction if lc.enabled else 1.0
    physical = eff * discount / (public_algorithmic_efficiency(model) * 0.3)
    if physical > model.max_physical_flop(0.3, model.hw.max_run_months):
        return False
    return (
        physical / model.flop_per_usd_training
        <= model.mech.entry.first_run_funding_share * funding_usd
    )


def fail(model, lab: Lab) -> None:
    """A lab that cannot pay its bills is bought by the richest lab antitrust lets buy it,
    or exits."""
    acq = model.mech.acquisition
    if acq.enabled:
        buyers = [o for o in model.active if o is not lab and o.cash_usd + lab.cash_usd > 0]
        buyers.sort(key=lambda o: (-o.cash_usd, o.unique_id))
        revenue = {o.name: o.last_revenue_usd for o in model.active}
        users = {o.name: o.market_share for o in model.active}
        for buyer in buyers:
            # Antitrust looks at revenue and at users (open weights included): a deal that
            # lifts either HHI above the line is blocked; buying a lab with no customers
            # lifts nothing.
            if _deal_allowed(revenue, buyer.name, lab.name, acq.antitrust_max_hhi) and (
                _deal_allowed(users, buyer.name, lab.name, acq.antitrust_max_hhi)
            ):
                merge(model, buyer, lab, kind="acquisition")
                return
    exit_market(model, lab, "bankrupt")


def _deal_allowed(amounts: dict, buyer: str, target: str, max_hhi: float) -> bool:
    total = sum(amounts.values()) or 1.0
    shares = {name: a / total for name, a in amounts.items()}
    before = conc.hhi(list(shares.values()))
    shares[buyer] += shares.pop(target)
    after = conc.hhi(list(shares.values()))
    return after <= max_hhi or after <= before + 1e-9


def leave(model, lab: Lab, kind: str, detail: str) -> None:
    """Take ``lab`` off the market (exit or absorbed); its last row is still recorded."""
    frontier.rankings_changed(model)
    deployment.withdraw_all(lab)
    lab.active = False
    lab.run = None
    lab.market_share = 0.0
    model.active.remove(lab)
    model._left_this_step.append(lab)
    model._adjacency = None
    model.events_log.append(dict(step=model.k, type=kind, lab=lab.name, detail=detail))


def exit_market(model, lab: Lab, reason: str) -> None:
    """``lab`` leaves; its users spread over the others in proportion to their shares."""
    leave(model, lab, "exit", reason)
    total = sum(o.market_share for o in model.active)
    if total > 0:
        for o in model.active:
            o.market_share /= total
        market.rescale_user_shares(model, model.active, total)


def merge(
    model, survivor: Lab, absorbed: Lab, kind: str = "merger", new_name: str | None = None
) -> None:
    """``survivor`` takes ``absorbed``'s cash, engineers, models, customers and know-how."""
    frontier.rankings_changed(model)
    cash = absorbed.cash_usd
    absorbed.pay("transfer_out_usd", cash)
    survivor.receive("transfer_in_usd", cash)
    survivor.engineers += absorbed.engineers
    absorbed.engineers = 0.0
    survivor.ln_a = max(survivor.ln_a, absorbed.ln_a)
    survivor.utilization = max(survivor.utilization, absorbed.utilization)
    survivor.research_engineer_years += absorbed.research_engineer_years
    survivor.completed_runs += absorbed.completed_runs
    survivor.parent_budget_usd_per_year += absorbed.parent_budget_usd_per_year
    survivor.market_share += absorbed.market_share
    theirs = absorbed.frontier
    if theirs is not None and (
        survivor.frontier is None or theirs.capability > survivor.frontier.capability
    ):
        survivor.frontier = theirs
    # The survivor sells the absorbed lab's products alongside its own (they keep their
    # customers) and takes over a ladder it was holding back.
    survivor.releases = absorbed.releases + survivor.releases
    absorbed.releases = []
    if absorbed.held is not None and survivor.held is None:
        survivor.held = absorbed.held
    absorbed.held = None
    if new_name and new_name != survivor.name:
        model.labs_by_name.pop(survivor.name, None)
        survivor.name = new_name
        model.labs_by_name[new_name] = survivor
    leave(model, absorbed, kind, survivor.name)
