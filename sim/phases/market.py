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


class _OnSale:
    """What the market keeps while the products on sale stay the same objects in the same
    labs: their fixed terms as arrays, and the state the market carries from step to step
    (each product's split and markups, which only the market changes while a product is on
    sale). Building it costs ~19 us (18 products x 7 segments, measured); the baseline's 3
    labs change their products in about half the steps, so it is built in those only."""

    __slots__ = (
        "key",
        "labs",
        "products",
        "rows",
        "params",
        "inference_multiplier",
        "open_w",
        "closed",
        "any_open",
        "capability_term",
        "within_reach",
        "split",
        "lerner",
    )

    def __init__(self, model, key, labs, products, counts) -> None:
        seg = model.segments
        m = model.market
        self.key = key
        self.labs = labs  # holds the labs and products whose ids make up the key
        self.products = products
        self.rows = np.repeat(np.arange(len(counts)), counts)
        capability = [p.capability for p in products]
        self.params = np.array([p.params for p in products])
        self.inference_multiplier = np.array([p.inference_multiplier for p in products])
        self.open_w = np.array([p.open_weights for p in products])
        self.closed = ~self.open_w
        self.any_open = bool(self.open_w.any())
        self.capability_term = mkt.capability_utility(np.log(capability), seg)
        self.within_reach = share_of_tasks_within_reach(
            max(capability), m.task_length_median_minutes, m.task_length_sigma_ln
        )
        zeros = np.zeros(len(seg.names))
        self.split = np.array(
            [p.segment_split if p.segment_split is not None else zeros for p in products]
        )
        self.lerner = np.array(
            [[p.lerner for p in products], [p.consumer_lerner for p in products]]
        )


class _Segments:
    """The model's segments as the market clearing uses them: which columns are the
    consumer and the enterprise segments (an index or a slice where they are contiguous, as
    ``make_segments`` orders them: a view, ~0.2 us, where a mask copies in ~1.1, measured)."""

    __slots__ = ("segments", "consumer", "api", "n_consumer", "n_api")

    def __init__(self, seg) -> None:
        self.segments = seg
        self.consumer = _columns(seg.consumer)
        if isinstance(self.consumer, slice) and self.consumer.stop - self.consumer.start == 1:
            self.consumer = self.consumer.start  # one column: its values, not a sum over it
        self.api = _columns(~seg.consumer)
        self.n_consumer = int(seg.consumer.sum())
        self.n_api = len(seg.names) - self.n_consumer


def _columns(mask: np.ndarray):
    """A slice over the True entries of ``mask`` if they are contiguous, else the mask."""
    where = np.flatnonzero(mask)
    if len(where) and where[-1] - where[0] + 1 == len(where):
        return slice(int(where[0]), int(where[-1]) + 1)
    return mask


def _on_sale(model, labs) -> _OnSale | None:
    """The products on sale, from the cache while they are the same objects in the same
    labs (None if nothing is on sale)."""
    products: list = []
    counts = []
    for lab in labs:
        ps = lab.products
        counts.append(len(ps))
        products += ps
    if not products:
        return None
    key = (*map(id, labs), *counts, *map(id, products))
    book = getattr(model, "_on_sale", None)
    if book is None or book.key != key:
        book = model._on_sale = _OnSale(model, key, tuple(labs), products, counts)
    return book


def clear_market(model) -> None:
    m = model.market
    seg = model.segments
    columns = getattr(model, "_segment_columns", None)
    if columns is None or columns.segments is not seg:
        columns = model._segment_columns = _Segments(seg)
    months = model.step_months
    gdp = model.gdp_usd_per_year
    potential = gdp * seg.gdp_share  # per segment, at full adoption
    labs = model.active
    book = _on_sale(model, labs)
    if book is None:
        model.tasks_within_reach_share = share_of_tasks_within_reach(
            0.0, m.task_length_median_minutes, m.task_length_sigma_ln
        )
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
    model.tasks_within_reach_share = book.within_reach
    products = book.products
    consumer = seg.consumer
    rows = book.rows
    any_open = book.any_open
    open_w, closed = book.open_w, book.closed
    # A thinking tier serves inference_multiplier times the compute per task (1 otherwise).
    cost = model.serving_cost(book.params) * book.inference_multiplier
    # Each product has two prices: its API price and its consumer subscription, each with the
    # markup its lab can hold in those segments; hosts sell open weights at cost plus margin.
    prices = mkt.price_from_cost(cost, book.lerner)  # rows: API, consumer
    if any_open:
        prices[:, open_w] = (cost * (1.0 + m.open_weights_host_margin))[open_w]
    api_price = prices[0]
    # ln(price) and cost / price per product and segment, from its two prices.
    ln_price = np.log(prices)
    ln_price = np.where(consumer, ln_price[1][:, None], ln_price[0][:, None])
    cost_share = cost / prices
    cost_share = np.where(consumer, cost_share[1][:, None], cost_share[0][:, None])
    previous = book.split
    # Network effects grow with a product's share of the segment's buyers (its user base).
    choice = mkt.choose(
        None,
        ln_price,
        previous,
        seg,
        m.network_effect,
        open_w if any_open else None,
        book.capability_term,
    )
    split = book.split = mkt.inertial_split(previous, choice.split, m.inertia)
    buying = model.segment_buying = mkt.adopted_share(
        model.segment_buying,
        choice.buying,
        model.dt_years,
        seg.adoption_innovation_per_year,
        m.adoption_imitation_per_year,
    )
    spending = potential * buying  # USD per year, per segment
    product_spend = split * spending  # products x segments, USD per year
    product_total = product_spend.sum(axis=1)
    potential_spending = potential * choice.buying
    model.potential_spending_usd_per_year = float(potential_spending.sum())
    model.spending_usd_per_year = float(spending.sum())
    # Surplus of the customers who buy so far, on the segments' inclusive values.
    adopted = mkt.share_of(buying, choice.buying)
    model.consumer_surplus_usd_per_year = mkt.consumer_surplus_usd_per_year(
        potential_spending * np.minimum(adopted, 1.0), choice.logsum, seg.price_sensitivity
    )

    # Labs: revenue of closed products; open weights earn their hosts, not their publisher.
    n_labs = len(labs)
    users = np.bincount(rows, product_total, n_labs)
    consumer_spend = product_spend[:, columns.consumer]
    # The sum over one column is that column: skipped (~2 us, measured), as the mean below.
    if columns.n_consumer != 1:
        consumer_spend = consumer_spend.sum(axis=1)
    if any_open:
        closed_total = np.where(closed, product_total, 0.0)
        revenue = np.bincount(rows, closed_total, n_labs)
        enterprise = closed_total - np.where(closed, consumer_spend, 0.0)
    else:  # the same sums as above, without masks that change nothing (~3 us, measured)
        closed_total, revenue, enterprise = product_total, users, product_total - consumer_spend
    enterprise = np.bincount(rows, enterprise, n_labs)
    served = (product_spend * cost_share).sum(axis=1)
    serving = np.bincount(rows, np.where(closed, served, 0.0) if any_open else served, n_labs)
    # Each lab's share of each segment's buyers, for each of its products.
    lab_segment = np.zeros((n_labs, split.shape[1]))
    np.add.at(lab_segment, rows, split)
    lab_segment = lab_segment[rows]
    total_users = float(users.sum())
    total_revenue = float(revenue.sum()) if any_open else total_users
    # Next step's markups, from the elasticity each lab faces: the consumer segment for the
    # subscription, the enterprise segments it sells in (by spending) for the API.
    faced = seg.price_sensitivity * (1.0 - lab_segment * buying)
    elasticity = np.empty((2, len(products)))  # rows: API, consumer
    consumer_faced = faced[:, columns.consumer]
    elasticity[1] = consumer_faced if columns.n_consumer == 1 else consumer_faced.sum(axis=1)
    if columns.n_consumer != 1:
        elasticity[1] /= columns.n_consumer  # the mean, as ndarray.mean divides the sum
    api_spend = product_spend[:, columns.api]
    api_weight = api_spend.sum(axis=1)
    api_faced = faced[:, columns.api]
    weighted = (api_faced * api_spend).sum(axis=1)
    if mkt.all_positive(api_weight):  # all sell to enterprises: no masks (~6 us, measured)
        elasticity[0] = weighted / api_weight
    else:
        elasticity[0] = np.where(
            api_weight > 0,
            weighted / np.where(api_weight > 0, api_weight, 1.0),
            api_faced.sum(axis=1) / columns.n_api,
        )
    lerner = book.lerner = mkt.lerner_index(elasticity, m.max_lerner)
    user_share = (product_total / total_users if total_users > 0 else product_total).tolist()
    if any_open:
        revenue_share = (
            closed_total / total_revenue if total_revenue > 0 else closed_total
        ).tolist()
    else:
        revenue_share = user_share
    api_prices = api_price.tolist()
    for p, sp, pr, us, rs, la, lc, c in zip(
        products,
        split,
        api_prices,
        user_share,
        revenue_share,
        lerner[0].tolist(),
        lerner[1].tolist(),
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
    user_shares = (users / total_users if total_users > 0 else users).tolist()
    dt = model.dt_years
    for lab, u, r, e, sv in zip(
        labs,
        user_shares,
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
    margin = product_spend * (1.0 - cost_share)
    margin = (margin[closed] if any_open else margin).sum()
    model.lerner_revenue_weighted = float(margin / total_revenue) if total_revenue > 0 else math.nan
    model.hhi_users = conc.hhi(user_shares) if total_users > 0 else math.nan
    # Added one by one, as numpy floats add: sum() of Python floats compensates (Python 3.12).
    open_users = 0.0
    for lab, u in zip(labs, user_shares, strict=True):
        if lab.openness >= 1.0:
            open_users += u
    model.open_weights_user_share = float(open_users) if total_users > 0 else math.nan
