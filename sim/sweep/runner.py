"""Driving a whole sweep: the design's runs, in batches, through a backend into the sweep
directory, skipping runs already there.

``run_sweep`` builds one ``Evaluator`` (``evaluate``), hands batches of tasks to a backend
(``backends``) and commits the outcomes to the sweep directory (``store``) as they arrive, so
an interrupted sweep keeps its finished runs and ``--resume`` does only the rest.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from tqdm import tqdm

from sim import __version__
from sim.scenario import ScenarioError, dump_yaml
from sim.sweep.backends import WorkerLost, make_backend, start_fork_server
from sim.sweep.design import Design, RunTask, make_design, n_runs, run_seed, tasks
from sim.sweep.evaluate import Evaluator, Outcome
from sim.sweep.spec import Sweep, SweepSpec
from sim.sweep.store import (
    SweepIncomplete,
    SweepStore,
    check_out_dir,
    design_digest,
    parameter_type,
    read_meta,
    runs_schema,
    timeseries_schema,
    to_column_value,
    write_meta,
)

# WorkerLost and start_fork_server lived here before backends.py: callers may import them here.
__all__ = ["SweepIncomplete", "SweepResult", "WorkerLost", "run_sweep", "start_fork_server"]


@dataclass
class SweepResult:
    """What ``run_sweep`` did; ``runs`` is the runs table (pandas) when the sweep finished."""

    out: Path
    n_runs: int
    succeeded: int
    failed: int
    done_before: int
    wall_time_s: float
    complete: bool
    runs: Any = None
    meta: dict[str, Any] = field(default_factory=dict)


def _batch_size(remaining: int, workers: int) -> int:
    # Small enough that a kill loses little and every worker stays busy to the end, large
    # enough that inter-process traffic stays a small share of the run time.
    return max(1, min(16, remaining // (workers * 8)))


def _batched(it: Iterator[RunTask], size_of: Callable[[], int]) -> Iterator[list[RunTask]]:
    batch: list[RunTask] = []
    for task in it:
        batch.append(task)
        if len(batch) >= size_of():
            yield batch
            batch = []
    if batch:
        yield batch


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    jobs: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    flush_seconds: float = 0.5,
    chunk_size: int = 512,
    evaluator: Evaluator | None = None,
    design: Design | None = None,
) -> SweepResult:
    """Run every run of ``sweep`` not yet in ``out`` and write the result files.

    Finished runs are committed every ``flush_seconds`` (or every ``chunk_size`` runs), so an
    interrupted sweep loses only runs in flight and those finished since the last commit.
    Any failure of the machinery (a lost worker, an unreachable dask scheduler) marks the
    folder ``crashed`` and leaves it resumable.

    ``design`` replaces the spec's sampler with explicit parameter sets (a forecast's draws);
    ``sweep.resolved()`` must then identify it, so that ``--resume`` refuses another one.
    """
    started = time.perf_counter()
    out = Path(out)
    spec = sweep.spec
    jobs = jobs or os.cpu_count() or 1
    if backend == "local" and jobs > 1:
        start_fork_server()
    design = make_design(spec) if design is None else design
    total = n_runs(design, spec)
    digest = design_digest(design.names, design.values, spec.replications, spec.seed)
    resolved = {**sweep.resolved(), "design_sha256": digest}
    resolved_text = dump_yaml(resolved)
    state = check_out_dir(out, resolved_text, resume)
    param_types = {
        name: parameter_type(v[i] for v in design.values) for i, name in enumerate(design.names)
    }
    store = SweepStore(
        out, runs_schema(param_types), timeseries_schema(spec.record.columns), digest, total
    )

    if state == "complete":
        problem = store.check_complete()
        if problem is None:
            store.remove_parts()
            table = pq.read_table(out / "runs.parquet")
            status = table.column("status").to_pylist()
            ok = status.count("ok")
            return SweepResult(
                out,
                total,
                ok,
                len(status) - ok,
                len(status),
                0.0,
                True,
                table.to_pandas(),
                read_meta(out),
            )
        _note(f"{out}: marked complete, but {problem}; reopened to redo what is missing")
        store.reopen()

    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.resolved.yaml").write_text(resolved_text, encoding="utf-8")
    done = store.prepare()
    for line in store.notes:
        _note(f"{out}/{line}")
    done_before = len(done)
    meta = _meta_at_start(sweep, design, total, backend, scheduler, jobs)
    meta["design_sha256"] = digest
    write_meta(out, meta)

    if evaluator is None:
        evaluator = Evaluator(sweep.base_raw, spec.record.columns, spec.record.every_steps)
    run_rows = _RunRows(design, spec, param_types)
    counts = {"succeeded": 0, "failed": 0}
    run_times: list[float] = []
    back: Any = None
    interrupted = False
    printed = len(store.notes)
    try:
        for _attempt in range(3):  # a part failing its final check is redone, at most twice
            todo = total - len(done)
            if todo:
                if back is None:
                    back = make_backend(backend, jobs, scheduler)
                interrupted = _run_tasks(
                    back,
                    evaluator,
                    tasks(design, spec, done),
                    todo,
                    total - todo,
                    store,
                    run_rows,
                    counts,
                    run_times,
                    progress,
                    flush_seconds,
                    chunk_size,
                )
                if interrupted:
                    break
            done = store.verify()
            for line in store.notes[printed:]:
                _note(f"{out}/{line}")
            printed = len(store.notes)
            if len(done) == total:
                break
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            interrupted = True
        else:
            meta["status"] = "crashed"
            write_meta(out, meta)
            if isinstance(exc, Exception) and not isinstance(exc, WorkerLost | ScenarioError):
                raise WorkerLost(f"the sweep stopped: {type(exc).__name__}: {exc}") from exc
            raise
    finally:
        if back is not None:
            back.close()

    wall = time.perf_counter() - started
    n_this = counts["succeeded"] + counts["failed"]
    meta.update(
        {
            "wall_time_s": round(wall, 3),
            "runs_this_session": n_this,
            "runs_per_s": round(n_this / wall, 2) if wall > 0 else None,
            "mean_run_time_s": round(sum(run_times) / len(run_times), 5) if run_times else None,
            "workers": back.workers if back is not None else 1,
        }
    )
    if interrupted:
        meta["status"] = "interrupted"
        write_meta(out, meta)
        raise KeyboardInterrupt

    try:
        table = store.finalize()
    except SweepIncomplete:
        meta["status"] = "crashed"
        write_meta(out, meta)
        raise
    status = table.column("status").to_pylist()
    ok = status.count("ok")
    meta.update(
        {
            "status": "complete",
            "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "succeeded": ok,
            "failed": len(status) - ok,
            "resumed_from": done_before,
        }
    )
    write_meta(out, meta)
    store.remove_parts()
    return SweepResult(
        out, total, ok, len(status) - ok, done_before, wall, True, table.to_pandas(), meta
    )


def _note(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def _run_tasks(
    back: Any,
    evaluator: Evaluator,
    todo_tasks: Iterator[RunTask],
    todo: int,
    done_before: int,
    store: SweepStore,
    run_rows: _RunRows,
    counts: dict[str, int],
    run_times: list[float],
    progress: bool,
    flush_seconds: float,
    chunk_size: int,
) -> bool:
    """Evaluate ``todo_tasks`` through ``back``, committing outcomes as they arrive; True if
    interrupted (Ctrl-C or SIGTERM), after saving what finished."""
    remaining = [todo]
    batches = _batched(todo_tasks, lambda: _batch_size(remaining[0], back.workers))
    bar = tqdm(
        total=todo + done_before,
        initial=done_before,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        smoothing=0.05,
        dynamic_ncols=True,
    )
    rows: list[dict[str, Any]] = []
    ts_cols: dict[str, list[Any]] = {f.name: [] for f in store.ts_schema}
    last_flush = time.perf_counter()

    def flush() -> None:
        nonlocal rows, ts_cols, last_flush
        store.write_chunk(rows, ts_cols)
        rows = []
        ts_cols = {f.name: [] for f in store.ts_schema}
        last_flush = time.perf_counter()

    try:
        for outcomes in back.run(evaluator, batches):
            for o in outcomes:
                rows.append(run_rows.row(o))
                if o.ts is not None:
                    for name, values in ts_cols.items():
                        values.extend(o.ts[name])
                counts["succeeded" if o.status == "ok" else "failed"] += 1
                run_times.append(o.wall_time_s)
            remaining[0] -= len(outcomes)
            bar.update(len(outcomes))
            if len(rows) >= chunk_size or time.perf_counter() - last_flush >= flush_seconds:
                flush()
        flush()
    except KeyboardInterrupt:
        flush()
        return True
    except BaseException:  # WorkerLost included: what finished is saved for --resume
        flush()
        raise
    finally:
        bar.close()
    return False


def _meta_at_start(
    sweep: Sweep, design: Design, total: int, backend: str, scheduler: str | None, jobs: int
) -> dict[str, Any]:
    """``meta.json`` while the sweep runs; timings and counts are added when it stops."""
    spec = sweep.spec
    return {
        "labsim_version": __version__,
        "sweep": spec.name,
        "source": sweep.source,
        "sampler": design.sampler,
        "parameters": list(design.names),
        "n_points": design.n_points,
        "replications": spec.replications,
        "n_runs": total,
        "seed": spec.seed,
        "backend": backend,
        "scheduler": scheduler,
        "jobs": jobs,
        "python": platform.python_version(),
        "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "status": "running",
    }


class _RunRows:
    """Builds a run's row of ``runs.parquet``: the design gives its parameters and seed from
    its run_id, so workers send back only what they computed."""

    def __init__(self, design: Design, spec: SweepSpec, param_types: dict[str, str]):
        self.design = design
        self.reps = spec.replications
        self.seed = spec.seed
        self.types = param_types

    def row(self, o: Outcome) -> dict[str, Any]:
        point, rep = divmod(o.run_id, self.reps)
        row: dict[str, Any] = {
            "run_id": o.run_id,
            "point": point,
            "replication": rep,
            "seed": run_seed(self.seed, o.run_id),
            "status": o.status,
        }
        for name, value in zip(self.design.names, self.design.values[point], strict=True):
            row[name] = to_column_value(value, self.types[name])
        row.update(o.metrics)
        for key, value in o.metrics.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
        row["error"] = None if o.traceback is None else o.traceback.strip().splitlines()[-1]
        row["traceback"] = o.traceback
        return row
