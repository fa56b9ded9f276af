"""Market clearing: every customer segment chooses among the products on sale (MODEL.md,
"Products and market").

Reads the products on sale (capability, serving cost, last price markup, last split of each
segment), the segments, world GDP and the buying share each segment has adopted. Changes:
each product's price, split and shares; each lab's user share, price, revenue and serving bill
(booked through ``Lab.sell``); the segments' buying shares; and the market's measures on the
model (potential and realised spending, consumer surplus, Lerner index, HHI over users,
open-weights share, share of tasks within reach).
"""

from __future__ import annotations

import math

import numpy as np

from sim.economics import concentration as conc
from sim.economics import market as mkt
from sim.economics.capability import share_of_tasks_within_reach


def clear_market(model) -> None:
    m = model.market
    seg = model.segments
    months = model.step_months
    gdp = model.gdp_usd_per_year
    potential = gdp * seg.gdp_share  # per segment, at full adoption
    products = model.products
    labs = model.active
    best = max((p.capability for p in products), default=0.0)
    model.tasks_within_reach_share = share_of_tasks_within_reach(
        best, m.task_length_median_minutes, m.task_length_sigma_ln
    )
    if not products:
        model.potential_spending_usd_per_year = 0.0
        model.spending_usd_per_year = float((potential * model.segment_buying).sum())
        model.consumer_surplus_usd_per_year = 0.0
        model.lerner_revenue_weighted = math.nan
        model.hhi_users = math.nan
        model.open_weights_user_share = math.nan
        for lab in labs:
            lab.enterprise_revenue_usd = 0.0
            lab.sell(0.0, math.nan, 0.0, 0.0, months)
        return
    n_seg = len(seg.names)
    cost = np.array([model.serving_cost(p.params) for p in products])
    # Each product has two prices: its consumer subscription and its API price, each with the
    # markup its lab can hold in those segments; hosts sell open weights at cost plus margin.
    host = 1.0 + m.open_weights_host_margin
    consumer_price = np.array(
        [
            c * host if p.open_weights else mkt.price_from_cost(c, p.consumer_lerner)
            for p, c in zip(products, cost, strict=True)
        ]
    )
    api_price = np.array(
        [
            c * host if p.open_weights else mkt.price_from_cost(c, p.lerner)
            for p, c in zip(products, cost, strict=True)
        ]
    )
    price = np.where(seg.consumer, consumer_price[:, None], api_price[:, None])
    previous = np.array(
        [p.segment_split if p.segment_split is not None else np.zeros(n_seg) for p in products]
    )
    # Network effects grow with a product's share of the segment's buyers (its user base).
    installed = previous
    choice = mkt.choose(
        np.log([p.capability for p in products]),
        np.log(price),
        installed,
        seg,
        m.network_effect,
        np.array([p.open_weights for p in products]),
    )
    split = mkt.inertial_split(previous, choice.split, m.inertia)
    model.segment_buying = mkt.adopted_share(
        model.segment_buying,
        choice.buying,
        model.dt_years,
        m.adoption_innovation_per_year,
        m.adoption_imitation_per_year,
    )
    spending = potential * model.segment_buying  # USD per year, per segment
    product_spend = split * spending  # products x segments, USD per year
    product_total = product_spend.sum(axis=1)
    total_spend = float(spending.sum())
    model.potential_spending_usd_per_year = float((potential * choice.buying).sum())
    model.spending_usd_per_year = total_spend
    # Surplus of the customers who buy so far, on the segments' inclusive values.
    adopted = np.divide(
        model.segment_buying, choice.buying, out=np.zeros(n_seg), where=choice.buying > 0
    )
    model.consumer_surplus_usd_per_year = mkt.consumer_surplus_usd_per_year(
        potential * choice.buying * np.minimum(adopted, 1.0), choice.logsum, seg.price_sensitivity
    )

    # Labs: revenue of closed products; open weights earn their hosts, not their publisher.
    owner = {id(p): lab for lab in labs for p in lab.products}
    lab_index = {id(lab): i for i, lab in enumerate(labs)}
    n_labs = len(labs)
    users = np.zeros(n_labs)
    revenue = np.zeros(n_labs)
    enterprise = np.zeros(n_labs)
    serving = np.zeros(n_labs)
    lab_segment = np.zeros((n_labs, n_seg))  # each lab's share of each segment's buyers
    rows = [lab_index[id(owner[id(p)])] for p in products]
    for j, p in enumerate(products):
        i = rows[j]
        lab_segment[i] += split[j]
        users[i] += product_total[j]
        if not p.open_weights:
            revenue[i] += product_total[j]
            enterprise[i] += product_total[j] - product_spend[j, 0]
            serving[i] += float((product_spend[j] * cost[j] / price[j]).sum())
    total_revenue = float(revenue.sum())
    total_users = users.sum()
    dt = model.dt_years
    for j, p in enumerate(products):
        p.segment_split = split[j]
        p.price_per_mtok_usd = float(api_price[j])
        p.user_share = float(product_total[j] / total_users) if total_users > 0 else 0.0
        p.revenue_share = (
            float(product_total[j] / total_revenue)
            if total_revenue > 0 and not p.open_weights
            else 0.0
        )
        # Next step's markups, from the elasticity its lab faces: the consumer segment for
        # the subscription, the enterprise segments it sells in (by spending) for the API.
        faced = seg.price_sensitivity * (1.0 - lab_segment[rows[j]] * model.segment_buying)
        p.consumer_lerner = mkt.lerner_index(float(faced[seg.consumer].mean()), m.max_lerner)
        api = product_spend[j][~seg.consumer]
        api_faced = faced[~seg.consumer]
        elasticity = (
            float((api_faced * api).sum() / api.sum()) if api.sum() > 0 else float(api_faced.mean())
        )
        p.lerner = mkt.lerner_index(elasticity, m.max_lerner)
    user_shares = users / total_users if total_users > 0 else users
    for i, lab in enumerate(labs):
        best_product = lab.deployed
        lab.enterprise_revenue_usd = float(enterprise[i]) * dt
        lab.sell(
            float(user_shares[i]),
            best_product.price_per_mtok_usd if best_product is not None else math.nan,
            float(revenue[i]) * dt,
            float(serving[i]) * dt,
            months,
        )
    closed = ~np.array([p.open_weights for p in products])
    margin = (product_spend * (1.0 - cost[:, None] / price))[closed].sum()
    model.lerner_revenue_weighted = float(margin / total_revenue) if total_revenue > 0 else math.nan
    model.hhi_users = conc.hhi(user_shares.tolist()) if total_spend > 0 else math.nan
    open_users = sum(u for lab, u in zip(labs, user_shares, strict=True) if lab.openness >= 1.0)
    model.open_weights_user_share = float(open_users) if total_spend > 0 else math.nan
