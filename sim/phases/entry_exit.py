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
from sim.economics import scaling
from sim.params import LabParams


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
    if not en.enabled or en.rate_per_year <= 0:
        return
    for _ in range(int(model.rng.poisson(en.rate_per_year * model.dt_years))):
        funding = float(
            en.funding_median_usd * math.exp(en.funding_sigma * model.standard_normal())
        )
        names = sorted(en.archetype_weights)
        weights = np.array([en.archetype_weights[n] for n in names], dtype=float)
        archetype = names[int(model.rng.choice(len(names), p=weights / weights.sum()))]
        model.entrants += 1
        if entry_affordable(model, funding):
            add_lab(
                model,
                LabParams(
                    name=f"entrant-{model.entrants}",
                    archetype=archetype,
                    cash_usd=funding,
                    engineers=max(10.0, 0.15 * funding / model.salary_usd_per_year),
                    algorithmic_efficiency=public_algorithmic_efficiency(model),
                ),
            )


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
    open_best = max(
        (
            lab.deployed.capability * (frontier.reachable_share(model, lab.deployed) or 0.0)
            for lab in model.active
            if lab.deployed and lab.deployed.open_weights and model.mech.spillovers.enabled
        ),
        default=0.0,
    )
    if open_best >= target:
        return True
    eff = scaling.effective_flop_for_capability(
        target, model.law, model.r_mid, model.world.capability_steepness
    )
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
        # The test is on revenue shares, like the reported HHI.
        revenue = {o.name: o.last_revenue_usd for o in model.active}
        total = sum(revenue.values()) or 1.0
        before = conc.hhi([r / total for r in revenue.values()])
        for buyer in buyers:
            shares = {name: r / total for name, r in revenue.items()}
            shares[buyer.name] += shares.pop(lab.name)
            after = conc.hhi(shares.values())
            # Antitrust blocks a deal that would lift HHI above the line; buying a lab
            # with no customers lifts nothing.
            if after <= acq.antitrust_max_hhi or after <= before + 1e-9:
                merge(model, buyer, lab, kind="acquisition")
                return
    exit_market(model, lab, "bankrupt")


def leave(model, lab: Lab, kind: str, detail: str) -> None:
    """Take ``lab`` off the market (exit or absorbed); its last row is still recorded."""
    frontier.rankings_changed(model)
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
    for attr in ("frontier", "deployed"):
        theirs = getattr(absorbed, attr)
        if theirs is not None and (
            getattr(survivor, attr) is None
            or theirs.capability > getattr(survivor, attr).capability
        ):
            setattr(survivor, attr, theirs)
    if new_name and new_name != survivor.name:
        model.labs_by_name.pop(survivor.name, None)
        survivor.name = new_name
        model.labs_by_name[new_name] = survivor
    leave(model, absorbed, kind, survivor.name)
