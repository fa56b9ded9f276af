"""Single-run speed: in-process time per baseline run, scenarios of 30 and 300 labs, and the
whole-process start-up time of ``labsim --help``.

    python benchmarks/bench_run.py            # all figures
    python benchmarks/bench_run.py --repeat 50 --all-mechanisms

Targets on the project's 2-core machine (issue 2): baseline <= 25 ms per run (median of at
least 20), 300 labs <= 3 s, ``labsim --help`` <= 0.5 s. The script prints each figure beside
its target and exits 1 if any is missed, so it can gate a release.

``--all-mechanisms`` switches on imitation, compute supply and random entry too (issue 3).
Random entry changes the workload: the baseline's 3 labs become about 10 on average, so that
run is held to the baseline's budget per lab-step (25 ms / (3 labs x 240 steps) = 35 us)
times its own lab-steps; the baseline with every mechanism but entry keeps the 25 ms target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARCHETYPE_CYCLE = (
    "scaling_maximalist",
    "brain_modules",
    "pragmatist",
    "fast_follower",
    "open_weights",
)
ALL_MECHANISMS = {
    "mechanisms.imitation.enabled": True,
    "mechanisms.entry.enabled": True,
    "mechanisms.compute_supply.enabled": True,
}


def many_labs(n: int, all_mechanisms: bool):
    """The baseline's world and horizon with ``n`` labs of every archetype."""
    from sim.scenario import apply_overrides, resolve_file, validate

    data = resolve_file(ROOT / "scenarios" / "baseline.yaml")
    labs = []
    for i in range(n):
        archetype = ARCHETYPE_CYCLE[i % len(ARCHETYPE_CYCLE)]
        lab = {"name": f"lab-{i}", "archetype": archetype, "cash_usd": 2e8, "engineers": 100}
        if archetype in ("brain_modules", "pragmatist"):
            lab.update(funding="parent", parent_budget_usd_per_year=3e8)
        labs.append(lab)
    data["labs"] = labs
    data["talent"] = {"pool_engineers": 100.0 * n * 2}
    return validate(apply_overrides(data, ALL_MECHANISMS if all_mechanisms else None))


def time_runs(scenario, repeat: int, lab_steps: list[int] | None = None) -> list[float]:
    """Seconds per run for seeds 0..repeat-1; appends each run's lab-steps to ``lab_steps``."""
    from sim.results import run

    run(scenario, seed=0)  # warm caches and imports
    times = []
    for seed in range(repeat):
        started = time.perf_counter()
        result = run(scenario, seed=seed)
        times.append(time.perf_counter() - started)
        if lab_steps is not None:
            lab_steps.append(len(result.labs))  # after the clock: builds a DataFrame
    return times


def help_time(repeat: int = 5) -> float:
    exe = Path(sys.executable).with_name("labsim")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "sim", "--help"]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="baseline runs to time (>= 20)")
    parser.add_argument(
        "--all-mechanisms",
        action="store_true",
        help="switch on imitation, entry and compute supply",
    )
    args = parser.parse_args()
    from sim.scenario import apply_overrides, resolve_file, validate

    base = resolve_file(ROOT / "scenarios" / "baseline.yaml")
    repeat = max(args.repeat, 20)
    rows = []
    if args.all_mechanisms:
        no_entry = {k: v for k, v in ALL_MECHANISMS.items() if "entry" not in k}
        baseline = validate(apply_overrides(base, no_entry))
        ms = statistics.median(time_runs(baseline, repeat)) * 1000
        label = f"baseline, all but random entry ({repeat})"
        rows.append((label, f"{ms:.1f} ms", 25.0, ms))
        with_entry = validate(apply_overrides(base, ALL_MECHANISMS))
        lab_steps: list[int] = []
        ms = statistics.median(time_runs(with_entry, repeat, lab_steps)) * 1000
        mean_labs = statistics.mean(lab_steps) / with_entry.n_steps
        budget = 25.0 / (3 * baseline.n_steps) * statistics.median(lab_steps)
        label = f"baseline, all on: {mean_labs:.1f} labs ({repeat})"
        rows.append((label, f"{ms:.1f} ms", round(budget, 1), ms))
    else:
        baseline = validate(base)
        ms = statistics.median(time_runs(baseline, repeat)) * 1000
        rows.append((f"baseline run (median of {repeat})", f"{ms:.1f} ms", 25.0, ms))
    for n, repeat, target in ((30, 5, None), (300, 3, 3.0)):
        seconds = statistics.median(time_runs(many_labs(n, args.all_mechanisms), repeat))
        rows.append(
            (f"{n} labs, same horizon (median of {repeat})", f"{seconds:.2f} s", target, seconds)
        )
    help_s = help_time()
    rows.append(("labsim --help, whole process", f"{help_s:.2f} s", 0.5, help_s))
    failed = False
    mechanisms = "all mechanisms on" if args.all_mechanisms else "default mechanisms"
    print(f"labsim single-run benchmark ({mechanisms}, Python {sys.version.split()[0]})")
    for label, shown, target, value in rows:
        verdict = ""
        if target is not None:
            ok = value <= target
            failed |= not ok
            unit = "ms" if "ms" in shown else "s"
            verdict = f"target <= {target:g} {unit}: {'ok' if ok else 'MISSED'}"
        print(f"  {label:<40} {shown:>10}   {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
