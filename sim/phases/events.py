"""Scheduled events of the scenario file that act on labs (MODEL.md, "Scheduled events").

Reads the events due this step. Changes: mergers join two labs (``entry_exit.merge``);
wake-ups multiply a parent's budget; other events (hardware shocks, compute caps, funding
shocks, which act through the exogenous schedules) are only logged when they start.
"""

from __future__ import annotations

from sim.phases import entry_exit


def apply_scheduled(model) -> None:
    # Most steps have no event: checked here, they cost one lookup.
    if model.k not in model._events_by_step:
        return
    for event in model._events_by_step.pop(model.k):
        if event.type == "merger":
            a, b = (model.labs_by_name.get(n) for n in event.labs)
            if a and b and a.active and b.active:
                entry_exit.merge(model, a, b, kind="merger", new_name=event.into)
        elif event.type == "wake_up":
            lab = model.labs_by_name.get(event.lab)
            if lab and lab.active:
                lab.parent_budget_usd_per_year *= event.multiplier
                lab.woke_up = True
                model.events_log.append(
                    dict(step=model.k, type="wake_up", lab=lab.name, detail="scheduled")
                )
        else:
            model.events_log.append(dict(step=model.k, type=event.type, lab="", detail=""))
