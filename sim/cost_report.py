"""``labsim cost``'s printed report and catalogue: numbers of ``sim.cost`` formatted for reading."""

from __future__ import annotations

import math

from sim.cost import CURVE_START, CostReport
from sim.economics import accelerators as acc
from sim.economics import hardware as hw
from sim.economics import overhang as oh
from sim.economics import runcost


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
