"""Shared fixtures for the cspsim test suite.

Scenarios are frozen pydantic models and the session-scoped runs are only read, never
stepped further, so sharing them across tests is safe. Variants of a scenario are built
from its resolved dict (``Scenario.model_dump``) and validated with ``scenario_from_dict``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from cspsim.inputs.geography import Geography, build_geography
from cspsim.inputs.scenario import Scenario, load_scenario, scenario_from_dict
from cspsim.model.model import CSPModel
from cspsim.paths import CONFIGS_DIR

settings.register_profile(
    "cspsim",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci-quick", deadline=None, max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cspsim"))

# Paired seeds for direction-of-effect tests (common random numbers in both arms).
BEHAVIOUR_SEEDS = tuple(range(1, 7))


@pytest.fixture(scope="session")
def configs_dir():
    """The repository's shipped ``configs/`` folder."""
    return CONFIGS_DIR


@pytest.fixture(scope="session")
def cleveland() -> Scenario:
    """The Cleveland scenario: four unitary CSPs in one force area (extends baseline)."""
    return load_scenario(CONFIGS_DIR / "cleveland.toml")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The national baseline scenario (real England: 326 councils, their CSPs changing over
    time, 2009-2024)."""
    return load_scenario(CONFIGS_DIR / "baseline.toml")


@pytest.fixture(scope="session")
def national_geo(baseline) -> Geography:
    """The baseline's real England, built once (it depends only on the scenario)."""
    return build_geography(baseline.geography)


@pytest.fixture(scope="session")
def small_run(cleveland) -> CSPModel:
    """A complete Cleveland run, seed 1, with agent views. Read it, do not step it."""
    return CSPModel(cleveland, seed=1).run()


@pytest.fixture(scope="session")
def national_run(baseline, national_geo) -> CSPModel:
    """A complete national baseline run, seed 1, with agent views. Read it, do not step it."""
    return CSPModel(baseline, seed=1, geography=national_geo).run()


def _variant(scenario: Scenario, change: Callable[[dict[str, Any]], Any] | None = None):
    raw = copy.deepcopy(scenario.model_dump())
    if change is not None:
        change(raw)
    return scenario_from_dict(raw)


@pytest.fixture(scope="session")
def variant():
    """Build a validated variant of a scenario.

    Returns:
        ``variant(scenario, change)``: ``change`` edits the scenario's resolved dict in place.
    """
    return _variant


def _share_met(m: CSPModel, steps=slice(None), duties=slice(None), areas=slice(None)) -> float:
    dem = m.rec.demand[steps][:, areas][..., duties].sum()
    return float(m.rec.delivered[steps][:, areas][..., duties].sum() / dem)


@pytest.fixture(scope="session")
def share_met():
    """Share of demand met over a run: ``share_met(model, steps=, duties=, areas=)``."""
    return _share_met


def _run_many(
    scenario: Scenario,
    seeds: Iterable[int] = BEHAVIOUR_SEEDS,
    geography: Geography | None = None,
) -> list[CSPModel]:
    geo = geography if geography is not None else build_geography(scenario.geography)
    return [CSPModel(scenario, seed=s, geography=geo, with_agents=False).run() for s in seeds]


@pytest.fixture(scope="session")
def run_many():
    """Run a scenario once per seed (no agent views): ``run_many(scenario, seeds, geography)``."""
    return _run_many


@pytest.fixture(scope="session")
def paired_means():
    """Per-seed metric for two arms: ``paired_means(a, b, metric)`` -> (values_a, values_b)."""

    def paired(
        a: Scenario,
        b: Scenario,
        metric: Callable[[CSPModel], float],
        seeds: Iterable[int] = BEHAVIOUR_SEEDS,
        geography: Geography | None = None,
    ):
        seeds = tuple(seeds)
        va = np.array([metric(m) for m in _run_many(a, seeds, geography)])
        vb = np.array([metric(m) for m in _run_many(b, seeds, geography)])
        return va, vb

    return paired


@pytest.fixture(scope="session")
def params():
    """Factory: registry defaults as ``Params``, exact survey reading (sd = 0) unless changed."""
    from cspsim.inputs.params import Params
    from cspsim.inputs.registry import defaults

    def make(**changes) -> Params:
        return Params.from_values(defaults() | {"survey_response_sd": 0.0} | changes)

    return make


@pytest.fixture(scope="session")
def hand_state():
    """Factory: a hand-built CSP-year state (``cspsim.analysis.survey.csp_year_state`` layout) with
    neutral values in every column the survey reads unless a row gives them."""
    import pandas as pd

    from cspsim.vocab import PARTNER_TYPES

    def make(rows: list[dict]) -> pd.DataFrame:
        base = {
            "replicate": 0,
            "share_met": 1.0,
            "analyst_share": 0.0,
            "team_fte": 10.0,
            "share_met__crime_disorder_asb": 1.0,
            "share_met__domestic_abuse": 1.0,
            "share_met__drugs_alcohol": 1.0,
            "share_met__reducing_reoffending": np.nan,
        }
        for p in PARTNER_TYPES:
            base[f"eng_strategic__{p}"] = 0.6
            base[f"eng_operational__{p}"] = 0.6
        return pd.DataFrame([base | r for r in rows])

    return make


@pytest.fixture
def policies_experiment(tmp_path) -> Callable[[int, int], Any]:
    """``make(N, runs_per_task)``: ``experiments/cleveland_policies.toml`` (3 policies x N
    sampled scenarios x 2 replicates, with a time series) copied to ``tmp_path`` with its
    outcomes file, at that N and runs per task; returns the file's path."""
    from cspsim.paths import REPO_DIR

    def make(N: int, runs_per_task: int) -> Any:
        text = (REPO_DIR / "experiments" / "cleveland_policies.toml").read_text()
        text = text.replace('"../configs/', f'"{CONFIGS_DIR.as_posix()}/')
        text = text.replace("N = 12", f"N = {N}\nruns_per_task = {runs_per_task}")
        (tmp_path / "outcomes.toml").write_text(
            (REPO_DIR / "experiments" / "outcomes.toml").read_text()
        )
        path = tmp_path / "policies.toml"
        path.write_text(text)
        return path

    return make
