"""Where a sweep's runs are evaluated. Backends only move batches of tasks to an ``Evaluator``
and outcomes back, as they finish:

- ``SerialBackend``: in this process (``--jobs 1``);
- ``ProcessBackend``: a local process pool (``--jobs N``), forked from a server that has
  already imported the model;
- ``DaskBackend``: a local dask cluster, or an existing one given its scheduler address.

Each receives the evaluator once per worker and keeps a bounded number of batches in flight,
so memory does not grow with the sweep. Adding a backend is a class with ``workers``,
``run(evaluator, batches)`` and ``close()``, and a name in ``make_backend``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from sim.scenario import ScenarioError
from sim.sweep.design import RunTask
from sim.sweep.evaluate import Evaluator, Outcome, evaluate_batch


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory); finished runs are saved."""


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


# ------------------------------------------------------------- local processes

# What a worker needs, imported once by the fork server; every worker forks from it ready.
# Importing Mesa alone takes 1-2 s, so the parent process never imports the model itself;
# the market's kernels bring numba (~0.35 s, which the market would otherwise import in
# each worker on its first clearing).
WORKER_PRELOAD = [
    "sim.model",
    "sim.results",
    "sim.economics.market_kernel",
    "sim.economics.book_kernel",
    "sim.sweep.evaluate",
    "sim.sweep.backends",
]

_WORKER_EVALUATOR: Evaluator | None = None


def _init_worker(evaluator: Evaluator, sweep_pid: int | None = None) -> None:
    global _WORKER_EVALUATOR
    _WORKER_EVALUATOR = evaluator
    # Ctrl-C goes to the whole process group; the parent decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sweep_pid is not None:
        die_with(sweep_pid)


# ------------------------------------------------------- children die with the sweep

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5


def _process_gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie not yet reaped counts as gone)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False  # no /proc (macOS): os.kill above is the whole check
    return state in (b"Z", b"X")


def die_with(sweep_pid: int) -> None:
    """Make this worker exit when the sweep's main process does, however it ends (SIGKILL
    included, as by ``timeout -s KILL`` or a batch scheduler): on Linux the kernel kills it
    when its parent (the fork server) dies (PR_SET_PDEATHSIG), and everywhere a daemon
    thread polls the sweep's own process every ``WATCH_SECONDS``."""
    import os
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while not _process_gone(sweep_pid):
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="labsim-watch-parent", daemon=True).start()


def _worker_batch(batch: list[RunTask]) -> list[Outcome]:
    assert _WORKER_EVALUATOR is not None
    return evaluate_batch(_WORKER_EVALUATOR, batch)


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
        from concurrent.futures.process import BrokenProcessPool

        if "forkserver" in mp.get_all_start_methods():
            start_fork_server()  # no-op if already running
            ctx = mp.get_context("forkserver")
        else:
            ctx = mp.get_context("spawn")
        # The evaluator goes to each worker once, in the initializer, not with every batch.
        import os

        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(evaluator, os.getpid()),
        )
        pending: set = set()

        def submit(batch):
            pending.add(self._pool.submit(_worker_batch, batch))

        def next_done():
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            fut = done.pop()
            pending.discard(fut)
            return fut, fut.result()

        try:
            yield from _windowed(submit, next_done, batches, 2 * self.workers)
        except BrokenProcessPool as exc:
            raise WorkerLost(
                "a worker process died (killed or out of memory); finished runs are saved, "
                "finish the sweep with --resume"
            ) from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ------------------------------------------------------------------------ dask


DASK_CONNECT_SECONDS = 10
DASK_WORKERLESS_SECONDS = 10


class DaskBackend:
    """dask.distributed: a local cluster of ``jobs`` single-threaded worker processes, or the
    cluster behind ``scheduler`` (``tcp://HOST:8786``). Workers there need labsim installed;
    they need no scenario files, because the evaluator carries the resolved scenario."""

    def __init__(self, jobs: int, scheduler: str | None = None):
        import logging

        from distributed import Client, LocalCluster

        self._cluster = None
        self._client = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=DASK_CONNECT_SECONDS)
            except (OSError, TimeoutError) as exc:
                raise WorkerLost(
                    f"dask scheduler {scheduler}: cannot connect within "
                    f"{DASK_CONNECT_SECONDS} s ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else 'no answer'}); "
                    "start it, or check the address, then resume with --resume"
                ) from None
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
        from distributed import wait

        # Sent once to every worker and kept there: no per-run scenario transfer or parsing.
        [remote] = self._client.scatter([evaluator], broadcast=True)
        pending: set = set()

        def submit(batch):
            pending.add(self._client.submit(evaluate_batch, remote, batch, pure=False))

        def next_done():
            # Tasks of a cluster with no workers left wait forever: poll, and give up after
            # DASK_WORKERLESS_SECONDS without a worker.
            workerless_since = None
            while True:
                try:
                    done, _ = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing finished within the second
                    done = set()
                if done:
                    fut = done.pop()
                    pending.discard(fut)
                    result = fut.result()
                    fut.release()
                    return fut, result
                if self._client.nthreads():
                    workerless_since = None
                    continue
                workerless_since = workerless_since or time.monotonic()
                if time.monotonic() - workerless_since > DASK_WORKERLESS_SECONDS:
                    raise RuntimeError(f"no worker for {DASK_WORKERLESS_SECONDS} s")

        try:
            yield from _windowed(submit, next_done, batches, 2 * self.workers)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # evaluate_batch records a run's own errors: this is dask
            # A worker or the scheduler lost (FutureCancelledError, KilledWorker,
            # CommClosedError, a cluster with no workers left): the same end as a local
            # worker lost.
            detail = str(exc).splitlines()[0] if str(exc) else ""
            raise WorkerLost(
                f"dask lost its workers or its scheduler ({type(exc).__name__}: {detail}); "
                "finished runs are saved, finish the sweep with --resume"
            ) from exc

    def close(self) -> None:
        import contextlib

        # After a lost scheduler, closing can itself fail or wait: never let it mask the
        # error that ended the sweep.
        with contextlib.suppress(Exception):
            if self._client is not None:
                self._client.close(timeout=DASK_CONNECT_SECONDS)
        with contextlib.suppress(Exception):
            if self._cluster is not None:
                self._cluster.close(timeout=DASK_CONNECT_SECONDS)


def make_backend(name: str, jobs: int, scheduler: str | None = None) -> Backend:
    if name == "dask":
        return DaskBackend(jobs, scheduler)
    if name != "local":
        raise ScenarioError([f"--backend {name}: expected local or dask"])
    return SerialBackend() if jobs <= 1 else ProcessBackend(jobs)
