"""``labsim plot`` and ``labsim report``.

Only argparse is imported here at module level: pandas and matplotlib load inside the
handlers, which select the Agg backend (files, no display), so ``labsim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

KINDS = (
    "concentration",
    "shares",
    "race",
    "overhang",
    "compute",
    "beliefs",
    "lineage",
    "phase",
    "phase-shares",
    "sensitivity",
)
# Every file stem `labsim plot` may write into a run's plots/ (sim.outdir treats these as
# the run's own when --overwrite clears the folder): the kinds, and the user-share variant.
FIGURE_STEMS = (*KINDS, "concentration-users")
EXIT_BAD_INPUT = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot",
        help="figures of a run or sweep directory (default: every figure that fits)",
        description="Write figures of a run or sweep directory to DIR/plots/ (or --out). "
        "Run figures: concentration, shares, race, overhang, beliefs, lineage. "
        "Sweep figures: concentration, phase, phase-shares, sensitivity.",
    )
    p.add_argument("directory", metavar="DIR", help="a run directory or a sweep directory")
    p.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        default=None,
        help="figure to make (repeatable; default: every figure that fits DIR)",
    )
    p.add_argument("--x", default=None, metavar="PARAM", help="phase map: parameter on the x axis")
    p.add_argument("--y", default=None, metavar="PARAM", help="phase map: parameter on the y axis")
    p.add_argument(
        "--by",
        default=None,
        metavar="PARAM",
        help="sweep concentration: one line per value of this parameter (default: the first)",
    )
    p.add_argument(
        "--shares",
        choices=("revenue", "users"),
        default="revenue",
        help="run concentration figure: shares of revenue (default), or of users, where "
        "open-weights labs count (written as concentration-users)",
    )
    p.add_argument(
        "--out", default=None, metavar="DIR", help="folder for the figures (default: DIR/plots)"
    )
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="file format")
    p.add_argument(
        "--dpi", type=int, default=None, help="resolution of PNG figures (default: 200 dots/inch)"
    )
    p.set_defaults(handler=cmd_plot)

    r = sub.add_parser(
        "report",
        help="one self-contained HTML page (figures embedded) for a run or sweep directory",
    )
    r.add_argument("directory", metavar="DIR", help="a run directory or a sweep directory")
    r.add_argument(
        "--out", default=None, metavar="FILE", help="HTML file (default: DIR/report.html)"
    )
    r.add_argument(
        "--format",
        choices=("png", "svg"),
        default="png",
        help="how figures are embedded (PNG is smaller, SVG scales)",
    )
    r.add_argument(
        "--dpi", type=int, default=None, help="resolution of PNG figures (default: 200 dots/inch)"
    )
    r.set_defaults(handler=cmd_report)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.io import AnalysisError, load
    from analysis.plots import figures_for, save_figure
    from analysis.plots.save import dpi_problem, use_file_backend
    from sim.outdir import check_writable

    if problem := dpi_problem(args.dpi):
        return _error(problem)
    use_file_backend()
    try:
        data = load(args.directory)
        if args.out:
            check_writable(args.out)
        kinds = list(dict.fromkeys(args.kind)) if args.kind else None
        builders = figures_for(data, kinds, x=args.x, y=args.y, by=args.by, shares=args.shares)
        if args.by is not None and data.kind == "sweep":
            data.require_parameter(args.by)
        out_dir = Path(args.out) if args.out else Path(args.directory) / "plots"
        written = []
        for stem, build in builders:
            written.append(save_figure(build(), out_dir / f"{stem}.{args.format}", dpi=args.dpi))
    except AnalysisError as exc:
        return _error(str(exc))
    for path in written:
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.io import AnalysisError
    from analysis.plots.save import dpi_problem, use_file_backend
    from analysis.report import write_report
    from sim.outdir import check_writable

    if problem := dpi_problem(args.dpi):
        return _error(problem)
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            return _error(f"--out {out}: is a folder; give the HTML file's name")
        check_writable(out.parent if str(out.parent) else Path("."))
    use_file_backend()
    try:
        path = write_report(args.directory, out=args.out, image_format=args.format, dpi=args.dpi)
    except AnalysisError as exc:
        return _error(str(exc))
    print(path)
    return 0
