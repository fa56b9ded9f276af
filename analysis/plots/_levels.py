"""Swept parameters' values as plotting levels (binned when a sampled design gives too many),
their labels, and their colours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.plots._axes import pyplot

MAX_PARAMETER_LEVELS = 8  # more distinct values than this (sampled designs) are binned


def parameter_levels(values: pd.Series) -> tuple[pd.Series, list]:
    """Parameter values as plotting levels: the values themselves, or quantile bins when a
    sampled design gives more distinct values than a legend can show."""
    unique = pd.unique(values.dropna())
    if len(unique) <= MAX_PARAMETER_LEVELS:
        try:
            order = sorted(unique)
        except TypeError:
            order = list(unique)
        return values, order
    binned = pd.qcut(values.astype(float), q=4, duplicates="drop")
    return binned, list(binned.cat.categories)


def format_level(v) -> str:
    if isinstance(v, pd.Interval):
        return f"{format_value(v.left)}-{format_value(v.right)}"
    return format_value(v)


def format_value(v) -> str:
    if isinstance(v, bool | np.bool_):
        return str(v).lower()
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, float | np.floating):
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.2g}"
        return f"{v:.3g}"
    return str(v)


def level_colors(n: int) -> list:
    plt = pyplot()
    cmap = plt.get_cmap("viridis")
    if n == 1:
        return ["black"]
    # stop short of viridis' pale yellow end, unreadable as a line on white
    return [cmap(x) for x in np.linspace(0.0, 0.82, n)]


def wrap_param(name: str, width: int = 28) -> str:
    """A long dotted parameter path on two lines, broken at its last dot (for y labels)."""
    if len(name) <= width or "." not in name:
        return name
    head, tail = name.rsplit(".", 1)
    return f"{head}.\n{tail}"
