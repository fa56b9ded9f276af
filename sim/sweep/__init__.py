"""Batch parameter sweeps and sensitivity analysis (``labsim sweep``, ``labsim sensitivity``).

The parts are separate so that each can be swapped: ``spec`` reads and checks a sweep file,
``design`` turns it into design points (grid, LHS, Sobol, Morris), ``runner`` evaluates runs on
a backend (local processes or dask), ``store`` writes results in chunks and resumes, and
``metrics`` reduces one run to its row of final measures.
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
