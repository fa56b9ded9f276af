"""A forecast's worlds reduced to what a reader asks: per year, the quantiles of each measure
and the probability of each market structure; when a monopoly first forms; when the largest
run first passes a size.

Every finished run is one world, equally likely (the priors' weights are already in how the
parameters were drawn); failed runs are left out and counted. A year's value in a world is its
value at the year's last recorded month (December with yearly records).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.economics.concentration import NO_MARKET, STRUCTURES

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")

# measure -> what the figures call it (unit in brackets); log-scaled measures are drawn on a
# log axis and their quantiles read as orders of magnitude.
MEASURES: dict[str, str] = {
    "hhi": "HHI (0-10,000)",
    "cr1": "leader's share (CR1)",
    "frontier_capability": "frontier capability (time horizon, minutes)",
    "frontier_training_flop": "largest run (FLOP)",
    "frontier_run_cost_usd": "costliest run (USD)",
    "runnable_copies": "runnable copies of the frontier model",
    "hardware_overhang_world": "hardware overhang (world / largest run)",
    "hardware_overhang_budget": "budget overhang (richest lab / largest run)",
    "n_active": "active labs",
}
LOG_MEASURES = frozenset(
    {
        "frontier_capability",
        "frontier_training_flop",
        "frontier_run_cost_usd",
        "runnable_copies",
        "hardware_overhang_world",
        "hardware_overhang_budget",
    }
)
STRUCTURE_COLUMNS = (*STRUCTURES, NO_MARKET)


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def yearly(ts: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per world and calendar year (``year``, int): the year's last recorded row of
    each successful run."""
    keep = set(ok_runs(runs)["run_id"])
    frame = ts[ts["run_id"].isin(keep)].copy()
    frame = frame.drop(columns=[c for c in ("year",) if c in frame.columns])
    frame["year"] = frame["date"].str.slice(0, 4).astype(int)
    frame = frame.sort_values(["run_id", "step"])
    return frame.groupby(["run_id", "year"], as_index=False, sort=True).last()


def quantiles(per_year: pd.DataFrame) -> pd.DataFrame:
    """Long table: ``year``, ``measure``, ``n`` (worlds with a value), ``mean`` and the 5, 25,
    50, 75 and 95% quantiles. HHI and CR1 have no value in a year with no market."""
    rows = []
    for measure in MEASURES:
        if measure not in per_year.columns:
            continue
        for year, values in per_year.groupby("year")[measure]:
            v = values.to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            q = np.quantile(v, QUANTILES) if len(v) else [math.nan] * len(QUANTILES)
            rows.append(
                {
                    "year": int(year),
                    "measure": measure,
                    "n": len(v),
                    "mean": float(v.mean()) if len(v) else math.nan,
                    **dict(zip(QUANTILE_COLUMNS, (float(x) for x in q), strict=True)),
                }
            )
    return pd.DataFrame(rows, columns=["year", "measure", "n", "mean", *QUANTILE_COLUMNS])


def first_monopoly_year(
    per_year: pd.DataFrame, runs: pd.DataFrame, origin_year: float
) -> pd.Series:
    """Per world (index run_id): the calendar year in which a monopoly first formed, from
    the origin on, after at least two labs sold; NaN if none did. Read from the recorded
    ``monopoly_formed`` column (to the month), else from ``years_to_first_monopoly`` (a
    sweep, where the origin is the scenario's start)."""
    worlds = sorted(set(per_year["run_id"]))
    if "monopoly_formed" in per_year.columns:
        formed = per_year[per_year["monopoly_formed"] >= 1]
        return formed.groupby("run_id")["year"].min().reindex(worlds).astype(float)
    ok = ok_runs(runs).set_index("run_id")
    when = origin_year + ok["years_to_first_monopoly"].astype(float)
    return np.floor(when).reindex(worlds)


def structure_probability(
    per_year: pd.DataFrame, runs: pd.DataFrame, origin_year: float
) -> pd.DataFrame:
    """Per year: the share of worlds in each market structure at the year's end, and
    ``monopoly_formed``, the share in which a monopoly has formed (from the origin) by then,
    even if it later broke up."""
    counts = pd.crosstab(per_year["year"], per_year["structure"])
    counts = counts.reindex(columns=list(STRUCTURE_COLUMNS), fill_value=0)
    n = counts.sum(axis=1)
    table = counts.div(n, axis=0)
    first = first_monopoly_year(per_year, runs, origin_year)
    table["monopoly_formed"] = [float((first <= year).sum()) / len(first) for year in table.index]
    table.insert(0, "n_worlds", n.astype(int))
    table.index.name = "year"
    return table.reset_index()


def threshold_year(per_year: pd.DataFrame, measure: str, threshold: float) -> pd.Series:
    """Per world (index run_id): the first calendar year whose end has ``measure`` at or
    above ``threshold``; NaN if it never does within the horizon."""
    worlds = sorted(set(per_year["run_id"]))
    hit = per_year[per_year[measure] >= threshold]
    first = hit.groupby("run_id")["year"].min()
    return first.reindex(worlds).astype(float)


def summarize(values: pd.Series) -> dict[str, Any]:
    """Median and 90% interval of a per-world quantity that may never happen (NaN), with the
    share of worlds where it does."""
    v = values.to_numpy(dtype=float)
    hit = v[np.isfinite(v)]
    out: dict[str, Any] = {"n": len(v), "share": len(hit) / len(v) if len(v) else math.nan}
    if len(hit):
        out.update(zip(("q05", "q50", "q95"), np.quantile(hit, (0.05, 0.5, 0.95)), strict=True))
    return out


def value_at(quants: pd.DataFrame, measure: str, year: int) -> dict[str, float] | None:
    row = quants[(quants["measure"] == measure) & (quants["year"] == year)]
    if row.empty:
        return None
    return {k: float(row.iloc[0][k]) for k in ("n", "mean", *QUANTILE_COLUMNS)}
