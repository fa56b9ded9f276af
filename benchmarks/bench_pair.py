"""Cost per lab-step of two source trees side by side, in pairs of worker processes (issue 11):
the steadier figure when the machine is shared.

    python benchmarks/bench_pair.py REFERENCE_TREE TREE [--pairs 6] [--seeds 8] [--reps 2]
        [--scenario scenarios/baseline.yaml] [--set KEY=VALUE ...]

Each pair starts one worker per tree (its own PYTHONPATH and working directory, so each reads
its own scenario file) and runs the same seeds in both, alternating which goes first; a seed's
cost is the fastest of ``--reps`` runs, its ratio the tree's over the reference's. A pair's
figure is the median ratio over its seeds; the pairs' median and range are printed. One process
can be a few per cent faster than another running the same code (where its memory landed), so
the spread between pairs is the noise floor: two copies of one tree give 0.97-1.03.

A run is timed as ``bench_labstep.py`` times it: the run, then the products table's columns
where the tree has them, over the rows of labs.csv. Works on trees from before per-product
rows (797ab62).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

# What a worker runs: read a seed per line, print the run's cost per lab-step in us.
WORKER = r"""
import gc, sys, time
from sim.results import simulate
from sim.scenario import load_scenario
scenario = load_scenario(sys.argv[1], sys.argv[2:])
simulate(scenario, 0)
print("ready", flush=True)
for line in sys.stdin:
    started = time.perf_counter()
    model = simulate(scenario, int(line))
    collecting = gc.isenabled()
    gc.disable()
    if hasattr(model.recorder, "product_columns"):
        model.recorder.product_columns()
    elapsed = time.perf_counter() - started
    if collecting:
        gc.enable()
    print(f"{elapsed / len(model.recorder.labs) * 1e6:.4f}", flush=True)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="the reference tree (its PYTHONPATH)")
    parser.add_argument("tree", help="the tree measured against it")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=8, help="seeds per pair (default 8)")
    parser.add_argument("--reps", type=int, default=2, help="runs of each seed (default 2)")
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if min(args.pairs, args.seeds, args.reps) < 1:
        parser.error("--pairs, --seeds and --reps must be at least 1")
    trees = [Path(args.reference).resolve(), Path(args.tree).resolve()]
    for tree in trees:
        if not (tree / "sim").is_dir():
            print(f"{tree}: no sim/ package here", file=sys.stderr)
            return 2
        if not (tree / args.scenario).is_file():
            print(f"{tree}: no file {args.scenario}", file=sys.stderr)
            return 2
    ratios, costs = [], ([], [])
    for pair in range(args.pairs):
        workers = [_start(tree, args.scenario, args.set) for tree in trees]
        try:
            best: tuple[dict, dict] = ({}, {})
            for rep in range(args.reps):
                for i in range(args.seeds):
                    seed = 1000 * pair + i
                    order = (0, 1) if (pair + rep + i) % 2 == 0 else (1, 0)
                    for w in order:
                        cost = _run(workers[w], seed)
                        best[w][seed] = min(cost, best[w].get(seed, cost))
        finally:
            for worker in workers:
                worker.stdin.close()
                worker.wait()
        ratios.append(statistics.median(best[1][s] / best[0][s] for s in best[0]))
        for w in (0, 1):
            costs[w].append(statistics.median(best[w].values()))
        print(f"pair {pair + 1}: {costs[0][-1]:.1f} / {costs[1][-1]:.1f} us, {ratios[-1]:.3f}x")
    print(
        f"reference {statistics.median(costs[0]):.1f} us per lab-step, tree "
        f"{statistics.median(costs[1]):.1f}; tree / reference: median "
        f"{statistics.median(ratios):.3f}x over {args.pairs} pairs "
        f"(range {min(ratios):.3f}-{max(ratios):.3f})"
    )
    return 0


def _start(tree: Path, scenario: str, overrides: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(tree))
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, scenario, *overrides],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError(f"{tree}: the worker did not start")
    return worker


def _run(worker: subprocess.Popen, seed: int) -> float:
    worker.stdin.write(f"{seed}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


if __name__ == "__main__":
    sys.exit(main())
