"""What a training run cost: FLOP, cloud rental, amortized hardware, and its overhang.

Composes the functions the model itself uses (``hardware.max_run_flop``,
``training.training_flop``, ``scaling.split_params_tokens``, the ``overhang`` module and the
model's default price curve) with the sourced accelerator catalogue
(``sim.economics.accelerators``) and the cost functions of ``sim.economics.runcost``.
``labsim cost`` parses the command line into a ``RunSpec`` and prints ``format_report``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Literal

from sim.economics import accelerators as acc
from sim.economics import hardware as hw
from sim.economics import overhang as oh
from sim.economics import runcost, scaling, training

# The default scenarios start here, and HardwareParams.flop_per_usd_start is the price of
# that date (a 2020 V100): the model's price curve is anchored to it.
CURVE_START = "2020-01"


@dataclass(frozen=True)
class RunSpec:
    """A training run as the user described it (validated by the command line).

    Either ``training_flop`` is None and hardware, count and seconds describe the run, or
    ``training_flop`` is given (directly or as 6 N D) with at most one of count and seconds;
    the other then follows from the hardware."""

    hardware: acc.Accelerator | None = None
    unit: Literal["chip", "board"] = "chip"
    count: float | None = None  # devices of ``unit``
    seconds: float | None = None
    utilization: float = 0.3
    month: str | None = None  # YYYY-MM: which prices apply
    training_flop: float | None = None
    params: float | None = None
    tokens: float | None = None
    usd_per_device_hour: float | None = None  # overrides the catalogue's rental price
    life_years: float = runcost.DEFAULT_LIFE_YEARS
    law: str = "epoch_refit"
    utilization_is_default: bool = False  # the user gave none: the report says so


@dataclass(frozen=True)
class Rental:
    usd: float
    usd_per_device_hour: float
    quoted: bool  # the user's price, not the catalogue's
    low_usd: float = math.nan  # cheapest and dearest catalogue providers
    high_usd: float = math.nan
    providers: tuple[acc.CloudPrice, ...] = ()
    committed_low_usd: float = math.nan  # 3-year commitments, where listed
    committed_high_usd: float = math.nan
    catalogue_usd_per_device_hour: float = math.nan  # median on-demand, for comparison


@dataclass(frozen=True)
class Amortized:
    hardware_usd: float
    energy_usd: float
    energy_kwh: float
    usd_per_kwh: float

    @property
    def usd(self) -> float:
        return self.hardware_usd + (0.0 if math.isnan(self.energy_usd) else self.energy_usd)


@dataclass(frozen=True)
class CostReport:
    spec: RunSpec
    training_flop: float
    chips_per_device: int
    count: float | None
    seconds: float | None
    device_hours: float | None
    chip_hours: float | None
    rental: Rental | None
    amortized: Amortized | None
    model_curve_usd: float  # what labsim's default price curve charges for the peak FLOP
    model_flop_per_usd: float
    optimal_params: float
    optimal_tokens: float
    optimal_tokens_per_s: float  # overhang of the compute-optimal model
    given_tokens_per_s: float  # overhang of the model as given (--params)
    notes: tuple[str, ...] = field(default=())

    @property
    def peak_flop(self) -> float:
        return self.training_flop / self.spec.utilization


def model_training_flop_per_usd(month: str) -> float:
    """Peak FLOP per USD of training hardware on labsim's default price curve (the
    ``hardware`` defaults of sim/params.py from CURVE_START), as a run started in ``month``
    would pay."""
    from sim.params import HardwareParams, parse_year_month

    h = HardwareParams()
    t0 = parse_year_month(CURVE_START)
    segments = {
        "accelerator": [(t0, h.doubling_time_years)],
        "memory": [(t0, h.memory_doubling_time_years)],
        "cpu": [(t0, h.cpu_doubling_time_years)],
    }
    return float(
        hw.workload_flop_per_usd(
            h.flop_per_usd_start,
            parse_year_month(month),
            segments,
            h.training_cost_shares.model_dump(),
        )
    )


def estimate(spec: RunSpec) -> CostReport:
    """Every number ``labsim cost`` prints, from a validated ``RunSpec``."""
    notes: list[str] = []
    a = spec.hardware
    if a is not None and spec.month is None:
        spec = replace(spec, month=max(q.month for q in a.cloud_prices))
        notes.append(f"prices as of the newest catalogue listing, {spec.month} (see --date)")
    per_device = (a.chips_per_board if spec.unit == "board" else 1) if a else 1
    device_peak = a.peak_flop_per_s * per_device if a else math.nan
    count, seconds = spec.count, spec.seconds
    if spec.training_flop is None:
        physical = hw.max_run_flop(count * device_peak, seconds / hw.SECONDS_PER_MONTH)
        flop = training.training_flop(physical, spec.utilization)
    else:
        flop = spec.training_flop
        if a is not None and count is not None:
            seconds = runcost.run_seconds_for_training_flop(
                flop, count * device_peak, spec.utilization
            )
        elif a is not None and seconds is not None:
            count = runcost.devices_for_training_flop(flop, device_peak, seconds, spec.utilization)
    device_hours = chip_hours = None
    rental = amortized = None
    if a is not None:
        device_hours = runcost.device_hours(count, seconds)
        chip_hours = device_hours * per_device
        rental = _rental(a, spec, per_device, device_hours, notes)
        amortized = _amortized(a, spec, chip_hours)
        if spec.month < a.release:
            notes.append(f"{a.name} was released in {a.release}, after {spec.month}")
    law = scaling.SCALING_LAWS[spec.law]
    n_opt, d_opt = scaling.split_params_tokens(flop, law)
    tps_opt = tps_given = math.nan
    if seconds is not None:
        tps_opt = oh.runnable_tokens_per_s(flop, n_opt, seconds)
        if spec.params is not None:
            tps_given = oh.runnable_tokens_per_s(flop, spec.params, seconds)
    curve_usd = fpu = math.nan
    if spec.month is not None and spec.month >= CURVE_START:
        fpu = model_training_flop_per_usd(spec.month)
        curve_usd = flop / spec.utilization / fpu
    return CostReport(
        spec=spec,
        training_flop=flop,
        chips_per_device=per_device,
        count=count,
        seconds=seconds,
        device_hours=device_hours,
        chip_hours=chip_hours,
        rental=rental,
        amortized=amortized,
        model_curve_usd=curve_usd,
        model_flop_per_usd=fpu,
        optimal_params=n_opt,
        optimal_tokens=d_opt,
        optimal_tokens_per_s=tps_opt,
        given_tokens_per_s=tps_given,
        notes=tuple(notes),
    )


def _rental(
    a: acc.Accelerator, spec: RunSpec, per_device: int, device_hours: float, notes: list[str]
) -> Rental:
    quotes, before_first = acc.latest_prices(a, spec.month)
    if before_first:
        notes.append(
            f"no {a.name} cloud price listed by {spec.month}; the first listing "
            f"({quotes[0].month}) stands in"
        )
    on_demand = [q.usd_per_chip_hour * per_device for q in quotes]
    committed = [
        q.committed_usd_per_chip_hour * per_device
        for q in quotes
        if q.committed_usd_per_chip_hour is not None
    ]
    median = statistics.median(on_demand)
    price = spec.usd_per_device_hour if spec.usd_per_device_hour is not None else median
    return Rental(
        usd=runcost.rental_cost_usd(device_hours, price),
        usd_per_device_hour=price,
        quoted=spec.usd_per_device_hour is not None,
        low_usd=runcost.rental_cost_usd(device_hours, min(on_demand)),
        high_usd=runcost.rental_cost_usd(device_hours, max(on_demand)),
        providers=quotes,
        committed_low_usd=runcost.rental_cost_usd(device_hours, min(committed))
        if committed
        else math.nan,
        committed_high_usd=runcost.rental_cost_usd(device_hours, max(committed))
        if committed
        else math.nan,
        catalogue_usd_per_device_hour=median,
    )


def _amortized(a: acc.Accelerator, spec: RunSpec, chip_hours: float) -> Amortized | None:
    if a.server_usd_per_chip is None:
        return None
    hardware_usd = runcost.amortized_hardware_cost_usd(
        chip_hours, a.server_usd_per_chip, spec.life_years
    )
    if a.average_power_w is None or a.server_power_ratio is None:
        return Amortized(hardware_usd, math.nan, math.nan, math.nan)
    kwh = runcost.energy_kwh(chip_hours, a.average_power_w, a.server_power_ratio)
    price = runcost.electricity_usd_per_kwh(int(spec.month[:4]))
    return Amortized(hardware_usd, runcost.energy_cost_usd(kwh, price), kwh, price)
