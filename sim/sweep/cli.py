"""``labsim sweep`` and ``labsim sensitivity``.

Only argparse at top level: ``labsim --help`` must not pay for pandas, dask or SALib.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from sim.commands import add_set_argument, float_in, int_in
from sim.economics import concentration as conc

STRUCTURES = (*conc.STRUCTURES, conc.NO_MARKET)
_SHORT = {
    "monopoly": "mono",
    "duopoly": "duo",
    "concentrated_oligopoly": "conc_olig",
    "oligopoly": "olig",
    "competitive": "comp",
    "no_market": "none",
}


def add_parallel_run_arguments(p: argparse.ArgumentParser, what: str) -> None:
    """The options of every command that runs many scenarios on the sweep machinery (sweep,
    forecast): workers, backend, resume, how often results reach disk, progress."""
    p.add_argument(
        "--jobs",
        type=int_in(1, 4096),
        default=None,
        help="worker processes (default: all local cores)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default=None,
        help="local process pool (default) or dask.distributed",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of an existing dask scheduler, e.g. tcp://HOST:8786 (implies --backend dask)",
    )
    p.add_argument("--resume", action="store_true", help=f"finish an interrupted {what} in --out")
    p.add_argument(
        "--commit-every",
        type=float_in(0, 3600),
        default=0.5,
        metavar="SECONDS",
        help="write finished runs to disk at least this often (default 0.5; 0: every batch)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep (grid, lhs, sobol, morris) and write its sweep directory",
        description="Run every run of a sweep file, in parallel, writing results as runs finish. "
        "Interrupt it at any time and finish it with --resume. See docs/sweeps.md.",
    )
    p.add_argument("spec", help="sweep YAML file (e.g. scenarios/sweeps/smoke.yaml)")
    p.add_argument("--out", default=None, help="sweep directory (default: sweeps/NAME)")
    add_parallel_run_arguments(p, "sweep")
    add_set_argument(p, "fix a scenario value for every run (added to the sweep file's set: block)")
    p.add_argument("--quiet", action="store_true", help="print only the sweep directory")
    p.set_defaults(handler=cmd_sweep)

    s = sub.add_parser(
        "sensitivity",
        help="Sobol, Morris or PAWN sensitivity indices of a sweep or forecast, also per year",
        description="Compute Sobol first-order and total indices (sobol designs), Morris "
        "mu* and sigma (morris designs) or PAWN indices (any sample; a forecast's correlated "
        "draws) of one final metric, or with --by-year of a recorded time series in each "
        "year, and write a CSV and a figure into the folder.",
    )
    s.add_argument("sweep_dir", help="a finished sweep or forecast folder")
    s.add_argument(
        "--output",
        required=True,
        metavar="METRIC",
        help="a numeric column of runs.parquet (with --by-year: a recorded time series, e.g. hhi)",
    )
    s.add_argument(
        "--method",
        choices=("auto", "sobol", "morris", "pawn"),
        default="auto",
        help="default: the one the design supports (pawn for forecasts)",
    )
    s.add_argument(
        "--by-year",
        action="store_true",
        help="indices for each simulated year of a recorded time series, drawn as lines",
    )
    s.add_argument(
        "--slices", type=int, default=10, help="PAWN: conditioning intervals per parameter"
    )
    s.add_argument(
        "--resamples",
        type=int_in(2, 1_000_000),
        default=1000,
        help="bootstrap resamples for the intervals",
    )
    s.add_argument(
        "--conf",
        type=float_in(0, 1, open_ends=True),
        default=0.95,
        help="confidence level of the intervals",
    )
    s.add_argument("--no-plot", action="store_true", help="skip the bar chart")
    s.add_argument(
        "--dpi", type=int, default=None, help="bar chart resolution (default: 200 dots/inch)"
    )
    s.set_defaults(handler=cmd_sensitivity)


def cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.outdir import folder_name
    from sim.sweep.backends import WorkerLost, start_fork_server
    from sim.sweep.spec import load_sweep

    sweep = load_sweep(args.spec, args.overrides)
    backend = args.backend or ("dask" if args.scheduler else "local")
    if args.scheduler and backend != "dask":
        print("error: --scheduler needs --backend dask", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    if backend == "local" and (args.jobs or os.cpu_count() or 1) > 1:
        # The workers' imports (Mesa: 1-2 s) overlap with the rest of this setup.
        start_fork_server()
    from sim.sweep.runner import run_sweep  # pyarrow: after the fork server, overlapping it
    from sim.sweep.store import SweepIncomplete

    out = Path(args.out) if args.out else Path("sweeps") / folder_name(sweep.spec.name, "sweep")
    terminated = []

    def on_sigterm(signum, frame):
        # `timeout`, `kill` and batch schedulers send SIGTERM: end as Ctrl-C does (finished
        # runs saved, workers shut down, meta.json "interrupted"), not with the pool orphaned.
        terminated.append(signum)
        raise KeyboardInterrupt

    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main_thread else None
    try:
        result = run_sweep(
            sweep,
            out,
            jobs=args.jobs,
            backend=backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=not (args.no_progress or args.quiet),
            flush_seconds=args.commit_every,
        )
    except KeyboardInterrupt:
        print(
            f"{'terminated' if terminated else 'interrupted'}; finished runs are saved. "
            f"Resume with:\n  labsim sweep {args.spec} --resume --out {out}",
            file=sys.stderr,
        )
        return 143 if terminated else 130
    except (WorkerLost, SweepIncomplete) as exc:
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
        print(f"error: {exc}\n  labsim sweep {args.spec} --resume --out {out}", file=sys.stderr)
        return 1
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    if args.quiet:
        print(out)
    else:
        print(format_summary(result, sweep))
    return 0 if result.failed == 0 else 1


def format_summary(result, sweep) -> str:
    """Counts, wall time, throughput, and the final market structure by parameter value."""
    runs = result.runs
    lines = [f"sweep {sweep.spec.name}: {result.out}"]
    this = result.succeeded + result.failed - result.done_before
    rate = f", {this / result.wall_time_s:.1f} runs/s" if result.wall_time_s > 0 and this else ""
    lines.append(
        f"  {result.succeeded} succeeded, {result.failed} failed of {result.n_runs} runs"
        + (f" ({result.done_before} done before resuming)" if result.done_before else "")
        + f"; wall time {result.wall_time_s:.1f} s{rate}"
    )
    if result.failed:
        lines.append(f"  failures: {result.out / 'failures.jsonl'}")
    if runs is not None and len(runs):
        for name in list(sweep.spec.parameters)[:4]:
            lines.append("")
            lines.extend(structure_table(runs, name))
    return "\n".join(lines)


def structure_table(runs, name: str, max_rows: int = 8) -> list[str]:
    """Share of runs ending in each market structure, by value of one parameter (binned into
    quantiles when it takes more than ``max_rows`` values)."""
    import pandas as pd

    col = runs[name]
    key = col
    if col.nunique() > max_rows and pd.api.types.is_numeric_dtype(col):
        bins = pd.qcut(col, q=4, duplicates="drop")
        key = bins.map(lambda iv: f"{iv.left:.3g} to {iv.right:.3g}").astype(str)
        key = pd.Categorical(
            key,
            categories=list(
                dict.fromkeys(f"{iv.left:.3g} to {iv.right:.3g}" for iv in bins.cat.categories)
            ),
            ordered=True,
        )
        key = pd.Series(key, index=col.index)
    status = runs["structure_final"].where(runs["status"] == "ok", "failed")
    table = pd.crosstab(key, status, normalize="index")
    present = [s for s in (*STRUCTURES, "failed") if s in table.columns]
    table = table.reindex(columns=present, fill_value=0.0)
    counts = key.value_counts()
    title = f"final structure by {name}"
    width = max(len(title), *(len(str(v)) for v in table.index)) + 2
    head = f"  {title:<{width}}" + "".join(f"{_SHORT.get(s, s):>10}" for s in present)
    out = [head + f"{'runs':>7}"]
    for value, row in table.iterrows():
        label = f"{value:g}" if isinstance(value, float) else str(value)
        out.append(
            f"  {label:<{width}}"
            + "".join(f"{row[s]:>10.0%}" for s in present)
            + f"{int(counts.get(value, 0)):>7}"
        )
    return out


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.sweep.sensitivity import analyze_sweep, format_indices

    if not Path(args.sweep_dir).exists():
        print(
            f"error: {args.sweep_dir}: no such sweep directory: the sweep has not been run; make it with:",
            file=sys.stderr,
        )
        print(f"  {make_sweep_command(Path(args.sweep_dir))}", file=sys.stderr)
        return 2
    if not args.no_plot:
        from analysis.plots.save import dpi_problem, use_file_backend
        from sim.scenario import ScenarioError

        if problem := dpi_problem(args.dpi):
            raise ScenarioError([problem])
        use_file_backend()
    if args.by_year or args.method == "pawn" or _is_forecast(args.sweep_dir):
        from sim.sweep.sensitivity_time import analyze_over_time, format_report

        timed = analyze_over_time(
            args.sweep_dir,
            args.output,
            by_year=args.by_year,
            method=args.method,
            num_resamples=args.resamples,
            conf_level=args.conf,
            slices=args.slices,
            plot=not args.no_plot,
            dpi=args.dpi,
        )
        print(format_report(timed))
        return 0
    report = analyze_sweep(
        args.sweep_dir,
        args.output,
        method=args.method,
        num_resamples=args.resamples,
        conf_level=args.conf,
        plot=not args.no_plot,
        dpi=args.dpi,
    )
    print(format_indices(report))
    return 0


def _is_forecast(folder) -> bool:
    from sim.forecast.folder import is_forecast

    return is_forecast(folder)


def make_sweep_command(sweep_dir) -> str:
    """The ``labsim sweep`` command that writes ``sweep_dir``: the sweep file whose name (or
    ``name:``) is the folder's name, looked up beside the current folder's
    ``scenarios/sweeps/`` and then among the shipped ones."""
    from pathlib import Path

    from sim.commands import SCENARIO_DIR
    from sim.scenario import ScenarioError, read_yaml

    name = Path(sweep_dir).name
    folders = [Path("scenarios") / "sweeps", SCENARIO_DIR / "sweeps"]
    for folder in dict.fromkeys(folders):
        exact = folder / f"{name}.yaml"
        candidates = [exact] if exact.exists() else sorted(folder.glob("*.yaml"))
        for path in candidates:
            try:
                named = path == exact or read_yaml(path).get("name") == name
            except ScenarioError:
                continue
            if named:
                return f"labsim sweep {_relative_if_below_cwd(path)} --out {sweep_dir}"
    return f"labsim sweep SPEC.yaml --out {sweep_dir}  (SPEC.yaml: a sobol or morris sweep file)"


def _relative_if_below_cwd(path):
    from pathlib import Path

    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
