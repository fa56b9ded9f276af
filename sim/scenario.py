"""Reading scenario files: YAML, ``base:`` inheritance, ``--set`` overrides, clear errors.

Everything a user can get wrong is reported here, at the edge, as ``ScenarioError`` holding
one line per problem; nothing deeper ever sees an unvalidated value.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.overrides import (  # noqa: F401  (re-exported: the scenario API)
    apply_override,
    apply_overrides,
    attribute,
    override_and_validate,
    parse_override,
)
from sim.params import Scenario
from sim.validation import _no_lab_to_remove, format_errors, validate  # noqa: F401
from sim.yamlio import DuplicateKeyError, TooDeepError, load_yaml_text

# ------------------------------------------------------------------ reading


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse one YAML input file (scenario, sweep, targets) into a mapping.

    The one reader of labsim's input files (``sim.yamlio.Loader``: ``yaml.safe_load`` with
    ``1.0e9`` read as a float and duplicate keys refused). Syntax errors give line and column.
    """
    path = Path(path)
    try:
        data = load_yaml_text(_read_text(path))
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
    except TooDeepError as exc:
        raise ScenarioError([f"{path}: {exc}; not a labsim input"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: YAML error: {exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{path}: expected a mapping of keys to values, got {type(data).__name__}"]
        )
    return data


MAX_INPUT_BYTES = 4 * 1024 * 1024  # a scenario is a few kB; a sweep file with values, more


def _read_text(path: Path) -> str:
    """The text of an input file: a regular file, at most ``MAX_INPUT_BYTES``, UTF-8.
    (``base: /dev/zero`` or a FIFO would otherwise be read forever.)"""
    if not path.exists():
        raise ScenarioError([f"{path}: no such file"])
    if path.is_dir():
        raise ScenarioError([f"{path}: is a directory, not a YAML file"])
    if not path.is_file():
        raise ScenarioError([f"{path}: not a regular file"])
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot be read ({exc.strerror})"]) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise ScenarioError([f"{path}: larger than {MAX_INPUT_BYTES // 2**20} MB; not an input"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not a text file"]) from None


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
