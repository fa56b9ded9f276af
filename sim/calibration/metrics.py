"""A probe's number on one run: read its series (a timeseries column, a lab's column or share)
and apply its kind, or call its registered measure. Pure functions of the run's tables."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.calibration.measures import MEASURES
from sim.calibration.tables import Tables, has_columns, step_date
from sim.dates import parse_year_month

if TYPE_CHECKING:
    from sim.calibration.targets import Probe


def series(probe: Probe, tables: Tables) -> pd.Series | None:
    """The probe's series indexed by sorted date, or None if the run lacks the column. A lab's
    series is NaN in months it has no row (before it enters, after it is gone)."""
    if probe.lab is None:
        ts = tables.timeseries
        if not has_columns(ts, "date", probe.column):
            return None
        values = pd.Series(ts[probe.column].to_numpy(), index=ts["date"].to_numpy())
    else:
        labs, column = tables.labs, probe.share_of or probe.column
        if not has_columns(labs, "date", "lab", column):
            return None
        values = labs.loc[labs["lab"] == probe.lab].set_index("date")[column]
        if probe.share_of:
            total = labs.groupby("date")[column].sum()
            values = values.astype(float) / total.reindex(values.index).replace(0.0, np.nan)
        values = values.reindex(np.sort(labs["date"].unique()))
    values = values.sort_index()
    if probe.annualize:
        values = values.astype(float) * (12.0 / tables.step_months)
    return values


def value_at(values: pd.Series, month: str) -> tuple[str | None, object]:
    """(recorded date, value) as of ``month``: the last step at or before it."""
    date = step_date(values.index.to_numpy(), month)
    return (date, values[date]) if date is not None else (None, math.nan)


def rate(kind: str, values: pd.Series, start: str, end: str) -> float:
    """growth_per_year: (v(end)/v(start))^(1/years); doubling_time_years: years·ln 2/ln(ratio)
    (inf if it does not grow). Years between the recorded dates used; NaN unless both > 0."""
    (d0, a), (d1, b) = value_at(values, start), value_at(values, end)
    if d0 is None or d1 is None or not (float(a) > 0 and float(b) > 0):
        return math.nan
    years = parse_year_month(d1) - parse_year_month(d0)
    if years <= 0:
        return math.nan
    ratio = float(b) / float(a)
    if kind == "growth_per_year":
        return ratio ** (1.0 / years)
    return years * math.log(2) / math.log(ratio) if ratio > 1 else math.inf


def evaluate(probe: Probe, tables: Tables) -> float | str:
    """The probe on one run: a number (NaN where the run does not cover it), or for ``equals``
    the label at the month."""
    if probe.kind == "measure":
        return MEASURES[probe.measure].compute(tables, probe)
    values = series(probe, tables)
    if values is None:
        return math.nan
    if probe.kind == "equals":
        label = value_at(values, probe.at)[1]
        return label if isinstance(label, str) else math.nan
    if probe.kind == "value":
        return float(value_at(values, probe.at)[1])
    return rate(probe.kind, values, probe.start, probe.end)
