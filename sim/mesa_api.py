"""LabRaceModel as Mesa's own tools expect a model (issue 14): keyword parameters, ``rng``,
a ``DataCollector`` and the current measures as attributes.

    import mesa
    from sim.model import LabRaceModel

    rows = mesa.batch_run(
        LabRaceModel,
        parameters={"scenario": "baseline", "hardware.doubling_time_years": [2.0, 3.0]},
        iterations=5,
        max_steps=240,
    )

The model's state and its step stay in ``sim.model``; this module only translates Mesa's
conventions into labsim's (a validated ``Scenario``, an integer seed, the recorder's rows).
A model built from a ``Scenario`` object, as ``sim.results.simulate`` builds it, skips all of it
but a few ``isinstance`` checks, and nothing here runs during ``advance``.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.columns import LAB_COLUMNS, TIMESERIES_COLUMNS
from sim.params import Scenario
from sim.scenario import (
    ScenarioError,
    override_and_validate,
    read_yaml,
    resolve_file,
    scenario_to_dict,
)

if TYPE_CHECKING:
    from sim.phases.record import Recorder


class _ScenarioSeed:
    """The default of ``rng``: use the seed the scenario itself names."""

    def __repr__(self) -> str:
        return "SCENARIO_SEED"


SCENARIO_SEED: Any = _ScenarioSeed()
# The shipped scenarios (as sim.commands.SCENARIO_DIR; not imported from there, which would
# close an import cycle through its lazy imports).
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class LabRaceScenario(MesaScenario):
    """A labsim scenario as Mesa's ``Scenario``: ``base`` (a shipped scenario's name, a YAML
    file or a ``sim.params.Scenario``), ``rng``, and dotted overrides as keywords, e.g.
    ``LabRaceScenario(base="baseline", rng=3, **{"market.inertia": 0.8})``.

    ``LabRaceModel(scenario=LabRaceScenario(...))`` builds the model it describes, and every
    model keeps the one it was built from as ``model.scenario``, so that
    ``LabRaceModel(scenario=model.scenario)`` builds the same run again. SolaraViz's reset
    routes its ``base`` parameter here."""

    base: Any = "baseline"


# ------------------------------------------------------------------ scenario names


def shipped_scenarios() -> list[str]:
    """Names of the scenarios in ``scenarios/`` (``baseline``, ``history``, ...)."""
    return sorted(
        p.stem for p in SCENARIO_DIR.glob("*.yaml") if not p.name.endswith(".targets.yaml")
    )


def scenario_file(name: str | Path) -> Path:
    """The YAML file for a shipped scenario's name, or ``name`` itself if it is a path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists() or len(path.parts) > 1:
        return path
    shipped = SCENARIO_DIR / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    names = shipped_scenarios()
    hint = difflib.get_close_matches(str(name), names, n=1)
    more = f"did you mean {hint[0]}?" if hint else f"shipped: {', '.join(names)}"
    raise ScenarioError([f"scenario: no shipped scenario named {str(name)!r}; {more} (or a file)"])


# A batch of runs reads the same file each time; YAML parsing costs 3-8 ms, a tenth to a
# third of a run. Entries are checked against the modification time of every file in the
# ``base:`` chain.
_FILES: dict[Path, tuple[tuple[tuple[Path, int], ...], dict[str, Any]]] = {}


def _base_chain(path: Path) -> list[Path]:
    chain = [path]
    base = read_yaml(path).get("base")
    while isinstance(base, str):
        chain.append(chain[-1].parent / base)
        base = read_yaml(chain[-1]).get("base")
    return chain


def _stamps(paths) -> tuple[tuple[Path, int], ...]:
    return tuple((p, p.stat().st_mtime_ns) for p in paths)


def _resolved(path: Path) -> dict[str, Any]:
    """``resolve_file(path)``, cached while no file of its ``base:`` chain changes."""
    key = path.resolve()
    cached = _FILES.get(key)
    if cached is not None:
        try:
            if _stamps(p for p, _ in cached[0]) == cached[0]:
                return cached[1]
        except OSError:
            pass
    data = resolve_file(path)  # every error is reported here, as `labsim run` reports it
    _FILES[key] = (_stamps(_base_chain(path)), data)
    return data


# ------------------------------------------------------------ building a model


class Resolved(NamedTuple):
    spec: Scenario  # the validated scenario the model runs
    seed: int  # the seed of its generator
    mesa_scenario: LabRaceScenario  # what it was built from, for Mesa's tools


def _plain(value: Any) -> Any:
    """numpy scalars (batch_run over np.linspace) as Python numbers, which pydantic expects."""
    return value.item() if isinstance(value, np.generic) else value


def _seed_from(rng: Any) -> int:
    """An integer seed from anything Mesa accepts as ``rng``. None draws one from the operating
    system's entropy (Mesa's meaning of None); a Generator, BitGenerator or SeedSequence gives
    one drawn from it, so that ``model.seed`` alone reproduces the run."""
    if rng is None:
        return secrets.randbits(63)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise ScenarioError([f"rng: a seed must be a non-negative integer (got {rng})"])
        return int(rng)
    return int(np.random.default_rng(rng).integers(2**63))


def resolve(scenario: Any, rng: Any, overrides: Mapping[str, Any]) -> Resolved:
    """The scenario, seed and Mesa ``Scenario`` of ``LabRaceModel(scenario, rng=, **overrides)``.

    ``scenario``: a ``sim.params.Scenario``, a shipped scenario's name, a YAML file, or a
    ``LabRaceScenario``. ``overrides``: dotted paths as ``--set`` takes them, validated the
    same way, with the errors ``load_scenario`` gives for a mapping of overrides. ``rng``: Mesa's (None: a fresh seed); ``seed`` in ``overrides`` is its alias,
    where None means the scenario's own seed, as in ``sim.results.run``; neither given: the
    scenario's own seed."""
    overrides = {key: _plain(value) for key, value in overrides.items()}
    if isinstance(scenario, MesaScenario):
        params = dict(scenario)
        scenario = params.pop("base", "baseline")
        scenario_rng = params.pop("rng", None)
        overrides = {**params, **overrides}
        if rng is SCENARIO_SEED:
            rng = scenario_rng
        elif scenario_rng is not None and scenario_rng != rng:
            raise ValueError("rng and scenario.rng must be the same")
    seed_alias = overrides.pop("seed", None)
    if seed_alias is not None:
        if rng is not SCENARIO_SEED and rng is not None and rng != seed_alias:
            raise ValueError("pass either rng or seed, not both")
        rng = seed_alias
    seed = None if rng is SCENARIO_SEED else _seed_from(rng)

    if isinstance(scenario, Scenario):
        spec = scenario
        if overrides:
            spec = override_and_validate(scenario_to_dict(scenario), overrides, spec.name)[1]
    elif isinstance(scenario, str | Path):
        path = scenario_file(scenario)
        data = _resolved(path)
        if seed is not None:
            overrides = {**overrides, "seed": seed}  # spec.seed is the seed the model uses
        spec = override_and_validate(data, overrides, str(scenario))[1]
        overrides.pop("seed", None)
    else:
        raise TypeError(
            f"scenario: expected a Scenario, a scenario name or file, or a LabRaceScenario, "
            f"got {type(scenario).__name__}"
        )
    if seed is None:
        seed = spec.seed
    return Resolved(spec, seed, LabRaceScenario(rng=seed, base=scenario, **overrides))


# ------------------------------------------------------------ measures and data


class _Measure(property):
    """A column of the time series, read from the recorder's last row."""


def _measure(column: str) -> _Measure:
    index = TIMESERIES_COLUMNS.index(column)

    def get(model) -> Any:
        rows = model.recorder.timeseries
        return rows[-1][index] if rows else None

    get.__name__ = column
    return _Measure(get, doc=f"``{column}`` at the last step recorded (None before the first).")


def _lab_value(agent, index: int) -> Any:
    return agent.model._last_lab_rows[agent.name][index]


class MesaInterface:
    """What ``LabRaceModel`` adds for Mesa's tools: the measures of the last step as
    attributes, and ``datacollector``.

    Measures are the recorder's own numbers (``timeseries.csv``), not computed again. The
    DataCollector is built on first use and collects in ``step`` (Mesa's way of stepping), never
    in ``advance`` (labsim's runs), so ``simulate`` pays nothing for it."""

    recorder: Recorder

    # Concentration (revenue shares)
    hhi = _measure("hhi")
    cr1 = _measure("cr1")
    cr3 = _measure("cr3")
    n_active = _measure("n_active")
    n_selling = _measure("n_selling")
    n_effective = _measure("n_effective")
    structure = _measure("structure")
    leader = _measure("leader")
    leader_tenure_months = _measure("leader_tenure_months")
    industry_revenue_usd_per_year = _measure("industry_revenue_usd_per_year")
    # The frontier
    date = _measure("date")
    year = _measure("year")
    frontier_capability = _measure("frontier_capability")
    frontier_lab = _measure("frontier_lab")
    frontier_training_flop = _measure("frontier_training_flop")  # the largest run so far
    frontier_run_cost_usd = _measure("frontier_run_cost_usd")
    lead_capability = _measure("lead_capability")
    lead_months = _measure("lead_months")
    best_algorithmic_efficiency = _measure("best_algorithmic_efficiency")
    n_models = _measure("n_models")
    # Compute and the overhang
    flop_per_usd = _measure("flop_per_usd")
    largest_cluster_flop_per_s = _measure("largest_cluster_flop_per_s")
    world_compute_stock_flop_per_s = _measure("world_compute_stock_flop_per_s")
    runnable_tokens_per_s = _measure("runnable_tokens_per_s")
    runnable_copies = _measure("runnable_copies")
    training_to_serving_ratio = _measure("training_to_serving_ratio")
    hardware_overhang_world = _measure("hardware_overhang_world")
    hardware_overhang_budget = _measure("hardware_overhang_budget")

    @cached_property
    def datacollector(self) -> mesa.DataCollector:
        """Model reporters for the seed and every measure above; agent reporters for the columns of
        ``labs.csv`` (a lab that has left keeps its last row). Without ``record_labs`` there
        are no lab rows, so no agent reporters."""
        agents = {}
        if self.recorder.record_labs:
            agents = {
                column: [_lab_value, [i]]
                for i, column in enumerate(LAB_COLUMNS)
                if column not in ("step", "date")
            }
        # The seed first: batch_run's rows show the rng it passed (None), not the seed drawn.
        reporters = {"seed": "seed", **{name: name for name in MEASURES}}
        return mesa.DataCollector(model_reporters=reporters, agent_reporters=agents)

    def collect(self) -> None:
        """Add the last step to ``datacollector`` (``step`` calls this after each step)."""
        if self.recorder.record_labs:
            rows = self.recorder.labs
            seen = self.__dict__.setdefault("_lab_rows_seen", 0)
            latest = self.__dict__.setdefault("_last_lab_rows", {})
            for row in rows[seen:]:
                latest[row[2]] = row
            self._lab_rows_seen = len(rows)
        self.datacollector.collect(self)


MEASURES = tuple(name for name, v in vars(MesaInterface).items() if isinstance(v, _Measure))

__all__ = [
    "MEASURES",
    "SCENARIO_SEED",
    "LabRaceScenario",
    "MesaInterface",
    "resolve",
    "scenario_file",
    "shipped_scenarios",
]
