"""LabRaceModel as Mesa's tools use it (sim.mesa_api): keyword parameters, rng and its seed
alias, Mesa's Scenario, the DataCollector, measures as attributes, and mesa.batch_run."""

from __future__ import annotations

import math
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from sim.columns import LAB_COLUMNS, TIMESERIES_COLUMNS
from sim.mesa_api import MEASURES, LabRaceScenario, shipped_scenarios
from sim.model import LabRaceModel
from sim.results import run, simulate
from sim.scenario import ScenarioError, load_scenario

SHORT = {"end": "2022-01"}  # 24 steps


def _rows(model) -> pd.DataFrame:
    return pd.DataFrame.from_records(model.recorder.timeseries, columns=TIMESERIES_COLUMNS)


def _same(a, b) -> bool:
    return _rows(a).equals(_rows(b))  # NaN equals NaN here


def _batch_run(**kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # batch_run's `iterations`
        rows = mesa.batch_run(LabRaceModel, display_progress=False, **kwargs)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- building


def test_keywords_build_the_same_run_as_a_scenario_object():
    by_object = simulate(load_scenario(SCENARIOS / "baseline.yaml", SHORT), seed=5)
    by_name = LabRaceModel("baseline", rng=5, **SHORT)
    by_file = LabRaceModel(scenario=str(SCENARIOS / "baseline.yaml"), seed=5, **SHORT)
    for model in (by_name, by_file):
        for _ in range(model.n_steps):
            model.step()
        assert _same(model, by_object)
    assert by_name.seed == by_name.spec.seed == 5  # the spec records the seed it ran


def test_dotted_overrides_as_keywords_are_applied_and_recorded():
    model = LabRaceModel(
        "baseline", **{"hardware.doubling_time_years": 3.0, "labs.openai.engineers": 300}
    )
    assert model.spec.hardware.doubling_time_years == 3.0
    assert model.spec.labs[0].engineers == 300
    assert dict(model.scenario) == {
        "base": "baseline",
        "hardware.doubling_time_years": 3.0,
        "labs.openai.engineers": 300,
        "rng": model.seed,
    }
    # numpy numbers, as batch_run passes from np.linspace, are plain numbers to the schema
    numpy_value = LabRaceModel("baseline", **{"market.inertia": np.float64(0.5)})
    assert numpy_value.spec.market.inertia == 0.5


def test_overrides_apply_to_a_scenario_object_too():
    spec = load_scenario(SCENARIOS / "baseline.yaml")
    model = LabRaceModel(spec, **{"market.inertia": 0.5})
    assert model.spec.market.inertia == 0.5 and spec.market.inertia == 0.9


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        ({"hardware.doubling_time": 2.0}, "unknown key; did you mean doubling_time_years?"),
        ({"market.inertia": 1.5}, "market.inertia: Input should be less than 1"),
        ({"labs.opnai.engineers": 3}, "no lab named 'opnai'; did you mean openai?"),
    ],
)
def test_bad_overrides_give_the_same_errors_as_set(overrides, line):
    with pytest.raises(ScenarioError) as by_keyword:
        LabRaceModel("baseline", **overrides)
    with pytest.raises(ScenarioError) as by_mapping:
        load_scenario(SCENARIOS / "baseline.yaml", overrides)
    (path, value), *_ = overrides.items()
    with pytest.raises(ScenarioError) as by_set:
        load_scenario(SCENARIOS / "baseline.yaml", [f"{path}={value}"])
    # the errors of the Python API's overrides, which name the same problem as --set does
    assert by_keyword.value.problems == by_mapping.value.problems
    assert line in by_keyword.value.problems[0]
    message = by_keyword.value.problems[0].rsplit(": ", 2)[-1]
    assert by_set.value.problems[0].endswith(message)


def test_an_unknown_scenario_name_suggests_the_closest_shipped_one():
    with pytest.raises(ScenarioError, match="no shipped scenario named 'basline'; did you mean"):
        LabRaceModel("basline")
    assert {"baseline", "history", "natural-monopoly"} <= set(shipped_scenarios())
    with pytest.raises(ScenarioError, match="nope.yaml: no such file"):
        LabRaceModel("nope.yaml")


# ---------------------------------------------------------------- seeds


def test_default_seed_is_the_scenarios_and_seed_is_an_alias_of_rng():
    spec = load_scenario(SCENARIOS / "baseline.yaml")
    assert LabRaceModel(spec).seed == spec.seed == 42
    assert LabRaceModel(spec, seed=None).seed == 42  # as run(scenario, seed=None)
    assert LabRaceModel(spec, seed=7).seed == LabRaceModel(spec, rng=7).seed == 7
    assert run(spec, seed=7).seed == 7
    with pytest.raises(ValueError, match="either rng or seed"):
        LabRaceModel(spec, rng=1, seed=2)
    with pytest.raises(ScenarioError, match="non-negative"):
        LabRaceModel(spec, rng=-1)


def test_rng_none_draws_a_fresh_seed_that_reproduces_the_run():
    first, second = (
        LabRaceModel("baseline", rng=None, **SHORT),
        LabRaceModel("baseline", rng=None, **SHORT),
    )
    assert first.seed != second.seed
    again = LabRaceModel("baseline", rng=first.seed, **SHORT)
    for model in (first, again):
        for _ in range(model.n_steps):
            model.step()
    assert _same(first, again)


def test_a_generator_as_rng_gives_an_integer_seed_drawn_from_it():
    a = LabRaceModel("baseline", rng=np.random.default_rng(3))
    b = LabRaceModel("baseline", rng=np.random.default_rng(3))
    assert a.seed == b.seed and isinstance(a.seed, int)


def test_mesas_scenario_rebuilds_the_same_model():
    model = LabRaceModel("baseline", rng=None, **{"market.inertia": 0.8}, **SHORT)
    assert isinstance(model.scenario, LabRaceScenario)
    again = LabRaceModel(scenario=model.scenario)
    assert (again.seed, again.spec) == (model.seed, model.spec)
    described = LabRaceModel(scenario=LabRaceScenario(base="history", rng=3))
    assert (described.spec.name, described.seed) == ("history", 3)
    with pytest.raises(ValueError, match="rng and scenario.rng"):
        LabRaceModel(scenario=LabRaceScenario(base="history", rng=3), rng=4)


# ------------------------------------------------------------ measures and data


def test_measures_are_the_last_recorded_row():
    model = LabRaceModel("baseline", **SHORT)
    assert all(getattr(model, name) is None for name in MEASURES)
    for _ in range(12):
        model.step()
    last = dict(zip(TIMESERIES_COLUMNS, model.recorder.timeseries[-1], strict=True))
    for name in MEASURES:
        value = getattr(model, name)
        assert value == last[name] or (math.isnan(value) and math.isnan(last[name])), name
    assert {"hhi", "structure", "leader", "frontier_capability", "runnable_copies"} <= set(MEASURES)
    assert model.n_active == 3 and model.date == "2020-12"


def test_simulate_never_builds_the_datacollector():
    model = simulate(load_scenario(SCENARIOS / "baseline.yaml", SHORT))
    assert "datacollector" not in vars(model)


def test_stepping_through_mesa_collects_every_step_and_matches_advance():
    spec = load_scenario(SCENARIOS / "history.yaml", {"end": "2022-01"})
    mesa_model = LabRaceModel(spec, seed=1)
    while mesa_model.running:
        mesa_model.step()
    assert _same(mesa_model, simulate(spec, seed=1))
    frame = mesa_model.datacollector.get_model_vars_dataframe()
    assert len(frame) == mesa_model.n_steps  # a step past the horizon collects nothing
    assert frame["hhi"].iloc[-1] == mesa_model.hhi
    assert list(frame.columns) == ["seed", *MEASURES] and (frame["seed"] == 1).all()
    labs = mesa_model.datacollector.get_agent_vars_dataframe()
    assert list(labs.columns) == [c for c in LAB_COLUMNS if c not in ("step", "date")]
    # at the last step, the active labs' values are the recorder's lab rows (labs.csv)
    last = labs.xs(float(mesa_model.n_steps), level="Step").set_index("lab")
    recorded = pd.DataFrame.from_records(mesa_model.recorder.labs, columns=LAB_COLUMNS)
    recorded = recorded[recorded["step"] == mesa_model.n_steps - 1].set_index("lab")
    for lab in recorded.index:
        assert last.loc[lab, "revenue_share"] == recorded.loc[lab, "revenue_share"]
        assert last.loc[lab, "engineers"] == recorded.loc[lab, "engineers"]
    # labs that left keep their last row: every lab that ever entered is reported
    assert set(last.index) == set(recorded.index) | {
        lab.name for lab in mesa_model.agents if not lab.active
    }


def test_without_lab_rows_the_datacollector_has_no_agent_reporters():
    model = LabRaceModel("baseline", record_labs=False, **SHORT)
    model.step()
    assert model.datacollector.agent_reporters == {}
    assert len(model.datacollector.get_model_vars_dataframe()) == 1


# ---------------------------------------------------------------- batch_run


def test_batch_run_over_keyword_parameters_gives_iterations_that_differ():
    """The issue's call, as written: 2 values x 5 iterations over the 240-step baseline."""
    frame = _batch_run(
        parameters={"scenario": "baseline", "hardware.doubling_time_years": [2.0, 3.0]},
        iterations=5,
        max_steps=240,
    )
    runs = frame.groupby("RunId").first()
    assert len(runs) == 10
    assert (runs["Step"] == 240).all()
    assert sorted(runs["hardware.doubling_time_years"].unique()) == [2.0, 3.0]
    for _, same_parameters in runs.groupby("hardware.doubling_time_years"):
        assert same_parameters["seed"].nunique() == 5
        assert same_parameters["hhi"].nunique() == 5  # the iterations differ
    # a row per lab of each run, entrants included
    labs = frame.groupby("RunId")["AgentID"].nunique()
    assert (frame.groupby("RunId").size() == labs).all() and (labs >= 3).all()


def test_batch_run_with_seeds_reproduces_labsims_own_runs():
    frame = _batch_run(
        parameters={"scenario": "baseline", "end": "2023-01"}, rng=[1, 2], max_steps=1000
    )
    runs = frame.groupby("RunId").first()
    for seed, hhi in zip(runs["seed"], runs["hhi"], strict=True):
        spec = load_scenario(SCENARIOS / "baseline.yaml", {"end": "2023-01"})
        assert hhi == simulate(spec, seed=int(seed)).hhi
