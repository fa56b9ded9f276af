"""Sensitivity indices from a sweep's own design, and refusals of designs that cannot
support them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.scenario import ScenarioError
from sim.sweep.runner import run_sweep
from sim.sweep.sensitivity import analyze_sweep
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"

PARAMS = {
    "mechanisms.warm_start.kappa": {"low": 0.0, "high": 0.8},
    "market.inertia": {"low": 0.5, "high": 0.98},
    "hardware.doubling_time_years": {"low": 1.5, "high": 3.5, "log": True},
}


def sampled_sweep(tmp_path: Path, sampler: str, samples: int) -> Path:
    spec = {
        "name": sampler,
        "base": str(BASELINE),
        "set": {"end": "2022-01"},
        "parameters": PARAMS,
        "sampler": sampler,
        "samples": samples,
        "seed": 3,
    }
    path = tmp_path / f"{sampler}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / f"{sampler}-out"
    run_sweep(load_sweep(path), out, jobs=1, progress=False)
    return out


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory):
    return sampled_sweep(tmp_path_factory.mktemp("sobol"), "sobol", 8)  # 8 * (3 + 2) = 40 runs


def test_sobol_indices_from_the_sweep(sobol_dir, capsys):
    report = analyze_sweep(sobol_dir, "frontier_capability_final", num_resamples=200)
    table = report.table
    assert report.method == "sobol" and report.n_points == 40
    assert list(table.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf", "conf_level"]
    assert set(table["parameter"]) == set(PARAMS)
    assert table["ST"].is_monotonic_decreasing  # ranked
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert pd.read_csv(report.csv_path).shape == (3, 6)
    assert report.plot_path is not None and report.plot_path.stat().st_size > 0

    assert main(["sensitivity", str(sobol_dir), "--output", "hhi_final", "--no-plot"]) == 0
    text = capsys.readouterr().out
    assert "sobol sensitivity of hhi_final: 40 design points" in text
    assert "mechanisms.warm_start.kappa" in text

    before = sorted(p.name for p in sobol_dir.iterdir())
    assert main(["sensitivity", str(sobol_dir), "--output", "hhi_final", "--dpi", "5000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --dpi 5000")
    assert sorted(p.name for p in sobol_dir.iterdir()) == before


def test_the_confidence_level_is_recorded_and_drawn(sobol_dir, capsys):
    """--conf 0.9: the CSV records 0.9, the printout and the figure say 90%, and the intervals
    are narrower than at 95%."""
    import matplotlib

    matplotlib.use("Agg")
    from analysis.plots import sensitivity_figure

    wide = analyze_sweep(sobol_dir, "hhi_final", num_resamples=200, plot=False)
    assert main(["sensitivity", str(sobol_dir), "--output", "hhi_final", "--conf", "0.9",
                 "--resamples", "200"]) == 0  # fmt: skip
    assert "±: 90% confidence interval" in capsys.readouterr().out
    csv = sobol_dir / "sensitivity-sobol-hhi_final.csv"
    table = pd.read_csv(csv)
    assert (table["conf_level"] == 0.9).all()
    assert table["ST_conf"].sum() < wide.table["ST_conf"].sum()
    label = sensitivity_figure(sobol_dir, file=csv).axes[0].get_xlabel()
    assert "90% confidence interval" in label and "95%" not in label


def test_sobol_intervals_are_the_same_every_time_for_seed_0(sobol_dir):
    """SALib ignores a seed of 0 and resamples from numpy's global generator; labsim passes
    it a nonzero seed derived from ours, so the bootstrap intervals repeat."""
    first = analyze_sweep(sobol_dir, "hhi_final", num_resamples=50, plot=False).table
    np.random.seed(12345)  # the global generator must not matter
    second = analyze_sweep(sobol_dir, "hhi_final", num_resamples=50, plot=False).table
    pd.testing.assert_frame_equal(first, second)


def test_morris_indices_from_the_sweep(tmp_path):
    out = sampled_sweep(tmp_path, "morris", 4)  # 4 trajectories * (3 + 1) = 16 runs
    report = analyze_sweep(out, "frontier_capability_final", num_resamples=100, plot=False)
    assert list(report.table.columns) == [
        "parameter", "mu", "mu_star", "mu_star_conf", "sigma", "conf_level"
    ]  # fmt: skip
    assert report.table["mu_star"].is_monotonic_decreasing
    assert (report.table["mu_star"] >= 0).all()
    with pytest.raises(ScenarioError, match="cannot support sobol"):
        analyze_sweep(out, "hhi_final", method="sobol")


@pytest.fixture(scope="module")
def grid_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "smoke"
    run_sweep(load_sweep(SMOKE), out, jobs=1, progress=False)
    return out


def test_grid_is_refused_with_a_clear_message(grid_dir, capsys):
    with pytest.raises(ScenarioError) as info:
        analyze_sweep(grid_dir, "hhi_final")
    text = info.value.problems[0]
    assert "sampler grid" in text and "sampler: sobol" in text and "sampler: morris" in text
    assert main(["sensitivity", str(grid_dir), "--output", "hhi_final"]) == 2
    assert "cannot support" in capsys.readouterr().err


def test_bad_output_metric(sobol_dir):
    with pytest.raises(ScenarioError, match="did you mean hhi_final"):
        analyze_sweep(sobol_dir, "hhi_fnal")
    with pytest.raises(ScenarioError, match="is not numeric"):
        analyze_sweep(sobol_dir, "structure_final")


def test_unfinished_or_missing_sweep(tmp_path, sobol_dir):
    with pytest.raises(ScenarioError, match="not a sweep directory"):
        analyze_sweep(tmp_path, "hhi_final")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "sweep.resolved.yaml").write_text(
        (sobol_dir / "sweep.resolved.yaml").read_text(), encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="has not finished"):
        analyze_sweep(partial, "hhi_final")
