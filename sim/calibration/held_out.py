"""The held-out test: what the model says about 2024-2025, a period no target may use
(CALIBRATION.md, the protocol). ``labsim check`` prints these beside the targets and compares
them with nothing: readers set them against the record themselves."""

from __future__ import annotations

from sim.calibration.targets import Probe

HELD_OUT_TITLE = "Held out (2024-2025): the model's values; compare them with the record yourself"
HELD_OUT_MONTHS = ("2024-12", "2025-12")
# The early-2021 frontier: the capability whose price the held-out block follows.
PRICE_THRESHOLD_AT = "2021-01"


def _at_each_month(name: str, description: str, **series) -> tuple[Probe, ...]:
    return tuple(
        Probe(name=name, description=description, at=month, **series) for month in HELD_OUT_MONTHS
    )


HELD_OUT: tuple[Probe, ...] = (
    *_at_each_month(
        "largest_run_flop",
        "Largest training run so far, FLOP",
        kind="value",
        column="frontier_training_flop",
    ),
    *_at_each_month(
        "largest_run_cost_usd",
        "Cost of the largest run, USD",
        kind="value",
        column="frontier_run_cost_usd",
    ),
    *_at_each_month(
        "labs_with_run_1e25",
        "Labs with a run of at least 1e25 FLOP",
        kind="measure",
        measure="labs_with_run_at_least",
        flop=1e25,
    ),
    *_at_each_month("revenue_hhi", "Revenue HHI (0-10,000)", kind="value", column="hhi"),
    *_at_each_month("leader_share", "Leader's revenue share", kind="value", column="cr1"),
    *_at_each_month(
        "open_weights_user_share",
        "Open-weights share of users",
        kind="value",
        column="open_weights_user_share",
    ),
    *_at_each_month(
        "price_fixed_capability",
        "Cheapest price at or above the early-2021 frontier capability, USD per Mtok",
        kind="measure",
        measure="cheapest_price_at_fixed_capability",
        threshold_at=PRICE_THRESHOLD_AT,
    ),
    Probe(
        name="price_decline_fixed_capability",
        description="Yearly factor by which that price falls (log-linear fit)",
        kind="measure",
        measure="price_decline_at_fixed_capability",
        threshold_at=PRICE_THRESHOLD_AT,
        start="2024-01",
        end="2025-12",
    ),
)
