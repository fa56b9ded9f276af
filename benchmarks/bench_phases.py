"""Where a run's time goes: wall time of each phase of ``LabRaceModel.advance`` and of the
recorder, in microseconds per lab-step (one row of labs.csv), and of the market's
products-on-sale book per step.

    python benchmarks/bench_phases.py                  # 10 seeds of scenarios/baseline.yaml
    python benchmarks/bench_phases.py --set mechanisms.entry.enabled=false

Each phase function is wrapped by a timer (~0.2 us a call), so the total is a little above
bench_labstep.py's figure; the shares are what to read. Nothing in the model is changed.
"""

from __future__ import annotations

import collections
import sys
import time

import _scenario_args

# (module under sim.phases, function) in the order LabRaceModel.advance calls them.
PHASES = (
    ("books", "open_books"),
    ("events", "apply_scheduled"),
    ("entry_exit", "admit_scheduled"),
    ("entry_exit", "admit_random"),
    ("prices", "set_prices"),
    ("decisions", "labs_act"),
    ("runs", "complete_runs"),
    ("deployment", "release_decisions"),
    ("market", "clear_market"),
    ("compute", "clear_compute"),
    ("compute", "research"),
    ("finance", "settle"),
    ("knowledge", "spread"),
    ("knowledge", "learn"),
)


def _timed(spent: collections.Counter, label: str, fn):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    return wrapper


def main(argv: list[str] | None = None) -> int:
    args = _scenario_args.parse(__doc__.splitlines()[0], 10, argv)
    if args is None:
        return 2

    import importlib

    from sim.phases import market
    from sim.phases.record import Recorder
    from sim.results import simulate
    from sim.scenario import load_scenario

    spent: collections.Counter = collections.Counter()
    for module_name, name in PHASES:
        module = importlib.import_module(f"sim.phases.{module_name}")
        setattr(module, name, _timed(spent, f"{module_name}.{name}", getattr(module, name)))
    Recorder.record = _timed(spent, "record", Recorder.record)
    market.on_sale = _timed(spent, "market.on_sale (in clear_market)", market.on_sale)

    scenario = load_scenario(args.scenario, args.set)
    simulate(scenario, 0)  # warm-up: imports and first-call caches
    spent.clear()
    lab_steps = steps = 0
    started = time.perf_counter()
    for seed in range(args.seeds):
        model = simulate(scenario, seed)
        lab_steps += len(model.recorder.labs)
        steps += model.n_steps
    total = time.perf_counter() - started
    print(
        f"{total / lab_steps * 1e6:.1f} us per lab-step, {lab_steps / steps:.1f} labs/step "
        f"({total / steps * 1e6:.0f} us per step)"
    )
    for label, seconds in spent.most_common():
        print(
            f"  {label:<36}{seconds / lab_steps * 1e6:7.2f} us/lab-step"
            f"{seconds / steps * 1e6:8.1f} us/step{seconds / total:7.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
