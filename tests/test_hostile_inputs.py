"""Hostile inputs: absurd, non-finite, malformed or unreadable inputs are user errors.

Each is refused with exit status 2 and one line per problem naming the file and the field,
and nothing is written (see "Input validation" in the README).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cspsim.cli.main import main
from cspsim.inputs.scenario import ScenarioError, load_scenario
from cspsim.inputs.targets import DEFAULT_TARGETS, MAX_RESPONDENTS, TargetsError, load_targets

TARGETS_TEXT = DEFAULT_TARGETS.read_text(encoding="utf-8")


def _targets_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TARGETS_TEXT
    path = tmp_path / "targets.csv"
    path.write_text(TARGETS_TEXT.replace(old, new, 1))
    return path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], out: Path) -> str:
    """Run the command line: it must exit 2, write nothing at ``out``, and print no traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert not out.exists()
    return err


# --- targets CSV -------------------------------------------------------------------------

T9_ROW = "T9,confidence_capacity_next_12_months,london_borough,capacity,fairly_confident,13,88,"


@pytest.mark.parametrize(
    ("n", "why"),
    [("-3", "whole number"), ("13.5", "whole number"), ("1e9", f"{MAX_RESPONDENTS:,}")],
)
def test_targets_bad_n_is_refused(tmp_path, n, why):
    path = _targets_with(tmp_path, T9_ROW, T9_ROW.replace(",13,88,", f",{n},88,"))
    with pytest.raises(TargetsError) as exc:
        load_targets(path)
    (line,) = exc.value.problems
    assert line.startswith(f"{path}: line 57: n {n} ")
    assert why in line and "0 to 100,000" in line


def test_targets_negative_mean_is_refused(tmp_path):
    row = "T4,community_safety_team_size,unitary,mean_staff,value,28.2,,"
    path = _targets_with(tmp_path, row, row.replace("28.2", "-28.2"))
    with pytest.raises(TargetsError, match=r"line 24: n -28.2 \(a mean\) must be 0 or more"):
        load_targets(path)


def test_targets_all_zero_respondent_mix_is_refused(tmp_path):
    text = TARGETS_TEXT
    for group, n in (("district_borough", 99), ("unitary", 24), ("london_borough", 15)):
        text = text.replace(f"{group},respondents,count,{n},", f"{group},respondents,count,0,")
    text = text.replace("metropolitan,respondents,count,4,", "metropolitan,respondents,count,0,")
    path = tmp_path / "targets.csv"
    path.write_text(text)
    with pytest.raises(TargetsError, match=r"T1 respondents \(n\) add to 0"):
        load_targets(path)


def test_targets_block_adding_to_more_than_100_is_refused(tmp_path):
    path = _targets_with(tmp_path, T9_ROW, T9_ROW.replace(",13,88,", ",13,98,"))
    with pytest.raises(TargetsError) as exc:
        load_targets(path)
    (line,) = exc.value.problems
    assert "confidence_capacity_next_12_months/london_borough/capacity add to 112" in line
    assert "at most 102.5" in line and "lines 56, 57, 58, 59, 60" in line


def test_shipped_targets_still_load():
    """The shipped file (blocks that add to 92..102 as published) is unchanged and valid."""
    assert len(load_targets()) == 291


@pytest.mark.parametrize("command", ["validate", "calibrate"])
def test_bad_targets_exit_2_and_write_nothing(tmp_path, capsys, command):
    path = _targets_with(tmp_path, T9_ROW, T9_ROW.replace(",13,88,", ",-1,88,"))
    out = tmp_path / ("out" if command == "validate" else "overlay.toml")
    err = _refused([command, "--targets", str(path), "--out", str(out)], capsys, out)
    assert err.strip() == (
        f"{path}: line 57: n -1 must be a whole number of respondents from 0 to 100,000"
    )


# --- scenarios ---------------------------------------------------------------------------

AREA = """
name = "hostile"
[geography]
kind = "areas"
[[geography.areas]]
name = "Somewhere"
type = "unitary"
force = "Cleveland"
population = {population}
"""


def _scenario(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("population", ["inf", "nan", "1e300", "2.5e7"])
def test_non_finite_or_absurd_population_is_refused(tmp_path, population):
    path = _scenario(tmp_path, AREA.format(population=population))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    (line,) = exc.value.problems
    assert line.startswith(f"{path}: geography.areas.0.population: ")
    assert "must be more than 0 to 20,000,000" in line and "sanity bound" in line


@pytest.mark.parametrize(
    ("funding", "where", "why"),
    [
        (
            '[[funding.grants]]\nname = "g"\ngbp_per_year = { 2010 = inf }',
            "funding.grants.0.gbp_per_year.2010",
            "must be 0 to 100,000,000,000 (GBP a year; a sanity bound)",
        ),
        (
            '[[funding.grants]]\nname = "g"\ngbp_per_year = { 2010 = 1e12 }',
            "funding.grants.0.gbp_per_year.2010",
            "must be 0 to 100,000,000,000",
        ),
        ("[funding.index]\ncouncil = { 2010 = 1e300 }", "funding.index.council.2010", "10,000"),
        (
            "[funding.index]\ncouncil = { 1990 = 100 }",
            "funding.index.council.1990",
            "year 1990 is out of range: must be 1998 to 2050",
        ),
        (
            '[[funding.grants]]\nname = "g"\ngbp_per_year = { 2051 = 1 }',
            "funding.grants.0.gbp_per_year.2051",
            "year 2051 is out of range: must be 1998 to 2050",
        ),
        ("[levers]\nbackbone_gbp_per_year = inf", "levers.backbone_gbp_per_year", "sanity"),
        (
            "[parameters]\ncouncil_fte_cv = nan",
            "parameters.council_fte_cv",
            "must be between 0.2 and 1",
        ),
    ],
)
def test_funding_out_of_range_is_refused(tmp_path, funding, where, why):
    path = _scenario(tmp_path, f'extends = "baseline.toml"\n{funding}\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    (line,) = exc.value.problems
    assert line.startswith(f"{path}: {where}: ") and why in line


@pytest.mark.parametrize(
    ("time", "why"),
    [
        ("start = 2008-04-01", "before the model's first supported start, 2009-04-01"),
        ("end = 2051-03-31", "after the model's last supported end, 2050-12-31"),
    ],
)
def test_dates_outside_the_supported_period_are_refused(tmp_path, time, why):
    path = _scenario(tmp_path, f'extends = "baseline.toml"\n[time]\n{time}\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    (line,) = exc.value.problems
    assert line.startswith(f"{path}: time.") and why in line


def test_empty_scenario_is_refused(tmp_path):
    path = _scenario(tmp_path, "# nothing here\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.problems == [f"{path}: empty scenario: give at least `name` or `extends`"]
    # extends alone is a scenario (named after its file)
    ok = _scenario(tmp_path, 'extends = "baseline.toml"\n', "only_extends.toml")
    assert load_scenario(ok).name == "only_extends"


@pytest.mark.parametrize("command", ["check", "run"])
def test_check_and_run_refuse_bad_scenarios(tmp_path, capsys, command):
    path = _scenario(tmp_path, AREA.format(population="inf"))
    out = tmp_path / "out"
    argv = [command, str(path)] + (["--out", str(out), "--quiet"] if command == "run" else [])
    err = _refused(argv, capsys, out)
    assert err.strip() == (
        f"{path}: geography.areas.0.population: inf is out of range: must be more than 0 to "
        "20,000,000 (people; a sanity bound for one council area)"
    )


# --- files -------------------------------------------------------------------------------

EXPERIMENT = Path(__file__).resolve().parents[1] / "experiments" / "cleveland_tiny.toml"


def test_byte_order_mark_is_accepted_in_scenarios_and_experiments(tmp_path, capsys):
    scenario = tmp_path / "bom.toml"
    scenario.write_text('\ufeffname = "bom"\nextends = "cleveland.toml"\n', encoding="utf-8")
    assert load_scenario(scenario).name == "bom"
    experiment = tmp_path / "exp.toml"
    text = EXPERIMENT.read_text(encoding="utf-8")
    cleveland = EXPERIMENT.parents[1] / "configs" / "cleveland.toml"
    assert 'scenario = "../configs/cleveland.toml"' in text
    text = text.replace('scenario = "../configs/cleveland.toml"', f'scenario = "{cleveland}"')
    experiment.write_text("\ufeff" + text, encoding="utf-8")
    from cspsim.studies.sensitivity.experiment import is_experiment_file, load_experiment

    assert is_experiment_file(experiment)
    assert load_experiment(EXPERIMENT).spec.N == load_experiment(experiment).spec.N


@pytest.mark.parametrize(
    "data",
    [
        b'name = "caf\xe9"\n',
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xfe" + "a".encode("utf-16-le"),
    ],
)
def test_non_utf8_files_are_refused(tmp_path, capsys, data):
    scenario = tmp_path / "latin1.toml"
    scenario.write_bytes(data)
    err = _refused(["check", str(scenario)], capsys, tmp_path / "none")
    assert err.strip() == f"{scenario}: not UTF-8 text"
    err = _refused(["run", str(scenario), "--out", str(tmp_path / "o")], capsys, tmp_path / "o")
    assert err.strip() == f"{scenario}: not UTF-8 text"
    targets = tmp_path / "targets.csv"
    targets.write_bytes(data)
    out = tmp_path / "v"
    err = _refused(["validate", "--targets", str(targets), "--out", str(out)], capsys, out)
    assert err.strip() == f"{targets}: not UTF-8 text"
    err = _refused(["sensitivity", str(scenario), "--out", str(out)], capsys, out)
    assert err.strip() == f"{scenario}: not UTF-8 text"


def test_directories_are_refused_as_directories(tmp_path, capsys):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    out = tmp_path / "out"
    for argv in (
        ["check", str(folder)],
        ["run", str(folder), "--out", str(out)],
        ["validate", "--targets", str(folder), "--out", str(out)],
        ["sensitivity", str(folder), "--out", str(out)],
    ):
        err = _refused(argv, capsys, out)
        assert err.strip() == f"{folder}: is a directory", argv
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(folder)


# --- limits ------------------------------------------------------------------------------

CLEVELAND = str(EXPERIMENT.parents[1] / "configs" / "cleveland.toml")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", CLEVELAND, "--replicates", "10001"],
        ["compare", CLEVELAND, CLEVELAND, "--replicates", "10001"],
        ["compare", CLEVELAND, CLEVELAND, "--max-replicates", "1000000"],
        ["validate", "--replicates", "10001"],
        ["calibrate", "--replicates", "10001"],
    ],
)
def test_replicates_above_the_cap_are_refused(tmp_path, capsys, argv):
    out = tmp_path / "out"
    err = _refused([*argv, "--out", str(out)], capsys, out)
    flag = argv[-2]
    assert err.strip() == (
        f"{flag} {argv[-1]}: at most 10,000 (the cap of a scenario's run.replicates; add "
        "--force to go beyond)"
    )


def test_workers_above_the_cores_are_lowered_with_a_note(tmp_path, capsys, monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    out = tmp_path / "out"
    argv = ["run", CLEVELAND, "--replicates", "1", "--workers", "64", "--out", str(out)]
    assert main([*argv, "--no-plots", "--quiet"]) == 0
    assert "note: --workers 64 is more than the 1 cores here; using 1" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text())["workers"] == 1


def test_experiment_n_above_the_cap_is_refused(tmp_path, capsys):
    from cspsim.studies.sensitivity.schema import MAX_N

    text = EXPERIMENT.read_text(encoding="utf-8")
    assert "\nN = 6\n" in text
    text = text.replace("\nN = 6\n", "\nN = 1000000000\n").replace(
        'scenario = "../configs/cleveland.toml"', f'scenario = "{CLEVELAND}"'
    )
    path = tmp_path / "big.toml"
    path.write_text(text)
    out = tmp_path / "out"
    for command in ("check", "sensitivity"):
        argv = [command, str(path)] + (["--out", str(out)] if command == "sensitivity" else [])
        err = _refused(argv, capsys, out)
        assert err.strip() == (
            f"{path}: N: 1,000,000,000 is more than {MAX_N:,} (the cap; --force to go beyond)"
        )
