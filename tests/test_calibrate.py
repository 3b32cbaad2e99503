"""``cspsim calibrate``: a short calibration improves the fit, recovers a known value and writes
a valid overlay."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest

from cspsim.analysis.survey import expected_answers
from cspsim.cli.main import main
from cspsim.inputs.registry import calibrated_names, registry
from cspsim.inputs.scenario import load_scenario, with_values
from cspsim.inputs.targets import DEFAULT_TARGETS, load_targets
from cspsim.model.state import params_of
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.calibrate import Scorer, Setup, calibrate
from cspsim.studies.runner import replicate_seeds
from cspsim.studies.validate import simulate_state

CLEVELAND = CONFIGS_DIR / "cleveland.toml"


@pytest.fixture(scope="module")
def unitary_targets():
    """The 2009 tables the four unitary Cleveland CSPs can answer (T19, T6, T9 unitary)."""
    t = load_targets(DEFAULT_TARGETS)
    keep = t["table"].isin(["T19", "T6", "T9"]) & t["group"].isin(["all", "unitary"])
    return t[keep].reset_index(drop=True)


def setup_for(scenario, targets, names, replicates=1, tables=("T19", "T6", "T9")) -> Setup:
    return Setup(
        scenario=scenario,
        names=tuple(names),
        targets=targets,
        year=2009,
        seeds=tuple(replicate_seeds(scenario.run.seed, replicates)),
        tables=tables,
        base_dir=str(CONFIGS_DIR),
    )


def test_short_calibration_improves_the_fit(unitary_targets):
    """A few dozen points on Cleveland lower the distance below the starting point's."""
    start = with_values(
        load_scenario(CLEVELAND),
        {"engagement_base_police": 0.65, "survey_very_threshold": 0.88, "demand_scale": 0.7},
    )
    setup = setup_for(
        start, unitary_targets, ["engagement_base_police", "survey_very_threshold", "demand_scale"]
    )
    result = calibrate(setup, points=16, max_iterations=4, powell_evals=20, seed=3)
    assert result.distance < result.start_distance - 0.02
    assert 0 < result.settings["powell_evals"] <= 20
    assert result.start_values["engagement_base_police"] == pytest.approx(0.65)
    reg = registry()
    for name, value in result.values.items():
        assert reg[name].lower <= value <= reg[name].upper
    assert len(result.near_optimal) >= 1
    assert result.history == sorted(result.history, reverse=True)  # never gets worse


def test_calibration_recovers_a_known_threshold(params, unitary_targets):
    """Targets made by the model itself at survey_very_threshold = 0.7 are fitted back to it."""
    truth = 0.7
    scenario = with_values(load_scenario(CLEVELAND), {"survey_very_threshold": truth})
    state = simulate_state(scenario, 2009, 1, base_dir=CONFIGS_DIR)
    sim = expected_answers(state, params_of(scenario), keys=[("T19", p) for p in ("police",
                           "fire_rescue", "health", "probation", "youth_offending")])  # fmt: skip
    t = unitary_targets[(unitary_targets["table"] == "T19")].copy()
    lookup = sim.set_index(["group", "item", "response"])["value"]
    keys = list(zip(t["group"], t["item"], t["response"], strict=True))
    t = t[[k in lookup.index for k in keys]].copy()
    t["pct"] = [lookup[k] for k in zip(t["group"], t["item"], t["response"], strict=True)]
    setup = setup_for(load_scenario(CLEVELAND), t.reset_index(drop=True),
                      ["survey_very_threshold"], tables=("T19",))  # fmt: skip
    assert Scorer(setup)(setup.start())[0] > 0.01  # the default 0.75 does not fit
    result = calibrate(setup, points=8, max_iterations=30, min_step=1 / 512, seed=1)
    assert result.values["survey_very_threshold"] == pytest.approx(truth, abs=0.01)
    assert result.distance < 0.01


def test_calibrate_command_writes_a_loadable_overlay(tmp_path, capsys, unitary_targets):
    targets = tmp_path / "t.csv"
    unitary_targets.drop(columns="line").to_csv(targets, index=False)
    out = tmp_path / "cal.toml"
    args = ["calibrate", "--scenario", str(CLEVELAND), "--targets", str(targets), "--out", str(out)]
    args += ["--params", "engagement_base_police,survey_very_threshold", "--points", "8"]
    args += ["--replicates", "1", "--max-iterations", "2", "--workers", "1"]
    assert main(args) == 0
    assert "start" in capsys.readouterr().out
    text = out.read_text()
    for word in ("Fit (mean over tables", "Method: scrambled Sobol", "seed", "Near-optimal set"):
        assert word in text
    assert "`cspsim calibrate --scenario" in text and "--points 8" in text  # the command run
    with out.open("rb") as fh:
        raw = tomllib.load(fh)
    assert set(raw["parameters"]) == {"engagement_base_police", "survey_very_threshold"}
    overlay = load_scenario(out)  # an overlay is a valid scenario on its own
    assert overlay.param("survey_very_threshold") == raw["parameters"]["survey_very_threshold"]
    near = pd.read_csv(tmp_path / "cal_near_optimal.csv")
    assert list(near.columns) == ["distance", "engagement_base_police", "survey_very_threshold"]


def test_calibrate_rejects_unknown_parameters(tmp_path, capsys):
    out = tmp_path / "x.toml"
    assert main(["calibrate", "--params", "no_such", "--out", str(out), "--quiet"]) == 2
    assert "no_such" in capsys.readouterr().err
    assert not out.exists()


def test_registry_names_the_calibrated_parameters():
    names = calibrated_names()
    assert "engagement_base_probation" in names and "survey_response_sd" in names
    assert "cost_per_fte_gbp" not in names
