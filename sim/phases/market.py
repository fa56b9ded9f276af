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
    labs = model.active
    products = [p for lab in labs for p in lab.products]  # in the order of the arrays below
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
    consumer = seg.consumer
    # One pass over the products for what they are; the rest is arrays (products x segments).
    params, capability, open_w, lerner_api, lerner_consumer, previous, owners = (
        [] for _ in range(7)
    )
    for i, lab in enumerate(labs):
        for p in lab.products:
            params.append(p.params)
            capability.append(p.capability)
            open_w.append(p.open_weights)
            lerner_api.append(p.lerner)
            lerner_consumer.append(p.consumer_lerner)
            previous.append(p.segment_split if p.segment_split is not None else np.zeros(n_seg))
            owners.append(i)
    rows = np.array(owners)
    open_w = np.array(open_w)
    closed = ~open_w
    # A thinking tier serves inference_multiplier times the compute per task (1 otherwise).
    cost = model.serving_cost(np.array(params)) * np.array(
        [p.inference_multiplier for p in products]
    )
    # Each product has two prices: its consumer subscription and its API price, each with the
    # markup its lab can hold in those segments; hosts sell open weights at cost plus margin.
    host = 1.0 + m.open_weights_host_margin
    api_price = np.where(open_w, cost * host, mkt.price_from_cost(cost, np.array(lerner_api)))
    consumer_price = np.where(
        open_w, cost * host, mkt.price_from_cost(cost, np.array(lerner_consumer))
    )
    price = np.where(consumer, consumer_price[:, None], api_price[:, None])
    previous = np.array(previous)
    # Network effects grow with a product's share of the segment's buyers (its user base).
    choice = mkt.choose(np.log(capability), np.log(price), previous, seg, m.network_effect, open_w)
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
    model.potential_spending_usd_per_year = float((potential * choice.buying).sum())
    model.spending_usd_per_year = float(spending.sum())
    # Surplus of the customers who buy so far, on the segments' inclusive values.
    adopted = np.divide(
        model.segment_buying, choice.buying, out=np.zeros(n_seg), where=choice.buying > 0
    )
    model.consumer_surplus_usd_per_year = mkt.consumer_surplus_usd_per_year(
        potential * choice.buying * np.minimum(adopted, 1.0), choice.logsum, seg.price_sensitivity
    )

    # Labs: revenue of closed products; open weights earn their hosts, not their publisher.
    n_labs = len(labs)
    users = np.bincount(rows, product_total, n_labs)
    closed_total = np.where(closed, product_total, 0.0)
    revenue = np.bincount(rows, closed_total, n_labs)
    enterprise = np.bincount(
        rows, closed_total - np.where(closed, product_spend[:, consumer].sum(axis=1), 0.0), n_labs
    )
    served = (product_spend * (cost[:, None] / price)).sum(axis=1)
    serving = np.bincount(rows, np.where(closed, served, 0.0), n_labs)
    lab_segment = np.zeros((n_labs, n_seg))  # each lab's share of each segment's buyers
    np.add.at(lab_segment, rows, split)
    total_revenue = float(revenue.sum())
    total_users = float(users.sum())
    # Next step's markups, from the elasticity each lab faces: the consumer segment for the
    # subscription, the enterprise segments it sells in (by spending) for the API.
    faced = seg.price_sensitivity * (1.0 - lab_segment[rows] * model.segment_buying)
    consumer_elasticity = faced[:, consumer].mean(axis=1)
    api_spend = product_spend[:, ~consumer]
    api_weight = api_spend.sum(axis=1)
    api_faced = faced[:, ~consumer]
    api_elasticity = np.where(
        api_weight > 0,
        (api_faced * api_spend).sum(axis=1) / np.where(api_weight > 0, api_weight, 1.0),
        api_faced.mean(axis=1),
    )
    new_api = mkt.lerner_index(api_elasticity, m.max_lerner)
    new_consumer = mkt.lerner_index(consumer_elasticity, m.max_lerner)
    user_share = product_total / total_users if total_users > 0 else product_total
    revenue_share = closed_total / total_revenue if total_revenue > 0 else closed_total
    for p, sp, pr, us, rs, la, lc, c in zip(
        products,
        split,
        api_price.tolist(),
        user_share.tolist(),
        revenue_share.tolist(),
        new_api.tolist(),
        new_consumer.tolist(),
        cost.tolist(),
        strict=True,
    ):
        p.segment_split = sp
        p.price_per_mtok_usd = pr
        p.user_share = us
        p.revenue_share = rs
        p.lerner = la
        p.consumer_lerner = lc
        p.serving_cost_now = c
    user_shares = users / total_users if total_users > 0 else users
    dt = model.dt_years
    for lab, u, r, e, sv in zip(
        labs,
        user_shares.tolist(),
        revenue.tolist(),
        enterprise.tolist(),
        serving.tolist(),
        strict=True,
    ):
        best_product = lab.deployed
        lab.enterprise_revenue_usd = e * dt
        lab.sell(
            u,
            best_product.price_per_mtok_usd if best_product is not None else math.nan,
            r * dt,
            sv * dt,
            months,
        )
    margin = (product_spend * (1.0 - cost[:, None] / price))[closed].sum()
    model.lerner_revenue_weighted = float(margin / total_revenue) if total_revenue > 0 else math.nan
    model.hhi_users = conc.hhi(user_shares.tolist()) if total_users > 0 else math.nan
    open_users = sum(u for lab, u in zip(labs, user_shares, strict=True) if lab.openness >= 1.0)
    model.open_weights_user_share = float(open_users) if total_users > 0 else math.nan
