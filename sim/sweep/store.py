"""The sweep directory: results written in chunks as runs finish, and resumed after a crash.

While a sweep runs, each chunk of finished runs becomes a part in ``.parts/``:
``ts-NNNNNN.parquet`` (their time series), ``NNNNNN.json`` (the manifest: the part's number,
the design's digest, its run_ids and the SHA-256 of both Parquet files) and then
``runs-NNNNNN.parquet`` (their rows). Each is written to a temporary name and renamed, and the
runs part goes last, so a run counts as done exactly when its row is in a committed runs part:
a ``kill -9`` at any moment loses only runs not yet written, and ``--resume`` redoes exactly
those. On resume and again before the final merge every part is verified against its
manifest; a damaged, truncated, foreign or duplicated part is reported by file name, moved to
``set-aside/`` and its runs are redone. When every run is done the parts are merged into
``runs.parquet`` (sorted by ``run_id``), ``timeseries.parquet`` and ``failures.jsonl`` (only
if every run_id has its row and every successful run its time series), ``meta.json`` is
marked complete, and ``.parts/`` is removed. A folder marked complete whose result files are
missing or damaged is reopened on resume: what survives becomes a part, the rest is redone.

``sweep.resolved.yaml`` (the sweep as it was run, with ``design_sha256``, the digest of the
ordered parameter sets and seeds) marks a folder as a sweep directory: it is what
``--resume`` compares against, so that two different sweeps never share one folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute.is_in in reopen)
import pyarrow.parquet as pq

from sim.sweep import schemas
from sim.sweep.folder import (  # noqa: F401  (re-exported: the sweep directory's API)
    check_out_dir,
    design_digest,
    read_meta,
    write_meta,
)
from sim.sweep.metrics import METRIC_TYPES
from sim.sweep.schemas import (  # noqa: F401  (re-exported: callers import them from here)
    RUN_KEY_TYPES,
    parameter_type,
    timeseries_schema,
    to_column_value,
)

runs_schema = schemas.runs_schema  # re-exported (SweepStore's argument has the same name)

_TS_ROWS_PER_GROUP = 256_000


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


class SweepIncomplete(RuntimeError):
    """The merged result would lack runs or time series: the sweep is not complete."""


class SweepStore:
    """Reads and writes one sweep directory (see the module docstring for the layout)."""

    def __init__(
        self,
        out: str | Path,
        runs_schema: pa.Schema,
        ts_schema: pa.Schema,
        design: str = "",
        n_runs: int | None = None,
    ):
        self.out = Path(out)
        self.parts = self.out / ".parts"
        self.set_aside_dir = self.out / "set-aside"
        self.runs_schema = runs_schema
        self.ts_schema = ts_schema
        self.design = design
        self.n_runs = n_runs
        self.param_names = [
            f.name
            for f in runs_schema
            if f.name not in RUN_KEY_TYPES
            and f.name not in METRIC_TYPES
            and f.name not in ("error", "traceback")
        ]
        self._seq = 0
        self.notes: list[str] = []  # one line per part set aside, for the user

    # ------------------------------------------------------------- state on disk

    def committed_parts(self) -> list[Path]:
        return sorted(self.parts.glob("runs-*.parquet")) if self.parts.is_dir() else []

    def prepare(self) -> set[int]:
        """Make ``.parts/`` consistent after a crash and return the run_ids already done.

        Leftovers of a commit that never finished (temporary files, a time-series part or a
        manifest without its runs part) belong to runs that will be redone, so they are
        removed. Every committed part is verified (``verify``); one that fails is set aside
        and its runs are redone."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for tmp in self.parts.glob("*.tmp"):
            tmp.unlink()
        committed = {p.name.removeprefix("runs-") for p in self.committed_parts()}
        for ts in self.parts.glob("ts-*.parquet"):
            if ts.name.removeprefix("ts-") not in committed:
                ts.unlink()
        for manifest in self.parts.glob("*.json"):
            if f"{manifest.stem}.parquet" not in committed:
                manifest.unlink()
        for leftover in self.parts.iterdir():
            self._seq = max(self._seq, _part_number(leftover) + 1)
        done = self.verify()
        self._rewrite_failures()
        return done

    def verify(self) -> set[int]:
        """Check every committed part against its manifest (its own number, this sweep's
        design, the checksums of its files, its run_ids: each once, each in the design) and
        set aside any that fails; return the run_ids the remaining parts hold."""
        done: set[int] = set()
        for part in self.committed_parts():
            number = part.stem.removeprefix("runs-")
            problem, ids = self._check_part(number, done)
            if problem:
                self._set_aside(number, problem)
            else:
                done.update(ids)
        return done

    def _check_part(self, number: str, done: set[int]) -> tuple[str | None, list[int]]:
        runs_file = self.parts / f"runs-{number}.parquet"
        try:
            manifest = json.loads((self.parts / f"{number}.json").read_text(encoding="utf-8"))
            ids = [int(i) for i in manifest["run_ids"]]
            runs_entry, ts_entry = manifest["runs"], manifest["ts"]
        except (OSError, ValueError, KeyError, TypeError):
            return "no readable manifest (a damaged part, or not written by labsim)", []
        if manifest.get("design") != self.design:
            return "it belongs to another sweep's design", []
        if manifest.get("part") != number:
            return (
                f"its manifest is part {manifest.get('part')}'s (a copy under another number)",
                [],
            )
        if _file_sha256(runs_file) != runs_entry.get("sha256"):
            return "its checksum does not match (truncated or altered)", []
        ts_file = self.parts / f"ts-{number}.parquet"
        if ts_entry is not None:
            if not ts_file.exists():
                return f"its time series part {ts_file.name} is missing", []
            if _file_sha256(ts_file) != ts_entry.get("sha256"):
                return f"the checksum of {ts_file.name} does not match", []
        elif ts_file.exists():
            return f"{ts_file.name} is not in its manifest", []
        try:
            stored = pq.read_table(runs_file, columns=["run_id"]).column("run_id").to_pylist()
        except (OSError, pa.ArrowException) as exc:
            return f"unreadable ({exc})", []
        if stored != ids:
            return "its run_ids differ from its manifest's", []
        if len(set(ids)) != len(ids) or done & set(ids):
            return "it repeats runs another part holds", []
        if self.n_runs is not None and any(not 0 <= i < self.n_runs for i in ids):
            return "it holds run_ids outside this sweep's design", []
        return None, ids

    def _set_aside(self, number: str, reason: str) -> None:
        """Move a part's files out of ``.parts/`` (kept for inspection, never merged)."""
        self.set_aside_dir.mkdir(exist_ok=True)
        moved = []
        for name in (f"runs-{number}.parquet", f"ts-{number}.parquet", f"{number}.json"):
            src = self.parts / name
            if src.exists():
                dst = self.set_aside_dir / name
                k = 1
                while dst.exists():
                    dst = self.set_aside_dir / f"{name}.{k}"
                    k += 1
                os.replace(src, dst)
                moved.append(name)
        self.notes.append(
            f".parts/runs-{number}.parquet: {reason}; set aside in {self.set_aside_dir.name}/ "
            "and its runs will be redone"
        )

    # ------------------------------------------------------------------- writing

    def write_chunk(self, rows: list[dict[str, Any]], ts: dict[str, list[Any]]) -> None:
        """Commit finished runs: time series first, then the manifest (checksums and
        run_ids), then the rows that mark them done (renamed into place last), then their
        failures (``failures.jsonl`` is rebuilt from the parts on resume and at the end, so
        a crash between the two cannot lose or duplicate a failure)."""
        if not rows:
            return
        number = f"{self._seq:06d}"
        self._seq += 1
        ts_entry = None
        if ts and ts.get("run_id"):
            ts_path = self.parts / f"ts-{number}.parquet"
            _write_atomic(pa.table(ts, schema=self.ts_schema), ts_path)
            ts_entry = {"sha256": _file_sha256(ts_path)}
        runs_path = self.parts / f"runs-{number}.parquet"
        runs_tmp = runs_path.with_name(runs_path.name + ".tmp")
        pq.write_table(
            pa.Table.from_pylist(rows, schema=self.runs_schema), runs_tmp, compression="zstd"
        )
        manifest = {
            "part": number,
            "design": self.design,
            "run_ids": [r["run_id"] for r in rows],
            "runs": {"sha256": _file_sha256(runs_tmp)},
            "ts": ts_entry,
        }
        manifest_tmp = self.parts / f"{number}.json.tmp"
        manifest_tmp.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(manifest_tmp, self.parts / f"{number}.json")
        os.replace(runs_tmp, runs_path)
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
        """Verify the parts once more, then merge them into the result files; returns the
        runs table (small: one row per run). The time series are streamed part by part, so
        memory stays flat. Raises ``SweepIncomplete`` (and writes nothing) unless every
        run_id of the design has its row and every run that succeeded its time series."""
        done = self.verify()
        if self.n_runs is not None and done != set(range(self.n_runs)):
            missing = self.n_runs - len(done)
            raise SweepIncomplete(
                f"{missing} of {self.n_runs} runs have no verified result; not complete"
            )
        self._rewrite_failures()
        parts = self.committed_parts()
        tables = [pq.read_table(p, schema=self.runs_schema) for p in parts]
        runs = pa.concat_tables(tables) if tables else self.runs_schema.empty_table()
        runs = runs.sort_by("run_id")
        ids = runs.column("run_id").to_pylist()
        if len(ids) != len(set(ids)):
            raise SweepIncomplete("a run was recorded twice; not complete")
        ok = {i for i, s in zip(ids, runs.column("status").to_pylist(), strict=True) if s == "ok"}

        tmp = self.out / "timeseries.parquet.tmp"
        with_ts: set[int] = set()
        with pq.ParquetWriter(tmp, self.ts_schema, compression="zstd") as writer:
            pending: list[pa.Table] = []
            rows = 0
            for part in sorted(self.parts.glob("ts-*.parquet")):
                table = pq.read_table(part, schema=self.ts_schema)
                with_ts.update(table.column("run_id").to_pylist())
                pending.append(table)
                rows += table.num_rows
                if rows >= _TS_ROWS_PER_GROUP:
                    writer.write_table(pa.concat_tables(pending))
                    pending, rows = [], 0
            if pending:
                writer.write_table(pa.concat_tables(pending))
        if ok - with_ts:
            tmp.unlink()
            raise SweepIncomplete(f"{len(ok - with_ts)} runs have no time series; not complete")
        _write_atomic(runs.drop_columns(["traceback"]), self.out / "runs.parquet")
        os.replace(tmp, self.out / "timeseries.parquet")
        return runs.drop_columns(["traceback"])

    def check_complete(self) -> str | None:
        """Why a sweep marked complete is not (a result file missing, unreadable, or short
        of runs or time series), or None if it is whole."""
        for name in ("runs.parquet", "timeseries.parquet"):
            if not (self.out / name).is_file():
                return f"{name} is missing"
        try:
            runs = pq.read_table(self.out / "runs.parquet", columns=["run_id", "status"])
            ts_ids = pq.read_table(self.out / "timeseries.parquet", columns=["run_id"])
        except (OSError, pa.ArrowException) as exc:
            return f"a result file is unreadable ({str(exc).splitlines()[0]})"
        ids = runs.column("run_id").to_pylist()
        if self.n_runs is not None and sorted(ids) != list(range(self.n_runs)):
            return "runs.parquet does not hold every run once"
        ok = {i for i, s in zip(ids, runs.column("status").to_pylist(), strict=True) if s == "ok"}
        if ok - set(ts_ids.column("run_id").to_pylist()):
            return "timeseries.parquet lacks some runs"
        return None

    def reopen(self) -> None:
        """Turn what survives of a damaged finished sweep back into one verified part (rows
        of runs whose time series survived too, and failed runs), so that a resume redoes
        only the rest; remove the merged files."""
        runs = _read_or_none(self.out / "runs.parquet")
        ts = _read_or_none(self.out / "timeseries.parquet", self.ts_schema)
        self.parts.mkdir(parents=True, exist_ok=True)
        if runs is not None and "run_id" in runs.column_names:
            with_ts = set(ts.column("run_id").to_pylist()) if ts is not None else set()
            seen: set[int] = set()
            keep = []
            for row in runs.to_pylist():
                i = row["run_id"]
                valid = self.n_runs is None or 0 <= i < self.n_runs
                if valid and i not in seen and (row["status"] != "ok" or i in with_ts):
                    seen.add(i)
                    keep.append({**row, "traceback": row.get("error")})
            if keep and ts is not None:
                kept_ts = ts.filter(pa.compute.is_in(ts.column("run_id"), pa.array(sorted(seen))))
                self.write_chunk(keep, kept_ts.to_pydict() if kept_ts.num_rows else {})
            elif keep:
                self.write_chunk(keep, {})
        for name in ("runs.parquet", "timeseries.parquet"):
            (self.out / name).unlink(missing_ok=True)

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


def _read_or_none(path: Path, schema: pa.Schema | None = None) -> pa.Table | None:
    try:
        return pq.read_table(path, schema=schema)
    except (OSError, pa.ArrowException):
        return None


def _part_number(path: Path) -> int:
    digits = "".join(c for c in path.name.split(".")[0] if c.isdigit())
    return int(digits) if digits else -1


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
