"""Reading scenario files: YAML, ``base:`` inheritance, ``--set`` overrides, clear errors.

Everything a user can get wrong is reported here, at the edge, as ``ScenarioError`` holding
one line per problem; nothing deeper ever sees an unvalidated value.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.params import EVENT_TYPES, Scenario


class ScenarioError(Exception):
    """Problems with a scenario; ``problems`` has one human-readable line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ------------------------------------------------------------------ reading


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file into a mapping, with line and column on syntax errors."""
    if not path.exists():
        raise ScenarioError([f"{path}: no such file"])
    if path.is_dir():
        raise ScenarioError([f"{path}: is a directory, not a scenario file"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
            [f"{path}: a scenario must be a mapping of keys to values, got {type(data).__name__}"]
        )
    return data


def merge_scenarios(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` onto ``base``: mappings key by key, labs by name.

    In ``labs`` an entry with a new name is added, one with a known name overrides that lab
    field by field, and ``remove: true`` drops it. Other lists are replaced whole.
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
            if lab.get("remove"):
                labs[index[name]] = None
            else:
                labs[index[name]] = merge_scenarios(labs[index[name]], lab)
        elif not (isinstance(lab, Mapping) and lab.get("remove")):
            labs.append(copy.deepcopy(lab))
    return [lab for lab in labs if lab is not None]


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
    return merge_scenarios(parent, data)


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
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``path`` (dotted; labs addressed by name: ``labs.openai.engineers``) in a copy."""
    out = copy.deepcopy(data)
    parts = path.split(".")
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = _lab_by_name(node, part, ".".join(parts[: i + 1]))
            continue
        if part not in node or node[part] is None:
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict | list):
            raise ScenarioError([f"{'.'.join(parts[: i + 1])}: is a value, cannot set {path}"])
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError([f"{path}: address a lab's field, e.g. labs.NAME.engineers"])
    node[last] = value
    return out


def _lab_by_name(labs: list[Any], name: str, where: str) -> dict[str, Any]:
    for lab in labs:
        if isinstance(lab, dict) and lab.get("name") == name:
            return lab
    if name.isdigit() and int(name) < len(labs):
        return labs[int(name)]
    names = [lab.get("name") for lab in labs if isinstance(lab, dict)]
    hint = difflib.get_close_matches(name, [n for n in names if n], n=1)
    more = f"; did you mean {hint[0]}?" if hint else f"; labs are: {', '.join(map(str, names))}"
    raise ScenarioError([f"{where}: no lab named {name!r}{more}"])


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any] | None
) -> dict[str, Any]:
    """Apply ``--set`` strings or a {path: value} mapping, collecting every problem."""
    data, problems = _apply_collecting(data, overrides)
    if problems:
        raise ScenarioError(problems)
    return data


def _apply_collecting(
    data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """Apply what applies; return the data and a line per override that did not."""
    problems: list[str] = []
    for path, value in _override_items(overrides):
        try:
            data = apply_override(data, path, value)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return data, problems


def _override_items(overrides: Iterable[str] | Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    items, problems = [], []
    for text in overrides:
        try:
            items.append(parse_override(text))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return items


# --------------------------------------------------------------- validation


def validate(data: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate a raw mapping into a ``Scenario``; every problem becomes one line."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        lines = format_errors(exc, data)
        # Cross-field checks only run once every field is valid; repeat the date check here
        # so that all problems are reported at once.
        lines += [line for line in _date_order_problems(data) if line not in lines]
        raise ScenarioError([f"{source}: {line}" for line in lines]) from None


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
    dotted paths to values. Raises ``ScenarioError`` listing every problem.
    """
    data, problems = _apply_collecting(resolve_file(path), overrides)
    try:
        scenario = validate(data, str(path))
    except ScenarioError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenario


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
