"""Two engines, one model: the Mesa agents and the arrays give the same run.

The agent engine (``engine="agents"``) is the readable form of the model and the oracle of
the array engine: both draw the same random numbers, so the same scenario and seed must
give every recorded output equal to 1e-9 (relative; absolute near zero).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cspsim import CSPModel, load_scenario
from cspsim.analysis.outputs import run_frame
from cspsim.inputs.catalogue import shipped_scenarios
from cspsim.model.agents import SubRegionalHub

TOL = {"rtol": 1e-9, "atol": 1e-9}


def run_both(scenario, seed: int, steps: int | None = None, **kwargs):
    """Run a scenario with each engine for ``steps`` quarters (all when None)."""
    runs = []
    for engine in ("arrays", "agents"):
        m = CSPModel(scenario, seed=seed, engine=engine, **kwargs)
        for _ in range(steps or m.sched.n_steps):
            m.step()
        runs.append(m)
    return runs


def assert_same_record(a: CSPModel, b: CSPModel, steps: int | None = None) -> None:
    """Every recorded array and the final state agree to ``TOL``."""
    n = steps or a.sched.n_steps
    for name in (
        "demand",
        "delivered",
        "team_fte",
        "spend_gbp",
        "eng_strategic",
        "eng_operational",
        "analyst",
        "coordinator",
    ):
        np.testing.assert_allclose(
            getattr(b.rec, name)[:n], getattr(a.rec, name)[:n], err_msg=name, **TOL
        )
    for name, values in a.rec.ledger.items():
        np.testing.assert_allclose(b.rec.ledger[name][:n], values[:n], err_msg=name, **TOL)
    for name in ("team_fte", "analyst", "coordinator", "ownership"):
        np.testing.assert_allclose(
            getattr(b.state, name), getattr(a.state, name), err_msg=name, **TOL
        )
    has = ~np.isnan(a.rec.eng_strategic[n - 1])
    np.testing.assert_allclose(b.state.engagement[has], a.state.engagement[has], **TOL)


def test_cleveland_whole_run_equal(cleveland):
    """Cleveland, 2009-2024: every output equal, and the output frames equal."""
    arrays, agents = run_both(cleveland, seed=3)
    assert_same_record(arrays, agents)
    pd.testing.assert_frame_equal(
        run_frame(agents, "x", 0), run_frame(arrays, "x", 0), rtol=1e-9, atol=1e-9
    )


def test_national_baseline_eight_quarters_equal(baseline, national_geo):
    """England (345 CSPs), the first 8 quarters: every output equal."""
    arrays, agents = run_both(baseline, seed=1, steps=8, geography=national_geo)
    assert_same_record(arrays, agents, steps=8)


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_engines_equal_on_every_mechanism(name, variant, cleveland):
    """Every shipped scenario (merged CSPs, 1+4 hubs, PCC bids and central commissioning,
    backbone money, funded posts, multi-year money, new-burdens money, cuts, new duties...)
    gives equal runs; national scenarios are run on Cleveland's areas to stay quick."""
    scenario = load_scenario(name)
    if len(scenario.geography.areas or []) == 0:
        scenario = variant(
            scenario, lambda raw: raw.__setitem__("geography", cleveland.model_dump()["geography"])
        )
    arrays, agents = run_both(scenario, seed=5)
    assert_same_record(arrays, agents)


def test_engines_equal_on_levers_that_change_during_a_run(cleveland, variant):
    """A PCC that moves from grants to bids and then to central commissioning, allocation
    from multi-year to annual, a grant that ends, and one council's cut with an end (a
    section 114 notice): both engines give the same run."""

    def change(raw):
        raw["pcc"]["changes"] = [
            {"date": dt.date(2016, 4, 1), "funding_model": "bids"},
            {"date": dt.date(2020, 7, 1), "funding_model": "central"},
        ]
        raw["funding"]["allocation"] = "multi_year"
        raw["funding"]["allocation_changes"] = [
            {"date": dt.date(2018, 4, 1), "allocation": "annual"}
        ]
        raw["funding"]["grants"][0]["end"] = dt.date(2011, 10, 1)
        raw["funding"]["area_cuts"] = [
            {"area": "Hartlepool", "start": dt.date(2014, 1, 1), "end": dt.date(2017, 4, 1),
             "section_114": True},
            {"area": "Middlesbrough", "start": dt.date(2019, 4, 1), "pct": 15, "years": 2},
        ]  # fmt: skip

    arrays, agents = run_both(variant(cleveland, change), seed=4)
    assert set(arrays.sched.pcc_model) == {"grant", "bids", "central"}
    assert_same_record(arrays, agents)


def test_engines_equal_with_pcc_models_by_force(variant):
    """Kent and Essex, 2009-2017: Kent's PCC invites bids from 2014, Essex's passes the fund
    on as a board from 2015 (forces named, both spellings): both engines give the same run."""

    def change(raw):
        raw["geography"] = {"areas": ["Kent", "Essex"]}
        raw["time"]["end"] = dt.date(2017, 3, 31)
        raw["pcc"]["changes"] = [
            {"date": dt.date(2014, 4, 1), "funding_model": "bids", "forces": ["Kent Police"]},
            {"date": dt.date(2015, 4, 1), "funding_model": "board", "forces": ["essex"]},
        ]

    arrays, agents = run_both(variant(load_scenario("kent"), change), seed=6)
    assert {str(m) for m in arrays.pcc_model[-1]} == {"bids", "board"}
    assert_same_record(arrays, agents)


def test_agents_hold_the_state(cleveland):
    """The agent engine's agents are the state: a council's team is its own attribute."""
    m = CSPModel(cleveland, seed=2, engine="agents")
    m.step()
    council = m.views["councils"][0]
    assert council.team_fte == m.state.team_fte[0]
    assert council.csp is not None and council in council.csp.councils
    assert all(ag.links for ag in m.agents_engine.partners)


def test_unknown_engine_is_a_clear_error(cleveland):
    """A misspelt engine names the choices."""
    with pytest.raises(ValueError, match=r"arrays.*agents"):
        CSPModel(cleveland, seed=1, engine="agent")


@pytest.mark.slow
def test_national_baseline_whole_run_equal(baseline, national_geo):
    """England 2009-2024 with the agent engine (about 7 s): the health and probation
    reorganisations hand engagement to the successor bodies exactly as the arrays do."""
    arrays, agents = run_both(baseline, seed=2, geography=national_geo)
    assert any(arrays._shocked), "the baseline should reorganise some footprints"
    assert_same_record(arrays, agents)


@pytest.mark.parametrize(
    "structure",
    [
        {"mode": "merged", "groups": "by_force"},
        {"mode": "one_plus_four", "groups": "by_force", "hub_duties": ["hate_crime"]},
    ],
)
def test_national_structures_equal(structure, baseline, variant, national_geo):
    """Merged CSPs and 1+4 hubs over England's two-tier and unitary areas, 6 quarters."""

    def change(raw):
        raw["structure"].update(structure, start=dt.date(2009, 10, 1))

    scenario = variant(baseline, change)
    arrays, agents = run_both(scenario, seed=4, steps=6, geography=national_geo)
    if structure["mode"] == "merged":
        assert len(arrays.epochs[-1].csp_names) < len(arrays.epochs[0].csp_names)
    else:
        assert any(isinstance(f, SubRegionalHub) for f in agents.agents_engine.footprints)
    assert_same_record(arrays, agents, steps=6)


def test_cli_engine_agents_writes_the_same_results(tmp_path):
    """`cspsim run cleveland --engine agents` writes the time series the arrays write."""
    frames = {}
    for engine in ("arrays", "agents"):
        out = tmp_path / engine
        cmd = ["run", "cleveland", "--replicates", "2", "--workers", "1", "--no-plots"]
        result = subprocess.run(
            [sys.executable, "-m", "cspsim", *cmd, "--quiet", "--engine", engine, "--out", out],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        frames[engine] = pd.read_parquet(out / "timeseries.parquet")
        assert json.loads((out / "manifest.json").read_text())["engine"] == engine
    pd.testing.assert_frame_equal(frames["agents"], frames["arrays"], rtol=1e-9, atol=1e-9)


def test_engines_equal_on_icb_mergers(variant):
    """The ICB mergers of April 2026 (the data's: Suffolk) and April 2027 (icb_mergers_2027:
    Birmingham and Solihull with the Black Country): dilution and the local shock are the
    same in both engines."""

    def change(raw):
        areas = ["West Midlands", "Suffolk"]
        raw["geography"] = {**raw["geography"], "kind": "areas", "areas": areas}
        raw["time"]["start"] = dt.date(2025, 4, 1)
        raw["time"]["end"] = dt.date(2028, 3, 31)

    arrays, agents = run_both(variant(load_scenario("icb_mergers_2027"), change), seed=7)
    assert sum(e.merged is not None for e in arrays.epochs) == 2
    assert_same_record(arrays, agents)
