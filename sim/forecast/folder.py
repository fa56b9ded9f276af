"""Reading a finished forecast folder back (for the report, ``--compare``, discovery and the
backtest), and the headline numbers a reader looks for first."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import ScenarioError

# Largest-run sizes whose first year the summary reports (FLOP).
RUN_THRESHOLDS_FLOP = (1e26, 1e27, 1e28, 1e29)


@dataclass
class ForecastData:
    path: Path
    resolved: dict[str, Any]
    meta: dict[str, Any]
    runs: pd.DataFrame
    samples: pd.DataFrame
    per_year: pd.DataFrame
    quantiles: pd.DataFrame
    structure: pd.DataFrame
    start_year: float
    origin_year: float

    @property
    def name(self) -> str:
        return str(self.resolved.get("name") or self.path.name)

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.samples.columns if c != "point"]

    @property
    def priors(self) -> dict[str, Any]:
        return dict(self.resolved.get("parameters") or {})

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.structure["year"])


def is_forecast(folder: str | Path) -> bool:
    import yaml

    resolved = Path(folder) / "sweep.resolved.yaml"
    if not resolved.exists():
        return False
    data = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    return isinstance(data, dict) and data.get("kind") == "forecast"


def load_forecast(folder: str | Path) -> ForecastData:
    """A finished forecast folder; one ``ScenarioError`` line if it is not one."""
    import json

    from sim.forecast import outputs
    from sim.forecast.runner import origin_year_of, read_resolved, start_year_of, write_outputs

    path = Path(folder)
    if not path.is_dir():
        raise ScenarioError([f"{path}: no such forecast folder; make it with labsim forecast"])
    if not is_forecast(path):
        raise ScenarioError(
            [f"{path}: not a forecast folder (no sweep.resolved.yaml of kind forecast)"]
        )
    if not (path / "runs.parquet").exists() or not (path / "samples.parquet").exists():
        raise ScenarioError(
            [f"{path}: the forecast has not finished; complete it with labsim forecast --resume"]
        )
    resolved = read_resolved(path)
    if not (path / "quantiles.parquet").exists():
        write_outputs(path)
    runs = pd.read_parquet(path / "runs.parquet")
    ts = pd.read_parquet(path / "timeseries.parquet")
    meta_file = path / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    return ForecastData(
        path=path,
        resolved=resolved,
        meta=meta,
        runs=runs,
        samples=pd.read_parquet(path / "samples.parquet"),
        per_year=outputs.yearly(ts, runs),
        quantiles=pd.read_parquet(path / "quantiles.parquet"),
        structure=pd.read_parquet(path / "structure_probability.parquet"),
        start_year=start_year_of(resolved),
        origin_year=origin_year_of(resolved),
    )


def flop_text(flop: float) -> str:
    """1e+28 as people write it: 1e28."""
    return f"{flop:.0e}".replace("e+", "e")


def headline_years(years: list[int]) -> list[int]:
    """Years a summary shows: every fifth year from the first (2025, 2030, ...) and the last."""
    if not years:
        return []
    shown = [y for y in years if y % 5 == 0]
    if years[-1] not in shown:
        shown.append(years[-1])
    return shown


def headline(data: ForecastData) -> dict[str, Any]:
    """Numbers for the summary and the report: HHI and structure at the headline years, when a
    monopoly first forms, when the largest run first passes each size."""
    from sim.forecast import outputs

    q = data.quantiles
    s = data.structure.set_index("year")
    years = {}
    for year in headline_years(data.years):
        hhi = outputs.value_at(q, "hhi", year)
        years[year] = {
            "hhi": hhi,
            "p_monopoly": float(s.loc[year, "monopoly"]),
            "p_monopoly_formed": float(s.loc[year, "monopoly_formed"]),
            "largest_run": outputs.value_at(q, "frontier_training_flop", year),
        }
    first = outputs.first_monopoly_year(data.per_year, data.runs, data.origin_year)
    runs_past = {
        flop: outputs.summarize(
            outputs.threshold_year(data.per_year, "frontier_training_flop", flop)
        )
        for flop in RUN_THRESHOLDS_FLOP
    }
    ok = int((data.runs["status"] == "ok").sum())
    return {
        "worlds": ok,
        "failed": len(data.runs) - ok,
        "years": years,
        "first_monopoly": outputs.summarize(first),
        "runs_past": runs_past,
        "last_year": data.years[-1] if data.years else None,
        "origin": data.resolved.get("origin") or data.resolved["base_scenario"]["start"],
    }


def _fmt(x: float | None, spec: str = ".0f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec).replace("e+", "e")


def format_headline(data: ForecastData, head: dict[str, Any] | None = None) -> list[str]:
    head = head or headline(data)
    lines = [
        f"  {'year':<6}{'HHI median [90% interval]':>28}{'P(monopoly)':>13}"
        f"{'P(formed by)':>14}{'largest run median':>20}"
    ]
    for year, row in head["years"].items():
        hhi = row["hhi"]
        band = f"{_fmt(hhi['q50'])} [{_fmt(hhi['q05'])}-{_fmt(hhi['q95'])}]" if hhi else "n/a"
        run = row["largest_run"]
        lines.append(
            f"  {year:<6}{band:>28}{row['p_monopoly']:>13.0%}{row['p_monopoly_formed']:>14.0%}"
            f"{_fmt(run['q50'] if run else None, '.2g'):>20}"
        )
    fm = head["first_monopoly"]
    if fm.get("q50") is not None:
        lines.append(
            f"  a monopoly forms from {head['origin']} to {head['last_year']} in "
            f"{fm['share']:.0%} of worlds; first year median {fm['q50']:.0f} "
            f"[90%: {fm['q05']:.0f}-{fm['q95']:.0f}]"
        )
    else:
        lines.append(
            f"  a monopoly forms in none of the worlds from {head['origin']} to {head['last_year']}"
        )
    for flop, s in head["runs_past"].items():
        if s.get("q50") is not None:
            lines.append(
                f"  first run of {flop_text(flop)} FLOP: median {s['q50']:.0f} "
                f"[90%: {s['q05']:.0f}-{s['q95']:.0f}], reached in {s['share']:.0%} of worlds"
            )
        else:
            lines.append(
                f"  first run of {flop_text(flop)} FLOP: in no world by {head['last_year']}"
            )
    return lines
