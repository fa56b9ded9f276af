"""Two scenarios through the same seeds: paired differences of their outcomes.

Seed s of scenario A and seed s of scenario B share the model's random generator's seed, so
their difference removes much of the seed-to-seed noise that two independent samples would
carry (common random numbers). For each outcome at the horizon the table gives both
scenarios' medians and the median and 5th-95th percentiles of the per-seed difference B - A
(or ratio B / A for quantities that span orders of magnitude); for the final revenue leader,
each scenario's modal leader and the share of seeds in which the two leaders differ.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.params import Scenario

INTERVAL = (5.0, 95.0)  # percentiles of the paired difference: a 90% interval


@dataclass(frozen=True)
class Metric:
    column: str  # timeseries.csv column, read at the last step
    label: str
    paired: str  # "difference" (B - A) or "ratio" (B / A)
    fmt: str  # format of values


METRICS = (
    Metric("hhi", "final HHI", "difference", ",.0f"),
    Metric("frontier_capability", "frontier capability", "difference", ".3f"),
    Metric("frontier_training_flop", "largest run (training FLOP)", "ratio", ".3g"),
    Metric("runnable_copies", "overhang: copies at 10 tokens/s", "ratio", ".3g"),
    Metric("hardware_overhang_world", "overhang: world compute / largest run", "ratio", ".3g"),
)


@dataclass(frozen=True)
class ScenarioRuns:
    """What the comparison reads from one scenario's runs, one entry per seed."""

    scenario: Scenario
    seeds: tuple[int, ...]
    finals: pd.DataFrame  # index seed; METRICS columns and "leader"
    hhi: pd.DataFrame  # index date (YYYY-MM), one column per seed


def run_seeds(scenario: Scenario, seeds: range | list[int]) -> ScenarioRuns:
    """Run ``scenario`` once per seed and keep the final outcomes and the HHI path."""
    from sim.results import simulate

    finals, paths = {}, {}
    for seed in seeds:
        columns = simulate(scenario, seed, record_labs=False).recorder.timeseries_columns()
        finals[seed] = {m.column: columns[m.column][-1] for m in METRICS}
        finals[seed]["leader"] = columns["leader"][-1] or "none"
        paths[seed] = pd.Series(columns["hhi"], index=columns["date"], dtype=float)
    return ScenarioRuns(
        scenario=scenario,
        seeds=tuple(seeds),
        finals=pd.DataFrame.from_dict(finals, orient="index"),
        hhi=pd.DataFrame(paths),
    )


def paired_differences(a: pd.Series, b: pd.Series, how: str) -> np.ndarray:
    """Per-seed B - A, or ln(B / A), over the seeds where both are defined."""
    a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    if how == "ratio":
        ok = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
        return np.log(b[ok]) - np.log(a[ok])
    ok = np.isfinite(a) & np.isfinite(b)
    return b[ok] - a[ok]


def paired_table(a: ScenarioRuns, b: ScenarioRuns) -> list[dict]:
    """One row per metric: medians of A and B, and the median and 90% interval of the
    paired difference (ratios are taken on logs and reported as B / A)."""
    if a.seeds != b.seeds:
        raise ValueError("paired comparison needs the same seeds in both scenarios")
    rows = []
    for m in METRICS:
        d = paired_differences(a.finals[m.column], b.finals[m.column], m.paired)
        if d.size:
            median, low, high = np.percentile(d, [50.0, *INTERVAL])
            if m.paired == "ratio":
                median, low, high = math.exp(median), math.exp(low), math.exp(high)
        else:
            median = low = high = math.nan
        rows.append(
            {
                "metric": m.label,
                "column": m.column,
                "paired": "B - A" if m.paired == "difference" else "B / A",
                "a_median": float(np.nanmedian(a.finals[m.column].to_numpy(dtype=float))),
                "b_median": float(np.nanmedian(b.finals[m.column].to_numpy(dtype=float))),
                "median": float(median),
                "p5": float(low),
                "p95": float(high),
                "seeds": int(d.size),
            }
        )
    return rows


def leader_summary(a: ScenarioRuns, b: ScenarioRuns) -> dict:
    """Each scenario's modal final leader (with its share of seeds) and the share of seeds
    whose final leaders differ."""
    la, lb = a.finals["leader"], b.finals["leader"]
    (mode_a, n_a), (mode_b, n_b) = Counter(la).most_common(1)[0], Counter(lb).most_common(1)[0]
    n = len(la)
    return {
        "a_modal": mode_a,
        "a_modal_share": n_a / n,
        "b_modal": mode_b,
        "b_modal_share": n_b / n,
        "differs_share": float((la.to_numpy() != lb.to_numpy()).mean()),
        "seeds": n,
    }


def table_frame(rows: list[dict], leaders: dict) -> pd.DataFrame:
    """The printed table as compare.csv: the metric rows, then the leader row (its medians
    are the modal leaders, its median the share of seeds in which they differ)."""
    frame = pd.DataFrame(rows)
    leader = {
        "metric": "final leader",
        "column": "leader",
        "paired": "share of seeds differing",
        "a_median": f"{leaders['a_modal']} ({leaders['a_modal_share']:.0%})",
        "b_median": f"{leaders['b_modal']} ({leaders['b_modal_share']:.0%})",
        "median": leaders["differs_share"],
        "p5": math.nan,
        "p95": math.nan,
        "seeds": leaders["seeds"],
    }
    return pd.concat([frame, pd.DataFrame([leader])], ignore_index=True)


def seeds_frame(a: ScenarioRuns, b: ScenarioRuns) -> pd.DataFrame:
    """Per-seed final values of both scenarios (compare_seeds.csv)."""
    left = a.finals.add_prefix("a_")
    right = b.finals.add_prefix("b_")
    out = left.join(right)
    out.index.name = "seed"
    return out.reset_index()


def _signed(value: float, fmt: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = format(value, fmt)
    return text if text.startswith("-") else "+" + text


def format_table(a: ScenarioRuns, b: ScenarioRuns, rows: list[dict], leaders: dict) -> str:
    """The table ``labsim compare`` prints."""
    fmts = {m.label: m for m in METRICS}
    header = (
        f"{'outcome at the horizon':<40}{'A median':>11}{'B median':>11}"
        f"{'B vs A, median':>17}   90% interval (5th-95th)"
    )
    lines = [header]
    for row in rows:
        m = fmts[row["metric"]]
        if m.paired == "ratio":
            paired = "n/a" if not math.isfinite(row["median"]) else f"x{row['median']:.3g}"
            interval = (
                f"x{row['p5']:.3g} to x{row['p95']:.3g}" if math.isfinite(row["p5"]) else "n/a"
            )
        else:
            paired = _signed(row["median"], m.fmt)
            interval = (
                f"{_signed(row['p5'], m.fmt)} to {_signed(row['p95'], m.fmt)}"
                if math.isfinite(row["p5"])
                else "n/a"
            )
        lines.append(
            f"{row['metric']:<40}{_value(row['a_median'], m.fmt):>11}"
            f"{_value(row['b_median'], m.fmt):>11}{paired:>17}   {interval}"
            + (f"   ({row['seeds']} seeds)" if row["seeds"] < len(a.seeds) else "")
        )
    n = leaders["seeds"]
    lines += [
        "",
        f"final leader: A {leaders['a_modal']} in {leaders['a_modal_share'] * n:.0f}/{n} seeds, "
        f"B {leaders['b_modal']} in {leaders['b_modal_share'] * n:.0f}/{n}; the leaders differ "
        f"in {leaders['differs_share'] * n:.0f}/{n} seeds ({leaders['differs_share']:.0%})",
        "(B vs A: B - A per seed, or B / A where marked x; medians and percentiles over seeds)",
    ]
    return "\n".join(lines)


def _value(value: float, fmt: str) -> str:
    return format(value, fmt) if math.isfinite(value) else "n/a"
