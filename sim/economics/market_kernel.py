"""The market clearing's array work compiled with numba: the same numbers as the functions of
``sim.economics.market`` (the documented, unit-tested reference) and the sums of
``sim.phases.market``, in four loops instead of about 110 small numpy calls a step.

Same numbers means bit for bit: every element is computed by the same IEEE operations in the
same order as numpy does them (no fastmath, so no reassociation or fused multiply-adds), sums
add in numpy's order (``sim.economics.ordered_sums``), and exp and log stay numpy's own:
numpy's vectorised exp and log differ from the C library's that compiled code calls in the
last bit of a few per cent of values (measured on AVX-512), so the clearing stops between
kernels for one ``np.exp`` or ``np.log`` on the arrays that need it.
``tests/test_market_kernel.py`` checks the kernels against the reference functions.

The clearing, in the order ``sim.phases.market.clear_market`` calls it:

1. ``prices``: each product's serving cost and its API and consumer prices; then ``np.log``.
2. ``utilities``: each product's utility in each segment less the segment's largest (or 0,
   the outside option's), and the outside option's; then ``np.exp``.
3. ``choices``: the logit's shares, the inertial split, the buying shares and the Bass
   diffusion's exponent; then ``np.log`` of the logit's totals and ``np.exp`` of the exponents.
4. ``settle``: spending, consumer surplus, each lab's sums and next step's markups.

Compiled on first use (a few seconds) and cached in ``__pycache__`` (``cache=True``); numba
is imported by the first market clearing, not by ``labsim --help``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.economics.ordered_sums import gather_total, pairwise, total

# Indices of the rows of ``settle``'s per-product and per-lab outputs.
API_PRICE, USER_SHARE, REVENUE_SHARE, LERNER_API, LERNER_CONSUMER, COST = range(6)
LAB_USER_SHARE, LAB_REVENUE, LAB_ENTERPRISE, LAB_SERVING = range(4)
# ... and of its scalars.
POTENTIAL, SPENDING, SURPLUS, LERNER_WEIGHTED, TOTAL_USERS = range(5)


@njit(cache=True)
def prices(
    params, inference_multiplier, flop_per_usd, serving_utilization, lerner, open_w, host_margin
):
    """Serving cost per product (USD per million tokens, ``model.serving_cost`` times the
    tier's inference multiplier) and prices (rows: API, consumer; ``mkt.price_from_cost``),
    open weights at cost plus the hosts' margin."""
    n = params.shape[0]
    cost = np.empty(n)
    price = np.empty((2, n))
    denominator = flop_per_usd * serving_utilization
    host = 1.0 + host_margin
    for p in range(n):
        c = 2.0 * params[p] * 1e6 / denominator * inference_multiplier[p]
        cost[p] = c
        if open_w[p]:
            price[0, p] = c * host
            price[1, p] = c * host
        else:
            price[0, p] = c / (1.0 - lerner[0, p])
            price[1, p] = c / (1.0 - lerner[1, p])
    return cost, price


@njit(cache=True)
def utilities(
    ln_price,
    capability_term,
    installed,
    consumer,
    price_sensitivity,
    ln_reference_price,
    network_effect,
    open_w,
    any_open,
):
    """Rows 0..P-1: each product's utility in each segment (``mkt.choose``) less the
    segment's top (its largest utility, or the outside option's 0); row P: less the top, the
    outside option's; and the tops. Open weights are not offered in consumer segments."""
    n, k = capability_term.shape
    out = np.empty((n + 1, k))
    tops = np.empty(k)
    for s in range(k):
        row = 1 if consumer[s] else 0
        top = -np.inf
        for p in range(n):
            if any_open and open_w[p] and consumer[s]:
                u = -np.inf
            else:
                u = (
                    capability_term[p, s]
                    - price_sensitivity[s] * (ln_price[row, p] - ln_reference_price[s])
                ) + network_effect * installed[p, s]
            out[p, s] = u
            # numpy's maximum: the first if it is >= the second or NaN
            if not (top >= u or math.isnan(top)):
                top = u
        if not (top >= 0.0 or math.isnan(top)):
            top = 0.0
        for p in range(n):
            out[p, s] -= top
        out[n, s] = -top
        tops[s] = top
    return out, tops


@njit(cache=True)
def choices(
    weights, previous, inertia, buying, step_years, innovation_per_year, imitation_per_year
):
    """From exp(utility - top) (``utilities`` after ``np.exp``): the split among products
    after inertia (``mkt.inertial_split``), the share of each segment that would buy, and the
    rows [the logit's total, the exponent of ``mkt.adopted_share``'s step] (per segment:
    ``inertia`` and the Bass p, ``innovation_per_year``)."""
    n1, k = weights.shape
    n = n1 - 1
    split = np.empty((n, k))
    would_buy = np.empty(k)
    out = np.empty((2, k))
    for s in range(k):
        keep = 1.0 - inertia[s]
        inside = 0.0
        for p in range(n):
            inside += weights[p, s]
        total = inside + weights[n, s]
        would_buy[s] = inside / total
        column = 0.0
        for p in range(n):
            target = weights[p, s] / inside if inside > 0 else 0.0
            split[p, s] = inertia[s] * previous[p, s] + keep * target
            column += split[p, s]
        for p in range(n):
            if column > 0:
                split[p, s] /= column
            else:  # nobody chooses: the target itself
                split[p, s] = weights[p, s] / inside if inside > 0 else 0.0
        progress = buying[s] / would_buy[s] if would_buy[s] > 0 else 1.0
        if progress > 1.0:
            progress = 1.0
        rate = innovation_per_year[s] + imitation_per_year * progress
        out[0, s] = total
        out[1, s] = -rate * step_years
    return split, would_buy, out


@njit(cache=True)
def settle(
    split,
    would_buy,
    buying,
    decay,
    ln_total,
    top,
    cost,
    price,
    gdp_usd_per_year,
    gdp_share,
    consumer,
    consumer_columns,
    api_columns,
    price_sensitivity,
    rows,
    n_labs,
    open_w,
    any_open,
    max_lerner,
):
    """Everything the clearing writes, from the new split and the logit's results
    (``decay``: exp of the Bass exponent; ``ln_total``: log of the logit's totals; ``top``:
    the utilities' tops). Returns the new buying shares, per product rows (API_PRICE...COST),
    per lab rows (LAB_USER_SHARE...LAB_SERVING) and scalars (POTENTIAL...TOTAL_USERS)."""
    n, k = split.shape
    n_consumer = consumer_columns.shape[0]
    n_api = api_columns.shape[0]
    scratch = np.empty(k)
    new_buying = np.empty(k)
    spending = np.empty(k)
    potential_spending = np.empty(k)
    surplus = np.empty(k)
    for s in range(k):
        b = buying[s] + (would_buy[s] - buying[s]) * (1.0 - decay[s])
        new_buying[s] = b
        potential = gdp_usd_per_year * gdp_share[s]
        spending[s] = potential * b
        potential_spending[s] = potential * would_buy[s]
        adopted = b / would_buy[s] if would_buy[s] > 0 else 0.0
        if adopted > 1.0:
            adopted = 1.0
        surplus[s] = potential_spending[s] * adopted * (top[s] + ln_total[s]) / price_sensitivity[s]
    spend = np.empty((n, k))
    margin = np.empty((n, k))
    product_total = np.empty(n)
    closed_total = np.empty(n)
    enterprise_p = np.empty(n)
    served_p = np.empty(n)
    lab = np.zeros((4, n_labs))
    lab_segment = np.zeros((n_labs, k))
    n_closed = 0
    row = np.empty(k)
    for p in range(n):
        closed = not (any_open and open_w[p])
        for s in range(k):
            row[s] = split[p, s] * spending[s]
            spend[p, s] = row[s]
        product_total[p] = total(row, k)
        if n_consumer == 1:  # the column itself, not a sum over it
            consumer_spend = row[consumer_columns[0]]
        else:
            consumer_spend = gather_total(row, consumer_columns, scratch)
        closed_total[p] = product_total[p] if closed else 0.0
        enterprise_p[p] = product_total[p] - consumer_spend if closed else 0.0
        for s in range(k):
            share = cost[p] / (price[1, p] if consumer[s] else price[0, p])
            scratch[s] = row[s] * share
            if closed:
                margin[n_closed, s] = row[s] * (1.0 - share)
        served_p[p] = total(scratch, k) if closed else 0.0
        if closed:
            n_closed += 1
    for p in range(n):
        r = rows[p]
        lab[LAB_USER_SHARE, r] += product_total[p]
        lab[LAB_REVENUE, r] += closed_total[p]
        lab[LAB_ENTERPRISE, r] += enterprise_p[p]
        lab[LAB_SERVING, r] += served_p[p]
        for s in range(k):
            lab_segment[r, s] += split[p, s]
    total_users = total(lab[LAB_USER_SHARE], n_labs)
    total_revenue = total(lab[LAB_REVENUE], n_labs) if any_open else total_users
    # Next step's markups, from the elasticity each lab faces (see clear_market).
    out = np.empty((6, n))
    faced = np.empty(k)
    for p in range(n):
        r = rows[p]
        for s in range(k):
            faced[s] = price_sensitivity[s] * (1.0 - lab_segment[r, s] * new_buying[s])
        if n_consumer == 1:
            e_consumer = faced[consumer_columns[0]]
        else:
            e_consumer = gather_total(faced, consumer_columns, scratch) / n_consumer
        for j in range(n_api):
            scratch[j] = spend[p, api_columns[j]]
        api_weight = total(scratch, n_api)
        for j in range(n_api):
            scratch[j] = faced[api_columns[j]] * spend[p, api_columns[j]]
        weighted = total(scratch, n_api)
        if api_weight > 0:
            e_api = weighted / api_weight
        else:
            e_api = gather_total(faced, api_columns, scratch) / n_api
        out[LERNER_API, p] = 1.0 / e_api if e_api * max_lerner > 1.0 else max_lerner
        out[LERNER_CONSUMER, p] = 1.0 / e_consumer if e_consumer * max_lerner > 1.0 else max_lerner
        out[API_PRICE, p] = price[0, p]
        out[COST, p] = cost[p]
        out[USER_SHARE, p] = product_total[p] / total_users if total_users > 0 else product_total[p]
        if any_open:
            out[REVENUE_SHARE, p] = (
                closed_total[p] / total_revenue if total_revenue > 0 else closed_total[p]
            )
        else:
            out[REVENUE_SHARE, p] = out[USER_SHARE, p]
    if total_users > 0:
        for r in range(n_labs):
            lab[LAB_USER_SHARE, r] /= total_users
    margin_total = 0.0 + pairwise(margin.reshape(n * k), 0, n_closed * k)
    scalars = np.empty(5)
    scalars[POTENTIAL] = total(potential_spending, k)
    scalars[SPENDING] = total(spending, k)
    scalars[SURPLUS] = total(surplus, k)
    scalars[LERNER_WEIGHTED] = margin_total / total_revenue if total_revenue > 0 else np.nan
    scalars[TOTAL_USERS] = total_users
    return new_buying, out, lab, scalars


class Cleared(NamedTuple):
    """What a market clearing writes (see ``settle`` for the rows)."""

    split: np.ndarray  # products x segments: shares of each segment's buyers
    buying: np.ndarray  # segments: share of customers who buy
    per_product: np.ndarray  # rows API_PRICE ... COST, one column per product
    per_lab: np.ndarray  # rows LAB_USER_SHARE ... LAB_SERVING, one column per lab
    totals: np.ndarray  # POTENTIAL ... TOTAL_USERS


def clear(
    params: np.ndarray,
    inference_multiplier: np.ndarray,
    lerner: np.ndarray,
    open_w: np.ndarray,
    any_open: bool,
    capability_term: np.ndarray,
    split: np.ndarray,
    rows: np.ndarray,
    n_labs: int,
    buying: np.ndarray,
    segments,
    market,
    gdp_usd_per_year: float,
    step_years: float,
    flop_per_usd: float,
    serving_utilization: float,
) -> Cleared:
    """One market clearing (the kernels in order, with numpy's exp and log between them).

    Per product: ``params``, ``inference_multiplier``, ``lerner`` (rows: API, consumer; last
    step's), ``open_w`` (nonzero for open weights), ``capability_term``
    (``mkt.capability_utility``), ``split``
    (last step's) and ``rows`` (its lab's index among ``n_labs``); per segment: ``buying``
    (last step's); ``segments`` (``mkt.Segments``);
    ``market`` (``sim.params.MarketParams``); serving hardware in FLOP per USD and its
    utilisation."""
    cost, price = prices(
        params,
        inference_multiplier,
        flop_per_usd,
        serving_utilization,
        lerner,
        open_w,
        float(market.open_weights_host_margin),
    )
    shifted, top = utilities(
        np.log(price),
        capability_term,
        split,
        segments.consumer,
        segments.price_sensitivity,
        segments.ln_reference_price,
        float(market.network_effect),
        open_w,
        any_open,
    )
    new_split, would_buy, logit = choices(
        np.exp(shifted),
        split,
        segments.inertia,
        buying,
        step_years,
        segments.adoption_innovation_per_year,
        float(market.adoption_imitation_per_year),
    )
    new_buying, per_product, per_lab, totals = settle(
        new_split,
        would_buy,
        buying,
        np.exp(logit[1]),
        np.log(logit[0]),
        top,
        cost,
        price,
        gdp_usd_per_year,
        segments.gdp_share,
        segments.consumer,
        segments.consumer_columns,
        segments.api_columns,
        segments.price_sensitivity,
        rows,
        n_labs,
        open_w,
        any_open,
        float(market.max_lerner),
    )
    return Cleared(new_split, new_buying, per_product, per_lab, totals)
