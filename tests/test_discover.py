"""Scenario discovery: PRIM finds a planted box, CART agrees, the condition is evaluated
safely and its mistakes are one clear line; derived columns on a real forecast folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pytest.importorskip("ema_workbench")

from analysis.discover import choose_box, discover, prim  # noqa: E402
from analysis.io import AnalysisError  # noqa: E402
from sim.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def planted(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Four parameters; the outcome happens exactly when a > 0.6 and b < 0.5."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "a": rng.random(n),
            "b": rng.random(n),
            "c": rng.random(n),
            "regime": rng.choice(["scaling", "ideas", "mixed"], n),
        }
    )
    return x


def test_prim_finds_a_planted_box():
    x = planted()
    y = ((x["a"] > 0.6) & (x["b"] < 0.5)).to_numpy()
    x = x.assign(regime=x["regime"].astype("category"))
    trajectory, lims, qps = prim(x, y)
    k = choose_box(trajectory)
    row = trajectory.loc[k]
    assert row["coverage"] >= 0.9 and row["density"] >= 0.9
    box = lims[k]
    assert box.loc[0, "a"] == pytest.approx(0.6, abs=0.03)
    assert box.loc[1, "b"] == pytest.approx(0.5, abs=0.03)
    assert set(qps[k]) == {"a", "b"}  # only the planted parameters are restricted


def sweep_folder(tmp_path: Path) -> Path:
    """A finished sweep folder holding the planted outcome as hhi_final."""
    x = planted(1000, seed=1)
    inside = (x["a"] > 0.6) & (x["b"] < 0.5)
    runs = pd.DataFrame(
        {
            "run_id": range(len(x)),
            "point": range(len(x)),
            "replication": 0,
            "seed": 0,
            "status": "ok",
            "mechanisms.a": x["a"],
            "mechanisms.b": x["b"],
            "mechanisms.c": x["c"],
            "world.regime": x["regime"],
            "hhi_final": np.where(inside, 8000.0, 1500.0),
            "structure_final": np.where(inside, "monopoly", "oligopoly"),
        }
    )
    folder = tmp_path / "sweep"
    folder.mkdir()
    runs.to_parquet(folder / "runs.parquet", index=False)
    spec = {
        "name": "planted",
        "parameters": {
            "mechanisms.a": {"low": 0, "high": 1},
            "mechanisms.b": {"low": 0, "high": 1},
            "mechanisms.c": {"low": 0, "high": 1},
            "world.regime": ["scaling", "ideas", "mixed"],
        },
    }
    (folder / "sweep.resolved.yaml").write_text(yaml.safe_dump(spec))
    return folder


def test_discover_command_writes_the_box_the_trajectory_and_cart(tmp_path, capsys):
    folder = sweep_folder(tmp_path)
    assert main(["discover", str(folder), "--where", "hhi_final >= 5000"]) == 0
    text = capsys.readouterr().out
    assert "satisfy hhi_final >= 5000" in text and "CART" in text
    out = folder / "discover"
    box = pd.read_csv(out / "prim_box.csv")
    restricted = set(box.loc[box["restricted"], "parameter"])
    assert restricted == {"mechanisms.a", "mechanisms.b"}
    a = box.set_index("parameter").loc["mechanisms.a"]
    assert a["lower"] == pytest.approx(0.6, abs=0.03) and a["qp_lower"] < 1e-6
    traj = pd.read_csv(out / "prim_trajectory.csv")
    chosen = traj[traj["chosen"]].iloc[0]
    assert chosen["coverage"] >= 0.9 and chosen["density"] >= 0.9
    assert traj["coverage"].iloc[0] == 1.0  # the first box holds every run
    leaves = pd.read_csv(out / "cart_leaves.csv")
    assert leaves["density"].iloc[0] >= 0.9 and "mechanisms.a" in leaves["rules"].iloc[0]
    for name in ("prim_tradeoff.png", "prim_box.png"):
        assert (out / name).stat().st_size > 0
    # strings and the boolean operators work too
    assert (
        main(
            [
                "discover",
                str(folder),
                "--where",
                "structure_final == 'monopoly' and hhi_final > 0",
                "--no-plot",
                "--no-cart",
            ]
        )
        == 0
    )


@pytest.mark.parametrize(
    "where, expected",
    [
        ("hhi_finl >= 5000", "unknown column 'hhi_finl'; did you mean hhi_final?"),
        ("__import__('os').system('true')", "cannot evaluate"),
        ("hhi_final + 1", "not a condition"),
        ("hhi_final >= 0", "holds in every run"),
        ("hhi_final >=", "cannot evaluate"),
    ],
)
def test_bad_conditions_are_one_line_and_exit_2(where, expected, tmp_path, capsys):
    folder = sweep_folder(tmp_path)
    assert main(["discover", str(folder), "--where", where]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
    assert not (folder / "discover").exists()


def test_not_a_folder_is_one_line(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "nope"), "--where", "hhi_final > 1"]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_derived_columns_on_a_forecast_folder(tmp_path):
    """first_monopoly_year and COLUMN_YYYY come from the recorded time series."""
    from sim.forecast.priors import load_priors
    from sim.forecast.runner import run_forecast

    priors = {
        "name": "d",
        "base": str(ROOT / "scenarios" / "baseline.yaml"),
        "set": {"end": "2024-01"},
        "seed": 4,
        "samples": 16,
        "parameters": {
            "mechanisms.warm_start.kappa": {"dist": "uniform", "low": 0.0, "high": 0.8, "why": "t"},
            "hardware.doubling_time_years": {
                "dist": "uniform",
                "low": 1.5,
                "high": 3.5,
                "why": "t",
            },
        },
    }
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(priors))
    out = tmp_path / "out"
    run_forecast(load_priors(path), out, jobs=1, progress=False)
    ts = pd.read_parquet(out / "timeseries.parquet")
    median = float(ts[ts["date"] == "2022-12"]["hhi"].median())
    result = discover(out, f"hhi_2022 > {median}", with_cart=False, figures=False)
    assert result.n_cases == 8 and result.n_runs == 16
    with pytest.raises(AnalysisError, match="every|no run"):
        discover(
            out,
            "first_monopoly_year <= 3000 or first_monopoly_year != first_monopoly_year",
            figures=False,
        )
