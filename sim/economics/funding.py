"""Investor valuations and rounds (MODEL.md, "Funding")."""

from __future__ import annotations


def valuation_usd(
    annual_revenue_usd: float,
    capability: float,
    capability_lead: float,
    revenue_multiple: float,
    per_capability_usd: float,
    lead_bonus: float,
) -> float:
    """Post-money valuation: a revenue multiple plus a value on capability, scaled up by the
    lab's lead over the field (lead in [0, 1] as a share of its own capability)."""
    return (revenue_multiple * annual_revenue_usd + per_capability_usd * capability) * (
        1.0 + lead_bonus * max(capability_lead, 0.0)
    )


def round_size_usd(valuation: float, dilution: float) -> float:
    """New money raised by selling ``dilution`` of the company at ``valuation``."""
    return valuation * dilution


def runway_months(cash_usd: float, monthly_burn_usd: float) -> float:
    """Months of spending that cash covers at ``monthly_burn_usd`` (inf when not spending)."""
    if monthly_burn_usd <= 0:
        return float("inf")
    return cash_usd / monthly_burn_usd
