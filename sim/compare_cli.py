"""``labsim compare``: two scenarios through the same seeds, a paired table and a figure.

Only argparse is imported at module level.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from sim.commands import add_set_argument

    p = sub.add_parser(
        "compare",
        help="run two scenarios on the same seeds: paired differences of their outcomes",
        description="Runs seeds 0..N-1 through both scenarios and prints, for each outcome at "
        "the horizon (HHI, frontier capability, largest run, overhang), both medians and the "
        "median and 90%% interval of the per-seed difference B - A (ratio B / A for "
        "quantities that span orders of magnitude), and how often the final leaders differ.",
    )
    p.add_argument("scenario_a", metavar="A.yaml", help="the reference scenario")
    p.add_argument("scenario_b", metavar="B.yaml", help="the scenario compared with it")
    p.add_argument("--seeds", type=int, default=20, help="number of seeds, 0..N-1 (default 20)")
    p.add_argument(
        "--out", default=None, metavar="DIR", help="also write compare.csv and compare.png here"
    )
    p.add_argument(
        "--dpi", type=int, default=None, help="compare.png resolution (default: 200 dots/inch)"
    )
    add_set_argument(p, help="override a value in both scenarios, e.g. end=2030-01")
    p.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.scenario import ScenarioError, load_scenario

    if args.seeds < 1:
        raise ScenarioError([f"--seeds {args.seeds}: need at least one seed"])
    if args.dpi is not None:
        from analysis.plots.save import dpi_problem

        if problem := dpi_problem(args.dpi):
            raise ScenarioError([problem])
    problems, scenarios = [], []
    for path in (args.scenario_a, args.scenario_b):
        try:
            scenarios.append(load_scenario(path, args.overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    if args.out:
        from sim.outdir import check_writable

        check_writable(args.out)  # before the runs, not after them

    from sim import compare

    seeds = range(args.seeds)
    a, b = (compare.run_seeds(s, seeds) for s in scenarios)
    rows = compare.paired_table(a, b)
    leaders = compare.leader_summary(a, b)
    name_a, name_b = _labels(scenarios, args)
    seeds_text = "seed 0" if args.seeds == 1 else f"seeds 0-{args.seeds - 1}"
    print(
        f"A = {name_a} ({args.scenario_a}), B = {name_b} ({args.scenario_b}); {seeds_text}"
        + (f"; --set {' '.join(args.overrides)}" if args.overrides else "")
    )
    print(compare.format_table(a, b, rows, leaders))
    sa, sb = scenarios
    if (sa.start, sa.end) != (sb.start, sb.end):
        print(
            f"note: A runs {sa.start} to {sa.end}, B {sb.start} to {sb.end}; each is read at "
            "its own horizon (--set end=YYYY-MM aligns them)"
        )
    if args.out:
        from analysis.compare_figure import compare_figure, save_compare_figure

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        compare.table_frame(rows, leaders).to_csv(out / "compare.csv", index=False)
        compare.seeds_frame(a, b).to_csv(out / "compare_seeds.csv", index=False)
        fig = compare_figure(a.hhi, b.hhi, f"A: {name_a}", f"B: {name_b}")
        save_compare_figure(fig, out / "compare.png", dpi=args.dpi)
        print(
            f"\ntable in {out / 'compare.csv'}, per-seed values in compare_seeds.csv, "
            f"figure in compare.png"
        )
    return 0


def _labels(scenarios, args) -> tuple[str, str]:
    """Scenario names, or file stems when both files name the same scenario."""
    a, b = (s.name for s in scenarios)
    if a != b:
        return a, b
    stems = Path(args.scenario_a).stem, Path(args.scenario_b).stem
    return stems if stems[0] != stems[1] else (f"{a} (A)", f"{b} (B)")
