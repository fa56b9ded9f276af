"""Calibration targets and ``labsim check``: does the simulated past look like the real one?

A targets file (``scenarios/NAME.targets.yaml``, next to its scenario) lists public figures,
each a probe of the run's tables with a band (or an expected label), a source and a status
(fitted, by_construction or untouched: only untouched agreements are evidence). ``check``
runs the scenario once per seed, gives each probe the tables it reads, and compares the
median across seeds with the band. Below the targets it reports the held-out measures
(2024-2025), which it compares with nothing.

Modules: ``targets`` (the file's schema and its checks against the scenario), ``tables``
(the run's tables and their column names), ``metrics`` (a probe on one run), ``measures``
(the registry of derived measures), ``held_out`` (the held-out block), ``check`` (running the
seeds), ``report`` (terminal, Markdown and doc output). Users add targets by editing YAML.
"""

from sim.calibration.check import Report, check
from sim.calibration.held_out import HELD_OUT, HELD_OUT_TITLE
from sim.calibration.measures import MEASURES
from sim.calibration.report import (
    DOC_END,
    DOC_START,
    counts,
    doc_text,
    format_markdown,
    format_table,
    update_doc,
)
from sim.calibration.targets import Probe, Target, load_targets, targets_path_for

__all__ = [
    "DOC_END",
    "DOC_START",
    "HELD_OUT",
    "HELD_OUT_TITLE",
    "MEASURES",
    "Probe",
    "Report",
    "Target",
    "check",
    "counts",
    "doc_text",
    "format_markdown",
    "format_table",
    "load_targets",
    "targets_path_for",
    "update_doc",
]
