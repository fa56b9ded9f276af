"""Any value the schema accepts runs to the end with finite outputs.

Every bounded numeric field outside the sections being rebuilt (``world``'s capability
fields, ``market``, ``funding``) is drawn at its lower bound, its upper bound, its default or
in between (log-uniformly when the range spans decades), on a short horizon with entry on and
one event of each kind. Two fixed cases put every field at its lower, then its upper bound.

The fixed cases must run to the end with finite outputs. Random mixes of extremes can still
compound past float range (ln A grows with (engineers / reference_engineers)^exponent, and
entrants' engineers and A come from the model's own state, outside any input bound): there
the run must stop with one line naming the values at the edge of their range
(``sim.commands.run_checked``), never a traceback or an output holding inf.

CI runs a modest number of examples; ``LABSIM_PROPERTY_EXAMPLES=500`` (say) runs more.
"""

from __future__ import annotations

import math
import os
import typing
from typing import Any

import annotated_types as at
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim import params as P
from sim.commands import run_checked
from sim.scenario import ScenarioError, scenario_from_dict
from sim.validation import MAX_START_EFFICIENCY

EXAMPLES = int(os.environ.get("LABSIM_PROPERTY_EXAMPLES", "40"))
# Sections another change replaces; their fields keep their defaults here.
EXCLUDED = {"market", "funding", "labs", "events"}
WORLD_BOUNDED = {"run_outcome_noise_sigma", "research_noise_sigma", "public_results_lag_months"}
# NaN marks "none" in many columns (no market yet, no cap, no rival ahead, no open weights);
# these never hold it, so a NaN there is a number that went wrong. Inf is wrong everywhere.
NEVER_EMPTY = {
    "timeseries": (
        "step",
        "n_active",
        "flop_per_usd",
        "world_compute_stock_flop_per_s",
        "salary_usd_per_year",
        "best_algorithmic_efficiency",
    ),
    "labs": (
        "cash_usd",
        "engineers",
        "algorithmic_efficiency",
        "utilization",
        "belief_compute_elasticity",
        "completed_runs",
    ),
    "models": ("training_flop", "effective_flop", "cost_usd", "capability"),
}


def _bounds(annotation: Any, field: Any) -> tuple[float, float] | None:
    """(low, high) of a numeric field, or None if it is not a bounded number."""
    metadata = list(field.metadata)
    base = annotation
    while typing.get_origin(base) is typing.Annotated:
        base, *more = typing.get_args(base)
        for m in more:
            metadata.extend(getattr(m, "metadata", [m]))
    args = [a for a in typing.get_args(base) if a is not type(None)]
    if args and typing.get_origin(base) in (typing.Union, __import__("types").UnionType):
        return _bounds(args[0], type("F", (), {"metadata": metadata})())
    if base not in (int, float):
        return None
    low = high = None
    for m in metadata:
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low = m.gt * 1.000001 if m.gt else 1e-9
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high = m.lt - 1e-9
    if low is None or high is None:
        return None
    return (int(low), int(high)) if base is int else (float(low), float(high))


def bounded_fields(model: type[BaseModel], prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Dotted path -> (low, high) for every bounded number under ``model``."""
    out: dict[str, tuple[Any, Any]] = {}
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if not prefix and name in EXCLUDED:
            continue
        if prefix == "world." and name not in WORLD_BOUNDED:
            continue
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.update(bounded_fields(ann, path + "."))
            continue
        if name == "seed":
            continue  # every seed is valid; the runs below pick their own
        b = _bounds(ann, field)
        if b is not None:
            out[path] = b
    return out


SCENARIO_FIELDS = bounded_fields(P.Scenario)
LAB_FIELDS = bounded_fields(P.LabParams) | {
    "algorithmic_efficiency": (0.01, MAX_START_EFFICIENCY)  # the scenario-level bound
}
EVENT_FIELDS = {
    "hardware_shock": {"multiplier": (1e-3, 1000.0), "duration_months": (1, 1200)},
    "funding_shock": {"multiplier": (0.0, 1000.0), "duration_months": (1, 1200)},
    "compute_cap": {"max_training_flop": (1e15, 1e35)},
    "wake_up": {"multiplier": (0.0, 1000.0)},
}


def _value(low: Any, high: Any, choice: int, u: float) -> Any:
    if choice == 0:
        return low
    if choice == 1:
        return high
    if isinstance(low, int):
        return int(round(low + u * (high - low)))
    if low > 0 and high / low > 100:
        value = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        value = low + u * (high - low)
    return float(min(max(value, low), high))  # rounding must not step outside


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def scenario_data(pick) -> dict[str, Any]:
    """A scenario whose every bounded field is ``pick(path, low, high)``."""
    data: dict[str, Any] = {
        "name": "bounds",
        "start": "2020-01",
        "end": "2022-01",
        "mechanisms": {"entry": {"enabled": True}, "imitation": {"enabled": True}},
    }
    for path, (low, high) in SCENARIO_FIELDS.items():
        if path == "step_months" or "_cost_shares." in path:
            continue  # set below: whole steps in the horizon, shares that sum to one
        _set(data, path, pick(path, low, high))
    for use in ("training", "serving"):
        accelerator = pick(f"hardware.{use}_cost_shares.accelerator", 0.0, 1.0)
        memory = (1 - accelerator) * pick(f"hardware.{use}_cost_shares.memory", 0.0, 1.0)
        shares = {"accelerator": accelerator, "memory": memory, "cpu": 1 - accelerator - memory}
        data["hardware"][f"{use}_cost_shares"] = shares
    for name in P.Mechanisms.model_fields:
        on = pick(f"mechanisms.{name}.enabled", 0, 1) == 1 or name in ("entry", "imitation")
        data["mechanisms"].setdefault(name, {})["enabled"] = on
    data["step_months"] = [1, 3, 6, 12][int(pick("step_months", 0, 3)) % 4]
    labs = []
    for i, archetype in enumerate(("scaling_maximalist", "pragmatist", "open_weights")):
        lab: dict[str, Any] = {"name": f"lab{i}", "archetype": archetype}
        lab["funding"] = ("investors", "parent", "revenue")[i]
        for field, (low, high) in LAB_FIELDS.items():
            lab[field] = pick(f"labs.{i}.{field}", low, high)
        labs.append(lab)
    data["labs"] = labs
    events = []
    for i, (kind, fields) in enumerate(EVENT_FIELDS.items()):
        event: dict[str, Any] = {"type": kind, "date": f"2020-{i + 3:02d}"}
        for field, (low, high) in fields.items():
            event[field] = pick(f"events.{kind}.{field}", low, high)
        if kind == "wake_up":
            event["lab"] = "lab1"
        events.append(event)
    events.append({"type": "merger", "date": "2021-01", "labs": ["lab1", "lab2"]})
    data["events"] = events
    return data


def assert_finite_outputs(result) -> None:
    for name in ("timeseries", "labs", "models", "events"):
        frame = getattr(result, name)
        numbers = frame.select_dtypes("number")
        for column in numbers.columns:
            values = numbers[column].to_numpy(dtype=float)
            assert not np.isinf(values).any(), f"{name}.{column} holds inf"
            if column in NEVER_EMPTY.get(name, ()):
                assert not np.isnan(values).any(), f"{name}.{column} holds NaN"


def _run(data: dict[str, Any], seed: int = 1, *, may_overflow: bool = False) -> str:
    """Run the scenario; "ok" if it ran to the end with finite outputs, "guarded" if it
    left the model's numeric range and said so in one line naming values at their bounds."""
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError as exc:
        if not may_overflow:
            raise
        # Refused by a whole-scenario check (ln A growth at the starting headcount): not a
        # value the schema accepts. Single fields at their bounds never are (the fixed cases).
        assert all("algorithmic_progress" in line for line in exc.problems), exc.problems
        return "refused"
    try:
        result = run_checked(scenario, seed, "scenario")
    except ScenarioError as exc:
        if not may_overflow:
            raise
        (line,) = exc.problems
        assert "numeric range" in line and "values at the edge of their range: " in line, line
        return "guarded"
    assert len(result.timeseries) == scenario.n_steps
    assert_finite_outputs(result)
    return "ok"


def test_the_bounded_fields_are_found():
    assert len(SCENARIO_FIELDS) > 50 and len(LAB_FIELDS) > 15
    assert "hardware.flop_per_usd_start" in SCENARIO_FIELDS
    assert "market.price_sensitivity" not in SCENARIO_FIELDS


@pytest.mark.parametrize("end", [0, 1], ids=["lower", "upper"])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_field_at_one_bound(end, seed):
    def pick(path: str, low: Any, high: Any) -> Any:
        if path == "mechanisms.algorithmic_progress.engineer_exponent":
            return low  # with every headcount at its top, ln A growth is bounded jointly
        return (low, high)[end]

    assert _run(scenario_data(pick), seed) == "ok"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("LABSIM_PROPERTY_EXAMPLES"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_any_accepted_values_run_to_the_end_with_finite_outputs(data, seed):
    def pick(path: str, low: Any, high: Any) -> Any:
        choice = data.draw(st.integers(0, 3), label=path)
        u = data.draw(st.floats(0, 1), label=path + " u") if choice > 1 else 0.0
        return _value(low, high, choice, u)

    OUTCOMES.append(_run(scenario_data(pick), seed, may_overflow=True))


OUTCOMES: list[str] = []
