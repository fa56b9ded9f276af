"""``labsim app``: the dashboard in the browser (Solara's server, in this process).

Only argparse is imported at module level; Solara, Mesa's visualization and the model load in
the handler, so ``labsim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_HOST = "127.0.0.1"  # this machine only: the dashboard runs code on every click
EXIT_BAD_INPUT = 2
APP_MODULE = "analysis.app.page"
# The extra's packages that are not labsim's own dependencies.
APP_MODULES = ("solara", "altair")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="an interactive dashboard in the browser (needs the app extra)",
        description="Serve the dashboard (built on Mesa's SolaraViz): a scenario picker, the "
        "parameters that matter most, the mechanism switches, play/step/reset, live figures "
        "of concentration, the capability race, the overhang, compute and prices, and a "
        "'seeds' mode with medians and bands. Prints the address to open; Ctrl-C stops it.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="a shipped scenario's name (labsim list) or a YAML file (default: baseline)",
    )
    p.add_argument(
        "--port", type=int, default=0, help="port to listen on (default 0: any free port)"
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.set_defaults(handler=cmd_app)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (0: a free one the system picks); OSError if not."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, port))
        return sock.getsockname()[1]


def cmd_app(args: argparse.Namespace) -> int:
    import importlib.util
    import os

    absent = [m for m in APP_MODULES if importlib.util.find_spec(m) is None]
    if absent:
        return _error(
            f"labsim app needs the app extra (missing {', '.join(absent)}): "
            "pip install -e '.[app]' (or bash scripts/setup.sh)"
        )
    if not 0 <= args.port <= 65535:
        return _error(f"--port {args.port}: a port is 0 (any free one) to 65535")
    from sim.mesa_api import SCENARIO_DIR, SCENARIO_SEED, resolve, scenario_file

    spec = resolve(args.scenario, SCENARIO_SEED, {}).spec  # bad input: one line, exit 2
    try:
        port = free_port(args.host, args.port)
    except OSError as exc:
        return _error(f"--host {args.host} --port {args.port}: cannot listen there ({exc})")
    path = scenario_file(args.scenario)
    shipped = path == SCENARIO_DIR / f"{args.scenario}.yaml"
    # The page runs in this process but reads its scenario from the environment.
    os.environ["LABSIM_APP_SCENARIO"] = args.scenario if shipped else str(path.resolve())
    # Solara reads its settings from the environment when first imported.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from analysis.app import assets

    for line in assets.ensure():
        print(f"warning: {line}; the page will try to load them from the internet", file=sys.stderr)
    url = f"http://{args.host}:{port}/"
    print(f"labsim app: {spec.name} at {url}  (Ctrl-C stops it)", flush=True)
    return _serve(args.host, port)


def _serve(host: str, port: int) -> int:
    import warnings

    from solara.__main__ import run

    # Solara warns about cookie flags on every plain-http request from this machine.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    run.main(
        args=[
            APP_MODULE,
            "--host",
            host,
            "--port",
            str(port),
            "--production",
            "--no-open",
            "--no-check-version",
        ],
        prog_name="labsim app",
        standalone_mode=False,
    )
    return 0
