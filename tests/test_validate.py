"""``cspsim validate``: distances, unsupported rows, bad targets files, the command end to end."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cspsim.analysis.outputs import run_frame
from cspsim.analysis.survey import csp_year_state
from cspsim.cli.main import main
from cspsim.inputs.scenario import load_scenario
from cspsim.inputs.targets import DEFAULT_TARGETS, TargetsError, load_targets
from cspsim.model.model import CSPModel
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.validate import (
    COLUMNS,
    block_distance,
    survey_year_scenario,
    target_blocks,
    validate_state,
)

HEADER = "table,question,group,item,response,n,pct,note\n"
T19 = "T19,partner_involvement_strategic"


def targets_file(folder: Path, body: str, name: str = "targets.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + textwrap.dedent(body).lstrip())
    return path


def test_block_distance_hand_computed(tmp_path):
    """Observed 50/50/0/0 against simulated 100/0/0/0: TVD 0.5; a share: |75 - 100| = 0.25."""
    path = targets_file(
        tmp_path,
        f"""
        {T19},all,police,very_involved,1,50,
        {T19},all,police,fairly_involved,1,50,
        {T19},all,police,not_very_involved,0,0,
        {T19},all,police,not_at_all_involved,0,0,
        T5,dedicated_analyst_in_team,unitary,teams_with_analyst,count,3,75,
        """,
    )
    blocks = {b.key: b for b in target_blocks(load_targets(path))[0]}
    sim = {"very_involved": 100.0, "fairly_involved": 0, "not_very_involved": 0}
    sim |= {"not_at_all_involved": 0}
    # Blocks are keyed by question, not table number (issue 12).
    police = blocks[("partner_involvement_strategic", "all", "police")]
    assert police.table == "T19"
    assert block_distance(police, sim) == pytest.approx(0.5)
    analyst = blocks[("dedicated_analyst_in_team", "unitary", "teams_with_analyst")]
    assert block_distance(analyst, {"count": 100.0}) == pytest.approx(0.25)


def test_validate_reports_the_known_distance_and_unsupported_rows(tmp_path, params, hand_state):
    """A hand-built state whose answers are known: TVD as computed by hand; 'dont_know' and
    an unmodelled partner are listed as unsupported, never dropped."""
    path = targets_file(
        tmp_path,
        f"""
        {T19},all,police,very_involved,60,60,
        {T19},all,police,fairly_involved,30,30,
        {T19},all,police,not_very_involved,0,0,
        {T19},all,police,not_at_all_involved,0,0,
        {T19},all,police,dont_know,10,10,
        {T19},all,drug_alcohol_action_team,very_involved,16,16,
        T77,made_up,all,thing,yes,1,100,
        """,
    )
    state = hand_state(
        [{"unit": f"u{i}", "authority_type": "unitary", "eng_strategic__police": 0.9}
         for i in range(5)]
    )  # fmt: skip
    table, fit = validate_state(state, params(), load_targets(path), seed=1, draws=20)
    assert list(table.columns) == COLUMNS
    assert len(table) == 7  # one row per target answer
    # Observed rescaled without "don't know": 2/3 very, 1/3 fairly; simulated all very.
    assert fit["items"] == [{"table": "T19", "group": "all", "item": "police", "tvd": 0.3333}]
    assert fit["mean_tvd"] == pytest.approx(0.3333)
    status = dict(zip(table["response"] + "/" + table["item"], table["status"], strict=True))
    assert status["dont_know/police"] == "unsupported"
    assert status["very_involved/drug_alcohol_action_team"] == "unsupported"
    assert status["yes/thing"] == "unsupported"
    assert status["very_involved/police"] == "compared"
    very = table[(table["item"] == "police") & (table["response"] == "very_involved")].iloc[0]
    assert very["simulated_pct"] == 100.0
    assert very["simulated_lo"] == very["simulated_hi"] == 100.0
    assert table.loc[table["status"] == "unsupported", "note"].str.len().gt(0).all()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("table,question,group,item,response,n\nT6,q,all,capacity,often,5\n", "missing column"),
        (HEADER + "T6,q,all,capacity,often,5,lots,\n", "pct 'lots' is not a number"),
        (
            HEADER + "T6,lack_of_capacity_negative_impact,wales,capacity,often,5,37,\n",
            "group 'wales' is not one of",
        ),
        (HEADER + "T6,q,all,capacity,often,5,137,\n", "not between 0 and 100"),
        (HEADER, "no target rows"),
    ],
)
def test_malformed_targets_exit_2_with_a_clear_message(tmp_path, capsys, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(TargetsError, match=message):
        load_targets(path)
    out = tmp_path / "out"
    assert main(["validate", "--targets", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and "Traceback" not in err
    assert not out.exists()


def test_shipped_targets_load():
    """The repository's copy of the 2009 tables loads; regional and chair groups are allowed
    on the tables the model does not answer."""
    t = load_targets(DEFAULT_TARGETS)
    assert len(t) == 291
    assert {"T2", "T13", "T19", "T24"} <= set(t["table"])


def test_repository_copy_matches_shared():
    shared = CONFIGS_DIR.parents[1] / "shared" / "data" / "survey_2009_calibration.csv"
    if not shared.is_file():
        pytest.skip("../shared is not beside this checkout")
    assert shared.read_bytes() == DEFAULT_TARGETS.read_bytes()


def test_cutting_the_run_at_the_survey_year_changes_nothing(cleveland):
    """The survey year read from a run cut at 31 December equals the full run's."""
    short = survey_year_scenario(cleveland, 2010)
    assert short.time.end.isoformat() == "2010-12-31"
    full = csp_year_state(run_frame(CSPModel(cleveland, seed=4).run(), "c", 0), 2010)
    cut = csp_year_state(run_frame(CSPModel(short, seed=4).run(), "c", 0), 2010)
    pd.testing.assert_frame_equal(full, cut)
    with pytest.raises(ValueError, match="outside"):
        survey_year_scenario(cleveland, 2030)


SCENARIO = """
name = "two_unitaries"
extends = "{history}"
[run]
replicates = 2
[parameters]
p_post_loss_per_quarter = 0.0
[geography]
kind = "areas"
[[geography.areas]]
name = "A"
type = "unitary"
population = 150000
force = "F"
has_analyst = true
[[geography.areas]]
name = "B"
type = "unitary"
population = 250000
force = "F"
has_analyst = true
"""


def test_validate_command_end_to_end(tmp_path, capsys):
    """Every unitary has an analyst, the target says 75%: the command reports TVD 0.25 and
    writes the table, fit, plots and manifest."""
    scen = tmp_path / "s.toml"
    scen.write_text(SCENARIO.format(history=CONFIGS_DIR / "history_2009_2024.toml"))
    path = targets_file(
        tmp_path,
        """
        T5,dedicated_analyst_in_team,unitary,teams_with_analyst,count,3,75,
        T6,lack_of_capacity_negative_impact,all,capacity,often,53,37,
        T6,lack_of_capacity_negative_impact,all,capacity,dont_know,2,1,
        """,
    )
    out = tmp_path / "val"
    args = ["validate", "--targets", str(path), "--scenario", str(scen), "--out", str(out)]
    assert main([*args, "--replicates", "2", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "Mean TVD" in printed
    fit = json.loads((out / "fit.json").read_text())
    assert fit["input_checks"] == [
        {"table": "T5", "group": "unitary", "item": "teams_with_analyst", "tvd": 0.25}
    ]
    assert fit["year"] == 2009 and fit["replicates"] == 2
    table = pd.read_csv(out / "validation.csv")
    assert len(table) == 3
    assert (table["status"] == "unsupported").sum() == 1
    manifest = json.loads((out / "manifest.json").read_text())
    for name in manifest["files"]:
        assert (out / name).is_file()
    assert "validation_T5.png" in manifest["files"]
    assert len(manifest["seeds"]) == 2


def test_validate_year_outside_the_scenario_exits_2(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["validate", "--year", "2031", "--out", str(out), "--quiet"]) == 2
    assert "--year" in capsys.readouterr().err
    assert not out.exists()


def test_validate_missing_targets_file_exits_2(tmp_path, capsys):
    assert main(["validate", "--targets", str(tmp_path / "none.csv"), "--quiet"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_baseline_loads_the_calibration_overlay():
    """The baseline takes its free parameters from configs/calibrated_2009.toml."""
    import tomllib

    with (CONFIGS_DIR / "calibrated_2009.toml").open("rb") as fh:
        overlay = tomllib.load(fh)["parameters"]
    baseline = load_scenario(CONFIGS_DIR / "baseline.toml")
    for name, value in overlay.items():
        assert baseline.param(name) == value
