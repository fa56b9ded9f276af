"""PAWN sensitivity indices (Pianosi & Wagener 2015) from any sample, correlated inputs
allowed: SALib's estimator for numeric parameters, the same statistic with one conditioning
slice per value for a choice parameter (SALib's slices would drop a discrete parameter's
highest value)."""

from __future__ import annotations

import numpy as np
import pandas as pd

DUMMIES = 5  # random parameters with no influence, for the noise level


def pawn_indices(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    categorical: list[bool],
    slices: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """PAWN indices of output ``y`` over the columns of ``X``: SALib's estimator for numeric
    parameters, the same statistic with one slice per value for choice parameters.

    ``noise_level`` is the largest index of ``DUMMIES`` random parameters drawn independently
    of everything (seeded by ``seed``): what sampling alone produces. A parameter whose index
    does not clear it cannot be told from no influence with this many runs."""
    from SALib.analyze import pawn
    from scipy import stats

    ok = np.isfinite(y)
    X, y = X[ok], y[ok]
    dummies = np.random.default_rng(seed).random((len(y), DUMMIES))
    numeric = [j for j, c in enumerate(categorical) if not c]
    columns = np.column_stack([X[:, numeric], dummies])
    problem = {
        "num_vars": columns.shape[1],
        "names": [names[j] for j in numeric] + [f"dummy{k}" for k in range(DUMMIES)],
        "bounds": [[float(c.min()), float(c.max()) + 1e-12] for c in columns.T],
    }
    si = pawn.analyze(problem, columns, y, S=slices)
    rows = [
        (j, float(si["median"][k]), float(si["minimum"][k]), float(si["maximum"][k]))
        for k, j in enumerate(numeric)
    ]
    noise = float(np.max(si["median"][len(numeric) :]))
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
    return pd.DataFrame(
        {
            "parameter": [names[j] for j, *_ in rows],
            "pawn_median": [r[1] for r in rows],
            "pawn_min": [r[2] for r in rows],
            "pawn_max": [r[3] for r in rows],
            "noise_level": noise,
        }
    )
