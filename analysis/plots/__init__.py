"""labsim's figures. Each ``*_figure`` function takes a run or sweep directory (a path, or the
``RunData``/``SweepData`` from ``analysis.io``) and returns a matplotlib ``Figure``; the
caller saves it (``save_figure``) or the CLI does. Nothing about the model's numbers is
hard-coded: limits, ticks and labels follow the data.

Run figures: ``concentration``, ``shares``, ``race``, ``overhang``, ``beliefs``, ``lineage``.
Sweep figures: ``concentration`` (median and 10-90% band per parameter value), ``phase``
(majority structure over two parameters), ``phase-shares`` (share of each structure),
``sensitivity`` (ranked indices with confidence intervals).

One module per figure family, over shared helpers (the modules starting with ``_``):

- ``run``: a run's concentration, market shares, race, overhang and beliefs figures
- ``lineage``: a run's model lineage graph
- ``sweep``: a sweep's concentration, phase and phase-shares figures, ``structure_table``
- ``sensitivity``: ranked sensitivity indices
- ``kinds``: the figure kinds, ``concentration_figure`` (run or sweep) and ``figures_for``
- ``save``: ``save_figure`` and ``save_concentration_figure``
- ``_axes`` (figure creation, titles, legends, tick formats, strips), ``_hhi`` (the HHI
  bands), ``_levels`` (swept parameters' values as levels), ``_events`` (the events strip)

Everything is importable from ``analysis.plots`` itself, as before the split.
"""

from analysis.io import (
    AnalysisError,
    RunData,
    SweepData,
    load,
    load_run,
    load_sweep,
    read_sensitivity,
)
from analysis.numbers import format_number as _format_value  # noqa: F401 (its old name)
from analysis.plots._axes import pyplot as _plt  # noqa: F401 (name used before the split)
from analysis.plots._events import MAX_EVENT_LABELS
from analysis.plots._events import event_layout as _event_layout  # noqa: F401 (name used before the split)
from analysis.plots._hhi import HHI_MAX, MONOPOLY_HHI_FLOOR
from analysis.plots._levels import MAX_PARAMETER_LEVELS
from analysis.plots._levels import format_level as _format_level  # noqa: F401 (name used before the split)
from analysis.plots.compute import compute_figure
from analysis.plots.kinds import (
    ALL_KINDS,
    RUN_KINDS,
    SWEEP_KINDS,
    concentration_figure,
    figures_for,
)
from analysis.plots.lineage import MAX_LINEAGE_NODES, lineage_figure
from analysis.plots.run import (
    SHARES,
    beliefs_figure,
    market_shares_figure,
    overhang_figure,
    race_figure,
)
from analysis.plots.save import save_concentration_figure, save_figure
from analysis.plots.sensitivity import sensitivity_figure
from analysis.plots.sweep import (
    BAND_QUANTILES,
    phase_figure,
    phase_shares_figure,
    structure_table,
)
from sim.economics.concentration import (
    HIGHLY_CONCENTRATED_HHI,
    MODERATELY_CONCENTRATED_HHI,
    MONOPOLY_CR1,
    NO_MARKET,
)

__all__ = [
    "ALL_KINDS",
    "BAND_QUANTILES",
    "HHI_MAX",
    "HIGHLY_CONCENTRATED_HHI",
    "MAX_EVENT_LABELS",
    "MAX_LINEAGE_NODES",
    "MAX_PARAMETER_LEVELS",
    "MODERATELY_CONCENTRATED_HHI",
    "MONOPOLY_CR1",
    "MONOPOLY_HHI_FLOOR",
    "NO_MARKET",
    "RUN_KINDS",
    "SHARES",
    "SWEEP_KINDS",
    "AnalysisError",
    "RunData",
    "SweepData",
    "beliefs_figure",
    "compute_figure",
    "concentration_figure",
    "figures_for",
    "lineage_figure",
    "load",
    "load_run",
    "load_sweep",
    "market_shares_figure",
    "overhang_figure",
    "phase_figure",
    "phase_shares_figure",
    "race_figure",
    "read_sensitivity",
    "save_concentration_figure",
    "save_figure",
    "sensitivity_figure",
    "structure_table",
]
