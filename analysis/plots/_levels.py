"""Swept parameters as figures show them: their values as plotting levels (binned when a
sampled design gives too many), the levels' labels and colours, and the parameters' short
labels with units (from the schema, ``sim.paramlabels.short_label``)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from analysis.numbers import format_number
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
    """A level as a tick or legend label: ``150M``, or ``0.1–0.5`` for a quantile bin."""
    if isinstance(v, pd.Interval):
        return f"{format_number(v.left)}–{format_number(v.right)}"
    return format_number(v)


def level_colors(n: int) -> list:
    plt = pyplot()
    cmap = plt.get_cmap("viridis")
    if n == 1:
        return ["black"]
    # stop short of viridis' pale yellow end, unreadable as a line on white
    return [cmap(x) for x in np.linspace(0.0, 0.82, n)]


def parameter_label(path: str, width: int | None = None) -> str:
    """A parameter's short label with its unit (``warm-start credit κ``, ``AI spending at
    start (USD/yr)``), not its dotted path; wrapped to lines of at most ``width`` characters
    when given (y axes)."""
    from sim.paramlabels import short_label

    label = short_label(path)
    return "\n".join(textwrap.wrap(label, width)) if width else label
