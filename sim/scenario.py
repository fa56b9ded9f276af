"""Reading scenario files: YAML, ``base:`` inheritance, ``--set`` overrides, clear errors.

Everything a user can get wrong is reported here, at the edge, as ``ScenarioError`` holding
one line per problem; nothing deeper ever sees an unvalidated value.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.params import EVENT_TYPES, Scenario
from sim.yamlio import DuplicateKeyError, load_yaml_text


class ScenarioError(Exception):
    """Problems with a scenario; ``problems`` has one human-readable line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ------------------------------------------------------------------ reading


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse one YAML input file (scenario, sweep, targets) into a mapping.

    The one reader of labsim's input files (``sim.yamlio.Loader``: ``yaml.safe_load`` with
    ``1.0e9`` read as a float and duplicate keys refused). Syntax errors give line and column.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError([f"{path}: no such file"])
    if path.is_dir():
        raise ScenarioError([f"{path}: is a directory, not a YAML file"])
    try:
        data = load_yaml_text(path.read_text(encoding="utf-8"))
    except DuplicateKeyError as exc:
        raise ScenarioError(
            [
                f"{path}: line {exc.line}: duplicate key {exc.key!r} (first given on line "
                f"{exc.first_line}); give each key once"
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ScenarioError(
            [f"{path}: YAML syntax error at {where}: {exc.problem or exc}"]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: YAML error: {exc}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not a text file"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{path}: expected a mapping of keys to values, got {type(data).__name__}"]
        )
    return data


def merge_scenarios(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` onto ``base``: mappings key by key, labs by name.

    In ``labs`` an entry with a new name is added and one with a known name overrides that
    lab field by field; ``remove: true`` marks the lab removed (``validate`` drops it, so a
    later ``--set labs.NAME.remove=false`` can bring it back) and naming a lab the base does
    not have is an error. An entry naming a removed lab, without ``remove``, adds it afresh.
    Other lists are replaced whole.
    """
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if key == "labs" and isinstance(value, list) and isinstance(out.get("labs"), list):
            out["labs"] = _merge_labs(out["labs"], value)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_scenarios(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_labs(base: list[Any], override: list[Any]) -> list[Any]:
    labs = [copy.deepcopy(lab) for lab in base]
    index = {lab.get("name"): i for i, lab in enumerate(labs) if isinstance(lab, Mapping)}
    for lab in override:
        name = lab.get("name") if isinstance(lab, Mapping) else None
        if name in index:
            known = labs[index[name]]
            if known.get("remove") is True and "remove" not in lab:
                labs[index[name]] = copy.deepcopy(lab)  # re-added under the same name
            else:
                labs[index[name]] = merge_scenarios(known, lab)
        elif isinstance(lab, Mapping) and lab.get("remove") is True:
            raise ScenarioError([_no_lab_to_remove(str(name), list(index))])
        else:
            labs.append(copy.deepcopy(lab))
    return labs


def _no_lab_to_remove(name: str, names: list[Any]) -> str:
    names = [str(n) for n in names if n]
    hint = difflib.get_close_matches(name, names, n=1)
    more = f"did you mean {hint[0]}?" if hint else f"labs are: {', '.join(names) or 'none'}"
    return f"labs.{name}: remove: true, but there is no lab named {name!r} to remove; {more}"


def resolve_file(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read ``path`` and everything it inherits through ``base:`` (relative to the file)."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, resolved))
        raise ScenarioError([f"{path}: circular base: {cycle}"])
    data = read_yaml(path)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError([f"{path}: base: expected a file name, got {type(base).__name__}"])
    parent = resolve_file(path.parent / base, (*_chain, resolved))
    try:
        return merge_scenarios(parent, data)
    except ScenarioError as exc:
        raise ScenarioError([f"{path}: {line}" for line in exc.problems]) from None


# ---------------------------------------------------------------- overrides


def parse_override(text: str) -> tuple[str, Any]:
    """``"hardware.doubling_time_years=2.0"`` -> ("hardware.doubling_time_years", 2.0)."""
    if "=" not in text:
        raise ScenarioError([f"--set {text}: expected dotted.path=value"])
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError([f"--set {text}: empty path"])
    try:
        value = load_yaml_text(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``path`` (dotted; labs addressed by name: ``labs.openai.engineers``) in a copy.

    Problems are raised as one line starting with ``path``."""
    out = copy.deepcopy(data)
    parts = path.split(".")
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = _lab_by_name(node, part, path)
            continue
        if part not in node or node[part] is None:
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict | list):
            where = ".".join(parts[: i + 1])
            raise ScenarioError([f"{path}: {where} is a value, it has no key {parts[i + 1]!r}"])
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError([f"{path}: address a lab's field, e.g. labs.NAME.engineers"])
    node[last] = value
    return out


def _lab_by_name(labs: list[Any], name: str, path: str) -> dict[str, Any]:
    for lab in labs:
        if isinstance(lab, dict) and lab.get("name") == name:
            return lab
    if name.isdigit() and int(name) < len(labs):
        return labs[int(name)]
    names = [lab.get("name") for lab in labs if isinstance(lab, dict)]
    hint = difflib.get_close_matches(name, [n for n in names if n], n=1)
    more = f"; did you mean {hint[0]}?" if hint else f"; labs are: {', '.join(map(str, names))}"
    raise ScenarioError([f"{path}: no lab named {name!r}{more}"])


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any] | None
) -> dict[str, Any]:
    """Apply ``--set`` strings or a {path: value} mapping, collecting every problem."""
    data, problems, _ = _apply_collecting(data, overrides)
    if problems:
        raise ScenarioError(problems)
    return data


# An override's origin, for error messages: (its path as errors spell it, its label). A
# ``--set`` string is labelled by itself; a mapping (Python API, a sweep's set:) by a name.
Origin = tuple[str, str]


def _apply_collecting(
    data: dict[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] | None,
    mapping_label: str = "overrides",
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[str], list[Origin]]:
    """Apply what applies; return the data, a line per override that did not, and where
    each override came from (see ``attribute``): ``labels[path]`` if given, else the
    ``--set`` text, else ``mapping_label``."""
    problems: list[str] = []
    origins: list[Origin] = []
    for path, value, text in _override_items(overrides):
        try:
            data = apply_override(data, path, value)
        except ScenarioError as exc:
            problems.extend(exc.problems)
        label = (labels or {}).get(path) or (f"--set {text}" if text is not None else mapping_label)
        origins.append((_readable_override_path(data, path), label))
    return data, problems, origins


def override_and_validate(
    data: dict[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] | None,
    source: str,
    mapping_label: str = "overrides",
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Scenario]:
    """Apply ``overrides`` to raw scenario ``data`` and validate the result.

    Returns the raw data (labs marked removed still in it) and the ``Scenario``. Raises
    ``ScenarioError`` listing every problem, each attributed to where its value came from
    (``attribute``): the ``--set`` that gave it, ``labels[path]``, ``mapping_label`` for
    mapping entries, or else ``source`` (the file)."""
    data, problems, origins = _apply_collecting(data, overrides, mapping_label, labels)
    scenario, lines = _validate_lines(data)
    problems += [line for line in lines if line not in problems]
    if problems:
        raise ScenarioError(attribute(problems, origins, source))
    assert scenario is not None
    return data, scenario


def _override_items(
    overrides: Iterable[str] | Mapping[str, Any] | None,
) -> list[tuple[str, Any, str | None]]:
    """(path, value, the --set text or None for a mapping entry) for each override."""
    if not overrides:
        return []
    if isinstance(overrides, Mapping):
        return [(str(path), value, None) for path, value in overrides.items()]
    items, problems = [], []
    for text in overrides:
        try:
            items.append((*parse_override(text), text))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return items


def _readable_override_path(data: Mapping[str, Any], path: str) -> str:
    """``labs.0.engineers`` -> ``labs.openai.engineers``: the path as errors spell it."""
    parts = path.split(".")
    labs = data.get("labs")
    if len(parts) > 1 and parts[0] == "labs" and parts[1].isdigit() and isinstance(labs, list):
        i = int(parts[1])
        if i < len(labs) and isinstance(labs[i], Mapping) and labs[i].get("name"):
            parts[1] = str(labs[i]["name"])
    return ".".join(parts)


_LEADING_PATH = re.compile(r"^([A-Za-z0-9_.\-\[\]]+): (.*)$", re.S)


def attribute(lines: Iterable[str], origins: Iterable[Origin], source: str) -> list[str]:
    """Prefix each problem with where it came from: the override that set the value it is
    about (``--set labs.openai.enginers=3: unknown key; ...``), else ``source`` (the file).

    A problem is about an override when its path is the override's path or lies under it;
    the most specific (then latest) override wins. A ``--set`` label already spells the
    path, so it replaces the path when the two are the same."""
    origins = list(origins)
    out = []
    for line in lines:
        match = _LEADING_PATH.match(line)
        where = match.group(1) if match else None
        found = [
            (len(path), i, (path, label))
            for i, (path, label) in enumerate(origins)
            if where is not None and (where == path or where.startswith((path + ".", path + "[")))
        ]
        best = max(found)[2] if found else None
        if best is None:
            out.append(f"{source}: {line}")
        elif best[1].startswith("--set ") and where == best[0]:
            out.append(f"{best[1]}: {match.group(2)}")
        else:
            out.append(f"{best[1]}: {line}")
    return out


# ------------------------------------------------------------------- removal


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
    return (None if lines else scenario), lines


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
            parts.append(str(name) if name and parts and parts[-1] == "labs" else f"[{item}]")
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


# ---------------------------------------------------------------- front door


def load_scenario(
    path: str | Path, overrides: Iterable[str] | Mapping[str, Any] | None = None
) -> Scenario:
    """Read, inherit, override and validate a scenario file.

    ``overrides`` are ``--set`` strings (``"labs.openai.engineers=300"``) or a mapping of
    dotted paths to values. Raises ``ScenarioError`` listing every problem, each attributed
    to where the value came from: the ``--set`` that gave it, or the file.
    """
    return override_and_validate(resolve_file(path), overrides, str(path))[1]


def scenario_from_dict(
    data: Mapping[str, Any], overrides: Iterable[str] | Mapping[str, Any] | None = None
) -> Scenario:
    """Validate an in-memory scenario mapping (``base:`` is not allowed here)."""
    data = dict(data)
    if "base" in data:
        raise ScenarioError(["base: only scenario files can inherit (use load_scenario)"])
    return validate(apply_overrides(data, overrides))


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Every value the scenario uses, as plain YAML-able data (``scenario.resolved.yaml``)."""
    data = scenario.model_dump(mode="json", exclude={"labs": {"__all__": {"remove"}}})
    return data


def dump_yaml(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False, width=100)
