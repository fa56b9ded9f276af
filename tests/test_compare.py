"""``labsim compare``: paired outcomes of two scenarios on the same seeds."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS, load

from sim import compare
from sim.cli import main

SHORT = "end=2024-01"


@pytest.fixture(scope="module")
def baseline_runs():
    return compare.run_seeds(load("baseline.yaml", end="2024-01"), range(4))


def test_a_scenario_compared_with_itself_differs_by_nothing(baseline_runs):
    again = compare.run_seeds(load("baseline.yaml", end="2024-01"), range(4))
    rows = compare.paired_table(baseline_runs, again)
    assert {r["metric"] for r in rows} == {m.label for m in compare.METRICS}
    for row in rows:
        neutral = 1.0 if row["paired"] == "B / A" else 0.0
        assert row["seeds"] > 0, row["metric"]
        assert (row["median"], row["p5"], row["p95"]) == (neutral, neutral, neutral), row
        assert row["a_median"] == row["b_median"]
    leaders = compare.leader_summary(baseline_runs, again)
    assert leaders["differs_share"] == 0.0 and leaders["a_modal"] == leaders["b_modal"]


def test_paired_differences_are_per_seed_and_ordered_b_minus_a():
    # To 2030: the natural monopoly tips in the late 2020s; before that both worlds are led
    # by the lab that sold a chat assistant first.
    baseline_runs = compare.run_seeds(load("baseline.yaml", end="2030-01"), range(4))
    monopoly = compare.run_seeds(load("natural-monopoly.yaml", end="2030-01"), range(4))
    rows = {r["column"]: r for r in compare.paired_table(baseline_runs, monopoly)}
    hhi = rows["hhi"]
    diffs = monopoly.finals["hhi"] - baseline_runs.finals["hhi"]
    assert hhi["median"] == pytest.approx(diffs.median())
    assert hhi["p5"] <= hhi["median"] <= hhi["p95"]
    assert hhi["median"] > 0  # the natural monopoly is more concentrated
    reverse = {r["column"]: r for r in compare.paired_table(monopoly, baseline_runs)}
    assert reverse["hhi"]["median"] == pytest.approx(-hhi["median"])
    ratio = rows["frontier_training_flop"]
    assert ratio["median"] * reverse["frontier_training_flop"]["median"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        compare.paired_table(baseline_runs, compare.run_seeds(monopoly.scenario, range(3)))


def test_cli_prints_the_table_and_writes_csv_and_figure(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "natural-monopoly.yaml")]
    assert main([*argv, "--seeds", "3", "--set", SHORT, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for m in compare.METRICS:
        assert m.label in text
    assert "final leader" in text and "90% interval" in text and "seeds 0-2" in text
    table = pd.read_csv(out / "compare.csv")
    assert list(table["column"]) == [m.column for m in compare.METRICS] + ["leader"]
    assert (out / "compare.png").stat().st_size > 10_000
    seeds = pd.read_csv(out / "compare_seeds.csv")
    assert list(seeds["seed"]) == [0, 1, 2] and "b_leader" in seeds


def test_cli_self_comparison_prints_zero_differences(capsys):
    path = str(SCENARIOS / "baseline.yaml")
    assert main(["compare", path, path, "--seeds", "2", "--set", SHORT]) == 0
    text = capsys.readouterr().out
    assert "differ in 0/2 seeds" in text
    hhi_line = next(line for line in text.splitlines() if line.startswith("final HHI"))
    assert "+0 " in hhi_line and "+0 to +0" in hhi_line
    assert "baseline (A)" in text  # same file twice: the labels still tell A from B


def test_bad_input_is_reported_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "cmp"
    path = str(SCENARIOS / "baseline.yaml")
    assert main(["compare", path, path, "--seeds", "0", "--out", str(out)]) == 2
    assert "--seeds 0" in capsys.readouterr().err
    missing = str(tmp_path / "nope.yaml")
    assert main(["compare", path, missing, "--set", "end=2040-13", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("error: ") for line in err) and len(err) >= 2
    assert not out.exists()


def test_compare_leaves_the_matplotlib_backend_alone(tmp_path):
    code = (
        "import sys, matplotlib; from sim.cli import main; "
        f"rc = main(['compare', {str(SCENARIOS / 'baseline.yaml')!r}, "
        f"{str(SCENARIOS / 'baseline.yaml')!r}, '--seeds', '1', '--set', {SHORT!r}, "
        f"'--out', {str(tmp_path)!r}]); "
        "print(rc, matplotlib.get_backend())"
    )
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["0", "svg"]
    assert (tmp_path / "compare.png").exists()
