"""Design points: which parameter values each run gets, and its seed.

Each sampler is a function ``SweepSpec -> Design`` registered in ``SAMPLERS``; adding one is
adding a function. Sampled designs keep their matrix in SALib's space (``log10`` of the value
for ``log: true`` parameters) because that is what the sensitivity analysis needs.

Runs are numbered ``run_id = point * replications + replication``; the seed of run ``i`` is
drawn from ``numpy.random.SeedSequence(seed).spawn(n_runs)[i]`` (computed directly as
``SeedSequence(seed, spawn_key=(i,))``, which is the same stream), so it depends only on the
run's position in the design, never on the backend, the number of workers or the order of
completion.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.sweep.spec import Distribution, SweepSpec, grid_values


@dataclass(frozen=True)
class Design:
    """``values[p]`` holds the parameter values of design point ``p`` in ``names`` order.
    ``X`` is the same points in SALib space (sampled designs only); ``problem`` the SALib
    problem dict."""

    sampler: str
    names: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    X: np.ndarray | None = None
    problem: dict[str, Any] | None = None

    @property
    def n_points(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class RunTask:
    """One run to do: its id, design point, replication, seed and overrides."""

    run_id: int
    point: int
    replication: int
    seed: int
    overrides: dict[str, Any]


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    dists: list[Distribution] = list(spec.parameters.values())  # type: ignore[arg-type]
    return {
        "num_vars": len(dists),
        "names": list(spec.parameters),
        "bounds": [d.salib_bounds for d in dists],
    }


def _from_matrix(spec: SweepSpec, X: np.ndarray, sampler: str) -> Design:
    dists: list[Distribution] = list(spec.parameters.values())  # type: ignore[arg-type]
    values = tuple(
        tuple(d.from_unit(float(u)) for d, u in zip(dists, row, strict=True)) for row in X
    )
    return Design(sampler, tuple(spec.parameters), values, X, salib_problem(spec))


def grid(spec: SweepSpec) -> Design:
    """Full factorial over every listed value or range, in file order (last varies fastest)."""
    axes = [grid_values(p) for p in spec.parameters.values()]
    return Design("grid", tuple(spec.parameters), tuple(itertools.product(*axes)))


def lhs(spec: SweepSpec) -> Design:
    """Latin hypercube of ``samples`` points (scipy's qmc, scrambled, seeded by the sweep)."""
    from scipy.stats import qmc

    problem = salib_problem(spec)
    bounds = np.array(problem["bounds"], dtype=float)
    rng = np.random.default_rng(spec.seed)
    unit = qmc.LatinHypercube(d=problem["num_vars"], rng=rng).random(spec.samples or 1)
    return _from_matrix(spec, qmc.scale(unit, bounds[:, 0], bounds[:, 1]), "lhs")


def sobol(spec: SweepSpec) -> Design:
    """Saltelli's extension of Sobol sequences via SALib: N*(D+2) points, or N*(2D+2) with
    ``second_order``. SALib wants N a power of two."""
    from SALib.sample import sobol as sobol_sample

    X = sobol_sample.sample(
        salib_problem(spec),
        spec.samples or 1,
        calc_second_order=spec.second_order,
        seed=spec.seed,
    )
    return _from_matrix(spec, X, "sobol")


def morris(spec: SweepSpec) -> Design:
    """Morris trajectories via SALib: ``samples`` trajectories of D+1 points on a grid of
    ``num_levels`` levels."""
    from SALib.sample import morris as morris_sample

    X = morris_sample.sample(
        salib_problem(spec), spec.samples or 1, num_levels=spec.num_levels, seed=spec.seed
    )
    return _from_matrix(spec, X, "morris")


SAMPLERS: dict[str, Callable[[SweepSpec], Design]] = {
    "grid": grid,
    "lhs": lhs,
    "sobol": sobol,
    "morris": morris,
}


def make_design(spec: SweepSpec) -> Design:
    import warnings

    with warnings.catch_warnings():
        # SALib warns when N is not a power of two; the sweep file is the user's choice
        warnings.simplefilter("ignore", UserWarning)
        return SAMPLERS[spec.sampler](spec)


def run_seed(sweep_seed: int, run_id: int) -> int:
    """The seed of run ``run_id``: 63 bits so it fits a signed Parquet int64."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(run_id,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def n_runs(design: Design, spec: SweepSpec) -> int:
    return design.n_points * spec.replications


def tasks(design: Design, spec: SweepSpec, skip: set[int] | None = None) -> Iterator[RunTask]:
    """Every run of the design in run_id order, less those in ``skip`` (already done)."""
    reps = spec.replications
    for point, vals in enumerate(design.values):
        overrides = dict(zip(design.names, vals, strict=True))
        for rep in range(reps):
            run_id = point * reps + rep
            if skip and run_id in skip:
                continue
            yield RunTask(run_id, point, rep, run_seed(spec.seed, run_id), overrides)
