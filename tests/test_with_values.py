"""``config.with_values`` on scenarios that applied levers: levers are set, not stacked."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from cspsim.inputs.scenario import ScenarioError, load_scenario, scenario_from_dict, with_values
from cspsim.paths import CONFIGS_DIR


@pytest.fixture(scope="module")
def deeper():
    """Projection to 2030 with levers: council and county -20%, police -10%, from 2026."""
    return load_scenario(CONFIGS_DIR / "deeper_cuts_2026.toml")


def cuts_of(scenario, agency: str) -> list[tuple[dt.date, float, float]]:
    return [(c.start, c.pct, c.years) for c in scenario.funding.cuts if c.agency == agency]


def test_deeper_cuts_has_one_council_cut(deeper):
    """The premise of the tests below: one council cut of 20% from April 2026."""
    assert cuts_of(deeper, "council") == [(dt.date(2026, 4, 1), 20.0, 2.0)]


def test_setting_a_cut_replaces_it(deeper):
    """A cut's size replaces the scenario's cut of that agency (one cut, not two)."""
    s = with_values(deeper, {"cut_pct__council": 10})
    assert cuts_of(s, "council") == [(dt.date(2026, 4, 1), 10.0, 2.0)]
    assert len(s.funding.cuts) == len(deeper.funding.cuts)
    for agency in ("county_council", "police"):  # the other levers are applied as before
        assert cuts_of(s, agency) == cuts_of(deeper, agency)
    assert s.lever_values == {**deeper.lever_values, "cut_pct__council": 10}
    assert s.parameters == deeper.parameters


def test_setting_a_cut_to_zero_removes_it(deeper):
    """A cut of 0 means no lever cut (not the scenario's cut left in place)."""
    s = with_values(deeper, {"cut_pct__police": 0})
    assert cuts_of(s, "police") == []
    assert cuts_of(s, "council") == cuts_of(deeper, "council")


def test_companion_alone_moves_the_cut(deeper):
    """A cut's start year alone moves the scenario's cut; the phasing alone re-phases all."""
    s = with_values(deeper, {"cut_start_year__council": 2028})
    assert cuts_of(s, "council") == [(dt.date(2028, 4, 1), 20.0, 2.0)]
    assert cuts_of(s, "police") == cuts_of(deeper, "police")
    s = with_values(deeper, {"cut_phase_years": 4})
    assert {c.years for c in s.funding.cuts} == {4.0}
    assert [(c.agency, c.pct) for c in s.funding.cuts] == [
        (c.agency, c.pct) for c in deeper.funding.cuts
    ]


def test_chained_calls_build_on_each_other(deeper):
    """A result of with_values keeps its own levers for the next call."""
    s = with_values(deeper, {"cut_pct__council": 10})
    s = with_values(s, {"cut_start_year__council": 2029})
    assert cuts_of(s, "council") == [(dt.date(2029, 4, 1), 10.0, 2.0)]


@pytest.mark.parametrize(
    "values",
    [
        {"cut_pct__council": 10},
        {"cut_start_year__police": 2027, "demand_scale": 1.1},
        {"structure_mode": "merged", "structure_start_year": 2020},
        {"demand_scale": 1.1},
    ],
    ids=["cut", "companion+parameter", "structure", "parameter"],
)
def test_same_values_twice_is_idempotent(deeper, cleveland, values):
    """Applying the same values again changes nothing, with or without base levers."""
    for base in (deeper, cleveland):
        once = with_values(base, values)
        twice = with_values(once, values)
        assert twice.model_dump() == once.model_dump()
        assert twice == once


def test_parameter_only_change_on_levered_scenario(deeper):
    """A model parameter on a levered scenario keeps its levers exactly as they were."""
    s = with_values(deeper, {"demand_scale": 1.1})
    assert s.parameters == {**deeper.parameters, "demand_scale": 1.1}
    expected = deeper.model_dump()
    expected["parameters"] = s.parameters
    assert s.model_dump() == expected


def old_with_values(scenario, values):
    """with_values as it was before scenarios kept their pre-lever form."""
    raw = scenario.model_dump()
    raw["parameters"] = {**raw["parameters"], **values}
    return scenario_from_dict(raw)


@pytest.mark.parametrize(
    "values",
    [{}, {"demand_scale": 1.1}, {"cut_pct__police": 15, "cut_start_year__police": 2012}],
    ids=["nothing", "parameter", "lever"],
)
def test_scenario_without_levers_unchanged(cleveland, values):
    """Without levers in the base, with_values gives exactly what it always gave."""
    assert not cleveland.lever_values
    new, old = with_values(cleveland, values), old_with_values(cleveland, values)
    assert new.model_dump() == old.model_dump()
    assert new.model_dump(mode="json") == old.model_dump(mode="json")


def test_pre_lever_form_is_private_and_pickled(deeper):
    """The pre-lever form stays out of dumps (manifests) and survives pickling (pools)."""
    dumped = deeper.model_dump(mode="json")
    assert set(dumped) == set(type(deeper).model_fields)
    assert "_pre_levers" not in str(dumped)
    copy = pickle.loads(pickle.dumps(deeper))
    assert copy == deeper
    s = with_values(copy, {"cut_pct__council": 10})
    assert cuts_of(s, "council") == [(dt.date(2026, 4, 1), 10.0, 2.0)]


def test_copy_with_a_new_name_keeps_levers_settable(deeper):
    """model_copy(update=...) of a part levers do not write is carried to the pre-lever form."""
    renamed = deeper.model_copy(update={"name": "renamed"})
    s = with_values(renamed, {"cut_pct__council": 10})
    assert s.name == "renamed"
    assert cuts_of(s, "council") == [(dt.date(2026, 4, 1), 10.0, 2.0)]


def test_levers_refused_where_they_would_stack(deeper):
    """A levered scenario without its pre-lever form refuses levers (not parameters)."""
    rebuilt = scenario_from_dict(deeper.model_dump())
    assert rebuilt.lever_values == deeper.lever_values
    with pytest.raises(ScenarioError, match=r"cannot set levers \(cut_pct__council\)"):
        with_values(rebuilt, {"cut_pct__council": 10})
    assert with_values(rebuilt, {"demand_scale": 1.1}).funding == deeper.funding
    changed = deeper.model_copy(update={"funding": deeper.funding})
    with pytest.raises(ScenarioError, match="already applied levers"):
        with_values(changed, {"cut_start_year__council": 2028})
