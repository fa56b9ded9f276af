"""Scored backtests: a forecast set against a record of facts.

A record file lists facts, each a measure at a date (or averaged over a window), its value or
a band, and its source:

```yaml
name: record-2024
facts:
  - {measure: frontier_training_flop, date: 2024-12, value: 5.0e26, source: "..."}
  - {measure: labs_with_run_ge_1e25, date: 2024-12, band: [4, 8], source: "..."}
  - {measure: hhi, window: [2024-01, 2024-12], value: 3000, source: "..."}
```

A measure is a numeric column of the time series (``docs/forecast.md`` lists them) or a
derived count ``labs_with_run_ge_<FLOP>`` (labs with a finished run of at least that many
FLOP by the date). Per fact the backtest gives the forecast's median and 80% interval across
worlds (10th to 90th percentile), whether the interval covers the record (a value inside it;
a band that overlaps it), and where the record falls in the forecast's distribution (the
share of worlds below a value; the share inside a band); then the coverage rate, which a
calibrated forecaster keeps near 80%.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.columns import TIMESERIES_COLUMNS
from sim.dates import _coerce_year_month, parse_year_month
from sim.scenario import ScenarioError, read_yaml

# Time-series columns that are not numbers, or not measures of the world.
NOT_MEASURES = {"step", "date", "year", "structure", "leader", "frontier_lab"}
NUMERIC_COLUMNS = tuple(c for c in TIMESERIES_COLUMNS if c not in NOT_MEASURES)
LOWER, UPPER = 0.1, 0.9  # the 80% interval


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fact(_Strict):
    measure: str
    date: str | None = None
    window: tuple[str, str] | None = None
    value: float | None = None
    band: tuple[float, float] | None = None
    source: Annotated[str, Field(min_length=1)]

    _months = field_validator("date", mode="before")(_coerce_year_month)

    @field_validator("window", mode="before")
    @classmethod
    def _window_months(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            return tuple(_coerce_year_month(x) for x in v)
        return v

    @model_validator(mode="after")
    def _one_of_each(self) -> Fact:
        if (self.date is None) == (self.window is None):
            raise ValueError("give a date or a window [from, to], one of them")
        if (self.value is None) == (self.band is None):
            raise ValueError("give a value or a band [low, high], one of them")
        if self.band is not None and not self.band[0] <= self.band[1]:
            raise ValueError(f"band [{self.band[0]:g}, {self.band[1]:g}]: low must not exceed high")
        if self.window is not None and parse_year_month(self.window[0]) > parse_year_month(
            self.window[1]
        ):
            raise ValueError(
                f"window [{self.window[0]}, {self.window[1]}]: from must not be after to"
            )
        return self

    @property
    def when(self) -> str:
        return self.date if self.date else f"{self.window[0]}..{self.window[1]}"

    @property
    def shown(self) -> str:
        return (
            f"{self.value:.4g}"
            if self.value is not None
            else f"[{self.band[0]:.4g}, {self.band[1]:.4g}]"
        )


class RecordSpec(_Strict):
    name: str = "record"
    description: str = ""
    facts: tuple[Fact, ...] = Field(min_length=1)


@dataclass
class Record:
    spec: RecordSpec
    source: str

    @property
    def measures(self) -> list[str]:
        return list(dict.fromkeys(f.measure for f in self.spec.facts))

    def record_for(self, priors):
        """The forecast record a backtest needs: the forecast's columns plus each fact's
        measure, every month (a fact can name any month). Facts outside the scenario's span
        are refused here, before anything runs."""
        from sim.forecast.priors import ForecastRecord
        from sim.scenario import validate

        scenario = validate(priors.base_raw, "base")
        start, end = scenario.start_year, scenario.end_year
        problems = []
        for k, fact in enumerate(self.spec.facts):
            months = [fact.date] if fact.date else list(fact.window or ())
            for month in months:
                if not start <= parse_year_month(month) < end:
                    problems.append(
                        f"{self.source}: facts[{k}]: {month} lies outside the forecast "
                        f"({scenario.start} to {scenario.end})"
                    )
        if problems:
            raise ScenarioError(problems)
        columns = list(dict.fromkeys([*priors.spec.record.columns, *self.measures]))
        return ForecastRecord(columns=tuple(columns), every_steps=1)


def load_record(path: str | Path) -> Record:
    from sim.forecast.priors import DERIVED_COLUMN

    path = Path(path)
    source = str(path)
    data = read_yaml(path)
    try:
        spec = RecordSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]).replace("facts.", "facts[", 1)
            if loc.startswith("facts[") and "." in loc:
                loc = loc.replace(".", "].", 1)
            elif loc.startswith("facts["):
                loc += "]"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{source}: {loc or 'record'}: {msg}")
        raise ScenarioError(list(dict.fromkeys(lines))) from None
    problems = []
    for k, fact in enumerate(spec.facts):
        m = fact.measure
        if m in NUMERIC_COLUMNS or DERIVED_COLUMN.match(m):
            continue
        if m in NOT_MEASURES:
            problems.append(
                f"{source}: facts[{k}].measure: {m} is not a number; name a numeric measure"
            )
            continue
        hint = difflib.get_close_matches(m, [*NUMERIC_COLUMNS, "labs_with_run_ge_1e25"], n=1)
        problems.append(
            f"{source}: facts[{k}].measure: unknown measure {m!r}"
            + (f"; did you mean {hint[0]}?" if hint else "")
            + " (a numeric time-series column or labs_with_run_ge_<FLOP>)"
        )
    if problems:
        raise ScenarioError(problems)
    return Record(spec, source)


def world_values(ts, fact: Fact):
    """Per world (index run_id): the fact's measure at its date (the last recorded month at
    or before it) or averaged over its window."""
    dates = ts["date"].map({d: parse_year_month(d) for d in ts["date"].unique()})
    if fact.date:
        at = parse_year_month(fact.date)
        rows = ts[dates <= at + 1e-9].sort_values(["run_id", "step"])
        return rows.groupby("run_id")[fact.measure].last()
    lo, hi = (parse_year_month(m) for m in fact.window)
    rows = ts[(dates >= lo - 1e-9) & (dates <= hi + 1e-9)]
    return rows.groupby("run_id")[fact.measure].mean()


def score(record: Record, folder: str | Path):
    """One row per fact: the forecast's median and 80% interval, whether it covers the
    record, the record's percentile in the forecast; written to ``DIR/backtest.csv``."""
    import numpy as np
    import pandas as pd

    folder = Path(folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    ts = pd.read_parquet(folder / "timeseries.parquet")
    ts = ts[ts["run_id"].isin(runs.loc[runs["status"] == "ok", "run_id"])]
    rows = []
    for fact in record.spec.facts:
        v = world_values(ts, fact).to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if len(v):
            q10, q50, q90 = (float(x) for x in np.quantile(v, (LOWER, 0.5, UPPER)))
        else:
            q10 = q50 = q90 = math.nan
        below = in_band = math.nan
        if fact.value is not None:
            covered = bool(q10 <= fact.value <= q90)
            if len(v):
                below = float((v < fact.value).mean() + 0.5 * (v == fact.value).mean())
        else:
            lo, hi = fact.band
            covered = bool(lo <= q90 and q10 <= hi)
            if len(v):
                in_band = float(((v >= lo) & (v <= hi)).mean())
        rows.append(
            {
                "measure": fact.measure,
                "when": fact.when,
                "record": fact.shown,
                "worlds": len(v),
                "median": q50,
                "q10": q10,
                "q90": q90,
                "covered": covered,
                "record_percentile": below,
                "share_in_band": in_band,
                "source": fact.source,
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(folder / "backtest.csv", index=False)
    return table


def coverage_range(n: int, level: float = 0.9) -> tuple[int, int]:
    """How many of ``n`` facts a calibrated 80% interval covers, ``level`` of the time."""
    from scipy import stats

    tail = (1 - level) / 2
    return int(stats.binom.ppf(tail, n, 0.8)), int(stats.binom.ppf(1 - tail, n, 0.8))


def format_backtest(record: Record, table, folder) -> str:
    lines = [f"backtest against {record.spec.name} ({record.source}): {len(table)} facts"]
    width = max(len(m) for m in table["measure"])
    lines.append(
        f"  {'measure':<{width}}  {'when':<17}{'record':>20}{'median':>11}{'80% interval':>24}"
        f"{'covered':>9}  where the record falls"
    )
    for r in table.itertuples():
        interval = f"[{r.q10:.3g}, {r.q90:.3g}]"
        lines.append(
            f"  {r.measure:<{width}}  {r.when:<17}{r.record:>20}{r.median:>11.3g}{interval:>24}"
            f"{'yes' if r.covered else 'no':>9}  "
            + (
                f"{r.record_percentile:.0%} of worlds below it"
                if r.record_percentile == r.record_percentile
                else f"{r.share_in_band:.0%} of worlds inside the band"
            )
        )
    n, k = len(table), int(table["covered"].sum())
    lo, hi = coverage_range(n)
    lines.append(
        f"  coverage: {k} of {n} facts ({k / n:.0%}) inside the forecast's 80% interval; "
        f"a calibrated forecaster covers {lo}-{hi} of {n} nine times in ten"
    )
    lines.append(f"  wrote {Path(folder) / 'backtest.csv'}")
    return "\n".join(lines)
