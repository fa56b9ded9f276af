"""Cost per lab-step of a baseline run (issue 11): median over seeds of a run's wall time
divided by the rows of labs.csv it wrote (one per lab per step), in microseconds.

    python benchmarks/bench_labstep.py                  # 40 seeds of scenarios/baseline.yaml
    python benchmarks/bench_labstep.py --set mechanisms.entry.enabled=false   # its 3 labs only

Issue 11's bar compares the cost per lab-step of each tree's baseline: 797ab62's had its 3 labs
and one product each in one segment; today's random entrants make ~11 labs a step on average,
with ~60 products on sale in 7 segments. The second line keeps today's 3 labs alone (~15
products), the same number of labs as 797ab62's.

Also prints the products on sale (mean per step, from products.csv rows) and the customer
segments, the sizes the market clearing works on. Run it with each tree's own PYTHONPATH to
compare two commits side by side (interleaved: the machine is shared, so numbers are noisy);
it works on trees from before customer segments and per-product rows existed (797ab62).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import _scenario_args


def main(argv: list[str] | None = None) -> int:
    args = _scenario_args.parse(__doc__.splitlines()[0], 40, argv)
    if args is None:
        return 2

    from sim.results import simulate
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.set)
    simulate(scenario, 0)  # warm-up: imports and first-call caches
    times, lab_rows, product_rows = [], [], []
    for seed in range(args.seeds):
        started = time.perf_counter()
        model = simulate(scenario, seed)
        # Timed with the run: the products table's columns, which the recorder gathers at the
        # end from the steps' values (older trees made its rows during the run). The collector
        # stays paused for them as during the run: the run's deferred collection is timed in
        # no tree (a run pauses it; the first allocations after the run would pay it).
        collecting = gc.isenabled()
        gc.disable()
        product_rows.append(_product_rows(model.recorder))
        times.append(time.perf_counter() - started)
        if collecting:
            gc.enable()
        lab_rows.append(len(model.recorder.labs))
    per_lab_step_us = [t / n * 1e6 for t, n in zip(times, lab_rows, strict=True)]
    steps = model.n_steps
    segments = getattr(model, "segments", None)
    n_segments = len(segments.names) if segments is not None else 1
    products = statistics.median(product_rows) / steps if any(product_rows) else float("nan")
    print(
        f"median run {statistics.median(times) * 1e3:.2f} ms, "
        f"{statistics.median(lab_rows) / steps:.1f} labs/step, "
        f"{statistics.median(per_lab_step_us):.1f} us per lab-step "
        f"(min {min(per_lab_step_us):.1f}), "
        f"products on sale {products:.1f}/step, segments {n_segments}"
    )
    return 0


def _product_rows(recorder) -> int:
    """Rows of products.csv (0 on trees from before per-product rows)."""
    if hasattr(recorder, "product_columns"):
        return len(recorder.product_columns().get("step", ()))
    return len(getattr(recorder, "products", ()))


if __name__ == "__main__":
    sys.exit(main())
