"""Knowledge spillovers among many labs compiled with numba: the same gains, bit for bit, as
``sim.economics.progress.spillover_log_gain`` (the documented, tested reference, plain loops);
the numpy version it replaced took ~15 us a step in ten numpy calls where this loop takes ~1
(measured, 12 labs). ``tests/test_economics.py`` checks the two agree. Compiled on first use
and cached in ``__pycache__``; imported by the spillover phase when a run has more labs than
``sim.phases.knowledge.COMPILED_ABOVE_LABS``."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def spillover_log_gain(ln_a, openness, engineers, adjacency, absorptive_half_engineers, closed):
    """Gain in ln A per lab (``progress.spillover_log_gain``), ``closed`` being the share of
    the gap closed per step (``progress.spillover_closed_share``)."""
    n = ln_a.shape[0]
    gains = np.empty(n)
    for i in range(n):
        best = 0.0  # a lab ahead of all its neighbours gains nothing
        for j in range(n):
            if adjacency[i, j] > 0:
                gap = (ln_a[j] - ln_a[i]) * openness[j]
                if gap > best:
                    best = gap
        e = engineers[i]
        gains[i] = best * e / (e + absorptive_half_engineers) * closed
    return gains
