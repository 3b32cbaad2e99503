"""The error every input loader raises: one line per problem, naming file and field."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
