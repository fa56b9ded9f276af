"""Sensitivity per simulated year: Sobol indices of a toy model with a known answer
(Ishigami, its coefficient changing by year), PAWN for correlated samples and choices, and
the command on a sobol sweep and on a forecast."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.sweep.pawn import pawn_indices
from sim.sweep.sensitivity_time import Sample, indices_by_year

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
PI = math.pi


def ishigami_indices(a: float, b: float) -> tuple[list[float], list[float]]:
    """Analytic first-order and total Sobol indices of sin x1 + a sin^2 x2 + b x3^4 sin x1,
    inputs uniform on [-pi, pi] (Ishigami & Homma 1990)."""
    v = a**2 / 8 + b * PI**4 / 5 + b**2 * PI**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * PI**8 / 225
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_per_year_sobol_indices_match_ishigami():
    from SALib.sample import sobol as saltelli

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
    X = saltelli.sample(problem, 2048, calc_second_order=False, seed=3)
    years = {2020: 0.0, 2025: 3.5, 2030: 7.0}  # a grows: x2 matters more each year
    b = 0.1
    Y = pd.DataFrame(
        {
            year: np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])
            for year, a in years.items()
        }
    )
    sample = Sample("sobol", problem["names"], X, np.arange(len(X)), [False] * 3, problem, X)
    table, skipped = indices_by_year("sobol", sample, Y, num_resamples=100)
    assert skipped == []
    for year, a in years.items():
        s1, st = ishigami_indices(a, b)
        got = table[table["year"] == year].set_index("parameter")
        assert got["S1"].tolist() == pytest.approx(s1, abs=0.04), year
        assert got["ST"].tolist() == pytest.approx(st, abs=0.04), year
    x2 = table[table["parameter"] == "x2"].sort_values("year")["ST"]
    assert x2.is_monotonic_increasing


def test_pawn_ranks_correlated_inputs_and_choices():
    rng = np.random.default_rng(0)
    n = 3000
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1]], n)
    regime = rng.integers(0, 3, n).astype(float)
    X = np.column_stack([z, regime])
    y = 3 * z[:, 0] + 0.3 * z[:, 2] + 2.0 * (regime == 2)
    table = pawn_indices(X, y, ["strong", "correlated", "weak", "regime"], [False] * 3 + [True])
    got = table.set_index("parameter")["pawn_median"]
    noise = float(table["noise_level"].iloc[0])
    assert got["strong"] > got["regime"] > got["weak"]
    assert got["correlated"] > noise  # it carries the strong one's information: PAWN says so
    assert got["weak"] < got["correlated"]
    assert (table["pawn_min"] <= table["pawn_median"]).all()
    assert (table["pawn_median"] <= table["pawn_max"]).all()


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    from sim.sweep.runner import run_sweep
    from sim.sweep.spec import load_sweep

    folder = tmp_path_factory.mktemp("sobol")
    spec = {
        "name": "sobol",
        "base": str(BASELINE),
        "set": {"end": "2023-01"},
        "parameters": {
            "mechanisms.warm_start.kappa": {"low": 0.0, "high": 0.8},
            "hardware.doubling_time_years": {"low": 1.5, "high": 3.5},
        },
        "sampler": "sobol",
        "samples": 8,
        "seed": 3,
    }
    path = folder / "sobol.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = folder / "out"
    run_sweep(load_sweep(path), out, jobs=1, progress=False)
    return out


def test_by_year_on_a_sobol_sweep(sobol_sweep, capsys):
    assert (
        main(
            [
                "sensitivity",
                str(sobol_sweep),
                "--output",
                "frontier_capability",
                "--by-year",
                "--resamples",
                "50",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "sobol sensitivity of frontier_capability per year" in text
    table = pd.read_csv(sobol_sweep / "sensitivity" / "sobol-frontier_capability-by-year.csv")
    assert list(table.columns) == ["year", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert set(table["year"]) == {2020, 2021, 2022}
    assert (
        sobol_sweep / "sensitivity" / "sobol-frontier_capability-by-year.png"
    ).stat().st_size > 0


def test_by_year_refusals(sobol_sweep, capsys):
    assert main(["sensitivity", str(sobol_sweep), "--output", "hhii", "--by-year"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean hhi?" in err[0]
    assert (
        main(
            ["sensitivity", str(sobol_sweep), "--output", "hhi", "--by-year", "--method", "morris"]
        )
        == 2
    )
    assert "morris" in capsys.readouterr().err


def test_forecast_sensitivity_uses_pawn_and_refuses_sobol(tmp_path, capsys):
    from sim.forecast.priors import load_priors
    from sim.forecast.runner import run_forecast

    priors = {
        "name": "p",
        "base": str(BASELINE),
        "set": {"end": "2023-01"},
        "seed": 2,
        "samples": 40,
        "parameters": {
            "mechanisms.warm_start.kappa": {"dist": "beta", "ci80": [0.1, 0.6], "why": "t"},
            "hardware.doubling_time_years": {"dist": "lognormal", "ci80": [1.8, 3.0], "why": "t"},
            "world.progress_regime": {"dist": "choice", "values": ["scaling", "ideas"], "why": "t"},
        },
        "correlations": [
            {
                "between": ["mechanisms.warm_start.kappa", "hardware.doubling_time_years"],
                "rho": 0.4,
                "why": "t",
            }
        ],
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(priors))
    out = tmp_path / "out"
    run_forecast(load_priors(path), out, jobs=1, progress=False)
    assert main(["sensitivity", str(out), "--output", "hhi", "--by-year", "--slices", "4"]) == 0
    text = capsys.readouterr().out
    assert "pawn sensitivity of hhi per year" in text and "correlated inputs" in text
    table = pd.read_csv(out / "sensitivity" / "pawn-hhi-by-year.csv")
    assert set(table["parameter"]) == set(priors["parameters"])
    assert table["pawn_median"].between(0, 1).all()
    assert (
        main(["sensitivity", str(out), "--output", "frontier_capability_final", "--slices", "4"])
        == 0
    )
    assert (out / "sensitivity" / "pawn-frontier_capability_final.csv").exists()
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--output", "hhi_final", "--method", "sobol"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "use --method pawn" in err[0]
