"""Scenario discovery (``labsim discover``): which assumptions make an outcome happen.

Given a sweep or forecast folder and a condition on its runs (``structure_final ==
'monopoly'``, ``hhi_final >= 5000``, ``first_monopoly_year <= 2035``), PRIM (Friedman &
Fisher 1999, as used in robust decision making by Bryant & Lempert 2010; EMA Workbench's
implementation) peels the parameter space down to a box of parameter ranges in which the
condition mostly holds. Each box on the peeling trajectory trades **coverage** (the share of
the runs where the condition holds that fall in the box) against **density** (the share of
the box's runs where it holds). The chosen box (by default the one with the best balance of
the two, their harmonic mean, among the boxes whose every restriction is significant) is
reported with each parameter's restriction and the quasi-p-value of each restriction (a
one-sided binomial test of whether dropping it would make the box's density no worse; small
is significant). CART (a classification tree,
EMA Workbench over scikit-learn) is a second method: its leaves are boxes too.

The condition is evaluated with pandas' expression evaluator (``DataFrame.eval``), never
Python's ``eval``: columns, numbers, strings, comparisons, ``and``/``or``/``not``, and
arithmetic. Besides the columns of ``runs.parquet`` it can use ``first_monopoly_year`` (the
calendar year a monopoly first formed; NaN if none) and, for any recorded time-series column,
its value at the end of a year as ``COLUMN_YYYY`` (``hhi_2030``, ``structure_2035``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.io import AnalysisError

# What ``discover`` writes into DIR/discover/; removed first, so no file of an earlier
# condition survives beside the new ones.
OUTPUT_FILES = (
    "prim_trajectory.csv",
    "prim_box.csv",
    "cart_leaves.csv",
    "condition.txt",
    "prim_tradeoff.png",
    "prim_box.png",
)
YEAR_COLUMN = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*?)_(\d{4})\b")


@dataclass
class Discovery:
    folder: Path
    where: str
    n_runs: int
    n_cases: int
    parameters: list[str]
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim, n, k per box
    chosen: int
    box: pd.DataFrame  # one row per parameter: limits, restriction, quasi-p-values
    cart: pd.DataFrame | None  # one row per CART leaf
    written: list[Path] = field(default_factory=list)

    @property
    def stats(self) -> dict[str, float]:
        row = self.trajectory.loc[self.chosen]
        return {k: float(row[k]) for k in ("coverage", "density", "mass", "res_dim")}


# ------------------------------------------------------------------ the data


def _parameters(folder: Path, runs: pd.DataFrame) -> list[str]:
    import yaml

    resolved = yaml.safe_load((folder / "sweep.resolved.yaml").read_text(encoding="utf-8"))
    declared = list((resolved or {}).get("parameters") or {})
    return [p for p in declared if p in runs.columns]


def load_runs(folder: str | Path) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """The successful runs of a finished sweep or forecast folder, its parameter names, and
    its resolved spec."""
    import yaml

    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisError(f"{folder}: no such folder; run labsim sweep or labsim forecast first")
    if not (folder / "sweep.resolved.yaml").exists():
        raise AnalysisError(f"{folder}: not a sweep or forecast folder (no sweep.resolved.yaml)")
    if not (folder / "runs.parquet").exists():
        raise AnalysisError(f"{folder}: not finished; complete it with --resume")
    runs = pd.read_parquet(folder / "runs.parquet")
    resolved = yaml.safe_load((folder / "sweep.resolved.yaml").read_text(encoding="utf-8"))
    runs = runs[runs["status"] == "ok"].reset_index(drop=True)
    return runs, _parameters(folder, runs), resolved


def _first_monopoly_year(folder: Path, runs: pd.DataFrame, resolved: dict) -> pd.Series:
    from sim.forecast.outputs import first_monopoly_year, yearly
    from sim.forecast.runner import origin_year_of

    ts = pd.read_parquet(folder / "timeseries.parquet")
    per_year = yearly(ts, runs)
    first = first_monopoly_year(per_year, runs, origin_year_of(resolved))
    return runs["run_id"].map(first)


def _year_columns(folder: Path, runs: pd.DataFrame, names: set[str]) -> dict[str, pd.Series]:
    """``COLUMN_YYYY``: the recorded time series' value at the end of year YYYY."""
    from sim.forecast.outputs import yearly

    ts = pd.read_parquet(folder / "timeseries.parquet")
    per_year = yearly(ts, runs).set_index(["run_id", "year"])
    out = {}
    for name in names:
        match = re.fullmatch(r"(.+)_(\d{4})", name)
        column, year = match.group(1), int(match.group(2))
        values = per_year[column].xs(year, level="year") if column in per_year else None
        if values is None or values.empty:
            continue
        out[name] = runs["run_id"].map(values)
    return out


def condition(folder: Path, runs: pd.DataFrame, resolved: dict, where: str) -> np.ndarray:
    """Evaluate ``where`` on the runs safely (pandas' evaluator); one clear line for an
    unknown column, a syntax error, or a result that is not a condition."""
    frame = runs.copy()
    needs = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", where))
    if "first_monopoly_year" in needs:
        frame["first_monopoly_year"] = _first_monopoly_year(folder, runs, resolved)
    year_names = {f"{m.group(1)}_{m.group(2)}" for m in YEAR_COLUMN.finditer(where)}
    year_names -= set(frame.columns)
    if year_names:
        frame = frame.assign(**_year_columns(folder, runs, year_names))
    try:
        result = frame.eval(where, engine="python", local_dict={}, global_dict={})
    except pd.errors.UndefinedVariableError as exc:
        name = re.search(r"'([^']+)'", str(exc))
        name = name.group(1) if name else str(exc)
        usable = [c for c in runs.columns if c not in ("error", "traceback")]
        hint = difflib.get_close_matches(name, usable, n=1)
        raise AnalysisError(
            f"--where: unknown column {name!r}"
            + (f"; did you mean {hint[0]}?" if hint else "")
            + f". Columns: {', '.join(usable)}; also first_monopoly_year and COLUMN_YYYY "
            "(a recorded time series at a year's end, e.g. hhi_2030)"
        ) from None
    except (
        SyntaxError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        NotImplementedError,
    ) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalysisError(f"--where {where!r}: cannot evaluate: {message}") from None
    if not isinstance(result, pd.Series) or result.dtype != bool:
        raise AnalysisError(
            f"--where {where!r}: not a condition (true or false for each run); compare with "
            "==, <, >=, ..."
        )
    y = result.to_numpy(dtype=bool)
    if y.all() or not y.any():
        raise AnalysisError(
            f"--where {where!r}: holds in {'every' if y.all() else 'no'} run of {len(y)}; "
            "discovery needs runs where it holds and runs where it does not"
        )
    return y


def _inputs(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """The parameters as PRIM and CART want them: numbers as float, others as text
    categories; parameters constant over the runs are left out."""
    x = pd.DataFrame(index=runs.index)
    for name in parameters:
        col = runs[name]
        if col.nunique(dropna=False) < 2:
            continue
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            x[name] = col.astype(str).astype("category")
        else:
            x[name] = col.astype(float)
    if x.empty:
        raise AnalysisError("no parameter varies over the runs; nothing to discover")
    return x


# ------------------------------------------------------------------ PRIM and CART


def worst_quasi_p(qp: dict) -> float:
    """The largest quasi-p-value among a box's restrictions (0 for the unrestricted box)."""
    values = [v for pair in qp.values() for v in pair if v != -1]
    return max(values, default=0.0)


def choose_box(
    trajectory: pd.DataFrame, qps: list[dict] | None = None, max_qp: float = 0.05
) -> int:
    """The box with the best balance of coverage and density (their harmonic mean) among
    those whose every restriction is significant (quasi-p at most ``max_qp``; all boxes if
    none is, or without ``qps``); ties go to fewer restricted parameters, then to the
    earlier (larger) box."""
    c, d = trajectory["coverage"], trajectory["density"]
    f1 = (2 * c * d / (c + d)).round(12)
    if qps is not None:
        significant = pd.Series([worst_quasi_p(q) <= max_qp for q in qps], index=trajectory.index)
        significant.iloc[0] = True
        if significant.iloc[1:].any():
            f1 = f1.where(significant, -1.0)
    best = f1.max()
    candidates = trajectory[f1 == best]
    return int(candidates.sort_values(["res_dim"], kind="stable").index[0])


def initial_box(x: pd.DataFrame) -> pd.DataFrame:
    """The box holding every run, in EMA Workbench's layout: row 0 the lower limits, row 1
    the upper; a categorical parameter's cell holds the set of its values."""
    cells = {}
    for name in x.columns:
        col = x[name]
        if pd.api.types.is_numeric_dtype(col):
            cells[name] = [col.min(), col.max()]
        else:
            values = set(col.cat.categories if hasattr(col, "cat") else col.unique())
            cells[name] = [values, set(values)]
    return pd.DataFrame(cells)


def _box_table(x: pd.DataFrame, lims: pd.DataFrame, init: pd.DataFrame, qp: dict) -> pd.DataFrame:
    rows = []
    for name in x.columns:
        numeric = pd.api.types.is_numeric_dtype(x[name])
        if numeric:
            lo, hi = float(lims.loc[0, name]), float(lims.loc[1, name])
            lo0, hi0 = float(init.loc[0, name]), float(init.loc[1, name])
            restricted = lo > lo0 or hi < hi0
            values = ""
        else:
            kept, every = set(lims.loc[0, name]), set(init.loc[0, name])
            lo = hi = lo0 = hi0 = np.nan
            restricted = kept != every
            values = ", ".join(sorted(map(str, kept)))
        q = qp.get(name, [-1, -1])
        rows.append(
            {
                "parameter": name,
                "restricted": restricted,
                "lower": lo,
                "upper": hi,
                "values": values,
                "range_lower": lo0,
                "range_upper": hi0,
                "qp_lower": float(q[0]) if q[0] != -1 else np.nan,
                "qp_upper": float(q[1]) if q[1] != -1 else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    table["qp"] = table[["qp_lower", "qp_upper"]].min(axis=1)
    order = table.sort_values(["restricted", "qp"], ascending=[False, True], kind="stable")
    return order.reset_index(drop=True)


def _quiet_ema():
    """Import EMA Workbench quietly (it warns about optional parts it does not find)."""
    import logging
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench.analysis  # noqa: F401
    except ImportError:
        raise AnalysisError(
            "labsim discover needs EMA Workbench: pip install -e '.[forecast]' "
            "(scripts/setup.sh installs it)"
        ) from None
    warnings.filterwarnings("ignore", module="ema_workbench")
    warnings.filterwarnings("ignore", message=".*ipyparallel.*")
    logging.getLogger("EMA").setLevel(logging.ERROR)


def prim(x: pd.DataFrame, y: np.ndarray, peel_alpha: float = 0.05, mass_min: float = 0.05):
    """PRIM's peeling trajectory (coverage, density, mass, res_dim, n, k per box), its box
    limits and quasi-p-values (EMA Workbench)."""
    _quiet_ema()
    from ema_workbench.analysis import prim as ema_prim

    finder = ema_prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
    box = finder.find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]]
    trajectory = trajectory.astype({"res_dim": int, "n": int, "k": int}).reset_index(drop=True)
    return trajectory, box.box_lims, box.p_values


def cart(x: pd.DataFrame, y: np.ndarray, mass_min: float = 0.05) -> pd.DataFrame:
    """CART's leaves as boxes: coverage, density, mass and the restrictions, best balance of
    coverage and density first."""
    _quiet_ema()
    from ema_workbench.analysis import cart as ema_cart

    tree = ema_cart.CART(x, y, mass_min=mass_min)
    # scikit-learn breaks ties between equally good splits with numpy's global generator;
    # seed it for the fit so the same runs give the same tree, and leave it as it was
    state = np.random.get_state()
    try:
        np.random.seed(0)
        tree.build_tree()
    finally:
        np.random.set_state(state)
    init = initial_box(x)
    rows = []
    for k, (lims, stats) in enumerate(zip(tree.boxes, tree.stats, strict=True)):
        table = _box_table(x, lims, init, {})
        rules = [restriction(r) for r in table[table["restricted"]].itertuples()]
        rows.append(
            {
                "leaf": k,
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "res_dim": int(stats["res dim"]),
                "rules": " and ".join(rules) or "(all runs)",
            }
        )
    table = pd.DataFrame(rows)
    c, d = table["coverage"], table["density"]
    table["f1"] = 2 * c * d / (c + d).where(c + d > 0, 1.0)
    return table.sort_values(["f1", "density"], ascending=False, ignore_index=True)


# ------------------------------------------------------------------ the command


def discover(
    folder: str | Path,
    where: str,
    *,
    box: int | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_qp: float = 0.05,
    with_cart: bool = True,
    figures: bool = True,
    dpi: float | None = None,
) -> Discovery:
    """PRIM (and CART) for the runs of ``folder`` where ``where`` holds; writes CSVs and
    figures into ``folder/discover/``."""
    folder = Path(folder)
    if not 0 < peel_alpha < 0.5:
        raise AnalysisError(f"--peel-alpha {peel_alpha}: expected a share between 0 and 0.5")
    if not 0 < mass_min < 1:
        raise AnalysisError(f"--mass-min {mass_min}: expected a share between 0 and 1")
    runs, parameters, resolved = load_runs(folder)
    y = condition(folder, runs, resolved, where)
    x = _inputs(runs, parameters)
    trajectory, lims, qps = prim(x, y, peel_alpha, mass_min)
    if not 0 < max_qp <= 1:
        raise AnalysisError(f"--max-qp {max_qp}: expected a p-value between 0 and 1")
    chosen = choose_box(trajectory, qps, max_qp) if box is None else box
    if not 0 <= chosen < len(trajectory):
        raise AnalysisError(f"--box {box}: the trajectory has boxes 0 to {len(trajectory) - 1}")
    table = _box_table(x, lims[chosen], lims[0], qps[chosen])
    leaves = cart(x, y, mass_min) if with_cart else None
    result = Discovery(
        folder, where, len(runs), int(y.sum()), list(x.columns), trajectory, chosen, table, leaves
    )
    out = folder / "discover"
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    traj = trajectory.assign(chosen=trajectory.index == chosen)
    traj.index.name = "box"
    written = []
    traj.to_csv(out / "prim_trajectory.csv")
    table.to_csv(out / "prim_box.csv", index=False)
    written += [out / "prim_trajectory.csv", out / "prim_box.csv"]
    if leaves is not None:
        leaves.to_csv(out / "cart_leaves.csv", index=False)
        written.append(out / "cart_leaves.csv")
    (out / "condition.txt").write_text(where + "\n", encoding="utf-8")
    written.append(out / "condition.txt")
    if figures:
        from analysis import discover_figures as df

        written.append(df.save(df.tradeoff_figure(result), out / "prim_tradeoff.png", dpi))
        written.append(df.save(df.box_figure(result), out / "prim_box.png", dpi))
    result.written = written
    return result


def restriction(r) -> str:
    """One restriction as people write it: ``x <= 0.3``, ``0.1 <= x <= 0.3``, ``x in {a, b}``."""
    if r.values:
        return f"{r.parameter} in {{{r.values}}}"
    if r.lower > r.range_lower and r.upper < r.range_upper:
        return f"{r.lower:.4g} <= {r.parameter} <= {r.upper:.4g}"
    if r.lower > r.range_lower:
        return f"{r.parameter} >= {r.lower:.4g}"
    return f"{r.parameter} <= {r.upper:.4g}"


def format_discovery(d: Discovery) -> str:
    s = d.stats
    lines = [
        f"scenario discovery in {d.folder}: {d.n_cases} of {d.n_runs} runs "
        f"({d.n_cases / d.n_runs:.0%}) satisfy {d.where}",
        f"  PRIM: {len(d.trajectory)} boxes on the peeling trajectory; box {d.chosen}: "
        f"coverage {s['coverage']:.0%}, density {s['density']:.0%}, mass {s['mass']:.0%}, "
        f"{int(s['res_dim'])} parameters restricted",
    ]
    for r in d.box[d.box["restricted"]].itertuples():
        qp = f"quasi-p {r.qp:.2g}" if r.qp == r.qp else ""
        lines.append(
            f"    {restriction(r)}  (drawn {r.range_lower:.4g} to {r.range_upper:.4g})  {qp}"
            if not r.values
            else f"    {restriction(r)}  {qp}"
        )
    if d.cart is not None and len(d.cart):
        top = d.cart.iloc[0]
        lines.append(
            f"  CART: {len(d.cart)} leaves; best leaf: coverage {top.coverage:.0%}, density "
            f"{top.density:.0%}: {top.rules}"
        )
    lines.append(f"  wrote {d.folder / 'discover'}/ ({', '.join(p.name for p in d.written)})")
    return "\n".join(lines)
