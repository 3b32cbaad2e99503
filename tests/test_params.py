"""The typed parameters (cspsim/inputs/params.py) agree with the registry they are made from."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from cspsim.inputs.params import Params
from cspsim.inputs.registry import defaults, registry
from cspsim.inputs.scenario import with_values
from cspsim.model.state import params_of

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "update_odd_table.py"


def _script():
    spec = importlib.util.spec_from_file_location("update_odd_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fields_are_the_registry_in_order():
    assert [f.name for f in dataclasses.fields(Params)] == list(registry())
    assert all(f.type == "float" for f in dataclasses.fields(Params))


def test_params_py_is_generated_from_the_registry():
    script = _script()
    assert script.PARAMS.read_text(encoding="utf-8") == script.params_source(), (
        "cspsim/inputs/params.py is stale: run python scripts/update_odd_table.py"
    )


def test_from_scenario_gives_python_floats(cleveland):
    scenario = with_values(cleveland, {"demand_scale": 1.25})
    P = params_of(scenario)
    assert isinstance(P, Params)
    assert P.demand_scale == 1.25
    assert all(type(v) is float for v in dataclasses.asdict(P).values())
    assert dataclasses.asdict(P) == {name: scenario.param(name) for name in registry()}


def test_params_are_frozen_and_slotted():
    P = Params.from_values(defaults())
    with pytest.raises(dataclasses.FrozenInstanceError):
        P.demand_scale = 2.0  # type: ignore[misc]
    assert not hasattr(P, "__dict__")
    assert dataclasses.replace(P, demand_scale=2.0).demand_scale == 2.0
    with pytest.raises(TypeError):
        Params.from_values(defaults() | {"not_a_parameter": 1.0})
