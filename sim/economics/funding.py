"""Investor valuations and rounds (MODEL.md, "Funding")."""

from __future__ import annotations


def valuation_usd(
    annual_revenue_usd: float,
    reachable_market_usd_per_year: float,
    capability_lead: float,
    revenue_multiple: float,
    market_multiple: float,
    lead_bonus: float,
) -> float:
    """Post-money valuation: a multiple of revenue plus a multiple of the market the lab's
    capability puts within its reach (prospects), scaled up by its lead over the field
    (lead in [0, 1): its capability's excess over the best rival's, as a share of its own)."""
    return (
        revenue_multiple * annual_revenue_usd + market_multiple * reachable_market_usd_per_year
    ) * (1.0 + lead_bonus * max(capability_lead, 0.0))


def round_size_usd(
    valuation: float, dilution: float, cash_usd: float, usable_cash_usd: float
) -> float:
    """New money raised by selling ``dilution`` of the company at ``valuation``, never more
    than lifts cash to what the lab can use (``usable_cash_usd``)."""
    room = usable_cash_usd - cash_usd
    offered = valuation * dilution
    return 0.0 if room <= 0 else offered if offered < room else room


def runway_months(cash_usd: float, monthly_burn_usd: float) -> float:
    """Months of spending that cash covers at ``monthly_burn_usd`` (inf when not spending)."""
    if monthly_burn_usd <= 0:
        return float("inf")
    return cash_usd / monthly_burn_usd
