"""The ``correlations:`` block of a priors file: Spearman rank correlations between pairs of
parameters, checked (both named, neither a choice, each pair once, rho in [-1, 1]) and
assembled into a matrix that must be positive semi-definite, both as written and as the
Gaussian copula's Pearson matrix it becomes (``sim.forecast.copula``)."""

from __future__ import annotations

import difflib

import numpy as np

from sim.forecast import copula
from sim.forecast.distributions import Choice


def correlation_matrix(spec) -> tuple[np.ndarray, list[str]]:
    """The Spearman matrix over the parameters (file order) and one line per problem."""
    names = list(spec.parameters)
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    problems: list[str] = []
    seen: dict[frozenset[str], int] = {}
    for k, corr in enumerate(spec.correlations):
        where = f"correlations[{k}]"
        a, b = corr.between
        bad = False
        for name in (a, b):
            if name not in index:
                hint = difflib.get_close_matches(name, names, n=1)
                problems.append(
                    f"{where}: {name!r} has no prior under parameters"
                    + (f"; did you mean {hint[0]}?" if hint else "")
                )
                bad = True
            elif isinstance(spec.parameters[name], Choice):
                problems.append(
                    f"{where}: {name} is a choice; rank correlations need ordered "
                    "(continuous) parameters"
                )
                bad = True
        if a == b:
            problems.append(f"{where}: a parameter's correlation with itself is 1; name two")
            bad = True
        if not -1.0 <= corr.rho <= 1.0 or corr.rho != corr.rho:
            problems.append(f"{where}: rho {corr.rho:g} is outside [-1, 1]")
            bad = True
        pair = frozenset((a, b))
        if pair in seen and not bad:
            problems.append(
                f"{where}: {a} and {b} are already correlated in correlations[{seen[pair]}]"
            )
            bad = True
        seen.setdefault(pair, k)
        if not bad:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = corr.rho
    if not problems and len(spec.correlations):
        involved = sorted({n for c in spec.correlations for n in c.between})
        for label, m in (
            ("rank-correlation", matrix),
            ("copula's (Pearson 2 sin(pi rho/6))", copula.pearson_from_spearman(matrix)),
        ):
            np.fill_diagonal(m, 1.0)
            if not copula.is_psd(m):
                problems.append(
                    f"correlations: the {label} matrix is not positive semi-definite (smallest "
                    f"eigenvalue {copula.smallest_eigenvalue(m):.3g}): these correlations cannot "
                    f"all hold at once; weaken some among {', '.join(involved)}"
                )
                break
    return matrix, problems
