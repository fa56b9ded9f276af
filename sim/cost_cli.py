"""``labsim cost``: what a training run cost, in FLOP and dollars, and its overhang.

Only argparse is imported at module level. Every value is checked here, in the handler, so
that bad input gets one line and exit status 2 (argparse's own errors take two lines).
"""

from __future__ import annotations

import argparse
import math
import sys

EXIT_BAD_INPUT = 2
DURATIONS = ("days", "months", "years")


class CostInputError(ValueError):
    """A bad command-line value; the message is the whole line printed."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cost",
        help="what a training run cost: FLOP, cloud rental, amortized hardware, overhang",
        description="Describe a run by its hardware (--hardware, --count, a duration, "
        "--utilization, --date) or by its size (--flop, or --params and --tokens; with "
        "--hardware and either --count or a duration the other follows). Prints the "
        "training FLOP, cloud-rental and amortized-hardware cost, the compute-optimal model "
        "of that FLOP and what the training cluster could then run (seed 004). "
        "`labsim cost --list` prints the accelerator catalogue with its sources.",
    )
    p.add_argument("--list", action="store_true", help="print the accelerator catalogue")
    p.add_argument("--hardware", metavar="NAME", help="accelerator, e.g. V100, A100, 'TPU v3'")
    p.add_argument("--count", metavar="N", help="number of devices (chips, or boards)")
    p.add_argument(
        "--unit",
        metavar="chip|board",
        default="chip",
        help="what --count and prices count: chips (default) or boards (a TPU board is 4 "
        "chips; a GPU board is one)",
    )
    p.add_argument("--days", metavar="D", help="duration of the run in days")
    p.add_argument("--months", metavar="M", help="duration in months")
    p.add_argument("--years", metavar="Y", help="duration in years")
    p.add_argument(
        "--utilization",
        metavar="U",
        default=None,
        help="model FLOP utilization in (0, 1] (default: labsim's default lab utilization)",
    )
    p.add_argument("--date", metavar="YYYY-MM", help="when the run happened: which prices apply")
    p.add_argument("--flop", metavar="F", help="training FLOP of the run")
    p.add_argument("--params", metavar="P", help="parameters of the model (with --tokens)")
    p.add_argument("--tokens", metavar="T", help="training tokens (with --params): FLOP = 6 P T")
    p.add_argument("--price-per-hour", metavar="USD", help="rental price per device-hour (--unit)")
    p.add_argument(
        "--price-per-month",
        metavar="USD",
        help="rental price per device-month (--unit), instead of --price-per-hour",
    )
    p.add_argument(
        "--life-years",
        metavar="Y",
        default=None,
        help="hardware write-off period, years (default 4)",
    )
    p.add_argument(
        "--law",
        metavar="NAME",
        default=None,
        help="scaling law for the compute-optimal split: epoch_refit or hoffmann2022 "
        "(default: the model's)",
    )
    p.set_defaults(handler=cmd_cost)


def cmd_cost(args: argparse.Namespace) -> int:
    try:
        if args.list:
            from sim.cost_report import format_catalogue

            print(format_catalogue())
            return 0
        spec = parse_spec(args)
    except CostInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim.cost import estimate
    from sim.cost_report import format_report

    print(format_report(estimate(spec)))
    return 0


def _number(flag: str, text: str | None, upper: float | None = None) -> float | None:
    """A positive, finite number (at most ``upper``), or None when the flag is absent."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CostInputError(f"{flag} {text}: not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise CostInputError(f"{flag} {text}: must be a positive number")
    if upper is not None and value > upper:
        raise CostInputError(f"{flag} {text}: must be in (0, {upper:g}]")
    return value


def parse_spec(args: argparse.Namespace):
    """The ``RunSpec`` the arguments describe; raises CostInputError on the first problem."""
    from sim.cost import RunSpec
    from sim.economics import accelerators as acc
    from sim.economics import hardware as hw
    from sim.economics import runcost
    from sim.economics.scaling import SCALING_LAWS
    from sim.params import LabParams, WorldParams, parse_year_month

    hardware = None
    if args.hardware is not None:
        hardware = acc.find(args.hardware)
        if hardware is None:
            close = acc.suggestions(args.hardware)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise CostInputError(
                f"--hardware {args.hardware!r}: unknown; {hint}(known: {', '.join(acc.names())}; "
                "labsim cost --list)"
            )
    unit = args.unit.strip().lower().removesuffix("s")
    if unit not in ("chip", "board"):
        raise CostInputError(f"--unit {args.unit}: must be chip or board")
    count = _number("--count", args.count)
    utilization = _number("--utilization", args.utilization, upper=1.0)
    if utilization is None:
        utilization = LabParams.model_fields["utilization"].default
    life = _number("--life-years", args.life_years) or runcost.DEFAULT_LIFE_YEARS
    law = args.law or WorldParams.model_fields["scaling_law"].default
    if law not in SCALING_LAWS:
        raise CostInputError(f"--law {law}: must be one of {', '.join(SCALING_LAWS)}")
    month = args.date
    if month is not None:
        try:
            parse_year_month(month)
        except ValueError:
            raise CostInputError(f"--date {month}: not a month of the form YYYY-MM") from None

    given = [(flag, getattr(args, flag)) for flag in DURATIONS if getattr(args, flag)]
    if len(given) > 1:
        raise CostInputError("give one duration: --days, --months or --years")
    seconds = None
    if given:
        flag, text = given[0]
        value = _number(f"--{flag}", text)
        per = {"days": 86400.0, "months": hw.SECONDS_PER_MONTH, "years": hw.SECONDS_PER_YEAR}
        seconds = value * per[flag]

    flop = _number("--flop", args.flop)
    params = _number("--params", args.params)
    tokens = _number("--tokens", args.tokens)
    if (params is None) != (tokens is None):
        raise CostInputError("--params and --tokens go together (FLOP = 6 P T)")
    if flop is not None and params is not None:
        raise CostInputError("give --flop or --params and --tokens, not both")
    if params is not None:
        from sim.economics.scaling import training_flop_from_params_tokens

        flop = training_flop_from_params_tokens(params, tokens)

    per_hour = _number("--price-per-hour", args.price_per_hour)
    per_month = _number("--price-per-month", args.price_per_month)
    if per_hour is not None and per_month is not None:
        raise CostInputError("give --price-per-hour or --price-per-month, not both")
    if per_month is not None:
        per_hour = per_month / (hw.SECONDS_PER_MONTH / 3600.0)
    if per_hour is not None and hardware is None:
        raise CostInputError("a rental price needs --hardware (the device it is for)")
    if count is not None and hardware is None:
        raise CostInputError("--count needs --hardware")

    if flop is None:
        missing = [
            name
            for name, value in (
                ("--hardware", hardware),
                ("--count", count),
                ("a duration", seconds),
            )
            if value is None
        ]
        if missing:
            raise CostInputError(
                f"missing {', '.join(missing)}: describe the run by --hardware, --count and a "
                "duration (--days/--months/--years), or by --flop or --params and --tokens"
            )
    elif hardware is not None and count is not None and seconds is not None:
        raise CostInputError(
            "with --flop (or --params/--tokens) give --count or a duration, not both: "
            "the other follows from the FLOP"
        )
    elif hardware is not None and count is None and seconds is None:
        raise CostInputError(
            f"--hardware {hardware.name} with a given FLOP needs --count or a duration"
        )
    return RunSpec(
        hardware=hardware,
        unit=unit,
        count=count,
        seconds=seconds,
        utilization=utilization,
        month=month,
        training_flop=flop,
        params=params,
        tokens=tokens,
        usd_per_device_hour=per_hour,
        life_years=life,
        law=law,
        utilization_is_default=args.utilization is None,
    )
