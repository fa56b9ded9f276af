"""Sensitivity over time, and sensitivity of a forecast whose inputs are correlated.

``labsim sensitivity DIR --output hhi --by-year`` computes indices for each simulated year
of a recorded time series (its value at the year's last recorded month): which assumptions
decide concentration early and which late. The method follows the design:

- a ``sobol`` sweep (Saltelli's sample): first-order and total Sobol indices per year;
- a ``morris`` sweep: Morris mu* and sigma per year;
- any other sample, and in particular a forecast, whose parameters are drawn with rank
  correlations: **PAWN** (Pianosi & Wagener 2015, SALib), a moment-independent index that
  needs no particular design and stays meaningful for dependent inputs. Variance-based
  (Sobol) indices assume independent inputs and a Saltelli design, so they are refused
  there. PAWN's index of a parameter is the median, over ``slices`` conditioning intervals
  of it, of the Kolmogorov-Smirnov distance between the output's distribution given the
  interval and its unconditional distribution (0: no influence, 1: the interval decides the
  output); for a choice parameter each of its values is a slice. ``noise_level`` is the
  largest index of random dummy parameters: what sampling alone gives.

``--method pawn`` without ``--by-year`` gives PAWN indices of a final metric. Replications of
a design point are averaged first (Sobol, Morris); PAWN uses every run as a sample.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import ScenarioError
from sim.sweep.sensitivity import salib_sobol_seed

INDEX_COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "pawn": ("pawn_median", "pawn_min", "pawn_max", "noise_level"),
}
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "pawn": "pawn_median"}


@dataclass
class Sample:
    """A folder's inputs and design: ``X`` one row per run (numbers; a choice parameter as
    the index of its value), ``points`` each run's design point, and for Sobol and Morris
    designs the SALib problem and the design's own matrix."""

    kind: str  # "forecast" or the sweep's sampler
    names: list[str]
    X: np.ndarray
    points: np.ndarray
    categorical: list[bool]
    problem: dict[str, Any] | None = None
    design_X: np.ndarray | None = None
    second_order: bool = False
    num_levels: int = 4


# ------------------------------------------------------------------ indices


def _indices(
    method: str, sample: Sample, y_point: np.ndarray, y_run: np.ndarray, opts
) -> pd.DataFrame:
    if method == "pawn":
        from sim.sweep.pawn import pawn_indices

        return pawn_indices(
            sample.X, y_run, sample.names, sample.categorical, opts["slices"], opts["seed"]
        )
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(
            sample.problem,
            y_point,
            calc_second_order=sample.second_order,
            num_resamples=opts["num_resamples"],
            conf_level=opts["conf_level"],
            seed=salib_sobol_seed(opts["seed"]),
        )
        return pd.DataFrame(
            {"parameter": sample.names, **{k: si[k] for k in INDEX_COLUMNS["sobol"]}}
        )
    from SALib.analyze import morris

    si = morris.analyze(
        sample.problem,
        sample.design_X,
        y_point,
        num_resamples=opts["num_resamples"],
        conf_level=opts["conf_level"],
        num_levels=sample.num_levels,
        seed=opts["seed"],
    )
    return pd.DataFrame(
        {
            "parameter": sample.names,
            **{k: np.asarray(si[k], float) for k in INDEX_COLUMNS["morris"]},
        }
    )


def indices_by_year(
    method: str,
    sample: Sample,
    Y: pd.DataFrame,
    *,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    slices: int = 10,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[int]]:
    """Indices for each column (year) of ``Y`` (one row per run, in the order of
    ``sample.X``). Returns one row per (year, parameter) and the years skipped because the
    output is missing in some design point (Sobol, Morris) or constant."""
    opts = {
        "num_resamples": num_resamples,
        "conf_level": conf_level,
        "slices": slices,
        "seed": seed,
    }
    frames, skipped = [], []
    by_point = Y.groupby(sample.points).mean() if method != "pawn" else None
    for year in Y.columns:
        y_run = Y[year].to_numpy(dtype=float)
        y_point = None
        if method == "pawn":
            finite = y_run[np.isfinite(y_run)]
            if len(finite) < 2 * slices or np.ptp(finite) == 0:
                skipped.append(year)
                continue
        else:
            y_point = by_point[year].to_numpy(dtype=float)
            if not np.isfinite(y_point).all() or np.ptp(y_point) == 0:
                skipped.append(year)
                continue
        table = _indices(method, sample, y_point, y_run, opts)
        table.insert(0, "year", year)
        frames.append(table)
    columns = ["year", "parameter", *INDEX_COLUMNS[method]]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table[columns], skipped


# ------------------------------------------------------------------ reading a folder


def load_sample(folder: Path) -> tuple[Sample, dict[str, Any], pd.DataFrame]:
    """The sample behind a finished sweep or forecast folder, its resolved spec, and its runs
    (sorted by run_id)."""
    import yaml

    resolved_file = folder / "sweep.resolved.yaml"
    if not resolved_file.exists():
        raise ScenarioError([f"{folder}: not a sweep or forecast folder (no sweep.resolved.yaml)"])
    if not (folder / "runs.parquet").exists():
        raise ScenarioError([f"{folder}: not finished; complete it with --resume"])
    resolved = yaml.safe_load(resolved_file.read_text(encoding="utf-8"))
    runs = pd.read_parquet(folder / "runs.parquet").sort_values("run_id", ignore_index=True)
    names = [n for n in (resolved.get("parameters") or {}) if n in runs.columns]
    X, categorical = _encode(runs, names, resolved)
    points = runs["point"].to_numpy()
    if resolved.get("kind") == "forecast":
        return Sample("forecast", names, X, points, categorical), resolved, runs
    from sim.sweep.design import make_design
    from sim.sweep.sensitivity import _load_spec

    spec = _load_spec(folder)
    sample = Sample(spec.sampler, names, X, points, categorical)
    if spec.sampler in ("sobol", "morris"):
        design = make_design(spec)
        sample.problem = design.problem
        sample.design_X = design.X
        sample.second_order = spec.second_order
        sample.num_levels = spec.num_levels
        if len(runs) != design.n_points * spec.replications:
            raise ScenarioError(
                [
                    f"{folder}: runs.parquet has {len(runs)} runs, the design {design.n_points * spec.replications}"
                ]
            )
    return sample, resolved, runs


def _encode(runs: pd.DataFrame, names: list[str], resolved: dict) -> tuple[np.ndarray, list[bool]]:
    cols, categorical = [], []
    specs = resolved.get("parameters") or {}
    for name in names:
        col = runs[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            cols.append(col.to_numpy(dtype=float))
            categorical.append(False)
            continue
        # a choice's values in the priors' order (a sweep's: sorted); codes are labels only
        spec = specs.get(name) if isinstance(specs.get(name), dict) else {}
        text = col.astype(str)
        order = [str(v) for v in spec.get("values", [])] or sorted(text.unique())
        order += sorted(set(text) - set(order))
        codes = {v: k for k, v in enumerate(order)}
        cols.append(text.map(codes).to_numpy(dtype=float))
        categorical.append(True)
    return (np.column_stack(cols) if cols else np.empty((len(runs), 0))), categorical


def yearly_output(folder: Path, runs: pd.DataFrame, output: str) -> pd.DataFrame:
    """One row per run (runs' order), one column per calendar year: the recorded time series
    ``output`` at the year's last recorded month (NaN for a failed run)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(folder / "timeseries.parquet")
    recorded = [
        f.name
        for f in schema
        if f.name not in ("run_id", "step", "date") and f.type in (pa.float64(), pa.int64())
    ]
    if output not in recorded:
        hint = difflib.get_close_matches(output, recorded, n=1)
        what = "is not recorded" if output not in schema.names else "is not numeric"
        raise ScenarioError(
            [
                f"--output {output}: {what} in {folder / 'timeseries.parquet'}"
                + (f"; did you mean {hint[0]}?" if hint else "")
                + f" (recorded numeric series: {', '.join(recorded)})"
            ]
        )
    ts = pd.read_parquet(folder / "timeseries.parquet", columns=["run_id", "step", "date", output])
    ts["year"] = ts["date"].str.slice(0, 4).astype(int)
    last = ts.sort_values(["run_id", "step"]).groupby(["run_id", "year"])[output].last()
    wide = last.unstack("year")
    return wide.reindex(runs["run_id"]).reset_index(drop=True)


# ------------------------------------------------------------------ the command


@dataclass
class TimeReport:
    method: str
    output: str
    by_year: bool
    table: pd.DataFrame
    skipped: list[int]
    csv_path: Path
    plot_path: Path | None
    n_runs: int
    folder: Path


def choose_method(sample: Sample, method: str, folder: Path) -> str:
    if method == "auto":
        return sample.kind if sample.kind in ("sobol", "morris") else "pawn"
    if method in ("sobol", "morris") and sample.kind != method:
        what = (
            "a forecast's worlds are drawn through a copula, not"
            if sample.kind == "forecast"
            else f"this sweep used sampler {sample.kind}, not"
        )
        raise ScenarioError(
            [
                f"{folder}: {what} a {method} design, so {method} indices cannot be computed; "
                "use --method pawn (moment-independent, any sample, correlated inputs allowed)"
            ]
        )
    return method


def analyze_over_time(
    folder: str | Path,
    output: str,
    *,
    by_year: bool = True,
    method: str = "auto",
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    slices: int = 10,
    plot: bool = True,
    seed: int = 0,
    dpi: float | None = None,
) -> TimeReport:
    """Indices of ``output`` per year (``by_year``; a recorded time series) or of a final
    metric; writes ``sensitivity/METHOD-OUTPUT[-by-year].csv`` (and ``.png``) into the
    folder."""
    folder = Path(folder)
    if not 0 < conf_level < 1:
        raise ScenarioError([f"--conf {conf_level}: expected a level between 0 and 1"])
    if slices < 2:
        raise ScenarioError([f"--slices {slices}: PAWN needs at least 2"])
    sample, resolved, runs = load_sample(folder)
    method = choose_method(sample, method, folder)
    if by_year:
        Y = yearly_output(folder, runs, output)
    else:
        from sim.sweep.metrics import METRIC_TYPES

        numeric = [m for m, kind in METRIC_TYPES.items() if kind != "string"]
        if output not in numeric:
            hint = difflib.get_close_matches(output, numeric, n=1)
            raise ScenarioError(
                [
                    f"--output {output}: not a numeric column of runs.parquet"
                    + (f"; did you mean {hint[0]}?" if hint else "")
                    + f" (metrics: {', '.join(numeric)})"
                ]
            )
        Y = pd.DataFrame({"final": runs[output].astype(float).to_numpy()})
    table, skipped = indices_by_year(
        method,
        sample,
        Y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        slices=slices,
        seed=seed,
    )
    if table.empty:
        raise ScenarioError(
            [
                f"--output {output}: no year has a value in every design point that varies; nothing to attribute"
            ]
        )
    if not by_year:
        table = table.drop(columns="year")
    # A folder of its own: labsim plot reads every sensitivity-*.csv beside runs.parquet as
    # a ranked Sobol or Morris table, which these are not.
    stem = f"{method}-{output}" + ("-by-year" if by_year else "")
    (folder / "sensitivity").mkdir(exist_ok=True)
    csv_path = folder / "sensitivity" / f"{stem}.csv"
    table.to_csv(csv_path, index=False)
    report = TimeReport(method, output, by_year, table, skipped, csv_path, None, len(runs), folder)
    if plot:
        from analysis import sensitivity_figures as sf

        fig = sf.over_time_figure(report) if by_year else sf.ranked_figure(report)
        report.plot_path = sf.save(fig, folder / "sensitivity" / f"{stem}.png", dpi)
    return report


def format_report(report: TimeReport) -> str:
    main = MAIN_INDEX[report.method]
    lines = [
        f"{report.method} sensitivity of {report.output}"
        + (" per year" if report.by_year else "")
        + f": {report.n_runs} runs ({report.folder})"
    ]
    if report.method == "pawn":
        lines.append(
            "  PAWN: moment-independent (KS distance, median over slices), valid for correlated "
            f"inputs; random dummy parameters reach {report.table['noise_level'].max():.3f}"
        )
    t = report.table
    if report.by_year:
        years = sorted(t["year"].unique())
        shown = [y for y in years if y % 5 == 0] or years
        if years[-1] not in shown:
            shown.append(years[-1])
        wide = t.pivot(index="parameter", columns="year", values=main)[shown]
        wide = wide.reindex(wide.max(axis=1).sort_values(ascending=False).index)
        width = max(len(p) for p in wide.index)
        lines.append(f"  {main} by year:")
        lines.append(f"  {'parameter':<{width}}" + "".join(f"{y:>8}" for y in shown))
        for name, row in wide.iterrows():
            lines.append(f"  {name:<{width}}" + "".join(f"{v:>8.3f}" for v in row))
        if report.skipped:
            lines.append(
                f"  skipped years (output missing in some design point, or constant): "
                f"{', '.join(map(str, report.skipped))}"
            )
    else:
        width = max(len(p) for p in t["parameter"])
        for r in t.sort_values(main, ascending=False).itertuples():
            lines.append(f"  {r.parameter:<{width}}  {getattr(r, main):.3f}")
    lines.append(
        f"  wrote {report.csv_path}" + (f" and {report.plot_path}" if report.plot_path else "")
    )
    return "\n".join(lines)
