"""Demand from the economy, customer segments, and prices (MODEL.md, "Products and market").

Each segment (consumers; enterprises by the length of the tasks they buy for) chooses among the
products on sale by a multinomial logit with an outside option (not buying; Berry 1994):

    u_ps = beta_c,s * ln(h_p / need_s) + (penalty - beta_c,s) * min(0, ln(h_p / need_s))
           - beta_p,s * ln(price_p / ref_s) + network * share_ps

where h_p is the product's capability index (time horizon, minutes). Above a segment's need,
customers compare products by ratios of capability, so a lead counts the same at every level;
below it the product fails the tasks and its utility falls steeply (``penalty``), however cheap
it is, so the economy's demand follows capability and cheap small models serve the short tasks.
A segment's potential spending is a share of world GDP; what it spends follows its customers'
buying share, which diffuses over years (Bass 1969), while the split among products moves with
switching inertia. With this demand a firm's own-price elasticity is beta_p * (1 - share), so
the Bertrand-Nash Lerner index is 1 / (beta_p * (1 - share)): markups fall as competition rises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from sim.economics.capability import share_of_tasks_within_reach


class Segments(NamedTuple):
    """Customer segments as arrays (one entry per segment)."""

    names: tuple[str, ...]
    consumer: np.ndarray  # bool
    consumer_columns: np.ndarray  # indices of the consumer segments
    api_columns: np.ndarray  # indices of the enterprise (API) segments
    ln_need_minutes: np.ndarray
    gdp_share: np.ndarray  # potential spending at full adoption, share of world GDP
    capability_preference: np.ndarray
    price_sensitivity: np.ndarray
    ln_reference_price: np.ndarray
    adoption_innovation_per_year: np.ndarray  # Bass p of each segment
    inertia: np.ndarray  # share of each segment's split that stays put each step
    shortfall_penalty: float


def world_gdp_usd_per_year(gdp_start: float, growth_per_year: float, years: float) -> float:
    """Nominal world GDP ``years`` after the start (USD per year)."""
    return gdp_start * (1.0 + growth_per_year) ** years


def band_value_shares(
    need_minutes: Sequence[float], median_minutes: float, sigma_ln: float
) -> list[float]:
    """Share of the economy's task value in each band of task lengths: bands meet at the
    geometric midpoints of consecutive needs; the first starts at 0, the last runs to infinity."""
    needs = sorted(need_minutes)
    edges = [math.sqrt(a * b) for a, b in zip(needs, needs[1:], strict=False)]
    cdf = [share_of_tasks_within_reach(e, median_minutes, sigma_ln) for e in edges]
    bounds = [0.0, *cdf, 1.0]
    return [hi - lo for lo, hi in zip(bounds, bounds[1:], strict=False)]


def make_segments(market) -> Segments:
    """The segments of ``market`` (``sim.params.MarketParams``): consumers, then enterprise
    bands in order of the task length they need."""
    m = market
    needs = sorted(m.enterprise_task_minutes)
    bands = band_value_shares(needs, m.task_length_median_minutes, m.task_length_sigma_ln)
    n = len(needs)
    consumer = np.array([True] + [False] * n)
    return Segments(
        names=("consumer", *(f"enterprise_{x:g}min" for x in needs)),
        consumer=consumer,
        consumer_columns=np.flatnonzero(consumer),
        api_columns=np.flatnonzero(~consumer),
        ln_need_minutes=np.log([m.consumer_task_minutes, *needs]),
        gdp_share=np.array([m.consumer_gdp_share, *(m.enterprise_gdp_share * b for b in bands)]),
        capability_preference=np.array(
            [m.consumer_capability_preference] + [m.capability_preference] * n
        ),
        price_sensitivity=np.array([m.consumer_price_sensitivity] + [m.price_sensitivity] * n),
        ln_reference_price=np.log(
            [m.consumer_reference_price_per_mtok_usd] + [m.reference_price_per_mtok_usd] * n
        ),
        adoption_innovation_per_year=np.array(
            [m.consumer_adoption_innovation_per_year] + [m.adoption_innovation_per_year] * n
        ),
        inertia=np.array([m.consumer_inertia] + [m.inertia] * n),
        shortfall_penalty=m.shortfall_penalty,
    )


class Choice(NamedTuple):
    """What each segment would choose now (before inertia and adoption)."""

    split: np.ndarray  # products x segments: shares among buyers
    buying: np.ndarray  # segments: share of customers who would buy at all
    logsum: np.ndarray  # segments: ln(1 + sum exp(u)), the logit's inclusive value


def capability_utility(ln_capability: np.ndarray, segments: Segments) -> np.ndarray:
    """The capability terms of every product's utility in every segment (products x
    segments): they change only when the products on sale do, so the market keeps them."""
    reach = ln_capability[:, None] - segments.ln_need_minutes
    return segments.capability_preference * reach + (
        segments.shortfall_penalty - segments.capability_preference
    ) * np.minimum(reach, 0.0)


def choose(
    ln_capability: np.ndarray | None,
    ln_price: np.ndarray,
    installed: np.ndarray,
    segments: Segments,
    network_effect: float,
    open_weights: np.ndarray | None = None,
    capability_term: np.ndarray | None = None,
) -> Choice:
    """Multinomial logit with an outside option, for every segment at once.

    ``installed`` (products x segments) is each product's share of the segment's buyers last
    step (the network-effect term). Open-weights products (``open_weights``, bool per
    product) are sold by hosts through APIs: they are not offered in consumer segments, where
    customers subscribe to a lab's own assistant. ``capability_term``: the products'
    ``capability_utility``, if already known (then ``ln_capability`` is not read)."""
    if capability_term is None:
        capability_term = capability_utility(ln_capability, segments)
    # A price per product, or per product and segment (subscription and API prices).
    ln_price = ln_price if ln_price.ndim == 2 else ln_price[:, None]
    utility = (
        capability_term
        - segments.price_sensitivity * (ln_price - segments.ln_reference_price)
        + network_effect * installed
    )
    if open_weights is not None and open_weights.any():
        utility[np.ix_(open_weights, segments.consumer)] = -np.inf
    top = np.maximum(utility.max(axis=0), 0.0)  # the outside option's is 0
    weights = np.exp(utility - top)
    inside = weights.sum(axis=0)
    outside = np.exp(-top)
    total = inside + outside
    return Choice(
        split=_divide(weights, inside, np.zeros_like),
        buying=inside / total,
        logsum=top + np.log(total),
    )


def inertial_split(
    previous: np.ndarray, target: np.ndarray, inertia: float | np.ndarray
) -> np.ndarray:
    """The split among products moves (1 - inertia) of the way to the target each step (one
    inertia, or one per segment); each segment's column renormalised to 1 (a product new to
    the market starts at 0)."""
    split = inertia * previous + (1.0 - inertia) * target
    return _divide(split, split.sum(axis=0), lambda _: target.copy())


def adopted_share(
    previous: np.ndarray,
    target: np.ndarray,
    step_years: float,
    innovation_per_year: float | np.ndarray,
    imitation_per_year: float,
) -> np.ndarray:
    """Buying share after a step of Bass diffusion (Bass 1969) toward the share that would buy:
    the gap closes at rate p + q * (adopted share of the target), so adoption starts slowly,
    then accelerates as customers follow each other; a fall in the target is followed at the
    same rate. ``innovation_per_year``: one p, or one per segment."""
    progress = _divide(previous, target, np.ones_like)
    rate = innovation_per_year + imitation_per_year * np.minimum(progress, 1.0)
    return previous + (target - previous) * (1.0 - np.exp(-rate * step_years))


def share_of(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole where whole is positive, else 0."""
    return _divide(part, whole, np.zeros_like)


def _divide(numerator: np.ndarray, denominator: np.ndarray, default) -> np.ndarray:
    """numerator / denominator where the denominator is positive, else ``default(numerator)``:
    a ufunc with ``where=`` takes numpy's masked path (~2.4 us for 18 x 7 entries, measured)
    where a check and a plain division take ~1 us, and denominators are almost always all
    positive."""
    if all_positive(denominator):
        return np.divide(numerator, denominator)
    return np.divide(numerator, denominator, out=default(numerator), where=denominator > 0)


def all_positive(x: np.ndarray) -> bool:
    """Whether every entry is > 0 (False for NaN): np.minimum.reduce takes ~0.6 us where
    (x > 0).all() takes ~1.5 (measured, 7 entries)."""
    return bool(x.size) and bool(np.minimum.reduce(x, axis=None) > 0)


def lerner_index(elasticity, max_lerner: float):
    """(price - cost) / price for a firm facing ``elasticity`` (1/elasticity), capped at
    ``max_lerner``; element-wise for an array of elasticities."""
    e = np.asarray(elasticity, dtype=float)
    out = np.where(e * max_lerner > 1.0, 1.0 / np.where(e > 0, e, 1.0), max_lerner)
    return float(out) if out.ndim == 0 else out


def price_from_cost(cost, lerner):
    """Price = cost / (1 - Lerner) (numbers or arrays)."""
    return cost / (1.0 - lerner)


def consumer_surplus_usd_per_year(
    spending_usd_per_year: np.ndarray, logsum: np.ndarray, price_sensitivity: np.ndarray
) -> float:
    """Customers' surplus over not buying, in USD per year: with utility linear in ln(price),
    one unit of the logit's inclusive value is worth a 1/beta_p proportional price cut on what
    the segment spends (Small & Rosen 1981 in log-price form)."""
    return float((spending_usd_per_year * logsum / price_sensitivity).sum())
