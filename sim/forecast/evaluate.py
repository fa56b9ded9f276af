"""What a forecast's worker measures beyond a sweep's: derived time series.

``labs_with_run_ge_1e25`` (any threshold written ``<mantissa>e<exponent>``): at each step, how
many labs have finished a training run of at least that many FLOP (training FLOP, the 6ND
count, as in ``frontier_training_flop``; distilled students do not count, as they are not
training runs of their own). It is the form in which trackers report the spread of frontier
compute (Epoch AI counts models trained with more than 1e25 FLOP).

``monopoly_formed``: 0 until the first month, from the forecast's origin on, in which the
market is a monopoly after at least two labs have sold (the rule of
``years_to_first_monopoly``), then 1. Recorded once a year, it says whether a monopoly has
formed by each year's end, to the month.
"""

from __future__ import annotations

from typing import Any

from sim.forecast.priors import DERIVED_COLUMN, MONOPOLY_FORMED
from sim.sweep.evaluate import Evaluator


def threshold_of(column: str) -> float:
    match = DERIVED_COLUMN.match(column)
    if match is None:
        raise ValueError(f"not a derived column: {column}")
    return float(match.group("flop"))


def labs_past_threshold(models, years: list[float], threshold_flop: float) -> list[int]:
    """For each of ``years`` (each step's end), the number of labs with a finished run of at
    least ``threshold_flop`` completed by then."""
    first: dict[str, float] = {}
    for m in models:
        if m.method != "distilled" and m.training_flop >= threshold_flop and m.lab not in first:
            first[m.lab] = m.completed
    done = sorted(first.values())
    counts, k = [], 0
    for year in years:
        while k < len(done) and done[k] <= year + 1e-9:
            k += 1
        counts.append(k)
    return counts


def monopoly_formed(ts: dict[str, Any], origin_year: float) -> list[int]:
    """Per step: 1 once a monopoly (after rivalry) has held in some month from
    ``origin_year`` on, else 0."""
    out, contested, formed = [], False, 0
    for label, selling, year in zip(ts["structure"], ts["n_selling"], ts["year"], strict=True):
        contested = contested or selling >= 2
        if not formed and contested and label == "monopoly" and year >= origin_year - 1e-9:
            formed = 1
        out.append(formed)
    return out


class ForecastEvaluator(Evaluator):
    """A sweep evaluator that also derives the columns above that it records; counts of
    monopolies start at ``origin_year`` (default: the scenario's start)."""

    def __init__(self, base_raw, record_columns, every: int, origin_year: float | None = None):
        super().__init__(base_raw, record_columns, every)
        self.origin_year = origin_year

    def extra_columns(self, model, ts: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        if MONOPOLY_FORMED in self.record_columns:
            origin = model.t0 if self.origin_year is None else self.origin_year
            out[MONOPOLY_FORMED] = monopoly_formed(ts, origin)
        derived = [c for c in self.record_columns if DERIVED_COLUMN.match(c)]
        if derived:
            # a run finished during step k is dated the end of the step, year_at(k + 1)
            years = [model.year_at(k + 1) for k in range(len(ts["step"]))]
            for c in derived:
                out[c] = labs_past_threshold(model.models, years, threshold_of(c))
        return out
