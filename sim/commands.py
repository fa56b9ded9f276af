"""``labsim run``, ``labsim validate`` and ``labsim list``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


MAX_SEED = 2**63 - 1  # seeds are stored as signed 64-bit integers (Parquet, meta.json)


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def float_in(low: float, high: float, *, open_ends: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high] (or (low, high) with ``open_ends``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        inside = low < value < high if open_ends else low <= value <= high
        if not (math.isfinite(value) and inside):
            ends = "()" if open_ends else "[]"
            raise argparse.ArgumentTypeError(
                f"{text} is not in {ends[0]}{low:g}, {high:g}{ends[1]}"
            )
        return value

    return parse


def add_set_argument(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """The repeatable ``--set PATH=VALUE`` option of every command that reads a scenario."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help=help
        or "override a value, e.g. hardware.doubling_time_years=2.0 or labs.openai.engineers=300",
    )


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace the {what} already in the output folder (its files only; a folder "
        "holding anything else is still refused)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and write its run directory")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument(
        "--seed",
        type=int_in(0, MAX_SEED),
        default=None,
        help="seed (default: the scenario's seed)",
    )
    p.add_argument("--out", default=None, help="run directory (default: runs/NAME-sSEED)")
    add_overwrite_argument(p, "run")
    add_set_argument(p)
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format")
    p.add_argument("--plot", action="store_true", help="also write plots/concentration.png")
    p.add_argument(
        "--dpi", type=int, default=None, help="--plot: resolution (default: 200 dots/inch)"
    )
    p.add_argument("--quiet", action="store_true", help="print only the run directory")
    p.set_defaults(handler=cmd_run)

    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario")
    add_set_argument(v)
    v.set_defaults(handler=cmd_validate)

    c = sub.add_parser(
        "check",
        help="run a scenario over many seeds and compare it with its calibration targets",
    )
    c.add_argument("scenario", help="scenario YAML file (targets in NAME.targets.yaml beside it)")
    c.add_argument(
        "--seeds", type=int_in(1, 100_000), default=20, help="number of seeds, 0..N-1 (default 20)"
    )
    c.add_argument("--targets", default=None, help="targets file (default: NAME.targets.yaml)")
    c.add_argument(
        "--out",
        default=None,
        help="folder for calibration.csv/.md and heldout.csv (default: runs/check-NAME)",
    )
    add_overwrite_argument(c, "check")
    add_set_argument(c)
    c.add_argument(
        "--doc", default=None, help="also refresh the results block of this Markdown file"
    )
    c.set_defaults(handler=cmd_check)

    ls = sub.add_parser("list", help="the scenarios shipped in scenarios/")
    ls.add_argument("--dir", default=None, help="folder to list (default: the shipped scenarios)")
    ls.set_defaults(handler=cmd_list)


def cmd_run(args: argparse.Namespace) -> int:
    import time

    from sim.outdir import claim_folder, folder_name, run_folder_kind
    from sim.scenario import ScenarioError, load_scenario
    from sim.summary import format_summary

    started = time.perf_counter()
    if args.dpi is not None:
        from analysis.plots.save import dpi_problem

        if problem := dpi_problem(args.dpi):
            raise ScenarioError([problem])
    scenario = load_scenario(args.scenario, args.overrides)
    seed = scenario.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("runs") / f"{folder_name(scenario.name)}-s{seed}"
    kind = run_folder_kind()
    claim_folder(out, kind, args.overwrite, clear=False)  # refuse before running, not after
    result = run_checked(scenario, args.seed, args.scenario)
    result.save(out, format=args.format, overwrite=args.overwrite)
    if args.plot:
        from analysis.plots import save_concentration_figure
        from analysis.plots.save import use_file_backend

        use_file_backend()
        save_concentration_figure(out, dpi=args.dpi)
    if args.quiet:
        print(out)
    else:
        print(format_summary(result, out, total_s=time.perf_counter() - started))
    return 0


def run_checked(scenario, seed: int | None, source: str):
    """``sim.results.run``, but a run that leaves the model's numeric range (an overflow, a
    value a lab cannot hold, an infinite output) ends as one ``ScenarioError`` line naming
    the values nearest their bounds, instead of a traceback or a table of inf."""
    import numpy as np
    from pydantic import ValidationError

    from sim.results import run

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            result = run(scenario, seed=seed)
        except (ArithmeticError, ValidationError) as exc:
            raise _out_of_range(scenario, source, exc) from exc
    for name in ("timeseries", "labs", "models"):
        numbers = getattr(result, name).select_dtypes("number").to_numpy(dtype=float)
        if np.isinf(numbers).any():
            raise _out_of_range(scenario, source, f"an infinite value in {name}")
    return result


def _out_of_range(scenario, source: str, cause: Exception | str):
    """The one line for a run that left the model's numeric range."""
    from sim.ranges import values_near_bounds
    from sim.scenario import ScenarioError

    if isinstance(cause, Exception):
        message = str(cause).strip().splitlines()
        cause = f"{type(cause).__name__}: {message[0] if message else ''}"
    near = values_near_bounds(scenario)
    hint = (
        f"values at the edge of their range: {', '.join(near)}"
        if near
        else "no value is near its bounds (please report it; --debug shows where)"
    )
    return ScenarioError([f"{source}: the run left the model's numeric range ({cause}); {hint}"])


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    labs = ", ".join(f"{lab.name} ({lab.archetype})" for lab in scenario.labs)
    print(
        f"{args.scenario}: ok: {scenario.name}, {scenario.start} to {scenario.end}, {len(scenario.labs)} labs: {labs}"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    from pydantic import ValidationError

    from sim.calibration import (
        check,
        counts,
        doc_text,
        format_markdown,
        format_table,
        load_targets,
        targets_path_for,
        update_doc,
    )
    from sim.outdir import CHECK_FOLDER, claim_folder, folder_name
    from sim.scenario import ScenarioError, load_scenario

    if args.seeds < 1:
        raise ScenarioError([f"--seeds {args.seeds}: need at least one seed"])
    scenario = load_scenario(args.scenario, args.overrides)
    targets_file = Path(args.targets) if args.targets else targets_path_for(Path(args.scenario))
    if not targets_file.exists():
        raise ScenarioError(
            [f"{targets_file}: no targets file (write one, or pass --targets FILE)"]
        )
    targets = load_targets(targets_file)
    if args.doc:
        doc_text(Path(args.doc))  # a doc without its block is bad input: fail before running
    out = Path(args.out) if args.out else Path("runs") / f"check-{folder_name(scenario.name)}"
    claim_folder(out, CHECK_FOLDER, args.overwrite, clear=False)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            report = check(scenario, targets, range(args.seeds))
        except (ArithmeticError, ValidationError) as exc:
            raise _out_of_range(scenario, args.scenario, exc) from exc
    claim_folder(out, CHECK_FOLDER, args.overwrite, clear=True)
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(report.targets).to_csv(out / "calibration.csv", index=False)
    pd.DataFrame(report.held_out).to_csv(out / "heldout.csv", index=False)
    title = f"Calibration of {scenario.name} over {args.seeds} seeds"
    (out / "calibration.md").write_text(format_markdown(report, title), encoding="utf-8")
    if args.doc:
        update_doc(Path(args.doc), report, title)
    print(title)
    print(format_table(report))
    print(f"\n{counts(report)}\nTables in {out}")
    return 0 if all(r["passed"] for r in report.targets) else 1


def scenario_descriptions(folder: Path) -> list[tuple[str, str]]:
    """(file, one-line description) of every scenario YAML in ``folder``."""
    from sim.scenario import ScenarioError, resolve_file

    rows = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name.endswith(".targets.yaml"):
            continue
        try:
            data = resolve_file(path)
            text = str(data.get("description", "")).strip().splitlines()
            rows.append((path.name, text[0] if text else ""))
        except ScenarioError as exc:
            rows.append((path.name, f"(invalid: {exc.problems[0]})"))
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else SCENARIO_DIR
    if not folder.is_dir():
        print(f"error: {folder}: no such folder", file=sys.stderr)
        return 2
    rows = scenario_descriptions(folder)
    width = max((len(name) for name, _ in rows), default=0)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return 0
