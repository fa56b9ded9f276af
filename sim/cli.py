"""The ``labsim`` command line.

Each subcommand lives in a module that exposes ``register(subparsers)``; the module list is
below. Modules import only argparse at top level and load heavy libraries (mesa, pandas,
matplotlib, dask, SALib) inside the command, so ``labsim --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Order is the order in `labsim --help`.
COMMAND_MODULES = (
    "sim.commands",
    "sim.sweep.cli",
    "analysis.cli",
    "analysis.app.cli",
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="labsim",
        description="Agent-based simulation of the race between frontier AI labs: "
        "does the market tip to a monopoly, and how large is the overhang?",
    )
    parser.add_argument("--version", action="version", version=f"labsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    from sim.scenario import ScenarioError

    try:
        return int(args.handler(args) or 0)
    except ScenarioError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
