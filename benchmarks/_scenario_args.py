"""The command line the per-run benchmarks share: a scenario file, seeds 0..N-1 and --set
overrides. Kept free of labsim imports, so that a benchmark can run on an older tree."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse(description: str, default_seeds: int, argv: list[str] | None):
    """The parsed arguments, or None after printing why the scenario cannot be read."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument(
        "--seeds", type=int, default=default_seeds, help=f"seeds 0..N-1 (default {default_seeds})"
    )
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if not Path(args.scenario).is_file():
        print(f"scenario: no file {args.scenario}", file=sys.stderr)
        return None
    return args
