"""Demand, multinomial-logit shares with inertia, and markup pricing.

Customers choose among deployed products by a logit on the log-odds of capability and ln(price)
(Berry 1994); with that demand a firm's own-price elasticity is beta_price * (1 - share), so
the Bertrand-Nash Lerner index is 1 / (beta_price * (1 - share)): markups fall as competition
rises. Inertia (switching costs) moves shares only part of the way each month.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence


def potential_spending_usd_per_year(
    spending_start_usd_per_year: float,
    growth_per_year: float,
    years_since_start: float,
    best_capability: float,
    reference_capability: float,
    capability_exponent: float,
    max_spending_usd_per_year: float,
) -> float:
    """W(t): spending on AI services grows with time and with the best capability on offer."""
    if best_capability <= 0:
        return 0.0
    w = (
        spending_start_usd_per_year
        * (1.0 + growth_per_year) ** years_since_start
        * (best_capability / reference_capability) ** capability_exponent
    )
    return w if w <= max_spending_usd_per_year else max_spending_usd_per_year


@functools.lru_cache(maxsize=4096)  # products change a few times a year; markets clear monthly
def capability_log_odds(capability: float) -> float:
    """ln(c / (1 - c)): customers value the tasks a model does relative to those it leaves
    undone, so gains near saturation still count (clipped away from 0 and 1)."""
    c = 1e-12 if capability < 1e-12 else 1.0 - 1e-9 if capability > 1.0 - 1e-9 else capability
    return math.log(c / (1.0 - c))


def logit_shares(
    capability: Sequence[float],
    price: Sequence[float],
    capability_preference: float,
    price_sensitivity: float,
    installed_share: Sequence[float] | None = None,
    network_effect: float = 0.0,
) -> list[float]:
    """Multinomial-logit shares over products with positive capability (others get 0).

    Utility u_i = capability_preference * logodds(capability_i) - price_sensitivity * ln(price_i)
    + network_effect * installed_share_i: a product is worth more the more customers already
    use it (Katz & Shapiro 1985), the force that can tip a market to one firm.
    """
    installed = installed_share if installed_share is not None else [0.0] * len(capability)
    log_odds, log, exp = capability_log_odds, math.log, math.exp  # hot: every step of every run
    utility = [
        capability_preference * log_odds(c) - price_sensitivity * log(p) + network_effect * s
        if c > 0
        else -math.inf
        for c, p, s in zip(capability, price, installed, strict=True)
    ]
    top = max(utility) if utility else -math.inf
    if top == -math.inf:
        return [0.0] * len(utility)
    weights = [exp(u - top) for u in utility]
    total = sum(weights)
    return [w / total for w in weights]


def inertial_shares(
    previous: Sequence[float], target: Sequence[float], inertia: float
) -> list[float]:
    """Shares move (1 - inertia) of the way toward the logit shares; renormalised to sum 1.

    Products no longer on sale (target 0 because capability is 0) lose their share at once.
    """
    shares = [
        inertia * s + (1.0 - inertia) * t if t > 0 else 0.0
        for s, t in zip(previous, target, strict=True)
    ]
    total = sum(shares)
    return [s / total for s in shares] if total > 0 else shares


def lerner_index(share: float, price_sensitivity: float, max_lerner: float) -> float:
    """(price - cost) / price for a logit Bertrand-Nash firm, capped at ``max_lerner``."""
    elasticity = price_sensitivity * (1.0 - share)
    if elasticity > 0 and 1.0 / elasticity < max_lerner:
        return 1.0 / elasticity
    return max_lerner


def price_from_cost(cost: float, lerner: float) -> float:
    """Price = cost / (1 - Lerner)."""
    return cost / (1.0 - lerner)
