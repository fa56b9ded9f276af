"""Sweeps: spec checks before running, seeds, determinism across backends, kill and resume,
failing runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.scenario import ScenarioError
from sim.sweep.backends import WorkerLost
from sim.sweep.design import make_design, run_seed, tasks
from sim.sweep.evaluate import Evaluator
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"


def write_spec(tmp_path: Path, name: str = "spec", **fields) -> Path:
    spec = {
        "name": name,
        "base": str(BASELINE),
        "set": {"end": "2022-01"},
        "parameters": {"mechanisms.warm_start.kappa": [0.1, 0.5]},
        "sampler": "grid",
        "replications": 2,
        "seed": 5,
    }
    spec.update(fields)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def read_sorted(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(out / "runs.parquet").sort_values("run_id", ignore_index=True)
    ts = pd.read_parquet(out / "timeseries.parquet")
    return runs, ts.sort_values(["run_id", "step"], ignore_index=True)


# ------------------------------------------------------------ checked before running


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    return info.value.problems


def test_unknown_path_is_named_with_suggestion(tmp_path):
    spec = write_spec(
        tmp_path,
        parameters={
            "mechanisms.warm_start.kapa": [0.1],
            "labs.opena.engineers": [100, 200],
        },
    )
    text = "\n".join(problems_of(spec))
    assert "mechanisms.warm_start.kapa" in text and "did you mean kappa?" in text
    assert "no lab named 'opena'" in text and "did you mean openai?" in text


def test_bad_ranges_and_values_are_caught(tmp_path):
    spec = write_spec(
        tmp_path,
        parameters={
            "market.inertia": {"low": 0.9, "high": 0.5, "num": 3},
            "hardware.doubling_time_years": {"low": 0, "high": 2, "num": 3, "log": True},
        },
    )
    text = "\n".join(problems_of(spec))
    assert "parameters.market.inertia: high (0.5) must be greater than low (0.9)" in text
    assert "log: true needs low > 0" in text
    # in range for the sweep file, out of range for the scenario: caught at its extreme
    spec = write_spec(
        tmp_path,
        parameters={"mechanisms.imitation.capability_penalty": {"low": 0, "high": 1.5, "num": 4}},
    )
    text = "\n".join(problems_of(spec))
    assert "parameters.mechanisms.imitation.capability_penalty = 1.5" in text


def test_unknown_sampler_and_keys(tmp_path):
    spec = write_spec(tmp_path, sampler="sobel", replicatons=3)
    text = "\n".join(problems_of(spec))
    assert "unknown sampler 'sobel'" in text and "did you mean sobol?" in text
    assert "replicatons: unknown key; did you mean replications?" in text


def test_distribution_needs_a_sampled_design_and_vice_versa(tmp_path):
    spec = write_spec(tmp_path, parameters={"market.inertia": {"low": 0.5, "high": 0.9}})
    assert "needs a sampled design" in "\n".join(problems_of(spec))
    spec = write_spec(tmp_path, sampler="lhs", samples=4)
    assert "sampler lhs draws from a distribution" in "\n".join(problems_of(spec))
    spec = write_spec(
        tmp_path, sampler="sobol", parameters={"market.inertia": {"low": 0.5, "high": 0.9}}
    )
    assert "samples: required by sampler sobol" in "\n".join(problems_of(spec))


def test_unknown_record_column(tmp_path):
    spec = write_spec(tmp_path, record={"columns": ["hhi", "frontier_capabilty"]})
    assert "did you mean frontier_capability?" in "\n".join(problems_of(spec))


def test_cli_refuses_before_running(tmp_path, capsys):
    spec = write_spec(tmp_path, parameters={"mechanisms.warm_start.kapa": [0.1]})
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress"]) == 2
    assert "did you mean kappa?" in capsys.readouterr().err
    assert not out.exists()


def test_exponent_floats_and_lab_removal_reach_the_runs_table(tmp_path):
    # written as the shipped scenarios write numbers: 1.0e9, no sign in the exponent
    spec = tmp_path / "floats.yaml"
    spec.write_text(
        f"base: {BASELINE}\n"
        "set: {end: 2020-07, mechanisms.entry.enabled: false}\n"
        "parameters:\n"
        "  labs.openai.cash_usd: [1.0e9, 2.0e9, 1.0e10]\n"
        "  labs.deepmind.remove: [false, true]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet").sort_values("run_id")
    assert runs["labs.openai.cash_usd"].dtype == np.float64
    assert sorted(runs["labs.openai.cash_usd"].unique()) == [1e9, 2e9, 1e10]
    removed = runs["labs.deepmind.remove"].astype(bool)
    assert (runs.loc[removed, "n_active_final"] == 2).all()
    assert (runs.loc[~removed, "n_active_final"] == 3).all()


def test_cli_set_problems_name_the_set_and_file_ones_the_set_block(tmp_path, capsys):
    spec = write_spec(tmp_path, set={"end": "2022-01", "labs.openai.enginers": 3})
    out = tmp_path / "out"
    argv = ["sweep", str(spec), "--out", str(out), "--set", "labs.deepmind.enginers=4"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"error: {spec}: set: labs.openai.enginers: unknown key; did you mean engineers?" in err
    assert "error: --set labs.deepmind.enginers=4: unknown key; did you mean engineers?" in err


def test_removing_a_lab_an_event_names_is_caught_before_running(tmp_path):
    spec = write_spec(
        tmp_path,
        base=str(ROOT / "scenarios" / "history.yaml"),
        parameters={"labs.deepmind.remove": [False, True]},
    )
    text = "\n".join(problems_of(spec))
    assert "parameters.labs.deepmind.remove = True" in text
    assert "lab 'deepmind' is removed, but event merger on 2023-04 names it" in text


# --------------------------------------------------------------------- design, seeds


def test_run_seeds_come_from_seedsequence_spawn_by_position():
    children = np.random.SeedSequence(5).spawn(6)
    for i, child in enumerate(children):
        assert run_seed(5, i) == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def test_designs_have_the_sizes_salib_gives(tmp_path):
    dists = {
        "market.inertia": {"low": 0.5, "high": 0.9},
        "hardware.doubling_time_years": {"low": 1.5, "high": 3, "log": True},
    }
    sobol = load_sweep(write_spec(tmp_path, sampler="sobol", samples=8, parameters=dists)).spec
    assert make_design(sobol).n_points == 8 * (2 + 2)
    morris = load_sweep(write_spec(tmp_path, sampler="morris", samples=3, parameters=dists)).spec
    assert make_design(morris).n_points == 3 * (2 + 1)
    lhs = load_sweep(write_spec(tmp_path, sampler="lhs", samples=7, parameters=dists)).spec
    design = make_design(lhs)
    assert design.n_points == 7
    assert design.names == ("market.inertia", "hardware.doubling_time_years")
    doubling = np.array([v[1] for v in design.values])
    assert ((doubling >= 1.5) & (doubling <= 3)).all()
    grid = load_sweep(SMOKE).spec
    runs = list(tasks(make_design(grid), grid))
    assert [t.run_id for t in runs] == list(range(8))
    assert runs[3].overrides == {
        "mechanisms.warm_start.kappa": 0.1,
        "mechanisms.imitation.capability_penalty": 0.4,
    }


# ----------------------------------------------------------------- running a sweep


@pytest.fixture(scope="module")
def smoke_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "jobs1"
    result = run_sweep(load_sweep(SMOKE), out, jobs=1, progress=False)
    return out, result


def test_sweep_directory_contents(smoke_serial):
    out, result = smoke_serial
    assert result.succeeded == 8 and result.failed == 0
    assert {p.name for p in out.iterdir()} == {
        "runs.parquet",
        "timeseries.parquet",
        "failures.jsonl",
        "sweep.resolved.yaml",
        "meta.json",
    }
    runs, ts = read_sorted(out)
    for col in (
        "run_id",
        "mechanisms.warm_start.kappa",
        "mechanisms.imitation.capability_penalty",
        "replication",
        "seed",
        "status",
        "hhi_final",
        "cr1_final",
        "structure_final",
        "leader_final",
        "frontier_capability_final",
        "largest_run_flop",
        "hardware_overhang_world_final",
        "hardware_overhang_budget_final",
        "years_to_first_monopoly",
    ):
        assert col in runs.columns, col
    assert runs["run_id"].tolist() == list(range(8))
    assert set(runs["seed"]) == {run_seed(7, i) for i in range(8)}
    # yearly records (end of each year) over the 3-year horizon
    assert ts.groupby("run_id")["step"].apply(list).tolist() == [[11, 23, 35]] * 8
    assert {"run_id", "step", "date", "hhi", "structure", "frontier_capability"} <= set(ts.columns)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "complete" and meta["n_runs"] == 8
    resolved = yaml.safe_load((out / "sweep.resolved.yaml").read_text())
    assert resolved["base_scenario"]["end"] == "2023-01"


def test_same_results_whatever_the_backend(smoke_serial, tmp_path):
    out1, _ = smoke_serial
    runs1, ts1 = read_sorted(out1)
    run_sweep(load_sweep(SMOKE), tmp_path / "jobs2", jobs=2, progress=False)
    runs2, ts2 = read_sorted(tmp_path / "jobs2")
    pd.testing.assert_frame_equal(runs1, runs2)
    pd.testing.assert_frame_equal(ts1, ts2)
    pytest.importorskip("distributed")
    run_sweep(load_sweep(SMOKE), tmp_path / "dask", jobs=2, backend="dask", progress=False)
    runs3, ts3 = read_sorted(tmp_path / "dask")
    pd.testing.assert_frame_equal(runs1, runs3)
    pd.testing.assert_frame_equal(ts1, ts3)


def test_refuses_to_mix_sweeps_in_one_folder(smoke_serial, tmp_path):
    out, _ = smoke_serial
    with pytest.raises(ScenarioError, match="--resume"):
        run_sweep(load_sweep(SMOKE), out, jobs=1, progress=False)
    with pytest.raises(ScenarioError, match="the sweep changed"):
        run_sweep(load_sweep(SMOKE, ["end=2022-01"]), out, jobs=1, resume=True, progress=False)
    # resuming a finished sweep does nothing and reports it
    again = run_sweep(load_sweep(SMOKE), out, jobs=1, resume=True, progress=False)
    assert again.done_before == 8 and again.succeeded == 8


def test_a_sweep_run_measures_what_a_full_run_does():
    """Sweeps skip lab rows and DataFrames; the time series and final metrics are the same."""
    from sim.results import run, simulate
    from sim.scenario import apply_overrides, resolve_file, validate
    from sim.sweep.metrics import final_metrics

    scenario = validate(
        apply_overrides(resolve_file(BASELINE), {"mechanisms.imitation.enabled": True})
    )
    full = run(scenario, seed=3)
    lean = simulate(scenario, seed=3, record_labs=False)
    assert lean.recorder.labs == [] and len(full.labs) > 0
    columns = lean.recorder.timeseries_columns()
    pd.testing.assert_frame_equal(pd.DataFrame(columns), full.timeseries)
    from_columns = final_metrics(columns, 2020.0)
    from_frame = final_metrics(full.timeseries, 2020.0)
    assert from_columns.keys() == from_frame.keys()
    for name, value in from_frame.items():
        assert from_columns[name] == value or (value != value and from_columns[name] != value)


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import sim.results

    real_simulate = sim.results.simulate

    def flaky(scenario, seed=None, record_labs=True):
        if scenario.mechanisms.warm_start.kappa == 0.5:
            raise FloatingPointError("boom in a corner of parameter space")
        return real_simulate(scenario, seed=seed, record_labs=record_labs)

    monkeypatch.setattr(sim.results, "simulate", flaky)
    result = run_sweep(load_sweep(SMOKE), tmp_path / "out", jobs=1, progress=False)
    assert (result.succeeded, result.failed) == (4, 4)
    runs, ts = read_sorted(tmp_path / "out")
    failed = runs[runs["status"] == "failed"]
    assert (failed["mechanisms.warm_start.kappa"] == 0.5).all()
    assert failed["error"].str.contains("FloatingPointError").all()
    assert failed["hhi_final"].isna().all()
    assert set(ts["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    lines = [json.loads(x) for x in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert [r["run_id"] for r in lines] == failed["run_id"].tolist()
    first = lines[0]
    assert first["parameters"]["mechanisms.warm_start.kappa"] == 0.5
    assert first["seed"] == run_seed(7, first["run_id"])
    assert "Traceback" in first["traceback"] and "boom" in first["traceback"]


def test_kill_mid_sweep_then_resume(tmp_path):
    spec = write_spec(
        tmp_path,
        parameters={
            "mechanisms.warm_start.kappa": [0.1, 0.5],
            "market.inertia": [0.8, 0.9],
        },
        replications=15,
    )  # 60 runs of 2 years
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out)]
    cmd += ["--jobs", "1", "--no-progress", "--commit-every", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parts = out / ".parts"
    deadline = time.monotonic() + 60
    while not list(parts.glob("runs-*.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no chunk was written"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = sum(
        len(pd.read_parquet(p, columns=["run_id"])) for p in parts.glob("runs-*.parquet")
    )
    assert 0 < committed < 60, "the kill should land mid-sweep"
    assert not (out / "runs.parquet").exists()

    result = run_sweep(load_sweep(spec), out, jobs=2, resume=True, progress=False)
    assert result.done_before == committed
    runs, ts = read_sorted(out)
    assert runs["run_id"].tolist() == list(range(60))  # none missing, none twice
    assert not ts.duplicated(["run_id", "step"]).any()
    assert set(ts["run_id"]) == set(range(60))
    assert not parts.exists()

    reference = run_sweep(load_sweep(spec), tmp_path / "ref", jobs=1, progress=False)
    assert reference.succeeded == 60
    ref_runs, ref_ts = read_sorted(tmp_path / "ref")
    pd.testing.assert_frame_equal(runs, ref_runs)
    pd.testing.assert_frame_equal(ts, ref_ts)


def test_parent_process_never_imports_mesa(tmp_path):
    """Workers import the model (Mesa: 1-2 s) in the fork server; the parent only plans,
    collects and writes."""
    code = (
        "import sys; from sim.sweep import load_sweep, run_sweep; "
        f"r = run_sweep(load_sweep({str(SMOKE)!r}), {str(tmp_path / 'out')!r}, jobs=2, "
        "progress=False); print(r.succeeded, 'mesa' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "False"]


class _DiesOnRun5(Evaluator):
    """A worker that is killed mid-sweep (as by the out-of-memory killer)."""

    def __call__(self, task):
        if task.run_id == 5:
            os._exit(9)
        return super().__call__(task)


def test_lost_worker_keeps_finished_runs_for_resume(tmp_path):
    sweep = load_sweep(SMOKE)
    spec = sweep.spec
    dying = _DiesOnRun5(sweep.base_raw, spec.record.columns, spec.record.every_steps)
    out = tmp_path / "out"
    with pytest.raises(WorkerLost, match="--resume"):
        run_sweep(sweep, out, jobs=2, progress=False, evaluator=dying)
    assert json.loads((out / "meta.json").read_text())["status"] == "crashed"
    result = run_sweep(load_sweep(SMOKE), out, jobs=1, resume=True, progress=False)
    assert result.succeeded == 8 and result.failed == 0
    assert read_sorted(out)[0]["run_id"].tolist() == list(range(8))


def test_cli_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(SMOKE), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "8 succeeded, 0 failed of 8 runs" in text
    assert "final structure by mechanisms.warm_start.kappa" in text
