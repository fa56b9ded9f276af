"""Forecasts: priors checked before running, the copula and the marginals reproduce what the
file asks for, the forecast folder, determinism across backends, kill and resume, outputs,
the comparison of two forecasters, and scored backtests."""

from __future__ import annotations

import json
import math
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
from scipy import stats

from sim.cli import main
from sim.forecast import copula
from sim.forecast.distributions import Beta, Choice, LogNormal, Normal, Triangular, beta_from_ci80
from sim.forecast.priors import check_priors, load_priors, priors_from_dict
from sim.forecast.sampling import draw_values, make_design
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
PRIORS = ROOT / "scenarios" / "priors"

# Four continuous priors given by 80% intervals, three rank correlations among them.
CI80 = {
    "hardware.doubling_time_years": ("lognormal", (1.8, 2.8)),
    "mechanisms.warm_start.kappa": ("beta", (0.1, 0.5)),
    "talent.pool_growth_per_year": ("normal", (0.05, 0.25)),
    "mechanisms.spillovers.rate_per_year": ("lognormal", (0.3, 1.2)),
}
RHO = {
    ("hardware.doubling_time_years", "mechanisms.warm_start.kappa"): 0.5,
    ("hardware.doubling_time_years", "talent.pool_growth_per_year"): -0.4,
    ("mechanisms.warm_start.kappa", "mechanisms.spillovers.rate_per_year"): 0.3,
}


def priors_dict(**fields) -> dict:
    data = {
        "name": "tiny",
        "base": str(BASELINE),
        "set": {"end": "2023-01"},
        "seed": 11,
        "samples": 12,
        "parameters": {
            "hardware.doubling_time_years": {"dist": "lognormal", "ci80": [1.8, 2.8], "why": "t"},
            "mechanisms.warm_start.kappa": {"dist": "beta", "ci80": [0.1, 0.5], "why": "t"},
            "world.progress_regime": {
                "dist": "choice",
                "values": ["scaling", "ideas"],
                "weights": [0.7, 0.3],
                "why": "t",
            },
        },
        "correlations": [
            {
                "between": ["hardware.doubling_time_years", "mechanisms.warm_start.kappa"],
                "rho": 0.5,
                "why": "t",
            }
        ],
    }
    data.update(fields)
    return data


def write_priors(tmp_path: Path, name: str = "tiny", **fields) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(priors_dict(name=name, **fields), sort_keys=False))
    return path


def ci80_priors(sampler: str, samples: int):
    params = {
        path: {"dist": dist, "ci80": list(ci), "why": "test"} for path, (dist, ci) in CI80.items()
    }
    corr = [{"between": list(pair), "rho": rho, "why": "test"} for pair, rho in RHO.items()]
    spec = priors_from_dict(
        priors_dict(parameters=params, correlations=corr, sampler=sampler, samples=samples)
    )
    return check_priors(spec)


# ------------------------------------------------------------------ distributions, copula


def test_spearman_and_pearson_are_inverse():
    rho = np.linspace(-1, 1, 21)
    assert np.allclose(copula.spearman_from_pearson(copula.pearson_from_spearman(rho)), rho)
    assert copula.pearson_from_spearman(1.0) == pytest.approx(1.0)
    assert copula.pearson_from_spearman(0.5) == pytest.approx(2 * math.sin(math.pi / 12))


@pytest.mark.parametrize(
    "prior, lo, hi",
    [
        (Normal(dist="normal", ci80=(1.0, 3.0), why="t"), 1.0, 3.0),
        (LogNormal(dist="lognormal", ci80=(0.5, 8.0), why="t"), 0.5, 8.0),
        (Beta(dist="beta", ci80=(0.05, 0.3), why="t"), 0.05, 0.3),
    ],
)
def test_ci80_is_the_10th_and_90th_percentile(prior, lo, hi):
    assert prior.ppf(np.array([0.1, 0.9])) == pytest.approx([lo, hi], rel=1e-6)


def test_own_parameters_truncation_integers_and_choices():
    normal = Normal(dist="normal", mean=2.0, sd=0.5, why="t")
    assert normal.ppf(np.array([0.5]))[0] == pytest.approx(2.0)
    lognormal = LogNormal(dist="lognormal", median=3.0, sigma=0.4, why="t")
    assert lognormal.ppf(np.array([0.5]))[0] == pytest.approx(3.0)
    a, b = beta_from_ci80(0.2, 0.6)
    assert stats.beta.ppf([0.1, 0.9], a, b) == pytest.approx([0.2, 0.6], abs=1e-7)
    cut = Normal(dist="normal", ci80=(0.0, 1.0), min=0.3, max=0.6, why="t")
    x = cut.ppf(np.linspace(0.001, 0.999, 500))
    assert x.min() >= 0.3 and x.max() <= 0.6 and x.min() < 0.31 and x.max() > 0.59
    tri = Triangular(dist="triangular", low=1, mode=2, high=10, integer=True, why="t")
    assert tri.values(np.linspace(0.01, 0.99, 50)) == sorted(
        tri.values(np.linspace(0.01, 0.99, 50))
    )
    assert all(isinstance(v, int) for v in tri.values(np.array([0.3])))
    choice = Choice(dist="choice", values=("a", "b", "c"), weights=(1, 2, 1), why="t")
    picks = choice.values_at(np.linspace(0.0005, 0.9995, 1000))
    assert [picks.count(v) / 1000 for v in "abc"] == pytest.approx([0.25, 0.5, 0.25], abs=0.002)


def _spearman(values, names):
    frame = pd.DataFrame(values, columns=names)
    return frame.rank().corr().to_numpy()


def _check_draws(priors, tolerance):
    values = draw_values(priors)
    names = priors.names
    n = len(values)
    drawn = _spearman(values, names)
    for (a, b), rho in RHO.items():
        i, j = names.index(a), names.index(b)
        tolerance(drawn[i, j], rho, n)
    zero = [(i, j) for i in range(4) for j in range(i) if priors.spearman[i, j] == 0]
    for i, j in zero:
        tolerance(drawn[i, j], 0.0, n)
    frame = pd.DataFrame(values, columns=names)
    shares = {p: float(frame[p].between(*ci).mean()) for p, (_, ci) in CI80.items()}
    return n, shares


def test_copula_reproduces_rank_correlations_and_intervals_on_4000_sobol_draws():
    priors = ci80_priors("sobol", 4000)

    def within(got, want, n):
        assert abs(got - want) <= 0.03, (got, want)

    n, shares = _check_draws(priors, within)
    assert n == 4000
    for path, share in shares.items():
        assert abs(share - 0.8) <= 0.02, (path, share)


@pytest.mark.parametrize("sampler", ["lhs", "random"])
def test_other_samplers_within_four_standard_errors(sampler):
    priors = ci80_priors(sampler, 4000)

    def within(got, want, n):
        # Fisher z of Spearman's rho has standard error sqrt((1 + rho^2 / 2) / (n - 3))
        se = math.sqrt((1 + want**2 / 2) / (n - 3))
        assert abs(math.atanh(got) - math.atanh(want)) <= 4 * se, (got, want)

    n, shares = _check_draws(priors, within)
    for path, share in shares.items():
        assert abs(share - 0.8) <= 4 * math.sqrt(0.16 / n), (path, share)


def test_draws_are_reproducible_from_the_seed():
    first = draw_values(ci80_priors("sobol", 64))
    assert first == draw_values(ci80_priors("sobol", 64))
    spec = priors_from_dict(priors_dict(seed=12))
    assert draw_values(check_priors(spec)) != draw_values(
        check_priors(priors_from_dict(priors_dict()))
    )


def test_shipped_priors_are_valid_and_cite_sources():
    for path in sorted(PRIORS.glob("*.yaml")):
        priors = load_priors(path)
        assert priors.spec.parameters, path
        for name, prior in priors.spec.parameters.items():
            assert prior.why.strip(), (path, name)
            assert not name.startswith(("market.", "funding.", "world.capability_")), name
        assert make_design(priors.with_options(samples=8)).n_points == 8


# ------------------------------------------------------------------ bad priors


BAD = {
    "unknown path": (
        {
            "parameters": {
                "hardware.doubling_time": {"dist": "normal", "ci80": [1, 2], "why": "t"}
            },
            "correlations": [],
        },
        "parameters.hardware.doubling_time: unknown key; did you mean doubling_time_years?",
    ),
    "ci80 reversed": (
        {
            "parameters": {
                "hardware.doubling_time_years": {"dist": "lognormal", "ci80": [3, 2], "why": "t"}
            },
            "correlations": [],
        },
        "ci80 [3, 2]: the lower end must be below the upper end",
    ),
    "rho outside [-1, 1]": (
        {
            "correlations": [
                {
                    "between": ["hardware.doubling_time_years", "mechanisms.warm_start.kappa"],
                    "rho": 1.4,
                    "why": "t",
                }
            ]
        },
        "correlations[0]: rho 1.4 is outside [-1, 1]",
    ),
    "not positive semi-definite": (
        {
            "parameters": {
                "hardware.doubling_time_years": {"dist": "lognormal", "ci80": [2, 3], "why": "t"},
                "mechanisms.warm_start.kappa": {"dist": "beta", "ci80": [0.1, 0.5], "why": "t"},
                "talent.pool_growth_per_year": {"dist": "normal", "ci80": [0.1, 0.2], "why": "t"},
            },
            "correlations": [
                {
                    "between": ["hardware.doubling_time_years", "mechanisms.warm_start.kappa"],
                    "rho": 0.9,
                    "why": "t",
                },
                {
                    "between": ["hardware.doubling_time_years", "talent.pool_growth_per_year"],
                    "rho": 0.9,
                    "why": "t",
                },
                {
                    "between": ["mechanisms.warm_start.kappa", "talent.pool_growth_per_year"],
                    "rho": -0.9,
                    "why": "t",
                },
            ],
        },
        "not positive semi-definite",
    ),
    "beta interval outside (0, 1)": (
        {
            "parameters": {
                "mechanisms.warm_start.kappa": {"dist": "beta", "ci80": [0.2, 1.3], "why": "t"}
            },
            "correlations": [],
        },
        "a beta's interval must lie inside (0, 1)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_priors_give_one_clear_line_and_exit_2(case, tmp_path, capsys):
    fields, expected = BAD[case]
    path = write_priors(tmp_path, **fields)
    out = tmp_path / "out"
    assert main(["forecast", str(path), "--out", str(out), "--jobs", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ") and expected in err[0], err
    assert "Traceback" not in err[0]
    assert not out.exists()


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            {"parameters": {"mechanisms.warm_start.kappa": {"dist": "beta", "ci80": [0.1, 0.5]}}},
            "parameters.mechanisms.warm_start.kappa.why: required but missing",
        ),
        (
            {"parameters": {"mechanisms.warm_start.kappa": {"dist": "gauss", "why": "t"}}},
            "unknown distribution 'gauss'",
        ),
        (
            {
                "parameters": {
                    "hardware.doubling_time_years": {"dist": "normal", "ci80": [0.2, 3], "why": "t"}
                },
                "correlations": [],
            },
            "truncate it with min:/max:",
        ),
        (
            {
                "correlations": [
                    {
                        "between": ["world.progress_regime", "mechanisms.warm_start.kappa"],
                        "rho": 0.2,
                        "why": "t",
                    }
                ]
            },
            "world.progress_regime is a choice",
        ),
        (
            {
                "parameters": {
                    "labs.opnai.engineers": {"dist": "uniform", "low": 1, "high": 2, "why": "t"}
                },
                "correlations": [],
            },
            "no lab named 'opnai'; did you mean openai?",
        ),
        ({"sampler": "sobel"}, "did you mean sobol?"),
        ({"origin": "2030-01"}, "origin (2030-01) must lie within the scenario"),
    ],
)
def test_more_mistakes_are_named(fields, expected, tmp_path):
    path = write_priors(tmp_path, **fields)
    with pytest.raises(ScenarioError) as info:
        load_priors(path)
    assert any(expected in line for line in info.value.problems), info.value.problems


# ------------------------------------------------------------------ running a forecast


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 12-world, 3-year forecast, run in this process."""
    from sim.forecast.runner import run_forecast

    folder = tmp_path_factory.mktemp("forecast")
    path = write_priors(folder)
    out = folder / "serial"
    result = run_forecast(load_priors(path), out, jobs=1, progress=False)
    return path, out, result


def test_forecast_folder_holds_the_worlds_and_their_reductions(tiny):
    path, out, result = tiny
    for name in (
        "samples.parquet",
        "runs.parquet",
        "timeseries.parquet",
        "quantiles.parquet",
        "structure_probability.parquet",
        "sweep.resolved.yaml",
        "meta.json",
    ):
        assert (out / name).exists(), name
    samples = pd.read_parquet(out / "samples.parquet")
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(samples) == 12 and samples["point"].tolist() == list(range(12))
    assert set(samples["world.progress_regime"]) <= {"scaling", "ideas"}
    pd.testing.assert_series_equal(
        runs["hardware.doubling_time_years"], samples["hardware.doubling_time_years"]
    )
    resolved = yaml.safe_load((out / "sweep.resolved.yaml").read_text())
    assert resolved["kind"] == "forecast" and resolved["design_digest"]
    q = pd.read_parquet(out / "quantiles.parquet")
    assert {
        "hhi",
        "cr1",
        "frontier_capability",
        "frontier_training_flop",
        "runnable_copies",
    } <= set(q["measure"])
    assert set(q["year"]) == {2020, 2021, 2022}
    ordered = q.dropna(subset=["q05"])
    assert (ordered["q05"] <= ordered["q25"]).all() and (ordered["q25"] <= ordered["q50"]).all()
    assert (ordered["q50"] <= ordered["q75"]).all() and (ordered["q75"] <= ordered["q95"]).all()
    s = pd.read_parquet(out / "structure_probability.parquet")
    shares = s[
        ["monopoly", "duopoly", "concentrated_oligopoly", "oligopoly", "competitive", "no_market"]
    ]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert s["monopoly_formed"].is_monotonic_increasing
    assert (s["n_worlds"] == 12).all()


def test_quantiles_are_those_of_the_recorded_year_ends(tiny):
    _, out, _ = tiny
    ts = pd.read_parquet(out / "timeseries.parquet")
    q = pd.read_parquet(out / "quantiles.parquet").set_index(["measure", "year"])
    dec = ts[ts["date"] == "2021-12"]["frontier_training_flop"]
    row = q.loc[("frontier_training_flop", 2021)]
    assert row["q50"] == pytest.approx(float(np.quantile(dec, 0.5)))
    assert row["q95"] == pytest.approx(float(np.quantile(dec, 0.95)))
    assert row["n"] == 12


def test_same_samples_and_runs_whatever_the_backend(tiny, tmp_path):
    from sim.forecast.runner import run_forecast

    path, out1, _ = tiny
    backends = [("jobs2", {"jobs": 2})]
    pytest.importorskip("distributed")
    backends.append(("dask", {"jobs": 2, "backend": "dask"}))
    runs1 = pd.read_parquet(out1 / "runs.parquet")
    for name, kw in backends:
        out = tmp_path / name
        run_forecast(load_priors(path), out, progress=False, **kw)
        assert (out / "samples.parquet").read_bytes() == (out1 / "samples.parquet").read_bytes()
        pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs1)
        ts = pd.read_parquet(out / "timeseries.parquet").sort_values(
            ["run_id", "step"], ignore_index=True
        )
        ts1 = pd.read_parquet(out1 / "timeseries.parquet").sort_values(
            ["run_id", "step"], ignore_index=True
        )
        pd.testing.assert_frame_equal(ts, ts1)


def test_resume_refuses_other_priors_and_finishes_a_complete_one(tiny, tmp_path):
    from sim.forecast.runner import run_forecast

    path, out, _ = tiny
    with pytest.raises(ScenarioError, match="--resume"):
        run_forecast(load_priors(path), out, jobs=1, progress=False)
    other = write_priors(tmp_path, seed=99)
    with pytest.raises(ScenarioError, match="changed"):
        run_forecast(load_priors(other), out, jobs=1, resume=True, progress=False)
    again = run_forecast(load_priors(path), out, jobs=1, resume=True, progress=False)
    assert again.sweep.done_before == 12


def test_kill_mid_forecast_then_resume(tmp_path):
    path = write_priors(tmp_path, samples=60, set={"end": "2022-01"})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "forecast", str(path), "--out", str(out)]
    cmd += ["--jobs", "1", "--no-progress", "--commit-every", "0", "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
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
    assert 0 < committed < 60, "the kill should land mid-forecast"
    assert not (out / "runs.parquet").exists()

    from sim.forecast.runner import run_forecast

    result = run_forecast(load_priors(path), out, jobs=2, resume=True, progress=False)
    assert result.sweep.done_before == committed
    runs = pd.read_parquet(out / "runs.parquet")
    ts = pd.read_parquet(out / "timeseries.parquet").sort_values(
        ["run_id", "step"], ignore_index=True
    )
    assert runs["run_id"].tolist() == list(range(60))  # none missing, none twice
    assert not ts.duplicated(["run_id", "step"]).any() and set(ts["run_id"]) == set(range(60))
    ref = run_forecast(load_priors(path), tmp_path / "ref", jobs=1, progress=False)
    assert ref.sweep.succeeded == 60
    pd.testing.assert_frame_equal(runs, pd.read_parquet(tmp_path / "ref" / "runs.parquet"))
    ref_ts = pd.read_parquet(tmp_path / "ref" / "timeseries.parquet")
    pd.testing.assert_frame_equal(ts, ref_ts.sort_values(["run_id", "step"], ignore_index=True))
    for name in ("samples.parquet", "quantiles.parquet", "structure_probability.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


# ------------------------------------------------------------------ derived measures


class _Model:
    def __init__(self, lab, completed, flop, method="scratch"):
        self.lab, self.completed, self.training_flop, self.method = lab, completed, flop, method


def test_labs_past_threshold_counts_labs_once_and_skips_students():
    from sim.forecast.evaluate import labs_past_threshold

    models = [
        _Model("a", 2021.0, 2e25),
        _Model("a", 2021.5, 5e25),
        _Model("b", 2022.0, 9e24),
        _Model("c", 2022.0, 3e25, method="distilled"),
        _Model("b", 2023.0, 1e25),
    ]
    assert labs_past_threshold(models, [2020.5, 2021.0, 2022.5, 2023.0], 1e25) == [0, 1, 1, 2]


def test_monopoly_formed_counts_from_the_origin_after_rivalry():
    from sim.forecast.evaluate import monopoly_formed

    ts = {
        "structure": ["monopoly", "duopoly", "monopoly", "oligopoly", "monopoly"],
        "n_selling": [1, 2, 2, 3, 3],
        "year": [2020.0, 2020.5, 2021.0, 2021.5, 2022.0],
    }
    assert monopoly_formed(ts, 2020.0) == [0, 0, 1, 1, 1]  # the first month had no rival
    assert monopoly_formed(ts, 2021.5) == [0, 0, 0, 0, 1]


def test_derived_count_matches_the_models_table():
    """A forecast's labs_with_run_ge_X equals what the run's models.csv says."""
    from sim.forecast.evaluate import ForecastEvaluator
    from sim.results import run
    from sim.scenario import resolve_file, validate
    from sim.sweep.design import RunTask

    raw = resolve_file(BASELINE)
    raw["end"] = "2024-01"
    evaluator = ForecastEvaluator(raw, ("hhi", "labs_with_run_ge_1e24"), 1)
    outcome = evaluator(RunTask(0, 0, 0, 5, {}))
    assert outcome.status == "ok"
    models = run(validate(raw), seed=5).models
    big = models[(models["training_flop"] >= 1e24) & (models["method"] != "distilled")]
    # models.csv dates a run by the month after its last (its end); the count at a month
    # includes the runs that finish during it
    ends = outcome.ts["date"][1:] + ["2024-01"]
    counts = outcome.ts["labs_with_run_ge_1e24"]
    for end, count in zip(ends, counts, strict=True):
        assert count == big[big["completed"] <= end]["lab"].nunique(), end
    assert counts[-1] > 0


# ------------------------------------------------------------------ commands


def test_cli_summary_report_and_compare(tiny, tmp_path, capsys):
    path, out, _ = tiny
    other = write_priors(tmp_path, name="other", seed=5)
    b = tmp_path / "b"
    assert main(["forecast", str(other), "--out", str(b), "--jobs", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "forecast other: 12 worlds ran, 0 failed of 12" in text
    assert "HHI median [90% interval]" in text and "first run of" in text
    assert (b / "report.html").exists() and (b / "plots" / "forecast-fans.png").exists()
    html = (b / "report.html").read_text()
    assert "data:image/png;base64" in html and "The priors" in html
    cmp_dir = tmp_path / "cmp"
    assert main(["forecast", "--compare", str(out), str(b), "--out", str(cmp_dir)]) == 0
    text = capsys.readouterr().out
    assert "tiny (" in text and "other (" in text
    table = pd.read_csv(cmp_dir / "comparison.csv")
    assert set(table["forecast"]) == {"tiny", "other"}
    assert (cmp_dir / "comparison.png").stat().st_size > 0
    assert main(["forecast", "--compare", str(out), str(b), "--out", str(cmp_dir)]) == 0  # again
    (cmp_dir / "notes.txt").write_text("mine")
    assert main(["forecast", "--compare", str(out), str(b), "--out", str(cmp_dir)]) == 2
    assert "holds other files" in capsys.readouterr().err


def test_cli_refuses_a_priors_file_and_compare_together(tmp_path, capsys):
    path = write_priors(tmp_path)
    assert main(["forecast", str(path), "--compare", "a", "b"]) == 2
    assert main(["forecast"]) == 2
    assert main(["forecast", str(path), "--samples", "1"]) == 2
    assert "--samples must be at least 2" in capsys.readouterr().err


# ------------------------------------------------------------------ backtests


def write_record(tmp_path: Path, facts: list[dict]) -> Path:
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump({"name": "synthetic", "facts": facts}, sort_keys=False))
    return path


def test_backtest_scores_a_synthetic_record_with_known_answers(tiny, tmp_path, capsys):
    path, out, _ = tiny
    ts = pd.read_parquet(out / "timeseries.parquet")
    dec21 = ts[ts["date"] == "2021-12"]["frontier_training_flop"].to_numpy()
    facts = [
        # the worlds' median: inside the 80% interval, half the worlds below it
        {
            "measure": "frontier_training_flop",
            "date": "2021-12",
            "value": float(np.median(dec21)),
            "source": "median",
        },
        # ten times the largest world: outside, every world below it
        {
            "measure": "frontier_training_flop",
            "date": "2021-12",
            "value": float(dec21.max() * 10),
            "source": "too big",
        },
        # a band holding every possible HHI, over a window: covered
        {"measure": "hhi", "window": ["2021-01", "2022-06"], "band": [0, 10000], "source": "any"},
        # a band no count can reach: not covered
        {"measure": "labs_with_run_ge_1e20", "date": "2022-06", "band": [50, 60], "source": "none"},
    ]
    record = write_record(tmp_path, facts)
    bt = tmp_path / "bt"
    rc = main(
        [
            "backtest",
            str(path),
            "--record",
            str(record),
            "--out",
            str(bt),
            "--jobs",
            "1",
            "--no-progress",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "coverage: 2 of 4 facts (50%)" in text
    table = pd.read_csv(bt / "backtest.csv")
    assert table["covered"].tolist() == [True, False, True, False]
    assert table.loc[0, "record_percentile"] == pytest.approx(0.5, abs=0.05)
    assert table.loc[1, "record_percentile"] == 1.0
    assert table.loc[2, "share_in_band"] == 1.0 and table.loc[3, "share_in_band"] == 0.0
    assert (table["worlds"] == 12).all()
    # the backtest's worlds are the forecast's: same draws, same seeds
    assert table.loc[0, "median"] == pytest.approx(float(np.median(dec21)))


@pytest.mark.parametrize(
    "fact, expected",
    [
        ({"measure": "hhii", "date": "2021-12", "value": 1, "source": "s"}, "did you mean hhi?"),
        ({"measure": "leader", "date": "2021-12", "value": 1, "source": "s"}, "is not a number"),
        (
            {"measure": "hhi", "date": "2030-12", "value": 1, "source": "s"},
            "lies outside the forecast",
        ),
        (
            {"measure": "hhi", "date": "2021-12", "value": 1, "band": [0, 2], "source": "s"},
            "give a value or a band",
        ),
        ({"measure": "hhi", "date": "2021-12", "value": 1}, "source: Field required"),
    ],
)
def test_bad_records_are_refused_before_running(fact, expected, tmp_path, capsys):
    path = write_priors(tmp_path)
    record = write_record(tmp_path, [fact])
    out = tmp_path / "bt"
    assert (
        main(["backtest", str(path), "--record", str(record), "--out", str(out), "--jobs", "1"])
        == 2
    )
    err = capsys.readouterr().err
    assert expected in err, err
    assert not out.exists()


def test_meta_records_the_throughput(tiny):
    _, out, _ = tiny
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "complete" and meta["sampler"] == "sobol + gaussian copula"
    assert meta["runs_per_s"] > 0


@pytest.mark.parametrize(
    "option",
    [
        ("--jobs", "0"),
        ("--jobs", "many"),
        ("--samples", "0"),
        ("--replications", "-1"),
        ("--commit-every", "-1"),
        ("--commit-every", "inf"),
    ],
)
def test_forecast_run_options_are_bounded_like_the_sweeps(tmp_path, capsys, option):
    from sim.cli import main as labsim_main

    out = tmp_path / "f"
    argv = ["forecast", "scenarios/priors/reference.yaml", "--out", str(out), *option]
    assert labsim_main(argv) == 2
    err = capsys.readouterr().err
    assert option[0] in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
