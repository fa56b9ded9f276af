"""The dashboard's inputs, read from the parameter schema (``sim/params.py``): the parameters
that matter most, with their units, ranges and descriptions, and the mechanism switches.

The schema gives each input its description (shown as help), its unit (from the field's name,
e.g. ``_years``) and its bounds (``ge``/``gt``/``le``/``lt``). A slider also needs a finite
range where the schema has none: ``KEY_PARAMETERS`` gives the range worth exploring, which the
schema's bounds clip and which always widens to hold the scenario's own value.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.params import Mechanisms, Scenario

# The ten parameters of the project's Sobol design (scenarios/sweeps/sobol-top10.yaml: "the
# ten parameters most likely to decide monopoly vs oligopoly"), with network effects and the
# growth of the largest cluster, which the natural-monopoly scenario and the overhang turn
# on. (path, low, high): the range a slider spans.
KEY_PARAMETERS: tuple[tuple[str, float, float], ...] = (
    ("hardware.doubling_time_years", 1.0, 5.0),
    ("hardware.largest_cluster_growth_per_year", 1.0, 4.0),
    ("mechanisms.algorithmic_progress.growth_per_year", 0.2, 2.0),
    ("mechanisms.warm_start.kappa", 0.0, 1.0),
    ("mechanisms.imitation.compute_fraction", 0.0, 1.0),
    ("mechanisms.imitation.capability_penalty", 0.0, 1.0),
    ("mechanisms.spillovers.rate_per_year", 0.0, 3.0),
    ("market.inertia", 0.0, 1.0),
    ("market.capability_preference", 0.0, 12.0),
    ("market.price_sensitivity", 0.5, 8.0),
    ("market.network_effect", 0.0, 10.0),
    ("funding.valuation_revenue_multiple", 0.0, 60.0),
)
# Choices rather than numbers.
KEY_CHOICES: tuple[str, ...] = ("world.progress_regime",)

# Unit of a field from the end of its name (longest suffix first).
_UNIT_SUFFIXES = (
    ("_usd_per_year", "USD per year"),
    ("_per_year", "per year"),
    ("_years", "years"),
    ("_months", "months"),
    ("_usd", "USD"),
    ("_flop", "FLOP"),
)
SLIDER_STEPS = 100  # positions along a slider


@dataclass(frozen=True)
class Control:
    """One input of the dashboard."""

    path: str  # dotted, as --set takes it
    label: str  # "hardware: doubling time (years)"
    help: str  # the schema's description, with the allowed range
    kind: str  # "float", "choice" or "switch"
    min: float = math.nan
    max: float = math.nan
    step: float = math.nan
    choices: tuple[str, ...] = ()


def field_at(path: str) -> tuple[type[BaseModel], FieldInfo]:
    """The pydantic class holding the field at ``path`` and the field itself."""
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    for part in parts[:-1]:
        model = model.model_fields[part].annotation
    return model, model.model_fields[parts[-1]]


def value_at(spec: Scenario, path: str) -> Any:
    """The value at ``path`` in a validated scenario."""
    node: Any = spec
    for part in path.split("."):
        node = getattr(node, part)
    return node


def _bounds(field: FieldInfo) -> tuple[float, float, bool, bool]:
    """(low, high, low_open, high_open) from the field's constraints (infinite if none)."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for meta in field.metadata:
        if isinstance(meta, at.Ge):
            low, low_open = float(meta.ge), False
        elif isinstance(meta, at.Gt):
            low, low_open = float(meta.gt), True
        elif isinstance(meta, at.Le):
            high, high_open = float(meta.le), False
        elif isinstance(meta, at.Lt):
            high, high_open = float(meta.lt), True
    return low, high, low_open, high_open


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) near span / SLIDER_STEPS."""
    raw = span / SLIDER_STEPS
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw * 0.999)


def unit_of(name: str, field: FieldInfo) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    low, high, *_ = _bounds(field)
    return "share, 0-1" if (low, high) == (0.0, 1.0) else ""


def _label(path: str, field: FieldInfo) -> str:
    parts = path.split(".")
    name = parts[-1]
    unit = unit_of(name, field)
    for suffix, _ in _UNIT_SUFFIXES:
        if name.endswith(suffix) and name != suffix[1:]:
            name = name.removesuffix(suffix)
            break
    group = parts[-2].replace("_", " ")
    text = f"{group}: {name.replace('_', ' ')}"
    return f"{text} ({unit})" if unit else text


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    parts = []
    if not math.isinf(low):
        parts.append(f"{'>' if low_open else '≥'} {low:g}")
    if not math.isinf(high):
        parts.append(f"{'<' if high_open else '≤'} {high:g}")
    return f" Allowed: {', '.join(parts)}."


def slider(path: str, low: float, high: float, value: float | None = None) -> Control:
    """The slider for ``path`` over [low, high], clipped to the schema's bounds and widened
    to hold ``value`` (the scenario's own)."""
    _, field = field_at(path)
    lo, hi, lo_open, hi_open = _bounds(field)
    start, stop = max(low, lo), min(high, hi)
    if value is not None:
        start, stop = min(start, value), max(stop, value)
    step = _nice_step(stop - start)
    # An open bound is not allowed itself: the slider stops a step inside it.
    if lo_open and start <= lo:
        start = lo + step
    if hi_open and stop >= hi:
        stop = hi - step
    return Control(
        path=path,
        label=_label(path, field),
        help=(field.description or "") + _range_text(lo, hi, lo_open, hi_open),
        kind="float",
        min=start,
        max=stop,
        step=step,
    )


def choice(path: str) -> Control:
    _, field = field_at(path)
    return Control(
        path=path,
        label=_label(path, field),
        help=field.description or "",
        kind="choice",
        choices=tuple(typing.get_args(field.annotation)),
    )


def key_controls(spec: Scenario | None = None) -> list[Control]:
    """The sliders and choices, in order; with ``spec``, ranges that hold its values."""
    controls = [
        slider(path, low, high, None if spec is None else float(value_at(spec, path)))
        for path, low, high in KEY_PARAMETERS
    ]
    return controls + [choice(path) for path in KEY_CHOICES]


def switches() -> list[Control]:
    """One switch per mechanism, with the mechanism's docstring as help."""
    out = []
    for name, field in Mechanisms.model_fields.items():
        doc = " ".join((field.annotation.__doc__ or "").split())
        out.append(
            Control(
                path=f"mechanisms.{name}.enabled",
                label=name.replace("_", " "),
                help=doc,
                kind="switch",
            )
        )
    return out
