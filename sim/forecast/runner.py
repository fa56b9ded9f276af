"""Running a forecast: draw the worlds, run them on the sweep machinery (same backends, same
chunked writes, ``--resume`` after any interruption, failed runs recorded), then reduce them.

The forecast folder is a sweep directory (``runs.parquet``, ``timeseries.parquet``,
``failures.jsonl``, ``sweep.resolved.yaml`` with ``kind: forecast``, ``meta.json``) plus
``samples.parquet`` (the drawn parameters, one row per world), ``quantiles.parquet`` and
``structure_probability.parquet`` (``sim.forecast.outputs``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.forecast.priors import Priors
from sim.sweep.design import Design

OUTPUT_FILES = ("samples.parquet", "quantiles.parquet", "structure_probability.parquet")


@dataclass
class ForecastPlan:
    """What the sweep runner needs: the priors (as its spec), the base scenario and the
    resolved text that identifies this forecast, drawn design included."""

    priors: Priors
    design: Design

    @property
    def spec(self):
        return self.priors.spec

    @property
    def source(self) -> str:
        return self.priors.source

    @property
    def base_raw(self) -> dict[str, Any]:
        return self.priors.base_raw

    def resolved(self) -> dict[str, Any]:
        from sim.forecast.sampling import design_digest

        out = self.priors.resolved()
        out["design_digest"] = design_digest(self.design)
        return out


@dataclass
class ForecastResult:
    out: Path
    sweep: Any  # sim.sweep.runner.SweepResult
    tables: dict[str, Any] = field(default_factory=dict)


def run_forecast(
    priors: Priors,
    out: str | Path,
    *,
    jobs: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    flush_seconds: float = 0.5,
) -> ForecastResult:
    """Draw, run (or resume) and reduce a forecast into ``out``."""
    from sim.forecast.evaluate import ForecastEvaluator
    from sim.forecast.sampling import make_design, samples_table
    from sim.params import parse_year_month
    from sim.sweep.backends import start_fork_server

    jobs = jobs or os.cpu_count() or 1
    if backend == "local" and jobs > 1:
        start_fork_server()  # workers import the model while the parent draws
    from sim.sweep.runner import run_sweep

    out = Path(out)
    spec = priors.spec
    design = make_design(priors)
    origin = parse_year_month(spec.origin) if spec.origin else None
    evaluator = ForecastEvaluator(
        priors.base_raw, spec.record.columns, spec.record.every_steps, origin
    )
    result = run_sweep(
        ForecastPlan(priors, design),  # type: ignore[arg-type]  (a sweep in all it reads)
        out,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        flush_seconds=flush_seconds,
        evaluator=evaluator,
        design=design,
    )
    _write_parquet(samples_table(design), out / "samples.parquet")
    tables = write_outputs(out)
    return ForecastResult(out, result, tables)


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def start_year_of(resolved: dict[str, Any]) -> float:
    from sim.params import parse_year_month

    return parse_year_month(str(resolved["base_scenario"]["start"]))


def origin_year_of(resolved: dict[str, Any]) -> float:
    """The forecast's origin (decimal year): its ``origin:``, else the scenario's start."""
    from sim.params import parse_year_month

    origin = resolved.get("origin")
    return parse_year_month(str(origin)) if origin else start_year_of(resolved)


def read_resolved(folder: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load((folder / "sweep.resolved.yaml").read_text(encoding="utf-8"))


def write_outputs(out: Path) -> dict[str, Any]:
    """Quantiles and structure probabilities from a finished forecast (or sweep) folder."""
    import pandas as pd
    import pyarrow as pa

    from sim.forecast import outputs

    runs = pd.read_parquet(out / "runs.parquet")
    ts = pd.read_parquet(out / "timeseries.parquet")
    per_year = outputs.yearly(ts, runs)
    quants = outputs.quantiles(per_year)
    structure = outputs.structure_probability(per_year, runs, origin_year_of(read_resolved(out)))
    _write_parquet(pa.Table.from_pandas(quants, preserve_index=False), out / "quantiles.parquet")
    _write_parquet(
        pa.Table.from_pandas(structure, preserve_index=False),
        out / "structure_probability.parquet",
    )
    return {"runs": runs, "per_year": per_year, "quantiles": quants, "structure": structure}
