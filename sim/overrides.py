"""``--set`` overrides and mapping overrides of a raw scenario: dotted paths (labs addressed by
name), applied to a copy, each problem attributed to the override that caused it.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.params import Scenario
from sim.validation import _validate_lines
from sim.yamlio import TooDeepError, load_yaml_text


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
    except TooDeepError as exc:
        raise ScenarioError([f"--set {path}: the value is {exc}"]) from None
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
