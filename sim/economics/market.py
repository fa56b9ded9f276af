"""Demand, multinomial-logit shares with inertia, and markup pricing.

Customers choose among deployed products by a logit on ln(capability) and ln(price)
(Berry 1994); with that demand a firm's own-price elasticity is beta_price * (1 - share), so
the Bertrand-Nash Lerner index is 1 / (beta_price * (1 - share)): markups fall as competition
rises. Inertia (switching costs) moves shares only part of the way each month.
"""

from __future__ import annotations

import numpy as np


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
    return min(w, max_spending_usd_per_year)


def logit_shares(
    capability: np.ndarray,
    price: np.ndarray,
    capability_preference: float,
    price_sensitivity: float,
) -> np.ndarray:
    """Multinomial-logit shares over products with positive capability (others get 0)."""
    on_sale = capability > 0
    utility = np.full(capability.shape, -np.inf)
    utility[on_sale] = capability_preference * np.log(
        capability[on_sale]
    ) - price_sensitivity * np.log(price[on_sale])
    if not on_sale.any():
        return np.zeros_like(capability)
    weights = np.exp(utility - utility[on_sale].max())
    return weights / weights.sum()


def inertial_shares(previous: np.ndarray, target: np.ndarray, inertia: float) -> np.ndarray:
    """Shares move (1 - inertia) of the way toward the logit shares; renormalised to sum 1.

    Products no longer on sale (target 0 because capability is 0) lose their share at once.
    """
    shares = inertia * previous + (1.0 - inertia) * target
    shares[target <= 0] = 0.0
    total = shares.sum()
    return shares / total if total > 0 else shares


def lerner_index(share: np.ndarray, price_sensitivity: float, max_lerner: float) -> np.ndarray:
    """(price - cost) / price for a logit Bertrand-Nash firm, capped at ``max_lerner``."""
    elasticity = price_sensitivity * (1.0 - share)
    with np.errstate(divide="ignore"):
        lerner = np.where(elasticity > 0, 1.0 / elasticity, max_lerner)
    return np.minimum(lerner, max_lerner)


def price_from_cost(cost: np.ndarray, lerner: np.ndarray) -> np.ndarray:
    """Price = cost / (1 - Lerner)."""
    return cost / (1.0 - lerner)
