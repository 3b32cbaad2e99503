"""Exploration designs: Latin hypercube, full factorial, policies x scenarios (XLRM)."""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies.sensitivity import ExperimentError, load_experiment, plan
from cspsim.studies.sensitivity.store import Store
from cspsim.studies.sensitivity.testfns import ishigami

ISHIGAMI = """
name = "explore"
model = "cspsim.studies.sensitivity.testfns:ishigami"
seed = {seed}
replicates = 2
outcomes = ["y"]
{head}
[parameters]
x1 = {{ {x1} }}
x2 = {{ {x2} }}
{tail}
"""


def experiment(tmp_path: Path, text: str, name: str = "e.toml") -> Path:
    """Write an experiment file."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def ishigami_file(tmp_path: Path, seed: int = 7, head: str = 'method = "lhs"\nN = 20',
                  x1: str = "bounds = [-3, 3]", x2: str = "bounds = [-2, 2]",
                  tail: str = "[fixed]\nx3 = 1.0") -> Path:  # fmt: skip
    """An Ishigami experiment (a fast function model)."""
    return experiment(tmp_path, ISHIGAMI.format(seed=seed, head=head, x1=x1, x2=x2, tail=tail))


def test_lhs_is_a_seeded_latin_hypercube(tmp_path):
    """Each input's range is cut into N equal strata with exactly one point in each; the
    same seed gives the same design, another seed another."""
    p = plan(load_experiment(ishigami_file(tmp_path)))
    assert p.X.shape == (20, 2) and p.n_runs == 40
    for j, (lo, hi) in enumerate([(-3, 3), (-2, 2)]):
        strata = np.floor((p.X[:, j] - lo) / (hi - lo) * 20).astype(int)
        assert sorted(strata) == list(range(20))
    again = plan(load_experiment(ishigami_file(tmp_path)))
    other = plan(load_experiment(ishigami_file(tmp_path, seed=8)))
    np.testing.assert_array_equal(p.X, again.X)
    assert not np.allclose(p.X, other.X)
    assert p.key != other.key


def factorial_file(tmp_path: Path, parameters: str) -> Path:
    """A factorial experiment on Cleveland over the given ``[parameters]`` lines."""
    head = f"""
        scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"
        method = "factorial"
        seed = 3
        outcomes = ["share_met_2020_2024"]
        [parameters]
    """
    return experiment(tmp_path, textwrap.dedent(head) + textwrap.dedent(parameters))


def test_factorial_crosses_every_level(tmp_path):
    """A factorial runs every combination of the levels once (no N); choices by name."""
    path = factorial_file(tmp_path, """
        demand_scale = { levels = [0.8, 1.0, 1.2] }
        structure_mode = { levels = ["separate", "one_plus_four"] }
        fund_coordinator = { levels = [0, 1] }
    """)  # fmt: skip
    p = plan(load_experiment(path))
    want = list(itertools.product([0.8, 1.0, 1.2], [0.0, 2.0], [0.0, 1.0]))
    np.testing.assert_array_equal(p.X, np.array(want))
    assert p.design.N == 12 and p.n_runs == 12
    values = p.runtime.values(p.X[-1])
    assert values == {"demand_scale": 1.2, "structure_mode": 2, "fund_coordinator": 1}


def test_policies_share_scenarios_and_seeds_and_outcomes_are_the_model_s(tmp_path):
    """Each policy runs on the same sampled scenarios with the same seeds; the tables give
    each run's inputs and outputs (checked against the function itself) and the summary
    by policy."""
    tail = "[policies.low]\nx3 = -1.0\n[policies.mid]\nx3 = 1.0\n[policies.high]\nx3 = 2.0\n"
    path = ishigami_file(tmp_path, tail=tail)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    experiments = pd.read_parquet(out / "experiments.parquet")
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(experiments["policy"].cat.categories) == ["low", "mid", "high"]
    assert len(experiments) == 60 and len(outcomes) == 120
    by = experiments.groupby("policy", observed=True)
    for name in ("mid", "high"):  # the same 20 scenarios under every policy
        np.testing.assert_array_equal(by.get_group(name)[["x1", "x2"]].to_numpy(),
                                      by.get_group("low")[["x1", "x2"]].to_numpy())  # fmt: skip
    seeds = outcomes.groupby("policy", observed=True)["seed"].apply(list)
    assert seeds["low"] == seeds["mid"] == seeds["high"]
    x3 = {"low": -1.0, "mid": 1.0, "high": 2.0}
    merged = outcomes.merge(experiments, on=["point", "policy", "scenario"])
    for r in merged.itertuples():
        want = ishigami({"x1": r.x1, "x2": r.x2, "x3": x3[r.policy]}, 0)["y"]
        assert r.y == pytest.approx(want, rel=1e-12)
    table = pd.read_csv(out / "outcomes_by_policy.csv")
    means = merged.groupby("policy", observed=True)["y"].mean()
    for r in table.itertuples():
        assert r.points == 20 and r.mean == pytest.approx(means[r.policy], rel=1e-9)
    summary = (out / "summary.md").read_text()
    assert "3 policies x 20 sampled scenarios" in summary and "| y |" in summary
    assert not (out / "indices.csv").exists()


def test_check_accepts_the_shipped_exploration_experiments(capsys):
    """`cspsim check` accepts lhs and factorial experiments (run from another folder)."""
    names = ("cleveland_policies", "cleveland_factorial", "policies_national")
    files = [REPO_DIR / "experiments" / f"{n}.toml" for n in names]
    assert main(["check", *map(str, files)]) == 0
    text = capsys.readouterr().out
    assert "method lhs" in text and "method factorial" in text


def test_exploration_mistakes_give_one_line_each(tmp_path):
    """Every mistake in the exploration fields is reported at once, naming the field."""
    path = experiment(tmp_path, f"""
        scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"
        method = "factorial"
        N = 4
        seed = 3
        outcomes = ["share_met_2020_2024"]
        timeseries = ["share_met_2010_2014"]
        [parameters]
        demand_scale = {{ levels = [0.8, 9.0] }}
        structure_mode = {{ levels = ["separate", "merge"] }}
        efficiency_base = {{}}
        [policies.a]
        demand_scale = 1.0
        cut_pct__polic = 10
        [policies.b]
        cut_start_year__police = 2015
    """)  # fmt: skip
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    lines = [line.removeprefix(f"{path}: ") for line in info.value.problems]
    assert "N: factorial takes no N: its size is the product of the levels" in lines
    assert any(x.startswith("parameters.demand_scale.levels: 'demand_scale' must") for x in lines)
    assert (
        "parameters.structure_mode.levels: 'merge' is not one of ['separate', "
        "'merged', 'one_plus_four']" in lines
    )
    assert (
        "parameters.efficiency_base: a factorial needs levels = [...] for every parameter" in lines
    )
    assert any(x.startswith("policies.a.demand_scale: is also varied") for x in lines)
    assert any(x.startswith("policies.a.cut_pct__polic: unknown parameter") for x in lines)
    assert any(x.startswith("policies.b.cut_start_year__police: has no effect") for x in lines)
    assert "timeseries[0]: 'share_met_2010_2014' is not one of the experiment's outcomes" in lines
    assert len(lines) == 8, lines


@pytest.mark.parametrize(
    ("head", "tail", "expected"),
    [
        ('method = "lhs"', "", "N: required for method lhs"),
        ('method = "sobol"\nN = 8', "[policies.a]\nx3 = 1", "policies: only with an exploration"),
        ('method = "morris"\nN = 4', "", "parameters.x1.levels: only used with method"),
        ('method = "lhs"\nN = 4\ntimeseries = ["y"]', "", "timeseries: only with model"),
    ],
)
def test_exploration_fields_against_the_method(tmp_path, head, tail, expected):
    """N, policies, levels and time series are refused where they do not apply."""
    path = ishigami_file(tmp_path, head=head, x1="levels = [0, 1]", tail=tail)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert any(expected in line for line in info.value.problems), info.value.problems


def test_time_series_per_run_match_the_outcomes(tmp_path, policies_experiment):
    """Each run's stored quarterly series averages, over 2020-2024, to its outcome; a chunk
    whose series file is lost is run again on --resume."""
    path = policies_experiment(3, 6)
    out = tmp_path / "out"
    args = ["sensitivity", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    assert main(args) == 0
    store = Store(out / "store")
    series, runs = store.read_series(), store.read()
    assert len(series) == len(runs) == 18
    quarters = [c for c in series.columns if c[:4].isdigit()]
    assert quarters[0] == "2009-04-01" and quarters[-1] == "2024-10-01"
    in_period = [q for q in quarters if 2020 <= int(q[:4]) <= 2024]
    np.testing.assert_allclose(series[in_period].mean(axis=1), runs["share_met_2020_2024"],
                               rtol=1e-12)  # fmt: skip
    before = store.read_series()
    store.series_path(1).unlink()
    assert main([*args, "--resume"]) == 0
    pd.testing.assert_frame_equal(store.read_series(), before)
    assert math.isclose(
        store.read()["share_met_2020_2024"].sum(), runs["share_met_2020_2024"].sum()
    )


def test_experiments_table_names_choices(tmp_path):
    """In experiments.parquet a choice lever is its name (categorical), a boolean an int."""
    from cspsim.studies.sensitivity.tables import experiments_frame

    path = factorial_file(tmp_path, """
        structure_mode = { levels = ["merged", "separate"] }
        fund_coordinator = { levels = [0, 1] }
    """)  # fmt: skip
    frame = experiments_frame(plan(load_experiment(path)))
    assert list(frame["structure_mode"]) == ["merged", "merged", "separate", "separate"]
    assert list(frame["structure_mode"].cat.categories) == ["separate", "merged",
                                                            "one_plus_four"]  # fmt: skip
    assert frame["fund_coordinator"].dtype == np.int64
