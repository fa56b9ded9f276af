"""The one YAML loader labsim reads every input with: scenarios, ``--set`` values, sweep
files, calibration targets (and any future input file).

It is ``yaml.safe_load`` with two changes:

- Numbers in exponent notation are floats however they are written. PyYAML follows YAML
  1.1, whose float pattern needs a dot and a signed exponent, so ``1.0e9``, ``1e9`` and
  ``.5e3`` came back as strings; pydantic then quietly coerced them in a scenario, but a sweep
  stored them as text and sorted ``1.0e10`` before ``2.0e9``. YAML 1.2 reads them as floats,
  as does every other YAML reader users meet. Integers are unchanged (``1_000`` is 1000).
- A key repeated in one mapping is an error (``DuplicateKeyError``) naming the key and both
  lines; PyYAML silently keeps the last, so a file's first value vanished without a word.
- An impossible date (``2020-02-30``) is a ``ConstructorError`` with its line, not PyYAML's
  bare ``ValueError``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError

FLOAT_TAG = "tag:yaml.org,2002:float"
MERGE_TAG = "tag:yaml.org,2002:merge"

# PyYAML's YAML 1.1 float pattern with the exponent's sign optional, a mantissa without a dot
# allowed when an exponent follows (1e9) and a sign allowed before a leading dot (-.5).
FLOAT_PATTERN = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
        |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class DuplicateKeyError(ConstructorError):
    """A key given twice in one mapping; ``key``, ``line`` and ``first_line`` (1-based)."""

    def __init__(self, key: Any, line: int, first_line: int, mark: Any):
        self.key, self.line, self.first_line = key, line, first_line
        super().__init__(
            None, None, f"duplicate key {key!r} (first given on line {first_line})", mark
        )


class Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 floats and an error on duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue  # '<<' merges and complex keys keep PyYAML's own handling
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise DuplicateKeyError(key, line, first_line[key], key_node.start_mark)
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # PyYAML raises a bare ValueError (no line) for 2020-02-30: give it the mark.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)


# The resolvers are a class attribute shared with SafeLoader: give Loader its own copy, with
# the float pattern replaced where it stood (order decides which tag a scalar gets).
Loader.yaml_implicit_resolvers = {
    first: [(tag, FLOAT_PATTERN if tag == FLOAT_TAG else regexp) for tag, regexp in resolvers]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_DEPTH = 32  # a scenario nests five deep; deeper input is a mistake or an attack


class TooDeepError(yaml.YAMLError):
    """Input nested more than ``MAX_DEPTH`` levels (PyYAML would hit RecursionError)."""

    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep")


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with ``Loader``; raises ``yaml.YAMLError`` (incl. DuplicateKeyError
    and TooDeepError)."""
    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a SafeLoader
    except RecursionError:
        raise TooDeepError() from None
    if _depth(data) > MAX_DEPTH:
        raise TooDeepError()
    return data


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level  # deep enough to refuse: stop before Python's own limit
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return level
    return max((_depth(v, level + 1) for v in items), default=level + 1)
