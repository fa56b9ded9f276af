"""Loading labsim run and sweep directories for figures and reports.

A run is read from its directory or taken straight from an in-memory ``sim.results.RunResult``
(``run_data``), so a notebook can draw a run it has not saved. A run directory (``labsim run``)
holds ``timeseries``, ``labs``, ``models`` and ``events``
tables as CSV or Parquet, plus ``lineage.json``, ``scenario.resolved.yaml`` and ``meta.json``.
A sweep directory (``labsim sweep``) holds ``runs.parquet``, ``timeseries.parquet``,
``sweep.resolved.yaml``, ``meta.json`` and, once ``labsim sensitivity`` has run, a
sensitivity CSV. Everything here returns pandas objects; dates become ``datetime64`` so axes
show dates, not strings.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

RUN_TABLES = ("timeseries", "labs", "models", "events")
SWEEP_TABLES = ("runs", "timeseries")


class AnalysisError(ValueError):
    """A request the figures cannot satisfy; the message is one line meant for the user."""


def _to_datetime(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` strings to month-start timestamps (empty strings become NaT)."""
    return pd.to_datetime(values.astype("string"), format="%Y-%m", errors="coerce")


# Columns without which a table cannot be what labsim wrote (a garbage CSV still parses).
REQUIRED_COLUMNS = {
    "timeseries": ("step", "date", "hhi"),
    "labs": ("date", "lab", "market_share", "capability"),
    "models": ("model_id", "lab", "capability"),
    "events": ("step", "type"),
    "runs": ("run_id", "status"),
}


def read_table(directory: Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    """``directory/name.parquet`` or ``directory/name.csv``, whichever exists (Parquet first).

    A file that cannot be read (truncated Parquet, not a CSV, not text) or lacks the columns
    labsim writes raises ``AnalysisError`` naming it."""
    for suffix in (".parquet", ".csv"):
        path = directory / f"{name}{suffix}"
        if path.exists():
            frame = _read_frame(path)
            missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in frame.columns]
            if missing:
                raise AnalysisError(
                    f"{path}: not a labsim {name} table (no {', '.join(missing)} column)"
                )
            if frame.empty and name in ("timeseries", "runs"):
                raise AnalysisError(f"{path}: has no rows (cut short?)")
            return frame
    if required:
        raise AnalysisError(
            f"{directory}: no {name}.csv or {name}.parquet; not a complete labsim directory"
        )
    return None


def _read_frame(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        # keep_default_na=False would turn NaN numbers into strings; instead read normally
        # and restore empty text cells (leader, parent, detail) to "".
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalysisError(f"{path}: unreadable ({reason})") from None
    except Exception as exc:  # pyarrow's own errors (ArrowInvalid is a ValueError, not all)
        if type(exc).__module__.startswith("pyarrow"):
            raise AnalysisError(f"{path}: unreadable ({str(exc).splitlines()[0]})") from None
        raise
    for col in frame.columns:
        if pd.api.types.is_object_dtype(frame[col]) or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].fillna("")
    return frame


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        raise AnalysisError(f"{path}: damaged (not readable YAML)") from None
    return data if isinstance(data, dict) else {}


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise AnalysisError(f"{path}: damaged (not readable JSON)") from None
    return data if isinstance(data, dict) else {}


@dataclass
class RunData:
    """One run, from its directory or from a ``RunResult`` (then ``path`` is None).
    ``timeseries``/``labs``/``events`` carry a ``time`` column (``datetime64``, the month
    start of ``date``); ``models`` carries ``completed_time``."""

    path: Path | None
    timeseries: pd.DataFrame
    labs: pd.DataFrame
    models: pd.DataFrame
    events: pd.DataFrame
    scenario: dict
    meta: dict
    lineage_data: dict | None = None

    kind = "run"

    @property
    def name(self) -> str:
        fallback = self.path.name if self.path is not None else "run"
        return str(self.scenario.get("name") or self.meta.get("scenario") or fallback)

    @property
    def where(self) -> str:
        """The run's directory, or what it is when it was never saved (for messages)."""
        if self.path is not None:
            return str(self.path)
        return f"the unsaved run {self.name} (seed {self.meta.get('seed', '?')})"

    @property
    def lab_order(self) -> list[str]:
        """Labs in order of first appearance (scenario order, then entrants as they enter)."""
        names: list[str] = []
        for table in (self.labs, self.models):
            if "lab" in table:
                for lab in table["lab"]:
                    if lab and lab not in names:
                        names.append(lab)
        return names

    def highlighted_labs(self, k: int | None = None) -> list[str]:
        """The labs figures colour: all of them when there are at most ``k`` (default
        ``style.MAX_COLORED_LABS``), else the ``k`` with the highest peak market share (ties:
        peak capability, then order of appearance), in order of appearance."""
        from analysis.style import MAX_COLORED_LABS

        k = MAX_COLORED_LABS if k is None else k
        order = self.lab_order
        if len(order) <= k:
            return order
        peaks = self.labs.groupby("lab")[["market_share", "capability"]].max()
        rank = sorted(
            order,
            key=lambda lab: (
                -float(peaks["market_share"].get(lab, 0.0) or 0.0),
                -float(peaks["capability"].get(lab, 0.0) or 0.0),
                order.index(lab),
            ),
        )
        top = set(rank[:k])
        return [lab for lab in order if lab in top]

    def open_weights_labs(self) -> set[str]:
        """Labs that released open-weights models: their users pay hosts, not them, so they
        have users but no revenue."""
        models = self.models
        if "open_weights" not in models or "lab" not in models:
            return set()
        flags = models["open_weights"].astype(str).str.lower().isin(("true", "1"))
        return set(models.loc[flags, "lab"])

    def lab_colors(self) -> dict[str, str]:
        """Colour of every lab of the run, the same in every figure (grey for labs not
        highlighted in a crowded run)."""
        from analysis.style import lab_colors

        return lab_colors(self.lab_order, self.highlighted_labs())

    def lineage(self):
        """The model lineage as a ``networkx.DiGraph`` (rebuilt from ``models`` if the
        directory has no ``lineage.json``)."""
        import networkx as nx

        if self.lineage_data is not None:
            return nx.node_link_graph(self.lineage_data, edges="edges")
        graph = nx.DiGraph()
        for row in self.models.itertuples(index=False):
            graph.add_node(row.model_id, lab=row.lab, method=row.method, completed=row.completed)
        for row in self.models.itertuples(index=False):
            if row.parent and row.parent in graph:
                graph.add_edge(row.parent, row.model_id, method=row.method)
        return graph


@dataclass
class SweepData:
    """One sweep directory. ``parameters`` lists the swept parameters by dotted path, in the
    order of ``sweep.resolved.yaml``; ``timeseries`` carries a ``time`` column."""

    path: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    spec: dict
    meta: dict
    parameters: list[str] = field(default_factory=list)

    kind = "sweep"

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or self.meta.get("name") or self.path.name)

    @property
    def ok_runs(self) -> pd.DataFrame:
        """Runs that finished (``status`` ok, or every run when there is no status column)."""
        if "status" not in self.runs:
            return self.runs
        return self.runs[
            self.runs["status"].astype(str).str.lower().isin(("ok", "done", "success"))
        ]

    def sensitivity_files(self) -> list[Path]:
        """Sensitivity CSVs written by ``labsim sensitivity`` into this directory."""
        return sorted(
            p for p in self.path.glob("*.csv") if p.name.lower().startswith("sensitivity")
        )

    def require_parameter(self, name: str) -> str:
        """The swept parameter ``name`` (a dotted path, or a unique suffix of one such as
        ``warm_start.kappa``); raises ``AnalysisError`` naming the parameters that were swept."""
        if name in self.parameters:
            return name
        matches = [p for p in self.parameters if p.endswith("." + name)]
        if len(matches) == 1:
            return matches[0]
        swept = ", ".join(self.parameters) or "none"
        if len(matches) > 1:
            raise AnalysisError(
                f"parameter {name!r} is ambiguous in {self.path}: matches {', '.join(matches)}"
            )
        raise AnalysisError(
            f"parameter {name!r} was not varied in sweep {self.path}; swept: {swept}"
        )


def _swept_parameters(spec: dict, runs: pd.DataFrame) -> list[str]:
    declared = spec.get("parameters")
    if isinstance(declared, dict):
        names = [str(k) for k in declared]
    elif isinstance(declared, list):
        names = [str(p.get("name") if isinstance(p, dict) else p) for p in declared]
    else:
        names = []
    if not names:
        # No spec: every dotted column of runs.parquet is a parameter (metrics have no dots).
        names = [c for c in runs.columns if "." in c]
    return [n for n in names if n in runs.columns]


def kind_of(directory: str | Path) -> str:
    """``"run"`` or ``"sweep"``; raises ``AnalysisError`` if ``directory`` is neither."""
    path = Path(directory)
    if not path.exists():
        raise AnalysisError(f"{path}: no such directory")
    if not path.is_dir():
        raise AnalysisError(f"{path}: not a directory (expected a labsim run or sweep directory)")
    if (path / "runs.parquet").exists() or (path / "runs.csv").exists():
        return "sweep"
    if any((path / f"timeseries{s}").exists() for s in (".csv", ".parquet")):
        return "run"
    raise AnalysisError(
        f"{path}: not a labsim run or sweep directory (no timeseries.csv/.parquet or runs.parquet)"
    )


def _add_times(tables: dict[str, pd.DataFrame]) -> None:
    """Month-start ``time`` columns beside the ``YYYY-MM`` dates (in place)."""
    for name in ("timeseries", "labs", "events"):
        if "date" in tables[name]:
            tables[name]["time"] = _to_datetime(tables[name]["date"])
    models = tables["models"]
    if "completed" in models:
        models["completed_time"] = _to_datetime(models["completed"])
    if "started" in models:
        models["started_time"] = _to_datetime(models["started"])


def load_run(directory: str | Path) -> RunData:
    """Read a run directory written by ``labsim run`` (CSV or Parquet)."""
    path = Path(directory)
    if kind_of(path) != "run":
        raise AnalysisError(f"{path}: a sweep directory, not a run directory")
    tables = {name: read_table(path, name) for name in RUN_TABLES}
    _add_times(tables)
    lineage = _read_json(path / "lineage.json") or None
    return RunData(
        path=path,
        scenario=_read_yaml(path / "scenario.resolved.yaml"),
        meta=_read_json(path / "meta.json"),
        lineage_data=lineage,
        **tables,
    )


def run_data_from_result(result: Any) -> RunData:
    """A ``sim.results.RunResult`` (a run in memory) as the ``RunData`` its saved directory
    would load as: the same tables, scenario, meta and lineage, without touching the disk.
    The result's own tables are copied, not changed."""
    import networkx as nx

    from sim import __version__
    from sim.scenario import dump_yaml, scenario_to_dict

    tables = {name: getattr(result, name).copy() for name in RUN_TABLES}
    _add_times(tables)
    resolved = scenario_to_dict(result.scenario)
    resolved["seed"] = result.seed
    meta = {
        "labsim_version": __version__,
        "scenario": result.scenario.name,
        "seed": result.seed,
        "steps": len(tables["timeseries"]),
        "wall_time_s": round(result.wall_time_s, 4),
        **result.meta,
    }
    # through YAML and JSON, as RunResult.save writes them, so that nothing differs in type
    lineage = json.loads(json.dumps(nx.node_link_data(result.lineage, edges="edges")))
    return RunData(
        path=None,
        scenario=yaml.safe_load(dump_yaml(resolved)),
        meta=meta,
        lineage_data=lineage,
        **tables,
    )


def _is_path(data: Any) -> bool:
    return isinstance(data, str | os.PathLike)


def _is_result(data: Any) -> bool:
    from sim.results import RunResult

    return isinstance(data, RunResult)


def run_data(data: Any) -> RunData:
    """``RunData`` from a run directory (path), a ``RunResult``, or ``RunData`` itself."""
    if isinstance(data, RunData):
        return data
    if _is_path(data):
        return load_run(data)
    if _is_result(data):
        return run_data_from_result(data)
    raise TypeError(
        f"expected a run directory, a sim.results.RunResult or RunData, not {type(data).__name__}"
    )


def sweep_data(data: Any) -> SweepData:
    """``SweepData`` from a sweep directory (path) or ``SweepData`` itself."""
    if isinstance(data, SweepData):
        return data
    if _is_path(data):
        return load_sweep(data)
    raise TypeError(f"expected a sweep directory or SweepData, not {type(data).__name__}")


def as_data(data: Any) -> RunData | SweepData:
    """Run or sweep data from a directory of either kind, a ``RunResult``, or loaded data."""
    if isinstance(data, RunData | SweepData):
        return data
    if _is_path(data):
        return load(data)
    return run_data(data)


def load_sweep(directory: str | Path) -> SweepData:
    """Read a sweep directory written by ``labsim sweep``."""
    path = Path(directory)
    if kind_of(path) != "sweep":
        raise AnalysisError(f"{path}: a run directory, not a sweep directory")
    runs = read_table(path, "runs")
    timeseries = read_table(path, "timeseries", required=False)
    if timeseries is None:
        timeseries = pd.DataFrame(columns=["run_id", "step", "date"])
    if "date" in timeseries:
        timeseries["time"] = _to_datetime(timeseries["date"])
    spec = _read_yaml(path / "sweep.resolved.yaml")
    return SweepData(
        path=path,
        runs=runs,
        timeseries=timeseries,
        spec=spec,
        meta=_read_json(path / "meta.json"),
        parameters=_swept_parameters(spec, runs),
    )


def load(directory: str | Path) -> RunData | SweepData:
    """A run or sweep directory, whichever ``directory`` is."""
    return load_run(directory) if kind_of(directory) == "run" else load_sweep(directory)


def read_sensitivity(path: str | Path) -> pd.DataFrame:
    """A sensitivity CSV normalised to columns ``parameter``, ``index`` (e.g. ``S1``, ``ST``,
    ``mu_star``), ``value``, ``conf`` (half-width of the confidence interval; NaN if absent),
    ``conf_level`` (that interval's level, e.g. 0.95; NaN in files that do not record it) and
    ``output`` (the metric analysed, if the file names it).

    Accepts the wide layout SALib's ``to_df()`` produces (one row per parameter, columns
    ``S1, S1_conf, ST, ST_conf`` or ``mu_star, mu_star_conf, sigma``) and a long layout with
    ``index, value, conf`` columns.
    """
    path = Path(path)
    if not path.exists():
        raise AnalysisError(f"{path}: no such sensitivity file")
    frame = pd.read_csv(path)
    lower = {c.lower(): c for c in frame.columns}
    param_col = next(
        (lower[k] for k in ("parameter", "param", "name", "names", "variable") if k in lower),
        frame.columns[0],
    )
    output_col = next((lower[k] for k in ("output", "metric") if k in lower), None)
    level_col = lower.get("conf_level")
    rows = []
    if "index" in lower and "value" in lower:
        conf = lower.get("conf") or lower.get("ci") or lower.get("confidence")
        for rec in frame.to_dict("records"):
            rows.append(
                {
                    "parameter": str(rec[param_col]),
                    "index": str(rec[lower["index"]]),
                    "value": float(rec[lower["value"]]),
                    "conf": float(rec[conf]) if conf else float("nan"),
                    "conf_level": float(rec[level_col]) if level_col else float("nan"),
                    "output": str(rec[output_col]) if output_col else "",
                }
            )
    else:
        known = ("S1", "ST", "mu_star", "sigma", "mu")
        present = [lower[k.lower()] for k in known if k.lower() in lower]
        if not present:
            raise AnalysisError(
                f"{path}: no sensitivity indices found (expected columns such as S1, ST or mu_star)"
            )
        for rec in frame.to_dict("records"):
            for col in present:
                conf_col = lower.get(col.lower() + "_conf")
                rows.append(
                    {
                        "parameter": str(rec[param_col]),
                        "index": col,
                        "value": float(rec[col]),
                        "conf": float(rec[conf_col]) if conf_col else float("nan"),
                        "conf_level": float(rec[level_col]) if level_col else float("nan"),
                        "output": str(rec[output_col]) if output_col else "",
                    }
                )
    out = pd.DataFrame(
        rows, columns=["parameter", "index", "value", "conf", "conf_level", "output"]
    )
    if out.empty:
        raise AnalysisError(f"{path}: the sensitivity file has no rows")
    return out
