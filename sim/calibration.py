"""Calibration targets and ``labsim check``: does the simulated past look like the real one?

A targets file (``scenarios/NAME.targets.yaml``, next to its scenario) lists public figures,
each as a metric of the run's time series with a band. ``check`` runs the scenario over many
seeds and compares each metric's median across seeds with its band.

Metric kinds (``value``, ``growth_per_year``, ``doubling_time_years``) are small pure
functions of a column; users add targets by editing YAML, not code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from sim.columns import TIMESERIES_COLUMNS
from sim.params import Frozen, YearMonth, _coerce_year_month, parse_year_month
from sim.scenario import ScenarioError, format_errors, read_yaml


class Target(Frozen):
    """One public figure the simulated history should reproduce."""

    name: Annotated[str, Field(min_length=1)] = Field(description="Short identifier.")
    description: str = Field("", description="What the figure says, in words.")
    source: str = Field(description="Where the figure comes from.")
    kind: Literal["value", "growth_per_year", "doubling_time_years"] = Field(
        description="value: the column at `at`; growth_per_year: (v(to)/v(from))^(1/years); "
        "doubling_time_years: years * ln 2 / ln(v(to)/v(from))."
    )
    column: str = Field(description="A column of timeseries.csv.")
    at: YearMonth | None = Field(None, description="Month, for kind value.")
    start: YearMonth | None = Field(None, alias="from", description="First month, for rates.")
    end: YearMonth | None = Field(None, alias="to", description="Last month, for rates.")
    reference: float | None = Field(None, description="The public figure itself (for the report).")
    band: tuple[float, float] = Field(description="[low, high]: pass if the median is inside.")

    _dates = field_validator("at", "start", "end", mode="before")(_coerce_year_month)

    @field_validator("column")
    @classmethod
    def _known_column(cls, v: str) -> str:
        if v not in TIMESERIES_COLUMNS:
            import difflib

            hint = difflib.get_close_matches(v, TIMESERIES_COLUMNS, n=1)
            raise ValueError(
                f"unknown column {v!r}" + (f"; did you mean {hint[0]}?" if hint else "")
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        low, high = self.band
        if not low < high:
            raise ValueError(f"band must be [low, high] with low < high, got {list(self.band)}")
        if self.kind == "value" and self.at is None:
            raise ValueError("a value target needs `at`")
        if self.kind != "value":
            if self.start is None or self.end is None:
                raise ValueError(f"a {self.kind} target needs `from` and `to`")
            if parse_year_month(self.end) <= parse_year_month(self.start):
                raise ValueError("`to` must be after `from`")
        return self

    model_config = Frozen.model_config | {"populate_by_name": True}


class TargetsFile(Frozen):
    targets: tuple[Target, ...] = Field(min_length=1)


def targets_path_for(scenario_path: Path) -> Path:
    """``scenarios/history.yaml`` -> ``scenarios/history.targets.yaml``."""
    return scenario_path.with_name(scenario_path.stem + ".targets.yaml")


def load_targets(path: Path) -> tuple[Target, ...]:
    data = read_yaml(path)
    try:
        return TargetsFile.model_validate(data).targets
    except ValidationError as exc:
        raise ScenarioError([f"{path}: {line}" for line in format_errors(exc, data)]) from None


# ------------------------------------------------------------------ metrics


def _value_at(dates: Sequence[str], values: np.ndarray, month: str) -> float:
    try:
        i = list(dates).index(month)
    except ValueError:
        return math.nan
    return float(values[i])


def metric(target: Target, dates: Sequence[str], values: np.ndarray) -> float:
    """The target's metric on one run's column (NaN where the run does not cover it)."""
    if target.kind == "value":
        return _value_at(dates, values, target.at)
    a = _value_at(dates, values, target.start)
    b = _value_at(dates, values, target.end)
    years = parse_year_month(target.end) - parse_year_month(target.start)
    if not (a > 0 and b > 0):
        return math.nan
    if target.kind == "growth_per_year":
        return (b / a) ** (1.0 / years)
    ratio = math.log(b / a)
    return years * math.log(2) / ratio if ratio > 0 else math.inf


# -------------------------------------------------------------------- check


def check(scenario, targets: Sequence[Target], seeds: Sequence[int], progress=None) -> list[dict]:
    """Run ``scenario`` for each seed and summarise every target across seeds."""
    from sim.results import run

    values: dict[str, list[float]] = {t.name: [] for t in targets}
    for seed in seeds:
        ts = run(scenario, seed=seed).timeseries
        dates = ts["date"].tolist()
        for t in targets:
            values[t.name].append(metric(t, dates, ts[t.column].to_numpy(dtype=float)))
        if progress:
            progress()
    rows = []
    for t in targets:
        v = np.array(values[t.name], dtype=float)
        finite = v[np.isfinite(v)]
        median = float(np.median(finite)) if len(finite) else math.nan
        p10, p90 = (
            (float(np.percentile(finite, q)) for q in (10, 90))
            if len(finite)
            else (math.nan, math.nan)
        )
        low, high = t.band
        rows.append(
            {
                "target": t.name,
                "description": t.description,
                "kind": t.kind,
                "column": t.column,
                "when": t.at or f"{t.start} to {t.end}",
                "reference": t.reference,
                "band_low": low,
                "band_high": high,
                "median": median,
                "p10": p10,
                "p90": p90,
                "seeds": len(v),
                "passed": bool(low <= median <= high),
                "source": t.source,
            }
        )
    return rows


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.3g}"


def format_table(rows: list[dict]) -> str:
    """A plain-text table for the terminal."""
    header = f"{'target':<28}{'when':<20}{'band':>20}{'median':>11}{'10-90%':>22}  result"
    lines = [header, "-" * len(header)]
    for r in rows:
        band = f"[{_fmt(r['band_low'])}, {_fmt(r['band_high'])}]"
        spread = f"[{_fmt(r['p10'])}, {_fmt(r['p90'])}]"
        lines.append(
            f"{r['target']:<28}{r['when']:<20}{band:>20}{_fmt(r['median']):>11}{spread:>22}  "
            f"{'pass' if r['passed'] else 'FAIL'}"
        )
    return "\n".join(lines)


def format_markdown(rows: list[dict], title: str) -> str:
    lines = [
        f"# {title}",
        "",
        "| target | what | when | band | simulated median | 10th-90th percentile | result | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['target']} | {r['description']} | {r['when']} | [{_fmt(r['band_low'])}, {_fmt(r['band_high'])}] "
            f"| {_fmt(r['median'])} | {_fmt(r['p10'])} - {_fmt(r['p90'])} | {'pass' if r['passed'] else '**FAIL**'} "
            f"| {r['source']} |"
        )
    return "\n".join(lines) + "\n"


DOC_START = "<!-- labsim check: start -->"
DOC_END = "<!-- labsim check: end -->"


def update_doc(path: Path, rows: list[dict], title: str) -> None:
    """Replace the block between DOC_START and DOC_END in a Markdown file with the table."""
    text = path.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise ScenarioError([f"{path}: no '{DOC_START}' ... '{DOC_END}' block to fill"])
    head, rest = text.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    table = format_markdown(rows, title).split("\n", 2)[2]  # drop the '# title' line
    block = f"{DOC_START}\n{title}:\n\n{table.strip()}\n{DOC_END}"
    path.write_text(head + block + tail, encoding="utf-8")
