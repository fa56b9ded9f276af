"""The ``labsim`` command line.

Each subcommand lives in a module that exposes ``register(subparsers)``; the module list is
below. Modules import only argparse at top level and load heavy libraries (mesa, pandas,
matplotlib, dask, SALib) inside the command, so ``labsim --help`` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

# Order is the order in `labsim --help`.
COMMAND_MODULES = (
    "sim.commands",
    "sim.compare_cli",
    "sim.cost_cli",
    "sim.sweep.cli",
    "sim.forecast.cli",
    "analysis.discover_cli",
    "analysis.cli",
    "analysis.app.cli",
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool cut off by `| head`

DEBUG_HELP = "show the full traceback of an unexpected error"


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors on one line (and exit status 2, as before)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = Parser(
        prog="labsim",
        description="Agent-based simulation of the race between frontier AI labs: "
        "does the market tip to a monopoly, and how large is the overhang?",
    )
    parser.add_argument("--version", action="version", version=f"labsim {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():
        # `labsim run x.yaml --debug` works too; SUPPRESS keeps a top-level --debug in force.
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status. Output cut off by a closed pipe
    (``labsim list | head -1``) ends quietly with status 141."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at devnull so that is silent too.
        with contextlib.suppress(OSError, ValueError):  # not a descriptor: nothing to flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error: argparse has printed it
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # the one boundary: a bug or a failing disk is one line
        if args.debug:
            import traceback

            traceback.print_exc()
        elif isinstance(exc, OSError) and exc.strerror:
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"labsim: error: {where}{exc.strerror}", file=sys.stderr)
        else:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print(
                f"labsim: internal error: {type(exc).__name__}: {message} "
                "(run with --debug for the traceback)",
                file=sys.stderr,
            )
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
