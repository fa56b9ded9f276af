"""Which figures exist and which fit a directory: the figure kinds, the ``concentration``
figure of a run or a sweep, and ``figures_for``, which the CLI and the report draw from."""

from __future__ import annotations

from collections.abc import Callable

from analysis.io import AnalysisError, RunData, SweepData, as_data
from analysis.plots.compute import compute_figure
from analysis.plots.lineage import lineage_figure
from analysis.plots.run import (
    beliefs_figure,
    check_shares,
    market_shares_figure,
    overhang_figure,
    race_figure,
    run_concentration_figure,
)
from analysis.plots.sensitivity import sensitivity_figure
from analysis.plots.sweep import phase_figure, phase_shares_figure, sweep_concentration_figure

RUN_KINDS = ("concentration", "shares", "race", "overhang", "compute", "beliefs", "lineage")
SWEEP_KINDS = ("concentration", "phase", "phase-shares", "sensitivity")
ALL_KINDS = tuple(dict.fromkeys(RUN_KINDS + SWEEP_KINDS))


def concentration_figure(data, by: str | None = None, shares: str = "revenue"):
    """Run: HHI over time over the shaded structure bands, a strip with the realised market
    structure, and stacked market shares by lab; ``shares="users"`` measures all three on
    shares of users, where open-weights labs (which earn no revenue) count. Sweep: the
    median HHI with a 10-90% band across replications, one line per value of the swept
    parameter ``by`` (default: the first swept parameter). ``data``: a run or sweep
    directory, a ``sim.results.RunResult``, or the ``RunData``/``SweepData`` from
    ``analysis.io``."""
    check_shares(shares)
    data = as_data(data)
    if isinstance(data, SweepData):
        if shares != "revenue":
            raise AnalysisError(_SWEEP_USERS.format(path=data.path))
        return sweep_concentration_figure(data, by)
    return run_concentration_figure(data, shares)


_SWEEP_USERS = (
    "--shares users needs a run directory: {path} is a sweep, and a sweep records the HHI "
    "on revenue shares only"
)
_RUN_BUILDERS: dict[str, Callable] = {
    "concentration": concentration_figure,
    "shares": market_shares_figure,
    "race": race_figure,
    "overhang": overhang_figure,
    "compute": compute_figure,
    "beliefs": beliefs_figure,
    "lineage": lineage_figure,
}


def figures_for(
    data,
    kinds: list[str] | None = None,
    x: str | None = None,
    y: str | None = None,
    by: str | None = None,
    shares: str = "revenue",
) -> list[tuple[str, Callable[[], object]]]:
    """(file stem, builder) for each requested figure kind that fits ``data`` (a directory, a
    ``RunResult`` or loaded data); with no ``kinds``, every figure that fits. A kind that does
    not fit raises ``AnalysisError``. ``shares="users"``: the run's concentration figure on
    user shares, as ``concentration-users`` so it sits beside the revenue one."""
    check_shares(shares)
    data = as_data(data)
    if isinstance(data, RunData):
        if kinds is None:
            kinds = list(RUN_KINDS)
        out = []
        for kind in kinds:
            if kind not in _RUN_BUILDERS:
                raise AnalysisError(
                    f"--kind {kind} needs a sweep directory; {data.where} is a single run "
                    f"(run figures: {', '.join(RUN_KINDS)})"
                )
            if kind == "concentration" and shares != "revenue":
                stem = f"concentration-{shares}"
                out.append((stem, lambda: concentration_figure(data, shares=shares)))
            else:
                out.append((kind, lambda b=_RUN_BUILDERS[kind]: b(data)))
        return out
    sweep: SweepData = data
    if shares != "revenue":
        raise AnalysisError(_SWEEP_USERS.format(path=sweep.path))
    explicit = kinds is not None
    if kinds is None:
        kinds = ["concentration"]
        if len(sweep.parameters) >= 2:
            kinds += ["phase", "phase-shares"]
        if sweep.sensitivity_files():
            kinds.append("sensitivity")
    out = []
    for kind in kinds:
        if kind == "concentration":
            out.append((kind, lambda: concentration_figure(sweep, by=by)))
        elif kind in ("phase", "phase-shares"):
            swept = sweep.parameters
            if (x is None or y is None) and len(swept) < 2:
                raise AnalysisError(
                    f"--kind {kind} needs two swept parameters; {sweep.path} varied only "
                    f"{', '.join(swept) or 'none'}"
                )
            if explicit and (x is None or y is None) and len(swept) > 2:
                raise AnalysisError(
                    f"--kind {kind} needs --x PARAM --y PARAM (swept: {', '.join(swept)})"
                )
            px = sweep.require_parameter(x) if x else swept[0]
            py = sweep.require_parameter(y) if y else next(p for p in swept if p != px)
            sweep.require_parameter(px)
            sweep.require_parameter(py)
            builder = phase_figure if kind == "phase" else phase_shares_figure
            out.append((kind, lambda b=builder, a=px, c=py: b(sweep, a, c)))
        elif kind == "sensitivity":
            files = sweep.sensitivity_files()
            if not files:
                raise AnalysisError(
                    f"{sweep.path}: no sensitivity CSV; run `labsim sensitivity {sweep.path} --output METRIC` first"
                )
            for f in files:
                stem = "sensitivity" if len(files) == 1 else f"sensitivity-{f.stem}"
                out.append((stem, lambda f=f: sensitivity_figure(sweep, file=f)))
        else:
            raise AnalysisError(
                f"--kind {kind} needs a run directory; {sweep.path} is a sweep "
                f"(sweep figures: {', '.join(SWEEP_KINDS)})"
            )
    return out
