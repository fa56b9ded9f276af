"""How many runs a sweep file asks for, computed from the file before its design is built,
and the limit that keeps a mistyped grid (1e12 points) from filling memory first."""

from __future__ import annotations

import os
from typing import Any

# The design (every point's values) is built in memory before the first run: a limit on its
# size is checked first, from the spec alone. 2 million runs is weeks on a workstation.
MAX_RUNS_ENV = "LABSIM_MAX_RUNS"
MAX_RUNS = int(os.environ.get(MAX_RUNS_ENV) or 2_000_000)


def n_runs_upper_bound(spec: Any) -> int:
    """Runs of the design of ``spec`` (a ``SweepSpec``; a grid of integer ranges may have
    fewer: rounding can merge values)."""
    d = len(spec.parameters)
    n = spec.samples or 1
    if spec.sampler == "grid":
        points = 1
        for p in spec.parameters.values():
            points *= len(p.values) if hasattr(p, "values") else p.num
    elif spec.sampler == "lhs":
        points = n
    elif spec.sampler == "sobol":
        points = n * ((2 * d + 2) if spec.second_order else (d + 2))
    else:
        points = n * (d + 1)
    return points * spec.replications
