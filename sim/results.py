"""Running a scenario and saving what it produced (the run directory)."""

from __future__ import annotations

import gc
import importlib
import json
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import pandas as pd

from sim import __version__
from sim.columns import (
    EVENT_COLUMNS,
    LAB_COLUMNS,
    MODEL_COLUMNS,
    PRODUCT_COLUMNS,
    TIMESERIES_COLUMNS,
)
from sim.params import Scenario
from sim.scenario import dump_yaml, scenario_to_dict

if TYPE_CHECKING:
    from sim.model import LabRaceModel

RUN_FILES = ("timeseries", "labs", "models", "events", "products")


class RunResult:
    """The outcome of one run: tables as pandas DataFrames, plus the lineage graph.

    Tables are built from the recorder's rows on first access, so a sweep that reads only
    the time series does not pay for the others."""

    def __init__(self, model: LabRaceModel, wall_time_s: float):
        self._model = model
        self.scenario: Scenario = model.spec
        self.seed: int = model.seed
        self.wall_time_s = wall_time_s
        self.meta: dict = {"potential_entrants": model.entrants}

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(
            self._model.recorder.timeseries, columns=TIMESERIES_COLUMNS
        )

    @cached_property
    def labs(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self._model.recorder.labs, columns=LAB_COLUMNS)

    @cached_property
    def products(self) -> pd.DataFrame:
        """One row per step per product on sale (MODEL.md, "Per product on sale")."""
        columns = self._model.recorder.product_columns()
        if not columns:
            return pd.DataFrame.from_records([], columns=PRODUCT_COLUMNS)
        return pd.DataFrame(columns, columns=PRODUCT_COLUMNS)

    @cached_property
    def models(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self._model.recorder.model_rows(), columns=MODEL_COLUMNS)

    @cached_property
    def events(self) -> pd.DataFrame:
        m = self._model
        rows = [
            (e["step"], m.date_at(e["step"]), e["type"], e["lab"], e["detail"])
            for e in m.events_log
        ]
        return pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS)

    @cached_property
    def lineage(self) -> nx.DiGraph:
        return self._model.lineage()

    def save(
        self,
        directory: str | Path,
        format: Literal["csv", "parquet"] = "csv",
        overwrite: bool = False,
    ) -> Path:
        """Write the run directory; returns its path. Same scenario and seed give the same
        bytes in every data file (``meta.json`` also records wall time).

        A folder that already holds a run is refused (``ScenarioError``) unless
        ``overwrite``, which first deletes that run's files, figures and report, so no
        stale table of another format or seed survives; a folder holding anything else is
        always refused (``sim.outdir``)."""
        from sim.outdir import claim_folder, run_folder_kind

        out = Path(directory)
        claim_folder(out, run_folder_kind(), overwrite, clear=True)
        out.mkdir(parents=True, exist_ok=True)
        for name in RUN_FILES:
            frame: pd.DataFrame = getattr(self, name)
            if format == "parquet":
                frame.to_parquet(out / f"{name}.parquet", index=False)
            else:
                frame.to_csv(out / f"{name}.csv", index=False)
        resolved = scenario_to_dict(self.scenario)
        resolved["seed"] = self.seed
        (out / "scenario.resolved.yaml").write_text(dump_yaml(resolved), encoding="utf-8")
        graph = nx.node_link_data(self.lineage, edges="edges")
        (out / "lineage.json").write_text(
            json.dumps(graph, indent=1, sort_keys=True), encoding="utf-8"
        )
        meta = {
            "labsim_version": __version__,
            "scenario": self.scenario.name,
            "seed": self.seed,
            "steps": len(self._model.recorder.timeseries),
            "format": format,
            "wall_time_s": round(self.wall_time_s, 4),  # the simulation alone (see run())
            **self.meta,
        }
        (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return out


def simulate(scenario: Scenario, seed: int | None = None, record_labs: bool = True) -> LabRaceModel:
    """Run ``scenario`` to its end and return the model, with its recorder's rows
    (``record_labs=False``: the time series and models only, as a sweep needs)."""
    from sim.model import LabRaceModel

    # A run makes containers that live to its end (rows, models, arrays) and no cyclic
    # garbage (gc.collect() after a baseline run finds none): the collector's passes over
    # them would cost 4-9% of the run (measured), so it is paused while the run steps.
    collecting = gc.isenabled()
    gc.disable()
    try:
        model = LabRaceModel(scenario, seed=seed, record_labs=record_labs)
        advance = model.advance  # not model.step: see LabRaceModel.advance
        for _ in range(model.n_steps):
            advance()
    finally:
        if collecting:
            gc.enable()
    return model


def run(scenario: Scenario, seed: int | None = None) -> RunResult:
    """Run ``scenario`` to its end with ``seed`` (default: the scenario's own seed).

    ``wall_time_s`` is the simulation alone, building the model and stepping it: the
    one-off import of the model's libraries (Mesa, numpy, networkx, and numba for the
    market's kernels: ~1 s, paid by the first run in a process) is done before the clock
    starts; loading the kernels' compiled code (~0.1 s; ~3 s to compile them in a fresh
    checkout) is not."""
    importlib.import_module("sim.model")
    importlib.import_module("sim.economics.market_kernel")
    started = time.perf_counter()
    model = simulate(scenario, seed)
    return RunResult(model, time.perf_counter() - started)
