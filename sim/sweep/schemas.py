"""Column types of a sweep's result files: the run keys, each swept parameter (typed from the
values it takes in the design), the final metrics, and the recorded time series."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from sim.sweep.metrics import METRIC_TYPES

RUN_KEY_TYPES = {
    "run_id": pa.int64(),
    "point": pa.int64(),
    "replication": pa.int64(),
    "seed": pa.int64(),
    "status": pa.string(),
}
TS_STRING_COLUMNS = {"date", "structure", "leader", "frontier_lab"}
TS_INT_COLUMNS = {"step", "n_active", "n_models"}
_ARROW = {"float64": pa.float64(), "int64": pa.int64(), "string": pa.string(), "bool": pa.bool_()}


def parameter_type(values: Iterable[Any]) -> str:
    """Parquet type for one parameter column, from every value it takes in the design."""
    vals = list(values)
    if all(isinstance(v, bool) for v in vals):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "int64"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return "float64"
    return "string"


def to_column_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "float64":
        return float(value)
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def runs_schema(param_types: dict[str, str]) -> pa.Schema:
    """Parts hold the full traceback of failed runs; ``runs.parquet`` keeps its last line."""
    fields = [pa.field(k, t) for k, t in RUN_KEY_TYPES.items()]
    fields += [pa.field(name, _ARROW[kind]) for name, kind in param_types.items()]
    fields += [pa.field(name, _ARROW[kind]) for name, kind in METRIC_TYPES.items()]
    fields += [pa.field("error", pa.string()), pa.field("traceback", pa.string())]
    return pa.schema(fields)


def timeseries_schema(columns: Iterable[str]) -> pa.Schema:
    fields = [pa.field("run_id", pa.int64()), pa.field("step", pa.int64())]
    fields.append(pa.field("date", pa.string()))
    for name in columns:
        if name in ("step", "date"):
            continue
        if name in TS_STRING_COLUMNS:
            kind = pa.string()
        elif name in TS_INT_COLUMNS:
            kind = pa.int64()
        else:
            kind = pa.float64()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)
