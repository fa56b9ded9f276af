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
        "any_open",
        "capability_term",
        "within_reach",
        "split",
        "lerner",
    )

    def __init__(self, model, key, labs, products, counts) -> None:
        seg = model.segments
        m = model.market
        kernel = _kernel()
        self.key = key
        self.labs = labs  # the labs and their lists of products, whose ids make up the key
        self.products = products
        self.rows = np.repeat(np.arange(len(counts)), counts)
        capability = [p.capability for p in products]
        self.params = np.array([p.params for p in products], dtype=float)
        self.inference_multiplier = np.array(
            [p.inference_multiplier for p in products], dtype=float
        )
        self.open_w = np.array([p.open_weights for p in products], dtype=bool)
        self.any_open = bool(self.open_w.any())
        self.capability_term = kernel.capability_terms(
            np.log(capability),
            seg.ln_need_minutes,
            seg.capability_preference,
            float(seg.shortfall_penalty),
        )
        self.within_reach = share_of_tasks_within_reach(
            max(capability), m.task_length_median_minutes, m.task_length_sigma_ln
        )
        zeros = np.zeros(len(seg.names))
        # concatenate, not np.array: ~4 us instead of ~6 for 60 rows (measured)
        self.split = np.concatenate(
            [p.segment_split if p.segment_split is not None else zeros for p in products]
        ).reshape(len(products), len(zeros))
        self.lerner = np.array(
            [[p.lerner for p in products], [p.consumer_lerner for p in products]]
        )


def _kernel():
    """sim.economics.market_kernel, imported on first use: importing numba takes ~0.2 s, which
    commands that never clear a market (``labsim --help``, validation) should not pay."""
    global _market_kernel
    if _market_kernel is None:
        from sim.economics import market_kernel

        _market_kernel = market_kernel
    return _market_kernel


_market_kernel = None


def _on_sale(model, labs) -> _OnSale | None:
    """The products on sale, from the cache while the labs and their lists of products are
    the same objects (a lab replaces its list whenever its releases change; None if nothing
    is on sale)."""
    lists = tuple(lab.products for lab in labs)
    # ids of the labs and their lists, not of every product: ~2 us a step instead of ~5 with
    # 60 products (measured); the book holds both, so no id is reused while it is the cache.
    key = (*map(id, labs), *map(id, lists))
    book = getattr(model, "_on_sale", None)
    if book is not None and book.key == key:
        return book
    products: list = []
    for ps in lists:
        products += ps
    if not products:
        return None
    book = model._on_sale = _OnSale(
        model, key, (tuple(labs), lists), products, list(map(len, lists))
    )
    return book


def clear_market(model) -> None:
    m = model.market
    seg = model.segments
    months = model.step_months
    labs = model.active
    book = _on_sale(model, labs)
    if book is None:
        model.tasks_within_reach_share = share_of_tasks_within_reach(
            0.0, m.task_length_median_minutes, m.task_length_sigma_ln
        )
        model.potential_spending_usd_per_year = 0.0
        potential = model.gdp_usd_per_year * seg.gdp_share  # per segment, at full adoption
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
    kernel = _kernel()
    products = book.products
    # A thinking tier serves inference_multiplier times the compute per task (1 otherwise).
    # Each product has two prices: its API price and its consumer subscription, each with the
    # markup its lab can hold in those segments; hosts sell open weights at cost plus margin.
    # Each segment chooses by its logit (network effects grow with a product's share of its
    # buyers); labs' revenue counts closed products only (open weights earn their hosts); next
    # step's markups follow the elasticity each lab faces: the consumer segment for the
    # subscription, the enterprise segments it sells in (by spending) for the API.
    split, buying, per_product, per_lab, totals = kernel.clear(
        book.params,
        book.inference_multiplier,
        book.lerner,
        book.open_w,
        book.any_open,
        book.capability_term,
        book.split,
        book.rows,
        len(labs),
        model.segment_buying,
        seg,
        m,
        model.gdp_usd_per_year,
        model.dt_years,
        model.flop_per_usd_serving,
        model.hw.serving_utilization,
    )
    book.split = split
    model.segment_buying = buying
    book.lerner = per_product[kernel.LERNER_API : kernel.LERNER_CONSUMER + 1]
    potential, spending, surplus, lerner_weighted, total_users = totals.tolist()
    model.potential_spending_usd_per_year = potential
    model.spending_usd_per_year = spending
    model.consumer_surplus_usd_per_year = surplus
    for p, sp, pr, us, rs, la, lc, c in zip(products, split, *per_product.tolist(), strict=True):
        p.segment_split = sp
        p.price_per_mtok_usd = pr
        p.user_share = us
        p.revenue_share = rs
        p.lerner = la
        p.consumer_lerner = lc
        p.serving_cost_now = c
    user_shares, revenue, enterprise, serving = per_lab.tolist()
    dt = model.dt_years
    for lab, u, r, e, sv in zip(labs, user_shares, revenue, enterprise, serving, strict=True):
        best_product = lab.deployed
        lab.enterprise_revenue_usd = e * dt
        lab.sell(
            u,
            best_product.price_per_mtok_usd if best_product is not None else math.nan,
            r * dt,
            sv * dt,
            months,
        )
    model.lerner_revenue_weighted = lerner_weighted
    model.hhi_users = conc.hhi(user_shares) if total_users > 0 else math.nan
    # Added one by one, as numpy floats add: sum() of Python floats compensates (Python 3.12).
    open_users = 0.0
    for lab, u in zip(labs, user_shares, strict=True):
        if lab.openness >= 1.0:
            open_users += u
    model.open_weights_user_share = float(open_users) if total_users > 0 else math.nan
