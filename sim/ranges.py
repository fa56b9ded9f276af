"""Where a scenario's values sit within their bounds: the suspects named when a run leaves
the model's numeric range (``sim.commands.run_checked``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim.params import Scenario


def field_bounds(field: Any) -> tuple[float | None, float | None]:
    """(lower, upper) bound of a numeric pydantic field (None where it has none)."""
    import annotated_types as at

    low = high = None
    for meta in _all_metadata(field.annotation, list(field.metadata)):
        if isinstance(meta, at.Ge | at.Gt):
            low = getattr(meta, "ge", None) if isinstance(meta, at.Ge) else meta.gt
        elif isinstance(meta, at.Le | at.Lt):
            high = getattr(meta, "le", None) if isinstance(meta, at.Le) else meta.lt
    return low, high


def _all_metadata(annotation: Any, found: list[Any]) -> list[Any]:
    import typing

    if typing.get_origin(annotation) is typing.Annotated:
        base, *more = typing.get_args(annotation)
        for meta in more:
            found.extend(getattr(meta, "metadata", [meta]))
        return _all_metadata(base, found)
    for arg in typing.get_args(annotation):
        if arg is not type(None):
            _all_metadata(arg, found)
    return found


def _closeness(value: float, low: float | None, high: float | None) -> float | None:
    """How near ``value`` lies to a bound, as a share of the range (0 = on it)."""
    import math

    if low is None or high is None or high <= low:
        return None
    if low > 0 and high / low > 100:
        value, low, high = (math.log10(max(x, 1e-300)) for x in (value, low, high))
    pos = (value - low) / (high - low)
    return min(pos, 1 - pos)


def values_near_bounds(scenario: Scenario, limit: int = 3) -> list[str]:
    """``path = value`` of the (at most ``limit``) set values nearest their bounds and away
    from their defaults: the suspects when a run overflows."""
    found: list[tuple[float, str]] = []

    def walk(obj: BaseModel, path: str) -> None:
        for name, field in type(obj).model_fields.items():
            value = getattr(obj, name)
            where = f"{path}{name}"
            if isinstance(value, BaseModel):
                walk(value, where + ".")
            elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
                for item in value:
                    walk(item, f"{where}.{getattr(item, 'name', None) or value.index(item)}.")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                near = _closeness(float(value), *field_bounds(field))
                default = field.default
                if near is not None and near < 0.1 and value != default:
                    found.append((near, -_decades_from(value, default), f"{where} = {value:g}"))

    walk(scenario, "")
    # Nearest its bound first; among equals, the one furthest from its default.
    return [text for *_, text in sorted(found)[:limit]]


def _decades_from(value: float, default: Any) -> float:
    import math

    if not isinstance(default, int | float) or isinstance(default, bool):
        return 0.0
    if value > 0 and default > 0:
        return abs(math.log10(value / default))
    return abs(value - default)
