"""The error every input problem becomes: one human-readable line per problem."""

from __future__ import annotations


class ScenarioError(Exception):
    """Problems with a scenario; ``problems`` has one human-readable line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
