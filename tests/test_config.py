"""Scenario files (``cspsim.inputs.scenario``): errors name file and field, ``extends`` merges."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from cspsim.paths import CONFIGS_DIR

NOT_SCENARIOS = {"parameters.toml", "duties.toml", "england_2009.toml"}
SHIPPED = sorted(p.name for p in CONFIGS_DIR.glob("*.toml") if p.name not in NOT_SCENARIOS)


def write(folder: Path, name: str, text: str) -> Path:
    """Write a TOML file (dedented) and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path: Path) -> list[str]:
    """The problem lines ``load_scenario`` reports for ``path`` (fails if it loads)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.problems, "a ScenarioError must list its problems"
    assert str(err) == "\n".join(err.problems)
    assert all("\n" not in p for p in err.problems), "one line per problem"
    return err.problems


def only_problem(path: Path, field: str) -> str:
    """Assert exactly one problem, reported as ``FILE: field...``, and return it."""
    probs = problems_of(path)
    assert len(probs) == 1, probs
    assert probs[0].startswith(f"{path}: {field}"), probs[0]
    return probs[0]


# ---------------------------------------------------------------- shipped files
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name):
    """Every shipped scenario file loads and validates without error."""
    sc = load_scenario(CONFIGS_DIR / name)
    assert isinstance(sc, Scenario)
    assert sc.source_file == str(CONFIGS_DIR / name)


def test_shipped_scenarios_found():
    """The shipped scenario list is not empty and includes the baseline and Cleveland."""
    assert {"baseline.toml", "cleveland.toml"} <= set(SHIPPED)


def test_minimal_scenario_takes_defaults_and_file_stem(tmp_path):
    """A file with one key is a valid scenario named after the file, with the schema defaults
    (an empty file is refused: tests/test_hostile_inputs.py)."""
    sc = load_scenario(write(tmp_path, "tiny.toml", 'description = "tiny"\n'))
    assert sc.name == "tiny"
    assert sc.time.start == dt.date(2009, 4, 1)
    assert sc.geography.kind == "synthetic_england"


def test_param_override_and_default(tmp_path):
    """Scenario.param returns the scenario's override, else the registry default."""
    sc = load_scenario(
        write(tmp_path, "p.toml", "[parameters]\ndemand_scale = 1.2\n"),
    )
    assert sc.param("demand_scale") == 1.2
    assert sc.param("efficiency_base") == registry()["efficiency_base"].default


# ---------------------------------------------------------------- bad input
def test_unknown_top_level_key(tmp_path):
    """An unknown top-level key is reported at its own name."""
    path = write(tmp_path, "s.toml", "bogus = 1\n")
    assert "unknown key" in only_problem(path, "bogus:")


def test_unknown_nested_key(tmp_path):
    """Unknown keys in tables and in arrays of tables are reported with their full path."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [time]
        finish = 2020-01-01

        [[funding.grants]]
        name = "g"
        gbp_per_year = { 2010 = 1.0 }
        colour = "red"
        """,
    )
    probs = problems_of(path)
    assert len(probs) == 2, probs
    assert f"{path}: time.finish: unknown key" in probs
    assert f"{path}: funding.grants.0.colour: unknown key" in probs


def test_wrong_type(tmp_path):
    """A value of the wrong type names the field."""
    path = write(tmp_path, "s.toml", '[run]\nseed = "abc"\n')
    assert "integer" in only_problem(path, "run.seed:")


def test_cut_above_100_percent(tmp_path):
    """A cut of 150% is rejected at funding.cuts.<i>.pct."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [[funding.cuts]]
        agency = "council"
        start = 2012-04-01
        pct = 150
        """,
    )
    assert "100" in only_problem(path, "funding.cuts.0.pct:")


def test_negative_grant(tmp_path):
    """A negative grant amount is rejected at the year that holds it."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [[funding.grants]]
        name = "g"
        gbp_per_year = { 2010 = 5.0, 2011 = -5.0 }
        """,
    )
    assert "greater than or equal to 0" in only_problem(path, "funding.grants.0.gbp_per_year.2011:")


def test_negative_population(tmp_path):
    """A negative area population is rejected at geography.areas.<i>.population."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [geography]
        kind = "areas"
        [[geography.areas]]
        name = "A"
        type = "unitary"
        population = 1000
        force = "F"
        [[geography.areas]]
        name = "B"
        type = "unitary"
        population = -3
        force = "F"
        """,
    )
    assert "greater than 0" in only_problem(path, "geography.areas.1.population:")


def test_negative_funding_index(tmp_path):
    """A negative funding index value is rejected with its agency and year."""
    path = write(tmp_path, "s.toml", "[funding.index.police]\n2012 = -1\n")
    only_problem(path, "funding.index.police.2012:")


def test_end_before_start(tmp_path):
    """time.end before time.start is one problem at ``time``."""
    path = write(tmp_path, "s.toml", "[time]\nstart = 2015-01-01\nend = 2010-01-01\n")
    assert "must be after" in only_problem(path, "time:")


def test_district_without_county(tmp_path):
    """A district area needs a county (cross-field check on the area)."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [geography]
        kind = "areas"
        [[geography.areas]]
        name = "D"
        type = "district_borough"
        population = 1000
        force = "F"
        """,
    )
    assert "county" in only_problem(path, "geography.areas.0:")


def test_missing_file(tmp_path):
    """A missing scenario file is reported by its path."""
    path = tmp_path / "nope.toml"
    probs = problems_of(path)
    assert probs == [f"{path}: file not found"]


def test_missing_extends_parent(tmp_path):
    """A missing parent names the parent and the file that extends it."""
    child = write(tmp_path, "child.toml", 'extends = "gone.toml"\n')
    probs = problems_of(child)
    assert len(probs) == 1
    assert probs[0].startswith(f"{tmp_path / 'gone.toml'}: file not found")
    assert str(child) in probs[0]


def test_extends_cycle(tmp_path):
    """a -> b -> a is reported as a cycle, not a recursion error."""
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    probs = problems_of(a)
    assert len(probs) == 1
    assert "cycle" in probs[0]
    assert probs[0].split(":")[0].endswith(".toml")


def test_extends_self_cycle(tmp_path):
    """A file extending itself is a cycle."""
    a = write(tmp_path, "self.toml", 'extends = "self.toml"\n')
    assert "cycle" in problems_of(a)[0]


def test_extends_must_be_a_string(tmp_path):
    """``extends = 5`` is reported at ``extends``."""
    path = write(tmp_path, "s.toml", "extends = 5\n")
    assert "extends" in only_problem(path, "extends:")


def test_extends_list_later_parent_wins(tmp_path):
    """``extends = [a, b]`` merges a, then b over it, then the file itself over both."""
    write(tmp_path, "a.toml", "[parameters]\ndemand_scale = 0.8\nw_dilution = 0.5\n")
    write(tmp_path, "b.toml", "[parameters]\ndemand_scale = 1.2\n")
    child = write(
        tmp_path, "c.toml", 'extends = ["a.toml", "b.toml"]\n[parameters]\nw_pressure = 1.5\n'
    )
    params = load_scenario(child).parameters
    assert params == {"demand_scale": 1.2, "w_dilution": 0.5, "w_pressure": 1.5}


def test_extends_list_of_non_strings(tmp_path):
    """A list with a non-string is reported at ``extends``."""
    path = write(tmp_path, "s.toml", 'extends = ["a.toml", 3]\n')
    assert "list of file names" in only_problem(path, "extends:")


def test_unknown_parameter(tmp_path):
    """An unknown parameter name is reported at parameters.<name>."""
    path = write(tmp_path, "s.toml", "[parameters]\nno_such_parameter = 1.0\n")
    assert "unknown parameter" in only_problem(path, "parameters.no_such_parameter:")


def test_parameter_out_of_bounds(tmp_path):
    """A parameter outside its registry bounds names the bounds and the value."""
    spec = registry()["demand_scale"]
    path = write(tmp_path, "s.toml", f"[parameters]\ndemand_scale = {spec.upper + 1}\n")
    line = only_problem(path, "parameters.demand_scale:")
    assert f"{spec.lower:g}" in line
    assert f"{spec.upper:g}" in line


def test_parameter_problems_one_line_each(tmp_path):
    """Several bad parameters give one line each (not one joined line)."""
    path = write(
        tmp_path,
        "s.toml",
        "[parameters]\nnope = 1.0\ndemand_scale = 9.0\nefficiency_base = 0.1\n",
    )
    probs = problems_of(path)
    assert len(probs) == 3, probs
    for field in ("nope", "demand_scale", "efficiency_base"):
        assert sum(p.startswith(f"{path}: parameters.{field}:") for p in probs) == 1


@pytest.mark.parametrize("name", sorted(registry())[:: max(1, len(registry()) // 8)])
def test_registry_bounds_enforced(tmp_path, name):
    """For a sample of registry parameters: the bounds load, just outside them does not."""
    spec = registry()[name]
    ok = write(tmp_path, "ok.toml", f"[parameters]\n{name} = {spec.lower!r}\n")
    assert load_scenario(ok).param(name) == spec.lower
    ok = write(tmp_path, "ok2.toml", f"[parameters]\n{name} = {spec.upper!r}\n")
    assert load_scenario(ok).param(name) == spec.upper
    step = max(abs(spec.upper) * 0.01, 1e-3)
    bad = write(tmp_path, "bad.toml", f"[parameters]\n{name} = {spec.upper + step!r}\n")
    only_problem(bad, f"parameters.{name}:")


def test_unknown_duty_in_overrides(tmp_path):
    """An override of a duty not in the catalogue names the duty."""
    path = write(tmp_path, "s.toml", "[duties.overrides.not_a_duty]\nenabled = false\n")
    line = only_problem(path, "duties.overrides:")
    assert "not_a_duty" in line


def test_unknown_hub_duty(tmp_path):
    """An unknown duty in structure.hub_duties names the duty."""
    path = write(tmp_path, "s.toml", '[structure]\nhub_duties = ["hate_crime", "zzz"]\n')
    line = only_problem(path, "structure.hub_duties:")
    assert "'zzz'" in line


def test_unknown_duties_listed_separately(tmp_path):
    """Two unknown duties in two places give two lines."""
    path = write(
        tmp_path,
        "s.toml",
        '[duties.overrides.aaa]\nenabled = false\n[structure]\nhub_duties = ["bbb"]\n',
    )
    probs = problems_of(path)
    assert len(probs) == 2
    assert any("duties.overrides" in p and "'aaa'" in p for p in probs)
    assert any("structure.hub_duties" in p and "'bbb'" in p for p in probs)


def test_invalid_toml(tmp_path):
    """A file that is not TOML is reported with the parser's position."""
    path = write(tmp_path, "s.toml", 'name = "unterminated\n')
    probs = problems_of(path)
    assert len(probs) == 1
    assert probs[0].startswith(f"{path}: not valid TOML")
    assert "line 1" in probs[0]


def test_missing_duty_catalogue(tmp_path):
    """A duties.file that does not exist is reported at duties.file."""
    path = write(tmp_path, "s.toml", '[duties]\nfile = "no_such_catalogue.toml"\n')
    line = only_problem(path, "duties.file:")
    assert "no_such_catalogue.toml" in line


def test_invalid_toml_duty_catalogue(tmp_path):
    """A custom duty catalogue that is not TOML gives a ScenarioError, not a parser crash."""
    write(tmp_path, "cat.toml", "[broken\n")
    path = write(tmp_path, "s.toml", '[duties]\nfile = "cat.toml"\n')
    line = only_problem(path, "duties.file:")
    assert "not valid TOML" in line


def test_bad_duty_catalogue_entry(tmp_path):
    """A catalogue entry with an unknown partner is reported with the duty and field."""
    write(
        tmp_path,
        "cat.toml",
        """
        [odd_duty]
        name = "Odd"
        start = 2010-01-01
        workload_fte_per_100k = 1.0
        volume = "high"
        contribution = { council = 1.0, parish = 1.0 }
        source = "test"
        """,
    )
    path = write(tmp_path, "s.toml", '[duties]\nfile = "cat.toml"\n')
    probs = problems_of(path)
    assert len(probs) == 1
    assert "odd_duty" in probs[0]
    assert "parish" in probs[0]
    assert probs[0].startswith(str(path))


def test_many_problems_one_line_each(tmp_path):
    """Independent problems in one file are all reported, one line each."""
    path = write(
        tmp_path,
        "s.toml",
        """
        bogus = 1
        [run]
        seed = -1
        [[funding.cuts]]
        agency = "council"
        start = 2012-04-01
        pct = 150
        """,
    )
    probs = problems_of(path)
    assert len(probs) == 3, probs
    assert all(p.startswith(f"{path}: ") for p in probs)
    fields = sorted(p.split(": ")[1] for p in probs)
    assert fields == ["bogus", "funding.cuts.0.pct", "run.seed"]


def test_scenario_from_dict_errors():
    """Dict scenarios report problems like files do, under the name ``<dict>``."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": "x", "time": {"start": "2010-01-01", "end": "2009-01-01"}})
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("<dict>: time:")
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"time": {}})
    assert info.value.problems == ["<dict>: name: required field is missing"]


def test_scenario_round_trips_through_dict(cleveland):
    """model_dump -> scenario_from_dict gives back an equal scenario."""
    assert scenario_from_dict(cleveland.model_dump()) == cleveland


# ---------------------------------------------------------------- extends
PARENT = """
name = "parent"
description = "the parent"

[time]
start = 2010-04-01
end = 2020-03-31

[parameters]
demand_scale = 1.2
efficiency_base = 0.8

[funding.index.police]
2010 = 100
2012 = 90
2015 = 80

[[funding.grants]]
name = "one"
gbp_per_year = { 2010 = 1.0 }

[[funding.grants]]
name = "two"
gbp_per_year = { 2010 = 2.0 }
"""

CHILD = """
extends = "parent.toml"

[time]
end = 2018-03-31

[parameters]
demand_scale = 0.9

[funding.index.police]
2012 = 50

[funding.index.council]
2011 = 95

[[funding.grants]]
name = "three"
gbp_per_year = { 2011 = 3.0 }
"""


def test_extends_merges_tables_key_by_key(tmp_path):
    """Child values override the parent's key by key; untouched keys are inherited."""
    write(tmp_path, "parent.toml", PARENT)
    sc = load_scenario(write(tmp_path, "child.toml", CHILD))
    assert sc.time.start == dt.date(2010, 4, 1)  # inherited
    assert sc.time.end == dt.date(2018, 3, 31)  # overridden
    assert sc.parameters == {"demand_scale": 0.9, "efficiency_base": 0.8}
    assert sc.funding.index["police"] == {2010: 100, 2012: 50, 2015: 80}
    assert sc.funding.index["council"] == {2011: 95}


def test_extends_replaces_lists(tmp_path):
    """Lists (arrays of tables) are replaced, not appended to."""
    write(tmp_path, "parent.toml", PARENT)
    sc = load_scenario(write(tmp_path, "child.toml", CHILD))
    assert [g.name for g in sc.funding.grants] == ["three"]


def test_extends_does_not_inherit_name_or_description(tmp_path):
    """The child is named after its own file unless it names itself; no parent description."""
    write(tmp_path, "parent.toml", PARENT)
    sc = load_scenario(write(tmp_path, "child.toml", CHILD))
    assert sc.name == "child"
    assert sc.description == ""
    assert load_scenario(tmp_path / "parent.toml").name == "parent"


def test_extends_chains(tmp_path):
    """A grandchild sees the grandparent's values through its parent."""
    write(tmp_path, "parent.toml", PARENT)
    write(tmp_path, "child.toml", CHILD)
    gc = load_scenario(
        write(tmp_path, "grandchild.toml", 'extends = "child.toml"\n[parameters]\nw_pressure = 1\n')
    )
    assert gc.parameters == {"demand_scale": 0.9, "efficiency_base": 0.8, "w_pressure": 1.0}
    assert gc.time.start == dt.date(2010, 4, 1)


def test_extends_is_relative_to_the_file(tmp_path):
    """``extends`` is read relative to the extending file's folder."""
    sub = tmp_path / "sub"
    sub.mkdir()
    write(tmp_path, "parent.toml", PARENT)
    sc = load_scenario(write(sub, "child.toml", CHILD.replace("parent.toml", "../parent.toml")))
    assert sc.parameters["efficiency_base"] == 0.8


def test_errors_in_the_parent_reported_against_the_child(tmp_path):
    """A bad value inherited from a parent is still reported, naming the loaded file."""
    write(tmp_path, "parent.toml", "[run]\nseed = -5\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n')
    only_problem(child, "run.seed:")


def test_cleveland_extends_baseline(cleveland, baseline):
    """Cleveland inherits the baseline's funding and reorganisations but has its own areas."""
    assert cleveland.funding == baseline.funding
    assert cleveland.reorganisations == baseline.reorganisations
    assert cleveland.geography.kind == "areas"
    assert len(cleveland.geography.areas) == 4
    assert cleveland.name == "cleveland"


def test_new_duty_in_scenario(tmp_path):
    """A duty added under [duties.new.<id>] joins the scenario's duty table."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [duties.new.extra_duty]
        name = "Extra"
        start = 2016-04-01
        workload_fte_per_100k = 1.0
        volume = "low"
        contribution = { council = 1.0 }
        source = "test"
        """,
    )
    from cspsim.inputs.duties import load_duties

    table = load_duties(load_scenario(path))
    assert table.ids[-1] == "extra_duty"
    assert table.start[-1] == dt.date(2016, 4, 1)


def test_bad_new_duty(tmp_path):
    """A new duty with an unknown field or a clashing id is reported at duties.new.<id>."""
    path = write(
        tmp_path,
        "s.toml",
        """
        [duties.new.extra_duty]
        name = "Extra"
        start = 2016-04-01
        workload_fte_per_100k = 1.0
        volume = "low"
        contribution = { council = 1.0 }
        source = "test"
        colour = "red"

        [duties.new.prevent]
        name = "Prevent again"
        start = 2016-04-01
        workload_fte_per_100k = 1.0
        volume = "low"
        contribution = { council = 1.0 }
        source = "test"
        """,
    )
    probs = problems_of(path)
    assert len(probs) == 2, probs
    assert f"{path}: duties.new.extra_duty.colour: unknown key" in probs
    assert any(p.startswith(f"{path}: duties.new.prevent") for p in probs)


# ---------------------------------------------------------------- shipped scenarios by name


def test_load_shipped_scenario_by_name(cleveland):
    """``load_scenario("cleveland")`` is the shipped file, wherever the caller is."""
    sc = load_scenario("cleveland")
    assert sc == cleveland
    assert sc.source_file == str(CONFIGS_DIR / "cleveland.toml")


def test_local_file_wins_over_shipped_name(tmp_path, monkeypatch):
    """A bare name that is an existing file in the current folder is that file."""
    write(tmp_path, "baseline", 'name = "local"\n')
    monkeypatch.chdir(tmp_path)
    assert load_scenario("baseline").name == "local"


def test_unknown_name_suggests_close_matches():
    """A bare name that matches nothing is one line with close matches."""
    with pytest.raises(ScenarioError) as info:
        load_scenario("clevland")
    (line,) = info.value.problems
    assert "did you mean cleveland" in line and "cspsim scenarios" in line


def test_unknown_name_without_matches():
    """No close match: no suggestion, still one line."""
    with pytest.raises(ScenarioError) as info:
        load_scenario("zzzzzz")
    (line,) = info.value.problems
    assert "no such file or shipped scenario" in line and "did you mean" not in line


def test_extends_falls_back_to_a_shipped_file(tmp_path, cleveland):
    """A file outside configs/ can extend a shipped scenario by its file name or name."""
    by_file = load_scenario(write(tmp_path, "a.toml", 'extends = "cleveland.toml"\n'))
    by_name = load_scenario(write(tmp_path, "b.toml", 'extends = "cleveland"\n'))
    for sc in (by_file, by_name):
        assert sc.geography == cleveland.geography and sc.parameters == cleveland.parameters


def test_extends_local_file_wins_over_shipped(tmp_path):
    """A parent next to the extending file wins over a shipped file of the same name."""
    write(tmp_path, "baseline.toml", "[run]\nseed = 77\n")
    sc = load_scenario(write(tmp_path, "child.toml", 'extends = "baseline.toml"\n'))
    assert sc.run.seed == 77 and sc.geography.kind == "synthetic_england"
