"""Finance and failure, after the market has paid (MODEL.md, "Funding", "Exit").

Reads each lab's ledger for the step, its cash, funding source, progress and rivals' lead.
Changes: investor-funded labs' cash (rounds raised), parent-funded labs' budgets (a wake-up
when a rival's lead crosses the lab's threshold), and the set of active labs (a lab that cannot
pay its bills, or is left with too few engineers, is acquired where antitrust allows, or exits).
"""

from __future__ import annotations

from sim import frontier
from sim.phases import entry_exit


def settle(model) -> None:
    for lab in list(model.active):
        if lab.funding == "investors":
            led = lab.ledger
            # Runway is measured against gross spending: a lab that spends down its cash
            # over its horizon never sees its net runway shrink, but its investors do.
            spending = (
                led.compute_spend_usd
                + led.staff_spend_usd
                + led.serving_spend_usd
                + led.other_spend_usd
            ) / model.step_months
            lab.raise_if_needed(spending)
        elif lab.params.wake_up_lead_threshold is not None:
            check_wake_up(model, lab)
    if model.mech.exit.enabled:
        floor = model.mech.exit.min_viable_engineers
        for lab in list(model.active):
            if (lab.cash_usd < 0 and not parent_covers_bills(model, lab)) or (
                lab.engineers < floor
            ):
                entry_exit.fail(model, lab)


def parent_covers_bills(model, lab) -> bool:
    """A parent-funded lab cannot fail while its parent stands behind it: the parent makes
    good a deficit up to a year of its budget (booked as parent funding, so the books still
    balance); a deficit beyond that is one the parent lets fail."""
    backing = lab.parent_budget_usd_per_year * model.funding_multiplier(lab)
    if lab.funding != "parent" or -lab.cash_usd > backing:
        return False
    lab.receive("parent_funding_usd", -lab.cash_usd)
    return True


def check_wake_up(model, lab) -> None:
    """A parent raises its lab's budget once a rival's lead crosses the lab's threshold."""
    thr = lab.params.wake_up_lead_threshold
    if thr is None or lab.woke_up or lab.funding != "parent":
        return
    rival = frontier.best_rival_capability(model, lab)
    # Only a lab with a model of its own can see that it is behind.
    if 0 < lab.capability < rival and (rival - lab.capability) / rival >= thr:
        lab.woke_up = True
        lab.parent_budget_usd_per_year *= lab.params.wake_up_multiplier
        model.events_log.append(
            dict(step=model.k, type="wake_up", lab=lab.name, detail="rival lead")
        )
