"""End-to-end tests of the ``cspsim`` command line on small configs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cspsim.cli.main import main

REPO = Path(__file__).resolve().parents[1]
CLEVELAND = str(REPO / "configs" / "cleveland.toml")


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_run_subprocess_writes_every_output(tmp_path):
    """`python -m cspsim run` on Cleveland writes Parquet, summary, manifest and plots."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cspsim", "run", CLEVELAND, "--replicates", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for name in (
        "timeseries.parquet",
        "summary.csv",
        "manifest.json",
        "share_met.png",
        "engagement.png",
        "duties.png",
        "capacity.png",
        "survey_2009.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates"] == 2 and len(manifest["seeds"]) == 2
    assert manifest["resolved_config"]["name"] == "cleveland"
    assert manifest["versions"]["mesa"].startswith("3.5")
    assert "commit" in manifest["git"] and manifest["wall_time_s"] > 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts["level"]) == {"csp", "authority_type", "national"}
    assert ts[ts["level"] == "csp"]["unit"].nunique() == 4
    assert ts["share_met"].between(0, 1).all()
    assert "replicates" in proc.stdout and "Share of demand met" in proc.stdout


def test_same_seed_same_results_whatever_the_workers(tmp_path):
    """One worker and two workers give identical time series for the same seed."""
    frames = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        args = ["run", CLEVELAND, "--replicates", "3", "--seed", "7", "--workers", str(workers)]
        assert main([*args, "--out", str(out), "--no-plots", "--quiet"]) == 0
        frames.append(pd.read_parquet(out / "timeseries.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_different_seed_different_results(tmp_path):
    """Changing the root seed changes the results (the seed is really used)."""
    frames = []
    for seed in (1, 2):
        out = tmp_path / f"s{seed}"
        args = ["run", CLEVELAND, "--replicates", "1", "--seed", str(seed), "--out", str(out)]
        assert main([*args, "--no-plots", "--quiet"]) == 0
        frames.append(pd.read_parquet(out / "timeseries.parquet"))
    assert not frames[0]["share_met"].equals(frames[1]["share_met"])


def test_check_ok_and_scenarios_list(capsys):
    """`check` accepts every shipped scenario; `scenarios` lists them."""
    shipped = sorted(
        str(p)
        for p in (REPO / "configs").glob("*.toml")
        if p.name not in {"parameters.toml", "duties.toml", "england_2009.toml"}
    )
    assert main(["check", *shipped]) == 0
    assert capsys.readouterr().out.count("OK ") == len(shipped)
    assert main(["scenarios"]) == 0
    listing = capsys.readouterr().out
    assert "configs/" in listing and "cspsim run baseline" in listing
    names = {line for line in listing.splitlines() if line and not line[0].isspace()}
    assert {Path(p).stem for p in shipped} <= names


def test_shipped_scenarios_by_name(tmp_path, capsys, monkeypatch):
    """`run`, `check` and `compare` take a shipped scenario's name from any folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["check", "cleveland", "cleveland_merged"]) == 0
    assert "OK cleveland: 'cleveland', 4 council areas" in capsys.readouterr().out
    out = tmp_path / "out"
    args = ["run", "cleveland", "--replicates", "1", "--no-plots", "--quiet", "--workers", "1"]
    assert main([*args, "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_file"] == str(REPO / "configs" / "cleveland.toml")
    args = ["compare", "cleveland", "cleveland_merged", "--replicates", "2", "--quiet"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "cmp")]) == 0
    assert (tmp_path / "cmp" / "manifest.json").is_file()


@pytest.mark.parametrize("command", ["run", "check", "compare"])
def test_misspelt_name_exits_2_with_suggestion(tmp_path, capsys, monkeypatch, command):
    """An unknown name exits 2 with one line suggesting close matches; nothing is written."""
    monkeypatch.chdir(tmp_path)
    assert main([command, "baselin"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == err.strip().splitlines()[0] and "did you mean baseline?" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "x"\nbogus = 1\n', "bogus: unknown key"),
        ('name = "x"\n[run]\nreplicates = "many"\n', "run.replicates"),
        (
            'name = "x"\n[[funding.cuts]]\nagency = "police"\nstart = 2012-04-01\npct = 150\n',
            "funding.cuts.0.pct",
        ),
        (
            'name = "x"\n[[funding.grants]]\nname = "g"\ngbp_per_year = { 2010 = -5.0 }\n',
            "funding.grants.0.gbp_per_year",
        ),
        ('name = "x"\n[time]\nstart = 2010-01-01\nend = 2009-01-01\n', "must be after start"),
        ('name = "x"\nextends = "nowhere.toml"\n', "file not found"),
        ('name = "x"\n[parameters]\nno_such_parameter = 1.0\n', "unknown parameter"),
        ('name = "x"\n[structure]\nhub_duties = ["juggling"]\n', "unknown duty 'juggling'"),
        ('name = "x"\n[structure]\nmode = "merged"\ngroups = [["Atlantis"]]\n', "unknown area"),
    ],
)
def test_bad_input_exits_2_without_traceback_or_output(tmp_path, capsys, body, expected):
    """Bad scenarios exit 2 naming the file and the field, print no traceback, write nothing."""
    path = _write(tmp_path, "bad.toml", body)
    out = tmp_path / "out"
    code = main(["run", path, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "bad.toml" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert main(["check", path]) == 2


def test_missing_file_subprocess_exits_2(tmp_path):
    """A missing scenario file exits 2 with a one-line message and no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "cspsim", "check", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 2
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_flags_exit_2(tmp_path, capsys):
    """Non-positive replicates or workers are user errors."""
    assert main(["run", CLEVELAND, "--replicates", "0", "--out", str(tmp_path / "o")]) == 2
    assert main(["run", CLEVELAND, "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["cleveland_tiny", "morris_screening", "sobol_top10"])
def test_check_recognises_a_shipped_experiment(name, capsys):
    """`check` runs a sweep's own checks on an experiment file, not the scenario checks."""
    from cspsim.paths import REPO_DIR

    assert main(["check", str(REPO_DIR / "experiments" / f"{name}.toml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK experiment {name}: ") and ", method " in out


def test_check_takes_scenario_files_as_scenarios(capsys):
    """A scenario file (even one with ``replicates``) is not taken for an experiment."""
    from cspsim.paths import CONFIGS_DIR

    assert main(["check", str(CONFIGS_DIR / "history_2009_2024.toml")]) == 0
    assert "OK experiment" not in capsys.readouterr().out


def test_check_reports_a_broken_experiment(tmp_path, capsys):
    """A broken experiment file: one line per problem and exit status 2."""
    path = tmp_path / "broken.toml"
    path.write_text(
        'method = "sobol"\nN = 6\nseed = 1\noutcomes = ["no_such_outcome"]\n'
        'scenario = "cleveland"\n[parameters]\nno_such_parameter = {}\n'
    )
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert "OK" not in captured.out
    err = captured.err
    assert "power of 2" in err and "no_such_parameter" in err and "no_such_outcome" in err


def test_force_help_names_the_caps_the_code_applies():
    """--force's help writes the caps out (the CLI does not import the sweep package to start
    fast): they must be the values the code checks."""
    from cspsim.cli.common import FORCE_HELP
    from cspsim.inputs.scenario import MAX_REPLICATES
    from cspsim.studies.sensitivity.schema import MAX_N

    assert f"{MAX_REPLICATES:,}" in FORCE_HELP and f"{MAX_N:,}" in FORCE_HELP
