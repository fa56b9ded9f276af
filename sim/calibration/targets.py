"""What a targets file says: probes (a number read off a run) and targets (a probe with a band,
a status and a source), loaded and checked against the scenario before anything runs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.calibration.measures import MEASURES
from sim.calibration.tables import LABEL_COLUMNS, NUMERIC_LAB_COLUMNS, known_columns
from sim.dates import _coerce_year_month, format_year_month, parse_year_month
from sim.params import Frozen, YearMonth
from sim.scenario import ScenarioError, format_errors, read_yaml

SERIES_KINDS = ("value", "growth_per_year", "doubling_time_years", "equals")
# The fields a derived measure may read; which ones each needs is in its registry entry.
MEASURE_PARAMS = ("at", "from", "to", "threshold_at", "flop")
_FIELD_OF = {"from": "start", "to": "end"}


def _hint(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"; did you mean {close[0]}?" if close else ""


class Probe(Frozen):
    """A number (or, for ``equals``, a label) read off one run: a column at a month, its growth
    or doubling time between two months, or a registered derived measure."""

    name: Annotated[str, Field(min_length=1)] = Field(description="Short identifier.")
    description: str = Field("", description="What the figure says, in words.")
    kind: Literal["value", "growth_per_year", "doubling_time_years", "equals", "measure"] = Field(
        description="value: the series at `at`; growth_per_year: (v(to)/v(from))^(1/years); "
        "doubling_time_years: years * ln 2 / ln(v(to)/v(from)); equals: the label at `at`; "
        "measure: the registered derived measure named by `measure`."
    )
    column: str | None = Field(
        None, description="A timeseries.csv column, or with `lab` a labs.csv column."
    )
    lab: str | None = Field(None, description="Read the column of this lab (labs.csv).")
    annualize: bool = Field(
        False, description="Multiply a per-step flow by 12 / step_months (USD per year)."
    )
    share_of: str | None = Field(
        None,
        description="With `lab`: the lab's share of this labs.csv column's total over labs "
        "that month (instead of `column`).",
    )
    measure: str | None = Field(None, description="For kind measure: a registered name.")
    at: YearMonth | None = Field(None, description="Month, for value, equals and some measures.")
    start: YearMonth | None = Field(None, alias="from", description="First month of a window.")
    end: YearMonth | None = Field(None, alias="to", description="Last month of a window.")
    threshold_at: YearMonth | None = Field(
        None, description="Month whose best capability on sale sets a price measure's threshold."
    )
    flop: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Training compute threshold (FLOP), for labs_with_run_at_least."
    )

    _dates = field_validator("at", "start", "end", "threshold_at", mode="before")(
        _coerce_year_month
    )

    model_config = Frozen.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _consistent(self) -> Probe:
        problems = self._measure_problems() if self.kind == "measure" else self._series_problems()
        window = not problems and self.start is not None and self.end is not None
        if window and parse_year_month(self.end) <= parse_year_month(self.start):
            problems.append("`to` must be after `from`")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _given(self, names: Sequence[str]) -> list[str]:
        return [n for n in names if getattr(self, _FIELD_OF.get(n, n)) not in (None, False)]

    def _measure_problems(self) -> list[str]:
        if self.measure is None:
            return ["a measure target needs `measure` (one of " + ", ".join(MEASURES) + ")"]
        if self.measure not in MEASURES:
            return [f"unknown measure {self.measure!r}" + _hint(self.measure, list(MEASURES))]
        needs = MEASURES[self.measure].params
        problems = [
            f"measure {self.measure} needs `{p}`" for p in needs if p not in self._given([p])
        ]
        extra = self._given(["column", "lab", "annualize", "share_of"]) + [
            p for p in self._given(MEASURE_PARAMS) if p not in needs
        ]
        problems += [f"`{p}` does not apply to measure {self.measure}" for p in extra]
        return problems

    def _series_problems(self) -> list[str]:
        problems = [
            f"`{p}` applies to kind measure only"
            for p in self._given(["measure", "threshold_at", "flop"])
        ]
        if (self.column is None) == (self.share_of is None):
            problems.append("give exactly one of `column` and `share_of`")
        if self.share_of is not None:
            if self.lab is None:
                problems.append("`share_of` needs `lab`")
            if self.annualize:
                problems.append("`annualize` does not apply to a share")
            if self.share_of not in NUMERIC_LAB_COLUMNS:
                problems.append(
                    f"share_of: {self.share_of!r} is not a numeric labs.csv column"
                    + _hint(self.share_of, NUMERIC_LAB_COLUMNS)
                )
        if self.column is not None:
            table = "labs" if self.lab is not None else "timeseries"
            if self.column not in known_columns(table):
                problems.append(
                    f"unknown {table}.csv column {self.column!r}"
                    + _hint(self.column, known_columns(table))
                )
            elif (self.kind == "equals") != (self.column in LABEL_COLUMNS[table]):
                problems.append(
                    f"column {self.column!r} holds "
                    + (
                        "numbers: use a numeric kind"
                        if self.kind == "equals"
                        else "labels: use kind equals"
                    )
                )
        if self.kind == "equals" and (self.annualize or self.share_of):
            problems.append("an equals target compares a label: no `annualize` or `share_of`")
        if self.kind in ("value", "equals"):
            problems += [] if self.at else [f"a {self.kind} target needs `at`"]
            problems += [
                f"`{p}` does not apply to kind {self.kind}" for p in self._given(["from", "to"])
            ]
        else:
            problems += [
                f"a {self.kind} target needs `{p}`" for p in ("from", "to") if not self._given([p])
            ]
            problems += [f"`at` does not apply to kind {self.kind}" for _ in self._given(["at"])]
        return problems

    @property
    def tables(self) -> tuple[str, ...]:
        """The run's tables this probe reads."""
        if self.kind == "measure":
            return MEASURES[self.measure].tables
        return ("labs",) if self.lab is not None else ("timeseries",)

    @property
    def months(self) -> tuple[str, ...]:
        """Every month the probe reads (to check them against the scenario's span)."""
        return tuple(m for m in (self.threshold_at, self.at, self.start, self.end) if m)

    @property
    def when(self) -> str:
        return self.at or f"{self.start} to {self.end}"

    @property
    def series(self) -> str:
        """What is read, in words short enough for a table cell."""
        if self.kind == "measure":
            args = [f"{p}={getattr(self, _FIELD_OF.get(p, p)):g}" for p in self._given(["flop"])]
            args += [f"threshold {self.threshold_at}"] if self.threshold_at else []
            return f"{self.measure}({', '.join(args)})" if args else self.measure
        column = f"share of {self.share_of}" if self.share_of else self.column
        text = f"{self.lab}: {column}" if self.lab else column
        return text + (", annualized" if self.annualize else "")


class Target(Probe):
    """One public figure the simulated history should reproduce."""

    source: str = Field(description="Where the figure comes from.")
    status: Literal["fitted", "by_construction", "untouched"] = Field(
        description="fitted: parameters were tuned to meet it; by_construction: an input sets "
        "it; untouched: nothing was tuned to it, so only its agreement is evidence."
    )
    reference: float | None = Field(None, description="The public figure itself (for the report).")
    band: tuple[float, float] | None = Field(
        None, description="[low, high]: pass if the median across seeds is inside."
    )
    expect: str | None = Field(
        None, description="For kind equals: pass if the modal label across seeds is this."
    )

    @model_validator(mode="after")
    def _pass_rule(self) -> Target:
        if self.kind == "equals":
            if self.expect is None or self.band is not None:
                raise ValueError("an equals target needs `expect` and no `band`")
        elif self.band is None or self.expect is not None:
            raise ValueError(f"a {self.kind} target needs `band` and no `expect`")
        elif not self.band[0] < self.band[1]:
            raise ValueError(f"band must be [low, high] with low < high, got {list(self.band)}")
        return self


def targets_path_for(scenario_path: Path) -> Path:
    """``scenarios/history.yaml`` -> ``scenarios/history.targets.yaml``."""
    return scenario_path.with_name(scenario_path.stem + ".targets.yaml")


def load_targets(path: Path) -> tuple[Target, ...]:
    """Every target of a targets file; each problem becomes one line naming its target."""
    data = read_yaml(path)
    items = data.get("targets") if isinstance(data, dict) else None
    extra = sorted(set(data) - {"targets"}) if isinstance(data, dict) else []
    if not isinstance(items, list) or not items or extra:
        detail = f"unknown key {extra[0]!r}" if extra else "needs a non-empty list `targets:`"
        raise ScenarioError([f"{path}: {detail}"])
    targets, problems = [], []
    for i, item in enumerate(items):
        label = f"target {item.get('name')!r}" if isinstance(item, dict) else f"targets[{i}]"
        try:
            targets.append(Target.model_validate(item))
        except ValidationError as exc:
            lines = format_errors(exc, item if isinstance(item, dict) else {})
            problems += [f"{path}: {label}: {line}" for line in lines]
    names = [t.name for t in targets]
    problems += [
        f"{path}: target {n!r} appears twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    if problems:
        raise ScenarioError(problems)
    return tuple(targets)


# ------------------------------------------------------------- against the scenario


def last_month(scenario) -> str:
    """The last month a run of ``scenario`` records (its end is the first month not simulated)."""
    step_years = scenario.step_months / 12
    return format_year_month(scenario.start_year + (scenario.n_steps - 1) * step_years)


def lab_names(scenario) -> set[str]:
    """Labs a run of ``scenario`` can name: its own, those made by mergers."""
    names = {lab.name for lab in scenario.labs}
    return names | {e.into for e in scenario.events if e.type == "merger" and e.into}


_ENTRANT = re.compile(r"^entrant-\d+$")  # endogenous entrants' names (sim/phases/entry_exit.py)
_LAB_VALUED_COLUMNS = ("leader", "frontier_lab")


def in_span(probe: Probe, scenario) -> bool:
    first, last = parse_year_month(scenario.start), parse_year_month(last_month(scenario))
    return all(first - 1e-9 <= parse_year_month(m) <= last + 1e-9 for m in probe.months)


def check_against(targets: Sequence[Target], scenario) -> None:
    """Raise ``ScenarioError`` (one line per problem, naming the target) for months outside the
    run and labs the scenario does not have: bad input, not failed targets."""
    first, last = scenario.start, last_month(scenario)
    known = lab_names(scenario)
    problems = []
    for t in targets:
        for m in t.months:
            if parse_year_month(m) > parse_year_month(last):
                problems.append(
                    f"target {t.name!r}: {m} is after the last month {scenario.name} records ({last})"
                )
            elif parse_year_month(m) < parse_year_month(first):
                problems.append(
                    f"target {t.name!r}: {m} is before {scenario.name} starts ({first})"
                )
        labs = [t.lab] if t.lab else []
        labs += [t.expect] if t.kind == "equals" and t.column in _LAB_VALUED_COLUMNS else []
        for lab in labs:
            if lab not in known and not _ENTRANT.match(lab):
                problems.append(
                    f"target {t.name!r}: lab {lab!r} is not in {scenario.name}" + _hint(lab, known)
                )
    if problems:
        raise ScenarioError(problems)
