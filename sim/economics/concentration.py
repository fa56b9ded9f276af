"""Market concentration on revenue shares.

Thresholds: the 2023 US Merger Guidelines (HHI above 1,800 is "highly concentrated"; they
define no other band) and the 1992 US Horizontal Merger Guidelines (1,000-1,800 "moderately
concentrated"); monopoly and duopoly lines from MODEL.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

MONOPOLY_CR1 = 0.7
DUOPOLY_CR2 = 0.8
HIGHLY_CONCENTRATED_HHI = 1800.0
MODERATELY_CONCENTRATED_HHI = 1000.0
STRUCTURES = ("monopoly", "duopoly", "concentrated_oligopoly", "oligopoly", "competitive")
NO_MARKET = "no_market"  # the label of a step in which nothing earns revenue


def hhi(shares: Sequence[float]) -> float:
    """Herfindahl-Hirschman index on shares in [0, 1], scaled 0-10,000."""
    return 10000.0 * sum([s * s for s in shares])


def concentration_ratio(shares: Sequence[float], k: int) -> float:
    """CR_k: combined share of the k largest firms."""
    return sum(sorted(shares, reverse=True)[:k])


def effective_number_of_firms(shares: Sequence[float]) -> float:
    """1 / sum(s^2); 0 when nothing is sold."""
    total = sum(s * s for s in shares)
    return 1.0 / total if total > 0 else 0.0


def structure_label(shares: Sequence[float]) -> str:
    """monopoly (CR1 >= 0.7), duopoly (CR2 >= 0.8), concentrated_oligopoly (HHI >= 1,800),
    oligopoly (HHI >= 1,000), otherwise competitive."""
    ranked = sorted(shares, reverse=True)
    return _label_ranked(ranked, hhi(ranked))


def _label_ranked(ranked: Sequence[float], hhi_value: float) -> str:
    if not ranked or ranked[0] <= 0:
        return "competitive"
    if ranked[0] >= MONOPOLY_CR1:
        return "monopoly"
    if len(ranked) >= 2 and ranked[0] + ranked[1] >= DUOPOLY_CR2:
        return "duopoly"
    if hhi_value >= HIGHLY_CONCENTRATED_HHI:
        return "concentrated_oligopoly"
    if hhi_value >= MODERATELY_CONCENTRATED_HHI:
        return "oligopoly"
    return "competitive"


class Concentration(NamedTuple):
    hhi: float
    cr1: float
    cr3: float
    n_effective: float
    structure: str


def concentration(shares: Sequence[float]) -> Concentration:
    """Every measure above from one sort of the shares (what the recorder needs each step)."""
    ranked = sorted(shares, reverse=True)
    h = hhi(ranked)
    # Positional: this runs every step of every run, and keywords double the cost.
    return Concentration(
        h,  # hhi
        ranked[0] if ranked else 0.0,  # cr1
        sum(ranked[:3]),  # cr3
        10000.0 / h if h > 0 else 0.0,  # n_effective
        _label_ranked(ranked, h),  # structure
    )
