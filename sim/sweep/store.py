"""The sweep directory: results written in chunks as runs finish, and resumed after a crash.

While a sweep runs, each chunk of finished runs becomes two Parquet part files in ``.parts/``:
``ts-NNNNNN.parquet`` (their time series) and then ``runs-NNNNNN.parquet`` (their rows). Each
is written to a temporary name and renamed, and the runs part goes last, so a run counts as
done exactly when its row is in a committed runs part: a ``kill -9`` at any moment loses only
runs not yet written, and ``--resume`` redoes exactly those. When every run is done the parts
are merged into ``runs.parquet`` (sorted by ``run_id``), ``timeseries.parquet`` and
``failures.jsonl``, ``meta.json`` is marked complete, and ``.parts/`` is removed.

``sweep.resolved.yaml`` (the sweep as it was run) marks a folder as a sweep directory: it is
what ``--resume`` compares against, so that two different sweeps never share one folder.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.scenario import ScenarioError
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
_TS_ROWS_PER_GROUP = 256_000


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


def check_out_dir(out: Path, resolved_text: str, resume: bool) -> str:
    """'new', 'resume' or 'complete'; refuses to mix two different sweeps in one folder."""
    resolved_file = out / "sweep.resolved.yaml"
    if not resolved_file.exists():
        if out.exists() and any(out.iterdir()):
            raise ScenarioError([f"{out}: folder exists and is not a sweep; choose another --out"])
        return "new"
    if not resume:
        raise ScenarioError(
            [f"{out}: already holds a sweep; pass --resume to finish it, or choose another --out"]
        )
    import yaml

    old = yaml.safe_load(resolved_file.read_text(encoding="utf-8"))
    new = yaml.safe_load(resolved_text)
    if old != new:
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        raise ScenarioError(
            [
                f"{out}: the sweep changed since it was started ({', '.join(changed)} differ); "
                "resume with the same sweep file and --set values, or choose another --out"
            ]
        )
    if (out / "meta.json").exists() and read_meta(out).get("status") == "complete":
        return "complete"
    return "resume"


def read_meta(out: Path) -> dict[str, Any]:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def write_meta(out: Path, meta: dict[str, Any]) -> None:
    """Replace ``meta.json`` atomically: a crash leaves the old one or the new one, whole."""
    tmp = out / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "meta.json")


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


class SweepStore:
    """Reads and writes one sweep directory (see the module docstring for the layout)."""

    def __init__(self, out: str | Path, runs_schema: pa.Schema, ts_schema: pa.Schema):
        self.out = Path(out)
        self.parts = self.out / ".parts"
        self.runs_schema = runs_schema
        self.ts_schema = ts_schema
        self.param_names = [
            f.name
            for f in runs_schema
            if f.name not in RUN_KEY_TYPES
            and f.name not in METRIC_TYPES
            and f.name not in ("error", "traceback")
        ]
        self._seq = 0

    # ------------------------------------------------------------- state on disk

    def committed_parts(self) -> list[Path]:
        return sorted(self.parts.glob("runs-*.parquet")) if self.parts.is_dir() else []

    def prepare(self) -> set[int]:
        """Make ``.parts/`` consistent after a crash and return the run_ids already done.

        Leftover temporary files and time-series parts whose runs part never landed belong to
        runs that will be redone, so they are removed."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for tmp in self.parts.glob("*.tmp"):
            tmp.unlink()
        committed = {p.name.removeprefix("runs-") for p in self.committed_parts()}
        for ts in self.parts.glob("ts-*.parquet"):
            if ts.name.removeprefix("ts-") not in committed:
                ts.unlink()
        done: set[int] = set()
        for part in self.committed_parts():
            ids = pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
            done.update(ids)
            self._seq = max(self._seq, int(part.stem.removeprefix("runs-")) + 1)
        self._rewrite_failures()
        return done

    # ------------------------------------------------------------------- writing

    def write_chunk(self, rows: list[dict[str, Any]], ts: dict[str, list[Any]]) -> None:
        """Commit finished runs: time series first, then the rows that mark them done, then
        their failures (``failures.jsonl`` is rebuilt from the parts on resume and at the end,
        so a crash between the two cannot lose or duplicate a failure)."""
        if not rows:
            return
        name = f"{self._seq:06d}.parquet"
        self._seq += 1
        if ts and ts.get("run_id"):
            _write_atomic(pa.table(ts, schema=self.ts_schema), self.parts / f"ts-{name}")
        _write_atomic(
            pa.Table.from_pylist(rows, schema=self.runs_schema), self.parts / f"runs-{name}"
        )
        failed = [r for r in rows if r["status"] != "ok"]
        if failed:
            with open(self.out / "failures.jsonl", "a", encoding="utf-8") as fh:
                for row in failed:
                    fh.write(json.dumps(self._failure_record(row)) + "\n")

    def _failure_record(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "run_id": row["run_id"],
            "point": row["point"],
            "replication": row["replication"],
            "seed": row["seed"],
            "parameters": {name: _jsonable(row[name]) for name in self.param_names},
            "error": row["error"],
            "traceback": row["traceback"],
        }

    def _rewrite_failures(self) -> None:
        records = []
        for part in self.committed_parts():
            if "failed" not in pq.read_table(part, columns=["status"])["status"].to_pylist():
                continue
            table = pq.read_table(part)
            records += [self._failure_record(r) for r in table.to_pylist() if r["status"] != "ok"]
        records.sort(key=lambda r: r["run_id"])
        text = "".join(json.dumps(r) + "\n" for r in records)
        tmp = self.out / "failures.jsonl.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.out / "failures.jsonl")

    # ------------------------------------------------------------------ finishing

    def finalize(self) -> pa.Table:
        """Merge the parts into the result files; returns the runs table (small: one row per
        run). The time series are streamed part by part, so memory stays flat."""
        self._rewrite_failures()
        parts = self.committed_parts()
        tables = [pq.read_table(p, schema=self.runs_schema) for p in parts]
        runs = pa.concat_tables(tables) if tables else self.runs_schema.empty_table()
        runs = runs.sort_by("run_id")
        ids = runs.column("run_id").to_pylist()
        if len(ids) != len(set(ids)):
            raise RuntimeError("internal error: a run was recorded twice")
        runs = runs.drop_columns(["traceback"])
        _write_atomic(runs, self.out / "runs.parquet")

        tmp = self.out / "timeseries.parquet.tmp"
        with pq.ParquetWriter(tmp, self.ts_schema, compression="zstd") as writer:
            pending: list[pa.Table] = []
            rows = 0
            for part in sorted(self.parts.glob("ts-*.parquet")):
                table = pq.read_table(part, schema=self.ts_schema)
                pending.append(table)
                rows += table.num_rows
                if rows >= _TS_ROWS_PER_GROUP:
                    writer.write_table(pa.concat_tables(pending))
                    pending, rows = [], 0
            if pending:
                writer.write_table(pa.concat_tables(pending))
        os.replace(tmp, self.out / "timeseries.parquet")
        return runs

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
