"""Scalar outcomes computed from a run's records agree with the full run table."""

from __future__ import annotations

import pandas as pd
import pytest

from cspsim.analysis.outputs import run_frame
from cspsim.inputs.scenario import load_scenario
from cspsim.model.model import CSPModel
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies.sensitivity.outcomes import (
    OutcomeFileError,
    OutcomeSpec,
    evaluate,
    load_outcomes,
    model_problems,
)
from cspsim.studies.sensitivity.worker import CspsimModel, Runtime

SPECS = {
    "share": OutcomeSpec(measure="share_met", years=(2012, 2016)),
    "share_fy": OutcomeSpec(measure="share_met", years=(2012, 2013), year_basis="financial"),
    "da": OutcomeSpec(measure="share_met__domestic_abuse", level="unitary", years=(2020, 2024)),
    "probation": OutcomeSpec(measure="eng_strategic__probation", level="unitary", years=2016),
    "health_op": OutcomeSpec(measure="eng_operational__health", years=(2018, 2020)),
    "team_sum": OutcomeSpec(measure="team_fte", years=(2020, 2021), aggregate="sum"),
    "unmet_max": OutcomeSpec(measure="unmet_fte", years=(2010, 2024), aggregate="max"),
    "analyst_last": OutcomeSpec(measure="analyst_share", years=(2024, 2024), aggregate="last"),
    "limited": OutcomeSpec(measure="capacity_limited", years=(2015, 2020)),
    "spend": OutcomeSpec(measure="spend_gbp", years=(2011, 2011), aggregate="first"),
}


def reference(frame: pd.DataFrame, spec: OutcomeSpec) -> float:
    """The outcome computed the slow way, from ``run_frame``."""
    unit = "all" if spec.level == "national" else spec.level
    year = frame["fy"] if spec.year_basis == "financial" else frame["date"].dt.year
    sel = frame[(frame["level"] != "csp") & (frame["unit"] == unit)]
    sel = sel[year[sel.index].between(*spec.years)].sort_values("step")
    vals = sel[spec.measure].dropna()
    if spec.aggregate in ("first", "last"):
        return float(vals.iloc[0 if spec.aggregate == "first" else -1])
    return float(getattr(vals, spec.aggregate)())


@pytest.mark.parametrize("config", ["cleveland.toml", "cleveland_merged.toml"])
def test_outcomes_match_run_frame(config):
    """Every measure and aggregation agrees with run_frame, also when CSPs merge mid-run."""
    m = CSPModel(load_scenario(CONFIGS_DIR / config), seed=5, with_agents=False).run()
    frame = run_frame(m, "x", 0)
    got = evaluate(m, SPECS)
    for name, spec in SPECS.items():
        assert got[name] == pytest.approx(reference(frame, spec), rel=1e-9, abs=1e-12), name


def test_shipped_outcomes_file_is_valid():
    """experiments/outcomes.toml loads, and names the examples the issue asks for."""
    specs = load_outcomes(REPO_DIR / "experiments" / "outcomes.toml")
    assert specs["share_met_2020_2024"].years == (2020, 2024)
    district = specs["probation_strategic_district_2016"]
    assert (district.level, district.years) == ("district_borough", (2016, 2016))


def test_outcome_problems_on_a_model(cleveland):
    """Groups absent from the scenario and years outside the run are reported."""
    m = CSPModel(cleveland, seed=1, with_agents=False)
    spec = OutcomeSpec(measure="share_met", level="district_borough", years=(2030, 2031))
    problems = model_problems(spec, m)
    assert any("no district_borough CSPs" in p for p in problems)
    assert any("outside the simulated" in p for p in problems)
    assert model_problems(OutcomeSpec(measure="share_met__nope", years=2012), m)


def test_bad_outcome_entries(tmp_path):
    """Unknown measures, keys and reversed years are reported with the entry's name."""
    path = tmp_path / "o.toml"
    path.write_text('[a]\nmeasure = "share"\nyears = 2012\n[b]\nmeasure = "share_met"\n'
                    'years = [2014, 2012]\ncolour = 1\n')  # fmt: skip
    with pytest.raises(OutcomeFileError) as info:
        load_outcomes(path)
    text = "\n".join(info.value.problems)
    assert f"{path}: a: unknown measure 'share'" in text
    assert f"{path}: b.colour: unknown key" in text


def test_unknown_keys_and_bad_derived_entries_get_one_clear_line(tmp_path):
    """A misspelt key gets a suggestion; contradictory derived keys are refused."""
    path = tmp_path / "o.toml"
    path.write_text(
        '[a]\nmeasure = "share_met"\nyears = 2020\ndevided_by = 2016\n'
        '[b]\nmeasure = "share_met"\nyears = 2020\nminus = 2016\ndivided_by = 2016\n'
        '[c]\nmeasure = "share_met"\nyears = 2020\namong = "areas"\n'
        '[d]\nmeasure = "share_met"\nyears = 2020\nshare_below = 0.5\nshare_above = 0.9\n'
        '[e]\nmeasure = "share_met"\nlevel = "unitary"\nareas = ["Hartlepool"]\nyears = 2020\n'
        '[f]\nmeasure = "share_met"\nyears = 2020\ndivided_by = [2016, 2012]\n'
    )
    with pytest.raises(OutcomeFileError) as info:
        load_outcomes(path)
    text = "\n".join(info.value.problems)
    assert "a.devided_by: unknown key; did you mean 'divided_by'?" in text
    assert "b: give minus or divided_by, not both" in text
    assert "c: among only applies with share_below or share_above" in text
    assert "d: give share_below or share_above, not both" in text
    assert "e: areas already names the CSPs" in text
    assert "f: divided_by: first (2016) is after last (2012)" in text
    assert len(info.value.problems) == 6


def test_derived_outcome_units():
    """Differences keep the measure's unit; ratios are ratios; exceedances count units."""
    diff = OutcomeSpec(measure="unmet_fte", years=2024, minus=2016)
    ratio = OutcomeSpec(measure="spend_gbp", years=(2020, 2024), divided_by=(2009, 2012))
    share = OutcomeSpec(measure="share_met", years=2024, share_below=0.5, among="areas")
    assert (diff.unit, ratio.unit, share.unit) == ("fte", "ratio", "share_of_areas")
    assert diff.kind == "difference" and ratio.kind == "ratio" and share.kind == "level"


def test_area_names_are_checked_on_the_model(cleveland):
    """Unknown area names are reported with a suggestion."""
    m = CSPModel(cleveland, seed=1, with_agents=False)
    spec = OutcomeSpec(measure="share_met", areas=("Midlesbrough",), years=2016)
    assert model_problems(spec, m) == [
        "areas: 'Midlesbrough' is not a council area of this scenario; did you mean "
        "'Middlesbrough'?"
    ]


def test_shared_geography_changes_nothing(cleveland):
    """The worker builds the geography once per process; runs are the same as fresh ones."""
    rt = Runtime("k", "cspsim", cleveland, str(CONFIGS_DIR), SPECS, tuple(SPECS), (), {})
    fn = CspsimModel(rt)
    from cspsim.inputs.scenario import with_values

    for values in (
        {"demand_scale": 1.2, "cut_pct__police": 20.0, "cut_start_year__police": 2014},
        {"duty_start_year__prevent": 2012, "duty_on__hate_crime": 0},  # another duty table
        {"demand_scale": 1.2, "cut_pct__police": 20.0, "cut_start_year__police": 2014},
    ):
        first, again = fn(values, 99), fn(values, 99)
        fresh = CSPModel(with_values(cleveland, values), seed=99, with_agents=False).run()
        assert first == again == evaluate(fresh, SPECS)
    assert len(fn._duties) == 2


def test_indices_and_convergence_have_units(tmp_path):
    """indices.csv and convergence.csv name each input's unit (registry) and each
    outcome's unit (outcome spec)."""
    import pandas as pd

    from cspsim.cli.main import main
    from cspsim.paths import CONFIGS_DIR

    path = tmp_path / "units.toml"
    path.write_text(
        f'scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"\n'
        'method = "morris"\nN = 2\nseed = 3\n'
        'outcomes = ["share_met_2020_2024", "police_strategic_2020_2024"]\n'
        "[parameters]\ndemand_scale = {}\ncost_per_fte_gbp = { bounds = [35000, 50000] }\n"
        "[options]\nresamples = 10\n"
    )
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1", "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
    for name in ("indices.csv", "convergence.csv"):
        table = pd.read_csv(out / name, keep_default_na=False)
        assert {"parameter_unit", "outcome_unit"} <= set(table.columns), name
        assert (table["parameter_unit"] != "").all() and (table["outcome_unit"] != "").all()
    indices = pd.read_csv(out / "indices.csv")
    units = dict(zip(indices["parameter"], indices["parameter_unit"], strict=False))
    assert units == {"demand_scale": "ratio", "cost_per_fte_gbp": "gbp_per_year"}
    outcome = dict(zip(indices["outcome"], indices["outcome_unit"], strict=False))
    assert outcome == {
        "share_met_2020_2024": "share",
        "police_strategic_2020_2024": "engagement_0_1",
    }


def test_per_year_columns_have_readable_names_and_old_stores_still_fit(tmp_path):
    """Per-year columns are 'NAME in YEAR'; a store written with 'NAME@YEAR' columns (and
    its design key) still resumes and reads under the new names."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cspsim.studies.sensitivity.design import design_key
    from cspsim.studies.sensitivity.experiment import load_experiment
    from cspsim.studies.sensitivity.outcomes import split_output
    from cspsim.studies.sensitivity.store import Store
    from cspsim.studies.sensitivity.sweep import holds, plan

    p = plan(load_experiment(REPO_DIR / "experiments" / "cleveland_tiny.toml"))
    assert "share_met_2020_2024 in 2012" in p.runtime.outputs
    assert split_output("share_met_2020_2024 in 2012") == ("share_met_2020_2024", 2012)
    assert split_output("share_met_2020_2024@2012") == ("share_met_2020_2024", 2012)
    old = design_key(p.loaded, p.design, p.X, old_names=True)
    assert old != p.key and holds(p, old) and not holds(p, "0" * 16)
    store = Store(tmp_path)
    pq.write_table(pa.table({"point": [0], "replicate": [0], "x@2012": [0.5]}),
                   store.chunk_path(0))  # fmt: skip
    store.write_chunk(1, {"point": [1], "replicate": [0], "x in 2012": [0.7]})
    assert store.read()["x in 2012"].tolist() == [0.5, 0.7]
