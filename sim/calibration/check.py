"""``labsim check``: run a scenario once per seed, read every target and held-out measure off
each run, and summarise them across seeds."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.calibration.held_out import HELD_OUT
from sim.calibration.metrics import evaluate
from sim.calibration.tables import TABLE_NAMES, Tables
from sim.calibration.targets import Probe, Target, check_against, in_span


@dataclass(frozen=True)
class Report:
    """Rows for the targets and for the held-out measures, and the number of seeds run."""

    targets: list[dict]
    held_out: list[dict]
    seeds: int


def spread(values: Sequence[float]) -> dict:
    """Median, 10th and 90th percentiles of the finite values, and how many there were."""
    v = np.array(values, dtype=float)
    finite = v[np.isfinite(v)]
    if not len(finite):
        return {"median": math.nan, "p10": math.nan, "p90": math.nan, "seeds_with_value": 0}
    p10, median, p90 = (float(x) for x in np.percentile(finite, (10, 50, 90)))
    return {"median": median, "p10": p10, "p90": p90, "seeds_with_value": len(finite)}


def modal_label(labels: Sequence[object], expect: str) -> dict:
    """The most common label across seeds ("a / b" on a tie) and the share of seeds that gave
    ``expect``; the target passes only if ``expect`` is the single most common label."""
    counts = Counter(x for x in labels if isinstance(x, str))
    if not counts:
        return {"modal": None, "share_of_seeds": math.nan, "seeds_with_value": 0}
    top = max(counts.values())
    modal = " / ".join(sorted(x for x, n in counts.items() if n == top))
    share = counts.get(expect, 0) / len(labels)
    return {"modal": modal, "share_of_seeds": share, "seeds_with_value": sum(counts.values())}


def target_row(target: Target, values: Sequence[object]) -> dict:
    """One target's line of the report: its definition, its spread across seeds, its result."""
    row = {
        "target": target.name,
        "status": target.status,
        "description": target.description,
        "kind": target.kind,
        "series": target.series,
        "when": target.when,
        "reference": target.reference,
        "band_low": target.band[0] if target.band else None,
        "band_high": target.band[1] if target.band else None,
        "expect": target.expect,
        "seeds": len(values),
    }
    if target.kind == "equals":
        stats = modal_label(values, target.expect)
        row |= {"median": None, "p10": None, "p90": None} | stats
        evaluated, passed = stats["modal"] is not None, stats["modal"] == target.expect
    else:
        stats = spread(values)
        row |= stats | {"modal": None, "share_of_seeds": None}
        evaluated = math.isfinite(stats["median"])
        passed = evaluated and target.band[0] <= stats["median"] <= target.band[1]
    result = ("pass" if passed else "FAIL") if evaluated else "n/a"
    return row | {"result": result, "passed": bool(passed), "source": target.source}


def held_out_row(probe: Probe, values: Sequence[float] | None, seeds: int) -> dict:
    """One held-out measure's line; ``values`` None when the scenario does not cover it."""
    stats = spread(values or [])
    return {
        "measure": probe.name,
        "description": probe.description,
        "series": probe.series,
        "when": probe.when,
        **stats,
        "seeds": seeds,
    }


def check(
    scenario,
    targets: Sequence[Target],
    seeds: Sequence[int],
    progress: Callable[[], None] | None = None,
    held_out: Sequence[Probe] = HELD_OUT,
) -> Report:
    """Run ``scenario`` once per seed and summarise every target and held-out measure across
    seeds. Targets outside the run or naming unknown labs raise ``ScenarioError`` before any
    run; held-out measures outside it are reported as n/a."""
    from sim.results import run

    check_against(targets, scenario)
    covered = [p for p in held_out if in_span(p, scenario)]
    probes = (*targets, *covered)
    needed = tuple(n for n in TABLE_NAMES if any(n in p.tables for p in probes))
    seeds = list(seeds)
    values: list[list] = [[] for _ in probes]
    for seed in seeds:
        tables = Tables.of(run(scenario, seed=seed), needed, scenario.step_months)
        for column, probe in zip(values, probes, strict=True):
            column.append(evaluate(probe, tables))
        if progress:
            progress()
    target_rows = [target_row(t, v) for t, v in zip(targets, values, strict=False)]
    by_probe = dict(zip(map(id, covered), values[len(targets) :], strict=True))
    held_rows = [held_out_row(p, by_probe.get(id(p)), len(seeds)) for p in held_out]
    return Report(targets=target_rows, held_out=held_rows, seeds=len(seeds))
