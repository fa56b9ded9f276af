"""The priors file: a base scenario, a distribution for each uncertain parameter, and the rank
correlations between them, checked before anything runs.

```yaml
name: reference
base: ../history.yaml            # the scenario every world starts from (relative path)
set: {end: 2041-01}              # fixed overrides, as in a sweep
seed: 2025                       # draws and run seeds
samples: 1000                    # default; labsim forecast --samples overrides
sampler: sobol                   # sobol (scrambled) | lhs | random, in the copula's uniform space
parameters:
  hardware.doubling_time_years: {dist: lognormal, ci80: [1.9, 2.8], why: "Epoch 2022: ..."}
  world.progress_regime: {dist: choice, values: [scaling, mixed], weights: [0.7, 0.3], why: ...}
correlations:
  - {between: [hardware.largest_cluster_growth_per_year, hardware.power_growth_per_year],
     rho: 0.6, why: "..."}
```

Every mistake is one ``ScenarioError`` line naming the key: an unknown parameter path (with the
closest valid name, from the scenario schema), an interval with its ends reversed, a beta
interval outside (0, 1), a correlation outside [-1, 1] or naming no prior, and a set of
correlations that cannot hold together (a matrix that is not positive semi-definite).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.columns import TIMESERIES_COLUMNS
from sim.dates import _coerce_year_month, parse_year_month
from sim.forecast.correlations import correlation_matrix
from sim.forecast.distributions import DISTRIBUTIONS, Choice, Prior, Why
from sim.scenario import (
    ScenarioError,
    apply_overrides,
    override_and_validate,
    read_yaml,
    resolve_file,
    scenario_to_dict,
    validate,
)
from sim.sweep.spec import error_lines

SAMPLERS = ("sobol", "lhs", "random")

# What a forecast keeps of each world, once a year: concentration, the frontier and the
# overhang (the quantiles' measures), and what the structure and first-monopoly counts need.
FORECAST_RECORD_COLUMNS = (
    "hhi",
    "cr1",
    "cr3",
    "n_active",
    "n_selling",
    "n_effective",
    "structure",
    "leader",
    "frontier_capability",
    "frontier_lab",
    "frontier_training_flop",
    "frontier_run_cost_usd",
    "runnable_copies",
    "hardware_overhang_world",
    "hardware_overhang_budget",
    "monopoly_formed",
)

# Derived time series a forecast can record besides the model's own columns
# (sim.forecast.evaluate): labs_with_run_ge_1e25 counts the labs that have finished a run of
# at least 1e25 FLOP; monopoly_formed is 1 once a monopoly has formed since the origin.
DERIVED_COLUMN = re.compile(r"^labs_with_run_ge_(?P<flop>[0-9]+(?:\.[0-9]+)?e[0-9]+)$")
MONOPOLY_FORMED = "monopoly_formed"


def is_derived_column(name: str) -> bool:
    return name == MONOPOLY_FORMED or DERIVED_COLUMN.match(name) is not None


def known_column(name: str) -> bool:
    return name in TIMESERIES_COLUMNS or is_derived_column(name)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Correlation(_Strict):
    """A Spearman rank correlation between two parameters."""

    between: tuple[str, str]
    rho: float
    why: Why


class ForecastRecord(_Strict):
    """Time series kept per world, every ``every_steps`` steps (and the last): the columns
    every forecast keeps (``FORECAST_RECORD_COLUMNS``, which its outputs need) and any given
    here. At most 12 steps apart, so that every year has a value."""

    columns: tuple[str, ...] = FORECAST_RECORD_COLUMNS
    every_steps: Annotated[int, Field(ge=1, le=12)] = 12

    @field_validator("columns", mode="after")
    @classmethod
    def _with_defaults(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*FORECAST_RECORD_COLUMNS, *columns]))


class PriorsSpec(_Strict):
    """A priors file, validated. ``base`` is stored as an absolute path. It carries the
    attributes the sweep runner reads from a sweep's spec (name, seed, replications, record)."""

    name: str = "forecast"
    description: str = ""
    base: str
    origin: str | None = Field(
        None,
        description="First month the forecaster does not know (YYYY-MM); when a monopoly "
        "first forms is counted from here. Default: the base scenario's start.",
    )
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Prior] = Field(min_length=1)
    correlations: tuple[Correlation, ...] = ()
    sampler: Literal["sobol", "lhs", "random"] = "sobol"
    samples: Annotated[int, Field(ge=2)] = 1000
    replications: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    record: ForecastRecord = ForecastRecord()

    _check_origin = field_validator("origin", mode="before")(_coerce_year_month)


@dataclass
class Priors:
    """A checked priors file: the spec, its source, the resolved base scenario (``set:``
    applied) and the rank-correlation matrix over ``names`` (identity where none is given)."""

    spec: PriorsSpec
    source: str
    base_raw: dict[str, Any] = field(repr=False)
    spearman: np.ndarray = field(repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.spec.parameters)

    def with_options(self, **changes: Any) -> Priors:
        """The same priors with spec fields changed (``samples``, ``replications``,
        ``record``); ``record`` columns are checked again."""
        data = self.spec.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        spec = PriorsSpec.model_validate(data)
        _check_record(spec.record.columns, self.source)
        return Priors(spec, self.source, self.base_raw, self.spearman)

    def resolved(self) -> dict[str, Any]:
        """The priors as run, with the full base scenario: what ``--resume`` compares."""
        spec = self.spec.model_dump(mode="json", exclude_none=True)
        spec = {"kind": "forecast", **spec}
        spec["base_scenario"] = scenario_to_dict(validate(self.base_raw, "base"))
        return spec


# ------------------------------------------------------------------ reading


def load_priors(path: str | Path) -> Priors:
    """Read and check a priors file; raises ``ScenarioError`` listing every problem."""
    path = Path(path)
    data = read_yaml(path)
    source = str(path)
    if "base" in data and isinstance(data["base"], str):
        data["base"] = str((path.parent / data["base"]).resolve())
    spec = priors_from_dict(data, source)
    return check_priors(spec, source)


def priors_from_dict(data: Mapping[str, Any], source: str = "priors") -> PriorsSpec:
    """Validate a priors mapping; every problem becomes one ``ScenarioError`` line."""
    data = dict(data)
    problems: list[str] = []
    params = data.get("parameters")
    if isinstance(params, Mapping):
        kept = {}
        for path, raw in params.items():
            line = _shape_problem(str(path), raw)
            if line:
                problems.append(f"{source}: {line}")
            else:
                kept[str(path)] = raw
        data["parameters"] = kept
    try:
        spec = PriorsSpec.model_validate(data)
    except ValidationError as exc:
        lines = _format_errors(exc)
        if problems and any(line.startswith("parameters:") for line in lines):
            lines = [line for line in lines if not line.startswith("parameters:")]
        problems.extend(f"{source}: {line}" for line in lines)
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    return spec


def _shape_problem(path: str, raw: Any) -> str | None:
    """A prior that is not a mapping with a known ``dist``: the one line to say so."""
    names = ", ".join(DISTRIBUTIONS)
    if not isinstance(raw, Mapping):
        return (
            f"parameters.{path}: expected a distribution {{dist: ..., why: ...}} "
            f"(got {raw!r}); put fixed values under set:"
        )
    dist = raw.get("dist")
    if dist is None:
        return f"parameters.{path}.dist: required: one of {names}"
    if dist not in DISTRIBUTIONS:
        hint = difflib.get_close_matches(str(dist), DISTRIBUTIONS, n=1)
        return f"parameters.{path}.dist: unknown distribution {dist!r}; expected one of {names}" + (
            f"; did you mean {hint[0]}?" if hint else ""
        )
    return None


def _format_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        if loc[:1] == ["parameters"] and len(loc) > 2:
            del loc[2]  # pydantic puts the union member's tag (normal, beta...) in the path
        if loc[:1] == ["correlations"] and len(loc) > 1:
            loc[1] = f"[{loc[1]}]"
        where = ".".join(loc).replace(".[", "[") or "priors"
        lines.extend(error_lines(err, where, _closest_key, SAMPLERS))
    return list(dict.fromkeys(lines))


def _closest_key(loc: tuple, key: str) -> str | None:
    model: Any = PriorsSpec
    if loc[:1] == ("parameters",) and len(loc) > 2:
        model = DISTRIBUTIONS.get(str(loc[2]), PriorsSpec)
    elif loc[:1] == ("correlations",):
        model = Correlation
    elif loc[:1] == ("record",):
        model = ForecastRecord
    names = [n for n in model.model_fields if n != "dist"]
    match = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return match[0] if match else None


# ------------------------------------------------------------------ checking


# Quantiles at which each continuous prior is tried against the scenario schema: the median
# and values further out than any draw of a design below a million points.
PROBE_QUANTILES = (0.5, 1e-7, 1 - 1e-7)


def check_priors(spec: PriorsSpec, source: str = "priors") -> Priors:
    """Resolve the base, apply ``set:``, and try each prior's median and extreme draws (every
    value of a choice) through the scenario validator, so a bad path or an impossible value
    fails now, not in the middle of the forecast. Then build the correlation matrix."""
    base, _ = override_and_validate(
        resolve_file(spec.base), spec.set, spec.base, f"{source}: set", None
    )
    problems: list[str] = []
    _check_record(spec.record.columns, source, problems)
    problems.extend(_check_origin(spec.origin, base, source))
    for path in spec.parameters:
        if path in spec.set:
            problems.append(
                f"{source}: parameters.{path}: also fixed under set:; give it in one place"
            )
    for path, prior in spec.parameters.items():
        line = _probe(base, path, prior)
        if line:
            problems.append(f"{source}: parameters.{path}{line}")
    spearman, lines = correlation_matrix(spec)  # sim.forecast.correlations
    problems.extend(f"{source}: {line}" for line in lines)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))
    return Priors(spec, source, base, spearman)


def _check_origin(origin: str | None, base: dict[str, Any], source: str) -> list[str]:
    if origin is None:
        return []
    month = parse_year_month(origin)
    scenario = validate(base, "base")
    if not scenario.start_year <= month < scenario.end_year:
        return [
            f"{source}: origin ({origin}) must lie within the scenario, "
            f"{scenario.start} to {scenario.end}"
        ]
    return []


def _check_record(columns, source: str, problems: list[str] | None = None) -> None:
    out = [] if problems is None else problems
    for col in columns:
        if not known_column(col):
            hint = difflib.get_close_matches(col, TIMESERIES_COLUMNS, n=1)
            out.append(
                f"{source}: record.columns: unknown column {col!r}"
                + (f"; did you mean {hint[0]}?" if hint else "")
                + " (or labs_with_run_ge_1e25-style counts)"
            )
    if problems is None and out:
        raise ScenarioError(out)


def _probe(base: dict[str, Any], path: str, prior: Any) -> str | None:
    """The first problem a draw of ``prior`` at ``path`` causes, as the rest of a line that
    starts with the path; None if every probe validates."""
    if isinstance(prior, Choice):
        probes = [(v, None) for v in prior.values]
    else:
        probes = list(zip(prior.values(np.array(PROBE_QUANTILES)), PROBE_QUANTILES, strict=True))
    for value, q in probes:
        try:
            validate(apply_overrides(base, {path: value}), "scenario")
        except ScenarioError as exc:
            line = exc.problems[0].removeprefix("scenario: ").removeprefix(f"{path}: ")
            if "unknown key" in line or "no lab named" in line:
                return f": {line}"
            if q is None:
                return f": {line} (value {value!r})"
            where = "the median" if q == 0.5 else f"the {q:.5%} quantile"
            return (
                f": {line}: a draw at {where} ({value:g}) is out of range; narrow the "
                "distribution or truncate it with min:/max:"
            )
    return None
