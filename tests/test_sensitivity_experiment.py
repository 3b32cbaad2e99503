"""Experiment files: a good file gives the expected design; bad files exit 2 before any run,
with one line per problem naming the file and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from cspsim.cli.main import main
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import with_values
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies.sensitivity import ExperimentError, load_experiment, plan

CLEVELAND = (CONFIGS_DIR / "cleveland.toml").as_posix()

GOOD = f"""
scenario = "{CLEVELAND}"
method = "morris"
N = 4
replicates = 2
seed = 7
outcomes = ["share_met_2020_2024"]

[parameters]
demand_scale = {{}}
cut_pct__police = {{ bounds = [0, 30] }}
cut_start_year__police = {{ bounds = [2012, 2016] }}
structure_mode = {{}}
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """Write an experiment file."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_good_file_gives_the_design(tmp_path):
    """Sizes, seeds, discrete parameters and registry bounds come out as documented."""
    p = plan(load_experiment(write(tmp_path, GOOD)))
    assert p.loaded.spec.name == "exp"
    assert p.X.shape == (4 * (4 + 1), 4)  # Morris: N trajectories of D + 1 points
    assert len(p.seeds) == 2 and p.n_runs == 40
    names = [v.name for v in p.design.variables]
    assert names == ["demand_scale", "cut_pct__police", "cut_start_year__police", "structure_mode"]
    demand = p.design.variables[0]
    spec = registry()["demand_scale"]
    assert (demand.lower, demand.upper) == (spec.lower, spec.upper)  # the registry's bounds
    year = p.design.variables[2]
    assert year.salib_bounds() == [2012, 2017]  # whole years sampled with equal weight
    years = {year.to_model(x) for x in p.X[:, 2]}
    assert years <= set(range(2012, 2017)) and all(isinstance(y, int) for y in years)
    assert {p.design.variables[3].to_model(x) for x in p.X[:, 3]} <= {0, 1, 2}
    assert p.runtime.values(p.X[0])["cut_start_year__police"] in range(2012, 2017)


def test_same_file_same_design_key(tmp_path):
    """The design key (which guards --resume) depends only on the experiment."""
    path = write(tmp_path, GOOD)
    a, b = plan(load_experiment(path)), plan(load_experiment(path))
    assert a.key == b.key
    np.testing.assert_array_equal(a.X, b.X)
    changed = plan(load_experiment(write(tmp_path, GOOD.replace("seed = 7", "seed = 8"), "b")))
    assert changed.key != a.key


def test_registry_experiment_varies_every_parameter(tmp_path):
    """``parameters = "registry"`` varies every model parameter except ``exclude`` and the
    survey-readout thresholds (which change no outcome)."""
    text = GOOD.split("[parameters]")[0] + 'parameters = "registry"\nexclude = ["demand_scale"]\n'
    text = text.replace('method = "morris"', 'method = "morris"\ngroups = "agency"')
    p = plan(load_experiment(write(tmp_path, text)))
    names = {v.name for v in p.design.variables}
    model = {n for n, s in registry().items() if s.group != "survey"}
    assert names == model - {"demand_scale"}
    assert "survey_very_threshold" not in names and "engagement_base_police" in names
    assert p.design.problem()["groups"][0] == "council"


BAD = [
    (
        "unknown parameter",
        ("demand_scale = {}", "demand_scail = {}"),
        "parameters.demand_scail: unknown parameter 'demand_scail'",
    ),
    (
        "bounds reversed",
        ("{ bounds = [0, 30] }", "{ bounds = [30, 0] }"),
        "parameters.cut_pct__police.bounds: lower (30) must be below upper (0)",
    ),
    (
        "beyond registry",
        ("{ bounds = [0, 30] }", "{ bounds = [0, 90] }"),
        "parameters.cut_pct__police: bounds: [0, 90] go beyond the registry bounds [0, 60]",
    ),
    (
        "unknown method",
        ('method = "morris"', 'method = "sobel"'),
        "method: Input should be 'sobol', 'morris'",
    ),
    (
        "sobol N",
        ('method = "morris"\nN = 4', 'method = "sobol"\nN = 100'),
        "N: Sobol' needs N a power of 2 and at least 4 (got 100); try 64 or 128",
    ),
    ("efast N", ('method = "morris"\nN = 4', 'method = "efast"\nN = 50'), "N: eFAST needs N >= 65"),
    (
        "unknown outcome",
        ('["share_met_2020_2024"]', '["share_met_2020_2024", "shar_met"]'),
        "outcomes[1]: unknown outcome 'shar_met'",
    ),
    (
        "outcome not in scenario",
        ('["share_met_2020_2024"]', '["probation_strategic_district_2016"]'),
        "outcomes[0]: 'probation_strategic_district_2016': the scenario has no district_borough",
    ),
    ("seed zero", ("seed = 7", "seed = 0"), "seed: must be non-zero"),
    ("unknown key", ("seed = 7", "seed = 7\nrepeats = 3"), "repeats: unknown key"),
    (
        "suggested key",
        ("seed = 7", "seed = 7\nreplicate = 3"),
        "replicate: unknown key; did you mean 'replicates'?",
    ),
    (
        "option of another method",
        ("[parameters]", "[options]\nM = 4\n[parameters]"),
        "options.M: not an option of morris",
    ),
    (
        "groups unsupported",
        ('method = "morris"\nN = 4', 'method = "rbd_fast"\nN = 64\ngroups = "agency"'),
        "groups: rbd_fast does not support groups",
    ),
    (
        "year outside",
        ("seed = 7", "seed = 7\nyears = [2031]"),
        "years: 2031 is outside the simulated years 2009-2024",
    ),
    (
        "fractional years",
        ("[2012, 2016]", "[2012.5, 2016]"),
        "parameters.cut_start_year__police: bounds: must be whole numbers",
    ),
    ("missing scenario file", (CLEVELAND, "nowhere.toml"), "scenario: "),
    (
        "bad model function",
        ('method = "morris"', 'method = "morris"\nmodel = "os:nothing_here"'),
        "model: cannot import 'os:nothing_here'",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_file_exits_2_before_any_run(tmp_path, capsys, case):
    """Each mistake gives exit status 2 and a line naming the file and the field."""
    _, (old, new), expected = case
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err, err
    assert not out.exists()  # nothing sampled, nothing run


def test_lever_rules(tmp_path):
    """A lever that acts only with another is refused alone, unless the base scenario sets
    that other; levers on a scenario that already applies levers replace its levers."""
    text = GOOD.replace("cut_pct__police = { bounds = [0, 30] }\n", "")
    with pytest.raises(ExperimentError, match="has no effect unless cut_pct__police"):
        load_experiment(write(tmp_path, text))
    levered = (CONFIGS_DIR / "deeper_cuts_2026.toml").as_posix()  # sets cut_pct__police
    loaded = load_experiment(write(tmp_path, text.replace(CLEVELAND, levered), "levered.toml"))
    p = plan(loaded)
    for x in p.X[:3]:  # each run moves the base's police cut; none adds a second one
        values = p.runtime.values(x)
        cuts = with_values(loaded.scenario, values).funding.cuts
        police = [(c.start.year, c.pct) for c in cuts if c.agency == "police"]
        assert police == [(values["cut_start_year__police"], 10)]
    loaded = load_experiment(write(tmp_path, GOOD.replace(CLEVELAND, levered), "levered.toml"))
    assert "cut_pct__police" in loaded.scenario.lever_values
    fire = text.replace(CLEVELAND, levered).replace("start_year__police", "start_year__fire_rescue")
    with pytest.raises(ExperimentError, match="has no effect unless cut_pct__fire_rescue"):
        load_experiment(write(tmp_path, fire, "fire.toml"))
    text = GOOD.replace(CLEVELAND, levered).split("[parameters]")[0]
    assert load_experiment(write(tmp_path, text + "[parameters]\ndemand_scale = {}\n", "ok"))


def test_every_problem_reported_at_once(tmp_path):
    """Several mistakes in one file give one line each, in one go."""
    text = GOOD.replace('method = "morris"\nN = 4', 'method = "sobol"\nN = 3')
    text = text.replace("demand_scale = {}", "demand_scail = {}")
    text = text.replace('["share_met_2020_2024"]', '["nope"]').replace("[0, 30]", "[30, 0]")
    with pytest.raises(ExperimentError) as info:
        load_experiment(write(tmp_path, text))
    problems = info.value.problems
    assert len(problems) == 4, problems
    for field in ("N:", "parameters.demand_scail:", "outcomes[0]:", "cut_pct__police.bounds:"):
        assert sum(field in p for p in problems) == 1, (field, problems)


def test_shipped_experiments_are_valid():
    """Every experiment file shipped in experiments/ loads without problems."""
    files = sorted((REPO_DIR / "experiments").glob("*.toml"))
    files = [f for f in files if f.name != "outcomes.toml"]
    assert len(files) >= 3
    for f in files:
        loaded = load_experiment(f)
        assert loaded.spec.seed != 0


def test_bad_outcomes_file(tmp_path, capsys):
    """Problems in the outcomes file are reported against that file."""
    write(tmp_path, '[x]\nmeasure = "share_mett"\nyears = [2020, 2010]\n', "outcomes.toml")
    path = write(tmp_path, GOOD.replace('["share_met_2020_2024"]', '["x"]'))
    assert main(["sensitivity", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'outcomes.toml'}: x: unknown measure 'share_mett'" in err
