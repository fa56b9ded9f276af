"""``labsim forecast`` and ``labsim backtest``.

Only argparse at top level: ``labsim --help`` must not pay for pandas, scipy or dask.
"""

from __future__ import annotations

import argparse
import os
import sys

from sim.commands import int_in
from sim.sweep.cli import add_parallel_run_arguments


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--samples",
        type=int_in(1, 10**7),
        default=None,
        help="worlds to draw (default: the file's samples:)",
    )
    p.add_argument(
        "--replications",
        type=int_in(1, 10**4),
        default=None,
        help="runs per world, each with its own seed (default: the file's, else 1)",
    )
    add_parallel_run_arguments(p, "forecast")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "forecast",
        help="draw worlds from a priors file, run them, and report the odds of each outcome",
        description="Draw parameter sets from a priors file (scrambled Sobol or LHS through a "
        "Gaussian copula), run each on the sweep machinery, and write quantiles, structure "
        "probabilities and a report. --compare shows two forecasters side by side. "
        "See docs/forecast.md.",
    )
    p.add_argument(
        "priors", nargs="?", help="priors YAML file (e.g. scenarios/priors/reference.yaml)"
    )
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        default=None,
        help="two priors files or forecast folders, side by side",
    )
    p.add_argument("--out", default=None, help="forecast folder (default: forecasts/NAME)")
    _add_run_options(p)
    p.add_argument("--no-report", action="store_true", help="skip the figures and report.html")
    p.add_argument(
        "--dpi", type=int, default=None, help="resolution of the figures (default: 200 dots/inch)"
    )
    p.add_argument("--quiet", action="store_true", help="print only the forecast folder")
    p.set_defaults(handler=cmd_forecast)

    b = sub.add_parser(
        "backtest",
        help="score a forecast against a record of facts: does each 80%% interval cover it?",
        description="Run the forecast of a priors file and report, for each fact of a record "
        "file, the forecast's median and 80% interval and whether it covers the record, and "
        "the coverage rate. See docs/forecast.md.",
    )
    b.add_argument("priors", help="priors YAML file")
    b.add_argument("--record", required=True, help="record YAML file (facts with sources)")
    b.add_argument("--out", default=None, help="forecast folder (default: backtests/NAME)")
    _add_run_options(b)
    b.set_defaults(handler=cmd_backtest)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _check_run_options(args) -> str | None:
    """The backend, or None after printing the problem."""
    for name in ("samples", "replications", "jobs"):
        value = getattr(args, name)
        if value is not None and value < (2 if name == "samples" else 1):
            _error(f"--{name} must be at least {2 if name == 'samples' else 1}")
            return None
    backend = args.backend or ("dask" if args.scheduler else "local")
    if args.scheduler and backend != "dask":
        _error("--scheduler needs --backend dask")
        return None
    if backend == "local" and (args.jobs or os.cpu_count() or 1) > 1:
        from sim.sweep.backends import start_fork_server

        start_fork_server()  # the workers' imports overlap the parent's checks and draws
    return backend


def _forecast(args, path: str, out, backend: str, record=None):
    """Load, run and reduce one forecast; returns (priors, result) or an exit status."""
    from pathlib import Path

    from sim.forecast.priors import load_priors
    from sim.forecast.runner import run_forecast

    priors = load_priors(path)
    changes = {"samples": args.samples, "replications": args.replications}
    if record is not None:
        changes["record"] = record(priors)
    priors = priors.with_options(**changes)
    out = Path(out) if out else Path("forecasts") / priors.spec.name
    try:
        result = run_forecast(
            priors,
            out,
            jobs=args.jobs,
            backend=backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=not (args.no_progress or getattr(args, "quiet", False)),
            flush_seconds=args.commit_every,
        )
    except KeyboardInterrupt:
        print(
            f"interrupted; finished runs are saved. Resume with:\n"
            f"  labsim {args.command} {path} --resume --out {out}",
            file=sys.stderr,
        )
        return priors, 130
    except Exception as exc:
        from sim.sweep.backends import WorkerLost

        if isinstance(exc, WorkerLost):
            print(
                f"error: {exc}\n  labsim {args.command} {path} --resume --out {out}",
                file=sys.stderr,
            )
            return priors, 1
        raise
    return priors, result


def cmd_forecast(args: argparse.Namespace) -> int:
    if (args.priors is None) == (args.compare is None):
        return _error("give a priors file, or --compare A B (two priors files or forecast folders)")
    from analysis.plots.save import dpi_problem, use_file_backend

    if problem := dpi_problem(args.dpi):
        return _error(problem)
    use_file_backend()
    backend = _check_run_options(args)
    if backend is None:
        return 2
    if args.compare:
        return _compare(args, backend)
    priors, result = _forecast(args, args.priors, args.out, backend)
    if isinstance(result, int):
        return result
    from sim.forecast.folder import format_headline, load_forecast

    data = load_forecast(result.out)
    report = None
    if not args.no_report:
        from analysis.forecast_report import write_forecast_report

        report = write_forecast_report(data, dpi=args.dpi)
    if args.quiet:
        print(result.out)
    else:
        print(_run_line(priors.spec.name, result.sweep))
        print("\n".join(format_headline(data)))
        print(f"  wrote {result.out}" + (f" (report: {report})" if report else ""))
    return 0 if result.sweep.failed == 0 else 1


def _run_line(name: str, sweep) -> str:
    this = sweep.succeeded + sweep.failed - sweep.done_before
    rate = f", {this / sweep.wall_time_s:.1f} runs/s" if sweep.wall_time_s > 0 and this else ""
    line = (
        f"forecast {name}: {sweep.succeeded} worlds ran, {sweep.failed} failed of {sweep.n_runs}"
        + (f" ({sweep.done_before} done before resuming)" if sweep.done_before else "")
        + f"; wall time {sweep.wall_time_s:.1f} s{rate}"
    )
    if sweep.failed:
        line += f"\n  failures: {sweep.out / 'failures.jsonl'}"
    return line


def _compare(args, backend: str) -> int:
    from pathlib import Path

    from sim.forecast.folder import format_headline, is_forecast, load_forecast

    datas = []
    for item in args.compare:
        if Path(item).is_dir():
            if not is_forecast(item):
                return _error(f"{item}: not a forecast folder (and not a priors file)")
            datas.append(load_forecast(item))
            continue
        priors, result = _forecast(args, item, None, backend)
        if isinstance(result, int):
            return result
        if not args.quiet:
            print(_run_line(priors.spec.name, result.sweep))
        datas.append(load_forecast(result.out))
    a, b = datas
    out = Path(args.out) if args.out else Path("forecasts") / f"compare-{a.name}-vs-{b.name}"
    from analysis.forecast_report import write_comparison

    written = write_comparison(a, b, out, dpi=args.dpi)
    if args.quiet:
        print(out)
        return 0
    for data in datas:
        print(f"{data.name} ({data.path}):")
        print("\n".join(format_headline(data)))
    print(f"  wrote {', '.join(str(p) for p in written)}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from sim.forecast.backtest import format_backtest, load_record, score

    backend = _check_run_options(args)
    if backend is None:
        return 2
    record = load_record(args.record)
    out = args.out
    if out is None:
        from pathlib import Path

        from sim.forecast.priors import load_priors

        out = Path("backtests") / load_priors(args.priors).spec.name
    priors, result = _forecast(args, args.priors, out, backend, record=record.record_for)
    if isinstance(result, int):
        return result
    table = score(record, result.out)
    print(_run_line(priors.spec.name, result.sweep))
    print(format_backtest(record, table, result.out))
    return 0 if result.sweep.failed == 0 else 1
