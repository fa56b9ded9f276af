"""The run's tables as calibration sees them, and the column names a target may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.columns import LAB_COLUMNS, TIMESERIES_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

# Columns of labels, not numbers: only an equals target reads them.
LABEL_COLUMNS = {
    "timeseries": ("date", "structure", "leader", "frontier_lab"),
    "labs": ("date", "lab", "archetype", "funding"),
}
NUMERIC_LAB_COLUMNS = tuple(
    c for c in LAB_COLUMNS if c not in LABEL_COLUMNS["labs"] + ("step", "active")
)
TABLE_NAMES = ("timeseries", "labs", "models", "products")


def known_columns(table: str) -> tuple[str, ...]:
    """Column names a target may read from ``table`` ("timeseries" or "labs")."""
    return {"timeseries": TIMESERIES_COLUMNS, "labs": LAB_COLUMNS}[table]


@dataclass(frozen=True)
class Tables:
    """One run's tables (None where the run has no such table or the targets do not read it)
    and its step length in months (dates are YYYY-MM strings)."""

    timeseries: pd.DataFrame | None = None
    labs: pd.DataFrame | None = None
    models: pd.DataFrame | None = None
    products: pd.DataFrame | None = None
    step_months: int = 1

    @classmethod
    def of(cls, result, names, step_months: int) -> Tables:
        """The tables ``names`` of a ``RunResult``; the others are never built."""
        return cls(**{n: getattr(result, n, None) for n in names}, step_months=step_months)


def step_date(dates: np.ndarray, month: str) -> str | None:
    """The last recorded date at or before ``month`` (the state as of that month), from sorted
    YYYY-MM strings; None if the record starts later."""
    i = int(np.searchsorted(dates, month, side="right"))
    return str(dates[i - 1]) if i else None


def has_columns(frame: pd.DataFrame | None, *columns: str) -> bool:
    return frame is not None and all(c in frame.columns for c in columns)
