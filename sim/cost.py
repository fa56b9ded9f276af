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


# ------------------------------------------------------------------------------ output


def format_usd(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"${x / scale:,.3g}{unit}"
    return f"${x:,.2f}" if abs(x) < 100 else f"${x:,.0f}"


def format_duration(seconds: float) -> str:
    days = seconds / 86400
    if days >= 360:
        years = seconds / hw.SECONDS_PER_YEAR
        return f"{years:.3g} year" + ("" if f"{years:.3g}" == "1" else "s")
    if days >= 60:
        return f"{seconds / hw.SECONDS_PER_MONTH:.3g} months"
    return f"{days:.3g} days"


def format_price(usd: float) -> str:
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.3g}"


def format_count(n: float) -> str:
    return f"{n:,.0f}" if n >= 100 else f"{n:.3g}"


def _unit_words(report: CostReport) -> tuple[str, str]:
    """('board', 'boards') or ('chip', 'chips')."""
    unit = report.spec.unit
    return unit, unit + "s"


def format_report(report: CostReport) -> str:
    spec, a = report.spec, report.spec.hardware
    unit, units = _unit_words(report)
    lines = [f"training FLOP   {report.training_flop:.3g}"]
    if spec.params is not None:
        lines[0] += (
            f" = 6 x {spec.params:.3g} params x {spec.tokens:.3g} tokens"
            f" ({spec.tokens / spec.params:.3g} tokens per parameter)"
        )
    if a is not None:
        per = report.chips_per_device
        lines.append(
            f"hardware        {a.name} ({a.full_name}): {a.peak_flop_per_s / 1e12:,.0f} TFLOP/s "
            f"peak per chip, {a.precision}, dense"
            + (
                f"; {per} chips, {a.peak_flop_per_s * per / 1e12:,.0f} TFLOP/s per board"
                if per > 1
                else ""
            )
        )
        if a.chips_per_board > 1:
            other = "board" if spec.unit == "chip" else "chip"
            factor = a.chips_per_board
            scale = f"{factor}x" if other == "board" else f"1/{factor} of"
            lines.append(
                f"unit            counted as {units} (--unit {spec.unit}); {a.board_note}. "
                f"Read as {other}s, the same count is {scale} the chips, FLOP and "
                "catalogue cost"
            )
        lines.append(
            f"run             {format_count(report.count)} {units} x "
            f"{format_duration(report.seconds)} at utilization {spec.utilization:.2f}: "
            f"{report.peak_flop:.3g} peak FLOP, {report.chip_hours:.3g} chip-hours"
        )
        lines.append(f"prices as of    {spec.month}")
        lines += _rental_lines(report, unit)
        lines += _amortized_lines(report)
    elif report.seconds is not None:
        lines.append(f"run             {format_duration(report.seconds)} (no hardware given)")
    if math.isfinite(report.model_curve_usd):
        lines.append(
            f"labsim's curve  {format_usd(report.model_curve_usd)} for the {report.peak_flop:.3g} "
            f"peak FLOP at {report.model_flop_per_usd:.3g} FLOP/USD (the model's default "
            f"training price in {spec.month})"
        )
    elif spec.month is not None:
        lines.append(
            f"labsim's curve  n/a: the model's default price curve starts in {CURVE_START}"
        )
    m_opt = report.optimal_tokens / report.optimal_params
    lines.append(
        f"compute-optimal {report.optimal_params:.3g} params on {report.optimal_tokens:.3g} tokens "
        f"({m_opt:.3g} tokens per parameter; {spec.law} scaling law)"
    )
    if report.seconds is not None:
        lines.append(
            "overhang        its training cluster, over the run's "
            f"{format_duration(report.seconds)}, could then generate "
            f"{report.optimal_tokens_per_s:.3g} tokens/s with the compute-optimal model "
            f"(3 m p H / N): {oh.runnable_copies(report.optimal_tokens_per_s):.3g} copies "
            f"at {oh.HUMAN_TOKENS_PER_S:g} tokens/s"
        )
        if spec.params is not None:
            lines.append(
                f"                with the model as given ({spec.params:.3g} params): "
                f"{report.given_tokens_per_s:.3g} tokens/s, "
                f"{oh.runnable_copies(report.given_tokens_per_s):.3g} copies"
            )
    else:
        lines.append("overhang        n/a: give a duration, or hardware and a count")
    notes = list(report.notes)
    if spec.utilization_is_default and (a is not None or math.isfinite(report.model_curve_usd)):
        notes.append(
            f"utilization {spec.utilization:.2f} is labsim's default lab utilization "
            "(sim/params.py; GPT-3 era 0.2-0.35): set --utilization"
        )
    lines += [f"note            {text}" for text in notes]
    return "\n".join(lines)


def _rental_lines(report: CostReport, unit: str) -> list[str]:
    r = report.rental
    if r.quoted:
        ratio = r.usd_per_device_hour / r.catalogue_usd_per_device_hour
        return [
            f"cloud rental    {format_usd(r.usd)} at the given "
            f"{format_price(r.usd_per_device_hour)} per {unit}-hour",
            f"                that price is {ratio:.2g}x the catalogue's median on-demand "
            f"{format_price(r.catalogue_usd_per_device_hour)} per {unit}-hour"
            + (
                f" (3-year commitments: {format_usd(r.committed_low_usd)}"
                + (
                    f"-{format_usd(r.committed_high_usd)}"
                    if r.committed_high_usd != r.committed_low_usd
                    else ""
                )
                + " for this run)"
                if math.isfinite(r.committed_low_usd)
                else ""
            ),
        ]
    providers = ", ".join(
        f"{q.provider} ${q.usd_per_chip_hour:.2f} ({q.month})" for q in r.providers
    )
    lines = [
        f"cloud rental    {format_usd(r.usd)} at {format_price(r.usd_per_device_hour)} "
        f"per {unit}-hour, "
        + (
            f"the median on-demand list price of {len(r.providers)} providers"
            if len(r.providers) > 1
            else f"{r.providers[0].provider}'s on-demand list price"
        )
        + (
            f" (range {format_usd(r.low_usd)}-{format_usd(r.high_usd)})"
            if r.high_usd > r.low_usd
            else ""
        ),
        f"                per chip-hour: {providers}",
    ]
    if math.isfinite(r.committed_low_usd):
        span = format_usd(r.committed_low_usd)
        if r.committed_high_usd > r.committed_low_usd:
            span += f"-{format_usd(r.committed_high_usd)}"
        lines.append(f"                with 3-year commitments: {span}")
    return lines


def _amortized_lines(report: CostReport) -> list[str]:
    a, spec, m = report.spec.hardware, report.spec, report.amortized
    if m is None:
        return [f"amortized       n/a: {a.purchase_source}"]
    text = (
        f"amortized       {format_usd(m.usd)}: servers at {format_usd(a.server_usd_per_chip)} "
        f"per chip plus {runcost.INTERCONNECT_COST_SHARE:.0%} cluster interconnect, written off "
        f"over {spec.life_years:g} years ({format_usd(m.hardware_usd)})"
    )
    if math.isfinite(m.energy_usd):
        text += (
            f", and {m.energy_kwh / 1e6:,.3g} GWh of electricity at ${m.usd_per_kwh:.4f}/kWh, "
            f"PUE {runcost.DATACENTER_PUE:g} ({format_usd(m.energy_usd)})"
        )
    else:
        text += "; energy n/a (power not published)"
    return [text]


def format_catalogue() -> str:
    """``labsim cost --list``: every accelerator with its numbers and their sources."""
    out = []
    for a in acc.CATALOGUE:
        out += [
            f"{a.name}: {a.full_name}, released {a.release}",
            f"  peak      {a.peak_flop_per_s / 1e12:,.4g} TFLOP/s per chip, {a.precision}, "
            f"dense; {a.peak_source}",
            f"  board     {a.chips_per_board} chip{'s' if a.chips_per_board > 1 else ''} "
            f"({a.peak_flop_per_s_per_board / 1e12:,.4g} TFLOP/s): {a.board_note}",
            "  purchase  "
            + (
                f"{format_usd(a.server_usd_per_chip)} per chip, as a server; "
                if a.server_usd_per_chip
                else ""
            )
            + a.purchase_source,
            "  power     "
            + (f"{a.average_power_w:g} W per chip in training; " if a.average_power_w else "")
            + a.power_source,
        ]
        for q in a.cloud_prices:
            committed = (
                f", 3-year commitment ${q.committed_usd_per_chip_hour:.2f}"
                if q.committed_usd_per_chip_hour is not None
                else ""
            )
            out.append(
                f"  cloud     {q.month} {q.provider}: ${q.usd_per_chip_hour:.2f} per chip-hour "
                f"on demand{committed}; {q.source}"
            )
        out.append("")
    out.append(
        "Amortized cost: server price / (1 - "
        f"{runcost.INTERCONNECT_COST_SHARE:g} interconnect share), written off evenly over "
        f"--life-years (default {runcost.DEFAULT_LIFE_YEARS:g}), plus energy at PUE "
        f"{runcost.DATACENTER_PUE:g} and US industrial electricity prices (Cottier et al. 2024)."
    )
    return "\n".join(out)
