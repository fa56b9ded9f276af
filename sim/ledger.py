"""A lab's books for one step: every cash movement lands in one account (USD per step).

Kept apart from ``sim.agents`` (which imports Mesa, 1-2 s) so that the output reference in
``sim.columns`` and the sweep machinery can name the accounts without importing the model.
"""

from __future__ import annotations

from dataclasses import dataclass

# One column each in labs.csv.
INCOME_ACCOUNTS = ("revenue_usd", "parent_funding_usd", "raised_usd", "transfer_in_usd")
SPENDING_ACCOUNTS = (
    "compute_spend_usd",
    "staff_spend_usd",
    "serving_spend_usd",
    "other_spend_usd",
    "transfer_out_usd",
)


@dataclass(slots=True)
class Ledger:
    revenue_usd: float = 0.0
    parent_funding_usd: float = 0.0
    raised_usd: float = 0.0
    transfer_in_usd: float = 0.0
    compute_spend_usd: float = 0.0
    staff_spend_usd: float = 0.0
    serving_spend_usd: float = 0.0
    other_spend_usd: float = 0.0
    transfer_out_usd: float = 0.0
