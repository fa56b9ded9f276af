"""Global sensitivity of a sweep's final metrics, from the sweep's own samples (SALib).

A ``sobol`` sweep gives first-order (S1) and total (ST) Sobol indices with bootstrap
confidence intervals; a ``morris`` sweep gives Morris mu* (mean absolute elementary effect:
change of the metric, in its own units, per unit of the parameter's normalised range, which is
in log10 for ``log: true`` parameters) and sigma (spread of the effects: interactions or
non-linearity).
Other designs cannot support either estimator and are refused. Replications of a design point
are averaged before the analysis, so the indices describe the expected outcome.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError


def salib_sobol_seed(seed: int) -> int:
    """The seed to give SALib's Sobol analysis for our ``seed``. SALib tests ``if seed:``, so
    it ignores 0 and resamples from numpy's global generator (intervals that change from call
    to call); a nonzero seed derived from ours keeps every seed, 0 included, reproducible."""
    import numpy as np

    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1


@dataclass
class SensitivityReport:
    method: str
    output: str
    table: Any  # pandas DataFrame, ranked, one row per parameter
    csv_path: Path
    plot_path: Path | None
    n_points: int
    n_runs: int
    sweep_dir: Path


def _load_spec(sweep_dir: Path):
    import yaml

    from sim.sweep.spec import spec_from_dict

    resolved = sweep_dir / "sweep.resolved.yaml"
    if not resolved.exists():
        raise ScenarioError([f"{sweep_dir}: not a sweep directory (no sweep.resolved.yaml)"])
    try:
        data = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    if not isinstance(data, dict):
        raise ScenarioError([f"{resolved}: damaged; resume the sweep to repair it"])
    data.pop("base_scenario", None)
    data.pop("design_sha256", None)  # the design's digest, written for --resume
    return spec_from_dict(data, str(resolved))


def _refuse_design(sweep_dir: Path, sampler: str, method: str) -> ScenarioError:
    needs = {
        "sobol": "Sobol indices need Saltelli's sample (sampler: sobol)",
        "morris": "Morris screening needs trajectories (sampler: morris)",
    }
    wanted = [needs[method]] if method in needs else list(needs.values())
    return ScenarioError(
        [
            f"{sweep_dir}: this sweep used sampler {sampler}, whose design cannot support "
            f"{'sensitivity analysis' if method == 'auto' else method + ' indices'}: "
            + "; ".join(wanted)
            + ". Run a sweep with that sampler (e.g. scenarios/sweeps/sobol-top10.yaml)."
        ]
    )


def analyze_sweep(
    sweep_dir: str | Path,
    output: str,
    *,
    method: str = "auto",
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    plot: bool = True,
    seed: int = 0,
    dpi: float | None = None,
) -> SensitivityReport:
    """Sensitivity indices of ``output`` (a numeric column of runs.parquet); writes
    ``sensitivity-METHOD-OUTPUT.csv`` (and ``.png``, at ``dpi``) into the sweep directory."""
    import numpy as np
    import pandas as pd

    from sim.sweep.design import make_design

    sweep_dir = Path(sweep_dir)
    spec = _load_spec(sweep_dir)
    if method == "auto":
        method = spec.sampler if spec.sampler in ("sobol", "morris") else "auto"
    if method != spec.sampler:
        raise _refuse_design(sweep_dir, spec.sampler, method)
    if not 0 < conf_level < 1:
        raise ScenarioError([f"--conf {conf_level}: expected a level between 0 and 1"])
    runs_file = sweep_dir / "runs.parquet"
    if not runs_file.exists():
        raise ScenarioError(
            [f"{sweep_dir}: the sweep has not finished; complete it with labsim sweep --resume"]
        )
    runs = pd.read_parquet(runs_file)
    numeric = [
        c
        for c in runs.columns
        if pd.api.types.is_numeric_dtype(runs[c])
        and c not in ("run_id", "point", "replication", "seed", *spec.parameters)
    ]
    if output not in runs.columns or output not in numeric:
        hint = difflib.get_close_matches(output, numeric, n=1) if output not in runs else []
        what = "is not numeric" if output in runs.columns else "is not a column of runs.parquet"
        raise ScenarioError(
            [
                f"--output {output}: {what}"
                + (f"; did you mean {hint[0]}?" if hint else "")
                + f" (numeric metrics: {', '.join(numeric)})"
            ]
        )

    design = make_design(spec)
    names = list(design.names)
    n_points = design.n_points
    expected = n_points * spec.replications
    if len(runs) != expected:
        raise ScenarioError(
            [f"{sweep_dir}: runs.parquet has {len(runs)} runs, the design {expected}"]
        )
    by_point = runs.sort_values("run_id").groupby("point")
    firsts = by_point[names].first().reindex(range(n_points))
    want = np.array(design.values, dtype=float)
    if not np.allclose(firsts.to_numpy(dtype=float), want, rtol=1e-9, atol=0, equal_nan=True):
        raise ScenarioError(
            [
                f"{sweep_dir}: the design cannot be rebuilt as it was run "
                "(a different SALib or scipy version?); indices would be wrong"
            ]
        )
    y = by_point[output].mean().reindex(range(n_points))
    missing = int(runs[output].isna().sum())
    if missing:
        failed = int((runs["status"] != "ok").sum())
        raise ScenarioError(
            [
                f"--output {output}: {missing} of {len(runs)} runs have no value "
                f"({failed} failed); {method} needs every design point. "
                "Choose a metric defined in every run or fix the failing runs."
            ]
        )
    Y = y.to_numpy(dtype=float)
    if float(np.ptp(Y)) == 0.0:
        raise ScenarioError(
            [f"--output {output}: constant over the whole design ({Y[0]:g}); nothing to attribute"]
        )

    problem = design.problem
    if method == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        si = sobol_analyze.analyze(
            problem,
            Y,
            calc_second_order=spec.second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=salib_sobol_seed(seed),
        )
        table = pd.DataFrame(
            {
                "parameter": names,
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        ).sort_values("ST", ascending=False, ignore_index=True)
    else:
        from SALib.analyze import morris as morris_analyze

        si = morris_analyze.analyze(
            problem,
            design.X,
            Y,
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=spec.num_levels,
            seed=seed,
        )
        table = pd.DataFrame(
            {
                "parameter": names,
                "mu": np.asarray(si["mu"], dtype=float),
                "mu_star": np.asarray(si["mu_star"], dtype=float),
                "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                "sigma": np.asarray(si["sigma"], dtype=float),
            }
        ).sort_values("mu_star", ascending=False, ignore_index=True)

    # the level travels with the intervals, so a figure drawn later labels them right
    table["conf_level"] = conf_level
    stem = f"sensitivity-{method}-{output}"
    csv_path = sweep_dir / f"{stem}.csv"
    table.to_csv(csv_path, index=False)
    plot_path = _bar_chart(sweep_dir, csv_path, sweep_dir / f"{stem}.png", dpi) if plot else None
    return SensitivityReport(
        method, output, table, csv_path, plot_path, n_points, len(runs), sweep_dir
    )


def _bar_chart(sweep_dir: Path, csv_path: Path, path: Path, dpi: float | None) -> Path:
    """The ranked-indices figure of ``analysis.plots``, so it looks like every other figure."""
    from analysis.plots import save_figure, sensitivity_figure

    return save_figure(sensitivity_figure(sweep_dir, file=csv_path), path, dpi=dpi)


def format_indices(report: SensitivityReport) -> str:
    t = report.table
    head = (
        f"{report.method} sensitivity of {report.output}: {report.n_points} design points, "
        f"{report.n_runs} runs ({report.sweep_dir}); "
        f"±: {float(t['conf_level'].iloc[0]) * 100:g}% confidence interval"
    )
    width = max(len(p) for p in t["parameter"])
    lines = [head]
    if report.method == "sobol":
        lines.append(f"  {'parameter':<{width}}  {'S1':>14}  {'ST':>14}")
        for r in t.itertuples():
            lines.append(
                f"  {r.parameter:<{width}}  {r.S1:>6.3f} ±{r.S1_conf:>6.3f}  "
                f"{r.ST:>6.3f} ±{r.ST_conf:>6.3f}"
            )
    else:
        lines.append(f"  {'parameter':<{width}}  {'mu*':>22}  {'sigma':>10}  {'mu':>10}")
        for r in t.itertuples():
            lines.append(
                f"  {r.parameter:<{width}}  {r.mu_star:>10.4g} ±{r.mu_star_conf:>10.3g}  "
                f"{r.sigma:>10.4g}  {r.mu:>10.4g}"
            )
    lines.append(
        f"  wrote {report.csv_path}" + (f" and {report.plot_path}" if report.plot_path else "")
    )
    return "\n".join(lines)
