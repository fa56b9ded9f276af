"""The command line's edges: output folders, closed pipes, unexpected errors, the run
summary's timing, and the sensitivity command before its sweep exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

import sim.commands
from sim.cli import main

SHORT = ["--set", "end=2021-01"]


def labsim(*args, cwd=None, stdout=subprocess.PIPE):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def run_into(out: Path, *extra: str):
    return labsim("run", str(SCENARIOS / "baseline.yaml"), *SHORT, "--out", str(out), *extra)


# ------------------------------------------------------------------ output folders


def test_a_run_folder_is_replaced_only_with_overwrite_and_nothing_stale_survives(tmp_path):
    out = tmp_path / "r"
    assert run_into(out, "--seed", "1", "--plot").returncode == 0
    before = (out / "timeseries.csv").read_bytes()
    proc = run_into(out, "--seed", "2", "--format", "parquet")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"error: {out}: already holds a run (baseline, seed 1, csv); pass --overwrite to "
        "replace it, or choose another --out"
    )
    assert (out / "timeseries.csv").read_bytes() == before and not list(out.glob("*.parquet"))
    proc = run_into(out, "--seed", "2", "--format", "parquet", "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert not list(out.glob("*.csv")) and not (out / "plots").exists()  # the old run is gone
    assert json.loads((out / "meta.json").read_text())["seed"] == 2


def test_the_default_folder_is_also_replaced_only_with_overwrite(tmp_path):
    args = ("run", str(SCENARIOS / "baseline.yaml"), *SHORT, "--quiet")
    first = labsim(*args, cwd=tmp_path)
    assert first.returncode == 0 and first.stdout.strip() == "runs/baseline-s42"
    again = labsim(*args, cwd=tmp_path)
    assert again.returncode == 2 and "pass --overwrite" in again.stderr
    assert labsim(*args, "--overwrite", cwd=tmp_path).returncode == 0


def test_a_folder_holding_anything_else_is_refused_even_with_overwrite(tmp_path):
    sweep = tmp_path / "sweep"
    assert (
        main(
            ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--out", str(sweep)]
            + ["--jobs", "1", "--quiet", "--set", "end=2020-04"]
        )  # fmt: skip
        == 0
    )
    meta = (sweep / "meta.json").read_bytes()
    proc = run_into(sweep, "--overwrite")
    assert proc.returncode == 2 and f"{sweep}: holds a sweep; choose another --out" in proc.stderr
    assert (sweep / "meta.json").read_bytes() == meta
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    proc = run_into(mine, "--overwrite")
    assert proc.returncode == 2 and "notes.txt" in proc.stderr
    assert (mine / "notes.txt").read_text() == "keep me" and len(list(mine.iterdir())) == 1
    # a user's file among a run's figures is not a run's either
    run = tmp_path / "run"
    assert run_into(run, "--plot").returncode == 0
    (run / "plots" / "my-sketch.png").write_bytes(b"")
    proc = run_into(run, "--overwrite")
    assert proc.returncode == 2 and "my-sketch.png" in proc.stderr
    assert (run / "timeseries.csv").exists()


def test_python_api_save_follows_the_same_rule(tmp_path):
    from sim import load_scenario, run
    from sim.scenario import ScenarioError

    result = run(load_scenario(SCENARIOS / "baseline.yaml", {"end": "2020-06"}))
    out = result.save(tmp_path / "r")
    with pytest.raises(ScenarioError, match="pass --overwrite"):
        result.save(out, format="parquet")
    result.save(out, format="parquet", overwrite=True)
    assert sorted(p.suffix for p in out.glob("timeseries.*")) == [".parquet"]


def test_check_out_follows_the_same_rule(tmp_path):
    targets = tmp_path / "t.yaml"
    targets.write_text(
        "targets:\n  - {name: x, source: s, status: untouched, kind: value, column: hhi, at: 2020-06, "
        "band: [0, 10000]}\n"
    )
    args = ("check", str(SCENARIOS / "baseline.yaml"), "--seeds", "1", *SHORT)
    args += ("--targets", str(targets), "--out", str(tmp_path / "c"))
    assert labsim(*args).returncode == 0
    again = labsim(*args)
    assert again.returncode == 2 and "already holds a calibration check" in again.stderr
    assert labsim(*args, "--overwrite").returncode == 0
    proc = labsim(*args[:-1], str(tmp_path), "--overwrite")  # holds c/ and t.yaml
    assert proc.returncode == 2 and "not a calibration check's" in proc.stderr and targets.exists()


# ----------------------------------------------------------------- closed pipes


@pytest.mark.parametrize("args", [("list",), ("run", "scenarios/baseline.yaml", *SHORT, "--out")])
def test_output_into_a_closed_pipe_ends_quietly(tmp_path, args):
    if args[-1] == "--out":
        args = (*args, str(tmp_path / "r"))
    read, write = os.pipe()
    os.close(read)  # like `| head -1` that has already exited: every write fails with EPIPE
    try:
        proc = labsim(*args, stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 141
    assert proc.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"


# ----------------------------------------------------------- unexpected errors


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    def broken(folder):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(sim.commands, "scenario_descriptions", broken)
    assert main(["list"]) == 1
    assert capsys.readouterr().err == (
        "labsim: internal error: RuntimeError: boom (run with --debug for the traceback)\n"
    )
    for argv in (["--debug", "list"], ["list", "--debug"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("Traceback") and "RuntimeError: boom" in err


def test_bad_input_keeps_exit_status_2():
    proc = labsim("validate", "scenarios/baseline.yaml", "--set", "labs.openai.enginers=3")
    assert proc.returncode == 2
    assert (
        proc.stderr == "error: --set labs.openai.enginers=3: unknown key; did you mean engineers?\n"
    )


# --------------------------------------------------------------------- timing


def test_the_summary_separates_simulation_time_from_the_whole_command(tmp_path):
    proc = run_into(tmp_path / "r")
    first = proc.stdout.splitlines()[0]
    assert "12 steps simulated in " in first and " ms (" in first
    assert "s in all, with start-up and writing files)" in first
    meta = json.loads((tmp_path / "r" / "meta.json").read_text())
    assert meta["wall_time_s"] > 0


# ------------------------------------------------------------------ sensitivity


def test_sensitivity_before_the_sweep_says_how_to_make_it(tmp_path):
    (tmp_path / "scenarios").symlink_to(SCENARIOS)  # a checkout, without the sweep's output
    proc = labsim("sensitivity", "sweeps/sobol-top10", "--output", "hhi_final", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "error: sweeps/sobol-top10: no such sweep directory: the sweep has not been run; "
        "make it with:",
        "  labsim sweep scenarios/sweeps/sobol-top10.yaml --out sweeps/sobol-top10",
    ]
