"""Market clearing: customers choose among the labs' products (MODEL.md, "Products and
market").

Reads each active lab's product (capability, serving cost), its last user share and its
openness; the market parameters; the date. Changes: each lab's user share, price, revenue and
serving bill (booked through ``Lab.sell``), and the model's potential spending.
"""

from __future__ import annotations

import math

from sim.economics import market as mkt


def clear_market(model) -> None:
    labs = model.active
    model.potential_spending_usd_per_year = 0.0
    if not labs:
        return
    m = model.market
    sensitivity, max_lerner = m.price_sensitivity, m.max_lerner
    cap, prev, lerner, price = [], [], [], []
    best_cap = 0.0
    for lab in labs:
        deployed, share = lab.deployed, lab.market_share
        # Open weights price at serving cost.
        ler = 0.0 if lab.openness >= 1.0 else mkt.lerner_index(share, sensitivity, max_lerner)
        prev.append(share)
        lerner.append(ler)
        if deployed is None:
            cap.append(0.0)
            price.append(math.inf)
        else:
            c = deployed.capability
            cap.append(c)
            if c > best_cap:
                best_cap = c
            price.append(mkt.price_from_cost(model.serving_cost(deployed.params), ler))
    target = mkt.logit_shares(
        cap, price, m.capability_preference, m.price_sensitivity, prev, m.network_effect
    )
    shares = mkt.inertial_shares(prev, target, m.inertia) if sum(prev) > 0 else target
    w = mkt.potential_spending_usd_per_year(
        m.spending_start_usd_per_year,
        m.spending_growth_per_year,
        model.year_at(model.k) - model.t0,
        best_cap,
        m.reference_capability,
        m.capability_exponent,
        m.max_spending_usd_per_year,
    )
    model.potential_spending_usd_per_year = w
    spend = w * model.dt_years
    months = model.step_months
    for lab, share, ler, p, c in zip(labs, shares, lerner, price, cap, strict=True):
        # Customers of open weights pay whoever hosts them, at serving cost: the outside
        # option of MODEL.md. The lab that released the weights earns nothing from them.
        revenue = 0.0 if lab.openness >= 1.0 else share * spend
        lab.sell(share, p if c > 0 else math.nan, revenue, revenue * (1.0 - ler), months)
