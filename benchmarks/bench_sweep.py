"""Sweep throughput, parallel efficiency, memory, and mesa.batch_run as the reference point.

    python benchmarks/bench_sweep.py                 # everything (~12 min)
    python benchmarks/bench_sweep.py --runs 400 --skip-memory --skip-mesa

Throughput is measured on baseline-sized runs (the shipped baseline, 240 monthly steps) over a
warm-start x imitation grid of 2,000 runs (the size of a real study: the shipped Sobol design
has 1,536), results written to disk, wall time including worker start-up (1-2 s: every
worker imports Mesa) and the final merge. Parallel efficiency is throughput over ``jobs / single-run time``, the
single-run time being the mean time of the same runs in the ``--jobs 1`` sweep (the grid's
runs are not all as long as the baseline's). Memory is the peak resident
set of the whole process tree (the sweep's parent, the fork server and the workers, summed;
shared pages are counted in every process, so this overstates it), sampled from /proc, for
sweeps of increasing size: flat means independent of the number of runs. The memory sweeps
use a short horizon (--memory-end) so that 10,000 runs finish in minutes; the number of runs,
not their length, is what could make memory grow.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mesa
import yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
KAPPAS = [0.0, 0.2, 0.4, 0.6, 0.8]
PENALTIES = [0.05, 0.1, 0.2, 0.4]
SET = {"mechanisms.imitation.enabled": True}


def write_spec(folder: Path, name: str, n_runs: int, end: str | None = None) -> Path:
    reps = max(1, round(n_runs / (len(KAPPAS) * len(PENALTIES))))
    spec = {
        "name": name,
        "base": str(BASELINE),
        "set": {**SET, **({"end": end} if end else {})},
        "parameters": {
            "mechanisms.warm_start.kappa": KAPPAS,
            "mechanisms.imitation.capability_penalty": PENALTIES,
        },
        "sampler": "grid",
        "replications": reps,
        "seed": 1,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ memory


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(RSS of root, RSS of root plus all descendants), in MB."""
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(tree.get(pid, []))
    return _rss_kb(root) / 1024, total / 1024


def run_measured(cmd: list[str], interval_s: float = 0.1) -> dict:
    """Run ``cmd``; wall time and peak RSS (parent alone, whole tree) sampled from /proc."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = [0.0, 0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            own, tree = tree_rss_mb(proc.pid)
            peaks[0], peaks[1] = max(peaks[0], own), max(peaks[1], tree)
            time.sleep(interval_s)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return {
        "wall_s": time.perf_counter() - started,
        "peak_parent_mb": round(peaks[0], 1),
        "peak_tree_mb": round(peaks[1], 1),
        "stdout": out,
    }


# ------------------------------------------------------- mesa.batch_run wrapper


class BatchRunLabRace(mesa.Model):
    """The same model under mesa.batch_run's conventions: keyword parameters, a
    DataCollector, ``running``. It builds the scenario as a sweep does (base + overrides)
    and records the same concentration and frontier columns every step (batch_run then keeps
    every ``data_collection_period``-th, in memory)."""

    _base_raw = None

    def __init__(self, kappa: float = 0.3, capability_penalty: float = 0.15, seed=None, end=None):
        from sim.model import LabRaceModel
        from sim.scenario import apply_overrides, resolve_file, validate

        super().__init__(rng=seed)
        cls = type(self)
        if cls._base_raw is None:  # once per worker process, like the sweep's evaluator
            cls._base_raw = resolve_file(BASELINE)
        overrides = {
            **SET,
            "mechanisms.warm_start.kappa": kappa,
            "mechanisms.imitation.capability_penalty": capability_penalty,
        }
        if end:
            overrides["end"] = end
        scenario = validate(apply_overrides(cls._base_raw, overrides))
        self.inner = LabRaceModel(scenario, seed=seed)
        self.n_steps = self.inner.n_steps
        cols = ("hhi", "cr1", "cr3", "n_active", "n_effective", "structure", "leader")
        cols += ("frontier_capability", "frontier_lab", "frontier_training_flop")
        from sim.columns import TIMESERIES_COLUMNS

        idx = {c: TIMESERIES_COLUMNS.index(c) for c in cols}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                c: (lambda m, i=i: m.inner.recorder.timeseries[-1][i]) for c, i in idx.items()
            }
        )

    def step(self):
        self.inner.advance()  # as labsim's own runs do; the outer model is Mesa's
        self.datacollector.collect(self)
        if self.inner.k >= self.n_steps:
            self.running = False


def bench_batch_run(n_runs: int, jobs: int, end: str | None) -> dict:
    import numpy as np

    reps = max(1, round(n_runs / (len(KAPPAS) * len(PENALTIES))))
    seeds = [int(s) for s in np.random.SeedSequence(1).generate_state(reps)]
    started = time.perf_counter()
    rows = mesa.batch_run(
        BatchRunLabRace,
        parameters={"kappa": KAPPAS, "capability_penalty": PENALTIES, "end": [end]},
        number_processes=jobs,
        rng=seeds,
        max_steps=10_000,
        data_collection_period=12,
        display_progress=False,
    )
    wall = time.perf_counter() - started
    runs = len(KAPPAS) * len(PENALTIES) * reps
    return {
        "runs": runs,
        "wall_s": round(wall, 2),
        "runs_per_s": round(runs / wall, 2),
        "rows": len(rows),
    }


# --------------------------------------------------------------------- main


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def machine_parallel_ceiling(jobs: int, n: int = 4_000_000) -> float:
    """Speed-up of ``jobs`` processes of pure-Python arithmetic over one, divided by jobs: what
    the machine itself allows (shared vCPUs, SMT siblings and noisy neighbours lower it)."""
    import multiprocessing as mp

    alone = min(_spin(n) for _ in range(2))
    with mp.get_context("spawn").Pool(jobs) as pool:
        together = max(pool.map(_spin, [n] * jobs))
    return alone / together


def single_run_time(n: int = 20, end: str | None = None) -> float:
    from sim.results import run
    from sim.scenario import load_scenario

    scenario = load_scenario(BASELINE, {**SET, **({"end": end} if end else {})})
    run(scenario, seed=0)
    started = time.perf_counter()
    for seed in range(n):
        run(scenario, seed=seed)
    return (time.perf_counter() - started) / n


def sweep_cmd(spec: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out)] + [
        "--jobs",
        str(jobs),
        "--no-progress",
    ]


def _batch_run_code(n_runs: int, jobs: int, end: str | None) -> str:
    """A child interpreter's program: batch_run needs an importable module (it spawns)."""
    here = str(Path(__file__).parent)
    return (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_sweep as b; "
        f"print(json.dumps(b.bench_batch_run({n_runs}, {jobs}, {end!r})))"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs in the throughput sweeps")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory-runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--memory-end", default="2022-01", help="horizon of the memory sweeps")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-mesa", action="store_true")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    report: dict = {"cpus": os.cpu_count()}

    t1 = single_run_time()
    report["single_run_s"] = round(t1, 4)
    print(f"single baseline run (sim.results.run, in process): {t1 * 1000:.1f} ms", flush=True)
    ceiling = machine_parallel_ceiling(args.jobs)
    report["machine_parallel_ceiling"] = round(ceiling, 3)
    print(
        f"machine: {args.jobs} pure-Python processes run at {ceiling:.0%} of one alone's speed",
        flush=True,
    )

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = write_spec(tmp, "throughput", args.runs)
        for jobs in sorted({1, args.jobs}):
            m = run_measured(sweep_cmd(spec, tmp / f"tp{jobs}", jobs))
            meta = json.loads((tmp / f"tp{jobs}" / "meta.json").read_text())
            n = meta["n_runs"]
            rate = n / meta["wall_time_s"]
            if jobs == 1:
                # the same runs' own mean time: the design's runs differ from the baseline's
                t_ref = meta["mean_run_time_s"]
            eff = rate / (jobs / t_ref)
            report[f"jobs{jobs}"] = {
                "runs": n,
                "sweep_wall_s": meta["wall_time_s"],
                "process_wall_s": round(m["wall_s"], 2),
                "runs_per_s": round(rate, 2),
                "runs_per_s_incl_startup": round(n / m["wall_s"], 2),
                "parallel_efficiency": round(eff, 3),
                "mean_run_time_in_worker_s": meta["mean_run_time_s"],
                "peak_tree_mb": m["peak_tree_mb"],
            }
            print(
                f"labsim sweep --jobs {jobs}: {n} runs in {meta['wall_time_s']:.1f} s "
                f"= {rate:.1f} runs/s (with interpreter start-up {n / m['wall_s']:.1f}); "
                f"parallel efficiency {eff:.0%}; mean run in worker "
                f"{meta['mean_run_time_s'] * 1000:.1f} ms; peak RSS {m['peak_tree_mb']:.0f} MB",
                flush=True,
            )

        if not args.skip_mesa:
            for jobs in sorted({1, args.jobs}):
                code = _batch_run_code(args.runs, jobs, None)
                m = run_measured([sys.executable, "-c", code])
                res = json.loads(m["stdout"].strip().splitlines()[-1])
                res["peak_tree_mb"] = m["peak_tree_mb"]
                report[f"batch_run_jobs{jobs}"] = res
                print(
                    f"mesa.batch_run number_processes={jobs}: {res['runs']} runs in "
                    f"{res['wall_s']:.1f} s = {res['runs_per_s']:.1f} runs/s (nothing written); "
                    f"peak RSS {m['peak_tree_mb']:.0f} MB",
                    flush=True,
                )

        if not args.skip_memory:
            t_short = single_run_time(end=args.memory_end)
            print(f"memory sweeps: horizon to {args.memory_end}, {t_short * 1000:.1f} ms/run")
            for n in args.memory_runs:
                spec = write_spec(tmp, f"mem{n}", n, end=args.memory_end)
                m = run_measured(sweep_cmd(spec, tmp / f"mem{n}", args.jobs), interval_s=0.25)
                meta = json.loads((tmp / f"mem{n}" / "meta.json").read_text())
                report[f"memory_{n}"] = {
                    "runs": meta["n_runs"],
                    "wall_s": meta["wall_time_s"],
                    "runs_per_s": meta["runs_per_s"],
                    "peak_parent_mb": m["peak_parent_mb"],
                    "peak_tree_mb": m["peak_tree_mb"],
                }
                print(
                    f"  {meta['n_runs']} runs: peak RSS parent {m['peak_parent_mb']:.0f} MB, "
                    f"whole tree {m['peak_tree_mb']:.0f} MB; {meta['runs_per_s']:.0f} runs/s",
                    flush=True,
                )
                if not args.skip_mesa and n <= 2000:
                    code = _batch_run_code(n, args.jobs, args.memory_end)
                    mb = run_measured([sys.executable, "-c", code], interval_s=0.25)
                    report[f"memory_{n}_batch_run"] = {
                        "peak_parent_mb": mb["peak_parent_mb"],
                        "peak_tree_mb": mb["peak_tree_mb"],
                    }
                    print(
                        f"  {n} runs with mesa.batch_run: peak RSS parent "
                        f"{mb['peak_parent_mb']:.0f} MB, whole tree {mb['peak_tree_mb']:.0f} MB",
                        flush=True,
                    )

    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
