"""``labsim discover``: scenario discovery (PRIM, CART) on a sweep or forecast folder.

Only argparse at top level: EMA Workbench takes seconds to import.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "discover",
        help="which parameter ranges make an outcome happen (PRIM and CART scenario discovery)",
        description="Find the box of parameter ranges in which a condition on the runs of a "
        "sweep or forecast folder mostly holds (PRIM), and a classification tree (CART). "
        "Writes CSVs and figures into DIR/discover/. See docs/forecast.md.",
    )
    p.add_argument("folder", metavar="DIR", help="a finished sweep or forecast folder")
    p.add_argument(
        "--where",
        required=True,
        metavar="EXPR",
        help="condition on the runs, e.g. \"structure_final == 'monopoly'\", "
        '"hhi_final >= 5000", "first_monopoly_year <= 2035", "hhi_2030 > 2500"',
    )
    p.add_argument(
        "--box",
        type=int,
        default=None,
        metavar="N",
        help="report box N of the peeling trajectory (default: best balance of coverage and "
        "density among boxes whose restrictions are all significant)",
    )
    p.add_argument(
        "--max-qp",
        type=float,
        default=0.05,
        help="default box: largest quasi-p-value a restriction may have (default 0.05)",
    )
    p.add_argument(
        "--peel-alpha", type=float, default=0.05, help="share peeled per step (default 0.05)"
    )
    p.add_argument(
        "--mass-min", type=float, default=0.05, help="smallest box, as a share of runs (0.05)"
    )
    p.add_argument("--no-cart", action="store_true", help="PRIM only")
    p.add_argument("--no-plot", action="store_true", help="CSVs only")
    p.add_argument(
        "--dpi", type=int, default=None, help="resolution of the figures (default: 200 dots/inch)"
    )
    p.set_defaults(handler=cmd_discover)


def cmd_discover(args: argparse.Namespace) -> int:
    from analysis.discover import discover, format_discovery
    from analysis.io import AnalysisError
    from analysis.plots.save import dpi_problem, use_file_backend

    if problem := dpi_problem(args.dpi):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    use_file_backend()

    try:
        result = discover(
            args.folder,
            args.where,
            box=args.box,
            peel_alpha=args.peel_alpha,
            mass_min=args.mass_min,
            max_qp=args.max_qp,
            with_cart=not args.no_cart,
            figures=not args.no_plot,
            dpi=args.dpi,
        )
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_discovery(result))
    return 0
