"""Batch parameter sweeps and sensitivity analysis (``labsim sweep``, ``labsim sensitivity``).

The parts are separate so that each can be swapped: ``spec`` reads and checks a sweep file,
``design`` turns it into design points (grid, LHS, Sobol, Morris), ``evaluate`` runs one design
point's run and ``metrics`` reduces it to its row of final measures, ``backends`` spread runs
over local processes or dask, ``store`` keeps the sweep directory (results written in chunks,
resumed after a crash), and ``runner`` drives a whole sweep through them. ``sensitivity``
analyses a finished sweep; ``cli`` holds the two commands.
"""

from __future__ import annotations

__all__ = ["load_sweep", "run_sweep"]


def load_sweep(path, overrides=None):
    """Read and check a sweep file; see :func:`sim.sweep.spec.load_sweep`."""
    from sim.sweep.spec import load_sweep as _load

    return _load(path, overrides)


def run_sweep(sweep, out, **kwargs):
    """Run (or resume) a sweep into ``out``; see :func:`sim.sweep.runner.run_sweep`."""
    from sim.sweep.runner import run_sweep as _run

    return _run(sweep, out, **kwargs)
