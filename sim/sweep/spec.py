"""The sweep file: schema, reading, and checks made before anything runs.

A sweep file names a ``base`` scenario (relative to the sweep file), fixed overrides under
``set:``, the swept ``parameters`` (dotted scenario paths, labs by name), a ``sampler``, the
number of ``replications``, a ``seed`` and what time series to ``record``. Every mistake a user
can make here is reported as a ``ScenarioError`` line naming the key, with the closest valid
name suggested, before a single run starts.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from sim.columns import TIMESERIES_COLUMNS
from sim.params import Real
from sim.scenario import (
    ScenarioError,
    apply_overrides,
    override_and_validate,
    parse_override,
    read_yaml,
    resolve_file,
    scenario_to_dict,
    validate,
)
from sim.sweep.size import MAX_RUNS, MAX_RUNS_ENV, n_runs_upper_bound

SAMPLERS = ("grid", "lhs", "sobol", "morris")

# Concentration and frontier, the answer to "monopoly or oligopoly, and how far ahead".
DEFAULT_RECORD_COLUMNS = (
    "hhi",
    "cr1",
    "cr3",
    "n_active",
    "n_effective",
    "structure",
    "leader",
    "frontier_capability",
    "frontier_lab",
    "frontier_training_flop",
)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Values(_Strict):
    """An explicit list of values (grid only)."""

    kind: Literal["values"] = "values"
    values: tuple[Any, ...] = Field(min_length=1)


class Range(_Strict):
    """``num`` evenly spaced values from ``low`` to ``high`` inclusive (grid only);
    ``log: true`` spaces them evenly in log, ``integer: true`` rounds them."""

    kind: Literal["range"] = "range"
    low: Real
    high: Real
    num: Annotated[StrictInt, Field(ge=2, le=10_000)]
    log: StrictBool = False
    integer: StrictBool = False

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        _check_bounds(self.low, self.high, self.log)
        return self

    def points(self) -> list[Any]:
        import numpy as np

        if self.log:
            vals = np.geomspace(self.low, self.high, self.num)
        else:
            vals = np.linspace(self.low, self.high, self.num)
        if self.integer:
            return list(dict.fromkeys(int(round(v)) for v in vals))
        return [float(v) for v in vals]


class Distribution(_Strict):
    """Uniform between ``low`` and ``high`` (log-uniform with ``log: true``), for sampled
    designs; ``integer: true`` rounds each draw."""

    kind: Literal["distribution"] = "distribution"
    low: Real
    high: Real
    log: StrictBool = False
    integer: StrictBool = False

    @model_validator(mode="after")
    def _bounds(self) -> Distribution:
        _check_bounds(self.low, self.high, self.log)
        return self

    def from_unit(self, u: float) -> float | int:
        """Map a SALib-space value (``log10`` of the value when ``log``) to the parameter."""
        value = 10.0**u if self.log else u
        return int(round(value)) if self.integer else float(value)

    @property
    def salib_bounds(self) -> list[float]:
        if self.log:
            return [math.log10(self.low), math.log10(self.high)]
        return [self.low, self.high]


def _check_bounds(low: float, high: float, log: bool) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("low and high must be finite numbers")
    if high <= low:
        raise ValueError(f"high ({high:g}) must be greater than low ({low:g})")
    if log and low <= 0:
        raise ValueError(f"log: true needs low > 0 (got {low:g})")


Parameter = Annotated[Values | Range | Distribution, Field(discriminator="kind")]


class Record(_Strict):
    """Time series kept per run: these columns, every ``every_steps`` steps (plus the last)."""

    columns: tuple[str, ...] = DEFAULT_RECORD_COLUMNS
    every_steps: Annotated[StrictInt, Field(ge=1, le=1200)] = 12


class SweepSpec(_Strict):
    """A sweep file, validated. ``base`` is stored as an absolute path."""

    name: str = "sweep"
    description: str = ""
    base: str
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(min_length=1)
    sampler: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)] | None = Field(
        None,
        description="lhs: design points; sobol: SALib's base sample N (points = N*(D+2), or "
        "N*(2D+2) with second_order); morris: trajectories (points = N*(D+1)).",
    )
    second_order: StrictBool = Field(
        False, description="sobol: also sample for second-order indices."
    )
    num_levels: Annotated[StrictInt, Field(ge=2, le=100)] = Field(
        4, description="morris: grid levels."
    )
    replications: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)] = 1
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = 0
    record: Record = Record()

    @model_validator(mode="after")
    def _sampler_fits(self) -> SweepSpec:
        problems = []
        for path, p in self.parameters.items():
            if self.sampler == "grid" and isinstance(p, Distribution):
                problems.append(
                    f"parameters.{path}: a distribution {{low, high}} needs a sampled design "
                    "(lhs, sobol, morris); for a grid give a list or {low, high, num}"
                )
            if self.sampler != "grid" and not isinstance(p, Distribution):
                problems.append(
                    f"parameters.{path}: sampler {self.sampler} draws from a distribution "
                    "{low, high} (optionally log: true); lists and {low, high, num} are for grids"
                )
        if self.sampler == "grid" and self.samples is not None:
            problems.append("samples: a grid's size is set by its parameters; remove samples")
        if self.sampler != "grid" and self.samples is None:
            problems.append(f"samples: required by sampler {self.sampler}")
        if self.sampler == "morris" and len(self.parameters) < 2:
            problems.append("parameters: morris needs at least two parameters")
        if self.sampler == "sobol" and self.samples and self.samples & (self.samples - 1):
            low = 1 << (self.samples.bit_length() - 1)
            problems.append(
                f"samples: sobol needs a power of two (Saltelli's sequence); {self.samples} "
                f"is not: use {low} or {low * 2}"
            )
        if not problems:
            runs = n_runs_upper_bound(self)
            if runs > MAX_RUNS:
                problems.append(
                    f"parameters: the design has {runs:,} runs; at most {MAX_RUNS:,} are allowed "
                    f"(split the sweep, or set {MAX_RUNS_ENV} to raise the limit)"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self


@dataclass
class Sweep:
    """A checked sweep: the spec, the source file and the resolved base scenario (raw dict,
    ``set:`` applied) that every run starts from."""

    spec: SweepSpec
    source: str
    base_raw: dict[str, Any] = field(repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.spec.parameters)

    def resolved(self) -> dict[str, Any]:
        """What ``sweep.resolved.yaml`` holds: the spec plus the full base scenario. Two sweeps
        with equal resolved dicts produce equal results."""
        spec = self.spec.model_dump(mode="json")
        for path, p in spec["parameters"].items():
            kind = p.pop("kind", None)
            if kind == "values":
                spec["parameters"][path] = p["values"]
        spec["base_scenario"] = scenario_to_dict(validate(self.base_raw, "base"))
        return spec


# ------------------------------------------------------------------ reading


def _parse_parameter(path: str, raw: Any) -> Any:
    """YAML shape -> tagged dict: a list is values, a mapping with num is a range, else a
    distribution."""
    if isinstance(raw, list):
        return {"kind": "values", "values": raw}
    if isinstance(raw, Mapping):
        kind = "range" if "num" in raw else "distribution"
        return {"kind": kind, **raw}
    raise ScenarioError(
        [
            f"parameters.{path}: expected a list of values, {{low, high, num}} or {{low, high}}; "
            f"got {raw!r} (put fixed values under set:)"
        ]
    )


def spec_from_dict(data: Mapping[str, Any], source: str = "sweep") -> SweepSpec:
    """Validate a sweep mapping; every problem becomes one ``ScenarioError`` line."""
    data = dict(data)
    problems: list[str] = []
    params = data.get("parameters")
    if isinstance(params, Mapping):
        parsed = {}
        for path, raw in params.items():
            try:
                parsed[str(path)] = _parse_parameter(str(path), raw)
            except ScenarioError as exc:
                problems.extend(f"{source}: {p}" for p in exc.problems)
        data["parameters"] = parsed
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems.extend(f"{source}: {line}" for line in _format_errors(exc))
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    return spec


def _format_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        # pydantic puts the union member's tag in the location; users never wrote it
        raw_loc = err["loc"]
        if raw_loc[:1] == ("parameters",) and len(raw_loc) > 2:
            raw_loc = (*raw_loc[:2], *raw_loc[3:])
        where = ".".join(str(x) for x in raw_loc) or "sweep"
        lines.extend(error_lines(err, where, _closest_key, SAMPLERS, bare_at="sweep"))
    return lines


def error_lines(
    err: dict, where: str, closest_key, samplers: tuple[str, ...], bare_at: str | None = None
) -> list[str]:
    """One pydantic error of a sweep or priors file as the lines a user reads: ``where`` is
    the path as they wrote it, ``closest_key(loc, key)`` suggests a key for a typo,
    ``samplers`` are the file's valid samplers, and a whole-file check (at ``bare_at``) gives
    its own lines unprefixed."""
    kind = err["type"]
    if kind == "extra_forbidden":
        hint = closest_key(err["loc"][:-1], str(err["loc"][-1]))
        return [f"{where}: unknown key" + (f"; did you mean {hint}?" if hint else "")]
    if kind == "missing":
        return [f"{where}: required but missing"]
    if kind == "literal_error" and where == "sampler":
        hint = difflib.get_close_matches(str(err["input"]), samplers, n=1)
        return [
            f"sampler: unknown sampler {err['input']!r}; expected one of "
            f"{', '.join(samplers)}" + (f"; did you mean {hint[0]}?" if hint else "")
        ]
    if kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        return msg.splitlines() if where == bare_at else [f"{where}: {msg}"]
    shown = err.get("input")
    got = f" (got {shown!r})" if not isinstance(shown, dict | list) else ""
    return [f"{where}: {err['msg']}{got}"]


def _closest_key(loc: tuple, key: str) -> str | None:
    model: Any = SweepSpec
    if loc[:1] == ("parameters",):
        kind = loc[2] if len(loc) > 2 else "distribution"
        model = {"values": Values, "range": Range}.get(kind, Distribution)
    elif loc[:1] == ("record",):
        model = Record
    names = [n for n in model.model_fields if n != "kind"]
    match = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return match[0] if match else None


def load_sweep(
    path: str | Path, overrides: Iterable[str] | Mapping[str, Any] | None = None
) -> Sweep:
    """Read a sweep file, resolve its base scenario, and check every parameter path and value
    against the scenario schema. ``overrides`` (``--set`` strings or a mapping) are added to
    the file's ``set:`` block. Raises ``ScenarioError`` listing every problem."""
    path = Path(path)
    data = read_yaml(path)
    if "base" in data and isinstance(data["base"], str):
        data["base"] = str((path.parent / data["base"]).resolve())
    labels: dict[str, str] = {}
    if overrides:
        if isinstance(overrides, Mapping):
            items = list(overrides.items())
        else:
            texts = list(overrides)
            items = [parse_override(o) for o in texts]
            # a problem with a value given on the command line names that --set, not the file
            labels = {p: f"--set {t}" for (p, _), t in zip(items, texts, strict=True)}
        merged = dict(data.get("set") or {})
        merged.update(dict(items))
        data["set"] = merged
    spec = spec_from_dict(data, str(path))
    return check_sweep(spec, str(path), labels)


def check_sweep(
    spec: SweepSpec, source: str = "sweep", labels: Mapping[str, str] | None = None
) -> Sweep:
    """Resolve the base and probe each parameter at its extremes (and every listed value)
    through the scenario validator, so bad paths and values fail now, not mid-sweep.
    ``labels`` name the origin of ``set:`` entries that came from the command line."""
    base, _ = override_and_validate(
        resolve_file(spec.base), spec.set, spec.base, f"{source}: set", labels
    )
    problems: list[str] = []
    unknown = [c for c in spec.record.columns if c not in TIMESERIES_COLUMNS]
    for col in unknown:
        hint = difflib.get_close_matches(col, TIMESERIES_COLUMNS, n=1)
        problems.append(
            f"{source}: record.columns: unknown column {col!r}"
            + (f"; did you mean {hint[0]}?" if hint else "")
        )
    for path, p in spec.parameters.items():
        for value in _probe_values(p):
            try:
                validate(apply_overrides(base, {path: value}), "scenario")
            except ScenarioError as exc:
                problems.extend(
                    f"{source}: parameters.{path} = {value!r}: " + line.removeprefix("scenario: ")
                    for line in exc.problems
                )
                break
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))
    return Sweep(spec=spec, source=source, base_raw=base)


def _probe_values(p: Parameter) -> list[Any]:
    if isinstance(p, Values):
        return list(p.values)
    if isinstance(p, Range):
        pts = p.points()
        return [pts[0], pts[-1]]
    return [p.from_unit(b) for b in p.salib_bounds]


def grid_values(p: Parameter) -> list[Any]:
    """The values a grid takes for one parameter."""
    if isinstance(p, Values):
        return copy.deepcopy(list(p.values))
    if isinstance(p, Range):
        return p.points()
    raise TypeError("distributions have no grid values")
