"""Issue 12, item 8: councils' own priority for community safety drifts, so that councils do
not all shrink (or all regrow) their teams under one funding path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cspsim.inputs.scenario import load_scenario, scenario_from_dict, with_values
from cspsim.model.model import CSPModel
from cspsim.model.submodels.priority import team_priority
from cspsim.paths import CONFIGS_DIR


@pytest.fixture(scope="module")
def kent_history():
    """Kent's real councils, 2009 to 2024, one replicate."""
    raw = load_scenario(CONFIGS_DIR / "kent.toml").model_dump()
    raw["time"]["end"] = dt.date(2024, 3, 31)
    raw["run"]["replicates"] = 1
    return scenario_from_dict(raw)


@given(
    years=st.integers(1, 25),
    sd=st.floats(0.0, 0.3),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_priority_is_one_in_the_first_year_positive_and_changes_only_at_year_starts(
    years, sd, seed
):
    fy = np.repeat(np.arange(2009, 2009 + years), 4)
    p = team_priority(fy, 7, sd, np.random.default_rng(seed))
    assert p.shape == (len(fy), 7)
    assert np.all(p[:4] == 1.0) and np.all(p > 0)
    assert np.all(p[fy == fy[0]] == 1.0)
    for y in np.unique(fy):  # one value per financial year
        rows = p[fy == y]
        assert np.all(rows == rows[0])


def test_priority_without_drift_is_exactly_one():
    fy = np.repeat(np.arange(2009, 2030), 4)
    assert np.all(team_priority(fy, 50, 0.0, np.random.default_rng(3)) == 1.0)


def test_priority_keeps_the_mean_at_one():
    """The drift -sd^2/2 makes the walk mean-preserving: over many councils the mean priority
    stays near 1 while the spread grows with the years (a log-scale sd of sd * sqrt(years))."""
    fy = np.repeat(np.arange(2009, 2025), 4)
    p = team_priority(fy, 200_000, 0.2, np.random.default_rng(11))
    last = p[-1]
    assert abs(last.mean() - 1.0) < 0.01
    assert np.log(last).std() == pytest.approx(0.2 * np.sqrt(15), rel=0.02)


def test_first_year_is_the_same_with_or_without_drift(kent_history):
    """The priority's draws have their own stream: the run's first financial year, and the
    other streams' draws, do not depend on it."""
    flat = with_values(kent_history, {"council_priority_drift_sd": 0.0})
    a = CSPModel(kent_history, seed=4, with_agents=False)
    b = CSPModel(flat, seed=4, with_agents=False)
    a.run(), b.run()
    first = a.sched.fy == a.sched.fy[0]
    np.testing.assert_array_equal(a.rec.team_fte[first], b.rec.team_fte[first])
    np.testing.assert_array_equal(a.rec.delivered[first], b.rec.delivered[first])
    assert not np.array_equal(a.rec.team_fte[~first], b.rec.team_fte[~first])


def test_drift_makes_some_councils_keep_their_teams(kent_history):
    """Direction over paired seeds: with no drift every council of Kent changes its team the
    same way between 2010 and 2016 (all shrink); with more drift, teams spread out, the
    spread of the 2016/2010 ratio grows with the drift, and the mean team barely moves."""

    def ratios(sd: float, seed: int) -> np.ndarray:
        m = CSPModel(with_values(kent_history, {"council_priority_drift_sd": sd}), seed=seed,
                     with_agents=False)  # fmt: skip
        m.run()
        t10 = m.sched.quarters.index(dt.date(2010, 4, 1))
        t16 = m.sched.quarters.index(dt.date(2016, 4, 1))
        return m.rec.team_fte[t16] / m.rec.team_fte[t10]

    spread = {sd: [] for sd in (0.0, 0.1, 0.3)}
    means = {sd: [] for sd in spread}
    for seed in range(4):
        for sd in spread:
            r = ratios(sd, seed)
            spread[sd].append(np.log(r).std())
            means[sd].append(r.mean())
        assert (ratios(0.0, seed) < 0.95).all()  # no drift: all shrink
    assert np.mean(spread[0.0]) < np.mean(spread[0.1]) < np.mean(spread[0.3])
    assert abs(np.mean(means[0.3]) - np.mean(means[0.0])) < 0.15
