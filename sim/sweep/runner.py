"""Evaluating runs on a backend, and driving a whole sweep.

An ``Evaluator`` turns a ``RunTask`` into an ``Outcome`` (final metrics plus the recorded time
series); it carries the resolved base scenario, so a worker needs neither the scenario files
nor to parse them again: it receives the evaluator once (process-pool initializer, or a dask
scatter) and reuses it for every run. Backends only move batches of tasks to evaluators and
outcomes back, as they finish:

- ``SerialBackend``: in this process (``--jobs 1``);
- ``ProcessBackend``: a local process pool (``--jobs N``);
- ``DaskBackend``: a local dask cluster, or an existing one given its scheduler address.

Each keeps a bounded number of batches in flight, so memory does not grow with the sweep.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sim import __version__
from sim.params import parse_year_month
from sim.scenario import ScenarioError, apply_overrides, dump_yaml, validate
from sim.sweep.design import Design, RunTask, make_design, n_runs, tasks
from sim.sweep.metrics import empty_metrics, final_metrics
from sim.sweep.spec import Sweep


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory); finished runs are saved."""


@dataclass
class Outcome:
    """What a worker sends back for one run. ``ts`` maps each recorded column to its values
    (None for a failed run); ``wall_time_s`` is the run's own time, for the meta summary."""

    run_id: int
    status: str
    metrics: dict[str, Any]
    ts: dict[str, list[Any]] | None
    traceback: str | None
    wall_time_s: float


class Evaluator:
    """Runs one task: overrides onto the base scenario, validate, run, reduce."""

    def __init__(self, base_raw: dict[str, Any], record_columns: tuple[str, ...], every: int):
        self.base_raw = base_raw
        self.record_columns = tuple(c for c in record_columns if c not in ("step", "date"))
        self.every = every
        self._last: tuple[Any, Any] = (None, None)  # (overrides, their validated scenario)

    def scenario(self, overrides: dict[str, Any]):
        """The base scenario with ``overrides``, validated. Replications of a design point
        come one after another and share one Scenario object (and so the model's cached
        exogenous schedules)."""
        last_overrides, last_scenario = self._last
        if overrides == last_overrides:
            return last_scenario
        scenario = validate(apply_overrides(self.base_raw, overrides), "scenario")
        self._last = (overrides, scenario)
        return scenario

    def __call__(self, task: RunTask) -> Outcome:
        from sim.results import simulate  # imports Mesa: in workers only (WORKER_PRELOAD)

        started = time.perf_counter()
        try:
            scenario = self.scenario(task.overrides)
            # No lab rows and no DataFrame: a sweep keeps only time-series columns.
            model = simulate(scenario, seed=task.seed, record_labs=False)
            ts = model.recorder.timeseries_columns()
            metrics = final_metrics(ts, parse_year_month(scenario.start))
            n = len(ts["step"])
            keep = [k for k in range(n) if k % self.every == self.every - 1 or k == n - 1]
            recorded: dict[str, list[Any]] = {"run_id": [task.run_id] * len(keep)}
            for name in ("step", "date", *self.record_columns):
                values = ts[name]
                recorded[name] = [values[k] for k in keep]
            return Outcome(
                task.run_id, "ok", metrics, recorded, None, time.perf_counter() - started
            )
        except Exception as exc:  # a failing run is data: recorded, and the sweep goes on
            if isinstance(exc, ScenarioError):
                text = "ScenarioError: " + "; ".join(exc.problems)
            else:
                text = traceback.format_exc()
            return Outcome(
                task.run_id, "failed", empty_metrics(), None, text, time.perf_counter() - started
            )


def evaluate_batch(evaluator: Evaluator, batch: list[RunTask]) -> list[Outcome]:
    return [evaluator(task) for task in batch]


# ------------------------------------------------------------------ backends


class Backend(Protocol):
    """Evaluates batches, yielding each batch's outcomes as soon as it is done."""

    workers: int

    def run(
        self, evaluator: Evaluator, batches: Iterator[list[RunTask]]
    ) -> Iterator[list[Outcome]]: ...

    def close(self) -> None: ...


class SerialBackend:
    workers = 1

    def run(self, evaluator, batches):
        for batch in batches:
            yield evaluate_batch(evaluator, batch)

    def close(self) -> None:
        pass


_WORKER_EVALUATOR: Evaluator | None = None


def _init_worker(evaluator: Evaluator) -> None:
    global _WORKER_EVALUATOR
    _WORKER_EVALUATOR = evaluator
    # Ctrl-C goes to the whole process group; the parent decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_batch(batch: list[RunTask]) -> list[Outcome]:
    assert _WORKER_EVALUATOR is not None
    return evaluate_batch(_WORKER_EVALUATOR, batch)


def _windowed(
    submit: Callable[[list[RunTask]], Any],
    next_done: Callable[[], tuple[Any, list[Outcome]]],
    batches: Iterator[list[RunTask]],
    window: int,
) -> Iterator[list[Outcome]]:
    """Keep ``window`` batches in flight; yield outcomes as batches complete."""
    in_flight = 0
    for batch in batches:
        submit(batch)
        in_flight += 1
        if in_flight >= window:
            yield next_done()[1]
            in_flight -= 1
    while in_flight:
        yield next_done()[1]
        in_flight -= 1


# What a worker needs, imported once by the fork server; every worker forks from it ready.
# Importing Mesa alone takes 1-2 s, so the parent process never imports the model itself.
WORKER_PRELOAD = ["sim.model", "sim.results", "sim.sweep.runner"]


def start_fork_server() -> None:
    """Start the local workers' fork server now, so that its imports overlap with the
    parent's own setup (design, result files) instead of delaying the first runs."""
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        from multiprocessing import forkserver

        mp.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
        forkserver.ensure_running()


class ProcessBackend:
    """A local process pool. Workers fork from a server that has already imported the model
    (``forkserver`` with preload) where the platform allows, else they are spawned."""

    def __init__(self, jobs: int):
        self.workers = jobs
        self._pool = None

    def run(self, evaluator, batches):
        import multiprocessing as mp
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if "forkserver" in mp.get_all_start_methods():
            start_fork_server()  # no-op if already running
            ctx = mp.get_context("forkserver")
        else:
            ctx = mp.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_init_worker, initargs=(evaluator,)
        )
        pending: set = set()

        def submit(batch):
            pending.add(self._pool.submit(_worker_batch, batch))

        def next_done():
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            fut = done.pop()
            pending.discard(fut)
            return fut, fut.result()

        yield from _windowed(submit, next_done, batches, 2 * self.workers)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskBackend:
    """dask.distributed: a local cluster of ``jobs`` single-threaded worker processes, or the
    cluster behind ``scheduler`` (``tcp://HOST:8786``). Workers there need labsim installed;
    they need no scenario files, because the evaluator carries the resolved scenario."""

    def __init__(self, jobs: int, scheduler: str | None = None):
        import logging

        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        n = sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values())
        self.workers = max(1, n)

    def run(self, evaluator, batches):
        from distributed import as_completed

        # Sent once to every worker and kept there: no per-run scenario transfer or parsing.
        [remote] = self._client.scatter([evaluator], broadcast=True)
        completed = as_completed()

        def submit(batch):
            completed.add(self._client.submit(evaluate_batch, remote, batch, pure=False))

        def next_done():
            fut = next(completed)
            result = fut.result()
            fut.release()
            return fut, result

        yield from _windowed(submit, next_done, batches, 2 * self.workers)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_backend(name: str, jobs: int, scheduler: str | None = None) -> Backend:
    if name == "dask":
        return DaskBackend(jobs, scheduler)
    if name != "local":
        raise ScenarioError([f"--backend {name}: expected local or dask"])
    return SerialBackend() if jobs <= 1 else ProcessBackend(jobs)


# ----------------------------------------------------------------- the sweep


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


def _check_out_dir(out: Path, resolved_text: str, resume: bool) -> str:
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
    meta_file = out / "meta.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("status") == "complete":
            return "complete"
    return "resume"


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
) -> SweepResult:
    """Run every run of ``sweep`` not yet in ``out`` and write the result files.

    Finished runs are committed every ``flush_seconds`` (or every ``chunk_size`` runs), so an
    interrupted sweep loses only runs in flight and those finished since the last commit.
    """
    import pyarrow.parquet as pq

    from sim.sweep.store import (
        SweepStore,
        parameter_type,
        runs_schema,
        timeseries_schema,
        to_column_value,
    )

    started = time.perf_counter()
    out = Path(out)
    spec = sweep.spec
    jobs = jobs or os.cpu_count() or 1
    if backend == "local" and jobs > 1:
        start_fork_server()
    design = make_design(spec)
    total = n_runs(design, spec)
    resolved = sweep.resolved()
    resolved_text = dump_yaml(resolved)
    state = _check_out_dir(out, resolved_text, resume)
    param_types = {
        name: parameter_type(v[i] for v in design.values) for i, name in enumerate(design.names)
    }
    store = SweepStore(out, runs_schema(param_types), timeseries_schema(spec.record.columns))

    if state == "complete":
        store.remove_parts()
        table = pq.read_table(out / "runs.parquet")
        status = table.column("status").to_pylist()
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        ok = status.count("ok")
        return SweepResult(
            out, total, ok, len(status) - ok, len(status), 0.0, True, table.to_pandas(), meta
        )

    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.resolved.yaml").write_text(resolved_text, encoding="utf-8")
    done = store.prepare()
    done_before = len(done)
    meta = {
        "labsim_version": __version__,
        "sweep": spec.name,
        "source": sweep.source,
        "sampler": spec.sampler,
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
    _write_meta(out, meta)

    if evaluator is None:
        evaluator = Evaluator(sweep.base_raw, spec.record.columns, spec.record.every_steps)
    todo = total - done_before
    back = make_backend(backend, jobs, scheduler) if todo else SerialBackend()
    workers = back.workers
    remaining = [todo]
    batches = _batched(tasks(design, spec, done), lambda: _batch_size(remaining[0], workers))
    task_info = _TaskIndex(design, spec, param_types, to_column_value)

    from tqdm import tqdm

    bar = tqdm(
        total=total,
        initial=done_before,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        smoothing=0.05,
        dynamic_ncols=True,
    )
    rows: list[dict[str, Any]] = []
    ts_cols: dict[str, list[Any]] = {f.name: [] for f in store.ts_schema}
    succeeded = failed = 0
    run_times: list[float] = []
    last_flush = time.perf_counter()
    interrupted = False

    def flush() -> None:
        nonlocal rows, ts_cols, last_flush
        store.write_chunk(rows, ts_cols)
        rows = []
        ts_cols = {f.name: [] for f in store.ts_schema}
        last_flush = time.perf_counter()

    try:
        for outcomes in back.run(evaluator, batches):
            for o in outcomes:
                rows.append(task_info.row(o))
                if o.ts is not None:
                    for name, values in ts_cols.items():
                        values.extend(o.ts[name])
                if o.status == "ok":
                    succeeded += 1
                else:
                    failed += 1
                run_times.append(o.wall_time_s)
            remaining[0] -= len(outcomes)
            bar.update(len(outcomes))
            if len(rows) >= chunk_size or time.perf_counter() - last_flush >= flush_seconds:
                flush()
        flush()
    except KeyboardInterrupt:
        interrupted = True
        flush()
    except Exception as exc:
        from concurrent.futures.process import BrokenProcessPool

        flush()
        meta["status"] = "crashed"
        _write_meta(out, meta)
        if isinstance(exc, BrokenProcessPool):
            raise WorkerLost(
                "a worker process died (killed or out of memory); finished runs are saved, "
                "finish the sweep with --resume"
            ) from exc
        raise
    finally:
        back.close()
        bar.close()

    wall = time.perf_counter() - started
    meta.update(
        {
            "wall_time_s": round(wall, 3),
            "runs_this_session": succeeded + failed,
            "runs_per_s": round((succeeded + failed) / wall, 2) if wall > 0 else None,
            "mean_run_time_s": round(sum(run_times) / len(run_times), 5) if run_times else None,
            "workers": workers,
        }
    )
    if interrupted:
        meta["status"] = "interrupted"
        _write_meta(out, meta)
        raise KeyboardInterrupt

    table = store.finalize()
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
    _write_meta(out, meta)
    store.remove_parts()
    return SweepResult(
        out, total, ok, len(status) - ok, done_before, wall, True, table.to_pandas(), meta
    )


class _TaskIndex:
    """Rebuilds a run's row (parameters, seed) from its run_id, so workers send back only
    what they computed."""

    def __init__(self, design: Design, spec, param_types: dict[str, str], convert):
        self.design = design
        self.reps = spec.replications
        self.seed = spec.seed
        self.types = param_types
        self.convert = convert

    def row(self, o: Outcome) -> dict[str, Any]:
        from sim.sweep.design import run_seed

        point, rep = divmod(o.run_id, self.reps)
        row: dict[str, Any] = {
            "run_id": o.run_id,
            "point": point,
            "replication": rep,
            "seed": run_seed(self.seed, o.run_id),
            "status": o.status,
        }
        for name, value in zip(self.design.names, self.design.values[point], strict=True):
            row[name] = self.convert(value, self.types[name])
        row.update(o.metrics)
        for key, value in o.metrics.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
        row["error"] = None if o.traceback is None else o.traceback.strip().splitlines()[-1]
        row["traceback"] = o.traceback
        return row


def _write_meta(out: Path, meta: dict[str, Any]) -> None:
    tmp = out / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "meta.json")
