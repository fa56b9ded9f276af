"""PAWN sensitivity indices (Pianosi & Wagener 2015) from any sample, correlated inputs
allowed: SALib's estimator for numeric parameters, the same statistic with one conditioning
slice per value for a choice parameter (SALib's slices would drop a discrete parameter's
highest value)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def pawn_indices(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    categorical: list[bool],
    slices: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """PAWN indices of output ``y`` over the columns of ``X``: SALib's estimator for numeric
    parameters, the same statistic with one slice per value for choice parameters."""
    from SALib.analyze import pawn
    from scipy import stats

    ok = np.isfinite(y)
    X, y = X[ok], y[ok]
    rows = []
    numeric = [j for j, c in enumerate(categorical) if not c]
    if numeric:
        problem = {
            "num_vars": len(numeric),
            "names": [names[j] for j in numeric],
            "bounds": [[float(X[:, j].min()), float(X[:, j].max()) + 1e-12] for j in numeric],
        }
        si = pawn.analyze(problem, X[:, numeric], y, S=slices, seed=seed or None)
        for k, j in enumerate(numeric):
            rows.append(
                (j, float(si["median"][k]), float(si["minimum"][k]), float(si["maximum"][k]))
            )
    for j, is_cat in enumerate(categorical):
        if not is_cat:
            continue
        ks = [
            stats.ks_2samp(y[X[:, j] == level], y).statistic
            for level in np.unique(X[:, j])
            if (X[:, j] == level).sum() > 0
        ]
        rows.append((j, float(np.median(ks)), float(np.min(ks)), float(np.max(ks))))
    rows.sort()
    n = len(y)
    # KS critical value at 5% for a slice of n/slices runs against all n (two-sample)
    per_slice = max(n / slices, 1.0)
    noise = 1.358 * math.sqrt(1 / per_slice + 1 / max(n, 1))
    return pd.DataFrame(
        {
            "parameter": [names[j] for j, *_ in rows],
            "pawn_median": [r[1] for r in rows],
            "pawn_min": [r[2] for r in rows],
            "pawn_max": [r[3] for r in rows],
            "noise_level": noise,
        }
    )
