"""Market clearing: every customer segment chooses among the products on sale (MODEL.md,
"Products and market").

Reads the book of products on sale (``sim.phases.product_book``: capability, serving cost,
last markups, last split of each segment), the segments, world GDP and the buying share each
segment has adopted. Changes: each product's prices, split and shares (in the book); each
lab's user share, price, revenue and serving bill (booked through ``Lab.sell``); the segments'
buying shares; and the market's measures on the model (potential and realised spending,
consumer surplus, Lerner index, HHI over users, open-weights share, share of tasks within
reach).
"""

from __future__ import annotations

import math

from sim.economics import compiled
from sim.economics import concentration as conc
from sim.economics.capability import share_of_tasks_within_reach
from sim.phases import product_book


def on_sale(model, labs) -> product_book.ProductBook | None:
    """The book of the products on sale (None if nothing is): the last one while the labs and
    their lists of products are the same objects, else a new one built from it."""
    lists = tuple(lab.products for lab in labs)
    book = model.on_sale
    if book is not None and book.is_for(labs, lists):
        return book
    book = model.on_sale = product_book.build(model, tuple(labs), lists, book)
    return book


def clear_market(model) -> None:
    m = model.market
    seg = model.segments
    months = model.step_months
    labs = model.active
    book = on_sale(model, labs)
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
    kernel = compiled.kernel("market_kernel")
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
    book.cleared = per_product
    potential, spending, surplus, lerner_weighted, total_users = totals.tolist()
    model.potential_spending_usd_per_year = potential
    model.spending_usd_per_year = spending
    model.consumer_surplus_usd_per_year = surplus
    # Each lab's price is its most capable product's API price (NaN if it sells nothing).
    api_prices = per_product[kernel.API_PRICE].tolist()
    lab_prices = [api_prices[r] if r >= 0 else math.nan for r in book.deployed]
    user_shares, revenue, enterprise, serving = per_lab.tolist()
    dt = model.dt_years
    for lab, u, pr, r, e, sv in zip(
        labs, user_shares, lab_prices, revenue, enterprise, serving, strict=True
    ):
        lab.enterprise_revenue_usd = e * dt
        lab.sell(u, pr, r * dt, sv * dt, months)
    model.lerner_revenue_weighted = lerner_weighted
    model.hhi_users = conc.hhi(user_shares) if total_users > 0 else math.nan
    # Added one by one, as numpy floats add: sum() of Python floats compensates (Python 3.12).
    open_users = 0.0
    for lab, u in zip(labs, user_shares, strict=True):
        if lab.openness >= 1.0:
            open_users += u
    model.open_weights_user_share = float(open_users) if total_users > 0 else math.nan


def rescale_user_shares(model, labs, total: float) -> None:
    """Divide the user shares the last clearing gave ``labs``' products by ``total``: a lab
    left after the clearing and its users spread over the others."""
    book = model.on_sale
    if book is None or book.cleared is None:
        return
    rows = book.rows_for([lab.products for lab in labs])
    book.cleared[compiled.kernel("market_kernel").USER_SHARE, rows] /= total
