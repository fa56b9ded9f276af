"""Rank correlations between parameters, imposed with a Gaussian copula.

A forecaster states Spearman rank correlations (ρ): they do not depend on the marginals, so
"faster hardware progress comes with faster cluster growth" means the same whatever each
parameter's distribution. The copula draws correlated standard normals z = L·ε (L L' = R),
maps them to uniforms Φ(z) and then each uniform through its parameter's quantile function.
For a Gaussian copula the Pearson correlation r of the normals and the Spearman ρ of the
result are related by ρ = (6/π)·asin(r/2), so r = 2·sin(πρ/6) (Kruskal 1958).
"""

from __future__ import annotations

import numpy as np

# Uniforms are kept this far from 0 and 1 so that the normal quantile stays finite.
EPS = 1e-12


def pearson_from_spearman(rho: np.ndarray | float) -> np.ndarray:
    """The Gaussian copula's Pearson r that gives Spearman rank correlation ``rho``."""
    return 2.0 * np.sin(np.pi * np.asarray(rho, dtype=float) / 6.0)


def spearman_from_pearson(r: np.ndarray | float) -> np.ndarray:
    return 6.0 / np.pi * np.arcsin(np.asarray(r, dtype=float) / 2.0)


def smallest_eigenvalue(matrix: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(matrix).min())


def is_psd(matrix: np.ndarray, tol: float = 1e-10) -> bool:
    """Positive semi-definite, to rounding."""
    return smallest_eigenvalue(matrix) >= -tol


def square_root(matrix: np.ndarray) -> np.ndarray:
    """A matrix L with L L' = ``matrix``: Cholesky's when it is positive definite, else
    (a correlation of exactly ±1 makes it singular) from the eigendecomposition."""
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def correlate_uniforms(unit: np.ndarray, spearman: np.ndarray) -> np.ndarray:
    """Points of the unit cube (rows; independent uniform columns, e.g. scrambled Sobol)
    turned into uniforms with rank correlation ``spearman`` (a positive semi-definite
    correlation matrix, one row per column of ``unit``). Columns uncorrelated with every
    other pass through unchanged."""
    from scipy import stats

    unit = np.asarray(unit, dtype=float)
    spearman = np.asarray(spearman, dtype=float)
    if np.allclose(spearman, np.eye(len(spearman))):
        return unit.copy()
    pearson = pearson_from_spearman(spearman)
    np.fill_diagonal(pearson, 1.0)
    z = stats.norm.ppf(np.clip(unit, EPS, 1 - EPS))
    correlated = stats.norm.cdf(z @ square_root(pearson).T)
    # untouched columns keep their exact values (the transform round-trips to ~1e-16)
    alone = np.all(np.isclose(spearman - np.eye(len(spearman)), 0.0), axis=0)
    correlated[:, alone] = unit[:, alone]
    return np.clip(correlated, EPS, 1 - EPS)
