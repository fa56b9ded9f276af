"""Validating a raw scenario mapping: labs marked ``remove: true`` dropped, then the typed
schema (``sim.params``); every problem becomes one line naming its key, with the closest known
key suggested for a typo.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.params import (
    EVENT_TYPES,
    LAB_NAME_PATTERN,
    Scenario,
    format_year_month,
    parse_year_month,
)


def _no_lab_to_remove(name: str, names: list[Any]) -> str:
    names = [str(n) for n in names if n]
    hint = difflib.get_close_matches(name, names, n=1)
    more = f"did you mean {hint[0]}?" if hint else f"labs are: {', '.join(names) or 'none'}"
    return f"labs.{name}: remove: true, but there is no lab named {name!r} to remove; {more}"


def drop_removed_labs(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``data`` without the labs marked ``remove: true``, and one line per problem.

    Removing a lab that a scheduled event names (a merger, a shock, a wake-up) is an error
    naming both, not a silently dropped event: the event without that lab is a different
    scenario, so the user decides (drop or edit the event; a file's ``events:`` replaces its
    base's list). ``remove`` must be true or false, and a removal must name a defined lab.
    """
    out = dict(data)
    labs = out.get("labs")
    if not isinstance(labs, list):
        return out, []
    problems: list[str] = []
    kept, removed = [], []
    for lab in labs:
        flag = lab.get("remove") if isinstance(lab, Mapping) else None
        if flag is None or flag is False:
            kept.append(lab)
            continue
        name = str(lab.get("name"))
        if flag is not True:
            problems.append(f"labs.{name}.remove: expected true or false (got {flag!r})")
            kept.append({**lab, "remove": False})  # pydantic would accept 1 or 'yes': say it once
        elif set(lab) <= {"name", "remove"}:
            # Nothing but a name: no base defined this lab, so there is nothing to remove.
            others = [x.get("name") for x in labs if isinstance(x, Mapping) and x is not lab]
            problems.append(_no_lab_to_remove(name, others))
        else:
            removed.append(name)
    out["labs"] = kept
    events = out.get("events")
    if removed and isinstance(events, list):
        left = []
        for event in events:
            refs = _event_lab_refs(event)
            named = [name for name in removed if name in refs]
            for name in named:
                problems.append(
                    f"labs.{name}.remove: lab {name!r} is removed, but event "
                    f"{event.get('type')} on {event.get('date')} names it; drop or change "
                    "that event too (events: in a file replaces its base's list)"
                )
            if not named:
                left.append(event)
        out["events"] = left
    return out, problems


def _event_lab_refs(event: Any) -> list[str]:
    if not isinstance(event, Mapping):
        return []
    refs = event.get("labs")
    names = [str(r) for r in refs] if isinstance(refs, list | tuple) else []
    if event.get("lab") is not None:
        names.append(str(event["lab"]))
    return names


# --------------------------------------------------------------- validation


def validate(data: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate a raw mapping into a ``Scenario`` (labs marked ``remove: true`` dropped);
    every problem becomes one line starting with ``source``."""
    scenario, lines = _validate_lines(data)
    if lines:
        raise ScenarioError([f"{source}: {line}" for line in lines])
    assert scenario is not None
    return scenario


def _validate_lines(data: Mapping[str, Any]) -> tuple[Scenario | None, list[str]]:
    """The scenario, or None and one line per problem (without a source prefix)."""
    kept, lines = drop_removed_labs(data)
    try:
        scenario = Scenario.model_validate(kept)
    except ValidationError as exc:
        errors = format_errors(exc, kept)
        # Cross-field checks only run once every field is valid; repeat the date check here
        # so that all problems are reported at once.
        errors += [line for line in _date_order_problems(kept) if line not in errors]
        return None, lines + [line for line in errors if line not in lines]
    if not lines:
        lines = scenario_problems(scenario)
    return (None if lines else scenario), lines


# ------------------------------------------------------ whole-scenario checks

MAX_HORIZON_YEARS = 100
FIRST_YEAR, LAST_YEAR = 1900, 2300
ENTRANT_NAME = re.compile(r"^entrant-\d+$")  # what the model names random entrants
# A lab's starting A: the schema's bound (1e60) leaves room for random entrants, which start
# from the public A as it has grown; a scenario's own labs start well below it.
MAX_START_EFFICIENCY = 1e30
_LAB_NAME = re.compile(LAB_NAME_PATTERN)


def scenario_problems(scenario: Scenario) -> list[str]:
    """Problems the field bounds cannot see: the horizon against the step, labs that never
    enter, events that could never act (a cap ending before it starts, a merger naming a lab
    already absorbed or not yet entered), and lab names that would collide."""
    return (
        _horizon_problems(scenario)
        + _lab_problems(scenario)
        + _event_problems(scenario)
        + _growth_problems(scenario)
    )


# ln A per year at the largest lab's starting headcount: 10 is A x 22,000 a year (2020-24:
# ~1, Ho et al. 2024). Above it A leaves float range within a few simulated decades.
MAX_ALGORITHMIC_GROWTH = 10.0


def _growth_problems(sc: Scenario) -> list[str]:
    ap = sc.mechanisms.algorithmic_progress
    if not ap.enabled:
        return []
    lab = max(sc.labs, key=lambda x: x.engineers)
    growth = ap.growth_per_year * (lab.engineers / ap.reference_engineers) ** ap.engineer_exponent
    if growth <= MAX_ALGORITHMIC_GROWTH:
        return []
    return [
        f"mechanisms.algorithmic_progress: at {lab.name}'s {lab.engineers:g} engineers, ln A "
        f"would grow {growth:.3g} a year (growth_per_year x (engineers / reference_engineers) "
        f"^ engineer_exponent); at most {MAX_ALGORITHMIC_GROWTH:g}: raise reference_engineers "
        "or lower engineer_exponent or growth_per_year"
    ]


def _months(year_month: str) -> int:
    return round(parse_year_month(year_month) * 12)


def _horizon_problems(sc: Scenario) -> list[str]:
    start, end, step = _months(sc.start), _months(sc.end), sc.step_months
    for key, value in (("start", sc.start), ("end", sc.end)):
        if not FIRST_YEAR <= _months(value) // 12 <= LAST_YEAR:
            return [f"{key}: {value} is outside the years {FIRST_YEAR}-{LAST_YEAR}"]
    span = end - start
    if span > MAX_HORIZON_YEARS * 12:
        return [
            f"end: the horizon from {sc.start} to {sc.end} is {span / 12:g} years; at most "
            f"{MAX_HORIZON_YEARS} are allowed"
        ]
    if span % step == 0:
        return []
    fits = [m for m in (start + (span // step) * step, start + (span // step + 1) * step)]
    fits = [format_year_month(m / 12) for m in fits if m > start]
    return [
        f"end ({sc.end}): {span} month(s) after start ({sc.start}) is not a whole number of "
        f"{step}-month steps; end values that fit: {' or '.join(fits)}"
    ]


def _lab_problems(sc: Scenario) -> list[str]:
    problems = []
    for lab in sc.labs:
        if ENTRANT_NAME.match(lab.name):
            problems.append(
                f"labs.{lab.name}.name: names entrant-N are given to random entrants; "
                "choose another name"
            )
        if lab.algorithmic_efficiency > MAX_START_EFFICIENCY:
            problems.append(
                f"labs.{lab.name}.algorithmic_efficiency: {lab.algorithmic_efficiency:g} is more "
                f"than a scenario's lab may start with ({MAX_START_EFFICIENCY:g})"
            )
        if lab.enter is not None and not sc.start_year <= parse_year_month(lab.enter):
            problems.append(f"labs.{lab.name}.enter: {lab.enter} is before the start ({sc.start})")
    entering = [lab for lab in sc.labs if lab.enter is None or lab.enter < sc.end]
    if not entering:
        problems.append(
            f"labs: every lab enters on or after end ({sc.end}); the run would have no labs"
        )
    return problems


def _event_problems(sc: Scenario) -> list[str]:
    """Events in the order the model applies them (by date, then file order)."""
    problems: list[str] = []
    enters = {lab.name: lab.enter or sc.start for lab in sc.labs}
    absorbed: dict[str, str] = {}  # lab name -> the merger that ended it
    names = set(enters)
    order = sorted(range(len(sc.events)), key=lambda i: _months(sc.events[i].date))
    for i in order:
        event = sc.events[i]
        where = f"events[{i}]"
        what = f"{event.type} on {event.date}"
        refs = list(getattr(event, "labs", None) or ())
        if event.type == "wake_up":
            refs.append(event.lab)
        for ref in refs:
            if ref in absorbed:
                problems.append(
                    f"{where}: {what} names {ref!r}, which the {absorbed[ref]} already ended"
                )
            elif ref in enters and enters[ref] > event.date:
                problems.append(
                    f"{where}: {what} names {ref!r}, which enters only on {enters[ref]}"
                )
        if (
            event.type == "compute_cap"
            and event.until is not None
            and _months(event.until) <= _months(event.date)
        ):
            problems.append(
                f"{where}.until: the cap would end ({event.until}) before it starts "
                f"({event.date}); give an until after the date, or none"
            )
        if event.type != "merger":
            continue
        first, second = event.labs
        if first == second:
            problems.append(
                f"{where}.labs: {what} names {first!r} twice; a lab cannot merge with itself"
            )
            continue
        into = event.into or first
        if into in names and into not in (first, second):
            problems.append(
                f"{where}.into: {into!r} is already the name of another lab; two labs would "
                "share it"
            )
        elif ENTRANT_NAME.match(into):
            problems.append(f"{where}.into: names entrant-N are given to random entrants")
        for gone in {first, second} - {into}:
            absorbed[gone] = f"merger on {event.date}"
            names.discard(gone)
        names.add(into)
    return problems


def _date_order_problems(data: Mapping[str, Any]) -> list[str]:
    from sim.params import Scenario as S
    from sim.params import parse_year_month

    start = data.get("start", S.model_fields["start"].default)
    end = data.get("end", S.model_fields["end"].default)
    try:
        if parse_year_month(str(end)) <= parse_year_month(str(start)):
            return [f"end ({end}) must be after start ({start})"]
    except ValueError:
        pass
    return []


def format_errors(exc: ValidationError, data: Mapping[str, Any]) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        path = _readable_path(loc, data)
        kind = err["type"]
        if kind == "extra_forbidden":
            hint = _closest_field(loc[:-1], str(loc[-1]))
            lines.append(f"{path}: unknown key" + (f"; did you mean {hint}?" if hint else ""))
        elif kind == "missing":
            lines.append(f"{path}: required but missing")
        elif kind == "union_tag_invalid":
            tags = err.get("ctx", {}).get("expected_tags", "")
            lines.append(
                f"{path}: unknown event type {err['input'].get('type')!r}; expected one of {tags}"
            )
        elif kind == "literal_error":
            lines.append(
                f"{path}: {err['input']!r} is not allowed; expected {err['ctx']['expected']}"
            )
        elif not loc:
            # A whole-scenario check: its message names what it is about.
            lines.append(err["msg"].removeprefix("Value error, "))
        else:
            msg = err["msg"].removeprefix("Value error, ")
            shown = err.get("input")
            suffix = (
                f" (got {shown!r})"
                if not isinstance(shown, dict | list) and kind not in ("value_error",)
                else ""
            )
            lines.append(f"{path}: {msg}{suffix}")
    return lines or [str(exc)]


def _readable_path(loc: tuple, data: Mapping[str, Any]) -> str:
    """('labs', 0, 'engineers') -> 'labs.openai.engineers' (lab names instead of indices)."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(node, list) and isinstance(item, int):
            entry = node[item] if item < len(node) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            # A name breaking the lab-name rule (a newline, markup) is shown by its index.
            readable = isinstance(name, str) and len(name) <= 64 and _LAB_NAME.fullmatch(name)
            parts.append(name if readable and parts and parts[-1] == "labs" else f"[{item}]")
            node = entry
        elif isinstance(item, str):
            if item in EVENT_TYPES and parts and parts[-1].startswith("["):
                continue  # pydantic's union tag in the location: not part of the user's path
            parts.append(item)
            node = node.get(item) if isinstance(node, dict) else None
        else:
            parts.append(f"[{item}]")
            node = None
    return ".".join(parts).replace(".[", "[") or "scenario"


def _closest_field(parent_loc: tuple, key: str) -> str | None:
    model = _model_at(parent_loc)
    if model is None:
        return None
    names = list(model.model_fields)
    match = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    if not match:
        match = [n for n in names if n.startswith(key) or key in n][:1]
    return match[0] if match else None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic class that validates the mapping found at ``loc``."""
    model: Any = Scenario
    for item in loc:
        if isinstance(item, int):
            continue  # an index into a list: the list's item class is already in hand
        if model is None:
            return None
        if item in EVENT_TYPES:
            model = EVENT_TYPES[item]
            continue
        field = model.model_fields.get(item)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """Unwrap tuple[...]/Optional[...] to the pydantic model inside, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
