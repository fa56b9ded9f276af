"""Drawing a forecast's worlds: points of the unit cube (scrambled Sobol, Latin hypercube or
plain random), rank-correlated by the Gaussian copula, then mapped through each parameter's
quantile function.

The draw depends only on the priors and their seed (``numpy.random.default_rng(seed)`` drives
the scrambling), never on the backend or the number of workers: the same file gives the same
``samples.parquet`` everywhere.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from typing import Any

import numpy as np

from sim.forecast.copula import correlate_uniforms
from sim.forecast.distributions import draw
from sim.forecast.priors import Priors
from sim.sweep.design import Design


def unit_points(sampler: str, n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points in [0, 1)^d, independent columns, from ``sampler``."""
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    if sampler == "sobol":
        with warnings.catch_warnings():
            # Sobol's balance is exact only for powers of two; any n is still low-discrepancy
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d, scramble=True, rng=rng).random(n)
    if sampler == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    if sampler == "random":
        return rng.random((n, d))
    raise ValueError(f"unknown sampler {sampler!r}")


def correlated_uniforms(priors: Priors, n: int | None = None) -> np.ndarray:
    """The copula's uniforms, one row per world, one column per parameter (file order)."""
    spec = priors.spec
    unit = unit_points(spec.sampler, n or spec.samples, len(priors.names), spec.seed)
    return correlate_uniforms(unit, priors.spearman)


def draw_values(priors: Priors, n: int | None = None) -> list[tuple[Any, ...]]:
    """Each world's parameter values, in ``priors.names`` order."""
    u = correlated_uniforms(priors, n)
    columns = [draw(prior, u[:, j]) for j, prior in enumerate(priors.spec.parameters.values())]
    return [tuple(row) for row in zip(*columns, strict=True)]


def make_design(priors: Priors) -> Design:
    """The forecast's design for the sweep runner: one point per world drawn."""
    values = tuple(draw_values(priors))
    return Design(f"{priors.spec.sampler} + gaussian copula", tuple(priors.names), values)


def design_digest(design: Design) -> str:
    """A fingerprint of the drawn values: a resumed forecast must continue the same draw (a
    different scipy could scramble differently)."""
    text = json.dumps([list(v) for v in design.values], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def samples_table(design: Design):
    """``samples.parquet``'s table: ``point`` then one column per parameter."""
    import pyarrow as pa

    from sim.sweep.store import parameter_type, to_column_value

    arrow = {
        "float64": pa.float64(),
        "int64": pa.int64(),
        "string": pa.string(),
        "bool": pa.bool_(),
    }
    columns: dict[str, Any] = {"point": pa.array(range(design.n_points), pa.int64())}
    for j, name in enumerate(design.names):
        kind = parameter_type(v[j] for v in design.values)
        columns[name] = pa.array(
            [to_column_value(v[j], kind) for v in design.values], type=arrow[kind]
        )
    return pa.table(columns)
