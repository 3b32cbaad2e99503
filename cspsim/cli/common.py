"""What every ``cspsim`` command shares: the user-error type and scenario loading.

User errors (a bad scenario, a missing file, a bad flag) exit with status 2 and one line per
problem; nothing is written and no traceback is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario
from cspsim.paths import REPO_DIR

if TYPE_CHECKING:
    import argparse

    from cspsim.model.model import CSPModel

    # What ``ArgumentParser.add_subparsers()`` returns: each command module's add_parser
    # registers its commands on it.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


class UserError(Exception):
    """A problem the user can fix; reported without a traceback."""


def load(path: str) -> Scenario:
    """Load a scenario file; its problems become a :class:`UserError`."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def build(scenario: Scenario, path: str) -> CSPModel:
    """Build (not run) the scenario's model to surface structural errors before any run.

    The run machinery (Mesa, pandas) is imported here, not at the top, so that ``cspsim
    --help`` and the commands that do not build a model stay quick.
    """
    from cspsim.studies.runner import check_buildable

    try:
        return check_buildable(scenario, Path(path).parent)
    except ScenarioError as exc:
        raise UserError("\n".join(f"{path}: {p}" for p in exc.problems)) from None


def rel(path: str | Path) -> str:
    """``path`` relative to the repository if it lies inside it, else absolute."""
    p = Path(path).resolve()
    return str(p.relative_to(REPO_DIR)) if p.is_relative_to(REPO_DIR) else str(p)
