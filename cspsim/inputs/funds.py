"""A scenario's grants: those written in it and those of its dated funds files."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cspsim.inputs.errors import ScenarioError
from cspsim.inputs.scenario import Grant, Scenario
from cspsim.inputs.series import read_funds
from cspsim.paths import CONFIGS_DIR


def scenario_grants(scenario: Scenario) -> list[Grant]:
    """The scenario's grants: those written in it, then those of its funds files.

    A relative funds file is looked for next to the scenario file, then in ``configs/``.

    Raises:
        ScenarioError: a funds file that is missing or malformed, in one line each.
    """
    grants = list(scenario.funding.grants)
    problems = []
    for name in scenario.funding.funds_files:
        candidate = Path(name)
        if not candidate.is_absolute():
            folders = [Path(scenario.source_file).parent] if scenario.source_file else []
            found = [f / candidate for f in (*folders, CONFIGS_DIR) if (f / candidate).is_file()]
            candidate = found[0] if found else CONFIGS_DIR / candidate
        try:
            grants += [Grant.model_validate(g) for g in read_funds(candidate)]
        except (ValueError, ValidationError) as exc:
            problems.append(f"funding.funds_files: {str(exc).splitlines()[0]}")
    if problems:
        raise ScenarioError(problems)
    return grants
